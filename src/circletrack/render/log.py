"""The log of reports (a Rich table or JSON), and the one-line confirmations of the writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich import box
from rich.table import Table

from ..i18n import N_, _, join, ngettext, pgettext
from ..journal import Entry, Undone
from ..labels import (
    category_label,
    display_title,
    field_label,
    item_title,
    kind_label,
    status_label,
)
from ..model import Item
from ..writes import EditResult, LogEntry, MarkResult
from .fields import report_json
from .formats import json_array
from .tables import status_text


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


def log_table(entries: Sequence[LogEntry], width: int = 200) -> Table:
    """A Rich table of reports, one row each, in the order given, as wide as `width`."""
    chosen = {name: LOG_COLUMNS[name] for name in log_columns(width)}
    table = Table(title=ngettext("{count} report", "{count} reports", len(entries)).format(
                      count=len(entries)),
                  title_justify="left", header_style="bold", pad_edge=False, expand=True,
                  box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, width=width)
    for name, column in chosen.items():
        table.add_column(_header(name), style=column.style, justify=column.justify,  # type: ignore[arg-type]
                         overflow="fold", no_wrap=column.ratio is None, ratio=column.ratio)
    for entry in entries:
        table.add_row(*(status_text(entry.report.status) if name == "status"
                        else column.get(entry) for name, column in chosen.items()))
    return table


def log_json(entries: Sequence[LogEntry]) -> str:
    """A JSON array: each report's fields (see `report_json`) with its item's id and title."""
    rows = [{"id": e.item.id, "title": e.item.title, **report_json(e.report)} for e in entries]
    return json_array(rows)


def _state(state: tuple[str, int]) -> str:
    return f"{status_label(state[0])} {state[1]}%"


def mark_message(result: MarkResult) -> str:
    """`coop-01 标题: planned 0% → in_progress 40% (report of 2024-05-01 by 王芳)`."""
    report = result.report
    of = _("report of {date} by {by}").format(date=report.date, by=report.by)
    if report.value is not None:
        of += _(", value {value} {unit}").format(value=report.value,
                                                 unit=result.unit or "").rstrip()
    title = display_title(result.title, result.title_en)
    if not result.is_latest:
        return _("{id} {title}: recorded a {report} before the latest ({latest}); the state "
                 "stays {state}").format(id=result.item_id, title=title, report=of,
                                         latest=result.latest, state=_state(result.after))
    return _("{id} {title}: {before} → {after} ({report})").format(
        id=result.item_id, title=title, before=_state(result.before),
        after=_state(result.after), report=of)


def add_message(item: Item) -> str:
    """`added prj-012 标题 (project, highway, due 2026-12-31)`."""
    details = join(x for x in (kind_label(item.kind), category_label(item.category),
                               _("due {date}").format(date=item.due) if item.due else None)
                   if x)
    return _("added {id} {title} ({details})").format(id=item.id, title=item_title(item),
                                                       details=details)


def edit_message(result: EditResult) -> str:
    """`edited coop-01 标题: title, due (2011-12-31 → 2012-06-30)`, or that nothing changed."""
    title = display_title(result.title, result.title_en)
    if not result.changed:
        return _("{id} {title}: nothing changed (the values given are the current ones)").format(
            id=result.item_id, title=title)
    move = result.due_change
    names = [_("{field} ({old} → {new})").format(field=field_label(name),
                                                 old=move.from_ or _("none"), new=move.to)
             if name == "due" and move else field_label(name)
             for name in result.changed]
    return _("edited {id} {title}: {fields}").format(id=result.item_id, title=title,
                                                      fields=join(names))


def undo_message(undone: Undone) -> str:
    """`undone: circletrack mark … (by wang); 3 earlier writes can be undone`.

    The time of the write is left out so the message is the same on any day; `undo --list`
    shows it."""
    entry = undone.entry
    more = (ngettext("{count} earlier write can be undone",
                     "{count} earlier writes can be undone", undone.remaining).format(
                count=undone.remaining)
            if undone.remaining else _("no earlier write to undo"))
    template = (_("finished an interrupted undo of {label} (by {user}); {more}")
                if undone.finished_interrupted else _("undone: {label} (by {user}); {more}"))
    return template.format(label=entry.label, user=entry.user, more=more)


def journal_lines(entries: Sequence[Entry]) -> list[str]:
    """The writes `undo` can revert, newest first: `#12 2024-05-01T10:00:00+08:00 wang: …`."""
    if not entries:
        return [_("nothing to undo")]
    return [f"#{e.number} {e.time} {e.user}: {e.label}" for e in reversed(entries)]
