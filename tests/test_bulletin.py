"""bulletin: the office's weekly 简报, checked against a hand count on a small registry."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from form_helpers import pin_office_today
from write_helpers import assert_one_line_error, invoke

from circletrack.base.errors import FieldError
from circletrack.office.bulletin import NO_UNIT, weekly_bulletin
from circletrack.render.bulletin import bulletin_html, bulletin_markdown
from circletrack.storage import Location, load

SINCE, UNTIL = dt.date(2024, 5, 27), dt.date(2024, 6, 2)

WEEK = """\
schema = 2

[sources.plan-2011]
title = "杭政办函[2011]44号"
publisher = "杭州市人民政府办公厅"
date = 2011-02-18

[[items]]
id = "a-report"
kind = "cooperation"
title = "本期有报告的事项"
lead = ["单位甲"]
created = 2024-01-01
due = 2024-12-31
status = "in_progress"
progress = 30
sources = ["plan-2011"]
history = [
    { date = 2024-05-01, status = "in_progress", progress = 10, source = "简报 2024-05-01" },
    { date = 2024-05-28, status = "in_progress", progress = 30, note = "推进", by = "甲", source = "简报 2024-05-28" },
]

[[items]]
id = "b-finished"
kind = "cooperation"
title = "本期完成的事项"
lead = ["单位乙"]
support = ["单位甲"]
created = 2024-01-01
due = 2024-06-30
status = "done"
progress = 100
sources = ["plan-2011"]
history = [
    { date = 2024-03-01, status = "in_progress", progress = 50, source = "简报 2024-03-01" },
    { date = 2024-05-30, status = "done", progress = 100, note = "完成", source = "简报 2024-05-30" },
]

[[items]]
id = "c-done-before"
kind = "cooperation"
title = "早已完成的事项"
lead = ["单位乙"]
created = 2024-01-01
due = 2024-04-30
status = "done"
progress = 100
sources = ["plan-2011"]
history = [
    { date = 2024-04-15, status = "done", progress = 100, source = "简报 2024-04-15" },
]

[[items]]
id = "d-newly-overdue"
kind = "cooperation"
title = "<b>新</b> & 逾期 | 本期"
lead = ["单位丙"]
created = 2024-01-01
due = 2024-05-29
sources = ["plan-2011"]

[[items]]
id = "e-old-overdue"
kind = "cooperation"
title = "早已逾期"
lead = ["单位丙"]
created = 2024-01-01
due = 2024-03-31
sources = ["plan-2011"]

[[items]]
id = "f-due-soon"
kind = "cooperation"
title = "即将到期"
lead = ["单位甲"]
created = 2024-01-01
due = 2024-06-15
status = "in_progress"
progress = 20
sources = ["plan-2011"]
history = [
    { date = 2024-06-03, status = "in_progress", progress = 20, note = "期后报告", source = "简报 2024-06-03" },
]

[[items]]
id = "g-due-on-until"
kind = "cooperation"
title = "期末当天到期"
lead = ["单位丙"]
created = 2024-01-01
due = 2024-06-02
sources = ["plan-2011"]

[[items]]
id = "h-moved"
kind = "project"
title = "本期延期的项目"
category = "road"
lead = ["单位乙"]
created = 2024-01-01
due = 2024-09-30
original_due = 2024-05-31
sources = ["plan-2011"]
due_changes = [
    { from = 2024-05-31, to = 2024-09-30, date = 2024-05-31, reason = "审批延后", by = "单位乙" },
]

[[items]]
id = "i-moved-before"
kind = "project"
title = "早先延期的项目"
category = "road"
lead = ["单位乙"]
created = 2024-01-01
due = 2025-03-31
original_due = 2024-12-31
sources = ["plan-2011"]
due_changes = [
    { from = 2024-12-31, to = 2025-03-31, date = 2024-02-01, reason = "调整", by = "单位乙" },
]

[[items]]
id = "j-derived-done"
kind = "cooperation"
title = "由道路推出完成的事项"
lead = ["单位丁"]
created = 2024-01-01
due = 2024-05-31
sources = ["plan-2011"]
tracks = ["k-road"]

[[items]]
id = "k-road"
kind = "project"
title = "没有单位的道路"
category = "road"
created = 2024-01-01
status = "done"
progress = 100
sources = ["plan-2011"]
history = [
    { date = 2024-06-01, status = "done", progress = 100, note = "通车", source = "简报 2024-06-01" },
]
"""


@pytest.fixture
def week(tmp_path: Path) -> Path:
    path = tmp_path / "week.toml"
    path.write_text(WEEK, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_office_today(monkeypatch)


def items(path: Path):  # noqa: ANN201
    return load(Location(path, "option")).items


def test_the_bulletin_matches_a_hand_count(week: Path) -> None:
    bulletin = weekly_bulletin(items(week), SINCE, UNTIL)
    # f-due-soon's report of 2024-06-03 is after the period and not counted
    assert [(e.report.date, e.item.id) for e in bulletin.reports] == [
        (dt.date(2024, 5, 28), "a-report"), (dt.date(2024, 5, 30), "b-finished"),
        (dt.date(2024, 6, 1), "k-road")]
    # j is finished because the road it tracks was; c was done before the period
    assert [i.id for i in bulletin.finished] == ["b-finished", "j-derived-done", "k-road"]
    assert [i.id for i in bulletin.overdue] == ["e-old-overdue", "d-newly-overdue"]
    assert [i.id for i in bulletin.newly_overdue] == ["d-newly-overdue"]
    # due on the last day is due soon, not overdue; b is due in June but finished
    assert [i.id for i in bulletin.due_soon] == ["g-due-on-until", "f-due-soon"]
    assert [(m.item.id, m.change.reason) for m in bulletin.moves] == [("h-moved", "审批延后")]
    assert [(u.unit, u.reports, u.finished, u.newly_overdue, u.overdue, u.due_soon)
            for u in bulletin.units] == [
        ("单位丁", 0, 1, 0, 0, 0),
        ("单位丙", 0, 0, 1, 2, 1),
        ("单位乙", 1, 1, 0, 0, 0),
        ("单位甲", 2, 1, 0, 0, 1),  # b's report and finish count for its supporting unit
        (NO_UNIT, 1, 1, 0, 0, 0),
    ]


def test_the_markdown_says_it_all(week: Path) -> None:
    text = bulletin_markdown(weekly_bulletin(items(week), SINCE, UNTIL))
    assert text.startswith("# 杭州都市圈合作发展协调会办公室 Bulletin, 2024-05-27 to 2024-06-02\n")
    assert ("3 reports recorded, 3 items finished, 1 newly overdue; 2 items overdue as of "
            "2024-06-02, 2 due in the next 30 days.") in text
    assert "## Newly overdue (1)\n\n| ID | Title | Lead | Due | Days overdue |\n|---|---|---|" \
           "---|---|\n| d-newly-overdue | &lt;b&gt;新&lt;/b&gt; &amp; 逾期 \\| 本期 | 单位丙 | 2024-05-29 " \
           "| 4 |\n" \
        in text
    assert "| h-moved | 本期延期的项目 | 2024-05-31 | 2024-05-31 | 2024-09-30 | 审批延后 |" in text
    assert "| g-due-on-until | 期末当天到期 | 单位丙 | 2024-06-02 | 0 |" in text
    assert "| 单位丙 | 0 | 0 | 1 | 2 | 1 |" in text and "| (no unit) | 1 | 1 | 0 | 0 | 0 |" in text


def test_an_empty_section_says_none(week: Path) -> None:
    text = bulletin_markdown(weekly_bulletin(items(week), dt.date(2023, 1, 2),
                                             dt.date(2023, 1, 8)))
    assert "## Reports recorded (0)\n\nNone.\n" in text


def test_the_html_escapes_every_text(week: Path) -> None:
    page = bulletin_html(weekly_bulletin(items(week), SINCE, UNTIL))
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert "<b>新</b>" not in page
    assert html.escape("<b>新</b> & 逾期 | 本期") in page
    assert page.count("<table>") == 6 and "<h2>By unit</h2>" in page
    assert page.rstrip().endswith("</html>")


def test_the_bulletin_is_deterministic(week: Path, tmp_path: Path) -> None:
    first = invoke(week, "bulletin", "--since", "2024-05-27", "--until", "2024-06-02")
    second = invoke(week, "bulletin", "--since", "2024-05-27", "--until", "2024-06-02")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout == bulletin_markdown(weekly_bulletin(items(week), SINCE, UNTIL))


def test_until_defaults_to_today_and_dates_take_every_form(week: Path) -> None:
    # the clock is pinned to 2024-06-01
    relative = invoke(week, "bulletin", "--since", "-6d")
    explicit = invoke(week, "bulletin", "--since", "2024-05-27", "--until", "2024-06-01")
    assert relative.exit_code == 0 and relative.stdout == explicit.stdout


def test_a_week_back_is_seven_days_and_weeks_meet(week: Path) -> None:
    # the clock is pinned to 2024-06-01: -1w is 05-26 to 06-01, seven days, and the week
    # before it (counted back from --until 05-25) ends the day before this one starts
    this_week = invoke(week, "bulletin", "--since", "-1w")
    last_week = invoke(week, "bulletin", "--since", "-1w", "--until", "2024-05-25")
    assert this_week.exit_code == 0 and last_week.exit_code == 0, this_week.stderr
    assert this_week.stdout.splitlines()[0].endswith("2024-05-26 to 2024-06-01")
    assert last_week.stdout.splitlines()[0].endswith("2024-05-19 to 2024-05-25")
    fixed = invoke(week, "bulletin", "--since", "2024-05-26")
    assert fixed.stdout == this_week.stdout
    a_month = invoke(week, "bulletin", "--since", "-1m", "--until", "2024-03-31")
    assert a_month.stdout.splitlines()[0].endswith("2024-03-01 to 2024-03-31")


def test_html_output_file_from_its_suffix(week: Path, tmp_path: Path) -> None:
    out = tmp_path / "简报.html"
    result = invoke(week, "bulletin", "--since", "2024-05-27", "--until", "2024-06-02",
                    "--output", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    again = invoke(week, "bulletin", "--since", "2024-05-27", "--output", str(out))
    assert "already exists" in assert_one_line_error(again, 1)


def test_the_bulletin_in_chinese(week: Path) -> None:
    result = invoke(week, "--lang", "zh", "bulletin", "--since", "2024-05-27", "--until",
                    "2024-06-02")
    assert result.exit_code == 0
    assert "## 本期完成（3）" in result.stdout
    assert "| （无单位） | 1 | 1 | 0 | 0 | 0 |" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--since", "2024-06-02", "--until", "2024-05-27"),
     "--until: 2024-05-27 is before the start of the period (2024-06-02)"),
    (("--since", "someday"), "--since: cannot read 'someday' as a date"),
    (("--since", "2024-05-27", "--format", "pdf"), "--format: unknown value 'pdf'"),
    ((), "Missing option '--since'"),
])
def test_bulletin_usage_errors(week: Path, args: tuple[str, ...], message: str) -> None:
    line = assert_one_line_error(invoke(week, "bulletin", *args), 2)
    assert message in line


def test_until_before_since_is_a_field_error(week: Path) -> None:
    with pytest.raises(FieldError) as raised:
        weekly_bulletin(items(week), UNTIL, SINCE)
    assert raised.value.field == "until"
