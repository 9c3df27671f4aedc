"""The Gantt chart in the terminal (`circletrack timeline --gantt`): one row per item, its
bar drawn in block characters on a time axis as wide as the terminal.

Each row is the item's id, its title cut to a column of its own (measured in cells, so
Chinese titles line up) and the axis; the as-of day is a column of its own (▼ on the ruler,
│ where no bar covers it). The characters say the state without colour, so a piped chart
(plain text, no escape codes) reads the same as a coloured one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.console import Group
from rich.text import Text

from ..base.cells import cell_len
from ..base.i18n import _, ngettext
from ..model.labels import category_label, item_title, kind_label, status_label
from ..model.records import STATUSES
from ..office.gantt import GanttGroup, GanttRow
from .fitted import STATUS_STYLES
from .widgets import fit

#: The character of a bar in each state, readable without colour.
BAR_CHARS: dict[str, str] = {"planned": "░", "in_progress": "▓", "done": "█",
                             "blocked": "▒", "cancelled": "─"}
LATE, MILESTONE, AS_OF, AS_OF_RULER = "!", "◆", "│", "▼"
#: The narrowest axis drawn; below it the titles give way.
MIN_AXIS = 16
GAP = 1


class Axis:
    """Dates from `first` to `last` over `width` cells."""

    def __init__(self, first: dt.date, last: dt.date, width: int) -> None:
        self.first, self.last, self.width = first, last, width
        self.days = max((last - first).days + 1, 1)

    def cell(self, day: dt.date) -> int:
        """The cell a day falls in, clamped to the axis."""
        offset = min(max((day - self.first).days, 0), self.days - 1)
        return offset * self.width // self.days

    def ruler(self, day: dt.date) -> tuple[str, str]:
        """The labels line (years, or months on a short axis) and the ruler beneath it,
        with ┬ under each label and ▼ at `day` when the axis spans it."""
        labels = [" "] * self.width
        ruler = ["─"] * self.width
        months = self.days / 30.44
        per_year = self.width / max(months / 12, 1 / 12)
        if months <= 24:
            marks = [dt.date(y, m, 1) for y in range(self.first.year, self.last.year + 1)
                     for m in range(1, 13, 3)]
            text = lambda d: f"{d.year}-{d.month:02d}"  # noqa: E731
        else:
            step = next(s for s in (1, 2, 5, 10, 25, 50, 100) if per_year * s >= 6)
            marks = [dt.date(y, 1, 1) for y in range(self.first.year, self.last.year + 1)
                     if y % step == 0 or (step == 1)]
            text = lambda d: str(d.year)  # noqa: E731
        free = 0
        for mark in marks:
            if not self.first <= mark <= self.last:
                continue
            at, label = self.cell(mark), text(mark)
            if at < free or at + len(label) > self.width:
                continue
            labels[at:at + len(label)] = list(label)
            ruler[at] = "┬"
            free = at + len(label) + 1
        if self.first <= day <= self.last:
            ruler[self.cell(day)] = AS_OF_RULER
        return "".join(labels), "".join(ruler)


def bar_cells(row: GanttRow, axis: Axis, day: dt.date) -> list[tuple[str, str]]:
    """The row's cells on the axis: (character, style) for each."""
    cells = [(" ", "")] * axis.width
    if axis.first <= day <= axis.last:
        cells[axis.cell(day)] = (AS_OF, "magenta")
    state = row.item.state.status
    if row.point:
        if axis.first <= row.end <= axis.last:
            style = "bold red" if row.overdue else STATUS_STYLES.get(state, "")
            cells[axis.cell(row.end)] = (MILESTONE, style)
        return cells
    if row.end >= axis.first and row.start <= axis.last:
        for at in range(axis.cell(row.start), axis.cell(row.end) + 1):
            cells[at] = (BAR_CHARS[state], STATUS_STYLES.get(state, ""))
    if row.overdue and day > row.end and row.end <= axis.last and day >= axis.first:
        for at in range(axis.cell(row.end) + 1, axis.cell(min(day, axis.last)) + 1):
            cells[at] = (LATE, "bold red")
    return cells


def _pad(text: Text, width: int) -> Text:
    text.append(" " * max(width - cell_len(text.plain), 0))
    return text


def gantt_view(groups: Sequence[GanttGroup], first: dt.date, last: dt.date, day: dt.date,
               width: int) -> Group:
    """The chart, `width` cells wide: a heading, the legend, the ruler, then per group its
    name and one row per item."""
    rows = [row for group in groups for row in group.rows]
    # ids stay whole (to copy into the next command) while a title and an axis still fit
    id_width = max(min(max((len(r.item.id) for r in rows), default=2),
                       width - 2 * GAP - 4 - MIN_AXIS), 2)
    room = width - id_width - 2 * GAP
    longest = max((cell_len(item_title(r.item)) for r in rows), default=4)
    title_width = max(min(longest, room - MIN_AXIS, room * 2 // 5), 4)
    axis = Axis(first, last, max(room - title_width, 1))
    indent = " " * (id_width + title_width + 2 * GAP)
    heading = Text.assemble(
        (_("Gantt {start} – {end}").format(start=first.isoformat(), end=last.isoformat()),
         "bold"), "  ", ngettext("{count} item", "{count} items", len(rows)).format(
            count=len(rows)), "  ", (_("as of {date}").format(date=day.isoformat()), "magenta"))
    keys = ([Text.assemble((BAR_CHARS[s], STATUS_STYLES[s]), f" {status_label(s)}")
             for s in STATUSES]
            + [Text.assemble((LATE, "bold red"), " " + _("overdue")),
               Text.assemble((MILESTONE, ""), " " + _("milestone")),
               Text.assemble((f"{AS_OF_RULER}{AS_OF}", "magenta"), " " + _("as of"))])
    labels, ruler = axis.ruler(day)
    lines: list[Text] = [heading, *_legend(keys, width), Text(indent + labels.rstrip()),
                         Text.assemble(indent, *_ruler_parts(ruler))]
    for group in groups:
        name = category_label(group.category) or kind_label(group.kind)
        title = _("{category} ({count})").format(category=name, count=len(group.rows))
        lines.append(Text(fit(title, width).plain, style="bold"))
        for row in group.rows:
            line = _pad(Text(row.item.id[:id_width], style="cyan"), id_width + GAP)
            line.append_text(_pad(fit(item_title(row.item), title_width), title_width + GAP))
            for char, style in bar_cells(row, axis, day):
                line.append(char, style=style)
            lines.append(line)
    for line in lines[1:]:  # the heading wraps; the legend is laid out to fit
        line.no_wrap = True
        line.overflow = "crop"
    return Group(*lines)


def _ruler_parts(ruler: str) -> list[tuple[str, str]]:
    return [(char, "magenta" if char == AS_OF_RULER else "dim") for char in ruler]


def _legend(keys: list[Text], width: int) -> list[Text]:
    """The legend's keys on as few lines as fit `width`, never broken inside a key."""
    lines = [Text()]
    for key in keys:
        if lines[-1].plain and cell_len(lines[-1].plain) + 1 + cell_len(key.plain) > width:
            lines.append(Text())
        if lines[-1].plain:
            lines[-1].append(" ")
        lines[-1].append_text(key)
    return lines
