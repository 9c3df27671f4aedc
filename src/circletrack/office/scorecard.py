"""检查考核: a scorecard per responsible unit for a period, as of a day.

For each unit: the items it leads (and, in their own columns, supports) that fall in the
period, how many of them were done in it and whether on time, what is overdue, due soon or
never reported; and how the unit answered the office's forms (the forms on record, see
`forms.record_sent`). Pure functions of items, form records and dates: nothing here reads
the clock or a file.

An item falls in a period when it was recorded by the period's end and was not closed
before the period began. Items are seen as they stood on the as-of day with their
effective states (`query.registry_as_of`); an item that records the same event as another
of the unit's items (`same_as`) is counted once (`query.one_per_event`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from ..base.errors import FieldError
from ..base.i18n import _
from ..model.labels import fold
from ..model.records import CLOSED_STATUSES, Item, Number, Source, report_effect
from ..query.listings import SOON_DAYS
from ..query.select import (
    days_overdue,
    due_as_of,
    is_overdue,
    last_reported,
    one_per_event,
    registry_as_of,
)

#: The figures of a unit's row, in the order every format shows them (the JSON keys).
FIELDS: tuple[str, ...] = (
    "unit", "lead", "done", "done_on_time", "done_late", "overdue", "due_soon", "unreported",
    "median_days_overdue", "last_report", "forms_sent", "forms_returned",
    "median_response_days", "rows_reported", "support", "support_overdue", "derived")


@dataclass(frozen=True)
class UnitScore:
    """One unit's figures for a period (see docs/cli.md for each one's definition)."""

    unit: str
    lead: int
    done: int
    done_on_time: int
    done_late: int
    overdue: int
    due_soon: int
    unreported: int
    median_days_overdue: Number | None
    last_report: dt.date | None
    forms_sent: int
    forms_returned: int
    median_response_days: Number | None
    rows_reported: int
    support: int
    support_overdue: int
    derived: int

    @property
    def forms_out(self) -> int:
        """Forms sent in the period that had not come back by the as-of day."""
        return self.forms_sent - self.forms_returned


@dataclass(frozen=True)
class Scorecard:
    """Every responsible unit's row for the period `start`–`end`, as of `day`, most in
    need of attention first."""

    day: dt.date
    start: dt.date
    end: dt.date
    within: int
    units: list[UnitScore]


def period_of(day: dt.date, start: dt.date | None, end: dt.date | None) -> tuple[dt.date,
                                                                                    dt.date]:
    """The period: --from and --to, each by default the first and last day of the as-of
    day's year; a FieldError when it ends before it begins."""
    first = start if start is not None else dt.date(day.year, 1, 1)
    last = end if end is not None else dt.date(day.year, 12, 31)
    if first > last:
        raise FieldError("start", _("{first} is after --to ({last})").format(
            first=first, last=last))
    return first, last


def closed_on(item: Item) -> dt.date | None:
    """The day an item (seen as of a day) was last closed: the date of the report that made
    it done or cancelled (the date its derived state rests on, when derived); None while
    it is open."""
    state = item.state
    if state.is_open:
        return None
    if state.derived:
        return state.date
    status: tuple[str, int | None] = ("planned", None)
    closed: dt.date | None = None
    for report in sorted(item.history, key=lambda r: r.date):
        after = report_effect(status, report.status, report.progress)
        if after[0] in CLOSED_STATUSES and status[0] not in CLOSED_STATUSES:
            closed = report.date
        status = after
    return closed if closed is not None else state.date


def done_on_time(item: Item) -> bool | None:
    """For a done item: True when it was done on or before the due date in force on the
    day it was done (its recorded moves replayed), False when after it; None when it had no
    due date then, or the due date ends a period of work (`ongoing`: never late)."""
    when = closed_on(item)
    if item.state.status != "done" or when is None or item.ongoing:
        return None
    due = due_as_of(item, when)
    if due is None:
        return None
    return when <= due


def in_period(item: Item, start: dt.date, end: dt.date) -> bool:
    """Recorded by the period's end and not closed before it began."""
    when = closed_on(item)
    return item.created <= end and (when is None or when >= start)


def is_due_soon(item: Item, day: dt.date, within: int) -> bool:
    """Open and due from `day` to `within` days after it (both included)."""
    return (item.is_open and item.due is not None
            and day <= item.due <= day + dt.timedelta(days=within))


def _median(values: Sequence[int]) -> Number | None:
    if not values:
        return None
    middle = statistics.median(values)
    return int(middle) if float(middle).is_integer() else middle


def unit_score(unit: str, led: Sequence[Item], supported: Sequence[Item],
               forms: Sequence[Source], day: dt.date, start: dt.date, end: dt.date,
               within: int = SOON_DAYS) -> UnitScore:
    """One unit's row: `led` and `supported` are its items in the period (each event
    once), `forms` the forms on record that were sent to it."""
    done = [i for i in led if i.state.status == "done"
            and start <= (closed_on(i) or dt.date.min) <= end]
    timely = [done_on_time(i) for i in done]
    late = [i for i in led if is_overdue(i, day)]
    reports = [d for d in (last_reported(i) for i in led) if d is not None]
    sent = [f for f in forms if start <= f.date <= end and f.date <= day]
    back = [f for f in sent if f.returned is not None and f.returned <= day]
    return UnitScore(
        unit=unit, lead=len(led), done=len(done),
        done_on_time=sum(t is True for t in timely), done_late=sum(t is False for t in timely),
        overdue=len(late), due_soon=sum(is_due_soon(i, day, within) for i in led),
        unreported=sum(i.is_open and last_reported(i) is None for i in led),
        median_days_overdue=_median([days_overdue(i, day) for i in late]),
        last_report=max(reports, default=None),
        forms_sent=len(sent), forms_returned=len(back),
        median_response_days=_median([(f.returned - f.date).days for f in back
                                      if f.returned is not None]),
        rows_reported=sum(f.rows or 0 for f in back),
        support=len(supported), support_overdue=sum(is_overdue(i, day) for i in supported),
        derived=sum(i.state.derived for i in led))


def attention_key(score: UnitScore) -> tuple[object, ...]:
    """What needs attention first: most overdue, then most never reported, most forms not
    back, most due soon, the longest median delay; then by name."""
    return (-score.overdue, -score.unreported, -score.forms_out, -score.due_soon,
            -(score.median_days_overdue or 0), score.unit)


def unit_scorecard(items: Iterable[Item], day: dt.date, start: dt.date | None = None,
                   end: dt.date | None = None, units: Sequence[str] = (),
                   within: int = SOON_DAYS, only: Collection[str] | None = None,
                   forms: Iterable[Source] = ()) -> Scorecard:
    """Every responsible unit's scorecard for the period as of `day` (see the module's
    docstring); `units` (fragments, as --unit takes them) narrows the rows, `only` (ids)
    the items counted, once their states are derived from all of them; `forms` are the
    forms on record (`Registry.forms`)."""
    first, last = period_of(day, start, end)
    seen = [i for i in registry_as_of(items, day) if in_period(i, first, last)
            and (only is None or i.id in only)]
    sent = [f for f in forms if f.unit is not None and f.date <= day]
    names = dict.fromkeys([*(u for i in seen for u in (*i.lead, *i.support)),
                           *(f.unit for f in sent if f.unit is not None)])
    if units:
        names = {n: None for n in names if any(fold(u) in fold(n) for u in units)}
    scores = []
    for name in names:
        led = one_per_event([i for i in seen if name in i.lead])
        supported = one_per_event([i for i in seen if name in i.support and name not in i.lead])
        scores.append(unit_score(name, led, supported, [f for f in sent if f.unit == name],
                                 day, first, last, within))
    return Scorecard(day, first, last, within, sorted(scores, key=attention_key))
