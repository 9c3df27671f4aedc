"""What the merge driver says (each conflict on one line, naming the entry and field, and a
summary) and what git-setup did."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from ..base.i18n import N_, _, join, ngettext
from ..sync.gitsetup import ATTRIBUTES, EXCLUDE, PULL, SetupResult, Side
from ..sync.merge import (
    ADDED_BOTH,
    CHANGED_BOTH,
    DELETED_OURS,
    DELETED_THEIRS,
    INVALID,
    UNREADABLE,
    Conflict,
    MergeResult,
)


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


#: No side's commit known (the driver run by hand).
NO_SIDES: tuple[Side | None, Side | None] = (None, None)


def side_labels(sides: tuple[Side | None, Side | None]) -> tuple[str, str]:
    """The text after each conflict marker: `ours`/`theirs`, then the side's author, commit
    and subject where git told them, so the file itself says whose version is whose."""
    return tuple(  # type: ignore[return-value]
        role if side is None else f'{role}: {side.author} {side.commit} "{side.subject}"'
        for role, side in zip(("ours", "theirs"), sides))


def _signed(value: str, side: Side | None) -> str:
    return value if side is None else f"{value} [{side.author} {side.commit}]"


def conflict_message(conflict: Conflict,
                     sides: tuple[Side | None, Side | None] = NO_SIDES) -> str:
    """One conflict on one line, naming the entry and the field."""
    if conflict.reason == UNREADABLE:
        return _("{side} cannot be read as a registry: {detail}").format(
            side=conflict.key, detail=conflict.detail)
    message = _(_CONFLICT_TEMPLATES[conflict.reason]).format(
        entry=_entry_name(conflict) or _("the registry"), field=conflict.field or "—",
        ours=_signed(_value(conflict.ours), sides[0]),
        theirs=_signed(_value(conflict.theirs), sides[1]), detail=conflict.detail)
    return message


def merge_lines(result: MergeResult, path: str,
                sides: tuple[Side | None, Side | None] = NO_SIDES) -> list[str]:
    """What the merge driver says: one line per conflict and a summary (and, inside git,
    whose commit each side is), or that the merge is clean."""
    if result.clean:
        return [_("merged {path} with no conflicts (changed items: {ours} in ours, {theirs} "
                  "in theirs)").format(path=path, ours=result.from_ours,
                                      theirs=result.from_theirs)]
    lines = [f"{path}: {conflict_message(c, sides)}" for c in result.conflicts]
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
    ours, theirs = sides
    if ours is not None and theirs is not None:
        lines.append(_("{path}: ours is {ours_author}'s commit {ours_commit} "
                       "({ours_subject}); theirs is {theirs_author}'s commit {theirs_commit} "
                       "({theirs_subject})").format(
            path=path, ours_author=ours.author, ours_commit=ours.commit,
            ours_subject=ours.subject, theirs_author=theirs.author,
            theirs_commit=theirs.commit, theirs_subject=theirs.subject))
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
        elif step.what == PULL and step.changed:
            lines.append(_("set {key} in this clone's git config: {value} (`git pull` "
                           "merges, so ours is this clone's commit and theirs the one "
                           "pulled)").format(key=step.where, value=step.value))
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
