"""Rich renderables for the read commands: the list table and the pieces they share."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from ..labels import status_label
from ..model import Item
from ..query import is_overdue
from .fields import COLUMNS, header

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
LIST_COLUMNS_NARROW: tuple[str, ...] = ("id", "title", "lead", "due", "progress", "status")
MIN_WIDTHS: dict[str, int] = {"title": 10, "lead": 8, "category": 8}
#: How the room left by the no-wrap columns is shared among the wrapping ones.
WRAP_WEIGHTS: dict[str, int] = {"title": 5, "requirement": 4, "lead": 3, "support": 2,
                                "category": 2, "cities": 2}
#: Shorter headers where a terminal table is short of room (the same in every language).
TABLE_HEADERS: dict[str, str] = {"progress": "%"}
#: Columns that never wrap; ids stay whole so they can be copied into the next command.
NO_WRAP: frozenset[str] = frozenset({"id", "due", "updated", "progress", "status",
                                     "days_overdue"})


def status_text(status: str) -> Text:
    """A status (the machine value) in the active language, in its colour."""
    return Text(status_label(status), style=STATUS_STYLES.get(status, ""))


def fill(template: str, **parts: str | Text) -> Text:
    """A translated template with its `{name}` fields filled, keeping the style of Text parts.

    `fill(_("{overdue}, {stale}"), overdue=Text("3 overdue", style="red"), stale="…")`: the
    order of the parts is the translation's, the styles are the caller's.
    """
    text = Text()
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        text.append(literal)
        if name is not None:
            part = parts[name]
            text.append(part if isinstance(part, Text) else str(part))
    return text


def progress_bar(percent: float, width: int = 10) -> Text:
    """A bar of block characters, readable without colour: `██████░░░░  60%`."""
    filled = round(max(0.0, min(100.0, percent)) / 100 * width)
    bar = Text("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {percent:3.0f}%")
    return bar


def fit_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], names: Sequence[str],
               width: int) -> dict[str, int]:
    """Widths for the wrapping columns so the table fits `width` cells.

    Rich measures CJK text without spaces as one unbreakable word and then squeezes every
    column alike, cutting ids and statuses; so the room left by the no-wrap columns is
    shared out here by weight (titles get most), never below a floor.
    """
    natural = {name: max([cell_len(h)] + [cell_len(r[i]) for r in rows])
               for i, (name, h) in enumerate(zip(names, headers))}
    wrapping = [n for n in names if n not in NO_WRAP]
    room = width - sum(natural[n] for n in names if n in NO_WRAP) - 2 * (len(names) - 1)
    if not wrapping or sum(natural[n] for n in wrapping) <= room:
        return {}
    weights = {n: WRAP_WEIGHTS.get(n, 1) for n in wrapping}
    total = sum(weights.values())
    # even widths: a Chinese character takes two cells, so an odd width wastes one
    widths = {n: max(MIN_WIDTHS.get(n, 4), min(natural[n], room * weights[n] // total)) // 2 * 2
              for n in wrapping}
    spare = room - sum(widths.values())
    for name in sorted(wrapping, key=lambda n: -weights[n]):
        grow = max(0, min(spare, natural[name] - widths[name]))
        widths[name] += grow
        spare -= grow
    return widths


def items_table(items: Sequence[Item], day: dt.date, columns: Sequence[str] = LIST_COLUMNS,
                title: str | None = None, caption: str | None = None,
                width: int | None = None) -> Table:
    """The list table: one row per item; overdue due dates in red, status in colour.

    With `width`, the wrapping columns are sized so the table fits it.
    """
    headers = [TABLE_HEADERS.get(name) or header(name) for name in columns]
    rows = [[COLUMNS[name].get(item, day) for name in columns] for item in items]
    widths = fit_widths(headers, rows, columns, width) if width else {}
    table = Table(title=title, caption=caption, show_lines=False, header_style="bold",
                  expand=False, pad_edge=False, box=box.SIMPLE_HEAD, show_edge=False,
                  collapse_padding=True)
    for name, heading in zip(columns, headers):
        column = COLUMNS[name]
        table.add_column(heading, style=column.style, justify=column.justify,  # type: ignore[arg-type]
                         overflow="fold", no_wrap=name in NO_WRAP, width=widths.get(name),
                         min_width=None if name in widths else MIN_WIDTHS.get(name))
    for item, row in zip(items, rows):
        cells: list[Text | str] = []
        for name, text in zip(columns, row):
            if name == "status":
                cells.append(status_text(item.status))
            elif name == "due" and is_overdue(item, day):
                cells.append(Text(text, style="red"))
            else:
                cells.append(text)
        table.add_row(*cells)
    return table
