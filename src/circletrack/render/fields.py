"""The item shape shared by every machine format, and the table columns built on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import Item, Report
from ..query import days_overdue, days_since_report, is_overdue
from ..reports import days_slipped, first_due, slip_reasons


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def report_json(report: Report) -> dict[str, Any]:
    """One history entry as JSON."""
    return {"date": report.date.isoformat(), "status": report.status,
            "progress": report.progress, "value": report.value, "note": report.note,
            "by": report.by, "source": report.source}


def item_json(item: Item, day: dt.date) -> dict[str, Any]:
    """The stable JSON object of an item as of `day`; fields may be added, never renamed."""
    target = item.target
    return {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "title_en": item.title_en,
        "category": item.category,
        "content": item.content,
        "lead": list(item.lead),
        "support": list(item.support),
        "cities": list(item.cities),
        "created": _iso(item.created),
        "due": _iso(item.due),
        "original_due": _iso(item.original_due),
        "requirement": item.requirement,
        "reading": item.reading,
        "status": item.status,
        "progress": item.progress,
        "overdue": is_overdue(item, day),
        "days_overdue": days_overdue(item, day),
        "updated": _iso(item.updated),
        "tags": list(item.tags),
        "sources": list(item.sources),
        "related": list(item.related),
        "facts": [{"key": f.key, "label": f.label, "value": f.value, "unit": f.unit,
                   "area": f.area, "year": f.year, "source": f.source, "note": f.note}
                  for f in item.facts],
        "target": ({"value": target.value, "unit": target.unit, "year": target.year,
                    "op": target.op, "reported": item.reported_value} if target else None),
        "history": [report_json(r) for r in item.history],
        "due_changes": [{"from": _iso(c.from_), "to": _iso(c.to), "date": c.date.isoformat(),
                         "reason": c.reason, "by": c.by} for c in item.due_changes],
    }


@dataclass(frozen=True)
class Column:
    """A table column: its header, how to get its text from an item, and its Rich style."""

    header: str
    get: Callable[[Item, dt.date], str]
    style: str | None = None
    justify: str = "left"


def _units(units: list[str]) -> str:
    return "、".join(units)


def _progress(item: Item, _day: dt.date) -> str:
    return f"{item.progress}%"


COLUMNS: dict[str, Column] = {
    "id": Column("ID", lambda i, d: i.id, "cyan"),
    "kind": Column("Kind", lambda i, d: i.kind),
    "category": Column("Category", lambda i, d: i.category or ""),
    "title": Column("Title", lambda i, d: i.title),
    "lead": Column("Lead", lambda i, d: _units(i.lead)),
    "support": Column("Support", lambda i, d: _units(i.support)),
    "cities": Column("Cities", lambda i, d: _units(i.cities)),
    "due": Column("Due", lambda i, d: _iso(i.due) or ""),
    "requirement": Column("Requirement", lambda i, d: i.requirement or ""),
    "status": Column("Status", lambda i, d: i.status),
    "progress": Column("Progress", _progress, justify="right"),
    "days_overdue": Column("Days overdue", lambda i, d: str(days_overdue(i, d)), "red",
                           "right"),
    "updated": Column("Updated", lambda i, d: _iso(i.updated) or ""),
    # Added for the reports (overdue, stale, slips, export).
    "title_en": Column("Title (en)", lambda i, d: i.title_en or ""),
    "content": Column("Content", lambda i, d: i.content or ""),
    "created": Column("Created", lambda i, d: _iso(i.created) or ""),
    "original_due": Column("Original due", lambda i, d: _iso(i.original_due) or ""),
    "reading": Column("Reading", lambda i, d: i.reading or ""),
    "tags": Column("Tags", lambda i, d: ", ".join(i.tags)),
    "sources": Column("Sources", lambda i, d: ", ".join(i.sources)),
    "related": Column("Related", lambda i, d: ", ".join(i.related)),
    "reports": Column("Reports", lambda i, d: str(len(i.history)), justify="right"),
    "days_since_report": Column("Days since report",
                                lambda i, d: str(days_since_report(i, d)), "yellow", "right"),
    "first_due": Column("First due", lambda i, d: _iso(first_due(i)) or ""),
    "due_moves": Column("Moves", lambda i, d: str(len(i.due_changes)), justify="right"),
    "days_slipped": Column("Days slipped", lambda i, d: _optional_int(days_slipped(i)), "red",
                           "right"),
    "slip_reasons": Column("Reasons", lambda i, d: "; ".join(slip_reasons(i))),
}


def _optional_int(value: int | None) -> str:
    return "" if value is None else str(value)
