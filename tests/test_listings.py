"""The report library (grouping, stale, slips) and the overdue/stale/slips/export commands."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import SHIPPED
from listing_helpers import REPORTS, csv_rows, run, write_registry

from circletrack.base.errors import FieldError
from circletrack.model.labels import NO_GROUP
from circletrack.model.records import DueChange, Item
from circletrack.query.listings import (
    days_slipped,
    export_listing,
    first_due,
    group_items,
    overdue_listing,
    slips_listing,
    stale_listing,
)
from circletrack.query.select import Criteria
from circletrack.storage.codec import loads

DAY = dt.date(2012, 1, 1)

#: Cooperation rows per lead unit in data/projects.toml, counted by hand from each row's
#: `lead = [...]` list (coop-01 … coop-30 and coop-22a). A row with several lead units
#: counts once for each: 31 rows, 38 (unit, row) pairs, 25 units.
SHIPPED_COOPERATION_BY_UNIT: dict[str, int] = {
    "市交通局": 1,          # coop-05 (06 07 08 09 asked to press on in 2011: ongoing)
    "市环保局": 3,          # coop-05 22 22a
    "市经委": 2,            # coop-03 15
    "市金融办": 2,          # coop-04 12
    "市信息办": 2,          # coop-04 16
    "市旅委": 2,            # coop-05 13
    "市民政局": 2,          # coop-17 29
    "市教育局": 2,          # coop-23 24
    "市劳动保障局": 2,      # coop-25 26
    "市发改委": 1,          # coop-01
    "市农办": 1,            # coop-11
    "杭州西湖风景名胜区管委会(市园文局)": 1,  # coop-13
    "市贸易局": 1,          # coop-14
    "市统计局": 1,          # coop-18
    "市品牌办": 1,          # coop-19
    "市西博办": 1,          # coop-20
    "市新闻办": 1,          # coop-21
    "市文广新闻出版局": 1,  # coop-27
    "市体育局": 1,          # coop-28
    "市科技局": 1,          # coop-29
    "市卫生局": 1,          # coop-29
    "市工商局": 1,          # coop-29
    "萧山区政府": 1,        # coop-30
}


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    return write_registry(tmp_path)


def items_of(path: Path) -> list[Item]:
    return loads(path.read_bytes()).items


def one_line_error(result: Any) -> str:
    """The single stderr line of a failed command (and check it is one line, no traceback)."""
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


# --- grouping -----------------------------------------------------------------------------


def test_an_item_with_several_lead_units_is_in_each_group(reports: Path) -> None:
    groups = group_items(overdue_listing(items_of(reports), Criteria(), DAY).items, "unit")
    assert [(g.name, [i.id for i in g.items]) for g in groups] == [
        ("市交通运输局", ["coop-a"]), ("市发改委", ["coop-a"]), ("(no lead unit)", ["coop-b"])]


def test_groups_come_largest_first_then_by_name_and_the_empty_group_last() -> None:
    def item(item_id: str, lead: list[str]) -> Item:
        return Item(id=item_id, kind="cooperation", title=item_id, created=DAY, lead=lead)

    items = [item("a", []), item("b", ["乙"]), item("c", ["甲", "乙"]), item("d", ["丙"]),
             item("e", []), item("f", [])]
    groups = group_items(items, "unit")
    assert [(g.name, len(g.items)) for g in groups] == [
        ("乙", 2), ("丙", 1), ("甲", 1), (NO_GROUP["unit"], 3)]
    assert [i.id for i in groups[0].items] == ["b", "c"]  # order inside a group kept


def test_group_by_city_and_category(reports: Path) -> None:
    items = overdue_listing(items_of(reports), Criteria(), DAY).items
    assert [(g.name, len(g.items)) for g in group_items(items, "city")] == [
        ("嘉兴", 1), ("湖州", 1), ("(no city)", 1)]
    assert [g.name for g in group_items(items, "category")] == ["planning", "transport"]


def test_unknown_group_by_is_a_usage_error_even_with_nothing_to_group() -> None:
    with pytest.raises(FieldError, match="unknown value 'county'") as raised:
        group_items([], "county")
    assert raised.value.field == "group_by"


def test_grouping_the_shipped_plan_by_lead_unit_matches_the_hand_count() -> None:
    items = items_of(SHIPPED)
    criteria = Criteria(kinds=("cooperation",))
    listing = overdue_listing(items, criteria, DAY, "unit")
    assert len(listing.items) == 25, "every plan row due by the end of 2011 is overdue then"
    assert {g.name: len(g.items) for g in listing.groups} == SHIPPED_COOPERATION_BY_UNIT
    assert [g.name for g in listing.groups[:2]] == ["市环保局", "市信息办"]


def test_overdue_group_by_unit_on_the_shipped_registry_through_the_cli(shipped_copy: Path) -> None:
    result = run("overdue", "--as-of", "2012-01-01", "--kind", "cooperation", "--group-by",
                 "unit", "--format", "json", "--registry", shipped_copy)
    assert result.exit_code == 0, result.output
    groups = json.loads(result.stdout)
    assert {g["group"]: g["count"] for g in groups} == SHIPPED_COOPERATION_BY_UNIT
    assert sum(g["count"] for g in groups) == 32
    assert all(i["days_overdue"] == 1 for g in groups for i in g["items"])
    rows = csv_rows(run("overdue", "--as-of", "2012-01-01", "-k", "cooperation", "-g", "unit",
                        "-f", "csv", "-r", shipped_copy).stdout_bytes)
    assert len(rows) == 1 + 32
    assert sum(1 for r in rows if r[0] == "市交通局") == 1


def test_overdue_filters_like_list(reports: Path) -> None:
    listing = overdue_listing(items_of(reports), Criteria(units=("发改",)), DAY)
    assert [i.id for i in listing.items] == ["coop-a"]
    result = run("overdue", "--as-of", "2012-01-01", "--unit", "发改", "--city", "湖州",
                 "--due-before", "2011-12-01", "-f", "json", "-r", reports)
    assert [i["id"] for i in json.loads(result.stdout)] == ["coop-a"]
    result = run("overdue", "--as-of", "2012-01-01", "--due-after", "2011-07-01", "-f", "json",
                 "-r", reports)
    assert [i["id"] for i in json.loads(result.stdout)] == ["coop-b"]


def test_overdue_excludes_closed_items_and_respects_as_of(reports: Path) -> None:
    items = items_of(reports)
    assert [i.id for i in overdue_listing(items, Criteria(), dt.date(2011, 7, 1)).items] == [
        "coop-a"]
    # coop-c was due 2011-03-31 and done on 2011-03-01: never overdue.
    assert "coop-c" not in [i.id for i in overdue_listing(items, Criteria(), DAY).items]
    # rail-moved: due 2012-06-30 until moved on 2011-09-01; on 2014-01-01 it is due 2013-06-30.
    late = overdue_listing(items, Criteria(kinds=("project",)), dt.date(2014, 1, 1)).items
    assert [(i.id, i.due) for i in late] == [("rail-moved", dt.date(2013, 6, 30))]


def test_overdue_table_shows_the_columns_and_fits_80_columns(reports: Path) -> None:
    result = run("overdue", "--as-of", "2012-01-01", "-r", reports)
    assert result.exit_code == 0
    assert "Overdue items as of 2012-01-01 (2)" in result.stdout
    for text in ("coop-a", "ID", "Due", "2011-06-30", "185"):
        assert text in result.stdout
    from rich.cells import cell_len

    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 80


def test_overdue_table_when_nothing_is_overdue(reports: Path) -> None:
    result = run("overdue", "--as-of", "2011-01-01", "-r", reports)
    assert result.exit_code == 0
    assert result.stdout.strip() == "No overdue items as of 2011-01-01."


# --- stale --------------------------------------------------------------------------------


def test_stale_counts_from_the_latest_report_or_the_creation_date(reports: Path) -> None:
    items = items_of(reports)
    listing = stale_listing(items, Criteria(), DAY, 200)
    # rail-moved last reported 2011-05-01 (245 days); coop-a/b never, recorded 2011-02-18.
    assert [i.id for i in listing.items] == ["coop-a", "coop-b", "rail-moved"]
    assert [i.id for i in stale_listing(items, Criteria(), DAY, 300).items] == [
        "coop-a", "coop-b"]
    with pytest.raises(FieldError, match="must be 0 or more") as raised:
        stale_listing(items, Criteria(), DAY, -1)
    assert raised.value.field == "days"


def test_stale_cli_json_gives_days_since_report(reports: Path) -> None:
    result = run("stale", "--as-of", "2012-01-01", "--days", "200", "-f", "json", "-r", reports)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(d["id"], d["days_since_report"]) for d in data] == [
        ("coop-a", 317), ("coop-b", 317), ("rail-moved", 245)]
    rows = csv_rows(run("stale", "--as-of", "2012-01-01", "-d", "200", "-k", "project", "-f",
                        "csv", "-r", reports).stdout_bytes)
    assert rows[0][-1] == "As of" and rows[1][0] == "rail-moved"
    row = dict(zip(rows[0], rows[1]))
    assert (row["Days since report"], row["Progress (%)"], row["Progress reported"],
            row["As of"]) == ("245", "40", "2011-05-01", "2012-01-01")  # numbers, dates


# --- slips --------------------------------------------------------------------------------


def test_first_due_falls_back_to_the_first_move() -> None:
    item = Item(id="x", kind="project", title="x", created=DAY, due=dt.date(2013, 1, 1), due_changes=[
        DueChange(from_=dt.date(2012, 6, 30), to=dt.date(2012, 12, 31), date=dt.date(2011, 9, 1), reason="a"),
        DueChange(from_=None, to=dt.date(2013, 1, 1), date=dt.date(2012, 1, 1), reason="b")])
    assert first_due(item) == dt.date(2012, 6, 30)
    assert days_slipped(item) == 185


def test_setting_a_first_due_date_is_not_a_slip() -> None:
    item = Item(id="x", kind="project", title="x", created=DAY, due=dt.date(2022, 6, 30), due_changes=[
        DueChange(from_=None, to=dt.date(2021, 12, 31), date=dt.date(2021, 1, 1), reason="first set"),
        DueChange(from_=dt.date(2021, 12, 31), to=dt.date(2022, 6, 30), date=dt.date(2021, 6, 1), reason="later")])
    assert first_due(item) == dt.date(2021, 12, 31)
    assert days_slipped(item) == 181


def test_slips_lists_moved_items_most_slipped_first_closed_included(reports: Path) -> None:
    listing = slips_listing(items_of(reports), Criteria(), dt.date(2013, 1, 1))
    assert [(i.id, first_due(i), i.due, len(i.due_changes), days_slipped(i))
            for i in listing.items] == [
        ("rail-moved", dt.date(2012, 6, 30), dt.date(2013, 6, 30), 2, 365),
        ("road-moved-done", dt.date(2011, 8, 31), dt.date(2011, 10, 31), 1, 61)]
    only_open = slips_listing(items_of(reports), Criteria(statuses=("in_progress",)),
                              dt.date(2013, 1, 1))
    assert [i.id for i in only_open.items] == ["rail-moved"]


def test_slips_as_of_replays_the_moves(reports: Path) -> None:
    items = items_of(reports)
    assert slips_listing(items, Criteria(), dt.date(2011, 6, 1)).items == []
    early = slips_listing(items, Criteria(kinds=("project",)), dt.date(2012, 1, 1)).items
    assert [(i.id, i.due, len(i.due_changes), days_slipped(i)) for i in early] == [
        ("rail-moved", dt.date(2012, 12, 31), 1, 184), ("road-moved-done",
                                                        dt.date(2011, 10, 31), 1, 61)]


def test_slips_cli_formats(reports: Path) -> None:
    data = json.loads(run("slips", "-f", "json", "-r", reports).stdout)
    assert data[0]["id"] == "rail-moved"
    assert data[0]["slip"] == {"first_due": "2012-06-30", "due": "2013-06-30", "moves": 2,
                               "days_slipped": 365, "reasons": ["征地拆迁滞后", "设计方案调整"]}
    rows = csv_rows(run("slips", "-f", "csv", "-r", reports).stdout_bytes)
    assert rows[0] == ["ID", "Title", "Lead", "Status", "First due", "Due", "Moves",
                       "Days slipped", "Reasons", "As of"]
    assert rows[1][-4:-1] == ["2", "365", "征地拆迁滞后; 设计方案调整"]
    table = run("slips", "-r", reports)
    assert table.exit_code == 0 and "365" in table.stdout
    assert "rail-moved" in table.stdout or re.search(r"^rail-\s.*\n^moved\s", table.stdout, re.M)
    md = run("slips", "-f", "md", "-r", reports).stdout
    assert md.startswith("**Items with moved due dates as of ")


def test_slips_on_a_registry_without_moves(shipped_copy: Path) -> None:
    result = run("slips", "--as-of", "2012-01-01", "-r", shipped_copy)
    assert result.exit_code == 0
    assert result.stdout.startswith(("No items with moved due dates", "Items with moved"))


# --- export -------------------------------------------------------------------------------


def test_export_keeps_every_item_and_replays_only_with_as_of(reports: Path) -> None:
    items = items_of(reports)
    assert export_listing(items, DAY).items == items
    replayed = export_listing(items, dt.date(2011, 3, 15), replay=True).items
    moved = next(i for i in replayed if i.id == "rail-moved")
    assert moved.history == () and moved.status == "planned"
    result = run("export", "--as-of", "2011-01-01", "-r", reports)
    assert json.loads(result.stdout) == []


def test_export_json_to_file_round_trips(reports: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.json"
    result = run("export", "--output", target, "-r", reports)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and f"wrote {target}" in result.stderr
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 5


# --- --output -----------------------------------------------------------------------------


def test_output_writes_and_never_clobbers_without_force(reports: Path, tmp_path: Path) -> None:
    target = tmp_path / "overdue.csv"
    first = run("overdue", "--as-of", "2012-01-01", "-o", target, "-r", reports)
    assert first.exit_code == 0, first.output
    written = target.read_bytes()
    assert csv_rows(written)[1][0] == "coop-a"  # the .csv suffix chose the format
    target.write_bytes(b"keep me")
    again = run("overdue", "--as-of", "2012-01-01", "-o", target, "-r", reports)
    assert "already exists" in one_line_error(again) and "--force" in again.stderr
    assert again.exit_code == 1
    assert target.read_bytes() == b"keep me"
    forced = run("overdue", "--as-of", "2012-01-01", "-o", target, "--force", "-r", reports)
    assert forced.exit_code == 0
    assert target.read_bytes() == written
    assert sorted(os.listdir(tmp_path)) == ["overdue.csv", "projects.toml"], "no temp files"


def test_a_new_report_file_gets_the_usual_permissions(reports: Path, tmp_path: Path) -> None:
    target = tmp_path / "overdue.md"
    mask = os.umask(0o022)
    try:
        assert run("overdue", "--as-of", "2012-01-01", "-o", target, "-r", reports).exit_code == 0
    finally:
        os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("command", ["overdue", "stale", "slips", "export"])
def test_every_report_refuses_to_clobber(command: str, reports: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    target.write_text("mine", encoding="utf-8")
    result = run(command, "-f", "md", "-o", target, "-r", reports)
    one_line_error(result)
    assert target.read_text(encoding="utf-8") == "mine"


def test_output_format_flag_wins_over_the_suffix(reports: Path, tmp_path: Path) -> None:
    target = tmp_path / "overdue.txt"
    result = run("overdue", "--as-of", "2012-01-01", "-f", "ics", "-o", target, "-r", reports)
    assert result.exit_code == 0
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize("args, message", [
    (["overdue", "-f", "xml"], "--format: unknown value 'xml'"),
    (["overdue", "--format", "ics", "--group-by", "county"], "--group-by: unknown value"),
    (["overdue", "--as-of", "31/31/2011"], "--as-of: cannot read"),
    (["overdue", "--due-before", "someday"], "--due-before: cannot read"),
    (["overdue", "--kind", "road"], "--kind: nothing is called 'road'"),
    (["overdue", "--status", "done"], "--status: done items are never overdue"),
    (["stale", "--limit", "-1"], "--limit: must be 0 or more"),
    (["overdue", "-o", "report.txt"], "cannot tell the format"),
    (["overdue", "-f", "table", "-o", "report.csv"], "the table is for the terminal"),
    (["stale", "--days", "-3"], "--days: must be 0 or more"),
    (["stale", "--days", "many"], "--days"),
    (["stale", "-f", "xls"], "--format: unknown value 'xls'"),
    (["slips", "-f", "xls"], "--format: unknown value 'xls'"),
    (["export", "-f", "table"], "--format: unknown value 'table'"),
])
def test_bad_input_is_one_line_and_non_zero(args: list[str], message: str, reports: Path,
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.chdir(tmp_path)
    line = one_line_error(run(*args, "-r", reports))
    assert message in line
    assert not (tmp_path / "report.csv").exists() and not (tmp_path / "report.txt").exists()


def test_output_into_a_missing_folder_is_one_line(reports: Path, tmp_path: Path) -> None:
    one_line_error(run("overdue", "-f", "csv", "-o", tmp_path / "nope" / "x.csv",
                       "-r", reports))


def test_the_fixture_registry_is_valid(tmp_path: Path) -> None:
    result = run("validate", "--registry", write_registry(tmp_path, REPORTS))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args", [
    ["overdue", "--as-of", "2021-01-01"],
    ["overdue", "--as-of", "2012-01-01", "--group-by", "city"],
    ["stale", "--as-of", "2021-01-01"],
    ["slips", "--as-of", "2021-01-01"],
])
@pytest.mark.parametrize("width", ["80", "120"])
def test_report_tables_fit_the_terminal(args: list[str], width: str, shipped_copy: Path) -> None:
    from rich.cells import cell_len
    from typer.testing import CliRunner

    from circletrack.cli import app

    result = CliRunner().invoke(app, [*args, "-r", str(shipped_copy)],
                                env={"COLUMNS": width, "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= int(width)
    assert re.search(r"\d{4}-\d\d-\d\d", result.stdout) or "No " in result.stdout
    assert not re.search(r"(?:^|\s)\d{4}-\d?\d?-?\d?$", result.stdout, re.M), "a date was folded"


def test_fit_keeps_fixed_columns_and_shares_the_rest_by_weight() -> None:
    from circletrack.render.fitted import fit

    # id (no wrap, 20), title (wraps, weight 5), lead (wraps, weight 3), due (no wrap, 10)
    natural, wrapping = [20, 40, 16, 10], [False, True, True, False]
    floors, weights = [6, 10, 8, 6], [1, 5, 3, 1]
    assert fit(natural, wrapping, floors, weights, 200) == natural
    widths = fit(natural, wrapping, floors, weights, 80, [False, False, False, False])
    assert widths[0] == 20 and widths[3] == 10
    whole = fit(natural, wrapping, floors, weights, 80, [True, False, False, False])
    assert whole[0] == 20  # an id stays whole while the text floors fit beside it
    wide = fit([30, 90, 16, 10], wrapping, floors, weights, 120, [True, False, False, False])
    assert wide[0] == 30  # (a table that cannot keep it whole is shown as records)
    assert sum(widths) + 2 * 3 <= 80 and widths[1] > widths[2] >= 8
    assert widths[1] % 2 == 0 and widths[2] % 2 == 0  # even: a Chinese character is 2 cells
    squeezed = fit(natural, wrapping, floors, weights, 40)
    assert squeezed == [8, 10, 8, 8]  # no-wrap columns give way before text floors drop
    kept = fit(natural, wrapping, floors, weights, 40, [True, False, False, False])
    assert kept[0] == 8 and kept[3] == 10  # only the id yields: a date never folds
    assert min(kept[1], kept[2]) == 6 and sum(kept) + 6 <= 40  # then text goes down to 6
    roomy = fit(natural, wrapping, floors, weights, 50)
    assert roomy[0] < 20 and roomy[1] >= 10  # the id gives way before the title's floor


def test_wrap_cells_breaks_words_at_spaces_and_chinese_anywhere() -> None:
    from circletrack.base.cells import wrap_cells

    assert wrap_cells("杭州绕城高速公路西复线工程", 8) == ["杭州绕城", "高速公路", "西复线工", "程"]
    assert wrap_cells("Hangzhou ring road west", 10) == ["Hangzhou", "ring road", "west"]
    # 禁则: 、 does not start a line and 《 does not end one; the character before moves down
    assert wrap_cells("综合交通、环境保护", 8) == ["综合交", "通、环境", "保护"]
    assert wrap_cells("落实《规划纲要》", 6) == ["落实", "《规划", "纲要》"]
    assert wrap_cells("short", 10) == ["short"]
