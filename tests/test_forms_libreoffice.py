"""forms and intake through a real LibreOffice Calc: a unit's form opened, typed into cell
by cell as a person types, saved as .xlsx, .xls or CSV, and read back by intake, which
must record exactly what it records from the same values written with openpyxl.

LibreOffice runs headless with a throwaway profile in a Chinese (zh-CN) locale, as in
the units' offices; a Basic macro (libreoffice_fill.bas) moves the cell cursor and enters
the text as the keyboard does, so Calc recognises dates, numbers and percentages as it
does for a person (it does not run the sheet's data validation, which a person's typing
meets). The module starts LibreOffice twice: once to set up the profile (LibreOffice
replaces the macros of a profile it did not set up itself), once to do every file.
Skipped when `soffice` is not installed (Debian: libreoffice-calc-nogui; .ci/run installs
it when it can).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from form_helpers import (
    POSITION,
    calamine_visibility,
    csv_grid,
    fill_csv,
    fill_xlsx,
    pin_office_today,
    write_forms,
)
from test_intake import FILLED, FORMATS
from write_helpers import ROOT, assert_one_line_error, invoke

from circletrack.office.formfile import is_percent_format, progress_text, read_form
from circletrack.office.forms import META_SHEET
from circletrack.storage import Location, load

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (`soffice`, Debian package libreoffice-calc-nogui) "
                            "is not installed")

SHIPPED = ROOT / "data" / "projects.toml"
MACRO = Path(__file__).with_name("libreoffice_fill.bas")
AS_OF = "2011-12-20"
UNIT = "市交通局"
FORM = f"{UNIT}-{AS_OF}.xlsx"
CSV_FORM = f"{UNIT}-{AS_OF}.csv"
XLSX_FILTER, XLS_FILTER = "Calc MS Excel 2007 XML", "MS Excel 97"
CSV_FILTER = "Text - txt - csv (StarCalc)"
#: CSV filter options: field separator and text quote (character codes), character set
#: (LibreOffice's numbers: 76 UTF-8, 67 GBK, 65535 UTF-16 "Unicode"), first line.
CSV_OPEN = "44,34,76,1"
CSV_SAVES = {"utf8": "44,34,76,1", "gbk": "44,34,67,1", "utf16": "44,34,65535,1",
             "semicolons": "59,34,76,1"}
#: Seconds a LibreOffice run may take (about 3 here) before it is killed.
TIMEOUT = 180

#: What the unit types into the yellow cells: dates in the ways a Chinese user types them,
#: a status in either language.
TYPED = {
    "coop-06": {"new_progress": "40", "report_date": "2011/12/1", "note": "主体工程开工",
                "reported_by": "王工"},
    "coop-07": {"new_status": "已完成", "report_date": "2011-12-20"},
    "coop-05": {"new_progress": "60", "report_date": "2011年12月28日", "note": "送审稿完成"},
    "coop-09": {"new_status": "blocked", "report_date": "２０１１－１２－２３", "note": "征地受阻"},
    "coop-21": {"new_progress": "30", "report_date": "2011-11-30"},
}
#: The same as the values openpyxl writes (how the forms were tested before).
VALUES: dict[str, dict[str, Any]] = {
    "coop-06": {"new_progress": 40, "report_date": dt.date(2011, 12, 1), "note": "主体工程开工",
                "reported_by": "王工"},
    "coop-07": {"new_status": "已完成", "report_date": dt.date(2011, 12, 20)},
    "coop-05": {"new_progress": 60, "report_date": dt.date(2011, 12, 28), "note": "送审稿完成"},
    "coop-09": {"new_status": "blocked", "report_date": dt.date(2011, 12, 23), "note": "征地受阻"},
    "coop-21": {"new_progress": 30, "report_date": dt.date(2011, 11, 30)},
}
#: The same as text in a CSV.
TEXTS = {item: {name: v.isoformat() if isinstance(v, dt.date) else str(v)
                for name, v in cells.items()} for item, cells in VALUES.items()}
SUMMARY = "1 form: 5 recorded, 0 already recorded, 1 skipped (blank), 0 refused"
#: Formulas a program writes into the unit's cells (openpyxl saves no value with them), and
#: what they come to once a spreadsheet computes them; `=""` comes to an empty cell.
FORMULAS = {"coop-06": {"new_progress": "=20*2", "report_date": "=DATE(2011,12,1)",
                        "note": '=IF(1>0,"主体工程开工","")'},
            "coop-07": {"note": '=""'}}
COMPUTED = {"coop-06": {"new_progress": 40, "report_date": dt.date(2011, 12, 1),
                        "note": "主体工程开工"}}


class Calc:
    """What the module's LibreOffice run made: `path(kind)` is a file it saved, `forms`
    the forms as `forms` wrote them, `log` what the macro did."""

    def __init__(self, folder: Path, forms: dict[str, Path], log: str) -> None:
        self.folder, self.forms, self.log = folder, forms, log

    def path(self, kind: str, name: str = FORM) -> Path:
        return self.folder / kind / name


def _item_rows(path: Path) -> dict[str, int]:
    """{id: row number} of a form's item rows."""
    if path.suffix == ".csv":
        return {line[0]: number for number, line in enumerate(csv_grid(path), 1) if line}
    from openpyxl import load_workbook

    sheet = load_workbook(path).worksheets[0]
    return {sheet.cell(row, 1).value: row for row in range(1, sheet.max_row + 1)}


def _typing(path: Path, typed: dict[str, dict[str, str]]) -> list[str]:
    """The macro's `type` commands that fill `typed` into the form at `path`."""
    from openpyxl.utils import get_column_letter

    rows = _item_rows(path)
    return [f"type\t{get_column_letter(POSITION[name])}{rows[item]}\t{text}"
            for item, cells in typed.items() for name, text in cells.items()]


def _soffice(folder: Path, *args: str) -> None:
    """Run soffice headless with the module's profile; killed (its whole process group)
    after TIMEOUT seconds."""
    assert SOFFICE is not None
    env = {**os.environ, "HOME": str(folder), "CIRCLETRACK_LO_JOB": str(folder / "job.txt")}
    command = [SOFFICE, f"-env:UserInstallation={(folder / 'profile').as_uri()}",
               "--headless", "--norestore", *args]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"LibreOffice did not finish in {TIMEOUT} s: "
                    f"{output.decode(errors='replace')}")
    assert process.returncode == 0, output.decode(errors="replace")


def _set_up_profile(folder: Path) -> None:
    """A profile of LibreOffice's own making, with the macro as Standard.Module1 and a
    Chinese locale (zh-CN: how Calc reads a typed date or number)."""
    _soffice(folder, "--terminate_after_init")
    user = folder / "profile" / "user"
    module = user / "basic" / "Standard" / "Module1.xba"
    assert module.is_file(), f"LibreOffice set up no profile in {user}"
    module.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC '
        '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n<script:module '
        'xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
        'script:language="StarBasic">' + escape(MACRO.read_text(encoding="utf-8"),
                                                {'"': "&quot;"}) + "</script:module>\n",
        encoding="utf-8")
    settings = user / "registrymodifications.xcu"
    locale = ('<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name='
              '"ooSetupSystemLocale" oor:op="fuse"><value>zh-CN</value></prop></item>\n')
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("</oor:items>", locale + "</oor:items>"),
                        encoding="utf-8")


@pytest.fixture(scope="module")
def calc(tmp_path_factory: pytest.TempPathFactory) -> Calc:
    """The forms of 市交通局, filled and saved by one LibreOffice run."""
    folder = tmp_path_factory.mktemp("libreoffice")
    registry = folder / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    (english,) = write_forms(registry, folder / "en", "--as-of", AS_OF, "--unit", UNIT)
    chinese = invoke(registry, "--lang", "zh", "forms", str(folder / "zh"), "--as-of", AS_OF,
                     "--unit", UNIT)
    assert chinese.exit_code == 0, chinese.stderr
    (csv_form,) = write_forms(registry, folder / "csv", "--as-of", AS_OF, "--unit", UNIT,
                              "--format", "csv")
    (folder / "filled").mkdir()
    filled = fill_xlsx(english, FILLED, out=folder / "filled" / FORM, formats=FORMATS)
    (folder / "formulas").mkdir()
    formulas = fill_xlsx(english, FORMULAS, out=folder / "formulas" / FORM)
    (folder / "to-edit").mkdir()
    to_edit = Path(shutil.copy(english, folder / "to-edit" / FORM))
    forms = {"en": english, "zh": folder / "zh" / FORM, "csv": csv_form}
    kinds = ["typed-en", "typed-zh", "xls", "resaved", "edited", "formulas-resaved",
             *(f"csv-{k}" for k in CSV_SAVES)]
    for kind in kinds:
        (folder / kind).mkdir()

    def save(kind: str, name: str = FORM, fmt: str = XLSX_FILTER, options: str = "") -> str:
        return "\t".join(["save", str(folder / kind / name), fmt,
                          *([options] if options else [])])

    edited_row = _item_rows(to_edit)["coop-06"]
    job = [
        f"open\t{english}", *_typing(english, TYPED), save("typed-en"),
        save("xls", FORM.replace(".xlsx", ".xls"), XLS_FILTER), "close",
        f"open\t{forms['zh']}", *_typing(forms["zh"], TYPED), save("typed-zh"), "close",
        f"open\t{filled}", save("resaved"), "close",
        f"open\t{formulas}", save("formulas-resaved"), "close",
        # the unit lifts the protection (it has no password) and types over an id
        f"open\t{to_edit}", "unprotect", f"type\tA{edited_row}\tcoop-6",
        f"type\tI{edited_row}\t40", f"type\tJ{edited_row}\t2011-12-01", save("edited"), "close",
        f"open\t{csv_form}\t{CSV_FILTER}\t{CSV_OPEN}", *_typing(csv_form, TYPED),
        *(save(f"csv-{k}", CSV_FORM, CSV_FILTER, o) for k, o in CSV_SAVES.items()), "close",
    ]
    (folder / "job.txt").write_text("\n".join(job) + "\n", encoding="utf-8")
    _set_up_profile(folder)
    _soffice(folder, "vnd.sun.star.script:Standard.Module1.Run?language=Basic&"
                     "location=application")
    log_file = folder / "job.txt.log"
    assert log_file.is_file(), "LibreOffice did not run the macro"
    log = log_file.read_text(encoding="utf-8")
    assert log.rstrip().endswith("done"), log
    return Calc(folder, forms, log)


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_office_today(monkeypatch)


def recorded(tmp_path: Path, name: str, *files: Path) -> bytes:
    """Intake of `files` into a fresh copy of the shipped registry: the registry after."""
    registry = tmp_path / f"{name}.toml"
    shutil.copyfile(SHIPPED, registry)
    result = invoke(registry, "intake", *(str(f) for f in files))
    assert result.exit_code == 0, result.stderr
    assert SUMMARY in result.stdout, result.stdout
    return registry.read_bytes()


def refused(tmp_path: Path, path: Path) -> str:
    """Intake of `path` refused with one line, the registry unchanged: that line."""
    registry = tmp_path / "refused.toml"
    shutil.copyfile(SHIPPED, registry)
    line = assert_one_line_error(invoke(registry, "intake", str(path)), 1)
    assert registry.read_bytes() == SHIPPED.read_bytes()
    return line


# What intake records


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_form_typed_in_calc_records_what_the_same_values_written_by_openpyxl_record(
        calc: Calc, tmp_path: Path, language: str) -> None:
    (tmp_path / "openpyxl").mkdir()
    twin = fill_xlsx(calc.forms[language], VALUES, out=tmp_path / "openpyxl" / FORM)
    typed = recorded(tmp_path, "typed", calc.path(f"typed-{language}"))
    assert typed == recorded(tmp_path, "openpyxl", twin)
    report = load(Location(tmp_path / "typed.toml", "option")).get("coop-06").history[-1]
    assert (report.date, report.status, report.progress, report.note, report.by,
            report.source) == (dt.date(2011, 12, 1), "in_progress", 40, "主体工程开工", "王工",
                               f"{FORM} ({UNIT})")


def test_a_form_filled_by_openpyxl_and_resaved_by_calc_records_the_same(
        calc: Calc, tmp_path: Path) -> None:
    """test_intake's FILLED: floats, serial numbers, a 0% cell, text dates, trailing spaces."""
    (tmp_path / "openpyxl").mkdir()
    only_openpyxl = Path(shutil.copy(calc.folder / "filled" / FORM, tmp_path / "openpyxl"))
    assert recorded(tmp_path, "resaved", calc.path("resaved")) == \
        recorded(tmp_path, "openpyxl", only_openpyxl)


def test_formulas_a_program_wrote_are_refused_until_calc_saves_their_values(
        calc: Calc, tmp_path: Path) -> None:
    """openpyxl saves a formula without its value (intake would read it as blank); Calc
    computes it and saves the value beside it, which intake then reads."""
    written = calc.folder / "formulas" / FORM
    rows = _item_rows(written)
    registry = tmp_path / "formulas.toml"
    shutil.copyfile(SHIPPED, registry)
    result = invoke(registry, "intake", str(written))
    assert result.exit_code == 1 and registry.read_bytes() == SHIPPED.read_bytes()
    places = [line.split(": ", 2)[1] for line in result.stderr.splitlines()]
    assert places == [f"{FORM}, sheet Progress report, row {rows[item]}, column {column}"
                      for item, column in [("coop-06", "I (New progress)"),
                                           ("coop-06", "J (Date of the report)"),
                                           ("coop-06", "K (Note)"), ("coop-07", "K (Note)")]]
    assert all("formula saved without its value" in line
               for line in result.stderr.splitlines())
    (tmp_path / "values").mkdir()
    twin = fill_xlsx(calc.forms["en"], COMPUTED, out=tmp_path / "values" / FORM)
    computed, values = (tmp_path / "computed.toml", tmp_path / "values.toml")
    for target, form in ((computed, calc.path("formulas-resaved")), (values, twin)):
        shutil.copyfile(SHIPPED, target)
        result = invoke(target, "intake", str(form))
        assert result.exit_code == 0, result.stderr
        assert "1 form: 1 recorded, 0 already recorded, 5 skipped (blank), 0 refused" in \
            result.stdout
    assert computed.read_bytes() == values.read_bytes()


@pytest.mark.parametrize("encoding", list(CSV_SAVES))
def test_a_csv_form_typed_in_calc_reads_in_each_encoding_it_saves(
        calc: Calc, tmp_path: Path, encoding: str) -> None:
    (tmp_path / "text").mkdir()
    twin = fill_csv(calc.forms["csv"], TEXTS, out=tmp_path / "text" / CSV_FORM)
    assert recorded(tmp_path, "typed", calc.path(f"csv-{encoding}", CSV_FORM)) == \
        recorded(tmp_path, "text", twin)


# What Calc does to the files


def test_calc_saves_a_csv_as_shown_a_chinese_date_with_a_two_digit_year(calc: Calc) -> None:
    """Why intake reads 11年12月1日: a zh-CN Calc shows a typed 2011/12/1 so, and saves it
    so; no byte-order mark in UTF-8; GBK and UTF-16 as asked."""
    data = {k: calc.path(f"csv-{k}", CSV_FORM).read_bytes() for k in CSV_SAVES}
    assert "11年12月1日" in data["utf8"].decode("utf-8")
    assert not data["utf8"].startswith(b"\xef\xbb\xbf")
    assert "11年12月1日" in data["gbk"].decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data["gbk"].decode("utf-8")
    assert data["utf16"].startswith(b"\xff\xfe")
    assert data["semicolons"].decode("utf-8").splitlines()[1].startswith('"ID";"Title";')


def _validations(sheet: Any) -> list[tuple[Any, ...]]:
    # LibreOffice gives a list an operator and a second formula ("between", 0): unused.
    return sorted((v.type, v.formula1, None if v.type == "list" else v.operator,
                   None if v.type == "list" else v.formula2, str(v.sqref), v.allow_blank,
                   v.showErrorMessage, v.showInputMessage, v.errorTitle, v.error,
                   v.promptTitle, v.prompt) for v in sheet.data_validations.dataValidation)


def _unlocked(sheet: Any) -> set[str]:
    return {c.coordinate for row in sheet.iter_rows() for c in row if not c.protection.locked}


def _values(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("kind", ["typed-en", "resaved"])
def test_calc_keeps_the_hidden_sheet_the_checks_and_the_protection(calc: Calc,
                                                                  kind: str) -> None:
    from openpyxl import load_workbook

    sent, saved = load_workbook(calc.forms["en"]), load_workbook(calc.path(kind))
    assert saved.sheetnames == sent.sheetnames == ["Progress report", META_SHEET]
    hidden, was = saved[META_SHEET], sent[META_SHEET]
    # LibreOffice 7.4 has no "very hidden": it saves the sheet as hidden (a unit could show
    # it; it stays protected, and intake compares the ids all the same).
    assert hidden.sheet_state in ("hidden", "veryHidden")
    assert calamine_visibility(calc.path(kind))[META_SHEET] in ("hidden", "veryhidden")
    assert _values(hidden) == _values(was) and hidden.protection.sheet
    form, original = saved.worksheets[0], sent.worksheets[0]
    assert form.protection.sheet
    assert not form.protection.formatColumns and not form.protection.formatRows
    assert _unlocked(form) == _unlocked(original) and len(_unlocked(form)) == 6 * 5
    assert _validations(form) == _validations(original) and len(_validations(form)) == 3


def test_dates_typed_in_calc_are_date_cells_and_progress_whole_numbers(calc: Calc) -> None:
    path = calc.path("typed-en")
    form = read_form(path.name, path.read_bytes())
    assert form.problems == []
    cells = {r.item_id: r.cells for r in form.rows}
    for item, values in VALUES.items():
        date = cells[item]["report_date"]
        assert isinstance(date.value, dt.datetime), (item, date)
        assert date.value.date() == values["report_date"]
        if "new_progress" in values:
            progress = cells[item]["new_progress"]
            # the form's 0"%" comes back as 0\%: still a whole number, not a fraction
            assert progress.value == values["new_progress"] and isinstance(progress.value, int)
            assert progress.number_format == '0\\%' and not is_percent_format(
                progress.number_format)
            assert progress_text(progress) == str(values["new_progress"])


def test_an_id_typed_over_in_calc_is_still_caught(calc: Calc, tmp_path: Path) -> None:
    line = refused(tmp_path, calc.path("edited"))
    assert line == (f"Error: {FORM}, sheet Progress report, row 4, column A (ID): the ID was "
                    "changed: this row was sent for coop-06; the ID column links each row to "
                    "its item, so put it back")


def test_a_form_calc_saved_as_xls_is_refused_clearly(calc: Calc, tmp_path: Path) -> None:
    xls = calc.path("xls", FORM.replace(".xlsx", ".xls"))
    assert xls.read_bytes().startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    assert refused(tmp_path, xls) == (
        f"Error: {xls.name}: not a form: intake reads the .xlsx and .csv files `circletrack "
        "forms` writes, not '.xls' files")
    renamed = Path(shutil.copy(xls, tmp_path / FORM))
    assert refused(tmp_path, renamed) == (
        f"Error: {FORM}: an Excel 97–2003 workbook (.xls) named .xlsx; open it and save it "
        "as an Excel Workbook (.xlsx)")


# A week's round trip, and the scorecard of it


def test_a_week_round_trip_shows_who_returned_and_undo_takes_the_returns_back(
        calc: Calc, tmp_path: Path) -> None:
    """Forms out to three units; 市交通局 returns the form typed into in Calc, 市教育局 one
    filled by a program; the scorecard shows those two returned and 市环保局 sent and not
    returned; `undo` of the intake takes both returns back (and its reports)."""
    import json

    registry = tmp_path / "week.toml"
    shutil.copyfile(SHIPPED, registry)
    written = write_forms(registry, tmp_path / "out", "--as-of", AS_OF, "--unit", UNIT,
                          "--unit", "教育", "--unit", "环保")
    assert [p.name for p in written] == [FORM, "市教育局-2011-12-20.xlsx",
                                         "市环保局-2011-12-20.xlsx"]
    sent = registry.read_bytes()
    (tmp_path / "back").mkdir()
    education = fill_xlsx(written[1], {"coop-23": {"new_progress": 50,
                                                   "report_date": dt.date(2011, 12, 15)}},
                          out=tmp_path / "back" / written[1].name)
    result = invoke(registry, "intake", str(calc.path("typed-en")), str(education))
    assert result.exit_code == 0, result.stderr
    assert "Forms: 2 forms recorded as returned (市交通局, 市教育局)" in result.stdout

    def card() -> dict[str, dict[str, Any]]:
        done = invoke(registry, "scorecard", "--as-of", "2024-06-01", "--from", "2011-01-01",
                      "--unit", "交通", "--unit", "教育", "--unit", "环保", "--json",
                      "unit,forms_sent,forms_returned,rows_reported,median_response_days")
        assert done.exit_code == 0, done.stderr
        return {row.pop("unit"): row for row in json.loads(done.stdout)}

    days = (dt.date(2024, 6, 1) - dt.date(2011, 12, 20)).days  # intake's day, pinned
    assert card() == {
        "市交通局": {"forms_sent": 1, "forms_returned": 1, "rows_reported": 5,
                 "median_response_days": days},
        "市教育局": {"forms_sent": 1, "forms_returned": 1, "rows_reported": 1,
                 "median_response_days": days},
        "市环保局": {"forms_sent": 1, "forms_returned": 0, "rows_reported": 0,
                 "median_response_days": None},
    }
    assert invoke(registry, "undo").exit_code == 0
    assert registry.read_bytes() == sent
    assert {unit: row["forms_returned"] for unit, row in card().items()} == {
        "市交通局": 0, "市教育局": 0, "市环保局": 0}
    resent = invoke(registry, "forms", str(tmp_path / "again"), "--as-of", "2011-12-27",
                    "--resend")
    assert resent.exit_code == 0, resent.stderr
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == [
        "市交通局-2011-12-27.xlsx", "市教育局-2011-12-27.xlsx", "市环保局-2011-12-27.xlsx"]
    assert "a reminder: the form of 2011-12-20 has not come back" in resent.stdout
