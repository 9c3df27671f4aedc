"""The dashboard (`circletrack status`) and the timeline (`circletrack timeline`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..model import STATUSES
from ..overview import Dashboard, Event
from .tables import STATUS_STYLES, progress_bar

WIDE = 150


def _status_table(board: Dashboard) -> Table:
    table = Table(title="Items by status", title_justify="left", header_style="bold",
                  pad_edge=False)
    table.add_column("Kind")
    for status in STATUSES:
        table.add_column(status.replace("_", " "), justify="right",
                         style=STATUS_STYLES[status])
    table.add_column("all", justify="right", style="bold")
    for kind, counts in board.status_counts.items():
        table.add_row(kind, *(str(counts[s]) for s in STATUSES), str(sum(counts.values())))
    return table


def _category_table(board: Dashboard) -> Table:
    table = Table(title="Progress by category", title_justify="left", header_style="bold",
                  pad_edge=False)
    table.add_column("Category", overflow="fold")
    table.add_column("Items", justify="right")
    table.add_column("Done", justify="right")
    table.add_column("Mean progress", no_wrap=True)
    for row in board.categories:
        table.add_row(row.category, str(row.count), str(row.done),
                      progress_bar(row.mean_progress))
    return table


def _targets_table(board: Dashboard, wide: bool) -> Table:
    table = Table(title="Targets", title_justify="left", header_style="bold", pad_edge=False)
    if wide:
        table.add_column("ID", style="cyan", no_wrap=True)
    table.add_column("Target", overflow="fold", min_width=20)
    table.add_column("Goal", no_wrap=True)
    table.add_column("Latest", overflow="fold")
    for state in board.targets:
        target = state.item.target
        assert target is not None
        unit = f" {target.unit}" if target.unit else ""
        goal = f"{target.op}{target.value:g}{unit} ({target.year})"
        if state.reported is not None:
            latest = Text(f"{state.reported:g}{unit}")
        elif state.baseline:
            latest = Text(f"baseline {state.baseline}", style="dim")
        else:
            latest = Text("not reported", style="dim")
        table.add_row(*([state.item.id] if wide else []), state.item.title, goal, latest)
    return table


def fit(text: str, width: int) -> Text:
    """One line of at most `width` cells, cut with an ellipsis (CJK counts double)."""
    line = Text(" ".join(text.split()))
    line.truncate(max(width, 1), overflow="ellipsis")
    return line


def _latest_table(board: Dashboard, width: int) -> Table:
    table = Table(title="Latest reports", title_justify="left", header_style="bold",
                  pad_edge=False)
    table.add_column("Date", no_wrap=True)
    table.add_column("ID", style="cyan", no_wrap=True)
    table.add_column("Report")
    id_width = max((len(item.id) for _report, item in board.latest), default=2)
    room = width - 10 - id_width - 10  # date, id, borders and padding
    for report, item in board.latest:
        table.add_row(report.date.isoformat(), item.id,
                      fit(f"{item.title}: {report.note or report.status}", room))
    return table


def dashboard_view(board: Dashboard, width: int) -> Group:
    """The dashboard, stacked for 80 columns and side by side from 150 columns."""
    headline = Text.assemble(
        ("circletrack status", "bold"), f", as of {board.day.isoformat()}\n",
        (f"{board.overdue} overdue", "bold red" if board.overdue else "green"), ", ",
        (f"{board.stale} stale", "yellow" if board.stale else "green"),
        f" (no report for {board.stale_days}+ days)")
    wide = width >= WIDE
    left: list[Any] = [_status_table(board), _category_table(board)]
    right_width = width * 3 // 5 - 3 if wide else width
    right: list[Any] = [_targets_table(board, wide), _latest_table(board, right_width)]
    if wide:
        grid = Table.grid(padding=(0, 3), expand=True)
        grid.add_column(ratio=2)
        grid.add_column(ratio=3)
        grid.add_row(Group(*left), Group(*right))
        return Group(headline, grid)
    return Group(headline, *left, *right)


MARKERS: dict[str, tuple[str, str]] = {
    "milestone": ("◆", "magenta"),
    "due": ("○", "blue"),
    "report": ("●", "green"),
}


def _axis(events: Sequence[Event], first: int, last: int) -> Text:
    """One cell per year: a shaded block as tall as the number of events that year."""
    counts = Counter(e.date.year for e in events)
    peak = max(counts.values(), default=0)
    shades = " ▁▂▃▄▅▆▇█"
    text = Text()
    for year in range(first, last + 1):
        level = 0 if not counts[year] else max(1, round(counts[year] / peak * 8))
        text.append(shades[level] * 2 + " ", style="cyan")
    text.append("\n")
    for year in range(first, last + 1):
        text.append(f"{year % 100:02d} ", style="bold" if year % 5 == 0 else "dim")
    return text


def timeline_view(events: Sequence[Event], start: dt.date, end: dt.date, width: int) -> Group:
    """A year axis from start to end, then every event grouped by year."""
    parts: list[Any] = [
        Text.assemble((f"Timeline {start.isoformat()} – {end.isoformat()}", "bold"),
                      f"  {len(events)} events   ",
                      *(Text.assemble((m, s), f" {w}  ") for w, (m, s) in MARKERS.items())),
        _axis(events, start.year, end.year),
    ]
    table = Table(show_header=True, header_style="bold", pad_edge=False, box=None)
    table.add_column("Date", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("ID", style="cyan", no_wrap=True)
    table.add_column("Event")
    id_width = max((len(e.item.id) for e in events), default=2)
    room = width - 10 - 1 - id_width - 6  # date, marker, id and the gaps between them
    year = None
    for event in events:
        if event.date.year != year:
            year = event.date.year
            table.add_row(Text(str(year), style="bold underline"), "", "", "")
        marker, style = MARKERS[event.what]
        detail = f"{event.item.title}" + (f" — {event.text}" if event.text else "")
        table.add_row(event.date.isoformat(), Text(marker, style=style), event.item.id,
                      fit(detail, room))
    parts.append(table)
    return Group(*parts)
