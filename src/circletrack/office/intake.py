"""Filled forms back in: each filled row of a form (read by `formfile`) becomes a progress
report; every row of every form is checked against the registry, then all the reports are
recorded, or none.

`record_forms` checks and records the rows of several forms on a registry, in place, and
raises FormsRefused with every problem when there is one; `preview` does the same on a
copy. A row whose report is already recorded is counted, not refused.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..base.errors import AlreadyRecorded, FieldError, FieldErrors, FormsRefused, UsageError
from ..base.i18n import _, join
from ..changes.writes import (
    MarkResult,
    ReportRequest,
    record_report,
    report_request,
)
from ..model.dates import is_relative
from ..model.records import Item, Registry, Report
from .formfile import (
    Cell,
    FilledForm,
    FormRow,
    Place,
    cell_text,
    date_value,
    form_day,
    progress_text,
)
from .forms import FILLED_COLUMNS, column_for_field, form_id, units_of


@dataclass(frozen=True)
class RowOutcome:
    """A filled row that passed every check: the report it asks for, and whether it is new
    (`result` is what recording it did) or already recorded."""

    file: str
    row: int
    item: Item
    request: ReportRequest
    result: MarkResult | None
    #: For a report already recorded: that report.
    existing: Report | None = None

    @property
    def report(self) -> Report | None:
        """The report the row comes to (new or already recorded)."""
        return self.result.report if self.result is not None else self.existing

    @property
    def is_new(self) -> bool:
        """False when the same report was already recorded."""
        return self.result is not None


#: What a form read back was on record as: its return recorded now, recorded already, or
#: not on record (written before forms were recorded, or from a read-only registry).
RETURNED, ALREADY_RETURNED, NOT_ON_RECORD = "returned", "already_returned", "not_on_record"


@dataclass(frozen=True)
class FormReturn:
    """A form read back: its id, its unit, how many of its rows the unit filled, and what
    its record says (RETURNED: its return is recorded by this intake)."""

    form_id: str
    unit: str
    rows: int
    state: str


@dataclass(frozen=True)
class Intake:
    """What reading the forms came to: the filled rows that pass (new or already recorded),
    the rows left blank, the rows refused, and every problem."""

    files: int
    rows: list[RowOutcome]
    blank: int
    refused: int
    problems: list[str]
    #: What each form that came back was on record as (see FormReturn).
    returns: list[FormReturn] = field(default_factory=list)

    @property
    def returned(self) -> int:
        """Forms on record whose return this intake records."""
        return sum(1 for r in self.returns if r.state == RETURNED)

    @property
    def recorded(self) -> int:
        """Rows that record a new report."""
        return sum(1 for r in self.rows if r.is_new)

    @property
    def already(self) -> int:
        """Rows whose report was already recorded."""
        return sum(1 for r in self.rows if not r.is_new)


def source_of(form: FilledForm) -> str:
    """A report's source: the form's file name and the unit,
    `市交通局-2024-06-01.xlsx (市交通局)`."""
    return f"{form.file} ({form.unit})"


def _request(form: FilledForm, row: FormRow, today: dt.date) -> ReportRequest:
    """The report a row asks for, every cell checked (FieldErrors names each bad cell's
    report field): the cells read as the spreadsheet holds them, then the same checks as
    `mark` (writes.report_request)."""
    problems: list[FieldError] = []

    def read(function: Any, name: str, *args: Any) -> Any:
        try:
            return function(row.cells[name], *args)
        except FieldError as exc:
            problems.append(exc)
            return None

    progress = read(progress_text, "new_progress")
    day = read(_report_date, "report_date", form, today)
    status = cell_text(row.cells["new_status"])
    note, by = cell_text(row.cells["note"]), cell_text(row.cells["reported_by"])
    if status is None and progress is None and note is None and not problems:
        raise UsageError(_("the row has no new status, progress or note; fill one, or clear "
                           "the row to skip it"))
    if day is None and "date" not in _fields(problems):
        problems.append(FieldError("date", _("a filled row needs the date of the report")))
    try:  # the same checks as `mark`, every one of them (the status named as the cell has it)
        request = report_request(today=today, by=by or form.unit or "", progress=progress,
                                 status=status, note=note, date=day or today,
                                 source=source_of(form))
    except FieldErrors as exc:
        problems.extend(p for p in exc.problems if p.field not in _fields(problems))
    except UsageError:  # nothing left to record once a bad cell is set aside: it is said
        if not problems:
            raise
    if problems:
        order = [c.field for c in FILLED_COLUMNS]  # as the columns stand, left to right
        raise FieldErrors(sorted(problems, key=lambda p: order.index(p.field)
                                 if p.field in order else len(order)))
    return request


def _report_date(cell: Cell, form: FilledForm, today: dt.date) -> dt.date | None:
    """The date of a row's report. A date typed as words (`yesterday`, `-2w`) counts from
    the form's own date, the day it was written for, not from the day of intake."""
    sent = form_day(form, today)
    text = cell_text(cell)
    if sent is None and text is not None and is_relative(unicodedata.normalize("NFKC", text)):
        raise FieldError("date", _("{text!r} counts from the form's date, which the form no "
                                   "longer shows; type the date itself").format(text=text))
    return date_value(cell, sent or today)


def _fields(problems: list[FieldError]) -> set[str]:
    return {p.field for p in problems}


def _column(field_name: str) -> str | None:
    column = column_for_field(field_name)
    return column.name if column is not None else None


@dataclass(frozen=True)
class ReportOptions:
    """How the rows' reports are recorded: `reopen` lets a report reopen an item that is
    done or cancelled, `as_history` keeps a report that closes an item, dated before a later
    report that leaves it open, as history (see writes.record_report)."""

    reopen: bool = False
    as_history: bool = False


def record_forms(registry: Registry, forms: Sequence[FilledForm], today: dt.date,
                 options: ReportOptions = ReportOptions()) -> Intake:
    """Check every row of every form and record the reports on `registry`, in place.

    Raises FormsRefused with every problem when there is any (the registry may then hold
    some of the reports: call it on a copy, or inside `storage.update_journaled`, which
    writes nothing when it raises). A row whose report is already recorded is counted,
    not refused, so reading a form twice records nothing new.
    """
    intake = check_forms(registry, forms, today, options)
    if intake.problems:
        raise FormsRefused(intake.problems)
    return intake


def preview(registry: Registry, forms: Sequence[FilledForm], today: dt.date,
            options: ReportOptions = ReportOptions()) -> Intake:
    """What `record_forms` would do, on a copy: the registry is left as it is."""
    return check_forms(replace(registry, items=list(registry.items),
                               sources=dict(registry.sources)), forms, today, options)


def check_forms(registry: Registry, forms: Sequence[FilledForm], today: dt.date,
                options: ReportOptions = ReportOptions()) -> Intake:
    """Check and record every row, collecting the problems instead of raising them."""
    problems = [p for form in forms for p in form.problems]
    outcomes: list[RowOutcome] = []
    returns: list[FormReturn] = []
    blank = refused = 0
    for form in forms:
        if form.problems or form.unit is None:
            continue
        if not any(form.unit in units_of(i) for i in registry.items):
            problems.append(Place(form.file, form.sheet).say(
                _("no item in the registry has the unit {unit!r}").format(unit=form.unit)))
            continue
        for row in form.rows:
            found = _row_outcome(registry, form, row, today, options)
            if isinstance(found, RowOutcome):
                outcomes.append(found)
            elif found is None:
                blank += 1
            else:
                refused += 1
                problems.extend(found)
        returns.append(record_return(registry, form, today))
    return Intake(len(forms), outcomes, blank, refused, problems, returns)


def form_key(form: FilledForm, today: dt.date) -> str | None:
    """The id of the form a file is: as its hidden sheet keeps it, else (a CSV) made from
    its unit and its date as its title row shows them (see forms.form_id)."""
    if form.form_id is not None:
        return form.form_id
    day = form_day(form, today)
    return form_id(form.unit, day) if form.unit is not None and day is not None else None


def record_return(registry: Registry, form: FilledForm, today: dt.date) -> FormReturn:
    """Record on `registry` (in place) that a form on record came back today, with how
    many of its rows the unit filled; a form already back keeps its first return."""
    key = form_key(form, today) or ""
    filled = sum(1 for row in form.rows if row.filled)
    record = registry.sources.get(key)
    if record is None or record.unit != form.unit:
        return FormReturn(key, form.unit or "", filled, NOT_ON_RECORD)
    if record.returned is not None:
        return FormReturn(key, record.unit, filled, ALREADY_RETURNED)
    registry.sources[key] = replace(record, returned=max(today, record.date), rows=filled)
    return FormReturn(key, record.unit, filled, RETURNED)


def _row_outcome(registry: Registry, form: FilledForm, row: FormRow, today: dt.date,
                 options: ReportOptions) -> RowOutcome | list[str] | None:
    """A row's outcome: the report (new or not), None for a blank row, or every problem of
    the row at once (its id and each bad cell)."""
    if not row.filled:
        return [row.place(form, "id").say(row.id_problem)] if row.id_problem else None
    found: list[str] = []
    item = registry.get(row.item_id) if row.id_problem is None else None
    if row.id_problem is not None:
        found.append(row.place(form, "id").say(row.id_problem))
    elif item is None:
        found.append(row.place(form, "id").say(_("no item {id!r} in the registry").format(
            id=row.item_id)))
    elif form.unit not in units_of(item):
        owners = join(units_of(item)) or _("none")
        found.append(row.place(form, "id").say(_(
            "{id} is not an item of {unit} (its units: "
            "{owners}); it goes on its own unit's form").format(id=item.id, unit=form.unit, owners=owners)))
    request = None
    try:
        request = _request(form, row, today)
    except FieldErrors as exc:
        found.extend(row.place(form, _column(p.field)).say(str(p)) for p in exc.problems)
    except UsageError as exc:
        found.append(row.place(form).say(str(exc)))
    if found or item is None or request is None:
        return found
    try:
        result = record_report(registry, item.id, request, reopen=options.reopen,
                               as_history=options.as_history)
    except AlreadyRecorded as exc:
        return RowOutcome(form.file, row.row, item, request, None, exc.report)
    except FieldErrors as exc:
        return [row.place(form, _column(p.field)).say(str(p)) for p in exc.problems]
    except UsageError as exc:
        return [row.place(form).say(str(exc))]
    return RowOutcome(form.file, row.row, item, request, result)
