"""Turn the date words users type into `datetime.date`, relative to a given today."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from ..base.errors import FieldError
from ..base.i18n import N_, _
from .records import FIRST_DATE, LAST_DATE

#: The date forms `parse_date` reads, as help texts and errors list them (translated there).
ACCEPTED_FORMS = N_("YYYY-MM-DD, 2011/12/31, 'Dec 31 2011', 2011年12月31日, 2011年12月, 2011年, "
                    "today, yesterday, tomorrow, +30d, -2w, +3m, -1y, eom, eoy")

_RELATIVE = re.compile(r"^([+-])(\d{1,4})([dwmy])$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?)?$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WORDS = {
    "today": 0, "今天": 0, "yesterday": -1, "昨天": -1, "tomorrow": 1, "明天": 1,
}


class DateError(FieldError):
    """A date that cannot be read."""


def end_of_month(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_relative(text: str) -> bool:
    """Whether a date word counts from today (`+6m`, `eom`, `tomorrow`), not a fixed date."""
    lowered = text.strip().lower()
    return lowered in _WORDS or lowered in ("eom", "eoy") or bool(_RELATIVE.match(lowered))


def period_start(text: str, end: dt.date, field: str = "since") -> dt.date:
    """The first day of a period that ends on `end` (included). A backward offset counts
    back from `end` and gives a period exactly that long (`-1w`: seven days, `end` the
    seventh), so weekly periods meet without overlapping; any other date form is the day
    it names."""
    relative = _RELATIVE.match(text.strip().lower())
    if relative and relative.group(1) == "-" and relative.group(2).strip("0"):
        return parse_date(text, end, field) + dt.timedelta(days=1)
    return parse_date(text, end, field)


def parse_date(text: str, today: dt.date, field: str = "date") -> dt.date:
    """Read a date in any accepted form; dates without a day mean the end of that month or
    year. A date outside the registry's range (model.FIRST_DATE to LAST_DATE) is refused."""
    day = _read_date(text, today, field)
    if not FIRST_DATE <= day <= LAST_DATE:
        raise DateError(field, _("{date} is outside the dates a registry holds ({first} to "
                                 "{last})").format(date=day, first=FIRST_DATE, last=LAST_DATE))
    return day


def _read_date(text: str, today: dt.date, field: str) -> dt.date:
    value = text.strip()
    lowered = value.lower()
    try:
        if lowered in _WORDS:
            return today + dt.timedelta(days=_WORDS[lowered])
        if lowered == "eom":
            return end_of_month(today.year, today.month)
        if lowered == "eoy":
            return dt.date(today.year, 12, 31)
        relative = _RELATIVE.match(lowered)
        if relative:
            sign = 1 if relative.group(1) == "+" else -1
            amount = sign * int(relative.group(2))
            unit = relative.group(3)
            if unit == "d":
                return today + dt.timedelta(days=amount)
            if unit == "w":
                return today + dt.timedelta(weeks=amount)
            return add_months(today, amount * (12 if unit == "y" else 1))
        if _ISO.match(value):
            return dt.date.fromisoformat(value)
        chinese = _CHINESE.match(value)
        if chinese:
            year, month, day = (int(g) if g else None for g in chinese.groups())
            if month is None:
                return dt.date(year, 12, 31)
            if day is None:
                return end_of_month(year, month)
            return dt.date(year, month, day)
        return _parse_free_form(value)
    except (ValueError, OverflowError):
        pass
    raise DateError(field, _("cannot read {text!r} as a date; use one of: {forms}").format(
        text=text, forms=_(ACCEPTED_FORMS)))


def _parse_free_form(value: str) -> dt.date:
    """dateutil's forms, but only with a four-digit year, so stray numbers are not dates."""
    if not re.search(r"(?<!\d)\d{4}(?!\d)", value):
        raise ValueError(value)
    from dateutil import parser

    first = parser.parse(value, default=dt.datetime(2000, 1, 1))
    second = parser.parse(value, default=dt.datetime(2000, 12, 28))
    if first.month != second.month:
        return dt.date(first.year, 12, 31)
    if first.day != second.day:
        return end_of_month(first.year, first.month)
    return first.date()
