"""The circle at a glance as one self-contained HTML page (`circletrack report`).

The page is the Jinja2 template `templates/report.html.j2` (autoescaped: every text from
the registry is escaped wherever it lands, in HTML or in SVG) filled with what this module
lays out: the headline figures, the Gantt chart, the progress, unit and target charts as
inline SVG with their numbers beside them, and a table behind each chart. No script, and
nothing fetched: the styles are in the page, the fonts are the reader's own (a CJK font
stack), the charts are SVG. Every word comes through `_()`, so the page is in the
interface language. docs/performance.md says why Jinja2 and inline SVG (measured against
a plotting library).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..base.i18n import N_, _, current_language, ngettext
from ..model.labels import category_label, item_title, kind_label, status_label
from ..model.records import KINDS, STATUSES
from ..office.gantt import GanttGroup, GanttRow
from ..office.report import CircleReport, TargetLine
from ..office.scorecard import FIELDS
from .chart_geometry import TimeScale, cut, share, text_width, time_ticks
from .scorecard import HEADERS, notes, text
from .scorecard import title as scorecard_title

#: The Gantt chart's columns, in SVG units: the item's name, the time axis, the note.
WIDTH = 1160
NAME_RIGHT = 318
AXIS_LEFT, AXIS_RIGHT = 326, 846
NOTE_LEFT = 856
ROW = 16
AXIS_HEIGHT = 30
FONT = 11
#: The other charts: the name, the bar, the numbers beside it.
BAR_LEFT, BAR_WIDTH, BAR_ROW = 250, 320, 20

#: The headings of the progress charts, one per kind (as `status` words them).
FACET_TITLES: dict[str, str] = {
    "cooperation": N_("Progress by plan heading"),
    "project": N_("Progress by mode"),
    "milestone": N_("Progress by milestone type"),
}


@dataclass
class Bar:
    """A rectangle of the Gantt chart: x, width and its class (the state, `late`)."""

    x: float
    w: float
    cls: str


@dataclass
class GanttLine:
    """One row of a Gantt group, laid out."""

    y: float
    id: str
    name: str
    hover: str
    note: str
    late: bool
    state: str
    bars: list[Bar] = field(default_factory=list)
    diamond: float | None = None
    ticks: str = ""


@dataclass
class GanttBlock:
    """One group's SVG: its heading, height, axis ticks, as-of line and rows."""

    heading: str
    height: float
    ticks: list[Any]
    asof: float | None
    lines: list[GanttLine]


def _d(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "—"


def _row_note(row: GanttRow, day: dt.date) -> str:
    """The words beside a row (and in print): its state, how it ends, its latest report."""
    status = status_label(row.item.state.status)
    if row.point:
        end = (_("done {date}").format(date=_d(row.end)) if row.item.state.status == "done"
               else _("due {date}").format(date=_d(row.end)))
    elif row.ends in ("done", "cancelled"):
        end = _d(row.end)
    elif row.ends == "due":
        end = _("due {date}").format(date=_d(row.end))
    else:
        end = _("no due date")
    parts = [status, end]
    if row.overdue:
        parts.append(_("{days} days overdue").format(days=(day - (row.item.due or day)).days))
    elif row.latest is not None:
        parts.append(_("reported {date}").format(date=_d(row.latest.date)))
    return " · ".join(parts)


def _hover(row: GanttRow, day: dt.date) -> str:
    """The row's tooltip: id and title, state, due date, the latest report and its note."""
    item = row.item
    lines = [f"{item.id} {item_title(item)}", _row_note(row, day),
             _("Due: {date}").format(date=_d(item.due))]
    if row.latest is not None:
        note = row.latest.note or status_label(row.latest.status)
        lines.append(_("Latest report {date}: {note}").format(date=_d(row.latest.date),
                                                               note=" ".join(note.split())))
    return "\n".join(lines)


def gantt_line(row: GanttRow, y: float, scale: TimeScale, day: dt.date) -> GanttLine:
    """One row laid out on the scale: the name (id and title cut to fit), the bar or the
    diamond, the overdue part, the report ticks and the note."""
    item = row.item
    title_room = NAME_RIGHT - 4 - text_width(item.id + " ", FONT)
    line = GanttLine(y=y, id=item.id, name=cut(item_title(item), title_room, FONT),
                     hover=_hover(row, day), note=cut(_row_note(row, day),
                                                      WIDTH - NOTE_LEFT, FONT),
                     late=row.overdue, state=item.state.status)
    state = item.state.status
    if row.point:
        if scale.first <= row.end <= scale.last:
            line.diamond = round((scale.x(row.end) + scale.x_end(row.end)) / 2, 1)
    else:
        left, right = scale.x(row.start), scale.x_end(row.end)
        cls = f"s-{state}" + (" open" if row.ends == "open" else "")
        if right > left and row.end >= scale.first and row.start <= scale.last:
            line.bars.append(Bar(round(left, 1), round(max(right - left, 1.5), 1), cls))
        if row.overdue and day > row.end:
            late_left, late_right = scale.x_end(row.end), scale.x(day)
            if late_right > late_left:
                line.bars.append(Bar(round(late_left, 1), round(late_right - late_left, 1),
                                     "late"))
    ticks = [round(scale.x(d), 1) for d in row.reports if scale.first <= d <= scale.last]
    line.ticks = "".join(f"M{x} {y + 2}v{ROW - 4}" for x in dict.fromkeys(ticks))
    return line


def gantt_block(group: GanttGroup, report: CircleReport) -> GanttBlock:
    """One group of the Gantt chart laid out as its own SVG (a printed page never cuts one
    in two where it fits on a page)."""
    scale = TimeScale(report.first, report.last, AXIS_LEFT, AXIS_RIGHT)
    name = (category_label(group.category) if group.category is not None
            else _("{kind}, no category").format(kind=kind_label(group.kind)))
    heading = _("{category} ({count})").format(category=name, count=len(group.rows))
    lines = [gantt_line(row, AXIS_HEIGHT + n * ROW, scale, report.day)
             for n, row in enumerate(group.rows)]
    asof = (round(scale.x(report.day), 1) if report.first <= report.day <= report.last
            else None)
    return GanttBlock(heading, AXIS_HEIGHT + len(lines) * ROW + 4, time_ticks(scale), asof,
                      lines)


@dataclass
class BarLine:
    """A row of a bar chart: its name, its bars (x, width, class) and the numbers."""

    y: float
    name: str
    bars: list[Bar]
    numbers: str
    marks: list[Bar] = field(default_factory=list)


@dataclass
class Chart:
    """A bar chart with the table behind it."""

    id: str
    title: str
    summary: str
    lines: list[BarLine]
    headers: list[str]
    rows: list[list[str]]

    @property
    def height(self) -> float:
        """The SVG's height: a row per line."""
        return len(self.lines) * BAR_ROW + 6


def progress_chart(report: CircleReport, kind: str) -> Chart | None:
    """Progress of one kind's categories: the mean of the progress reported, as a bar,
    with the counts beside it; None when the kind has no items."""
    rows = [row for row in report.categories if row.kind == kind]
    if not rows:
        return None
    lines, table = [], []
    for n, row in enumerate(rows):
        mean = row.mean_progress
        bars = ([Bar(BAR_LEFT, round(share(mean, 100, BAR_WIDTH), 1), "s-in_progress")]
                if mean else [])
        numbers = _("{mean} · {done} of {count} done · {unknown} unreported").format(
            mean=f"{mean:.0f}%" if mean is not None else "—", done=row.done,
            count=row.count, unknown=row.unknown)
        lines.append(BarLine(n * BAR_ROW, cut(category_label(row.category), BAR_LEFT - 8,
                                              FONT + 1), bars, numbers))
        table.append([category_label(row.category), str(row.count), str(row.done),
                      str(row.unknown), f"{mean:.0f}%" if mean is not None else "—"])
    headers = [_("Category"), _("Items"), _("Done"), _("Unreported"), _("Mean of reported")]
    return Chart(f"progress-{kind}", _(FACET_TITLES[kind]),
                 _("Bars: the mean progress of the items that reported one (done counts "
                   "100%)."), lines, headers, table)


def units_chart(report: CircleReport) -> Chart:
    """Per unit: overdue (red) and due soon (amber) open items, with the counts beside."""
    most = max((u.overdue + u.due_soon for u in report.units), default=0)
    lines, table = [], []
    for n, unit in enumerate(report.units):
        late = share(unit.overdue, most, BAR_WIDTH)
        soon = share(unit.due_soon, most, BAR_WIDTH)
        bars = [b for b in (Bar(BAR_LEFT, round(late, 1), "late-solid"),
                            Bar(round(BAR_LEFT + late, 1), round(soon, 1), "soon")) if b.w]
        lines.append(BarLine(n * BAR_ROW, cut(unit.unit, BAR_LEFT - 8, FONT + 1), bars,
                             _("{overdue} overdue · {soon} due soon").format(
                                 overdue=unit.overdue, soon=unit.due_soon)))
        table.append([unit.unit, str(unit.overdue), str(unit.due_soon)])
    return Chart("units", _("Overdue and due soon, per unit"),
                 _("Open items each unit leads or supports: overdue, and due in the next "
                   "{days} days.").format(days=report.horizon), lines,
                 [_("Unit"), _("Overdue"), _("Due soon")], table)


def _goal(line: TargetLine) -> str:
    target = line.item.target
    assert target is not None
    unit = f" {target.unit}" if target.unit else ""
    return _("{op}{value}{unit} ({year})").format(op=target.op, value=f"{target.value:g}",
                                                 unit=unit, year=target.year)


def _baseline(line: TargetLine) -> str:
    fact = line.baseline
    if fact is None:
        return "—"
    year = f"{fact.year}: " if fact.year else ""
    return f"{year}{fact.value:g} {fact.unit}".rstrip()


def targets_chart(report: CircleReport) -> Chart:
    """Each target: the latest value as a bar, the goal as a mark, on a scale up to the
    larger of the two (and the baseline), with the goal, the latest value and its date
    beside it."""
    lines, table = [], []
    for n, line in enumerate(report.targets):
        target = line.item.target
        assert target is not None
        values = [target.value, line.latest or 0, line.baseline.value if line.baseline else 0]
        most = max(v for v in values) * 1.05
        bars = ([Bar(BAR_LEFT, round(share(line.latest, most, BAR_WIDTH), 1),
                     "s-done" if line.met else "s-in_progress")]
                if line.latest is not None else [])
        marks = [Bar(round(BAR_LEFT + share(target.value, most, BAR_WIDTH), 1), 0, "goal")]
        if line.baseline is not None:
            marks.append(Bar(round(BAR_LEFT + share(line.baseline.value, most, BAR_WIDTH), 1),
                             0, "base"))
        latest = (_("{value} ({date})").format(value=f"{line.latest:g}", date=_d(line.latest_on))
                  if line.latest is not None else _("not reported"))
        numbers = _("goal {goal} · latest {latest}").format(goal=_goal(line), latest=latest)
        lines.append(BarLine(n * BAR_ROW, cut(item_title(line.item), BAR_LEFT - 8, FONT + 1),
                             bars, numbers, marks))
        table.append([line.item.id, item_title(line.item), _goal(line), latest,
                      _baseline(line)])
    return Chart("targets", _("Targets"),
                 _("Bar: the latest value reported; dark mark: the goal; grey mark: the "
                   "baseline."), lines,
                 [_("ID"), _("Target"), _("Goal"), _("Latest"), _("Baseline")], table)


def gantt_table(report: CircleReport) -> tuple[list[str], list[list[str]]]:
    """The table behind the Gantt chart: every row, with its dates and state."""
    rows = []
    for group in report.groups:
        for row in group.rows:
            item = row.item
            rows.append([item.id, item_title(item), category_label(item.category),
                         status_label(item.state.status), _d(row.start),
                         _d(row.end), _d(item.due), _("yes") if row.overdue else "",
                         _d(row.latest.date) if row.latest else "—"])
    return ([_("ID"), _("Title"), _("Category"), _("Status"), _("Starts"), _("Ends"), _("Due"),
             _("Overdue"), _("Latest report")], rows)


def headline(report: CircleReport) -> tuple[list[tuple[str, int, str]], list[str],
                                              list[list[str]]]:
    """The figure cards (label, number, class) and the table by kind."""
    total = report.total
    cards = [(_("open"), total.open, ""), (_("overdue"), total.overdue, "late"),
             (_("due in {days} days").format(days=report.horizon), total.due_soon, "soon"),
             (_("done in {year}").format(year=report.day.year), total.done_this_year, "done")]
    headers = [_("Kind"), _("Items"), _("Open"), _("Overdue"),
               _("Due in {days} days").format(days=report.horizon),
               _("Done in {year}").format(year=report.day.year)]
    rows = [[kind_label(kind), str(f.items), str(f.open), str(f.overdue), str(f.due_soon),
             str(f.done_this_year)] for kind, f in report.by_kind.items()]
    rows.append([_("all"), str(total.items), str(total.open), str(total.overdue),
                 str(total.due_soon), str(total.done_this_year)])
    return cards, headers, rows


@lru_cache(maxsize=1)
def _template() -> Any:
    # Jinja2 is imported here, for start-up speed: only `report` pays for it.
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("circletrack.render", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return environment.get_template("report.html.j2")


TITLE = N_("The Hangzhou metropolitan circle at a glance")


def render_report(report: CircleReport) -> str:
    """The page: one HTML file, in the interface language, for `report`."""
    title = _(TITLE)
    cards, kind_headers, kind_rows = headline(report)
    charts = [c for c in (progress_chart(report, kind) for kind in KINDS) if c is not None]
    gantt_headers, gantt_rows = gantt_table(report)
    shown = sum(len(g.rows) for g in report.groups)
    words = {
        "figures": _("At a glance"), "gantt": _("Projects and milestones on a time axis"),
        "progress": _("Progress"), "table": _("Table"),
        "as_of": _("as of {date}").format(date=report.day.isoformat()),
        "gantt_summary": ngettext(
            "{count} item from {first} to {last}, grouped by plan heading, mode and "
            "milestone type.", "{count} items from {first} to {last}, grouped by plan "
            "heading, mode and milestone type.", shown).format(
            count=shown, first=report.first.isoformat(), last=report.last.isoformat()),
        "gantt_how": _("A bar runs from an item's first dated evidence (recorded or "
                       "reported) to the day it was done or cancelled, else to its due date; "
                       "hatched red: overdue up to the as-of day; faded end: no due date. "
                       "Diamonds: milestones. Ticks: reports. Hover a row for its latest "
                       "report."),
        "nothing": _("None."),
        "legend": [(f"s-{s}", status_label(s)) for s in STATUSES]
        + [("late", _("overdue")), ("tick", _("report")), ("dia", _("milestone")),
           ("asof", _("as of {date}").format(date=report.day.isoformat()))],
        "made": _("Made by circletrack from the registry as of {date}; the same registry "
                  "and dates always give the same page.").format(date=report.day.isoformat()),
    }
    card = report.scorecard
    return _template().render(
        lang="zh-CN" if current_language() == "zh" else "en", title=title, words=words,
        cards=cards, kind_headers=kind_headers, kind_rows=kind_rows,
        blocks=[gantt_block(g, report) for g in report.groups],
        gantt_headers=gantt_headers, gantt_rows=gantt_rows, charts=charts,
        units=units_chart(report), targets=targets_chart(report),
        scorecard_title=scorecard_title(card), scorecard_notes=notes(card),
        scorecard_headers=[_(HEADERS[f]) for f in FIELDS],
        scorecard_rows=[[text(s, f) for f in FIELDS] for s in card.units],
        width=WIDTH, name_right=NAME_RIGHT, axis_left=AXIS_LEFT, axis_right=AXIS_RIGHT,
        note_left=NOTE_LEFT, row=ROW, axis_height=AXIS_HEIGHT, bar_left=BAR_LEFT,
        bar_width=BAR_WIDTH, bar_row=BAR_ROW)
