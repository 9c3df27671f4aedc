"""Where things go on the page's charts: a date or a number as an x coordinate, the year
or month ticks of a time axis, and a text cut to the width it may take.

Plain arithmetic, no drawing: `render/report.py` turns these into the shapes the page's
template draws as inline SVG. Coordinates are SVG user units (CSS pixels at scale 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..base.cells import cell_len


@dataclass(frozen=True)
class TimeScale:
    """Dates from `first` to `last` mapped onto x from `left` to `right`."""

    first: dt.date
    last: dt.date
    left: float
    right: float

    @property
    def days(self) -> int:
        """The number of days the axis spans (at least one)."""
        return max((self.last - self.first).days + 1, 1)

    def x(self, day: dt.date) -> float:
        """The x of the start of `day`, clamped to the axis."""
        offset = min(max((day - self.first).days, 0), self.days)
        return self.left + (self.right - self.left) * offset / self.days

    def x_end(self, day: dt.date) -> float:
        """The x of the end of `day` (a bar that ends on a day covers it), clamped."""
        return self.x(day + dt.timedelta(days=1)) if day < self.last else self.right


@dataclass(frozen=True)
class Tick:
    """A tick on a time axis, labelled or not."""

    x: float
    label: str | None


#: The steps an axis may tick at, in months: monthly up to five-yearly.
STEPS = (1, 3, 6, 12, 24, 60)


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def time_ticks(scale: TimeScale, min_gap: float = 42) -> list[Tick]:
    """Ticks at the first of a month, every `step` months (the smallest step whose labels
    are at least `min_gap` apart): years labelled `2020` at steps of a year or more, months
    labelled `2020-04` below that; a minor tick every year (or month) between labels."""
    months = max(scale.days / 30.44, 1)
    width = scale.right - scale.left
    step = next((s for s in STEPS if width / months * s >= min_gap), STEPS[-1])
    minor = 12 if step >= 12 else 1
    day = dt.date(scale.first.year, scale.first.month, 1)
    if day < scale.first:
        day = _add_months(day, 1)
    ticks = []
    while day <= scale.last:
        index = day.year * 12 + day.month - 1
        if index % step == 0 and (step < 12 or day.month == 1):
            label = str(day.year) if step >= 12 else f"{day.year}-{day.month:02d}"
            ticks.append(Tick(scale.x(day), label))
        elif index % minor == 0:
            ticks.append(Tick(scale.x(day), None))
        day = _add_months(day, 1)
    return ticks


def text_width(text: str, size: float) -> float:
    """About how wide `text` is at font size `size`: a Chinese character a full em, other
    characters 0.6 em (a little more than most sans-serif letters, so a cut text fits)."""
    return cell_len(text) * size * 0.6 if text.isascii() else sum(
        size if cell_len(c) == 2 else size * 0.6 for c in text)


def cut(text: str, width: float, size: float) -> str:
    """`text` on one line, cut with '…' to fit `width` at font size `size`."""
    text = " ".join(text.split())
    if text_width(text, size) <= width:
        return text
    room = width - size  # the ellipsis
    kept = []
    used = 0.0
    for char in text:
        used += size if cell_len(char) == 2 else size * 0.6
        if used > room:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def share(value: float, most: float, width: float) -> float:
    """The length of a bar for `value` on a scale where `most` takes `width` (0 for none)."""
    if most <= 0 or value <= 0:
        return 0.0
    return width * min(value / most, 1.0)
