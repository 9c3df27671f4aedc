"""The Gantt chart's rows: each item's span on a time axis, as of a day.

A pure function of items (already seen as of the day, with their effective states) and
three dates; the page (`render/report.py`) and the terminal (`render/gantt_text.py`) draw
the same rows. A bar runs from the item's first dated evidence (the earliest of the day it
was recorded and its reports) to the date that ends it:

| the item is | the bar ends | marked |
|---|---|---|
| done or cancelled | on the date of the report its state rests on | |
| open, with a due date | on the due date | overdue: a second part from the due date to the as-of day |
| open, no due date | on the as-of day | open-ended |

A milestone is a point (a diamond): on the day it was reported done, else on its due date;
one with neither is not on the axis. Reports are ticks on their item's row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ..model.records import CATEGORIES_BY_KIND, KINDS, Item, Report, sorted_history
from ..query.select import is_overdue


@dataclass(frozen=True)
class GanttRow:
    """One item on the axis: a bar (cooperation items, projects) or a point (milestones)."""

    item: Item
    start: dt.date
    end: dt.date
    #: Why the bar ends where it does: "done", "cancelled", "due" or "open" (no due date:
    #: the bar runs to the as-of day); "point" for a milestone.
    ends: str
    overdue: bool
    #: The dates of the item's own reports, oldest first.
    reports: tuple[dt.date, ...]
    latest: Report | None

    @property
    def point(self) -> bool:
        """True for a milestone, drawn as a diamond on one day."""
        return self.ends == "point"

    def reach(self, day: dt.date) -> dt.date:
        """The last day the row shows: its end, or the as-of day for an overdue bar."""
        return max(self.end, day) if self.overdue else self.end


@dataclass(frozen=True)
class GanttGroup:
    """The rows of one plan heading, mode or milestone type, in order of their start."""

    kind: str
    category: str | None
    rows: tuple[GanttRow, ...]


def first_evidence(item: Item) -> dt.date:
    """The first dated evidence of an item: the day it was recorded or its earliest report."""
    return min([item.created, *(r.date for r in item.history)])


def milestone_day(item: Item) -> dt.date | None:
    """The day a milestone stands on: the day it was reported done, else its due date."""
    if item.state.status == "done" and item.state.date is not None:
        return item.state.date
    return item.due


def gantt_row(item: Item, day: dt.date) -> GanttRow | None:
    """The item's row as of `day`; None for a milestone with no day to stand on."""
    history = sorted_history(item.history)
    reports = tuple(r.date for r in history)
    latest = history[-1] if history else None
    if item.kind == "milestone":
        when = milestone_day(item)
        if when is None:
            return None
        return GanttRow(item, when, when, "point", is_overdue(item, day), reports, latest)
    start = first_evidence(item)
    status = item.state.status
    if status in ("done", "cancelled"):
        end, ends = item.state.date or item.due or item.updated or start, status
    elif item.due is not None:
        end, ends = item.due, "due"
    else:
        end, ends = max(day, start), "open"
    return GanttRow(item, min(start, end), max(start, end), ends, is_overdue(item, day),
                    reports, latest)


def gantt_groups(items: Sequence[Item], day: dt.date, first: dt.date,
                 last: dt.date) -> list[GanttGroup]:
    """The rows of the items that show between `first` and `last`, grouped by kind and
    category (plan headings, then modes, then milestone types, in schema order; items with
    no category last in their kind), each group in order of start then id."""
    chosen: dict[tuple[str, str | None], list[GanttRow]] = {}
    for item in items:
        row = gantt_row(item, day)
        if row is not None and row.start <= last and row.reach(day) >= first:
            chosen.setdefault((item.kind, item.category), []).append(row)
    groups = []
    for kind in KINDS:
        for category in (*CATEGORIES_BY_KIND[kind], None):
            rows = chosen.get((kind, category))
            if rows:
                rows.sort(key=lambda r: (r.start, r.end, r.item.id))
                groups.append(GanttGroup(kind, category, tuple(rows)))
    return groups
