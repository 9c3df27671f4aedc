"""The one-line confirmations of the writes (mark, add, edit, undo), the undo journal's list,
and what the merge driver and git-setup say."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..gitsetup import ATTRIBUTES, EXCLUDE, SetupResult
from ..i18n import N_, _, join, ngettext
from ..journal import Entry, Undone
from ..labels import (
    category_label,
    display_title,
    field_label,
    item_title,
    kind_label,
    status_label,
)
from ..merge import (
    ADDED_BOTH,
    CHANGED_BOTH,
    DELETED_OURS,
    DELETED_THEIRS,
    INVALID,
    UNREADABLE,
    Conflict,
    MergeResult,
)
from ..model import Item
from ..writes import EditResult, MarkResult


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


def edit_message(result: EditResult, path: str) -> str:
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
    return _("edited {id} {title}: {fields} (wrote {path})").format(
        id=result.item_id, title=title, fields=join(names), path=path)


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


# The merge driver and git-setup


def _value(value: Any) -> str:
    """A field's value in a conflict message: short, on one line."""
    if value is None or value == [] or value == "":
        return _("(none)")
    if isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
        return ngettext("{count} entry", "{count} entries", len(value)).format(count=len(value))
    if dataclasses.is_dataclass(value):
        return ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(value).items()
                         if v is not None)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = value.isoformat() if isinstance(value, dt.date) else " ".join(str(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


def _entry_name(conflict: Conflict) -> str:
    if conflict.kind == "source":
        return _("source {id}").format(id=conflict.key)
    if conflict.kind == "passage":
        return _("passage {id}").format(id=conflict.key)
    return conflict.key


_CONFLICT_TEMPLATES: dict[str, str] = {
    CHANGED_BOTH: N_("{entry}: {field}: changed on both sides (ours {ours}, theirs {theirs})"),
    ADDED_BOTH: N_("{entry}: {field}: added on both sides with different values (ours "
                   "{ours}, theirs {theirs}); if they are different items, give one of them "
                   "another id"),
    DELETED_OURS: N_("{entry}: {field}: deleted in ours but changed in theirs"),
    DELETED_THEIRS: N_("{entry}: {field}: deleted in theirs but changed in ours"),
    INVALID: N_("{entry}: {field}: the merged registry would be invalid: {detail}"),
}


def conflict_message(conflict: Conflict) -> str:
    """One conflict on one line, naming the entry and the field."""
    if conflict.reason == UNREADABLE:
        return _("{side} cannot be read as a registry: {detail}").format(
            side=conflict.key, detail=conflict.detail)
    message = _(_CONFLICT_TEMPLATES[conflict.reason]).format(
        entry=_entry_name(conflict) or _("the registry"), field=conflict.field or "—",
        ours=_value(conflict.ours), theirs=_value(conflict.theirs), detail=conflict.detail)
    return message


def merge_lines(result: MergeResult, path: str) -> list[str]:
    """What the merge driver says: one line per conflict and a summary, or that the merge
    is clean."""
    if result.clean:
        return [_("merged {path} with no conflicts (changed items: {ours} in ours, {theirs} "
                  "in theirs)").format(path=path, ours=result.from_ours,
                                      theirs=result.from_theirs)]
    lines = [f"{path}: {conflict_message(c)}" for c in result.conflicts]
    if not result.readable:
        lines.append(_("{path}: not merged; ours is left as it was: resolve the file by hand, "
                       "check it with `circletrack validate`, then `git add` it").format(
            path=path))
        return lines
    names = [_entry_name(c) for c in result.conflicts if c.kind != "registry"]
    lines.append(ngettext(
        "{path}: {count} conflict in {names}, marked with <<<<<<< ours / ======= / >>>>>>> "
        "theirs; everything else is merged. Keep one version of each, check with "
        "`circletrack validate`, then `git add {path}`",
        "{path}: {count} conflicts in {names}, marked with <<<<<<< ours / ======= / >>>>>>> "
        "theirs; everything else is merged. Keep one version of each, check with "
        "`circletrack validate`, then `git add {path}`",
        len(result.conflicts)).format(path=path, count=len(result.conflicts),
                                      names=join(dict.fromkeys(names)) or _("the registry")))
    return lines


def git_setup_lines(result: SetupResult) -> list[str]:
    """What git-setup did (or found already done), one line per step, then a summary."""
    lines = []
    for step in result.steps:
        if step.what == ATTRIBUTES:
            lines.append(_("added `{line}` to .gitattributes: commit it, so every clone merges "
                           "{path} with circletrack").format(line=step.value, path=result.registry)
                         if step.changed else
                         _(".gitattributes already has `{line}`").format(line=step.value))
        elif step.what == EXCLUDE:
            lines.append(_("{where}: git now ignores the journal and lock files of {path}")
                         .format(where=step.where, path=result.registry) if step.changed else
                         _("{where} already ignores the journal and lock files of {path}")
                         .format(where=step.where, path=result.registry))
        else:
            lines.append(_("set {key} in this clone's git config: {value}").format(
                key=step.where, value=step.value) if step.changed else
                _("{key} is already set: {value}").format(key=step.where, value=step.value))
    if result.changed:
        lines.append(_("set up {root}: git merges {path} with `circletrack merge` in this "
                       "clone; run `circletrack git-setup` once in every other clone too")
                     .format(root=result.root, path=result.registry))
    else:
        lines.append(_("already set up in {root}: nothing changed").format(root=result.root))
    return lines
