"""The item shape shared by every machine format, and the table columns built on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..base.i18n import N_, _, ngettext
from ..model.labels import category_label, event_title, kind_label, status_label
from ..model.records import Item, Report, State, record_to_json
from ..query.listings import days_slipped, first_due, moves, slip_reasons
from ..query.select import days_overdue, days_since_report, is_overdue, last_reported


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def report_json(report: Report) -> dict[str, Any]:
    """One history entry as JSON."""
    return record_to_json(report)


def item_json(item: Item, day: dt.date) -> dict[str, Any]:
    """The stable JSON object of an item as of `day`: every declared field (see
    model.Item), then the derived ones; fields may be added, never renamed."""
    data = record_to_json(item)
    if data["target"] is not None:
        data["target"]["reported"] = item.reported_value
    data["overdue"] = is_overdue(item, day)
    data["days_overdue"] = days_overdue(item, day)
    data["updated"] = _iso(item.updated)
    data["effective"] = state_json(item.state)
    data["same_event"] = list(item.same_event)
    return data


def state_json(state: State) -> dict[str, Any]:
    """An effective state as JSON: `derived_from` names the items it comes from (empty when
    the item's own reports decide) and `rule` how (tracks, starts, same_as)."""
    return {"status": state.status, "progress": state.progress,
            "reported": _iso(state.date), "progress_reported": _iso(state.progress_date),
            "derived_from": list(state.via), "rule": state.rule, "basis": state.basis}


#: The mark a table puts on a status or progress that was derived from other items.
DERIVED_MARK = "*"


def status_cell(item: Item) -> str:
    """An item's effective status, marked when derived: `done*`."""
    state = item.state
    return status_label(state.status) + (DERIVED_MARK if state.derived else "")


def progress_cell(item: Item) -> str:
    """An item's effective progress: `40%`, `—` when nobody reported one, with the year it was
    reported when that is older than the item's latest report (`25% (2018)`), marked when
    derived."""
    state = item.state
    mark = DERIVED_MARK if state.derived else ""
    if state.progress is None:
        return "—" + mark
    text = f"{state.progress}%{mark}"
    latest = last_reported(item)
    if state.progress_date is not None and latest is not None and state.progress_date < latest:
        text += f" ({state.progress_date.year})"
    return text


@dataclass(frozen=True)
class Column:
    """A table column: its header (English, translated where shown by `header`), how to get
    its text from an item in the active language, and its Rich style."""

    header: str
    get: Callable[[Item, dt.date], str]
    style: str | None = None
    justify: str = "left"


def _units(units: list[str]) -> str:
    return "、".join(units)


COLUMNS: dict[str, Column] = {
    "id": Column(N_("ID"), lambda i, d: i.id, "cyan"),
    "kind": Column(N_("Kind"), lambda i, d: kind_label(i.kind)),
    "category": Column(N_("Category"), lambda i, d: category_label(i.category)),
    "title": Column(N_("Title"), lambda i, d: event_title(i)),
    "lead": Column(N_("Lead"), lambda i, d: _units(i.lead)),
    "support": Column(N_("Support"), lambda i, d: _units(i.support)),
    "cities": Column(N_("Cities"), lambda i, d: _units(i.cities)),
    "due": Column(N_("Due"), lambda i, d: _iso(i.due) or ""),
    # The plan's 进度要求, or for other items the words their due date rests on.
    "requirement": Column(N_("Requirement"), lambda i, d: i.requirement or i.deadline or ""),
    "status": Column(N_("Status"), lambda i, d: status_cell(i)),
    "progress": Column(N_("Progress"), lambda i, d: progress_cell(i), justify="right"),
    "progress_reported": Column(N_("Progress reported"),
                                lambda i, d: _iso(i.state.progress_date) or ""),
    "derived_from": Column(N_("Derived from"), lambda i, d: ", ".join(i.state.via)),
    "when": Column(N_("When"), lambda i, d: _when(i, d), "red", "right"),
    "days_overdue": Column(N_("Days overdue"), lambda i, d: str(days_overdue(i, d)), "red",
                           "right"),
    "updated": Column(N_("Updated"), lambda i, d: _iso(last_reported(i)) or ""),
    # Added for the reports (overdue, stale, slips, export).
    # The title as recorded, beside title_en in the export (where "title" would repeat it).
    "source_title": Column(N_("Title"), lambda i, d: i.title),
    "title_en": Column(N_("Title (en)"), lambda i, d: i.title_en or ""),
    "content": Column(N_("Content"), lambda i, d: i.content or ""),
    "created": Column(N_("Created"), lambda i, d: _iso(i.created) or ""),
    "original_due": Column(N_("Original due"), lambda i, d: _iso(i.original_due) or ""),
    "reading": Column(N_("Reading"), lambda i, d: i.reading or ""),
    "tags": Column(N_("Tags"), lambda i, d: ", ".join(i.tags)),
    "sources": Column(N_("Sources"), lambda i, d: ", ".join(i.sources)),
    "related": Column(N_("Related"), lambda i, d: ", ".join(i.related)),
    "reports": Column(N_("Reports"), lambda i, d: str(len(i.history)), justify="right"),
    "days_since_report": Column(N_("Days since report"),
                                lambda i, d: str(days_since_report(i, d)), "yellow", "right"),
    "first_due": Column(N_("First due"), lambda i, d: _iso(first_due(i)) or ""),
    "due_moves": Column(N_("Moves"), lambda i, d: str(len(moves(i))), justify="right"),
    "days_slipped": Column(N_("Days slipped"), lambda i, d: _optional_int(days_slipped(i)),
                           "red", "right"),
    "slip_reasons": Column(N_("Reasons"), lambda i, d: "; ".join(slip_reasons(i))),
}


#: A spreadsheet cell: text, a whole number, a date, or empty.
Cell = Any

#: The columns whose spreadsheet cell (CSV, xlsx) is a number or a date rather than the
#: table's text, so a spreadsheet can sum, sort and filter them: progress is the effective
#: percentage as a number (empty when none was reported; when it was reported and whether
#: it was derived are columns of their own), dates are dates.
SHEET_VALUES: dict[str, Callable[[Item, dt.date], Cell]] = {
    "progress": lambda i, d: i.state.progress,
    "days_overdue": lambda i, d: days_overdue(i, d),
    "reports": lambda i, d: len(i.history),
    "days_since_report": lambda i, d: days_since_report(i, d),
    "due_moves": lambda i, d: len(moves(i)),
    "days_slipped": lambda i, d: days_slipped(i),
    "due": lambda i, d: i.due,
    "created": lambda i, d: i.created,
    "original_due": lambda i, d: i.original_due,
    "first_due": lambda i, d: first_due(i),
    "updated": lambda i, d: last_reported(i),
    "progress_reported": lambda i, d: i.state.progress_date,
}
#: The headers a spreadsheet shows where the cell is not the table's text.
SHEET_HEADERS: dict[str, str] = {"progress": N_("Progress (%)")}
#: What a sheet with a progress column adds, so the number stands with its facts.
PROGRESS_FACTS: tuple[str, ...] = ("progress_reported", "derived_from")


def header(name: str) -> str:
    """A column's header in the active language."""
    return _(COLUMNS[name].header)


def sheet_header(name: str) -> str:
    """A column's header in a spreadsheet, in the active language."""
    return _(SHEET_HEADERS[name]) if name in SHEET_HEADERS else header(name)


def sheet_columns(columns: tuple[str, ...] | list[str]) -> list[str]:
    """The columns of a spreadsheet of `columns`: with a progress column, also when that
    progress was reported and the items it was derived from."""
    extra = [c for c in PROGRESS_FACTS if "progress" in columns and c not in columns]
    return [*columns, *extra]


def sheet_value(name: str, item: Item, day: dt.date) -> Cell:
    """A column's cell for a spreadsheet: a number or date where SHEET_VALUES says, else
    the table's text."""
    if name in SHEET_VALUES:
        return SHEET_VALUES[name](item, day)
    return COLUMNS[name].get(item, day)


def _optional_int(value: int | None) -> str:
    return "" if value is None else str(value)


def _when(item: Item, day: dt.date) -> str:
    """How the due date stands on `day`: `12 days late`, `due today`, `in 5 days`."""
    if item.due is None:
        return ""
    days = (item.due - day).days
    if days < 0:
        return ngettext("{count} day late", "{count} days late", -days).format(count=-days)
    if days == 0:
        return _("due today")
    return ngettext("in {count} day", "in {count} days", days).format(count=days)
