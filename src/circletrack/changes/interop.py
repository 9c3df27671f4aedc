"""Exchange with other tools: Taskwarrior's import format, and circletrack's own JSON back in."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Sequence
from typing import Any

from ..base.errors import FieldError, ImportInvalid, Problem, UsageError
from ..base.i18n import _
from ..model.records import Item, Registry, Report
from ..storage.codec import record_from_table, table_from_json
from ..storage.validate import Known, item_problems
from .writes import check_report_date

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
    parts = [report.status or "note"]
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


def parse_export(text: str) -> list[dict[str, Any]]:
    """The item tables of circletrack's JSON (`list`/`export --format json`), shaped as in
    the registry file (dates as dates, derived fields dropped) but not yet checked."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(_("not JSON: {error} at line {line}").format(error=exc.msg,
                                                                     line=exc.lineno)) from None
    except RecursionError:
        raise UsageError(_("not JSON circletrack can read: nested too deeply")) from None
    except ValueError as exc:  # a number past Python's limit for integer text, say
        raise UsageError(_("not JSON circletrack can read: {error}").format(
            error=str(exc).split(";")[0])) from None
    if not isinstance(data, list):
        raise UsageError(_("expected a JSON array of items, as `circletrack export --format "
                           "json` writes"))
    tables = []
    for position, obj in enumerate(data):
        if not isinstance(obj, dict):
            raise UsageError(_("item {number}: expected an object").format(number=position + 1))
        tables.append(table_from_json(Item, obj))
    return tables


def items_from_tables(tables: Sequence[dict[str, Any]], registry: Registry,
                      today: dt.date) -> list[Item]:
    """Items from imported tables, each checked as the registry file's items are (its
    sources, and the ids of the registry and of the file) and, like every report that
    comes in, with no report dated after `today`; a UsageError names the first problem
    and how many more there are."""
    incoming = {t["id"]: t.get("due") for t in tables if isinstance(t.get("id"), str)}
    known = Known(source_ids=frozenset(registry.sources),
                  passage_sources={k: p.source for k, p in registry.passages.items()},
                  item_ids=frozenset({i.id for i in registry.items} | set(incoming)),
                  dues={**{i.id: i.due for i in registry.items}, **incoming})
    problems = [problem for index, table in enumerate(tables)
                for problem in item_problems(table, index, known)]
    for table in tables:
        for position, report in enumerate(table.get("history") or []):
            day = report.get("date") if isinstance(report, dict) else None
            if isinstance(day, dt.date):
                try:
                    check_report_date(day, today)
                except FieldError as exc:
                    problems.append(Problem(str(exc), item_id=str(table.get("id")),
                                            field=f"history[{position + 1}].date"))
    if problems:
        raise ImportInvalid(problems)
    return [record_from_table(Item, table) for table in tables]


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
