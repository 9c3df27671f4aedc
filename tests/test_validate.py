"""Every validation rule, each with a bad file; problems carry line, id and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SMALL
from typer.testing import CliRunner

from circletrack.base.errors import RegistryInvalid
from circletrack.cli import app
from circletrack.storage.codec import dumps, loads, problems_in

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
        ('category = "planning"', 'category = "交通"', "coop-01: category: unknown category '交通'"),
        ('sources = [\n    "hzw-2020",', 'sources = [\n    "nowhere",',
         "target-2025-rail: sources: unknown source 'nowhere'"),
        ('title = "省级产业集聚区规划建设"', 'title = "  "', "coop-01: title: is required"),
        ('id = "coop-01"', 'id = "合作-01"', "合作-01: id: must be at most 64 lowercase ASCII"),
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
    text = SMALL.replace('status = "planned"\nsources = [\n    "plan-2011",\n]\n\n[[items]]\nid = "rail',
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
    assert lines[-1] == f"3 problems in {bad}"
    assert all(line.startswith(f"{bad}:") for line in lines[:-1])
    assert "Traceback" not in result.output
    assert bad.read_bytes() == before


def test_validate_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--registry", str(tmp_path / "none.toml")])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "registry not found" in result.stderr


# Schema 2: links, passages, sources cited, unknown progress, and reading schema 1


LINKED = SMALL.replace('requirement = "2011年完成"\nstatus = "planned"',
                       'requirement = "2011年完成"\nstatus = "planned"\ntracks = [\n    "rail-hangshao",\n]')


def test_a_tracks_link_to_a_known_item_is_valid() -> None:
    assert LINKED != SMALL
    assert problems(LINKED) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('tracks = [\n    "rail-hangshao",', 'tracks = [\n    "nowhere",',
         "coop-01: tracks: unknown item 'nowhere'"),
        ('tracks = [\n    "rail-hangshao",', 'tracks = [\n    "coop-01",',
         "coop-01: tracks: an item cannot refer to itself"),
        ('status = "planned"\ntracks', 'status = "planned"\nsame_as = "x"\ntracks',
         "coop-01: same_as: unknown item 'x'"),
    ],
)
def test_link_rules(old: str, new: str, expected: str) -> None:
    assert old in LINKED
    assert expected in "\n".join(problems(LINKED.replace(old, new)))


def test_link_cycles_are_refused() -> None:
    text = (LINKED.replace('category = "intercity_rail"',
                           'category = "intercity_rail"\nstarts = [\n    "target-2025-rail",\n]')
            .replace('category = "target"', 'category = "target"\nsame_as = "coop-01"'))
    found = [p for p in problems(text) if "derives its state from itself" in p]
    assert len(found) == 1, problems(text)
    assert "coop-01 → rail-hangshao → target-2025-rail → coop-01" in found[0]


def test_an_item_the_same_as_another_holds_no_reports_and_shares_its_due() -> None:
    text = SMALL.replace('category = "intercity_rail"',
                         'category = "intercity_rail"\nsame_as = "coop-01"\ndue = 2012-06-30')
    found = "\n".join(problems(text))
    assert "rail-hangshao: history: records the same event as coop-01" in found
    assert ("rail-hangshao: due: is 2012-06-30 but coop-01, the same event, is due 2011-12-31"
            in found)


def test_requirement_is_the_plans_own_and_only_on_cooperation_items() -> None:
    text = SMALL.replace('category = "target"', 'category = "target"\nrequirement = "到2025年"')
    assert any("target-2025-rail: requirement: requirement holds the 2011 plan's own" in p
               for p in problems(text))


def test_every_cited_source_is_among_the_items_sources() -> None:
    text = SMALL.replace('source = "plan-2011" },', 'source = "hzw-2020" },')
    assert any("rail-hangshao: facts[1].source: rests on source hzw-2020, which is not among "
               "the item's sources" in p for p in problems(text))
    deadline = SMALL.replace('category = "target"', 'category = "target"\ndeadline = "到2025年"\n'
                             'deadline_source = "plan-2011"')
    assert any("target-2025-rail: deadline_source: rests on source plan-2011" in p
               for p in problems(deadline))


PASSAGE = SMALL.replace(
    'date = 2020-11-23\n',
    'date = 2020-11-23\n\n[passages.press-keqiao]\nsource = "plan-2011"\nplace = "正文第29段"\n'
    'text = "杭绍线城际铁路交通工程……形象进度完成至25%。"\n').replace(
    'by = "高建强", source = "新闻发布会 2018-10-24" }',
    'by = "高建强", source = "新闻发布会 2018-10-24", passage = "press-keqiao" }')


def test_passages_are_checked_and_referred_to() -> None:
    assert problems(PASSAGE) == []
    registry = loads(PASSAGE.encode())
    assert registry.passages["press-keqiao"].place == "正文第29段"
    assert registry.items[1].history[0].passage == "press-keqiao"
    assert dumps(loads(dumps(registry))) == dumps(registry)
    unknown = PASSAGE.replace('passage = "press-keqiao"', 'passage = "nowhere"')
    assert any("history[1].passage: unknown passage 'nowhere'" in p for p in problems(unknown))
    elsewhere = PASSAGE.replace('source = "plan-2011"\nplace', 'source = "hzw-2020"\nplace')
    assert any("history[1].passage: rests on source hzw-2020" in p for p in problems(elsewhere))
    empty = PASSAGE.replace('place = "正文第29段"', 'place = ""')
    assert any("passage press-keqiao: place: is required" in p for p in problems(empty))


def test_nobody_reported_is_not_zero_percent() -> None:
    zero = SMALL.replace('requirement = "2011年完成"\nstatus = "planned"',
                         'requirement = "2011年完成"\nstatus = "planned"\nprogress = 0')
    assert any("coop-01: progress: is 0 but no report gives a progress" in p
               for p in problems(zero))
    missing = SMALL.replace("progress = 25\nsources", "sources")
    assert any("rail-hangshao: progress: is missing but the latest reported progress is 25" in p
               for p in problems(missing))


SCHEMA_1 = (SMALL.replace("schema = 2", "schema = 1")
            .replace('category = "planning"', 'category = "规划共绘"')
            .replace('requirement = "2011年完成"\nstatus = "planned"',
                     'requirement = "2011年完成"\nstatus = "planned"\nprogress = 0')
            .replace('category = "target"', 'category = "target"\nrequirement = "到2025年"'))


def test_a_schema_1_registry_is_read_and_saved_as_schema_2() -> None:
    assert problems(SCHEMA_1) == []
    registry = loads(SCHEMA_1.encode())
    coop, _rail, target = registry.items
    assert coop.category == "planning" and coop.progress is None
    assert target.requirement is None and target.deadline == "到2025年"
    saved = dumps(registry).decode()
    assert saved.startswith("schema = 2\n") and "规划共绘" not in saved
