"""Every validation rule, each with a bad file; problems carry line, id and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SMALL
from typer.testing import CliRunner

from circletrack.cli import app
from circletrack.codec import dumps, loads, problems_in
from circletrack.errors import RegistryInvalid

runner = CliRunner()


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def problems(text: str) -> list[str]:
    return [p.format() for p in problems_in(text.encode("utf-8"))]


def test_small_registry_is_valid() -> None:
    assert problems(SMALL) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('kind = "project"', 'kind = "programme"', "rail-hangshao: kind: unknown kind 'programme'"),
        ('status = "in_progress"\nprogress = 25', 'status = "stalled"\nprogress = 25',
         "rail-hangshao: status: unknown status 'stalled'"),
        ('requirement = "2011年完成"', 'requirement = "2011年完成"\nowner = "x"',
         "coop-01: owner: unknown key 'owner'"),
        ("progress = 25\nsources", "progress = 150\nsources",
         "rail-hangshao: progress: must be a whole number from 0 to 100, found 150"),
        ("progress = 25\nsources", "progress = -1\nsources",
         "rail-hangshao: progress: must be a whole number from 0 to 100, found -1"),
        ("due = 2011-12-31", 'due = "2011年底"', "coop-01: due: due date is not a date: '2011年底'"),
        ("due = 2011-12-31", "due = 2011-12-31T10:00:00", "coop-01: due: due date is not a date"),
        ('{ date = 2018-10-24, status = "in_progress"', '{ status = "in_progress"',
         "rail-hangshao: history[1].date: a report needs a date"),
        (', source = "新闻发布会 2018-10-24" }', " }",
         "rail-hangshao: history[1].source: a report needs a source"),
        ('category = "规划共绘"', 'category = "交通"', "coop-01: category: unknown category '交通'"),
        ('sources = [\n    "hzw-2020",', 'sources = [\n    "nowhere",',
         "target-2025-rail: sources: unknown source 'nowhere'"),
        ('title = "省级产业集聚区规划建设"', 'title = "  "', "coop-01: title: is required"),
        ('id = "coop-01"', 'id = "合作-01"', "合作-01: id: must be lowercase ASCII"),
        ('op = ">="', 'op = "≥"', "target-2025-rail: target.op: must be one of"),
        ('unit = "亿元"', 'unit = "亿元", colour = "red"',
         "rail-hangshao: facts[1].colour: unknown key 'colour'"),
        ('key = "investment"', 'key = "cost"', "rail-hangshao: facts[1].key: unknown fact key"),
    ],
)
def test_each_rule_is_reported_with_id_and_field(old: str, new: str, expected: str) -> None:
    assert old in SMALL
    found = problems(SMALL.replace(old, new, 1))
    assert any(expected in p for p in found), found


def test_done_below_100_is_refused() -> None:
    text = SMALL.replace('status = "planned"\nprogress = 0\nsources = [\n    "plan-2011",\n]\n\n[[items]]\nid = "rail',
                         'status = "done"\nprogress = 60\nsources = [\n    "plan-2011",\n]\n\n[[items]]\nid = "rail', 1)
    assert "coop-01: status: an item that is done must be at 100%, found 60%" in "\n".join(problems(text))


def test_done_report_without_100_is_refused() -> None:
    text = SMALL.replace('status = "in_progress", progress = 25,', 'status = "done", progress = 90,')
    assert any("history[1].progress: a report of done must be at 100%" in p for p in problems(text))


def test_state_must_match_latest_report() -> None:
    text = SMALL.replace('status = "in_progress"\nprogress = 25', 'status = "planned"\nprogress = 25')
    assert any("rail-hangshao: status: is 'planned' but the latest report (2018-10-24) says "
               "'in_progress'" in p for p in problems(text))


def test_duplicate_ids_are_reported_at_the_second() -> None:
    text = SMALL.replace('id = "target-2025-rail"', 'id = "coop-01"')
    found = problems_in(text.encode())
    dup = [p for p in found if "duplicate id" in p.message]
    assert len(dup) == 1
    assert dup[0].line == line_of(text, 'id = "coop-01"', 2)
    assert dup[0].item_id == "coop-01" and dup[0].field == "id"


def test_target_only_on_milestones() -> None:
    text = SMALL.replace('kind = "milestone"', 'kind = "project"').replace(
        'category = "target"', 'category = "rail"')
    assert any("only milestones carry a target" in p for p in problems(text))


def test_malformed_toml_gives_its_line() -> None:
    text = SMALL.replace('title = "杭绍城际铁路"', 'title = "杭绍城际铁路', 1)
    found = problems_in(text.encode())
    assert len(found) == 1
    assert found[0].message.startswith("malformed TOML")
    assert found[0].line == line_of(text, 'title = "杭绍城际铁路')


def test_not_utf8_is_reported() -> None:
    found = problems_in(SMALL.encode("gb18030"))
    assert len(found) == 1 and "not UTF-8" in found[0].message


def test_lines_point_at_the_field() -> None:
    text = SMALL.replace("progress = 25\nsources", "progress = 150\nsources")
    found = [p for p in problems_in(text.encode()) if p.field == "progress"]
    assert found[0].line == line_of(text, "progress = 150")


def test_every_problem_is_reported_at_once() -> None:
    text = (SMALL.replace('kind = "cooperation"', 'kind = "task"')
            .replace("progress = 25\nsources", "progress = 101\nsources")
            .replace('op = ">="', 'op = "about"'))
    found = problems(text)
    assert len(found) >= 3
    assert any("unknown kind 'task'" in p for p in found)
    assert any("found 101" in p for p in found)
    assert any("target.op" in p for p in found)


def test_loads_raises_with_every_problem() -> None:
    text = SMALL.replace('kind = "cooperation"', 'kind = "task"').replace(
        "progress = 25\nsources", "progress = 101\nsources")
    with pytest.raises(RegistryInvalid) as info:
        loads(text.encode(), "x.toml")
    assert len(info.value.problems) >= 2
    assert str(info.value).startswith("x.toml:")


def test_canonical_dump_is_stable() -> None:
    once = dumps(loads(SMALL.encode()))
    assert dumps(loads(once)) == once


def test_validate_command_ok(small_registry: Path) -> None:
    result = runner.invoke(app, ["validate", "--registry", str(small_registry)])
    assert result.exit_code == 0
    assert "3 items (1 cooperation, 1 project, 1 milestone), 2 sources" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1


def test_validate_command_lists_problems_one_per_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace('kind = "cooperation"', 'kind = "task"').replace(
        "progress = 25\nsources", "progress = 101\nsources"), encoding="utf-8")
    before = bad.read_bytes()
    result = runner.invoke(app, ["validate", "--registry", str(bad)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"2 problems in {bad}"
    assert all(line.startswith(f"{bad}:") for line in lines[:-1])
    assert "Traceback" not in result.output
    assert bad.read_bytes() == before


def test_validate_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--registry", str(tmp_path / "none.toml")])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "registry not found" in result.stderr
