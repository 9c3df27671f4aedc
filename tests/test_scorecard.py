"""`circletrack scorecard` (检查考核): every figure against a hand count on a registry
written for the test, the shipped registry against `list --all` and `overdue`, and each
format the installed program writes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from conftest import SHIPPED
from program import run

from circletrack.office.scorecard import FIELDS, closed_on, done_on_time, unit_scorecard
from circletrack.storage import load, locate

#: Period 2020, as of 2020-12-31. Units and what each is built to show:
#: 甲局: done on time, done late, done on time against a due date moved before it was
#:       done, done late against a due date moved only after it was done, overdue and
#:       never reported; an item closed before the period (left out).
#: 乙局: a plan row done because the project it tracks is (derived), a milestone that is
#:       the same event (counted once), an ongoing row past its date (never overdue).
#: 丙局: one item with no due date at all (a unit with no items due), supports a3.
#: 丁局: due soon, overdue 30 days, an item created after the period (left out).
HAND = """\
schema = 2

[sources.test]
title = "测试"
publisher = "测试"
date = 2019-01-01

[[items]]
id = "a1"
kind = "cooperation"
title = "按期完成"
lead = ["甲局"]
created = 2019-01-01
due = 2020-06-30
status = "done"
progress = 100
sources = ["test"]
history = [{ date = 2020-05-01, status = "done", progress = 100, source = "test" }]

[[items]]
id = "a2"
kind = "cooperation"
title = "逾期完成"
lead = ["甲局"]
created = 2019-01-01
due = 2020-03-31
status = "done"
progress = 100
sources = ["test"]
history = [{ date = 2020-02-01, status = "in_progress", progress = 50, source = "test" }, { date = 2020-09-01, progress = 100, source = "test" }]

[[items]]
id = "a3"
kind = "cooperation"
title = "逾期未报"
lead = ["甲局"]
support = ["丙局"]
created = 2019-01-01
due = 2020-10-31
sources = ["test"]

[[items]]
id = "a4"
kind = "cooperation"
title = "延期后按期完成"
lead = ["甲局"]
created = 2019-01-01
due = 2020-08-31
original_due = 2020-04-30
status = "done"
progress = 100
sources = ["test"]
history = [{ date = 2020-07-01, status = "done", progress = 100, source = "test" }]
due_changes = [{ from = 2020-04-30, to = 2020-08-31, date = 2020-04-15, reason = "批准延期" }]

[[items]]
id = "a5"
kind = "cooperation"
title = "完成后才延期"
lead = ["甲局"]
created = 2019-01-01
due = 2020-06-30
original_due = 2020-02-29
status = "done"
progress = 100
sources = ["test"]
history = [{ date = 2020-05-01, status = "done", progress = 100, source = "test" }]
due_changes = [{ from = 2020-02-29, to = 2020-06-30, date = 2020-06-01, reason = "事后补办" }]

[[items]]
id = "a6"
kind = "cooperation"
title = "上一年已完成"
lead = ["甲局"]
created = 2019-01-01
due = 2019-06-30
status = "done"
progress = 100
sources = ["test"]
history = [{ date = 2019-05-01, status = "done", progress = 100, source = "test" }]

[[items]]
id = "b1"
kind = "cooperation"
title = "跟踪项目的计划行"
lead = ["乙局"]
created = 2019-01-01
due = 2020-12-31
tracks = ["p1"]
sources = ["test"]

[[items]]
id = "m1"
kind = "milestone"
category = "event"
title = "同一事件"
lead = ["乙局"]
created = 2019-01-01
due = 2020-12-31
same_as = "b1"
sources = ["test"]

[[items]]
id = "b3"
kind = "cooperation"
title = "加快推进"
lead = ["乙局"]
created = 2019-01-01
due = 2020-06-30
due_kind = "ongoing"
status = "in_progress"
sources = ["test"]
history = [{ date = 2020-03-01, status = "in_progress", source = "test" }]

[[items]]
id = "p1"
kind = "project"
category = "road"
title = "项目"
created = 2019-01-01
status = "done"
progress = 100
sources = ["test"]
history = [{ date = 2020-11-01, status = "done", progress = 100, source = "test" }]

[[items]]
id = "c1"
kind = "cooperation"
title = "没有期限"
lead = ["丙局"]
created = 2019-01-01
sources = ["test"]
history = [{ date = 2020-04-01, note = "研究中", source = "test" }]

[[items]]
id = "d1"
kind = "cooperation"
title = "即将到期"
lead = ["丁局"]
created = 2019-01-01
due = 2021-01-15
sources = ["test"]

[[items]]
id = "d2"
kind = "cooperation"
title = "逾期三十天"
lead = ["丁局"]
created = 2019-01-01
due = 2020-12-01
status = "in_progress"
sources = ["test"]
history = [{ date = 2020-10-01, status = "in_progress", source = "test" }]

[[items]]
id = "d3"
kind = "cooperation"
title = "期后登记"
lead = ["丁局"]
created = 2021-01-10
due = 2021-06-30
sources = ["test"]
"""

DAY = dt.date(2020, 12, 31)
START, END = dt.date(2020, 1, 1), dt.date(2020, 12, 31)

#: The hand count, unit by unit (see HAND).
EXPECTED: dict[str, dict[str, object]] = {
    "甲局": {"lead": 5, "done": 4, "done_on_time": 2, "done_late": 2, "overdue": 1,
            "due_soon": 0, "unreported": 1, "median_days_overdue": 61,
            "last_report": "2020-09-01", "support": 0, "support_overdue": 0, "derived": 0},
    "乙局": {"lead": 2, "done": 1, "done_on_time": 1, "done_late": 0, "overdue": 0,
            "due_soon": 0, "unreported": 0, "median_days_overdue": None,
            "last_report": "2020-11-01", "support": 0, "support_overdue": 0, "derived": 1},
    "丙局": {"lead": 1, "done": 0, "done_on_time": 0, "done_late": 0, "overdue": 0,
            "due_soon": 0, "unreported": 0, "median_days_overdue": None,
            "last_report": "2020-04-01", "support": 1, "support_overdue": 1, "derived": 0},
    "丁局": {"lead": 2, "done": 0, "done_on_time": 0, "done_late": 0, "overdue": 1,
            "due_soon": 1, "unreported": 1, "median_days_overdue": 30,
            "last_report": "2020-10-01", "support": 0, "support_overdue": 0, "derived": 0},
}


@pytest.fixture
def hand(tmp_path: Path) -> Path:
    path = tmp_path / "hand.toml"
    path.write_text(HAND, encoding="utf-8")
    return path


def _rows(stdout: str) -> dict[str, dict[str, object]]:
    return {row["unit"]: row for row in json.loads(stdout)}


def test_every_figure_agrees_with_the_hand_count(hand: Path) -> None:
    done = run(["scorecard", "--registry", str(hand), "--as-of", "2020-12-31",
                "--format", "json"])
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    assert set(rows) == set(EXPECTED)
    for unit, expected in EXPECTED.items():
        assert {k: rows[unit][k] for k in expected} == expected, unit
    assert list(rows["甲局"]) == list(FIELDS)
    # most in need of attention first: overdue, then never reported, then due soon; the
    # rest by name
    assert [r["unit"] for r in json.loads(done.stdout)] == ["丁局", "甲局", "丙局", "乙局"]


def test_the_period_and_the_as_of_day_choose_what_counts(hand: Path) -> None:
    items = load(locate(hand)).items
    earlier = {s.unit: s for s in unit_scorecard(items, dt.date(2020, 6, 30)).units}
    # the default period is the as-of day's year; on 2020-06-30 a2 is overdue and open,
    # a4's due date had moved already, p1 (so b1) was not done yet
    assert (earlier["甲局"].done, earlier["甲局"].overdue) == (2, 1)
    assert earlier["乙局"].done == 0 and earlier["乙局"].derived == 0
    since_2019 = {s.unit: s for s in unit_scorecard(items, DAY, dt.date(2019, 1, 1)).units}
    assert since_2019["甲局"].lead == 6 and since_2019["甲局"].done_on_time == 3  # a6 counts
    later = {s.unit: s for s in unit_scorecard(items, dt.date(2021, 2, 1), START, END).units}
    assert later["丁局"].lead == 2  # d3 was recorded after the period


def test_on_time_is_against_the_due_date_in_force_the_day_it_was_done(hand: Path) -> None:
    by_id = {i.id: i for i in load(locate(hand)).items}
    assert closed_on(by_id["a2"]) == dt.date(2020, 9, 1)
    assert done_on_time(by_id["a4"]) is True   # moved to 08-31 on 04-15, done 07-01
    assert done_on_time(by_id["a5"]) is False  # done 05-01, due 02-29 until 06-01
    assert done_on_time(by_id["c1"]) is None   # open


def test_units_narrows_the_rows_by_a_fragment(hand: Path) -> None:
    done = run(["scorecard", "--registry", str(hand), "--as-of", "2020-12-31",
                "--unit", "丙", "--json", "unit,support_overdue"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"unit": "丙局", "support_overdue": 1}]


def test_the_table_says_what_is_derived_and_counted_once(hand: Path) -> None:
    done = run(["scorecard", "--registry", str(hand), "--as-of", "2020-12-31"],
               env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Scorecard 2020-01-01 to 2020-12-31, as of 2020-12-31 (4 units)"
    assert all(len(line) <= 80 for line in lines)
    assert any(line.startswith("乙局") and " 2* " in line for line in lines)
    assert "counted once" in done.stdout and "* 1 item's state is derived" in done.stdout
    chinese = run(["--lang", "zh", "scorecard", "--registry", str(hand), "--as-of",
                   "2020-12-31"], env={"COLUMNS": "80"})
    assert chinese.stdout.startswith("检查考核 2020-01-01 至 2020-12-31")


def test_csv_md_and_xlsx_hold_the_same_figures(hand: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    base = ["scorecard", "--registry", str(hand), "--as-of", "2020-12-31"]
    table = csv.reader(io.StringIO(run([*base, "--format", "csv"]).stdout.lstrip("\ufeff")))
    header, *rows = list(table)
    assert header[:3] == ["Unit", "Leads", "Done"] and len(header) == len(FIELDS)
    assert rows[1][:9] == ["甲局", "5", "4", "2", "2", "1", "0", "1", "61"]
    assert rows[-1][8] == ""  # no median: an empty cell, not a dash
    assert "| 甲局 | 5 | 4 | 2 | 2 | 1 | 0 | 1 | 61 |" in run([*base, "-f", "md"]).stdout
    path = tmp_path / "scorecard.xlsx"
    done = run([*base, "-o", str(path)])  # the suffix picks the format
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[2]][:2] == ["Unit", "Leads"]
    second = [c.value for c in sheet[4]]
    assert second[:9] == ["甲局", 5, 4, 2, 2, 1, 0, 1, 61]
    assert second[9] == dt.datetime(2020, 9, 1)  # a date cell
    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert calamine[3][:2] == ["甲局", 5]


def test_bad_input_is_one_line_and_writes_nothing(hand: Path, tmp_path: Path) -> None:
    before = hand.read_bytes()
    for args, words in ((["--from", "2021-01-01", "--to", "2020-01-01"], "is after --to"),
                        (["--json", "unit,nope"], "unknown field 'nope'"),
                        (["--format", "ics"], "unknown value 'ics'"),
                        (["--within", "-3"], "must be 0 or more")):
        done = run(["scorecard", "--registry", str(hand), *args])
        assert done.returncode == 2, (args, done.stderr)
        assert words in done.stderr and len(done.stderr.splitlines()) == 1
        assert "Traceback" not in done.stderr
    assert hand.read_bytes() == before


@pytest.mark.parametrize("as_of", ["2011-12-31", "2015-06-30", "2020-12-31"])
def test_the_shipped_registry_agrees_with_list_and_overdue(as_of: str) -> None:
    """Every unit's `lead`, `done` and `overdue` over all time as of a day are what `list
    --all` and `overdue` give for the items that unit leads (each event once)."""
    registry = ["--registry", str(SHIPPED), "--as-of", as_of]
    card = run(["scorecard", *registry, "--from", "1900-01-01", "--to", as_of, "-f", "json"])
    listed = run(["list", "--all", *registry, "--json", "id,lead,same_as,effective"])
    late = run(["overdue", *registry, "--json", "id,lead"])
    for done in (card, listed, late):
        assert done.returncode == 0, done.stderr
    items, overdue = json.loads(listed.stdout), json.loads(late.stdout)
    rows = _rows(card.stdout)
    assert rows
    for unit, row in rows.items():
        led = [i for i in items if unit in (i["lead"] or [])]
        ids = {i["id"] for i in led}
        once = [i for i in led if i["same_as"] not in ids]
        assert row["lead"] == len(once), unit
        assert row["done"] == sum(i["effective"]["status"] == "done" for i in once), unit
        assert row["overdue"] == sum(unit in (i["lead"] or []) for i in overdue), unit


def test_the_unit_filter_of_overdue_agrees_for_the_transport_bureau() -> None:
    registry = ["--registry", str(SHIPPED), "--as-of", "2020-12-31"]
    card = _rows(run(["scorecard", *registry, "--from", "2011-01-01", "-f", "json"]).stdout)
    late = json.loads(run(["overdue", *registry, "--unit", "市交通局",
                           "--json", "id,lead"]).stdout)
    assert card["市交通局"]["overdue"] == sum("市交通局" in i["lead"] for i in late)


def test_the_report_page_has_the_scorecard_as_a_section(tmp_path: Path) -> None:
    page = tmp_path / "circle.html"
    registry = ["--registry", str(SHIPPED), "--as-of", "2020-12-31"]
    done = run(["report", *registry, "-o", str(page)])
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    section = html[html.index('<section id="scorecard"'):]
    section = section[:section.index("</section>")]
    card = json.loads(run(["scorecard", *registry, "-f", "json"]).stdout)
    assert "Scorecard 2020-01-01 to 2020-12-31, as of 2020-12-31" in section
    cells = [row.split("</td><td>") for row in
             (r[len("<tr><td>"):-len("</td></tr>")] for r in section.splitlines()
              if r.startswith("<tr><td>"))]
    assert [c[0] for c in cells] == [row["unit"] for row in card]
    assert [int(c[5]) for c in cells] == [row["overdue"] for row in card]
    narrowed = tmp_path / "environment.html"
    run(["report", *registry, "--unit", "环保", "-o", str(narrowed)])
    rows = [r for r in narrowed.read_text(encoding="utf-8").split('id="scorecard"')[1]
            .split("</section>")[0].splitlines() if r.startswith("<tr><td>")]
    assert [r.split("</td>")[0] for r in rows] == ["<tr><td>市环保局"]


# The forms on record: what `forms` and `intake` write, and what the scorecard makes of it

#: 甲局 was sent three forms in 2020 (back after 4 and 10 days, with 2 and 0 rows, and one
#: never), one in 2019 (outside the period); 乙局 one, back only after the as-of day;
#: 戊局, with no item at all, one, back after 7 days.
FORMS = """
[sources.form-2019-12-01-aaaaaaaa]
title = "进度报告表 甲局 2019-12-01"
publisher = "办公室"
date = 2019-12-01
unit = "甲局"
items = ["a3"]
returned = 2019-12-02
rows = 1

[sources.form-2020-06-01-aaaaaaaa]
title = "进度报告表 甲局 2020-06-01"
publisher = "办公室"
date = 2020-06-01
unit = "甲局"
items = ["a3", "a1"]
returned = 2020-06-05
rows = 2

[sources.form-2020-09-01-aaaaaaaa]
title = "进度报告表 甲局 2020-09-01"
publisher = "办公室"
date = 2020-09-01
unit = "甲局"
items = ["a3"]
returned = 2020-09-11
rows = 0

[sources.form-2020-12-01-aaaaaaaa]
title = "进度报告表 甲局 2020-12-01"
publisher = "办公室"
date = 2020-12-01
unit = "甲局"
items = ["a3"]

[sources.form-2020-12-20-bbbbbbbb]
title = "进度报告表 乙局 2020-12-20"
publisher = "办公室"
date = 2020-12-20
unit = "乙局"
items = ["b1"]
returned = 2021-01-05
rows = 1

[sources.form-2020-03-01-eeeeeeee]
title = "进度报告表 戊局 2020-03-01"
publisher = "办公室"
date = 2020-03-01
unit = "戊局"
returned = 2020-03-08
rows = 0
"""


@pytest.fixture
def with_forms(tmp_path: Path) -> Path:
    path = tmp_path / "forms.toml"
    head, items = HAND.split("\n[[items]]", 1)
    path.write_text(head + FORMS + "\n[[items]]" + items, encoding="utf-8")
    return path


def test_the_forms_figures_agree_with_the_hand_count(with_forms: Path) -> None:
    done = run(["scorecard", "--registry", str(with_forms), "--as-of", "2020-12-31",
                "--json", "unit,forms_sent,forms_returned,median_response_days,rows_reported,"
                          "lead"])
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    assert rows["甲局"] == {"unit": "甲局", "forms_sent": 3, "forms_returned": 2,
                           "median_response_days": 7, "rows_reported": 2, "lead": 5}
    assert rows["乙局"]["forms_returned"] == 0  # back only on 2021-01-05
    assert rows["戊局"] == {"unit": "戊局", "forms_sent": 1, "forms_returned": 1,
                           "median_response_days": 7, "rows_reported": 0, "lead": 0}
    assert rows["丙局"]["forms_sent"] == 0 and rows["丙局"]["median_response_days"] is None
    later = _rows(run(["scorecard", "--registry", str(with_forms), "--as-of", "2021-01-31",
                       "--from", "2020-01-01", "--to", "2020-12-31", "-f", "json"]).stdout)
    assert later["乙局"]["forms_returned"] == 1 and later["乙局"]["median_response_days"] == 16


def test_a_form_record_is_validated(with_forms: Path) -> None:
    good = with_forms.read_text(encoding="utf-8")
    for wrong, words in (
            ('unit = "戊局"\n', "a form must name its unit"),
            ('items = ["a3"]\nreturned = 2019-12-02', "unknown item 'zz'"),
            ("returned = 2020-06-05", "before it was written"),
            ("rows = 2", "must be a whole number, 0 or more"),
            ("returned = 2020-03-08\n", "give returned too")):
        replacement = {'unit = "戊局"\n': "",
                       'items = ["a3"]\nreturned = 2019-12-02':
                           'items = ["zz"]\nreturned = 2019-12-02',
                       "returned = 2020-06-05": "returned = 2020-05-05",
                       "rows = 2": "rows = -2",
                       "returned = 2020-03-08\n": ""}[wrong]
        assert wrong in good
        with_forms.write_text(good.replace(wrong, replacement, 1), encoding="utf-8")
        done = run(["validate", "--registry", str(with_forms)])
        assert done.returncode == 1, (wrong, done.stdout)
        assert words in done.stdout + done.stderr, (wrong, done.stdout + done.stderr)
    with_forms.write_text(good, encoding="utf-8")
    assert run(["validate", "--registry", str(with_forms)]).returncode == 0


def test_form_records_of_two_coordinators_merge_without_loss(with_forms: Path) -> None:
    """Ours sent 丙局 a form, theirs 丁局 and recorded 甲局's December form back: all of it
    is in the merge; both recording the same return differently is a conflict."""
    from dataclasses import replace

    from circletrack.storage.codec import dumps, loads
    from circletrack.sync.merge import merge_registries

    base = loads(with_forms.read_bytes())
    ours, theirs = loads(with_forms.read_bytes()), loads(with_forms.read_bytes())
    sent = base.sources["form-2020-12-01-aaaaaaaa"]
    day = dt.date(2020, 12, 30)
    ours.sources["form-2020-12-30-cccccccc"] = replace(
        sent, id="form-2020-12-30-cccccccc", date=day, unit="丙局", items=("c1",))
    theirs.sources["form-2020-12-30-dddddddd"] = replace(
        sent, id="form-2020-12-30-dddddddd", date=day, unit="丁局", items=("d1",))
    theirs.sources[sent.id] = replace(sent, returned=dt.date(2020, 12, 10), rows=1)
    result = merge_registries(dumps(base), dumps(ours), dumps(theirs))
    assert not result.conflicts
    merged = loads(result.data)
    assert {f.unit for f in merged.forms if f.date == day} == {"丙局", "丁局"}
    assert merged.sources[sent.id].returned == dt.date(2020, 12, 10)
    ours.sources[sent.id] = replace(sent, returned=dt.date(2020, 12, 12), rows=1)
    clash = merge_registries(dumps(base), dumps(ours), dumps(theirs))
    assert [(c.kind, c.key, c.field) for c in clash.conflicts] == [
        ("source", sent.id, "returned")]
