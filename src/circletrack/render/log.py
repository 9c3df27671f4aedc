"""The log of reports (a Rich table or JSON), and the one-line confirmations of the writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich import box
from rich.table import Table

from ..journal import Entry, Undone
from ..model import Item
from ..writes import EditResult, LogEntry, MarkResult
from .fields import report_json
from .tables import status_text


@dataclass(frozen=True)
class LogColumn:
    """A column of the log table: header, the text of one entry, and how it is laid out.

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
    "date": LogColumn("Date", lambda e: e.report.date.isoformat()),
    "id": LogColumn("ID", lambda e: e.item.id, "cyan"),
    "title": LogColumn("Title", lambda e: e.item.title, ratio=3),
    "status": LogColumn("Status", lambda e: e.report.status),
    "progress": LogColumn("%", _progress, justify="right"),
    "note": LogColumn("Note", lambda e: e.report.note or "", ratio=5),
    "by": LogColumn("By", lambda e: e.report.by or "", ratio=2),
    "source": LogColumn("Source", lambda e: e.report.source, ratio=2),
}
#: Narrower terminals leave out Source, then Title and By (JSON always has every field).
LOG_WIDTHS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (140, tuple(LOG_COLUMNS)),
    (110, ("date", "id", "title", "status", "progress", "note", "by")),
    (0, ("date", "id", "status", "progress", "note")),
)


def log_columns(width: int) -> tuple[str, ...]:
    """The columns that fit a terminal this wide."""
    return next(columns for least, columns in LOG_WIDTHS if width >= least)


def log_table(entries: Sequence[LogEntry], width: int = 200) -> Table:
    """A Rich table of reports, one row each, in the order given, as wide as `width`."""
    chosen = {name: LOG_COLUMNS[name] for name in log_columns(width)}
    table = Table(title=f"{len(entries)} report{'s' if len(entries) != 1 else ''}",
                  title_justify="left", header_style="bold", pad_edge=False, expand=True,
                  box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, width=width)
    for column in chosen.values():
        table.add_column(column.header, style=column.style, justify=column.justify,  # type: ignore[arg-type]
                         overflow="fold", no_wrap=column.ratio is None, ratio=column.ratio)
    for entry in entries:
        table.add_row(*(status_text(column.get(entry)) if name == "status" else column.get(entry)
                        for name, column in chosen.items()))
    return table


def log_json(entries: Sequence[LogEntry]) -> str:
    """A JSON array: each report's fields (see `report_json`) with its item's id and title."""
    rows = [{"id": e.item.id, "title": e.item.title, **report_json(e.report)} for e in entries]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def _state(state: tuple[str, int]) -> str:
    return f"{state[0]} {state[1]}%"


def mark_message(result: MarkResult) -> str:
    """`coop-01 标题: planned 0% → in_progress 40% (report of 2024-05-01 by 王芳)`."""
    report = result.report
    head = f"{result.item_id} {result.title}: "
    of = f"report of {report.date} by {report.by}"
    if report.value is not None:
        of += f", value {report.value} {result.unit or ''}".rstrip()
    if not result.is_latest:
        return (head + f"recorded a {of} before the latest ({result.latest}); "
                f"the state stays {_state(result.after)}")
    return head + f"{_state(result.before)} → {_state(result.after)} ({of})"


def add_message(item: Item) -> str:
    """`added prj-012 标题 (project, highway, due 2026-12-31)`."""
    details = ", ".join(x for x in (item.kind, item.category,
                                    f"due {item.due}" if item.due else None) if x)
    return f"added {item.id} {item.title} ({details})"


def edit_message(result: EditResult) -> str:
    """`edited coop-01 标题: title, due (2011-12-31 → 2012-06-30)`, or that nothing changed."""
    head = f"{result.item_id} {result.title}"
    if not result.changed:
        return f"{head}: nothing changed (the values given are the current ones)"
    move = result.due_change
    names = [f"due ({move.from_ or 'none'} → {move.to})" if name == "due" and move else name
             for name in result.changed]
    return f"edited {head}: {', '.join(names)}"


def undo_message(undone: Undone) -> str:
    """`undone: circletrack mark … (by wang); 3 earlier writes can be undone`.

    The time of the write is left out so the message is the same on any day; `undo --list`
    shows it."""
    entry = undone.entry
    what = "finished an interrupted undo of" if undone.finished_interrupted else "undone:"
    more = (f"{undone.remaining} earlier write{'s' if undone.remaining != 1 else ''} can be undone"
            if undone.remaining else "no earlier write to undo")
    return f"{what} {entry.label} (by {entry.user}); {more}"


def journal_lines(entries: Sequence[Entry]) -> list[str]:
    """The writes `undo` can revert, newest first: `#12 2024-05-01T10:00:00+08:00 wang: …`."""
    if not entries:
        return ["nothing to undo"]
    return [f"#{e.number} {e.time} {e.user}: {e.label}" for e in reversed(entries)]
