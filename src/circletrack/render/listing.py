"""`circletrack list` output in each format."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..base.i18n import _, ngettext
from ..model.records import Item
from .fields import header
from .fitted import item_table
from .formats import items_to_json, table_rows, to_csv, to_markdown

LIST_COLUMNS: tuple[str, ...] = ("id", "category", "title", "lead", "due", "status",
                                 "progress", "updated")
#: Below this many columns the list leaves out category and updated, so titles stay readable.
NARROW_WIDTH = 110
LIST_COLUMNS_NARROW: tuple[str, ...] = ("id", "title", "lead", "due", "progress", "status")
CSV_COLUMNS: tuple[str, ...] = ("id", "kind", "category", "title", "lead", "support", "cities",
                                "due", "requirement", "status", "progress",
                                "progress_reported", "derived_from", "days_overdue", "updated")


def render_list(items: Sequence[Item], day: dt.date, fmt: str, limit: int | None,
                width: int = 80) -> Any:
    """A Rich table, JSON text, CSV bytes or Markdown text; `limit` cuts the rows (None: all).

    The table's columns depend on the terminal `width`; machine formats always carry all.
    """
    shown = list(items[:limit]) if limit else list(items)
    if fmt == "json":
        return items_to_json(shown, day)
    if fmt == "csv":
        return to_csv([header(c) for c in CSV_COLUMNS], table_rows(shown, CSV_COLUMNS, day))
    if fmt == "md":
        heading = ngettext("circletrack list as of {date}: {count} item",
                           "circletrack list as of {date}: {count} items",
                           len(shown)).format(date=day.isoformat(), count=len(shown))
        return to_markdown([header(c) for c in LIST_COLUMNS],
                           table_rows(shown, LIST_COLUMNS, day), heading)
    hidden = len(items) - len(shown)
    caption = (_("{shown} of {total} items shown; {hidden} more (--limit 0 shows all)").format(
                   shown=len(shown), total=len(items), hidden=hidden)
               if hidden else ngettext("{count} item as of {date}", "{count} items as of {date}",
                                       len(items)).format(count=len(items), date=day.isoformat()))
    columns = LIST_COLUMNS if width >= NARROW_WIDTH else LIST_COLUMNS_NARROW
    return item_table(shown, day, columns, caption=caption, droppable=("updated", "category"))
