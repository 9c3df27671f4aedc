"""The views of the listings (list, overdue, stale, slips, export, what needs attention):
what each calls itself and which columns it shows, and one renderer per format for them all.

A listing is a selection and an order (query/listings.py) shown through a view (here), as
Taskwarrior's filter → sort → report. Each renderer returns a Rich renderable (table),
bytes (csv, xlsx, ics) or text (json, md); none prints.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from ..base.i18n import N_, _, ngettext
from ..model.labels import group_label
from ..model.records import Item
from ..query.listings import Listing, days_slipped, first_due, slip_reasons
from ..query.select import days_since_report
from .fields import header, item_json, sheet_columns, sheet_header
from .fitted import ItemTables, item_table
from .formats import json_array, sheet_rows, table_rows, to_csv, to_markdown, to_xlsx

# icalendar and the Taskwarrior exporter are imported only when those formats are asked
# for, and Rich only for a message printed to a terminal, for start-up speed (a table
# piped is laid out as text).
if TYPE_CHECKING:
    from rich.console import RenderableType

Rendered = Union[str, bytes, "RenderableType"]


OVERDUE_COLUMNS: tuple[str, ...] = ("id", "title", "lead", "due", "requirement",
                                    "days_overdue", "progress", "updated")
STALE_COLUMNS: tuple[str, ...] = ("id", "title", "lead", "status", "progress", "updated",
                                  "days_since_report")
SLIPS_COLUMNS: tuple[str, ...] = ("id", "title", "lead", "status", "first_due", "due",
                                  "due_moves", "days_slipped", "slip_reasons")
#: Every flat field, for a spreadsheet of the whole registry.
EXPORT_CSV_COLUMNS: tuple[str, ...] = (
    "id", "kind", "category", "source_title", "title_en", "content", "lead", "support", "cities",
    "created", "due", "original_due", "requirement", "reading", "status", "progress",
    "progress_reported", "derived_from", "days_overdue", "updated", "reports", "due_moves",
    "tags", "sources", "related")
#: The fields that still read as a table in a wiki page.
EXPORT_MD_COLUMNS: tuple[str, ...] = ("id", "kind", "category", "title", "lead", "cities",
                                      "due", "status", "progress", "days_overdue", "updated")
GROUP_LABELS: dict[str, str] = {"unit": N_("Lead unit"), "category": N_("Category"),
                                "city": N_("City")}
#: The first column of a grouped CSV: named apart from the item's own columns (a lead unit
#: column beside the group's), so every header of a file is unique in every language.
GROUP_COLUMNS: dict[str, str] = {"unit": N_("Group (lead unit)"),
                                 "category": N_("Group (category)"),
                                 "city": N_("Group (city)")}

ExtraJson = Callable[[Item, dt.date], dict[str, Any]]


@dataclass(frozen=True)
class View:
    """How a listing is shown: what it is called (in the active language), its columns in
    each format, and the extra JSON fields of each item."""

    title: str
    #: The columns of the table and of Markdown.
    columns: Sequence[str]
    extra_json: ExtraJson | None = None
    #: Fewer columns for the terminal, when all of them cannot fit in 80 columns.
    table_columns: Sequence[str] | None = None
    #: Columns a terminal table leaves out, in this order, where it is too narrow for all.
    droppable: Sequence[str] = ("updated",)
    #: A list of what to chase: as a calendar, an overdue item is a reminder on the list's
    #: day (see render.ics.to_ics), not an event on its due date years back.
    overdue_on_day: bool = False
    #: The columns of a spreadsheet (CSV, xlsx), when not `columns`: every flat field.
    sheet_columns: Sequence[str] | None = None
    #: The table's columns in a terminal narrower than `narrow_below` cells.
    narrow_columns: Sequence[str] | None = None
    narrow_below: int = 0
    #: The table has no title but a caption under it: how many items, as of when.
    captioned: bool = False
    #: The Markdown heading of the whole listing, when not `heading`'s.
    md_heading: Callable[[Listing], str] | None = None


def heading(report: View, listing: Listing, group: str | None, count: int) -> str:
    """`Overdue items as of 2012-01-01 (31)`, with `— Lead unit: X` for a group."""
    if report.md_heading is not None:
        return report.md_heading(listing)
    if listing.group_by and group:
        return _("{title} as of {date} — {label}: {group} ({count})").format(
            title=report.title, date=listing.day.isoformat(),
            label=_(GROUP_LABELS[listing.group_by]),
            group=group_label(listing.group_by, group), count=count)
    return _("{title} as of {date} ({count})").format(
        title=report.title, date=listing.day.isoformat(), count=count)


def _json_item(report: View, item: Item, day: dt.date) -> dict[str, Any]:
    data = item_json(item, day)
    if report.extra_json is not None:
        data.update(report.extra_json(item, day))
    return data


def listing_json(listing: Listing, report: View) -> str:
    """A JSON array of item objects; grouped, an array of {group, count, items}."""
    day = listing.day
    data: list[dict[str, Any]]
    if listing.group_by is None:
        return json_array([_json_item(report, i, day) for i in listing.items])
    else:
        data = [{"group": g.name, "count": len(g.items),
                 "items": [_json_item(report, i, day) for i in g.items]}
                for g in listing.groups]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


#: The last column of a spreadsheet: the day the listing is as of, a date on every row,
#: so sheets of several weeks pasted together still say which week a row is from.
AS_OF_COLUMN = N_("As of")


def listing_sheet(listing: Listing, columns: Sequence[str]) -> tuple[list[str], list[list[Any]]]:
    """A listing as a spreadsheet's header and rows: (grouped) the group first (an item
    repeats per group), the columns with numbers and dates as such (see
    fields.sheet_columns), and the as-of date last."""
    shown = sheet_columns(list(columns))
    headers = [*(sheet_header(c) for c in shown), _(AS_OF_COLUMN)]
    if listing.group_by is None:
        return headers, [[*row, listing.day] for row in sheet_rows(listing.items, shown,
                                                                    listing.day)]
    rows = [[group_label(listing.group_by, group.name), *row, listing.day]
            for group in listing.groups
            for row in sheet_rows(group.items, shown, listing.day)]
    return [_(GROUP_COLUMNS[listing.group_by]), *headers], rows


def listing_csv(listing: Listing, report: View) -> bytes:
    """Excel-safe CSV of `listing_sheet`."""
    return to_csv(*listing_sheet(listing, report.sheet_columns or report.columns))


def listing_xlsx(listing: Listing, report: View) -> bytes:
    """A workbook of `listing_sheet`, for those who open it in a spreadsheet anyway."""
    return to_xlsx(*listing_sheet(listing, report.sheet_columns or report.columns),
                   report.title)


def listing_markdown(listing: Listing, report: View) -> str:
    """A Markdown table under a one-line heading; grouped, one heading and table per group."""
    headers = [header(c) for c in report.columns]
    if not listing.items:
        return f"**{heading(report, listing, None, 0)}**\n\n{_('None.')}\n"
    parts = [to_markdown(headers, table_rows(g.items, report.columns, listing.day),
                         heading(report, listing, g.name, len(g.items)))
             for g in listing.groups]
    return "\n".join(parts)


def more_caption(listing: Listing) -> str | None:
    """`50 of 60 items shown; 10 more (--limit 0 shows all)`, when --limit left some out."""
    if not listing.hidden:
        return None
    return _("{shown} of {total} items shown; {hidden} more (--limit 0 shows all)").format(
        shown=len(listing.items), total=listing.total, hidden=listing.hidden)


def count_caption(listing: Listing) -> str:
    """`10 items as of 2011-12-31`, or what --limit left out."""
    count = len(listing.items)
    return more_caption(listing) or ngettext(
        "{count} item as of {date}", "{count} items as of {date}", count).format(
        count=count, date=listing.day.isoformat())


def listing_table(listing: Listing, report: View, width: int = 80) -> RenderableType:
    """Rich tables for the terminal, one per group; the caption under the last says how
    many --limit left out."""
    columns = report.table_columns or report.columns
    if report.narrow_columns is not None and width < report.narrow_below:
        columns = report.narrow_columns
    if report.captioned:
        return item_table(listing.items, listing.day, columns, caption=count_caption(listing),
                          droppable=report.droppable)
    if not listing.items:
        from rich.text import Text

        return Text(_("No {title} as of {date}.").format(title=report.title.lower(),
                                                           date=listing.day.isoformat()))
    # every section measured on the whole listing: one set of column widths for all
    shape = listing.items if len(listing.groups) > 1 else None
    last = len(listing.groups) - 1
    tables = [item_table(g.items, listing.day, columns,
                         title=heading(report, listing, g.name, len(g.items)),
                         caption=more_caption(listing) if n == last else None,
                         droppable=report.droppable, shape_items=shape)
              for n, g in enumerate(listing.groups)]
    return tables[0] if len(tables) == 1 else ItemTables(tables)


def listing_ics(listing: Listing, report: View) -> bytes:
    """An iCalendar file of the due dates; grouped, each event is filed under its groups."""
    from .ics import to_ics

    categories: dict[str, list[str]] | None = None
    if listing.group_by is not None:
        categories = {}
        for group in listing.groups:
            for item in group.items:
                categories.setdefault(item.id, []).append(group_label(listing.group_by,
                                                                      group.name))
    name = _("circletrack: {title} as of {date}").format(title=report.title.lower(),
                                                         date=listing.day.isoformat())
    return to_ics(listing.items, listing.day, name, categories, report.overdue_on_day)


def render_listing(listing: Listing, report: View, fmt: str, width: int = 80) -> Rendered:
    """The listing in one format: table (laid out for `width` cells), csv, xlsx, json, md
    or ics."""
    renderers: dict[str, Callable[[], Rendered]] = {
        "table": lambda: listing_table(listing, report, width),
        "csv": lambda: listing_csv(listing, report),
        "xlsx": lambda: listing_xlsx(listing, report),
        "json": lambda: listing_json(listing, report),
        "md": lambda: listing_markdown(listing, report),
        "ics": lambda: listing_ics(listing, report),
    }
    return renderers[fmt]()


LIST_COLUMNS: tuple[str, ...] = ("id", "category", "title", "lead", "due", "status",
                                 "progress", "updated")
#: Below this many columns the list leaves out category and updated, so titles stay readable.
NARROW_WIDTH = 110
LIST_COLUMNS_NARROW: tuple[str, ...] = ("id", "title", "lead", "due", "progress", "status")
LIST_SHEET_COLUMNS: tuple[str, ...] = ("id", "kind", "category", "title", "lead", "support",
                                       "cities", "due", "requirement", "status", "progress",
                                       "progress_reported", "derived_from", "days_overdue",
                                       "updated")


def _list_heading(listing: Listing) -> str:
    count = len(listing.items)
    return ngettext("circletrack list as of {date}: {count} item",
                    "circletrack list as of {date}: {count} items",
                    count).format(date=listing.day.isoformat(), count=count)


def render_list(listing: Listing, fmt: str, width: int = 80) -> Rendered:
    """`list`: the table's columns depend on the terminal `width`, a spreadsheet carries
    every flat field; the table's caption counts the items."""
    view = View(_("Item list"), LIST_COLUMNS, droppable=("updated", "category"),
                sheet_columns=LIST_SHEET_COLUMNS, narrow_columns=LIST_COLUMNS_NARROW,
                narrow_below=NARROW_WIDTH, captioned=True, md_heading=_list_heading)
    return render_listing(listing, view, fmt, width)


def render_overdue(listing: Listing, fmt: str) -> Rendered:
    """The overdue report: id, title, lead, due, requirement, days overdue, progress, latest."""
    return render_listing(listing, View(_("Overdue items"), OVERDUE_COLUMNS,
                                              overdue_on_day=True), fmt)


ATTENTION_COLUMNS: tuple[str, ...] = ("id", "title", "lead", "due", "when", "status",
                                      "progress")


def render_attention(listing: Listing, within: int, fmt: str) -> Rendered:
    """What needs attention: open items overdue or due within `within` days."""
    title = _("Overdue or due within {days} days").format(days=within)
    return render_listing(listing, View(title, ATTENTION_COLUMNS, droppable=("status",),
                                              overdue_on_day=True), fmt)


def _stale_json(item: Item, day: dt.date) -> dict[str, Any]:
    return {"days_since_report": days_since_report(item, day)}


def render_stale(listing: Listing, days: int, fmt: str) -> Rendered:
    """Open items silent for `days` days or more, with the days since their latest report."""
    title = _("Open items with no report for {days} days or more").format(days=days)
    return render_listing(listing, View(title, STALE_COLUMNS, _stale_json), fmt)


def _slip_json(item: Item, _day: dt.date) -> dict[str, Any]:
    first = first_due(item)
    return {"slip": {"first_due": first.isoformat() if first else None,
                     "due": item.due.isoformat() if item.due else None,
                     "moves": len(item.due_changes), "days_slipped": days_slipped(item),
                     "reasons": slip_reasons(item)}}


def render_slips(listing: Listing, fmt: str) -> Rendered:
    """Items whose due date moved: first and current due date, moves, days slipped, reasons."""
    report = View(_("Items with moved due dates"), SLIPS_COLUMNS, _slip_json,
                        tuple(c for c in SLIPS_COLUMNS if c != "status"))
    return render_listing(listing, report, fmt)


def render_export(listing: Listing, fmt: str) -> Rendered:
    """The whole registry: JSON with every field and history, CSV and Markdown tables, ics,
    or Taskwarrior's import JSON (open items only)."""
    if fmt == "taskwarrior":
        from ..changes.interop import taskwarrior_json

        return taskwarrior_json(listing.items)
    return render_listing(listing, View(_("All items"), EXPORT_MD_COLUMNS,
                                        sheet_columns=EXPORT_CSV_COLUMNS), fmt)
