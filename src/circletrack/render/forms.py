"""A unit's form as bytes: an .xlsx workbook (openpyxl) or Excel-safe CSV with the same rows,
and the lines `forms` prints about what it wrote. The columns are `forms.FORM_COLUMNS`.

The workbook: a title row (unit, as-of date, office), a frozen header row, one row per item
with real date cells, the unit's columns open for input with drop-downs and range checks
(data validation) and everything else locked (sheet protection without a password: it
guards against slips, not people), and a hidden sheet holding the id of every row so
`intake` notices an edited id.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from ..base.i18n import _, current_language, join, ngettext
from ..model.labels import status_label
from ..model.records import STATUSES
from ..office.forms import (
    FIRST_ROW,
    FORM_COLUMNS,
    HEADER_ROW,
    META_SHEET,
    SHEET_NAME,
    TITLE_ROW,
    FormColumn,
    Forms,
    UnitForm,
    form_metadata,
    headers,
    title_cells,
)
from .formats import to_csv

# openpyxl is imported inside `form_xlsx`, for start-up speed: it takes a quarter of a
# second to import, and only `forms` writes a workbook.

#: Widest a column gets, in characters (a Chinese character counts 2), and narrowest.
MAX_WIDTHS: dict[str, int] = {"id": 32, "title": 40, "requirement": 30, "note": 40}
MIN_WIDTHS: dict[str, int] = {"new_status": 12, "new_progress": 10, "report_date": 12,
                              "note": 30, "reported_by": 12}
DEFAULT_MAX_WIDTH, DEFAULT_MIN_WIDTH = 24, 8
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = '0"%"'
#: Fills: grey for what the office sends, yellow for what the unit fills.
SENT_FILL, FILL_HEADER, FILL_CELL = "D9D9D9", "FFE699", "FFF8DC"
#: Control characters a workbook cannot hold (tab, line feed and carriage return it can).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sheet_name() -> str:
    """The form's sheet name in the active language."""
    return _(SHEET_NAME)


def display_width(text: str) -> int:
    """Characters as a spreadsheet lays them out: East Asian wide and full-width count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cell_text(value: Any) -> str:
    """A cell's value as CSV text: ISO dates, whole numbers, empty for None."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def form_csv(form: UnitForm) -> bytes:
    """The form as CSV (UTF-8 with a BOM, formulas neutralised): the title row, the header
    row, one row per item."""
    return to_csv([cell_text(v) for v in title_cells(form)],
                  [headers(), *([cell_text(v) for v in row] for row in form.rows())])


def column_width(column: FormColumn, texts: Sequence[str]) -> int:
    """A column's width in characters: the widest of its header and cells, within bounds."""
    natural = max((display_width(line) for t in texts for line in t.split("\n")), default=0)
    wanted = min(MAX_WIDTHS.get(column.name, DEFAULT_MAX_WIDTH), natural)
    return max(MIN_WIDTHS.get(column.name, DEFAULT_MIN_WIDTH), wanted) + 2


def _excel_text(text: str) -> str:
    return _ILLEGAL.sub("", text)


def _validations(form: UnitForm) -> list[tuple[str, dict[str, Any]]]:
    """(column name, DataValidation arguments) for the columns the unit fills."""
    earliest = min(i.created for i in form.items)
    choices = ",".join(status_label(s) for s in STATUSES)
    return [
        ("new_status", dict(
            type="list", formula1=f'"{choices}"', allow_blank=True,
            promptTitle=_("New status"), prompt=_("Choose from the list; leave empty to "
                                                  "keep the status (or to let the progress "
                                                  "decide it)."),
            errorTitle=_("Not a status"), error=_("Choose one of: {choices}").format(
                choices=join(status_label(s) for s in STATUSES)))),
        ("new_progress", dict(
            type="whole", operator="between", formula1="0", formula2="100", allow_blank=True,
            promptTitle=_("New progress"), prompt=_("A whole number from 0 to 100 (40 for "
                                                    "40%); 100 means done."),
            errorTitle=_("Not a percentage"),
            error=_("Type a whole number from 0 to 100, e.g. 40 for 40%."))),
        ("report_date", dict(
            type="date", operator="between",
            formula1=f"DATE({earliest.year},{earliest.month},{earliest.day})",
            formula2="TODAY()", allow_blank=True,
            promptTitle=_("Date of the report"), prompt=_("When it was so, e.g. {date}; not "
                                                          "in the future.").format(
                date=form.day.isoformat()),
            errorTitle=_("Not a date"),
            error=_("Type a date from {earliest} to today, e.g. {date}.").format(
                earliest=earliest.isoformat(), date=form.day.isoformat()))),
    ]


def form_xlsx(form: UnitForm) -> bytes:
    """The form as an .xlsx workbook (see the module's docstring)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name()
    bold = Font(bold=True)
    top = Alignment(vertical="top", wrap_text=True)
    texts: list[list[str]] = [[h] for h in headers()]

    def put(row: int, column: int, value: Any) -> Any:
        if isinstance(value, str):
            value = _excel_text(value)
        cell = sheet.cell(row, column, value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text, never a formula, whatever a title says
        if isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT
        return cell

    for number, value in enumerate(title_cells(form), 1):
        put(TITLE_ROW, number, value).font = bold
    sheet.cell(TITLE_ROW, 2).font = Font(bold=True, size=13)
    for number, (column, header) in enumerate(zip(FORM_COLUMNS, headers()), 1):
        cell = put(HEADER_ROW, number, header)
        cell.font = bold
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor=FILL_HEADER if column.fills else SENT_FILL)
        cell.comment = Comment(_(column.help), "circletrack", width=240, height=80)
    for row, values in enumerate(form.rows(), FIRST_ROW):
        for number, (column, value) in enumerate(zip(FORM_COLUMNS, values), 1):
            cell = put(row, number, value)
            cell.alignment = top
            texts[number - 1].append(cell_text(value))
            if column.cell == "percent":
                cell.number_format = PERCENT_FORMAT
            if column.cell == "date":
                cell.number_format = DATE_FORMAT
            if column.name == "days_overdue" and value:
                cell.font = Font(color="C00000", bold=True)
            if column.fills:
                cell.protection = Protection(locked=False)
                cell.fill = PatternFill("solid", fgColor=FILL_CELL)
    for number, column in enumerate(FORM_COLUMNS, 1):
        texts[number - 1].append("0000-00-00" if column.cell == "date" else "")
        sheet.column_dimensions[get_column_letter(number)].width = column_width(
            column, texts[number - 1])
    last = FIRST_ROW + len(form.items) - 1
    letters = {c.name: get_column_letter(n) for n, c in enumerate(FORM_COLUMNS, 1)}
    if form.items:
        for name, arguments in _validations(form):
            validation = DataValidation(showErrorMessage=True, showInputMessage=True,
                                        **arguments)
            sheet.add_data_validation(validation)
            validation.add(f"{letters[name]}{FIRST_ROW}:{letters[name]}{last}")
    sheet.freeze_panes = f"{letters['requirement']}{FIRST_ROW}"
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    # Locked: everything but the unit's cells. Columns and rows may still be resized.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    hidden = workbook.create_sheet(META_SHEET)
    for values in form_metadata(form, sheet.title, current_language()):
        hidden.append(values)
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True
    workbook.properties.creator = "circletrack"
    workbook.properties.title = f"{form.unit} {form.day.isoformat()}"
    stamp = dt.datetime.combine(form.day, dt.time())
    workbook.properties.created = workbook.properties.modified = stamp
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_form(form: UnitForm, fmt: str) -> bytes:
    """The form in a format: xlsx or csv."""
    return form_xlsx(form) if fmt == "xlsx" else form_csv(form)


def written_line(path: str, form: UnitForm) -> str:
    """`wrote forms/市交通局-2024-06-01.xlsx: 9 items, 6 overdue`."""
    items = ngettext("{count} item", "{count} items", len(form.items)).format(
        count=len(form.items))
    line = _("wrote {path}: {items}, {overdue} overdue").format(path=path, items=items,
                                                               overdue=form.overdue)
    if form.reminder is not None:
        line += _("; a reminder: the form of {date} has not come back").format(
            date=form.reminder.isoformat())
    return line


def summary_lines(forms: Forms) -> list[str]:
    """What `forms` says besides the files: nothing to send, or the items no unit is
    responsible for (they are on no form)."""
    lines = []
    if not forms.forms:
        lines.append(_("no unit has open items overdue or due within {days} days as of "
                       "{date}; no form written").format(days=forms.within,
                                                         date=forms.day.isoformat()))
    if forms.unassigned:
        shown = ", ".join(i.id for i in forms.unassigned[:10])
        more = (_(" and {count} more").format(count=len(forms.unassigned) - 10)
                if len(forms.unassigned) > 10 else "")
        lines.append(ngettext(
            "{count} item overdue or due soon has no responsible unit and is on no form: "
            "{ids}{more}",
            "{count} items overdue or due soon have no responsible unit and are on no form: "
            "{ids}{more}", len(forms.unassigned)).format(
            count=len(forms.unassigned), ids=shown, more=more))
    return lines
