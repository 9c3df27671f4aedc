"""The one-line confirmations of the writes (mark, add, edit, undo) and the undo journal's list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..base.i18n import _, join, ngettext
from ..changes.writes import EditResult, MarkResult
from ..model.labels import (
    category_label,
    display_title,
    field_label,
    item_title,
    kind_label,
    status_label,
)
from ..model.records import Item
from ..storage.journal import Entry, Undone


def _state(state: tuple[str, int | None]) -> str:
    progress = f"{state[1]}%" if state[1] is not None else "—"
    return f"{status_label(state[0])} {progress}"


def mark_message(result: MarkResult, path: str) -> str:
    """`coop-01 标题: planned — → in progress 40% (report of 2024-05-01 by 王芳; wrote
    projects.toml)`; a back-dated report says that it came before the latest, and whether
    the state changed."""
    report = result.report
    of = _("report of {date} by {by}").format(date=report.date, by=report.by)
    if report.value is not None:
        of += _(", value {value} {unit}").format(value=report.value,
                                                 unit=result.unit or "").rstrip()
    if not result.is_latest:
        of += _(", before the latest of {latest}").format(latest=result.latest)
    of += _("; wrote {path}").format(path=path)
    title = display_title(result.title, result.title_en)
    if result.reopened:
        return _("{id} {title}: reopened, {before} → {after} ({report})").format(
            id=result.item_id, title=title, before=_state(result.before),
            after=_state(result.after), report=of)
    if result.before == result.after:
        return _("{id} {title}: stays {state} ({report})").format(
            id=result.item_id, title=title, state=_state(result.after), report=of)
    return _("{id} {title}: {before} → {after} ({report})").format(
        id=result.item_id, title=title, before=_state(result.before),
        after=_state(result.after), report=of)


def add_message(item: Item, path: str) -> str:
    """`added prj-012 标题 (project, highway, due 2026-12-31) to projects.toml`."""
    details = join(x for x in (kind_label(item.kind), category_label(item.category),
                               _("due {date}").format(date=item.due) if item.due else None)
                   if x)
    return _("added {id} {title} ({details}) to {path}").format(
        id=item.id, title=item_title(item), details=details, path=path)


def edit_message(result: EditResult, path: str, relative: tuple[str, dt.date] | None = None,
                 ) -> str:
    """`edited coop-01 标题: title, due (2011-12-31 → 2012-06-30)`, or that nothing changed.

    `relative` is the date word the due date was given as and the day it counted from
    (`+6m`, 2026-11-30): the message says so, since `+6m` never means "from the old due
    date"."""
    title = display_title(result.title, result.title_en)
    if not result.changed:
        return _("{id} {title}: nothing changed (the values given are the current ones)").format(
            id=result.item_id, title=title)
    move = result.due_change
    names = [_("{field} ({old} → {new})").format(field=field_label(name),
                                                 old=move.from_ or _("none"), new=move.to)
             if name == "due" and move else field_label(name)
             for name in result.changed]
    message = _("edited {id} {title}: {fields} (wrote {path})").format(
        id=result.item_id, title=title, fields=join(names), path=path)
    if relative is not None and move:
        message += "; " + _("{word} counts from today, {day}").format(
            word=relative[0].strip(), day=relative[1])
    return message


def earlier_due_warning(result: EditResult) -> str | None:
    """The warning when an edit moved the due date earlier, else None."""
    move = result.due_change
    if move is None or move.from_ is None or move.to is None or move.to >= move.from_:
        return None
    return _("{id}'s due date moved earlier, from {old} to {new}; undo with "
             "`circletrack undo` if that was not meant").format(
                 id=result.item_id, old=move.from_, new=move.to)


def undo_message(undone: Undone, path: str) -> str:
    """`undone: circletrack mark … (by wang); 3 earlier writes can be undone`.

    The time of the write is left out so the message is the same on any day; `undo --list`
    shows it."""
    entry = undone.entry
    more = (ngettext("{count} earlier write can be undone",
                     "{count} earlier writes can be undone", undone.remaining).format(
                count=undone.remaining)
            if undone.remaining else _("no earlier write to undo"))
    template = (_("finished an interrupted undo of {label} (by {user}) in {path}; {more}")
                if undone.finished_interrupted
                else _("undone in {path}: {label} (by {user}); {more}"))
    return template.format(label=entry.label, user=entry.user, more=more, path=path)


def journal_lines(entries: Sequence[Entry]) -> list[str]:
    """The writes `undo` can revert, newest first: `#12 2024-05-01T10:00:00+08:00 wang: …`."""
    if not entries:
        return [_("nothing to undo")]
    return [f"#{e.number} {e.time} {e.user}: {e.label}" for e in reversed(entries)]

