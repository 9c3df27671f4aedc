"""Rich renderables for the read commands: the list table and the pieces they share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich import box
from rich.table import Table
from rich.text import Text

from ..model import Item
from ..query import is_overdue
from .fields import COLUMNS

STATUS_STYLES: dict[str, str] = {
    "planned": "blue",
    "in_progress": "yellow",
    "done": "green",
    "blocked": "bold red",
    "cancelled": "dim",
}

LIST_COLUMNS: tuple[str, ...] = ("id", "category", "title", "lead", "due", "status",
                                 "progress", "updated")
#: Below this many columns the list leaves out category and updated, so titles stay readable.
NARROW_WIDTH = 110
LIST_COLUMNS_NARROW: tuple[str, ...] = ("id", "title", "lead", "due", "status", "progress")
MIN_WIDTHS: dict[str, int] = {"title": 16, "lead": 8, "category": 8}
NO_WRAP: frozenset[str] = frozenset({"id", "due", "updated", "progress", "status",
                                     "days_overdue"})


def status_text(status: str) -> Text:
    """A status word in its colour."""
    return Text(status, style=STATUS_STYLES.get(status, ""))


def progress_bar(percent: float, width: int = 10) -> Text:
    """A bar of block characters, readable without colour: `██████░░░░  60%`."""
    filled = round(max(0.0, min(100.0, percent)) / 100 * width)
    bar = Text("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {percent:3.0f}%")
    return bar


def items_table(items: Sequence[Item], day: dt.date, columns: Sequence[str] = LIST_COLUMNS,
                title: str | None = None, caption: str | None = None) -> Table:
    """The list table: one row per item; overdue due dates in red, status in colour."""
    table = Table(title=title, caption=caption, show_lines=False, header_style="bold",
                  expand=False, pad_edge=False, box=box.SIMPLE_HEAD,
                  collapse_padding=True)
    for name in columns:
        column = COLUMNS[name]
        table.add_column(column.header, style=column.style, justify=column.justify,  # type: ignore[arg-type]
                         overflow="fold", no_wrap=name in NO_WRAP,
                         min_width=MIN_WIDTHS.get(name))
    for item in items:
        cells: list[Text | str] = []
        for name in columns:
            text = COLUMNS[name].get(item, day)
            if name == "status":
                cells.append(status_text(text))
            elif name == "due" and is_overdue(item, day):
                cells.append(Text(text, style="red"))
            else:
                cells.append(text)
        table.add_row(*cells)
    return table
