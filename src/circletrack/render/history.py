"""The log of progress reports (`circletrack log`): a Rich table or JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.table import Table

from ..base.cells import cell_len, wrap_cells
from ..base.i18n import N_, _, ngettext, pgettext
from ..model.labels import (
    item_title,
    status_label,
)
from ..query.select import LogEntry
from .fields import report_json
from .fitted import fit, fold_id, status_text
from .formats import json_array
from .widgets import shorten


@dataclass(frozen=True)
class LogColumn:
    """A column of the log table: header (translated where shown), the text of one entry, and
    how it is laid out.

    Columns without a `ratio` keep their whole width; the others share what is left of the
    terminal in proportion to their ratio (Rich alone would squeeze CJK text unevenly).
    """

    header: str
    get: Callable[[LogEntry], str]
    style: str | None = None
    justify: str = "left"
    ratio: int | None = None


def _progress(entry: LogEntry) -> str:
    return "" if entry.report.progress is None else f"{entry.report.progress}%"


LOG_COLUMNS: dict[str, LogColumn] = {
    "date": LogColumn(N_("Date"), lambda e: e.report.date.isoformat()),
    "id": LogColumn(N_("ID"), lambda e: e.item.id, "cyan"),
    "title": LogColumn(N_("Title"), lambda e: item_title(e.item), ratio=3),
    "status": LogColumn(N_("Status"), lambda e: status_label(e.report.status)),
    "progress": LogColumn("%", _progress, justify="right"),
    "note": LogColumn(N_("Note"), lambda e: e.report.note or "", ratio=5),
    "by": LogColumn("By", lambda e: e.report.by or "", ratio=2),
    "source": LogColumn(N_("Source"), lambda e: e.report.source, ratio=2),
}


def _header(name: str) -> str:
    """A log column's header in the active language ("%" is the same in every language)."""
    if name == "progress":
        return "%"
    if name == "by":
        return pgettext("report", "By")
    return _(LOG_COLUMNS[name].header)
#: Narrower terminals leave out Source, then Title and By (JSON always has every field).
LOG_WIDTHS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (140, tuple(LOG_COLUMNS)),
    (110, ("date", "id", "title", "status", "progress", "note", "by")),
    (0, ("date", "id", "status", "progress", "note")),
)


def log_columns(width: int) -> tuple[str, ...]:
    """The columns that fit a terminal this wide."""
    return next(columns for least, columns in LOG_WIDTHS if width >= least)


#: Narrowest a wrapping column of the log gets (in cells) before the id gives way.
LOG_FLOORS: dict[str, int] = {"title": 10, "note": 12, "by": 6, "source": 8}


def log_table(entries: Sequence[LogEntry], width: int = 200, full: bool = False) -> Table:
    """A Rich table of reports, one row each, in the order given, as wide as `width`.

    The widths are fitted as the item tables' are (`fitted.fit`: a column of text shares
    the room by its ratio, an id folds only after a hyphen, and only when the text would
    otherwise get too narrow), and each text is wrapped by the Chinese line-breaking rules
    (`cells.wrap_cells`: an id, a number or a date moves down whole), not by Rich, which
    would split `2020` or `hwy-raocheng-west` anywhere.
    """
    chosen = {name: LOG_COLUMNS[name] for name in log_columns(width)}
    headers = [_header(name) for name in chosen]
    rows = [[shorten(column.get(entry), full, "circletrack log --full") if name == "note"
             else column.get(entry) for name, column in chosen.items()] for entry in entries]
    wrapping = [column.ratio is not None for column in chosen.values()]
    natural = [max([cell_len(header), *(max(map(cell_len, row[i].split("\n")), default=0)
                                         for row in rows)])
               for i, header in enumerate(headers)]
    widths = fit(natural, wrapping,
                 [LOG_FLOORS.get(name, 0) for name in chosen],
                 [column.ratio or 0 for column in chosen.values()], width,
                 yielding=[name == "id" for name in chosen],
                 hard=[cell_len(header) for header in headers])
    table = Table(title=ngettext("{count} report", "{count} reports", len(entries)).format(
                      count=len(entries)),
                  title_justify="left", header_style="bold", pad_edge=False,
                  box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True)
    for (name, column), header, cells_width in zip(chosen.items(), headers, widths):
        table.add_column(header, style=column.style, justify=column.justify,  # type: ignore[arg-type]
                         no_wrap=True, width=cells_width, min_width=cells_width,
                         max_width=cells_width)
    for entry, row in zip(entries, rows):
        cells: list[Any] = []
        for (name, column), text, cells_width, wraps in zip(chosen.items(), row, widths,
                                                             wrapping):
            if name == "status":
                cells.append(status_text(entry.report.status))
            elif name == "id":
                cells.append(fold_id(text, cells_width))
            elif wraps:
                cells.append("\n".join(wrap_cells(text, cells_width)))
            else:
                cells.append(text)
        table.add_row(*cells)
    return table


def log_json(entries: Sequence[LogEntry]) -> str:
    """A JSON array: each report's fields (see `report_json`) with its item's id and title."""
    rows = [{"id": e.item.id, "title": e.item.title, **report_json(e.report)} for e in entries]
    return json_array(rows)
