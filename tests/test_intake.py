"""intake: filled forms back in, compared with the same reports entered by `mark`; every
bad form refused with one clear message and the registry byte for byte unchanged."""

from __future__ import annotations

import datetime as dt
import shlex
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from form_helpers import fill_csv, fill_xlsx, pin_office_today, write_forms
from write_helpers import TODAY, assert_one_line_error, invoke

from circletrack.base.errors import FieldError
from circletrack.office.formfile import Cell, date_value, progress_text, read_form, status_code
from circletrack.storage import Location, journal, load

AS_OF = "2011-12-20"
UNIT = "市交通局"
FORM = f"{UNIT}-{AS_OF}.xlsx"
SOURCE = f"{FORM} ({UNIT})"


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_office_today(monkeypatch)


@pytest.fixture
def form(shipped_copy: Path, tmp_path: Path) -> Path:
    """市交通局's form as of 2011-12-20 (coop-05 … coop-09 and coop-21)."""
    (path,) = write_forms(shipped_copy, tmp_path / "out", "--as-of", AS_OF, "--unit", UNIT)
    return path


def registry_of(path: Path):  # noqa: ANN201
    return load(Location(path, "option"))


def intake(registry: Path, *files: Path, more: tuple[str, ...] = ()):  # noqa: ANN201
    return invoke(registry, "intake", *(str(f) for f in files), *more)


#: What the unit writes, as a spreadsheet re-saved by Excel or LibreOffice hands it back:
#: whole numbers as floats, dates as serial numbers, trailing spaces, full-width digits, a
#: percentage formatted cell, labels in the other language.
FILLED = {
    "coop-06": {"new_progress": 40.0, "report_date": 40878.0,  # 2011-12-01
                "note": "主体工程开工  ", "reported_by": "王工 "},
    "coop-07": {"new_status": "已完成", "report_date": dt.datetime(2011, 12, 20)},
    "coop-05": {"new_progress": "６０％", "report_date": "2011/12/28", "note": "送审稿完成"},
    "coop-09": {"new_status": "blocked", "report_date": "40900", "note": "征地受阻"},
    "coop-21": {"new_progress": 0.3, "report_date": dt.date(2011, 11, 30)},
}
FORMATS = {("coop-21", "new_progress"): "0%"}
#: The same reports as `mark` arguments.
MARKED = [
    ("coop-06", "--progress", "40", "--date", "2011-12-01", "--note", "主体工程开工",
     "--by", "王工"),
    ("coop-07", "--status", "done", "--date", "2011-12-20", "--by", UNIT),
    ("coop-05", "--progress", "60", "--date", "2011-12-28", "--note", "送审稿完成", "--by", UNIT),
    ("coop-09", "--status", "blocked", "--date", "2011-12-23", "--note", "征地受阻", "--by", UNIT),
    ("coop-21", "--progress", "30", "--date", "2011-11-30", "--by", UNIT),
]


def test_a_filled_form_records_what_mark_would(form: Path, shipped_copy: Path,
                                                tmp_path: Path) -> None:
    fill_xlsx(form, FILLED, formats=FORMATS)
    by_mark = tmp_path / "by-mark.toml"
    shutil.copyfile(shipped_copy, by_mark)
    result = intake(shipped_copy, form)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().endswith(
        f"1 form: 5 recorded, 0 already recorded, 1 skipped (blank), 0 refused; wrote "
        f"{shipped_copy}")
    for args in MARKED:
        marked = invoke(by_mark, "mark", *args, "--source", SOURCE)
        assert marked.exit_code == 0, marked.stderr
    # the same items; and the form, on record since `forms` wrote it, is back (only
    # intake knows that)
    assert registry_of(shipped_copy).items == registry_of(by_mark).items
    (sent,) = registry_of(by_mark).forms
    (back,) = registry_of(shipped_copy).forms
    assert (sent.returned, sent.rows) == (None, None)
    assert back == replace(sent, returned=TODAY, rows=5)
    report = registry_of(shipped_copy).get("coop-06").history[-1]
    assert (report.date, report.progress, report.status, report.note, report.by,
            report.source) == (dt.date(2011, 12, 1), 40, "in_progress", "主体工程开工",
                               "王工", SOURCE)


def test_reading_the_same_form_twice_records_nothing_new(form: Path,
                                                         shipped_copy: Path) -> None:
    fill_xlsx(form, FILLED, formats=FORMATS)
    assert intake(shipped_copy, form).exit_code == 0
    after = shipped_copy.read_bytes()
    again = intake(shipped_copy, form)
    assert again.exit_code == 0, again.stderr
    assert "nothing new to record (0 recorded, 5 already recorded, 1 skipped (blank), " \
           "0 refused); the registry is unchanged" in again.stdout
    assert again.stdout.count("already recorded") == 6  # five rows and the summary
    assert shipped_copy.read_bytes() == after
    assert len(journal.entries(shipped_copy)) == 2  # the forms on record, the intake


def test_undo_takes_a_whole_intake_back(form: Path, shipped_copy: Path) -> None:
    before = shipped_copy.read_bytes()
    fill_xlsx(form, FILLED, formats=FORMATS)
    assert intake(shipped_copy, form).exit_code == 0
    assert journal.entries(shipped_copy)[-1].label == f"circletrack intake {shlex.quote(str(form))}"
    undone = invoke(shipped_copy, "undo")
    assert undone.exit_code == 0, undone.stderr
    assert shipped_copy.read_bytes() == before


def test_dry_run_shows_the_table_and_writes_nothing(form: Path, shipped_copy: Path) -> None:
    before = shipped_copy.read_bytes()
    fill_xlsx(form, FILLED, formats=FORMATS)
    result = intake(shipped_copy, form, more=("--dry-run",))
    assert result.exit_code == 0, result.stderr
    assert f"{FORM}: 5 filled rows" in result.stdout
    assert "主体工程开工" in result.stdout and "王工" in result.stdout  # note, by
    assert "planned — → in progress 60%" in result.stdout  # coop-05
    # coop-06 follows its road, done since 2018: a 2011 report is history, it stays done
    assert "stays done 100%" in result.stdout
    assert "5 to record, 0 already recorded, 1 skipped (blank), 0 refused; dry run, nothing " \
           "written" in result.stdout
    assert shipped_copy.read_bytes() == before
    assert len(journal.entries(shipped_copy)) == 1  # the forms on record only


def test_a_form_written_in_chinese_reads_back_in_english_and_the_other_way(
        shipped_copy: Path, tmp_path: Path) -> None:
    chinese = invoke(shipped_copy, "--lang", "zh", "forms", str(tmp_path / "zh"), "--as-of",
                     AS_OF, "--unit", UNIT)
    assert chinese.exit_code == 0
    path = tmp_path / "zh" / FORM
    fill_xlsx(path, {"coop-07": {"new_status": "in progress", "new_progress": 50,
                                 "report_date": dt.date(2011, 12, 2)}})
    assert intake(shipped_copy, path).exit_code == 0
    (english,) = write_forms(shipped_copy, tmp_path / "en", "--as-of", AS_OF, "--unit", UNIT)
    fill_xlsx(english, {"coop-08": {"new_status": "进行中", "report_date": dt.date(2011, 12, 3)}})
    result = invoke(shipped_copy, "--lang", "zh", "intake", str(english))
    assert result.exit_code == 0, result.stderr
    registry = registry_of(shipped_copy)
    assert registry.get("coop-07").history[-1].progress == 50
    assert registry.get("coop-08").history[-1].status == "in_progress"


def test_csv_forms_round_trip_as_excel_saves_them(shipped_copy: Path, tmp_path: Path) -> None:
    (path,) = write_forms(shipped_copy, tmp_path / "out", "--as-of", AS_OF, "--unit", UNIT,
                          "--format", "csv")
    # Excel on a Chinese Windows saves CSV in GBK; a European one uses semicolons.
    other = fill_csv(path, {"coop-07": {"new_status": "done", "report_date": "2011-12-20"}},
                     out=tmp_path / "semicolons.csv", delimiter=";")
    # "Unicode": UTF-16 with a BOM, tab-separated, as Excel's Unicode Text saves it
    unicode_text = fill_csv(path, {"coop-08": {"new_status": "blocked", "note": "征地受阻",
                                               "report_date": "2011年12月5日"}},
                            out=tmp_path / "unicode.txt", encoding="utf-16", delimiter="\t")
    assert unicode_text.read_bytes()[:2] == b"\xff\xfe"
    fill_csv(path, {"coop-06": {"new_progress": "40", "report_date": "2011/12/1",
                                "note": "主体工程开工"}}, encoding="gb18030")
    result = intake(shipped_copy, path, other, unicode_text)
    assert result.exit_code == 0, result.stderr
    assert "3 forms: 3 recorded" in result.stdout
    registry = registry_of(shipped_copy)
    assert registry.get("coop-06").history[-1].source == f"{path.name} ({UNIT})"
    assert registry.get("coop-07").status == "done"
    assert registry.get("coop-08").history[-1].note == "征地受阻"


# One clear message per problem, nothing written


def refused(registry: Path, *files: Path) -> str:
    """Run intake, check it refused with one line and left the registry as it was."""
    before, written = registry.read_bytes(), len(journal.entries(registry))
    result = intake(registry, *files)
    line = assert_one_line_error(result, 1)
    assert registry.read_bytes() == before
    assert len(journal.entries(registry)) == written
    assert "nothing written" in result.stdout or not result.stdout
    return line


@pytest.mark.parametrize(("row", "message"), [
    ({"new_status": "finished", "report_date": "2011-12-01"},
     "row 4, column H (New status): unknown status 'finished'; use one of planned, "
     "in progress, done, blocked, cancelled"),
    ({"new_progress": 150, "report_date": "2011-12-01"},
     "row 4, column I (New progress): must be a whole number from 0 to 100, got '150'"),
    ({"new_progress": 40.5, "report_date": "2011-12-01"},
     "row 4, column I (New progress): must be a whole number from 0 to 100, got '40.5'"),
    ({"new_progress": -5, "report_date": "2011-12-01"},
     "row 4, column I (New progress): must be a whole number from 0 to 100, got '-5'"),
    ({"new_progress": 40, "report_date": dt.date(2030, 1, 1)},
     "row 4, column J (Date of the report): 2030-01-01 is in the future"),
    ({"new_progress": 40, "report_date": dt.date(2010, 1, 1)},
     "row 4, column J (Date of the report): 2010-01-01 is before coop-06 was recorded "
     "(2011-02-18)"),
    ({"new_progress": 40},
     "row 4, column J (Date of the report): a filled row needs the date of the report"),
    ({"new_status": "done", "new_progress": 80, "report_date": "2011-12-01"},
     "row 4, column I (New progress): a report of done must be at 100%, found 80%"),
    ({"reported_by": "王工", "report_date": "2011-12-01"},
     "row 4: the row has no new status, progress or note"),
])
def test_a_bad_cell_is_named_by_file_sheet_row_and_column(form: Path, shipped_copy: Path,
                                                          row: dict, message: str) -> None:
    fill_xlsx(form, {"coop-06": row, "coop-07": {"new_progress": 10,
                                                 "report_date": "2011-12-01"}})
    line = refused(shipped_copy, form)
    assert line.startswith(f"Error: {FORM}, sheet Progress report, ")
    assert message in line


def test_progress_going_backwards_needs_a_note(form: Path, shipped_copy: Path,
                                               tmp_path: Path) -> None:
    fill_xlsx(form, {"coop-06": {"new_progress": 40, "report_date": "2011-12-01"}})
    assert intake(shipped_copy, form).exit_code == 0
    journal_before = len(journal.entries(shipped_copy))
    later = fill_xlsx(form, {"coop-06": {"new_progress": 20, "report_date": "2011-12-20"}},
                      out=tmp_path / FORM)
    before = shipped_copy.read_bytes()
    line = assert_one_line_error(intake(shipped_copy, later), 1)
    assert shipped_copy.read_bytes() == before
    assert len(journal.entries(shipped_copy)) == journal_before
    assert ("row 4, column K (Note): progress 20 is below the 40% reported as of 2011-12-20; "
            "a note must say why") in line


def test_an_edited_id_is_caught(form: Path, shipped_copy: Path) -> None:
    from openpyxl import load_workbook

    fill_xlsx(form, {"coop-06": {"new_progress": 40, "report_date": "2011-12-01"}})
    workbook = load_workbook(form)
    workbook.worksheets[0]["A4"] = "coop-6"
    workbook.save(form)
    line = refused(shipped_copy, form)
    assert "row 4, column A (ID): the ID was changed: this row was sent for coop-06" in line


def test_a_renamed_sheet_is_caught(form: Path, shipped_copy: Path) -> None:
    from openpyxl import load_workbook

    fill_xlsx(form, {"coop-06": {"new_progress": 40, "report_date": "2011-12-01"}})
    workbook = load_workbook(form)
    workbook.worksheets[0].title = "Sheet1"
    workbook.save(form)
    line = refused(shipped_copy, form)
    assert line == (f"Error: {FORM}: no sheet named 'Progress report': was the form's sheet "
                    "renamed? It must keep its name (the workbook has: Sheet1)")


def test_a_row_of_another_units_item_is_refused(shipped_copy: Path, tmp_path: Path) -> None:
    (path,) = write_forms(shipped_copy, tmp_path / "out", "--as-of", AS_OF, "--unit", UNIT,
                          "--format", "csv")
    text = path.read_text(encoding="utf-8-sig").replace("coop-06,", "coop-23,")
    path.write_text(text, encoding="utf-8-sig")
    fill_csv(path, {"coop-23": {"new_progress": "40", "report_date": "2011-12-01"}})
    line = refused(shipped_copy, path)
    assert line == (f"Error: {path.name}, row 4, column A (ID): coop-23 is not an item of "
                    f"{UNIT} (its units: 市教育局); it goes on its own unit's form")


def test_an_unknown_id_is_refused(shipped_copy: Path, tmp_path: Path) -> None:
    (path,) = write_forms(shipped_copy, tmp_path / "out", "--as-of", AS_OF, "--unit", UNIT,
                          "--format", "csv")
    path.write_text(path.read_text(encoding="utf-8-sig").replace("coop-06,", "coop-99,"),
                    encoding="utf-8-sig")
    fill_csv(path, {"coop-99": {"new_progress": "40", "report_date": "2011-12-01"}})
    line = refused(shipped_copy, path)
    assert line == f"Error: {path.name}, row 4, column A (ID): no item 'coop-99' in the registry"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("report.pdf", b"%PDF-1.4", "not a form: intake reads the .xlsx and .csv files"),
    ("form.xlsx", b"ID,Title\n", "not an .xlsx workbook (an .xlsx file is a zip archive"),
    ("form.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
     "an Excel 97–2003 workbook (.xls) named .xlsx"),
    ("form.csv", b"\x00\x01\x02binary", "not a text file (it holds NUL bytes)"),
    ("form.csv", "名称,完成时限\n".encode(), "no header row with an 'ID' column"),
])
def test_a_wrong_file_type_is_refused(shipped_copy: Path, tmp_path: Path, name: str,
                                      data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    line = refused(shipped_copy, path)
    assert line.startswith(f"Error: {name}: ") and message in line


def test_a_truncated_workbook_is_refused(form: Path, shipped_copy: Path) -> None:
    fill_xlsx(form, {"coop-06": {"new_progress": 40, "report_date": "2011-12-01"}})
    form.write_bytes(form.read_bytes()[: len(form.read_bytes()) // 2])
    line = refused(shipped_copy, form)
    assert line.startswith(f"Error: {FORM}: the workbook is damaged or incomplete")


def _compressed_with_deflate64(data: bytearray) -> None:
    for header, at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # local, central
        start = data.find(header) + at
        data[start:start + 2] = (9).to_bytes(2, "little")


def _locked_with_a_password(data: bytearray) -> None:
    for header, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the flags' first bit
        data[data.find(header) + at] |= 1


@pytest.mark.parametrize(("change", "detail"), [
    (_compressed_with_deflate64, "That compression method is not supported"),
    (_locked_with_a_password, "is encrypted, password required"),
])
def test_a_workbook_python_cannot_unpack_is_refused_in_one_line(
        form: Path, shipped_copy: Path, change: Any, detail: str) -> None:
    """Its first part compressed with deflate64 (which Python does not read), or locked
    with a password: said in one line, not a traceback."""
    data = bytearray(form.read_bytes())
    change(data)
    form.write_bytes(bytes(data))
    line = refused(shipped_copy, form)
    assert line.startswith(f"Error: {FORM}: the workbook is damaged or incomplete") and \
        detail in line, line


def test_a_zip_that_is_no_workbook_is_refused(shipped_copy: Path, tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    line = refused(shipped_copy, path)
    assert line.startswith("Error: letter.xlsx: cannot read the workbook (")


def test_every_problem_gets_its_own_line_and_nothing_is_written(form: Path,
                                                                 shipped_copy: Path) -> None:
    fill_xlsx(form, {"coop-06": {"new_progress": 150, "report_date": "2011-12-01"},
                     "coop-07": {"new_status": "??", "report_date": "2030-01-01"},
                     "coop-08": {"new_progress": 20, "report_date": "2011-12-01"}})
    before = shipped_copy.read_bytes()
    result = intake(shipped_copy, form)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all(line.startswith("Error: ") for line in lines)
    assert "row 4, column I" in lines[0] and "row 5, column H" in lines[1] \
        and "row 5, column J" in lines[2]
    assert "1 to record, 0 already recorded, 3 skipped (blank), 2 refused; nothing written" \
        in result.stdout
    assert shipped_copy.read_bytes() == before


def test_intake_usage(shipped_copy: Path, tmp_path: Path) -> None:
    assert invoke(shipped_copy, "intake").exit_code == 2
    missing = invoke(shipped_copy, "intake", str(tmp_path / "nothing.xlsx"))
    assert "no such file" in assert_one_line_error(missing, 1)


def test_a_read_only_registry_is_refused_before_the_forms_are_checked(
        form: Path, shipped_copy: Path) -> None:
    fill_xlsx(form, {"coop-06": {"new_progress": 40, "report_date": "2011-12-01"}})
    shipped_copy.chmod(0o444)
    try:
        line = assert_one_line_error(intake(shipped_copy, form), 1)
        assert "registry is read-only" in line
        dry = intake(shipped_copy, form, more=("--dry-run",))
        assert dry.exit_code == 0 and "1 to record" in dry.stdout
    finally:
        shipped_copy.chmod(0o644)


# The cell readers, one by one


@pytest.mark.parametrize(("cell", "expected"), [
    (Cell(40), "40"), (Cell(40.0), "40"), (Cell("40"), "40"), (Cell(" 40 % "), "40%"),
    (Cell("４０"), "40"), (Cell("40.0"), "40"), (Cell(0.4, "0%"), "40"),
    (Cell(0.4, "0.00%"), "40"), (Cell(40, '0"%"'), "40"), (Cell(None), None), (Cell("  "), None),
])
def test_progress_cells(cell: Cell, expected: str | None) -> None:
    assert progress_text(cell) == expected


@pytest.mark.parametrize(("cell", "expected"), [
    (Cell(dt.datetime(2024, 5, 1)), dt.date(2024, 5, 1)),
    (Cell(dt.date(2024, 5, 1)), dt.date(2024, 5, 1)),
    (Cell(45413.0), dt.date(2024, 5, 1)), (Cell(45413), dt.date(2024, 5, 1)),
    (Cell("45413"), dt.date(2024, 5, 1)), (Cell("2024/5/1"), dt.date(2024, 5, 1)),
    (Cell("２０２４－０５－０１"), dt.date(2024, 5, 1)),
    (Cell("2024年5月1日"), dt.date(2024, 5, 1)),
    # LibreOffice's Chinese short date, as it saves a CSV: the year nearest today's (2024)
    (Cell("11年12月1日"), dt.date(2011, 12, 1)), (Cell("24年6月1日"), dt.date(2024, 6, 1)),
    (Cell("２４年 12 月 31 日"), dt.date(2024, 12, 31)), (Cell("25年1月1日"), dt.date(2025, 1, 1)),
    (Cell("74年1月1日"), dt.date(1974, 1, 1)), (Cell("73年1月1日"), dt.date(2073, 1, 1)),
    (Cell(None), None),
])
def test_date_cells(cell: Cell, expected: dt.date | None) -> None:
    assert date_value(cell, TODAY) == expected


@pytest.mark.parametrize("text", ["11年2月30日", "2011年13月1日", "1年12月1日", "11年12月"])
def test_impossible_or_short_dates_are_refused(text: str) -> None:
    with pytest.raises(FieldError, match="as a date"):
        date_value(Cell(text), TODAY)


@pytest.mark.parametrize(("text", "code"), [
    ("in progress", "in_progress"), ("in_progress", "in_progress"), ("进行中", "in_progress"),
    ("Done ", "done"), ("已完成", "done"), ("受阻", "blocked"),
])
def test_status_cells(text: str, code: str) -> None:
    assert status_code(Cell(text)) == code


def test_a_form_is_read_from_bytes_without_a_registry(form: Path) -> None:
    read = read_form(form.name, form.read_bytes())
    assert (read.unit, read.sheet, read.problems) == (UNIT, "Progress report", [])
    assert [r.item_id for r in read.rows] == ["coop-05", "coop-06", "coop-07", "coop-08",
                                              "coop-09", "coop-21"]
    assert not any(r.filled for r in read.rows)


def test_the_docs_filled_forms_are_what_the_script_makes(tmp_path: Path) -> None:
    from doc_forms import FILES, build
    from form_helpers import calamine_sheets

    for name, fresh in build(tmp_path).items():
        assert calamine_sheets(FILES / name) == calamine_sheets(fresh), (
            f"docs/commands/files/{name} is stale: run python tests/doc_forms.py")


def test_every_problem_of_a_row_is_said_in_one_round(form: Path, shipped_copy: Path) -> None:
    """A changed id, progress 150, status `finished` and a date in the future: four lines,
    each with its row and column, and nothing written."""
    from openpyxl import load_workbook

    fill_xlsx(form, {"coop-05": {"new_progress": 150, "new_status": "finished",
                                 "report_date": "2199-01-01"}})
    workbook = load_workbook(form)
    sheet = workbook.worksheets[0]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "coop-05")
    sheet.cell(row, 1).value = "coop-5"
    workbook.save(form)
    before = shipped_copy.read_bytes()
    result = intake(shipped_copy, form)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 4, lines
    assert f"row {row}, column A (ID): the ID was changed: this row was sent for coop-05" \
        in lines[0]
    assert f"row {row}, column H (New status): unknown status 'finished'" in lines[1]
    assert f"row {row}, column I (New progress): must be a whole number from 0 to 100" in lines[2]
    assert f"row {row}, column J (Date of the report): 2199-01-01 is in the future" in lines[3]
    assert shipped_copy.read_bytes() == before
