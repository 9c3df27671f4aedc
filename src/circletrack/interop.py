"""Exchange with other tools: Taskwarrior's import format, and circletrack's own JSON back in."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Sequence
from typing import Any

from .errors import UsageError
from .i18n import _
from .model import DueChange, Fact, Item, Registry, Report, Target

#: Fixed namespace: an item's Taskwarrior UUID is uuid5(namespace, id), the same on every
#: export, so `task import` updates the task instead of adding a duplicate.
TASKWARRIOR_NAMESPACE = uuid.UUID("7b1c6f2e-3c1a-5d7e-9a51-63697263746b")


def taskwarrior_uuid(item_id: str) -> str:
    """The stable Taskwarrior UUID of an item."""
    return str(uuid.uuid5(TASKWARRIOR_NAMESPACE, item_id))


def _tw_date(day: dt.date) -> str:
    return day.strftime("%Y%m%dT000000Z")


def _tw_word(text: str) -> str:
    """Taskwarrior tags and projects cannot hold spaces (or, for projects, dots)."""
    return re.sub(r"[\s.]+", "_", text.strip())


def _annotation(report: Report) -> str:
    parts = [report.status]
    if report.progress is not None:
        parts.append(f"{report.progress}%")
    if report.value is not None:
        parts.append(f"value {report.value:g}")
    text = " ".join(parts)
    if report.note:
        text += f": {report.note}"
    by = f" by {report.by}" if report.by else ""
    return f"{text} ({report.source}{by})"


def taskwarrior_tasks(items: Sequence[Item]) -> list[dict[str, Any]]:
    """One `task import` object per open item: due, project from the category, tags, reports
    as annotations, and a stable UUID."""
    tasks = []
    for item in items:
        if not item.is_open:
            continue
        task: dict[str, Any] = {
            "uuid": taskwarrior_uuid(item.id),
            "description": f"{item.title} [{item.id}]",
            "status": "pending",
            "entry": _tw_date(item.created),
            "tags": ["circletrack", _tw_word(item.kind),
                     *(_tw_word(t) for t in item.tags if t.strip())],
        }
        if item.category:
            task["project"] = _tw_word(item.category)
        if item.due is not None:
            task["due"] = _tw_date(item.due)
        if item.history:
            task["annotations"] = [{"entry": _tw_date(r.date), "description": _annotation(r)}
                                   for r in item.history]
        tasks.append(task)
    return tasks


def taskwarrior_json(items: Sequence[Item]) -> str:
    """The `task import` file for the open items."""
    return json.dumps(taskwarrior_tasks(items), ensure_ascii=False, indent=2) + "\n"


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise UsageError(_("{where}: not an ISO date: {value!r}").format(where=where,
                                                                        value=value)) from None


def _required_date(value: Any, where: str) -> dt.date:
    day = _date(value, where)
    if day is None:
        raise UsageError(_("{where}: a date is required").format(where=where))
    return day


def item_from_json(obj: Any, position: int) -> Item:
    """An item from an object of circletrack's JSON (derived fields are ignored)."""
    where = _("item {number}").format(number=position + 1)
    if not isinstance(obj, dict):
        raise UsageError(_("{where}: expected an object").format(where=where))
    try:
        item_id = obj["id"]
        where = _("item {number} ({id})").format(number=position + 1, id=item_id)
        target = obj.get("target")
        return Item(
            id=item_id, kind=obj["kind"], title=obj["title"],
            created=_required_date(obj.get("created"), f"{where}: created"),
            title_en=obj.get("title_en"), category=obj.get("category"),
            content=obj.get("content"), lead=list(obj.get("lead") or []),
            support=list(obj.get("support") or []), cities=list(obj.get("cities") or []),
            due=_date(obj.get("due"), f"{where}: due"), requirement=obj.get("requirement"),
            reading=obj.get("reading"), status=obj.get("status", "planned"),
            progress=obj.get("progress", 0), tags=list(obj.get("tags") or []),
            sources=list(obj.get("sources") or []), related=list(obj.get("related") or []),
            original_due=_date(obj.get("original_due"), f"{where}: original_due"),
            facts=[Fact(key=f["key"], label=f["label"], value=f["value"], unit=f["unit"],
                        source=f["source"], area=f.get("area"), year=f.get("year"),
                        note=f.get("note")) for f in obj.get("facts") or []],
            target=Target(value=target["value"], year=target["year"],
                          unit=target.get("unit") or "", op=target.get("op", ">="))
            if target else None,
            history=[Report(date=_required_date(r.get("date"), f"{where}: history date"),
                            source=r.get("source"), status=r.get("status"),
                            progress=r.get("progress"), value=r.get("value"),
                            note=r.get("note"), by=r.get("by"))
                     for r in obj.get("history") or []],
            due_changes=[DueChange(from_=_date(c.get("from"), f"{where}: due_changes"),
                                   to=_date(c.get("to"), f"{where}: due_changes"),
                                   date=_required_date(c.get("date"), f"{where}: due_changes"),
                                   reason=c.get("reason"), by=c.get("by"))
                         for c in obj.get("due_changes") or []],
        )
    except KeyError as exc:
        raise UsageError(_("{where}: missing field {field!r}").format(
            where=where, field=exc.args[0])) from None
    except (TypeError, AttributeError):
        raise UsageError(_("{where}: a field has the wrong shape").format(where=where)) from None


def parse_export(text: str) -> list[Item]:
    """Items from circletrack's JSON (`list`/`export --format json`): an array of objects."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(_("not JSON: {error} at line {line}").format(error=exc.msg,
                                                                     line=exc.lineno)) from None
    if not isinstance(data, list):
        raise UsageError(_("expected a JSON array of items, as `circletrack export --format "
                           "json` writes"))
    return [item_from_json(obj, n) for n, obj in enumerate(data)]


def merge_items(registry: Registry, incoming: Sequence[Item]) -> tuple[int, int, int]:
    """Add new items and replace existing ones by id; returns (added, updated, unchanged).

    The caller validates the whole result before anything is written.
    """
    seen: set[str] = set()
    added = updated = unchanged = 0
    for item in incoming:
        if item.id in seen:
            raise UsageError(_("the file holds item {id!r} twice").format(id=item.id))
        seen.add(item.id)
        for index, current in enumerate(registry.items):
            if current.id == item.id:
                if current == item:
                    unchanged += 1
                else:
                    registry.items[index] = item
                    updated += 1
                break
        else:
            registry.items.append(item)
            added += 1
    return added, updated, unchanged
