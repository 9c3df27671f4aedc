"""The dashboard (`circletrack status`)."""

from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..base.i18n import N_, _, join, ngettext
from ..model.labels import FACET_LABELS, category_label, item_title, kind_label, status_label
from ..model.records import KINDS, STATUSES
from ..query.dashboard import Dashboard
from .fields import DERIVED_MARK
from .fitted import STATUS_STYLES
from .widgets import fill, fit, progress_bar


def _status_table(board: Dashboard) -> Table:
    caption = (_("Counted once, with the item that records the same event: {pairs}").format(
        pairs=join(_("{id} (as {other})").format(id=i, other=o)
                   for i, o in board.same_events)) if board.same_events else None)
    table = Table(title=_("Items by status"), title_justify="left", header_style="bold",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, caption=caption,
                  caption_justify="left")
    table.add_column(_("Kind"))
    for status in STATUSES:
        # English headers read "in progress"; the table cells elsewhere keep `in_progress`.
        table.add_column(status_label(status).replace("_", " "), justify="right",
                         style=STATUS_STYLES[status])
    table.add_column(_("all"), justify="right", style="bold")
    for kind, counts in board.status_counts.items():
        table.add_row(kind_label(kind), *(str(counts[s]) for s in STATUSES),
                      str(sum(counts.values())))
    return table


#: The title of each kind's progress table: the facet its categories make up.
FACET_TITLES: dict[str, str] = {
    "cooperation": N_("Progress by plan heading"),
    "project": N_("Progress by mode"),
    "milestone": N_("Progress by milestone type"),
}


def _category_tables(board: Dashboard) -> list[Table]:
    """One table per facet: the plan's headings, the projects' modes, the milestones'
    types. The mean is of the progress reported; unreported items are counted apart."""
    tables = []
    for kind in KINDS:
        rows = [row for row in board.categories if row.kind == kind]
        if not rows:
            continue
        derived = sum(row.derived for row in rows)
        caption = (ngettext("{mark} {count} item's state is derived from the items it tracks",
                            "{mark} {count} items' states are derived from the items they "
                            "track", derived).format(mark=DERIVED_MARK, count=derived)
                   if derived else None)
        table = Table(title=_(FACET_TITLES[kind]), title_justify="left", header_style="bold",
                      box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, caption=caption, caption_justify="left")
        table.add_column(_(FACET_LABELS[kind]), no_wrap=True)
        table.add_column(_("Items"), justify="right")
        table.add_column(_("Done"), justify="right")
        table.add_column(_("Unreported"), justify="right")
        table.add_column(_("Mean of reported"), no_wrap=True)
        for row in rows:
            mean = (progress_bar(row.mean_progress) if row.mean_progress is not None
                    else Text("—", style="dim"))
            if row.mean_progress is not None:  # a mean of few says little: say of how many
                mean.append("  " + _("of {reported}/{count}").format(
                    reported=row.count - row.unknown, count=row.count), style="dim")
            name = category_label(row.category) + (DERIVED_MARK if row.derived else "")
            table.add_row(name, str(row.count), str(row.done), str(row.unknown), mean)
        tables.append(table)
    return tables


def _targets_table(board: Dashboard, wide: bool) -> Table:
    hidden = board.targets_total - len(board.targets)
    caption = (_("{count} more: circletrack list --category target").format(count=hidden)
               if hidden > 0 else None)
    table = Table(title=_("Targets"), title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  caption=caption, caption_justify="left")
    if wide:
        table.add_column(_("ID"), style="cyan", no_wrap=True)
    table.add_column(_("Target"), overflow="fold", min_width=20)
    table.add_column(_("Goal"), no_wrap=True)
    table.add_column(_("Latest"), overflow="fold")
    for state in board.targets:
        target = state.item.target
        assert target is not None
        unit = f" {target.unit}" if target.unit else ""
        goal = _("{op}{value}{unit} ({year})").format(op=target.op, value=f"{target.value:g}",
                                                     unit=unit, year=target.year)
        if state.reported is not None:
            latest = Text(f"{state.reported:g}{unit}")
        elif state.baseline:
            latest = Text(_("baseline {value}").format(value=state.baseline), style="dim")
        else:
            latest = Text(_("not reported"), style="dim")
        table.add_row(*([state.item.id] if wide else []), item_title(state.item), goal, latest)
    return table


def _latest_table(board: Dashboard, width: int) -> Table:
    table = Table(title=_("Latest reports"), title_justify="left", header_style="bold",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column(_("Date"), no_wrap=True)
    table.add_column(_("ID"), style="cyan", no_wrap=True)
    table.add_column(_("Report"))
    id_width = max((len(item.id) for _report, item in board.latest), default=2)
    room = width - 10 - id_width - 10  # date, id, borders and padding
    for report, item in board.latest:
        table.add_row(report.date.isoformat(), item.id,
                      fit(_("{title}: {report}").format(
                          title=item_title(item),
                          report=report.note or status_label(report.status)), room))
    return table


def _natural_width(renderables: list[Any], width: int) -> int:
    """The width the widest of these needs to show without wrapping (at most `width`)."""
    console = Console(width=width, file=io.StringIO(), color_system=None)
    return max(Measurement.get(console, console.options, r).maximum for r in renderables)


#: The narrowest the right-hand column may be for the side-by-side layout: a target's
#: title, its goal and its latest value in one readable line.
RIGHT_MIN = 72
GAP = 3


def dashboard_view(board: Dashboard, width: int) -> Group:
    """The dashboard: side by side when the left-hand tables and a readable right-hand
    column both fit, stacked otherwise (80 columns); nothing is ever cut to fit."""
    headline = fill(
        _("{name}, as of {date}\n{overdue}, {stale} (no report for {days}+ days)"),
        name=Text(_("circletrack status"), style="bold"), date=board.day.isoformat(),
        overdue=Text(_("{count} overdue").format(count=board.overdue),
                     style="bold red" if board.overdue else "green"),
        stale=Text(_("{count} stale").format(count=board.stale),
                   style="yellow" if board.stale else "green"),
        days=str(board.stale_days))
    left: list[Any] = [_status_table(board), *_category_tables(board)]
    left_width = _natural_width(left, width)
    right_width = width - left_width - GAP
    if right_width >= RIGHT_MIN:
        targets = _targets_table(board, wide=right_width >= 110)
        grid = Table.grid(padding=(0, GAP))
        grid.add_column(width=left_width, no_wrap=True)
        grid.add_column(width=right_width)
        grid.add_row(Group(*_spaced(left)),
                     Group(*_spaced([targets, _latest_table(board, right_width)])))
        return Group(headline, Text(""), grid)
    return Group(headline, *_spaced([*left, _targets_table(board, wide=width >= 110),
                                     _latest_table(board, width)], first=True))


def _spaced(tables: list[Any], first: bool = False) -> list[Any]:
    """The tables with an empty line between them (and before the first, if `first`)."""
    spaced: list[Any] = []
    for number, table in enumerate(tables):
        if number or first:
            spaced.append(Text(""))
        spaced.append(table)
    return spaced
