"""The timeline (`circletrack timeline`): due dates, milestones and reports in date order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ..model.records import Item


@dataclass(frozen=True)
class Event:
    """One point on the timeline: a due date, a milestone or a report."""

    date: dt.date
    what: str  # "due", "milestone" or "report"
    item: Item
    text: str
    #: A report's status, shown (translated) when the report has no note.
    status: str | None = None


def timeline_events(items: Sequence[Item], start: dt.date, end: dt.date) -> list[Event]:
    """Due dates, milestones and reports between start and end (inclusive), in date order."""
    events = []
    for item in items:
        if item.due is not None:
            what = "milestone" if item.kind == "milestone" else "due"
            events.append(Event(item.due, what, item, item.requirement or ""))
        for report in item.history:
            events.append(Event(report.date, "report", item, report.note or "", report.status))
    order = {"milestone": 0, "due": 1, "report": 2}
    chosen = [e for e in events if start <= e.date <= end]
    return sorted(chosen, key=lambda e: (e.date, order[e.what], e.item.id))
