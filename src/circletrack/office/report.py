"""The circle at a glance (`circletrack report`): the figures of the page, as of one day.

A pure function of items, criteria and dates: headline figures, progress by plan heading
and by mode, overdue and due-soon items per unit, the targets with their latest values,
the Gantt chart's rows, and the units' scorecard of the as-of day's year. The items are seen as they stood on the as-of day, with their
effective states (`query.select`); the counts show an event once (`query.one_per_event`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..base.errors import FieldError
from ..base.i18n import _
from ..model.records import KINDS, Fact, Item, Number, Source, sorted_history
from ..query.dashboard import CategoryProgress, baseline_fact, category_progress
from ..query.select import Criteria, is_overdue, one_per_event, select
from .forms import units_of
from .gantt import GanttGroup, gantt_groups
from .scorecard import Scorecard, unit_scorecard

#: "Due soon": open and due within this many days after the as-of day.
HORIZON_DAYS = 30
#: The Gantt chart's default span: the 2011 plan to the circle's 2035 horizon.
FIRST_DAY = dt.date(2011, 1, 1)
LAST_DAY = dt.date(2035, 12, 31)


@dataclass(frozen=True)
class Figures:
    """The headline counts of some items as of a day."""

    items: int
    open: int
    overdue: int
    due_soon: int
    done_this_year: int


@dataclass(frozen=True)
class UnitLoad:
    """One unit's open items: overdue, and due within the horizon (lead or supporting)."""

    unit: str
    overdue: int
    due_soon: int


@dataclass(frozen=True)
class TargetLine:
    """A numeric target: the goal, the latest value reported (and when), the baseline."""

    item: Item
    latest: Number | None
    latest_on: dt.date | None
    baseline: Fact | None

    @property
    def met(self) -> bool | None:
        """Whether the latest value meets the goal; None when nothing was reported."""
        target = self.item.target
        if target is None or self.latest is None:
            return None
        value, goal = self.latest, target.value
        return {">=": value >= goal, "<=": value <= goal, ">": value > goal,
                "<": value < goal, "=": value == goal}[target.op]


@dataclass(frozen=True)
class CircleReport:
    """Everything the page shows, as of `day`; the Gantt spans `first` to `last`."""

    day: dt.date
    first: dt.date
    last: dt.date
    horizon: int
    total: Figures
    by_kind: dict[str, Figures]
    categories: list[CategoryProgress]
    units: list[UnitLoad]
    targets: list[TargetLine]
    groups: list[GanttGroup]
    #: 检查考核: every responsible unit's row for the as-of day's year.
    scorecard: Scorecard


def is_due_soon(item: Item, day: dt.date, horizon: int = HORIZON_DAYS) -> bool:
    """Open and due from `day` to `horizon` days after it (both included)."""
    return (item.is_open and item.due is not None
            and day <= item.due <= day + dt.timedelta(days=horizon))


def done_in_year(item: Item, day: dt.date) -> bool:
    """Done, reported done in the year of `day` (by `day`)."""
    when = item.state.date
    return (item.state.status == "done" and when is not None
            and when.year == day.year and when <= day)


def figures(items: Iterable[Item], day: dt.date, horizon: int = HORIZON_DAYS) -> Figures:
    """The headline counts of `items` (already seen as of `day`)."""
    items = list(items)
    return Figures(len(items), sum(i.is_open for i in items),
                   sum(is_overdue(i, day) for i in items),
                   sum(is_due_soon(i, day, horizon) for i in items),
                   sum(done_in_year(i, day) for i in items))


def unit_loads(items: Iterable[Item], day: dt.date,
               horizon: int = HORIZON_DAYS) -> list[UnitLoad]:
    """Per unit with anything overdue or due soon (an item counts for each of its lead and
    supporting units): most overdue first, then most due soon, then by name."""
    counts: dict[str, list[int]] = {}
    for item in items:
        late, soon = is_overdue(item, day), is_due_soon(item, day, horizon)
        if not (late or soon):
            continue
        for unit in units_of(item):
            pair = counts.setdefault(unit, [0, 0])
            pair[0] += late
            pair[1] += soon
    loads = [UnitLoad(unit, late, soon) for unit, (late, soon) in counts.items()]
    return sorted(loads, key=lambda u: (-u.overdue, -u.due_soon, u.unit))


def target_lines(items: Iterable[Item]) -> list[TargetLine]:
    """Every numeric target, by year then id, with its latest value and baseline."""
    lines = []
    for item in sorted((i for i in items if i.target is not None),
                       key=lambda i: (i.target.year if i.target else 0, i.id)):
        valued = [r for r in sorted_history(item.history) if r.value is not None]
        latest = valued[-1] if valued else None
        lines.append(TargetLine(item, latest.value if latest else None,
                                latest.date if latest else None, baseline_fact(item)))
    return lines


def circle_report(items: Sequence[Item], criteria: Criteria, day: dt.date,
                  first: dt.date = FIRST_DAY, last: dt.date = LAST_DAY,
                  horizon: int = HORIZON_DAYS, forms: Sequence[Source] = ()) -> CircleReport:
    """The page's figures for the items the criteria select (open and closed), as of
    `day`, with the Gantt chart from `first` to `last`."""
    if first > last:
        raise FieldError("start", _("{first} is after --to ({last})").format(
            first=first, last=last))
    chosen = select(items, replace(criteria, include_closed=True), day)
    counted = one_per_event(chosen)
    return CircleReport(
        day=day, first=first, last=last, horizon=horizon,
        total=figures(counted, day, horizon),
        by_kind={kind: figures((i for i in counted if i.kind == kind), day, horizon)
                 for kind in KINDS},
        categories=category_progress(chosen),
        units=unit_loads(counted, day, horizon),
        targets=target_lines(chosen),
        groups=gantt_groups(chosen, day, first, last),
        scorecard=unit_scorecard(items, day, units=criteria.units, within=horizon,
                                 only={i.id for i in chosen}, forms=forms),
    )
