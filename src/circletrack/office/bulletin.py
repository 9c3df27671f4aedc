"""The office's weekly bulletin (简报) for a period: reports recorded, items finished, items
newly overdue, items due soon, deadlines moved, and a line of counts per unit.

A pure function of (items, since, until): the same registry and dates give the same
bulletin, so it can be checked into a repository. Items are seen as they stood at the end
of the period (`query.registry_as_of`), so effective states decide what is finished.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ..base.errors import FieldError
from ..base.i18n import N_, _
from ..model.records import DueChange, Item
from ..query.listings import moves as due_moves
from ..query.listings import slips_listing
from ..query.select import Criteria, LogEntry, is_overdue, one_per_event, registry_as_of
from .forms import units_of

#: The line of the items with no lead or supporting unit (translated where shown).
NO_UNIT = N_("(no unit)")
#: "Due soon": within this many days after the end of the period.
HORIZON_DAYS = 30


@dataclass(frozen=True)
class Move:
    """A move of an item's due date made in the period."""

    item: Item
    change: DueChange


@dataclass(frozen=True)
class UnitLine:
    """One unit's counts (an item counts for each of its lead and supporting units)."""

    unit: str
    reports: int
    finished: int
    newly_overdue: int
    overdue: int
    due_soon: int


@dataclass(frozen=True)
class Bulletin:
    """What happened from `since` to `until` (both included), as of `until`."""

    since: dt.date
    until: dt.date
    horizon: int
    reports: list[LogEntry]
    finished: list[Item]
    newly_overdue: list[Item]
    overdue: list[Item]
    due_soon: list[Item]
    moves: list[Move]
    units: list[UnitLine]


def _within(day: dt.date | None, since: dt.date, until: dt.date) -> bool:
    return day is not None and since <= day <= until


def weekly_bulletin(items: Iterable[Item], since: dt.date, until: dt.date,
                    horizon: int = HORIZON_DAYS) -> Bulletin:
    """The bulletin for the period from `since` to `until`, both included.

    Reports: dated in the period. Finished: done at the end of the period, not done the
    day before it began. Newly overdue: past due at the end (as `overdue --as-of UNTIL`
    lists them) with a due date in the period. Due soon: open, due from `until` to
    `horizon` days after. Moves: due-date changes made in the period.
    """
    if until < since:
        raise FieldError("until", _("{until} is before the start of the period ({since})")
                         .format(until=until, since=since))
    items = list(items)
    end = one_per_event(registry_as_of(items, until))
    before = {i.id: i for i in registry_as_of(items, since - dt.timedelta(days=1))}
    reports = sorted((LogEntry(i, r) for i in end for r in i.history
                      if _within(r.date, since, until)),
                     key=lambda e: (e.report.date, e.item.id))
    finished = sorted((i for i in end if i.state.status == "done"
                       and (i.id not in before or before[i.id].state.status != "done")),
                      key=lambda i: (i.state.date or until, i.id))
    overdue = sorted((i for i in end if is_overdue(i, until)), key=lambda i: (i.due, i.id))
    newly = [i for i in overdue if i.due is not None and i.due >= since]
    soon_end = until + dt.timedelta(days=horizon)
    due_soon = sorted((i for i in end if i.is_open and _within(i.due, until, soon_end)),
                      key=lambda i: (i.due, i.id))
    slipped = slips_listing(items, Criteria(), until).items
    moves = sorted((Move(i, c) for i in slipped for c in due_moves(i)
                    if _within(c.date, since, until)),
                   key=lambda m: (m.change.date, m.item.id))
    return Bulletin(since, until, horizon, reports, finished, newly, overdue, due_soon, moves,
                    unit_lines(reports, finished, newly, overdue, due_soon))


def unit_lines(reports: list[LogEntry], finished: list[Item], newly: list[Item],
               overdue: list[Item], due_soon: list[Item]) -> list[UnitLine]:
    """Per unit, in name order, the counts of each section (units with nothing left out);
    items with no unit at all are counted last, under `NO_UNIT`."""
    counts: dict[str, list[int]] = {}
    groups = ([e.item for e in reports], finished, newly, overdue, due_soon)
    for position, group in enumerate(groups):
        for item in group:
            for unit in units_of(item) or [NO_UNIT]:
                counts.setdefault(unit, [0] * len(groups))[position] += 1
    order = sorted(counts, key=lambda u: (u == NO_UNIT, u))
    return [UnitLine(unit, *counts[unit]) for unit in order]
