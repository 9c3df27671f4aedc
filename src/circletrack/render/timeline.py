"""The timeline (`circletrack timeline`): a year axis, then every event grouped by year."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..base.i18n import N_, _, ngettext
from ..model.labels import item_title, status_label
from ..query.timeline import Event
from .widgets import fit

MARKERS: dict[str, tuple[str, str]] = {
    "milestone": ("◆", "magenta"),
    "due": ("○", "blue"),
    "report": ("●", "green"),
}
#: The legend's words for the markers.
MARKER_LABELS: dict[str, str] = {"milestone": N_("milestone"), "due": N_("due"),
                                 "report": N_("report")}


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
        Text.assemble((_("Timeline {start} – {end}").format(start=start.isoformat(),
                                                            end=end.isoformat()), "bold"),
                      "  " + ngettext("{count} event", "{count} events", len(events)).format(
                          count=len(events)) + "   ",
                      *(Text.assemble((m, s), f" {_(MARKER_LABELS[w])}  ")
                        for w, (m, s) in MARKERS.items())),
        _axis(events, start.year, end.year),
    ]
    table = Table(show_header=True, header_style="bold", pad_edge=False, box=None)
    table.add_column(_("Date"), no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column(_("ID"), style="cyan", no_wrap=True)
    table.add_column(_("Event"))
    id_width = max((len(e.item.id) for e in events), default=2)
    room = width - 10 - 1 - id_width - 6  # date, marker, id and the gaps between them
    year = None
    for event in events:
        if event.date.year != year:
            year = event.date.year
            table.add_row(Text(str(year), style="bold underline"), "", "", "")
        marker, style = MARKERS[event.what]
        text = event.text or (status_label(event.status) if event.status else "")
        detail = item_title(event.item) + (f" — {text}" if text else "")
        table.add_row(event.date.isoformat(), Text(marker, style=style), event.item.id,
                      fit(detail, room))
    parts.append(table)
    return Group(*parts)
