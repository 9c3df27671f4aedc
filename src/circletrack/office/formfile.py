"""A filled form file, read: the .xlsx and .csv forms `forms` wrote, back as cells, and the
cells as the values they mean.

A form is hostile input (it has been through people and other programs): it is read with
bounds (size, rows, columns, the unpacked size of a workbook, and what its XML may hold,
checked before openpyxl reads any of it: see xlsxscan.py), never evaluated (formulas count
by the value the spreadsheet saved; one saved without a value is refused), and every
problem is worded with its file, sheet, row and column. What a spreadsheet does to a form
when it re-saves it is undone: dates as serial numbers, whole numbers as floats (40.0),
percentages as fractions of one, trailing spaces, full-width digits (NFKC), GBK- or
UTF-16-encoded or semicolon-separated CSV, a two-digit year in a CSV date LibreOffice saved
as shown (11年12月1日).

`read_form` reads one file's bytes (it never opens a file itself) and collects the
problems it finds; `intake` checks the rows against the registry and records them.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..base.errors import FieldError
from ..base.i18n import _, join, pgettext, translations
from ..changes.writes import parse_status
from ..model.dates import parse_date
from ..model.labels import normalise
from ..model.records import MAX_DIGITS, TooManyDigits
from .forms import (
    COLUMNS_BY_NAME,
    FILLED_COLUMNS,
    FORM_VERSION,
    META_SHEET,
    SHEET_NAME,
    TITLE_AS_OF,
    TITLE_UNIT,
    FormColumn,
)

if TYPE_CHECKING:
    from .xlsxscan import RowFacts

# openpyxl (and xlsxscan, which uses it) is imported inside `_workbook_grid` and
# `_checked_parts`, for start-up speed: only `intake` of an .xlsx form pays for it.

MAX_FILE_BYTES = 20 * 2**20
#: What a workbook may unpack to (a zip bomb is small on disk), and how many parts it has.
MAX_UNPACKED_BYTES = 200 * 2**20
MAX_PARTS = 10_000
#: Item rows and columns read (a value below the last row is refused, not skipped).
MAX_ROWS = 5000
MAX_COLUMNS = 60
# What a workbook's XML may hold, checked part by part before openpyxl reads any of it
# (see xlsxscan.py). A form of 5,000 rows holds about 200,000 elements and its sheet about
# 8 MB; a real one holds a few thousand elements. Without these bounds a 30 KB form made
# openpyxl expand an entity to gigabytes, and a row of 9.5 million cells took 6 GB.
#: XML elements in all the parts together (openpyxl builds up to ~1 KB for each).
MAX_XML_ELEMENTS = 500_000
#: Unpacked bytes of any XML part (a sheet, say); of the shared strings; of the styles.
MAX_XML_PART_BYTES = 32 * 2**20
MAX_SHARED_STRINGS_BYTES = 16 * 2**20
MAX_STYLES_BYTES = 2 * 2**20
#: Bytes of one tag with its attributes, one comment or one processing instruction.
MAX_MARKUP_BYTES = 2**20
#: Cells in one row: a spreadsheet has 16,384 columns (A to XFD).
MAX_CELLS_PER_ROW = 16_384
#: Characters of one string (a cell's text, a shared string): Excel's own limit for a cell.
MAX_TEXT_CHARS = 32_767
#: The header row is looked for among the first rows (a unit may add a line above it).
HEADER_SEARCH_ROWS = 10
#: Day 0 of a spreadsheet's date serial numbers (1900 date system, Excel and LibreOffice).
SERIAL_EPOCH = dt.date(1899, 12, 30)
MAX_SERIAL = 2958465  # 9999-12-31
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Cell:
    """A cell as a spreadsheet saved it: its value and its number format."""

    value: Any = None
    number_format: str = ""
    #: A formula saved without the value it comes to (never computed: a program, not a
    #: spreadsheet, wrote it); its value reads as blank, and is not.
    unsaved_formula: bool = False


@dataclass(frozen=True)
class Place:
    """Where a problem is: file, sheet (None for CSV), row, column (letter and header)."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def say(self, message: str) -> str:
        """`form.xlsx, sheet 进度报告, row 5, column I (New progress): message`."""
        parts = [self.file]
        if self.sheet is not None:
            parts.append(_("sheet {sheet}").format(sheet=self.sheet))
        if self.row is not None:
            parts.append(_("row {row}").format(row=self.row))
        if self.column is not None:
            parts.append(_("column {column}").format(column=self.column))
        # Translators: between the parts of a place in a form (file, sheet, row, column).
        return _("{place}: {message}").format(place=pgettext("place", ", ").join(parts),
                                              message=message)


@dataclass(frozen=True)
class FormRow:
    """A row of a form that names an item: its cells in the unit's columns (by column name)
    and where each column is (`I (New progress)`)."""

    row: int
    item_id: str
    cells: dict[str, Cell]
    columns: dict[str, str]
    #: What is wrong with the row's ID (changed, or a row added below the items), if any.
    id_problem: str | None = None

    def place(self, form: FilledForm, column: str | None = None) -> Place:
        """This row (and a column of it) as a Place."""
        return Place(form.file, form.sheet, self.row,
                     self.columns.get(column) if column is not None else None)

    @property
    def filled(self) -> bool:
        """True when any of the unit's columns holds something."""
        return any(not _blank(c) for c in self.cells.values())


@dataclass
class FilledForm:
    """What a form file holds: its unit, its rows that name an item, and the problems
    found in reading it (a damaged file, a renamed sheet, an edited id …)."""

    file: str
    sheet: str | None = None
    unit: str | None = None
    #: The date the form was written for, as the form holds it (the hidden sheet's, else
    #: the title row's cell); relative dates typed in it count from that day.
    day_cell: Cell | None = None
    rows: list[FormRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: The form's id as its hidden sheet keeps it (None for a CSV, or a form written
    #: before forms had ids: see intake.form_key).
    form_id: str | None = None

    def problem(self, message: str, row: int | None = None, column: str | None = None) -> None:
        """Note a problem at a place in this form."""
        self.problems.append(Place(self.file, self.sheet, row, column).say(message))


class _Unreadable(Exception):
    """A file that cannot be read as a form at all; the message says why."""


# Reading the file


def oversized_form(name: str) -> FilledForm:
    """The form of a file larger than MAX_FILE_BYTES: nothing of it read, the problem said
    (a caller that knows the size reads none of it)."""
    form = FilledForm(name)
    form.problem(_("the file is larger than {size} MB; a form is far smaller").format(
        size=MAX_FILE_BYTES // 2**20))
    return form


def read_form(name: str, data: bytes) -> FilledForm:
    """The form in a file's bytes (`name` is the file's name, for messages and the source):
    an .xlsx or .csv form by its suffix. Problems are collected, never raised."""
    form = FilledForm(name)
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if len(data) > MAX_FILE_BYTES:
        return oversized_form(name)
    try:
        if suffix in XLSX_SUFFIXES:
            with warnings.catch_warnings():  # (openpyxl warns of what it cannot read, and
                warnings.simplefilter("ignore")  # the problems say it in a form's words)
                grid, meta = _workbook_grid(form, data)
        elif suffix in CSV_SUFFIXES:
            grid, meta = _csv_grid(data), {}
        else:
            raise _Unreadable(_("not a form: intake reads the .xlsx and .csv files "
                                "`circletrack forms` writes, not {suffix!r} files").format(
                suffix=suffix or name))
    except _Unreadable as exc:
        form.problem(str(exc))
        return form
    _read_grid(form, grid, meta)
    return form


def _workbook_grid(form: FilledForm, data: bytes) -> tuple[list[list[Cell]], dict[str, Any]]:
    """The cells of the form's sheet and what the hidden sheet says (empty when it is gone)."""
    if not data.startswith(_ZIP_MAGIC):
        if data.startswith(_OLE_MAGIC):
            raise _Unreadable(_("an Excel 97–2003 workbook (.xls) named .xlsx; open it and "
                                "save it as an Excel Workbook (.xlsx)"))
        raise _Unreadable(_("not an .xlsx workbook (an .xlsx file is a zip archive, and "
                            "this one is not)"))
    rows = _checked_parts(data)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                 keep_links=False)
    except Exception as exc:  # noqa: BLE001 - a hostile file may fail anywhere in the parser
        raise _Unreadable(_("cannot read the workbook ({error}); is it an .xlsx form written "
                            "by `circletrack forms`?").format(error=str(exc) or
                                                               type(exc).__name__)) from None
    try:
        meta: dict[str, Any] = {}
        if META_SHEET in workbook.sheetnames:
            meta = _metadata(workbook[META_SHEET].iter_rows(max_row=MAX_ROWS + 20, max_col=3,
                                                            values_only=True))
            if meta.get("form") != FORM_VERSION:
                raise _Unreadable(_("the hidden sheet {sheet!r} is not one circletrack wrote "
                                    "(it says {version!r})").format(
                    sheet=META_SHEET, version=meta.get("form")))
        wanted = [meta["sheet"]] if "sheet" in meta else _sheet_names()
        found = next((s for s in workbook.sheetnames if s in wanted), None)
        if found is None:
            visible = [s for s in workbook.sheetnames if s != META_SHEET]
            raise _Unreadable(_("no sheet named {names}: was the form's sheet renamed? It "
                                "must keep its name (the workbook has: {sheets})").format(
                names=join(repr(n) for n in wanted), sheets=join(visible) or _("none")))
        form.sheet = found
        return _sheet_grid(workbook[found], rows), meta
    except _Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - a hostile file may fail anywhere in the parser
        raise _Unreadable(_("cannot read the workbook ({error}); is it an .xlsx form written "
                            "by `circletrack forms`?").format(error=str(exc) or
                                                               type(exc).__name__)) from None
    finally:
        workbook.close()


def _checked_parts(data: bytes) -> dict[str, RowFacts]:
    """The workbook's zip checked (size, parts, every part unpacks), then every part read
    through the bounds before openpyxl reads any (xlsxscan.py); the facts of each part's
    rows, by part name."""
    from .xlsxscan import (  # imports openpyxl: start-up speed
        Limits,
        PartRefused,
        scan_parts,
    )

    limits = Limits(elements=MAX_XML_ELEMENTS, markup_bytes=MAX_MARKUP_BYTES,
                    part_bytes=MAX_XML_PART_BYTES, shared_strings_bytes=MAX_SHARED_STRINGS_BYTES,
                    styles_bytes=MAX_STYLES_BYTES, cells_per_row=MAX_CELLS_PER_ROW,
                    text_chars=MAX_TEXT_CHARS, rows=MAX_ROWS + HEADER_SEARCH_ROWS,
                    columns=MAX_COLUMNS)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES or len(archive.infolist()) > MAX_PARTS:
                raise _Unreadable(_("the workbook unpacks to more than {size} MB; a form is "
                                    "far smaller").format(size=MAX_UNPACKED_BYTES // 2**20))
            damaged = archive.testzip()
            if damaged is not None:
                raise _Unreadable(_("the workbook is damaged: its part {part} does not "
                                    "unpack").format(part=damaged))
            return scan_parts(archive, limits)
    except PartRefused as exc:
        raise _Unreadable(str(exc)) from None
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError,
            zlib.error) as exc:
        # A cut or altered zip, a compression Python does not read (deflate64), a part
        # locked with a password.
        raise _Unreadable(_("the workbook is damaged or incomplete (was it copied or "
                            "downloaded in full?): {error}").format(error=exc)) from None


def _sheet_grid(sheet: Any, rows: dict[str, RowFacts]) -> list[list[Cell]]:
    """The form sheet's cells: every row up to the last one holding a value, whatever the
    sheet's `<dimension>` says (openpyxl stops where it says), the first MAX_COLUMNS
    columns; a formula saved without its value marked as such."""
    # openpyxl names the part it reads the sheet from here; the scan read that same part.
    facts = rows[sheet._worksheet_path]  # noqa: SLF001
    if facts.last_row > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise _Unreadable(_("the sheet has more than {count} rows; a form is far "
                            "smaller").format(count=MAX_ROWS))
    if not facts.last_row:
        return []
    unsaved = facts.unsaved_formulas
    return [[Cell(getattr(c, "value", None), getattr(c, "number_format", "") or "",
                  (number, column) in unsaved)
             for column, c in enumerate(row, 1)]
            for number, row in enumerate(sheet.iter_rows(min_row=1, max_row=facts.last_row,
                                                         max_col=MAX_COLUMNS), 1)]


def _sheet_names() -> list[str]:
    """The form sheet's name in each language."""
    return list(dict.fromkeys([SHEET_NAME, translations("zh").gettext(SHEET_NAME)]))


def _metadata(rows: Any) -> dict[str, Any]:
    """The hidden sheet's keys, and `rows`: {row number: id} of every item row as sent."""
    meta: dict[str, Any] = {"rows": {}}
    for values in rows:
        key, value, extra = (list(values) + [None, None, None])[:3]
        if key == "row" and value is not None and extra is not None:
            try:
                meta["rows"][int(str(value))] = str(extra)
            except ValueError:
                continue
        elif isinstance(key, str) and value is not None:
            meta[key] = str(value)
    return meta


def _csv_grid(data: bytes) -> list[list[Cell]]:
    """The cells of a CSV form: UTF-8 (with or without a BOM), UTF-16 with its BOM (the
    "Unicode" of LibreOffice's CSV export and of Excel's Unicode Text) or, as Excel saves
    CSV on a Chinese Windows, GB 18030; comma-, semicolon- or tab-separated."""
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _Unreadable(_("not a text file in UTF-8 or GBK; is it a CSV form?"))
    if "\x00" in text:
        raise _Unreadable(_("not a text file (it holds NUL bytes); is it a CSV form?"))
    best: list[list[str]] = []
    for delimiter in (",", ";", "\t"):
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise _Unreadable(_("cannot read it as CSV: {error}").format(error=exc)) from None
        if _header_index([[Cell(v) for v in r] for r in rows[:HEADER_SEARCH_ROWS]]) is not None:
            best = rows
            break
        best = best or rows
    if len(best) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise _Unreadable(_("the file has more than {count} rows; a form is far smaller").format(
            count=MAX_ROWS))
    return [[Cell(v) for v in row[:MAX_COLUMNS]] for row in best]


# Making sense of the cells


def _is_header(cell: Cell, column: FormColumn) -> bool:
    return isinstance(cell.value, str) and normalise(cell.value) in {
        normalise(n) for n in column.header_names()}


def _header_index(grid: list[list[Cell]]) -> int | None:
    """The index of the header row: the first of the first rows with an ID heading."""
    id_column = COLUMNS_BY_NAME["id"]
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if any(_is_header(c, id_column) for c in row):
            return index
    return None


def column_letter(index: int) -> str:
    """A 0-based column index as a spreadsheet names it: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _titled(rows: list[list[Cell]], label: str) -> Cell | None:
    """The title row's cell after a label (`Unit`, `As of`, in either language) that is not
    blank."""
    names = {normalise(label), normalise(translations("zh").gettext(label))}
    for row in rows:
        for index, cell in enumerate(row[:-1]):
            if (isinstance(cell.value, str) and normalise(cell.value).rstrip(":：") in names
                    and not _blank(row[index + 1])):
                return row[index + 1]
    return None


def _title_unit(rows: list[list[Cell]]) -> str | None:
    """The unit the title row names: the cell after the `Unit` label (either language)."""
    cell = _titled(rows, TITLE_UNIT)
    unit = cell_text(cell) if cell is not None else None
    return _unneutralised(unit) if unit else None


def form_day(form: FilledForm, today: dt.date) -> dt.date | None:
    """The date the form was written for (`forms --as-of`), from its hidden sheet, else its
    title row; None when it holds none that reads as a date. (`today`, the day of intake,
    places a two-digit year.)"""
    if form.day_cell is None:
        return None
    try:
        return date_value(form.day_cell, today)
    except FieldError:
        return None


def _same_name(text: str) -> str:
    """A unit's name as two copies of it are compared: NFKC, outer spaces stripped (what a
    spreadsheet may do to a cell), nothing else."""
    return unicodedata.normalize("NFKC", text).strip()


#: What CSV writing prefixes with `'` so a spreadsheet shows it as text (see
#: `render.formats.neutralise_cell`); a unit's name read back from a CSV loses the quote.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _unneutralised(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_PREFIXES) else text


def _read_grid(form: FilledForm, grid: list[list[Cell]], meta: dict[str, Any]) -> None:
    """Find the header, the unit and the rows that name an item."""
    at = _header_index(grid)
    if at is None:
        form.problem(_("no header row with an {id} column in the first {count} rows; is it "
                       "a form written by `circletrack forms`?").format(
            id=repr(_(COLUMNS_BY_NAME["id"].header)), count=HEADER_SEARCH_ROWS))
        return
    header = grid[at]
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        for column in (COLUMNS_BY_NAME["id"], *FILLED_COLUMNS):
            if column.name not in positions and _is_header(cell, column):
                positions[column.name] = index
    missing = [c for c in FILLED_COLUMNS if c.name not in positions]
    if missing:
        form.problem(_("the header has no column {columns}; the form's columns must stay as "
                       "they were sent").format(columns=join(repr(_(c.header))
                                                             for c in missing)), row=at + 1)
        return
    hidden, shown = meta.get("unit"), _title_unit(grid[:at])
    if hidden and shown and _same_name(hidden) != _same_name(shown):
        # Which is true cannot be told, and the reports are credited to the unit: neither.
        form.problem(_("the title row names the unit {shown!r}, but the form's hidden sheet "
                       "says it was sent to {hidden!r}; a form reports for the unit it was "
                       "sent to, so ask that unit for its own form").format(
            shown=shown, hidden=hidden))
        return
    form.unit = hidden or shown
    form.form_id = meta.get("form_id")
    form.day_cell = Cell(meta["as_of"]) if meta.get("as_of") else _titled(grid[:at],
                                                                          TITLE_AS_OF)
    if form.unit is None:
        form.problem(_("cannot tell which unit the form is from: the title row above the "
                       "header must name it ({label} | NAME)").format(label=_(TITLE_UNIT)))
        return
    columns = {name: f"{column_letter(i)} ({cell_text(header[i])})"
               for name, i in positions.items()}
    sent: dict[int, str] = meta.get("rows", {})
    for index in range(at + 1, len(grid)):
        cells = grid[index]
        number = index + 1

        def cell(name: str) -> Cell:
            position = positions[name]
            return cells[position] if position < len(cells) else Cell()

        for column in FILLED_COLUMNS:
            if cell(column.name).unsaved_formula:
                form.problem(_("the cell holds a formula saved without its value (was the "
                               "form filled by a program?); open the form in a spreadsheet "
                               "and save it, or type the value"), row=number,
                             column=columns[column.name])
        item_id = unicodedata.normalize("NFKC", cell_text(cell("id")) or "").strip()
        row = FormRow(number, item_id, {c.name: cell(c.name) for c in FILLED_COLUMNS},
                      columns)
        if not item_id and not row.filled:
            continue
        # A row whose ID is wrong is kept with that problem, so its cells are checked too:
        # every problem of a form is said in one round.
        if meta and sent.get(number) != item_id:
            expected = sent.get(number)
            row = replace(row, id_problem=(
                _("the ID was changed: this row was sent for {id}; the ID column links each "
                  "row to its item, so put it back").format(id=expected) if expected else
                _("this row was not on the form as sent; add nothing below the items")))
        elif not item_id:
            row = replace(row, id_problem=_("the row reports something but has no ID"))
        form.rows.append(row)


def _blank(cell: Cell) -> bool:
    return cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())


def _number_text(value: float) -> str:
    return str(int(value)) if math.isfinite(value) and value.is_integer() else repr(value)


def cell_text(cell: Cell) -> str | None:
    """A cell as text, stripped; None when blank. Whole floats lose their `.0`, a date is
    ISO (a spreadsheet may have turned `2024-05-01` in a note into a date)."""
    value = cell.value
    if _blank(cell):
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_WHOLE_TEXT = re.compile(r"([+-]?[0-9]+)(?:\.0*)?(%?)")


def progress_text(cell: Cell) -> str | None:
    """A progress cell as the text `writes.parse_progress` reads: 40 from 40, 40.0, `40 %`,
    `４０`, or 0.4 in a cell formatted as a percentage."""
    value = cell.value
    if _blank(cell):
        return None
    if isinstance(value, bool):
        raise FieldError("progress", _("must be a whole number from 0 to 100, got "
                                       "{text!r}").format(text=str(value).upper()))
    if isinstance(value, int):  # (as an int: a float cannot hold one of 400 digits)
        _check_digits(value, "progress")
        return str(value * (100 if is_percent_format(cell.number_format) else 1))
    if isinstance(value, float):
        number = value * (100 if is_percent_format(cell.number_format) else 1)
        if not math.isfinite(number) or abs(number - round(number)) > 1e-9:
            raise FieldError("progress", _("must be a whole number from 0 to 100, got "
                                           "{text!r}").format(text=_number_text(number)))
        return str(round(number))
    text = unicodedata.normalize("NFKC", str(value)).replace(" ", "").strip()
    whole = _WHOLE_TEXT.fullmatch(text)
    return whole.group(1) + whole.group(2) if whole else text


def is_percent_format(number_format: str) -> bool:
    """True when a number format shows a fraction as a percentage (`0%`, `0.0%`): a `%`
    outside quotes and escapes. The forms' own `0"%"` shows 40 as 40%, a whole number."""
    bare = re.sub(r'"[^"]*"|\\.', "", number_format)
    return "%" in bare


def date_value(cell: Cell, today: dt.date) -> dt.date | None:
    """A date cell: a date, a serial number (45444 is 2024-06-01), text in any form
    `parse_date` reads (2024/6/1, 2024年6月1日, full-width digits, `yesterday` or `-2w`
    counted from `today`), or LibreOffice's Chinese short date (24年6月1日, the year
    nearest `today`'s)."""
    value = cell.value
    if _blank(cell):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        _check_digits(value, "date")
        return _serial(float(value))
    if isinstance(value, float):
        return _serial(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"[0-9]{5}(?:\.[0-9]+)?", text):
        return _serial(float(text))
    return _short_chinese_date(text, today) or parse_date(text, today, "date")


#: A date as LibreOffice shows it in a Chinese locale, `YY"年"M"月"D"日"` (what it gives a
#: typed 2011/12/1), and so writes it in a CSV it saves: the year has only two digits.
_SHORT_CHINESE = re.compile(r"([0-9]{2})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]")


def _short_chinese_date(text: str, today: dt.date) -> dt.date | None:
    """`11年12月1日` as a date: the year ending in those digits nearest today's (2011 in
    2024; a year in the future, 25 → 2025, is then refused as a date in the future). None
    for anything else, an impossible day included (`parse_date` words that error)."""
    found = _SHORT_CHINESE.fullmatch(text)
    if found is None:
        return None
    short, month, day = (int(g) for g in found.groups())
    year = today.year + (short - today.year + 50) % 100 - 50
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _check_digits(value: int, field: str) -> None:
    """Refuse a number cell of more than MAX_DIGITS digits (a workbook may hold one of
    4,300), before anything turns it into text or a float."""
    if abs(value) >= 10**MAX_DIGITS:
        raise FieldError(field, str(TooManyDigits()))


def _serial(number: float) -> dt.date:
    if not math.isfinite(number) or not 1 <= number <= MAX_SERIAL:
        raise FieldError("date", _("{value} is not a date; type one such as 2024-06-01").format(
            value=_number_text(number)))
    return SERIAL_EPOCH + dt.timedelta(days=int(number))


def status_code(cell: Cell) -> str | None:
    """A status cell: a status code or its label in either language."""
    return parse_status(cell_text(cell))
