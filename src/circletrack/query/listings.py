"""The listings' selections and orders: list, overdue (by group), what needs attention,
stale items, moved deadlines, the export.

Every listing is a selection (which items, as of a day), an order (its own, or --sort; cut
by --limit) and a view (render/listing_views.py), as Taskwarrior's filter → sort → report.
Pure functions of (items, criteria, as-of date): nothing here reads the clock or a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..base.errors import FieldError
from ..base.i18n import _
from ..model.effective import with_states
from ..model.labels import NO_GROUP
from ..model.records import DueChange, Item
from .select import (
    Criteria,
    days_since_report,
    one_per_event,
    overdue_items,
    registry_as_of,
    select,
    sort_items,
)

GROUP_BY: tuple[str, ...] = ("unit", "category", "city")


@dataclass(frozen=True)
class Group:
    """A named share of a report (name None when the report is not grouped)."""

    name: str | None
    items: list[Item]


@dataclass(frozen=True)
class Listing:
    """The items a report chose as of a day, in one or more groups."""

    day: dt.date
    groups: list[Group]
    group_by: str | None = None
    #: How many items the selection chose before --limit cut it (None: nothing was cut).
    total: int | None = None

    @property
    def hidden(self) -> int:
        """How many chosen items --limit left out."""
        return 0 if self.total is None else self.total - len(self.items)

    @property
    def items(self) -> list[Item]:
        """Every item once, in the order first met (an item may sit in several groups)."""
        seen: dict[str, Item] = {}
        for group in self.groups:
            for item in group.items:
                seen.setdefault(item.id, item)
        return list(seen.values())


def check_group_by(group_by: str | None) -> str | None:
    """The --group-by value, or a UsageError naming the choices."""
    if group_by is not None and group_by not in GROUP_BY:
        raise FieldError("group_by", _("unknown value {value!r}; use one of {choices}").format(
            value=group_by, choices=", ".join(GROUP_BY)))
    return group_by


def group_names(item: Item, group_by: str) -> list[str]:
    """The groups an item belongs to: each of its lead units, its category, or each city."""
    names = {"unit": item.lead, "category": [item.category] if item.category else [],
             "city": item.cities}[group_by]
    return list(dict.fromkeys(names)) or [NO_GROUP[group_by]]


def group_items(items: Sequence[Item], group_by: str | None) -> list[Group]:
    """Split items into groups, keeping their order inside each group.

    Groups come largest first (the units with most to do head the list), ties by name;
    the "(no …)" group comes last. Without `group_by`, one unnamed group holds everything.
    """
    if group_by is None:
        return [Group(None, list(items))]
    check_group_by(group_by)
    buckets: dict[str, list[Item]] = {}
    for item in items:
        for name in group_names(item, group_by):
            buckets.setdefault(name, []).append(item)
    placeholder = NO_GROUP[group_by]
    order = sorted(buckets, key=lambda n: (n == placeholder, -len(buckets[n]), n))
    return [Group(name, buckets[name]) for name in order]


@dataclass(frozen=True)
class Order:
    """How a listing's items are ordered and cut: `sort` (a field, `-field` reverses; None
    keeps the listing's own order) and `limit` (None for all)."""

    sort: str | None = None
    limit: int | None = None

    def apply(self, items: Sequence[Item]) -> list[Item]:
        """The items sorted and cut."""
        chosen = sort_items(items, self.sort) if self.sort else list(items)
        return chosen[:self.limit] if self.limit is not None else chosen


def ordered(day: dt.date, chosen: Sequence[Item], order: Order,
            group_by: str | None = None) -> Listing:
    """The chosen items (in the listing's own order) put in `order`, cut, and grouped."""
    shown = order.apply(chosen)
    total = len(chosen) if len(shown) < len(chosen) else None
    return Listing(day, group_items(shown, group_by), group_by, total)


def list_listing(items: Iterable[Item], criteria: Criteria, day: dt.date,
                 order: Order = Order()) -> Listing:
    """`list`: the items that pass the criteria on `day` (open ones unless the criteria
    include closed ones), in registry order."""
    return ordered(day, select(items, criteria, day), order)


def overdue_listing(items: Iterable[Item], criteria: Criteria, day: dt.date,
                    group_by: str | None = None, order: Order = Order()) -> Listing:
    """Open items past due on `day` that pass the criteria, most overdue first, grouped."""
    return ordered(day, one_per_event(overdue_items(items, criteria, day)), order, group_by)


#: How far ahead the default view and the units' forms look for due dates.
SOON_DAYS = 30


def attention_items(items: Iterable[Item], criteria: Criteria, day: dt.date,
                    within: int = SOON_DAYS) -> list[Item]:
    """Open items that are overdue on `day` or due within `within` days after it: the most
    overdue first, then the soonest due."""
    horizon = day + dt.timedelta(days=within)
    chosen = [i for i in select(items, criteria, day)
              if i.due is not None and (i.due >= day or not i.ongoing) and i.due <= horizon
              and i.is_open]
    return sorted(one_per_event(chosen), key=lambda i: (i.due, i.id))


def attention_listing(items: Iterable[Item], criteria: Criteria, day: dt.date,
                      within: int = SOON_DAYS, order: Order = Order()) -> Listing:
    """What needs attention on `day` (see `attention_items`), as one listing."""
    if within < 0:
        raise FieldError("within", _("must be 0 or more"))
    return ordered(day, attention_items(items, criteria, day, within), order)


def stale_listing(items: Iterable[Item], criteria: Criteria, day: dt.date,
                  days: int, order: Order = Order()) -> Listing:
    """Open items with no report for at least `days` days on `day`, longest silence first."""
    if days < 0:
        raise FieldError("days", _("must be 0 or more"))
    chosen = one_per_event(select(items, replace(criteria, stale_days=days), day))
    chosen.sort(key=lambda i: (-days_since_report(i, day), i.id))
    return ordered(day, chosen, order)


def export_listing(items: Iterable[Item], day: dt.date, replay: bool = False,
                   order: Order = Order()) -> Listing:
    """Every item, closed ones included, in registry order.

    With `replay`, each item is seen as it stood on `day` (items not yet recorded left out);
    otherwise the items are exported exactly as recorded and `day` only sets the overdue flags.
    """
    chosen = registry_as_of(items, day) if replay else with_states(list(items))
    return ordered(day, chosen, order)


def first_due(item: Item) -> dt.date | None:
    """The first due date the item had: `original_due`, else the earliest one its moves name.

    A move from no date to a date sets the first due date; it is not a slip by itself.
    """
    if item.original_due is not None:
        return item.original_due
    for change in sorted(item.due_changes, key=lambda c: c.date):
        if change.from_ is not None or change.to is not None:
            return change.from_ or change.to
    return item.due


def days_slipped(item: Item) -> int | None:
    """Days between the first and the current due date (negative when brought forward)."""
    first = first_due(item)
    if first is None or item.due is None:
        return None
    return (item.due - first).days


def moves(item: Item) -> list[DueChange]:
    """The moves of the item's due date, oldest first: its changes from one date to another
    (setting a first due date, or clearing one, moves nothing)."""
    return [c for c in sorted(item.due_changes, key=lambda c: c.date)
            if c.from_ is not None and c.to is not None]


def slip_reasons(item: Item) -> list[str]:
    """The reason given for each move of the due date, oldest first."""
    return [c.reason for c in moves(item)]


def slips_listing(items: Iterable[Item], criteria: Criteria, day: dt.date,
                  order: Order = Order()) -> Listing:
    """Items whose due date had been moved by `day`, most slipped first.

    Closed items are kept unless --status says otherwise: a finished project's moved
    deadlines are part of its record.
    """
    chosen = [i for i in select(items, replace(criteria, include_closed=True), day)
              if moves(i)]
    chosen.sort(key=lambda i: (-(days_slipped(i) or 0), i.id))
    return ordered(day, chosen, order)
