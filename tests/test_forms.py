"""forms: which items each unit is sent, and the forms as files, opened by two readers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from form_helpers import (
    POSITION,
    calamine_sheets,
    calamine_visibility,
    csv_grid,
    pin_office_today,
    write_forms,
)
from listing_helpers import HOSTILE_TITLES, REPORTS, hostile_items, write_registry
from write_helpers import assert_one_line_error, invoke

from circletrack.base.i18n import set_language
from circletrack.model.labels import event_title, status_label
from circletrack.model.records import STATUSES
from circletrack.office.forms import (
    FILLED_COLUMNS,
    FIRST_ROW,
    FORM_COLUMNS,
    FORM_VERSION,
    META_SHEET,
    OFFICE,
    form_filename,
    form_filenames,
    unit_forms,
)
from circletrack.query.select import Criteria, days_overdue, registry_as_of
from circletrack.render.forms import display_width
from circletrack.storage import Location, load

AS_OF = dt.date(2011, 12, 20)


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_office_today(monkeypatch)


def shipped(path: Path):  # noqa: ANN201
    return load(Location(path, "option"))


# Which items each unit is sent


def test_each_unit_is_sent_its_open_items_overdue_or_due_soon(shipped_copy: Path) -> None:
    registry = shipped(shipped_copy)
    day = dt.date(2020, 12, 31)
    forms = unit_forms(registry.items, Criteria(), day, within=30)
    assert forms.forms, "the shipped registry has overdue work on 2020-12-31"
    seen = {i.id: i for i in registry_as_of(registry.items, day)}
    for form in forms.forms:
        assert form.items, form.unit
        for item in form.items:
            assert item.is_open and item.due is not None
            assert item.due <= day + dt.timedelta(days=30)
            assert form.unit in (*item.lead, *item.support)
            assert item.same_as is None
        # most overdue first
        assert [i.due for i in form.items] == sorted(i.due for i in form.items)
    # every open item due by then with a unit is on the form of each of its units, but the
    # ones whose due date ended a period of work already over (ongoing: nothing to chase)
    for item in seen.values():
        if item.is_open and item.due and item.due <= day + dt.timedelta(days=30) \
                and not item.same_as and not (item.ongoing and item.due < day):
            for unit in {*item.lead, *item.support}:
                form = next(f for f in forms.forms if f.unit == unit)
                assert item.id in [i.id for i in form.items]


def test_finished_work_is_never_sent_even_when_only_its_tracked_items_say_so(
        shipped_copy: Path) -> None:
    registry = shipped(shipped_copy)
    day = dt.date(2020, 12, 31)
    coop06 = next(i for i in registry_as_of(registry.items, day) if i.id == "coop-06")
    assert coop06.state.derived and coop06.state.status == "done"  # its road is finished
    forms = unit_forms(registry.items, Criteria(), day)
    assert "coop-06" not in {i.id for f in forms.forms for i in f.items}
    early = unit_forms(registry.items, Criteria(), AS_OF)
    assert "coop-06" in {i.id for f in early.forms for i in f.items}


def test_within_and_the_unit_fragment_choose_what_is_sent(shipped_copy: Path) -> None:
    items = shipped(shipped_copy).items
    day = dt.date(2011, 12, 1)
    assert unit_forms(items, Criteria(), day, within=0).forms == []
    month = unit_forms(items, Criteria(), day, within=30)
    assert all(days_overdue(i, day) == 0 for f in month.forms for i in f.items)
    transport = unit_forms(items, Criteria(units=("交通",)), AS_OF)
    assert [f.unit for f in transport.forms] == ["市交通局"]
    assert {i.id for i in transport.forms[0].items} == {
        "coop-05", "coop-06", "coop-07", "coop-08", "coop-09", "coop-21"}


def test_file_names_replace_unsafe_characters_and_never_collide() -> None:
    assert form_filename("市交通局", AS_OF, "xlsx") == "市交通局-2011-12-20.xlsx"
    assert form_filename("a/b:c*d?\"e<f>g|h\\i", AS_OF, "csv") == \
        "a_b_c_d__e_f_g_h_i-2011-12-20.csv"
    assert form_filename("..hidden", AS_OF, "xlsx") == "__hidden-2011-12-20.xlsx"
    registry_items = []  # two units whose names differ only in unsafe characters
    from circletrack.office.forms import UnitForm

    forms = [UnitForm("a/b", AS_OF, registry_items), UnitForm("a:b", AS_OF, registry_items)]
    assert form_filenames(forms, "xlsx") == ["a_b-2011-12-20.xlsx", "a_b-2011-12-20-2.xlsx"]


# The command


def test_forms_writes_one_workbook_per_unit(shipped_copy: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    result = invoke(shipped_copy, "forms", str(outdir), "--as-of", "2011-12-20")
    assert result.exit_code == 0, result.stderr
    expected = unit_forms(shipped(shipped_copy).items, Criteria(), AS_OF)
    names = sorted(p.name for p in outdir.iterdir())
    assert names == sorted(f"{f.unit}-2011-12-20.xlsx" for f in expected.forms)
    assert f"wrote {outdir / '市交通局-2011-12-20.xlsx'}: 6 items, 0 overdue" in result.stdout


def test_forms_never_replaces_a_form_without_force(shipped_copy: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    write_forms(shipped_copy, outdir, "--as-of", "2011-12-20", "--unit", "交通")
    form = outdir / "市交通局-2011-12-20.xlsx"
    form.write_bytes(b"the unit's filled copy")
    again = invoke(shipped_copy, "forms", str(outdir), "--as-of", "2011-12-20", "--unit", "交通")
    assert "already exists; use --force" in assert_one_line_error(again, 1)
    assert form.read_bytes() == b"the unit's filled copy"
    forced = invoke(shipped_copy, "forms", str(outdir), "--as-of", "2011-12-20", "--unit",
                    "交通", "--force")
    assert forced.exit_code == 0 and form.read_bytes().startswith(b"PK")


@pytest.mark.parametrize(("args", "message"), [
    (("--format", "pdf"), "--format: unknown value 'pdf'"),
    (("--within", "-1"), "--within: must be 0 or more"),
    (("--status", "done"), "--status: done items are never sent"),
    (("--unit", "不存在的单位"), "--unit: nothing is called '不存在的单位'"),
])
def test_forms_bad_options_are_usage_errors(shipped_copy: Path, tmp_path: Path,
                                            args: tuple[str, ...], message: str) -> None:
    result = invoke(shipped_copy, "forms", str(tmp_path / "out"), *args)
    assert message in assert_one_line_error(result, 2)
    assert not (tmp_path / "out").exists()


def test_nothing_to_send_says_so(shipped_copy: Path, tmp_path: Path) -> None:
    result = invoke(shipped_copy, "forms", str(tmp_path / "out"), "--as-of", "2011-03-01",
                    "--within", "0")
    assert result.exit_code == 0
    assert "no unit has open items overdue or due within 0 days as of 2011-03-01" in \
        result.stdout
    assert not (tmp_path / "out").exists()


# The workbook, read by calamine and by openpyxl


@pytest.fixture
def transport_form(shipped_copy: Path, tmp_path: Path) -> Path:
    (form,) = write_forms(shipped_copy, tmp_path / "out", "--as-of", "2011-12-20",
                          "--unit", "市交通局")
    return form


def test_calamine_reads_every_form_written(shipped_copy: Path, tmp_path: Path) -> None:
    forms = write_forms(shipped_copy, tmp_path / "out", "--as-of", "2020-12-31")
    expected = {f.unit: f for f in unit_forms(shipped(shipped_copy).items, Criteria(),
                                              dt.date(2020, 12, 31)).forms}
    assert len(forms) == len(expected)
    for path in forms:
        sheets = calamine_sheets(path)
        assert list(sheets) == ["Progress report", META_SHEET]
        rows = sheets["Progress report"]
        unit = rows[0][1]
        form = expected[unit]
        assert rows[0][:6] == ["Unit", unit, "As of", dt.date(2020, 12, 31), "Office", OFFICE]
        assert rows[1] == ["ID", "Title", "Requirement", "Due", "Days overdue",
                           "Current status", "Current progress", "New status", "New progress",
                           "Date of the report", "Note", "Reported by"]
        body = rows[FIRST_ROW - 1:]
        assert [r[0] for r in body] == [i.id for i in form.items]
        for row, item in zip(body, form.items):
            assert row[1] == event_title(item)  # naming the items of the same event
            assert row[2] == (item.requirement or item.deadline or "")
            assert row[3] == item.due  # a real date cell
            assert row[4] == days_overdue(item, dt.date(2020, 12, 31))
            assert row[5] == status_label(item.state.status)
            assert row[6] == (item.state.progress if item.state.progress is not None else "")
            assert row[7:] == [""] * len(FILLED_COLUMNS)
        meta = sheets[META_SHEET]
        assert meta[0][:2] == ["form", FORM_VERSION] and meta[1][:2] == ["unit", unit]
        assert [r[1:] for r in meta if r[0] == "row"] == [
            [str(n), i.id] for n, i in enumerate(form.items, FIRST_ROW)]
        assert calamine_visibility(path) == {"Progress report": "visible",
                                             META_SHEET: "veryhidden"}


def test_the_workbook_is_protected_but_for_the_units_columns(transport_form: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(transport_form).worksheets[0]
    assert sheet.protection.sheet and not sheet.protection.password
    assert sheet.freeze_panes == "C3"
    for row in range(FIRST_ROW, FIRST_ROW + 6):
        for column in FORM_COLUMNS:
            cell = sheet.cell(row, POSITION[column.name])
            assert cell.protection.locked is not column.fills, (row, column.name)
        assert sheet.cell(row, POSITION["due"]).is_date
    assert sheet.cell(1, 2).value == "市交通局"
    assert sheet.cell(2, 1).comment is not None  # what the column is for


def test_the_units_columns_are_validated(transport_form: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(transport_form).worksheets[0]
    letters = {c.name: chr(ord("A") + n) for n, c in enumerate(FORM_COLUMNS)}
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    status = rules[f"{letters['new_status']}3:{letters['new_status']}8"]
    assert status.type == "list"
    assert status.formula1 == '"' + ",".join(status_label(s) for s in STATUSES) + '"'
    progress = rules[f"{letters['new_progress']}3:{letters['new_progress']}8"]
    assert (progress.type, progress.operator, progress.formula1, progress.formula2) == \
        ("whole", "between", "0", "100")
    date = rules[f"{letters['report_date']}3:{letters['report_date']}8"]
    assert (date.type, date.formula1, date.formula2) == ("date", "DATE(2011,2,18)", "TODAY()")
    assert all(v.showErrorMessage for v in rules.values())


def test_columns_are_wide_enough_for_chinese_text(transport_form: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(transport_form).worksheets[0]
    title_width = sheet.column_dimensions["B"].width
    longest = max(display_width(str(sheet.cell(r, 2).value)) for r in range(3, 9))
    assert title_width >= min(longest, 40)  # up to the cap; longer titles wrap
    assert sheet.column_dimensions["D"].width >= 10  # a date
    assert display_width("钱江通道") == 8 and display_width("coop-06") == 7


def test_a_chinese_form_has_chinese_headers_and_drop_down(shipped_copy: Path,
                                                          tmp_path: Path) -> None:
    result = invoke(shipped_copy, "--lang", "zh", "forms", str(tmp_path), "--as-of",
                    "2011-12-20", "--unit", "市体育局")
    assert result.exit_code == 0, result.stderr
    sheets = calamine_sheets(tmp_path / "市体育局-2011-12-20.xlsx")
    rows = sheets["进度报告"]
    assert rows[0][:3] == ["单位", "市体育局", "截至"]
    assert rows[1][:5] == ["编号", "名称", "进度要求", "完成时限", "逾期天数"]
    assert rows[2][5] == "计划中"
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "市体育局-2011-12-20.xlsx")["进度报告"]
    lists = [v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert lists == ['"计划中,进行中,已完成,受阻,已取消"']
    set_language("en")


def test_a_form_follows_its_units_language_unless_told(shipped_copy: Path,
                                                       tmp_path: Path) -> None:
    # an English interface, a Chinese unit: the form goes to that office, in Chinese
    result = invoke(shipped_copy, "--lang", "en", "forms", str(tmp_path / "auto"), "--as-of",
                    "2011-12-20", "--unit", "市体育局")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("wrote ")  # what circletrack says stays in English
    rows = calamine_sheets(tmp_path / "auto" / "市体育局-2011-12-20.xlsx")["进度报告"]
    assert rows[1][:5] == ["编号", "名称", "进度要求", "完成时限", "逾期天数"]
    told = write_forms(shipped_copy, tmp_path / "en", "--as-of", "2011-12-20", "--unit",
                       "市体育局", "--form-lang", "en")
    assert list(calamine_sheets(told[0])) == ["Progress report", META_SHEET]
    chinese_ui = invoke(shipped_copy, "--lang", "zh", "forms", str(tmp_path / "zh"),
                        "--as-of", "2011-12-20", "--unit", "市体育局", "--form-lang", "en")
    assert chinese_ui.stdout.startswith("已写入")
    (english,) = (tmp_path / "zh").iterdir()
    assert calamine_sheets(english)["Progress report"][1][0] == "ID"
    csv = invoke(shipped_copy, "forms", str(tmp_path / "csv"), "-f", "csv", "--as-of",
                 "2011-12-20", "--unit", "市体育局")
    assert csv.exit_code == 0
    (text,) = (tmp_path / "csv").iterdir()
    assert "编号" in text.read_text(encoding="utf-8-sig").splitlines()[1]
    bad = invoke(shipped_copy, "forms", str(tmp_path / "bad"), "--form-lang", "fr")
    assert "--form-lang" in assert_one_line_error(bad, 2)
    set_language("en")


def test_titles_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    registry = write_registry(tmp_path, REPORTS + hostile_items())
    outdir = tmp_path / "out"
    forms = write_forms(registry, outdir, "--as-of", "2011-12-20")
    by_unit = {}
    for path in forms:
        rows = calamine_sheets(path)["Progress report"]
        by_unit[rows[0][1].strip()] = rows  # a unit named "\tTabbed" (spreadsheets trim)
    for item_id, title in HOSTILE_TITLES.items():
        rows = by_unit[title.strip()]
        (row,) = [r for r in rows[2:] if r[0] == item_id]
        assert row[1].strip() == title.strip()
        assert row[2] == '=HYPERLINK("http://evil")'  # shown as text, never run
    from openpyxl import load_workbook

    for path in forms:
        sheet = load_workbook(path).worksheets[0]
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        assert "|" not in path.name and "/" not in path.name.replace(str(outdir), "")


def test_the_csv_form_has_the_same_rows_excel_safe(shipped_copy: Path, tmp_path: Path) -> None:
    (path,) = write_forms(shipped_copy, tmp_path / "out", "--as-of", "2011-12-20", "--unit",
                          "市交通局", "--format", "csv")
    assert path.name == "市交通局-2011-12-20.csv"
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = csv_grid(path)
    assert rows[0] == ["Unit", "市交通局", "As of", "2011-12-20", "Office", OFFICE]
    assert rows[1][0] == "ID" and rows[1][-1] == "Reported by"
    assert rows[2][:5] == ["coop-05", "出台并实施综合交通、环境保护、旅游发展专项规划",
                           "2011年完成", "2011-12-31", "0"]
    assert rows[2][7:] == [""] * len(FILLED_COLUMNS)


def test_the_csv_form_neutralises_formulas(tmp_path: Path) -> None:
    registry = write_registry(tmp_path, REPORTS + hostile_items())
    forms = write_forms(registry, tmp_path / "out", "--as-of", "2011-12-20", "-f", "csv")
    for path in forms:
        for row in csv_grid(path):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)


def test_the_docs_list_every_column_as_declared() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "commands" / "forms.md").read_text(
        encoding="utf-8")
    for column in FORM_COLUMNS:
        who = "unit" if column.fills else "office"
        assert f"| {column.header} | {column.help} | {who} |" in page, column.name


def test_long_ids_are_never_cut_and_long_titles_wrap() -> None:
    from circletrack.office.forms import COLUMNS_BY_NAME
    from circletrack.render.forms import column_width

    long_id = "target-2025-urban-rail-km"
    assert column_width(COLUMNS_BY_NAME["id"], ["ID", long_id]) >= len(long_id)
    title = "杭州绕城高速公路西复线工程(杭州都市圈环线)" * 2
    assert column_width(COLUMNS_BY_NAME["title"], ["Title", title]) == 42
    assert column_width(COLUMNS_BY_NAME["note"], ["Note"]) == 32  # room to write in
