"""The item shape shared by every machine format, and the table columns built on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..base.i18n import N_, _, ngettext
from ..model.labels import category_label, event_title, kind_label, status_label
from ..model.records import Item, Report, Show, State, item_shown, record_to_json, specs
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
    its text from an item in the active language, its Rich style, and how it takes the
    room of a table (`model.WIDTH_POLICIES`)."""

    header: str
    get: Callable[[Item, dt.date], str]
    style: str | None = None
    justify: str = "left"
    width: str = "wrap"
    min_width: int | None = None
    weight: int = 1


def _units(units: list[str]) -> str:
    return "、".join(units)


#: A field's text in a table by its value type, where its column says nothing else.
BY_TYPE: dict[str, Callable[[Any], str]] = {
    "date": lambda v: _iso(v) or "",
    "texts": lambda v: ", ".join(v),
    "sources": lambda v: ", ".join(v),
    "items": lambda v: ", ".join(v),
}
#: The columns whose text is not their field's value as its type writes it, and the
#: derived columns (model.DERIVED_COLUMNS), by name.
TEXTS: dict[str, Callable[[Item, dt.date], str]] = {
    "kind": lambda i, d: kind_label(i.kind),
    "category": lambda i, d: category_label(i.category),
    "title": lambda i, d: event_title(i),
    "lead": lambda i, d: _units(i.lead),
    "support": lambda i, d: _units(i.support),
    "cities": lambda i, d: _units(i.cities),
    # The plan's 进度要求, or for other items the words their due date rests on.
    "requirement": lambda i, d: i.requirement or i.deadline or "",
    "status": lambda i, d: status_cell(i),
    "progress": lambda i, d: progress_cell(i),
    "progress_reported": lambda i, d: _iso(i.state.progress_date) or "",
    "derived_from": lambda i, d: ", ".join(i.state.via),
    "when": lambda i, d: _when(i, d),
    "days_overdue": lambda i, d: str(days_overdue(i, d)),
    "updated": lambda i, d: _iso(last_reported(i)) or "",
    "source_title": lambda i, d: i.title,
    "reports": lambda i, d: str(len(i.history)),
    "days_since_report": lambda i, d: str(days_since_report(i, d)),
    "first_due": lambda i, d: _iso(first_due(i)) or "",
    "due_moves": lambda i, d: str(len(moves(i))),
    "days_slipped": lambda i, d: _optional_int(days_slipped(i)),
    "slip_reasons": lambda i, d: "; ".join(slip_reasons(i)),
}


def _field_text(name: str, kind: str) -> Callable[[Item, dt.date], str]:
    """The text of field `name`, of value type `kind`, in a table."""
    write = BY_TYPE.get(kind)
    if write is not None:
        return lambda i, d: write(getattr(i, name))
    return lambda i, d: "" if (value := getattr(i, name)) is None else str(value)


def _column(show: Show) -> Column:
    get = TEXTS.get(show.name) or _field_text(show.field, _TYPES[show.field])
    return Column(show.header, get, show.style, show.justify, show.width, show.min_width,
                  show.weight)


_TYPES: dict[str, str] = {f.name: f.spec.type for f in specs(Item)}
#: Every shown field and derived column as a column (`show` takes its rows' text from
#: here), and the listing columns among them: derived from the item's declarations
#: (model.Item, DERIVED_COLUMNS).
SHOWN: dict[str, Column] = {s.name: _column(s) for s in item_shown()}
COLUMNS: dict[str, Column] = {s.name: SHOWN[s.name] for s in item_shown() if s.column}


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
