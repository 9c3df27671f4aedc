"""intake against hostile .xlsx forms (issue 22, findings 4 and 5): every row that holds a
value is read, whatever the sheet's `<dimension>` says; a formula saved without its value
is refused, not read as blank; and a workbook built to make the reader work without end (a
DTD's entities, a row of millions of cells, huge shared strings or styles …) is refused in
one line, in bounded time and memory, the registry byte for byte as it was.

The workbooks are built byte by byte: a real form from `circletrack forms`, its parts
edited as XML text and zipped again. intake runs as users run it (the installed program),
capped at MEMORY bytes of address space and TIMEOUT seconds, so a bound that regresses
fails here instead of taking the machine.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from program import run
from write_helpers import ROOT

from circletrack.office.formfile import (
    HEADER_SEARCH_ROWS,
    MAX_CELLS_PER_ROW,
    MAX_MARKUP_BYTES,
    MAX_ROWS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_STYLES_BYTES,
    MAX_TEXT_CHARS,
    MAX_XML_ELEMENTS,
    MAX_XML_PART_BYTES,
)
from circletrack.storage import Location, load

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the memory cap (RLIMIT_AS) is POSIX")

SHIPPED = ROOT / "data" / "projects.toml"
AS_OF = "2011-12-20"
UNIT = "市交通局"
FORM = f"{UNIT}-{AS_OF}.xlsx"
SHEET, STYLES, TYPES = "xl/worksheets/sheet1.xml", "xl/styles.xml", "[Content_Types].xml"
STRINGS = "xl/sharedStrings.xml"
PLACE = f"{FORM}, sheet Progress report"
#: What intake may use: a form is refused long before (about 40 MB and half a second here;
#: before the bounds, the hostile forms below took 1.1 to 3 GB and up to 80 seconds).
MEMORY = 2**30
TIMEOUT = 60
#: A report, as the cells of the unit's columns hold it: 40%, on 2011-12-01 (serial 40878).
REPORT = {"I": "<v>40</v>", "J": "<v>40878</v>"}


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The parts of 市交通局's form as `forms` writes it (coop-05 … coop-09 and coop-21 in
    rows 3 to 8)."""
    folder = tmp_path_factory.mktemp("sent")
    registry = folder / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    result = run(["forms", str(folder / "out"), "--form-lang", "en", "--as-of", AS_OF, "--unit", UNIT,
                  "--registry", str(registry)])
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(folder / "out" / FORM) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def packed(parts: Mapping[str, bytes]) -> bytes:
    """The parts zipped as a workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet_of(sent: Mapping[str, bytes]) -> str:
    return sent[SHEET].decode("utf-8")


def row_of(sheet: str, item: str) -> int:
    """The row `forms` wrote an item in."""
    found = re.search(rf'<c r="A(\d+)"[^>]*><is><t>{re.escape(item)}</t>', sheet)
    assert found, item
    return int(found.group(1))


def filled(sheet: str, row: int, cells: Mapping[str, str], kind: str = "") -> str:
    """The sheet with the unit's empty cells of a row holding XML: {column: the cell's
    content}; `kind` is the cells' type attribute (`t="str"`)."""
    for column, content in cells.items():
        ref = f"{column}{row}"
        # (openpyxl writes an empty cell as `<c …/>`, or as `<c …></c>` when lxml is there)
        empty = re.compile(rf'<c r="{ref}" s="(\d+)" t="n"(?: />|></c>)')
        assert empty.search(sheet), ref
        sheet = empty.sub(lambda m: f'<c r="{ref}" s="{m.group(1)}"{kind}>{content}</c>',
                          sheet)
    return sheet


def with_sheet(sent: Mapping[str, bytes], sheet: str) -> bytes:
    return packed({**sent, SHEET: sheet.encode("utf-8")})


def intake(tmp_path: Path, data: bytes) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`circletrack intake FORM` on a fresh copy of the shipped registry, under the caps;
    the result and the registry."""
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    path = tmp_path / FORM
    path.write_bytes(data)
    started = time.monotonic()
    result = run(["intake", str(path), "--registry", str(registry)], address_space=MEMORY,
                 timeout=TIMEOUT)
    assert time.monotonic() - started < TIMEOUT
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result, registry


def refused(tmp_path: Path, data: bytes) -> list[str]:
    """intake refuses the form: exit 1, nothing written; its error lines."""
    result, registry = intake(tmp_path, data)
    assert result.returncode == 1, result.stdout + result.stderr
    assert registry.read_bytes() == SHIPPED.read_bytes()
    assert not registry.with_name("projects.toml.journal").exists()
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("Error: ") for line in lines), result.stderr
    return lines


def refused_once(tmp_path: Path, data: bytes) -> str:
    """intake refuses the form with one line: that line."""
    (line,) = refused(tmp_path, data)
    return line


def reports(registry: Path, item: str) -> list[tuple[int | None, str]]:
    """An item's reports read back through the library: (progress, date)."""
    found = load(Location(registry, "option")).get(item)
    assert found is not None
    return [(r.progress, r.date.isoformat()) for r in found.history]


# Finding 4: rows past <dimension>, a row added below the items, formulas without a value


def test_every_row_that_holds_a_value_is_read_whatever_the_dimension_says(
        sent: dict[str, bytes], tmp_path: Path) -> None:
    sheet = sheet_of(sent)
    first, last = row_of(sheet, "coop-06"), row_of(sheet, "coop-21")
    sheet = filled(filled(sheet, first, REPORT), last, REPORT)
    # openpyxl stops where <dimension> says: here, above the last item's row
    assert last == 8
    sheet, count = re.subn(r'<dimension ref="A1:L8" ?/>', '<dimension ref="A1:L4" />', sheet)
    assert count == 1
    result, registry = intake(tmp_path, with_sheet(sent, sheet))
    assert result.returncode == 0, result.stderr
    assert "1 form: 2 recorded, 0 already recorded, 4 skipped (blank), 0 refused" in \
        result.stdout
    assert reports(registry, "coop-21")[-1] == (40, "2011-12-01")
    assert reports(registry, "coop-06")[-1] == (40, "2011-12-01")


def test_a_row_added_below_the_items_is_refused_not_skipped(sent: dict[str, bytes],
                                                            tmp_path: Path) -> None:
    sheet = sheet_of(sent)
    sheet = filled(sheet, row_of(sheet, "coop-06"), REPORT)
    added = ('<row r="9"><c r="A9" t="inlineStr"><is><t>coop-05</t></is></c>'
             '<c r="I9"><v>70</v></c><c r="J9"><v>40878</v></c></row>')
    # the dimension as sent (A1:L8): the added row is outside it
    line = refused_once(tmp_path, with_sheet(sent, sheet.replace("</sheetData>",
                                                                 added + "</sheetData>")))
    assert line == (f"Error: {PLACE}, row 9, column A (ID): this row was not on the form as "
                    "sent; add nothing below the items")


def test_a_value_far_below_the_items_is_refused_and_empty_rows_there_are_not(
        sent: dict[str, bytes], tmp_path: Path) -> None:
    sheet = sheet_of(sent)
    sheet = filled(sheet, row_of(sheet, "coop-06"), REPORT)
    far = MAX_ROWS + HEADER_SEARCH_ROWS + 1
    line = refused_once(tmp_path, with_sheet(sent, sheet.replace(
        "</sheetData>", f'<row r="{far}"><c r="K{far}" t="inlineStr"><is><t>note</t></is></c>'
                        "</row></sheetData>")))
    assert line == (f"Error: {PLACE}: the sheet has more than {MAX_ROWS} rows; a form is far "
                    "smaller")
    # rows a spreadsheet keeps for their height or format, down to its very last one
    empty = "".join(f'<row r="{n}" ht="20" customHeight="1" />' for n in (9, far, 1048576))
    result, registry = intake(tmp_path, with_sheet(sent, sheet.replace(
        "</sheetData>", empty + "</sheetData>")))
    assert result.returncode == 0, result.stderr
    assert reports(registry, "coop-06")[-1] == (40, "2011-12-01")


def test_a_formula_saved_without_its_value_is_refused_cell_by_cell(
        sent: dict[str, bytes], tmp_path: Path) -> None:
    """As a program writes one (openpyxl writes `<f>40</f><v />`): no spreadsheet computed
    it, so there is no value to read; openpyxl reads it as blank and the row was skipped."""
    sheet = sheet_of(sent)
    row = row_of(sheet, "coop-07")
    sheet = filled(sheet, row, {"I": "<f>20*2</f><v />", "J": "<f>DATE(2011,12,1)</f>"})
    lines = refused(tmp_path, with_sheet(sent, sheet))
    saved = ("the cell holds a formula saved without its value (was the form filled by a "
             "program?); open the form in a spreadsheet and save it, or type the value")
    assert lines == [f"Error: {PLACE}, row {row}, column I (New progress): {saved}",
                     f"Error: {PLACE}, row {row}, column J (Date of the report): {saved}"]


def test_a_formula_counts_by_the_value_the_spreadsheet_saved(sent: dict[str, bytes],
                                                             tmp_path: Path) -> None:
    """As Excel and LibreOffice save them: the value beside the formula; a formula whose
    result is empty text (`t="str"`, an empty `<v>`) is a blank cell."""
    sheet = sheet_of(sent)
    row, other = row_of(sheet, "coop-07"), row_of(sheet, "coop-08")
    sheet = filled(sheet, row, {"I": "<f>20*2</f><v>40</v>", "J": "<f>DATE(2011,12,1)</f>"
                                                                 "<v>40878</v>"})
    sheet = filled(sheet, other, {"K": '<f>""</f><v></v>'}, ' t="str"')
    result, registry = intake(tmp_path, with_sheet(sent, sheet))
    assert result.returncode == 0, result.stderr
    assert "1 form: 1 recorded, 0 already recorded, 5 skipped (blank), 0 refused" in \
        result.stdout
    assert reports(registry, "coop-07")[-1] == (40, "2011-12-01")


# Finding 5: small forms that take gigabytes


def _dtd(part: str, root: str) -> Callable[[dict[str, bytes]], bytes]:
    """A DTD with an entity of 100 characters, in the part, and (in the sheet) a note
    holding it 7 million times: 30 KB zipped, 700 MB expanded."""
    def build(sent: dict[str, bytes]) -> bytes:
        declared = f'<!DOCTYPE {root} [<!ENTITY e "{"A" * 100}">]>'
        if part != SHEET:
            head, end, body = sent[part].rpartition(b"?>")  # after an XML declaration
            return packed({**sent, part: head + end + declared.encode() + body})
        sheet = sheet_of(sent)
        sheet = filled(sheet, row_of(sheet, "coop-06"),
                       {**REPORT, "K": "<is><t>" + "&e;" * 7_000_000 + "</t></is>"},
                       ' t="inlineStr"')
        return with_sheet(sent, declared + sheet)
    return build


def _dtd_in_utf16(sent: dict[str, bytes]) -> bytes:
    """The same DTD in a sheet saved as UTF-16, which a byte search for ASCII misses."""
    sheet = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet [<!ENTITY e "A">]>'
    return packed({**sent, SHEET: (sheet + sheet_of(sent)).encode("utf-16")})


def _dtd_after_white_space(sent: dict[str, bytes]) -> bytes:
    """A DTD after 100 KB of white space, which XML allows before it."""
    declared = b'<!DOCTYPE styleSheet [<!ENTITY e "' + b"A" * 100 + b'">]>'
    return packed({**sent, STYLES: b" " * 100_000 + declared + sent[STYLES]})


def _wide_row(cells: int) -> Callable[[dict[str, bytes]], bytes]:
    """One row of the sheet holding `cells` empty cells."""
    def build(sent: dict[str, bytes]) -> bytes:
        sheet = sheet_of(sent)
        return with_sheet(sent, sheet.replace('<row r="5">', '<row r="5">' + "<c/>" * cells))
    return build


def _shared_strings(size: int) -> Callable[[dict[str, bytes]], bytes]:
    """Shared strings (`x`, one after another) of `size` bytes, declared in the package."""
    def build(sent: dict[str, bytes]) -> bytes:
        head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        strings = head + b"<si><t>x</t></si>" * ((size - len(head) - 6) // 17) + b"</sst>"
        types = sent[TYPES].replace(b"</Types>", (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        return packed({**sent, TYPES: types, STRINGS: strings})
    return build


def _styles(size: int) -> Callable[[dict[str, bytes]], bytes]:
    """The styles with cell formats added up to `size` bytes."""
    def build(sent: dict[str, bytes]) -> bytes:
        xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        styles = sent[STYLES].replace(b"</cellXfs>", xf * (size // len(xf)) + b"</cellXfs>")
        return packed({**sent, STYLES: styles})
    return build


def _long_note(sent: dict[str, bytes]) -> bytes:
    sheet = sheet_of(sent)
    return with_sheet(sent, filled(sheet, row_of(sheet, "coop-06"), {
        **REPORT, "K": "<is><t>" + "长" * (MAX_TEXT_CHARS + 1) + "</t></is>"},
        ' t="inlineStr"'))


def _long_tag(sent: dict[str, bytes]) -> bytes:
    """A tag of 2 MB: an element with 150,000 attributes."""
    attributes = " ".join(f'a{n}="{n}"' for n in range(150_000))
    workbook, count = re.subn(rb"<workbookPr ?/>", f"<workbookPr {attributes} />".encode(),
                              sent["xl/workbook.xml"])  # (lxml writes `<x/>`, openpyxl `<x />`)
    assert count == 1
    return packed({**sent, "xl/workbook.xml": workbook})


def _many_elements(sent: dict[str, bytes]) -> bytes:
    """Elements no part of a form has, in the workbook part openpyxl parses whole."""
    return packed({**sent, "xl/workbook.xml": sent["xl/workbook.xml"].replace(
        b"</workbook>", b"<x/>" * (MAX_XML_ELEMENTS + 1) + b"</workbook>")})


def _row_in_a_row(sent: dict[str, bytes]) -> bytes:
    """Rows no spreadsheet writes, which openpyxl and the bounds would count differently."""
    sheet = sheet_of(sent)
    return with_sheet(sent, sheet.replace('<row r="5">', '<row r="5"><row r="9" />'))


MB = 2**20
HOSTILE: list[tuple[str, Callable[[dict[str, bytes]], bytes], str]] = [
    ("entities-in-the-sheet", _dtd(SHEET, "worksheet"),
     f"the workbook's part {SHEET} holds a DTD (<!DOCTYPE or <!ENTITY); a form has none, "
     "and circletrack reads none"),
    ("entities-in-the-styles", _dtd(STYLES, "styleSheet"), f"part {STYLES} holds a DTD"),
    ("entities-in-the-package", _dtd(TYPES, "Types"), f"part {TYPES} holds a DTD"),
    ("entities-in-utf-16", _dtd_in_utf16, f"part {SHEET} holds a DTD"),
    ("entities-after-white-space", _dtd_after_white_space, f"part {STYLES} holds a DTD"),
    ("a-row-of-9.5-million-cells", _wide_row(9_500_000),
     f"the workbook's part {SHEET} unpacks to more than {MAX_XML_PART_BYTES // MB} MB; a "
     "form's is far smaller"),
    ("a-row-of-100000-cells", _wide_row(100_000),
     f"row 5 of the workbook's part {SHEET} holds more than {MAX_CELLS_PER_ROW} cells; a "
     f"spreadsheet's rows have at most {MAX_CELLS_PER_ROW}"),
    ("190-MB-of-shared-strings", _shared_strings(190 * MB),
     f"part {STRINGS} unpacks to more than {MAX_SHARED_STRINGS_BYTES // MB} MB"),
    ("15-MB-of-shared-strings", _shared_strings(15 * MB),
     f"the workbook holds more than {MAX_XML_ELEMENTS} XML elements; a form holds far fewer"),
    ("150-MB-of-styles", _styles(150 * MB),
     f"part {STYLES} unpacks to more than {MAX_STYLES_BYTES // MB} MB"),
    ("a-note-of-32768-characters", _long_note,
     f"part {SHEET} holds a text of more than {MAX_TEXT_CHARS} characters; a cell holds at "
     f"most {MAX_TEXT_CHARS}"),
    ("a-tag-of-2-MB", _long_tag,
     f"part xl/workbook.xml holds a tag, comment or text of more than "
     f"{MAX_MARKUP_BYTES // MB} MB in one piece"),
    ("too-many-elements", _many_elements, f"more than {MAX_XML_ELEMENTS} XML elements"),
    ("a-row-inside-a-row", _row_in_a_row, f"cannot read the workbook ({SHEET}: a row inside "
                                          "a row)"),
]


@pytest.mark.parametrize(("build", "message"), [(b, m) for _, b, m in HOSTILE],
                         ids=[name for name, _, _ in HOSTILE])
def test_a_form_built_to_exhaust_the_reader_is_refused_in_bounded_time_and_memory(
        sent: dict[str, bytes], tmp_path: Path, build: Callable[[dict[str, bytes]], bytes],
        message: str) -> None:
    data = build(sent)
    assert len(data) < 2 * MB  # small on disk, as in the findings
    line = refused_once(tmp_path, data)
    assert line.startswith(f"Error: {FORM}: ") and message in line, line


def test_a_real_form_reads_under_the_same_caps(sent: dict[str, bytes], tmp_path: Path) -> None:
    """The control: the form as sent, with a report, rebuilt the same way, is recorded."""
    sheet = sheet_of(sent)
    result, registry = intake(tmp_path, with_sheet(
        sent, filled(sheet, row_of(sheet, "coop-06"), REPORT)))
    assert result.returncode == 0, result.stderr
    assert reports(registry, "coop-06")[-1] == (40, "2011-12-01")
