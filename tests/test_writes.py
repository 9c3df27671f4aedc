"""mark, add, edit, undo and log: each command's effect, read back through the library."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from write_helpers import TODAY, USER, assert_one_line_error, invoke, pin_today

from circletrack.changes.writes import (
    ReportRequest,
    add_item,
    item_fields,
    next_id,
    record_report,
)
from circletrack.cli import app
from circletrack.query.select import report_log
from circletrack.storage import Location, journal, load

pinned_today = pytest.fixture(pin_today)
ROOT = Path(__file__).resolve().parents[1]
WRITE_COMMANDS = ("mark", "add", "edit", "undo", "log")


def item(path: Path, item_id: str):  # noqa: ANN201
    """The item as the library reads it back from the file."""
    found = load(Location(path, "option")).get(item_id)
    assert found is not None
    return found


# mark


def test_mark_records_a_report_and_updates_the_state(small_registry: Path, pinned_today) -> None:
    result = invoke(small_registry, "mark", "rail-hangshao", "--progress", "40",
                    "--note", "主体完工")
    assert result.exit_code == 0, result.stderr
    assert "in progress 25% → in progress 40%" in result.stdout
    assert result.stdout.rstrip().endswith(f"; wrote {small_registry})")
    rail = item(small_registry, "rail-hangshao")
    assert (rail.status, rail.progress) == ("in_progress", 40)
    latest = rail.history[-1]
    assert (latest.date, latest.progress, latest.note, latest.by) == (TODAY, 40, "主体完工", USER)
    assert latest.source == f"recorded by {USER} with circletrack on {TODAY}"
    assert len(rail.history) == 2


def test_mark_progress_100_means_done_and_never_in_progress(small_registry: Path) -> None:
    assert invoke(small_registry, "mark", "coop-01", "-p", "100").exit_code == 0
    assert (item(small_registry, "coop-01").status, item(small_registry, "coop-01").progress) \
        == ("done", 100)
    before = small_registry.read_bytes()
    refused = invoke(small_registry, "mark", "rail", "-p", "100%", "-s", "in_progress")
    assert assert_one_line_error(refused, 2) == (
        "Error: --progress: progress 100 means done; a report of in_progress gives less")
    assert small_registry.read_bytes() == before


def test_mark_status_done_alone_means_100(small_registry: Path) -> None:
    assert invoke(small_registry, "mark", "coop-01", "--status", "done").exit_code == 0
    coop = item(small_registry, "coop-01")
    assert (coop.status, coop.progress, coop.history[-1].progress) == ("done", 100, 100)


def test_mark_progress_without_status_is_in_progress(small_registry: Path) -> None:
    assert invoke(small_registry, "mark", "coop-01", "--progress", "1").exit_code == 0
    assert item(small_registry, "coop-01").status == "in_progress"


def test_mark_done_below_100_is_refused(small_registry: Path) -> None:
    before = small_registry.read_bytes()
    result = invoke(small_registry, "mark", "coop-01", "--status", "done", "--progress", "80")
    assert "a report of done must be at 100%, found" in assert_one_line_error(result, 2)
    assert small_registry.read_bytes() == before


def test_mark_going_backwards_needs_a_note(small_registry: Path) -> None:
    before = small_registry.read_bytes()
    result = invoke(small_registry, "mark", "rail-hangshao", "--progress", "10")
    assert "--note" in assert_one_line_error(result, 2)
    assert small_registry.read_bytes() == before
    result = invoke(small_registry, "mark", "rail-hangshao", "--progress", "10",
                    "--note", "复核后下调")
    assert result.exit_code == 0, result.stderr
    assert item(small_registry, "rail-hangshao").progress == 10


def test_mark_backdated_report_goes_in_date_order_and_keeps_the_state(
        small_registry: Path) -> None:
    result = invoke(small_registry, "mark", "rail-hangshao", "--progress", "10",
                    "--date", "2016年3月5日", "--source", "浙江日报 2016-03-06")
    assert result.exit_code == 0, result.stderr
    assert "stays in progress 25%" in result.stdout
    assert "before the latest of 2018-10-24" in result.stdout
    rail = item(small_registry, "rail-hangshao")
    assert [r.date for r in rail.history] == [dt.date(2016, 3, 5), dt.date(2018, 10, 24)]
    assert (rail.status, rail.progress) == ("in_progress", 25)
    assert rail.history[0].source == "浙江日报 2016-03-06"


def test_mark_same_day_report_is_the_latest(small_registry: Path) -> None:
    result = invoke(small_registry, "mark", "rail-hangshao", "--status", "blocked",
                    "--date", "2018-10-24", "--note", "征迁受阻")
    assert result.exit_code == 0, result.stderr
    rail = item(small_registry, "rail-hangshao")
    assert rail.status == "blocked" and rail.progress == 25
    assert rail.history[-1].note == "征迁受阻"


def test_mark_note_alone_keeps_status_and_progress(small_registry: Path) -> None:
    assert invoke(small_registry, "mark", "rail-hangshao", "--note", "召开推进会").exit_code == 0
    rail = item(small_registry, "rail-hangshao")
    assert (rail.status, rail.progress, rail.history[-1].progress) == ("in_progress", 25, None)


def test_mark_value_for_a_numeric_target(small_registry: Path) -> None:
    result = invoke(small_registry, "mark", "target-2025-rail", "--value", "516.5",
                    "--status", "in_progress", "--date", "2023-12-31")
    assert result.exit_code == 0, result.stderr
    target = item(small_registry, "target-2025-rail")
    assert target.reported_value == 516.5 and target.status == "in_progress"
    result = invoke(small_registry, "mark", "rail-hangshao", "--value", "3")
    assert "no numeric target" in assert_one_line_error(result, 2)


def test_mark_finds_items_by_title_fragment_and_by_env_user(small_registry: Path) -> None:
    result = invoke(small_registry, "mark", "杭绍", "-p", "30", env={"CIRCLETRACK_USER": "李四"})
    assert result.exit_code == 0, result.stderr
    assert item(small_registry, "rail-hangshao").history[-1].by == "李四"
    result = invoke(small_registry, "mark", "杭绍", "-p", "35", "--by", "王五")
    assert item(small_registry, "rail-hangshao").history[-1].by == "王五"


@pytest.mark.parametrize("args, fragment", [
    ((), "nothing to record"),
    (("--progress", "150"), "0 to 100"),
    (("--progress", "abc"), "0 to 100"),
    (("--status", "finished"), "unknown status"),
    (("--note", "x", "--date", "someday"), "cannot read"),
    (("--note", "x", "--date", "2099-01-01"), "in the future"),
    (("--note", "x", "--date", "2999-01-01"), "outside the dates a registry holds"),
    (("--note", "   "), "must not be empty"),
])
def test_mark_bad_input(small_registry: Path, args: tuple[str, ...], fragment: str) -> None:
    before = small_registry.read_bytes()
    assert fragment in assert_one_line_error(invoke(small_registry, "mark", "coop-01", *args), 2)
    assert small_registry.read_bytes() == before


def test_record_report_library_call(small_registry: Path) -> None:
    registry = load(Location(small_registry, "option"))
    result = record_report(registry, "coop-01", ReportRequest(
        date=dt.date(2011, 9, 1), by="市发改委", source="简报 2011-09", progress=60))
    assert result.before == ("planned", None) and result.after == ("in_progress", 60)
    assert registry.get("coop-01").history[0].progress == 60  # type: ignore[union-attr]


# add


def test_add_generates_the_next_free_id_per_kind(small_registry: Path, pinned_today) -> None:
    result = invoke(small_registry, "add", "--kind", "project", "--title", "杭德城际铁路",
                    "--category", "intercity_rail", "--lead", "市发改委", "--lead", "德清县政府",
                    "--city", "杭州", "--city", "德清", "--due", "2026-12-31",
                    "--source", "plan-2011", "--tag", "轨道", "--content", "全长约41公里")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("added prj-001 杭德城际铁路")
    new = item(small_registry, "prj-001")
    assert (new.kind, new.category, new.lead, new.cities) == (
        "project", "intercity_rail", ("市发改委", "德清县政府"), ("杭州", "德清"))
    assert (new.created, new.due, new.status, new.progress) == (TODAY, dt.date(2026, 12, 31),
                                                                "planned", None)
    assert (new.sources, new.tags, new.content) == (("plan-2011",), ("轨道",), "全长约41公里")
    assert invoke(small_registry, "add", "--kind", "project", "--title", "二号").exit_code == 0
    assert invoke(small_registry, "add", "--kind", "cooperation", "--title", "新合作").exit_code == 0
    ids = [i.id for i in load(Location(small_registry, "option")).items]
    assert ids[-3:] == ["prj-001", "prj-002", "coop-02"]


def test_next_id_never_reuses_and_follows_the_highest(small_registry: Path) -> None:
    registry = load(Location(small_registry, "option"))
    values = item_fields({"title": "x"}, TODAY)
    add_item(registry, "milestone", values, TODAY, item_id="ms-041")
    assert next_id(registry, "milestone") == "ms-042"
    assert next_id(registry, "cooperation") == "coop-02"


def test_add_milestone_with_a_target_and_given_id(small_registry: Path) -> None:
    result = invoke(small_registry, "add", "--kind", "milestone", "--id", "target-2030-rail",
                    "--title", "轨道交通里程达到1000公里", "--category", "target",
                    "--target-value", "1000", "--target-unit", "公里", "--target-year", "2030",
                    "--created", "2024-01-15")
    assert result.exit_code == 0, result.stderr
    new = item(small_registry, "target-2030-rail")
    assert new.target is not None and (new.target.value, new.target.unit, new.target.year,
                                       new.target.op) == (1000, "公里", 2030, ">=")
    assert new.created == dt.date(2024, 1, 15)


@pytest.mark.parametrize("args, fragment", [
    (("--kind", "project", "--title", "  "), "must not be empty"),
    (("--kind", "project"), "--title: is required"),
    (("--title", "x"), "--kind: is required"),
    (("--kind", "plan", "--title", "x"), "unknown kind"),
    (("--kind", "project", "--title", "x", "--id", "coop-01"), "already taken"),
    (("--kind", "project", "--title", "x", "--id", "Bad Id"), "lowercase ASCII"),
    (("--kind", "project", "--title", "x", "--category", "交通共联"), "unknown category"),
    (("--kind", "project", "--title", "x", "--source", "nowhere"), "unknown source"),
    (("--kind", "project", "--title", "x", "--related", "nothing"), "no other item"),
    (("--kind", "project", "--title", "x", "--target-value", "3"), "only milestones"),
    (("--kind", "milestone", "--title", "x", "--target-value", "3"), "--target-year"),
    (("--kind", "project", "--title", "x", "--due", "soon"), "cannot read"),
])
def test_add_bad_input(small_registry: Path, args: tuple[str, ...], fragment: str) -> None:
    before = small_registry.read_bytes()
    assert fragment in assert_one_line_error(invoke(small_registry, "add", *args), 2)
    assert small_registry.read_bytes() == before


# edit


def test_edit_replaces_fields_and_lists(small_registry: Path) -> None:
    result = invoke(small_registry, "edit", "coop-01", "--title", "省级产业集聚区规划",
                    "--title-en", "Provincial industrial clusters", "--lead", "省发改委",
                    "--lead", "市规划局", "--support", "湖州市", "--tag", "规划",
                    "--requirement", "2011年底前完成", "--reading", "合并单元格")
    assert result.exit_code == 0, result.stderr
    coop = item(small_registry, "coop-01")
    assert coop.title == "省级产业集聚区规划" and coop.title_en == "Provincial industrial clusters"
    assert (coop.lead, coop.support, coop.tags) == (("省发改委", "市规划局"), ("湖州市",), ("规划",))
    assert (coop.requirement, coop.reading) == ("2011年底前完成", "合并单元格")
    assert coop.due == dt.date(2011, 12, 31) and coop.due_changes == ()
    assert invoke(small_registry, "edit", "coop-01", "--support", "", "--title-en", "").exit_code == 0
    coop = item(small_registry, "coop-01")
    assert coop.support == () and coop.title_en is None and coop.lead == ("省发改委", "市规划局")


def test_edit_due_keeps_the_original_and_counts_the_moves(small_registry: Path,
                                                           pinned_today) -> None:
    result = invoke(small_registry, "edit", "coop-01", "--due", "2012年6月", "--reason", "省里延期")
    assert result.exit_code == 0, result.stderr
    assert "due (2011-12-31 → 2012-06-30)" in result.stdout
    result = invoke(small_registry, "edit", "coop-01", "--due", "2012-12-31", "--reason", "再延期",
                    "--by", "市发改委")
    assert result.exit_code == 0, result.stderr
    coop = item(small_registry, "coop-01")
    assert coop.original_due == dt.date(2011, 12, 31) and coop.due == dt.date(2012, 12, 31)
    assert [(c.from_, c.to, c.date, c.reason, c.by) for c in coop.due_changes] == [
        (dt.date(2011, 12, 31), dt.date(2012, 6, 30), TODAY, "省里延期", USER),
        (dt.date(2012, 6, 30), dt.date(2012, 12, 31), TODAY, "再延期", "市发改委"),
    ]


def test_edit_due_by_a_relative_word_says_from_when_and_warns_when_earlier(
        small_registry: Path, pinned_today) -> None:
    later = invoke(small_registry, "edit", "coop-01", "--due", "+6m", "--reason", "延期")
    assert later.exit_code == 0, later.stderr
    moved_to = TODAY.replace(year=TODAY.year + (TODAY.month + 6 - 1) // 12,
                             month=(TODAY.month + 6 - 1) % 12 + 1)
    assert f"(2011-12-31 → {moved_to})" in later.stdout
    assert f"+6m counts from today, {TODAY}" in later.stdout
    assert later.stderr == ""  # later than before: nothing to warn about
    earlier = invoke(small_registry, "edit", "coop-01", "--due", "+1m", "--reason", "提前")
    assert earlier.exit_code == 0, earlier.stderr
    assert earlier.stderr.startswith("Warning: coop-01's due date moved earlier, from "
                                     f"{moved_to} to ")
    fixed = invoke(small_registry, "edit", "coop-01", "--due", "2030-01-01", "--reason", "定")
    assert "counts from today" not in fixed.stdout and fixed.stderr == ""


def test_edit_due_of_an_item_without_one(small_registry: Path) -> None:
    assert invoke(small_registry, "edit", "rail", "--due", "2025-12-31",
                  "--reason", "首次明确工期").exit_code == 0
    rail = item(small_registry, "rail-hangshao")
    assert rail.original_due is None and rail.due == dt.date(2025, 12, 31)
    assert rail.due_changes[0].from_ is None


@pytest.mark.parametrize("args, fragment", [
    (("--due", "2012-06-30"), "--reason: moving coop-01's due date needs a reason"),
    (("--reason", "why"), "--reason: goes with a new due date"),
    ((), "nothing to change"),
    (("--title", ""), "must not be empty"),
    (("--status", "done"), "use `circletrack mark`"),
    (("--progress", "50"), "use `circletrack mark`"),
    (("--category", "highway"), "unknown category"),
    (("--target-year", "2030"), "only milestones"),
])
def test_edit_bad_input(small_registry: Path, args: tuple[str, ...], fragment: str) -> None:
    before = small_registry.read_bytes()
    assert fragment in assert_one_line_error(invoke(small_registry, "edit", "coop-01", *args), 2)
    assert small_registry.read_bytes() == before


def test_edit_with_the_current_values_writes_nothing(small_registry: Path) -> None:
    before = small_registry.read_bytes()  # hand-written, so a rewrite would show
    result = invoke(small_registry, "edit", "coop-01", "--title", "省级产业集聚区规划建设",
                    "--due", "2011-12-31", "--lead", "市发改委")
    assert result.exit_code == 0 and "nothing changed" in result.stdout
    assert small_registry.read_bytes() == before
    assert journal.entries(small_registry) == []


# undo


def test_undo_restores_each_version_byte_for_byte(small_registry: Path) -> None:
    versions = [small_registry.read_bytes()]
    for args in (("mark", "rail", "-p", "30"), ("add", "--kind", "project", "--title", "新项目"),
                 ("edit", "coop-01", "--due", "2012-03-31", "--reason", "延期"),
                 ("mark", "target", "--value", "600", "--date", "2024-01-01")):
        assert invoke(small_registry, *args).exit_code == 0
        versions.append(small_registry.read_bytes())
    assert len(set(versions)) == len(versions)
    assert len(journal.entries(small_registry)) == 4
    for expected in reversed(versions[:-1]):
        result = invoke(small_registry, "undo")
        assert result.exit_code == 0, result.stderr
        assert small_registry.read_bytes() == expected
    assert small_registry.read_bytes() == versions[0]  # the hand-written original
    assert "nothing to undo" in assert_one_line_error(invoke(small_registry, "undo"), 1)
    assert small_registry.read_bytes() == versions[0]


def test_undo_after_undo_and_new_writes(small_registry: Path) -> None:
    original = small_registry.read_bytes()
    invoke(small_registry, "mark", "rail", "-p", "30")
    invoke(small_registry, "undo")
    invoke(small_registry, "mark", "rail", "-p", "35")
    after_35 = small_registry.read_bytes()
    invoke(small_registry, "mark", "rail", "-p", "45")
    assert invoke(small_registry, "undo").exit_code == 0
    assert small_registry.read_bytes() == after_35
    assert invoke(small_registry, "undo").exit_code == 0
    assert small_registry.read_bytes() == original


def test_undo_list_shows_the_commands(small_registry: Path) -> None:
    invoke(small_registry, "mark", "rail", "-p", "30", "--note", "进展 顺利")
    invoke(small_registry, "edit", "coop-01", "--tag", "a", "--tag", "b")
    before = small_registry.read_bytes()
    result = invoke(small_registry, "undo", "--list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].endswith(f"{USER}: circletrack edit coop-01 --tag a --tag b")
    assert lines[1].endswith("circletrack mark rail --progress 30 --note '进展 顺利'")
    assert small_registry.read_bytes() == before
    assert len(journal.entries(small_registry)) == 2


def test_journal_keeps_at_most_its_limit_and_no_leftovers(tmp_path: Path) -> None:
    path = tmp_path / "projects.toml"
    for n in range(5):
        journal.record(path, b"v%d" % n, b"v%d" % (n + 1), f"write {n}", "u", limit=3)
        (journal.journal_dir(path) / f".00000{n}.before.killed.tmp").write_bytes(b"partial")
    journal.record(path, b"v5", b"v6", "write 5", "u", limit=4)
    assert [e.label for e in journal.entries(path)] == ["write 2", "write 3", "write 4",
                                                        "write 5"]
    assert sorted(p.name for p in journal.journal_dir(path).iterdir()) == [
        f"00000{n}.{suffix}" for n in (3, 4, 5, 6) for suffix in ("json", "undo")]


# log


def test_log_lists_reports_newest_first(small_registry: Path) -> None:
    invoke(small_registry, "mark", "coop-01", "-p", "20", "--date", "2011-06-01", "--by", "甲")
    invoke(small_registry, "mark", "coop-01", "-p", "50", "--date", "2012-01-01", "--by", "乙")
    invoke(small_registry, "mark", "rail", "-p", "90", "--date", "2020-05-05", "--by", "甲")
    result = invoke(small_registry, "log", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["id"], r["date"]) for r in rows] == [
        ("rail-hangshao", "2020-05-05"), ("rail-hangshao", "2018-10-24"),
        ("coop-01", "2012-01-01"), ("coop-01", "2011-06-01")]
    assert rows[0]["title"] == "杭绍城际铁路" and rows[0]["progress"] == 90
    rows = json.loads(invoke(small_registry, "log", "coop", "-f", "json").stdout)
    assert [r["date"] for r in rows] == ["2012-01-01", "2011-06-01"]
    rows = json.loads(invoke(small_registry, "log", "--by", "甲", "--since", "2011-06-02",
                             "-f", "json").stdout)
    assert [r["date"] for r in rows] == ["2020-05-05"]
    rows = json.loads(invoke(small_registry, "log", "--limit", "1", "-f", "json").stdout)
    assert len(rows) == 1


def test_log_table_lines_up_chinese(small_registry: Path) -> None:
    result = invoke(small_registry, "log")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "杭绍城际铁路" in line]
    header = next(line for line in result.stdout.splitlines() if line.lstrip().startswith("Date"))
    from rich.cells import cell_len

    # The Status column starts at the same screen column in the header and the row.
    assert lines and cell_len(lines[0][:lines[0].index("in progress")]) == header.index("Status")
    for column in ("Date", "ID", "Title", "Status", "%", "Note", "By", "Source"):
        assert column in header


def test_log_reports_within_the_same_day_latest_recorded_first() -> None:
    from conftest import SMALL

    from circletrack.storage.codec import loads

    registry = loads(SMALL.encode())
    for note in ("first", "second"):
        record_report(registry, "coop-01", ReportRequest(date=TODAY, by="x", source="y",
                                                         note=note))
    assert [e.report.note for e in report_log(registry.items, limit=2)] == ["second", "first"]


def test_log_of_one_day_across_items_follows_the_documented_order(tmp_path: Path) -> None:
    # recorded: coop-13, coop-12 (10%), coop-14, coop-12 (20%), all dated one day; a report
    # holds no time of day, so across items the registry's order decides (docs/commands/log.md)
    from program import run

    registry = tmp_path / "r.toml"
    assert run(["init", str(registry)]).returncode == 0
    for item, progress in (("coop-13", "10"), ("coop-12", "10"), ("coop-14", "10"),
                           ("coop-12", "20")):
        done = run(["mark", item, "-p", progress, "--date", "2024-05-01", "--source", "s",
                    "-r", str(registry)], env={"CIRCLETRACK_USER": "t"})
        assert done.returncode == 0, done.stderr
    shown = run(["log", "--since", "2024-05-01", "--format", "json", "-r", str(registry)])
    order = [(e["id"], e["progress"]) for e in json.loads(shown.stdout)]
    assert order == [("coop-14", 10), ("coop-13", 10), ("coop-12", 20), ("coop-12", 10)]


@pytest.mark.parametrize("args, fragment", [
    (("--limit", "-1"), "--limit: must be 0 or more"),
    (("--limit", "ten"), "--limit"),
    (("--since", "whenever"), "cannot read"),
    (("--format", "xml"), "unknown value"),
    (("nothing-like-this",), "no item"),
])
def test_log_bad_input(small_registry: Path, args: tuple[str, ...], fragment: str) -> None:
    assert fragment in assert_one_line_error(invoke(small_registry, "log", *args), 2)


# docs


def test_every_write_command_is_documented_with_every_option() -> None:
    import typer.main

    group = typer.main.get_command(app)
    for name in WRITE_COMMANDS:
        page = ROOT / "docs" / "commands" / f"{name}.md"
        assert page.is_file(), f"{page} is missing"
        text = page.read_text(encoding="utf-8")
        assert re.search(rf"^\$ circletrack {name}\b", text, re.MULTILINE), f"{name}: no example"
        command = group.commands[name]  # type: ignore[attr-defined]
        for param in command.params:
            if getattr(param, "hidden", False) or param.name == "help":
                continue
            # an option by any of its long flags; the item argument as `ID`
            flags = [o for o in param.opts if o.startswith("--")] or [
                f"`{(param.metavar or 'ID').strip('[]')}`"]
            assert any(f in text for f in flags), f"{name}: {flags[0]} is not documented"


def test_a_declared_field_is_stored_checked_exported_and_editable(small_registry: Path) -> None:
    """`deadline` and `deadline_source` are declared once in model.Item; the option, the
    check of the source id, the TOML and the JSON all follow from that declaration."""
    result = invoke(small_registry, "edit", "rail-hangshao", "--deadline", "将于2022年建成",
                    "--deadline-source", "hzw-2020")
    assert result.exit_code == 0, result.output
    item = load(Location(small_registry, "option")).get("rail-hangshao")
    assert item is not None and item.deadline == "将于2022年建成"
    assert item.deadline_source == "hzw-2020"
    text = small_registry.read_text(encoding="utf-8")
    assert 'deadline = "将于2022年建成"\ndeadline_source = "hzw-2020"\n' in text
    shown = invoke(small_registry, "show", "rail-hangshao", "--format", "json")
    assert json.loads(shown.stdout)["deadline_source"] == "hzw-2020"
    before = small_registry.read_bytes()
    bad = invoke(small_registry, "edit", "rail-hangshao", "--deadline-source", "nowhere")
    assert bad.exit_code == 2 and "--deadline-source: unknown source id 'nowhere'" in bad.stderr
    assert load(Location(small_registry, "option")).get("rail-hangshao").sources == (  # type: ignore[union-attr]
        "plan-2011", "hzw-2020")  # the deadline's source joined the item's sources
    assert small_registry.read_bytes() == before


# Reports as the coordinators record them (issues 10 and 15)


def test_mark_several_ids_records_one_report_each_in_one_write(small_registry: Path) -> None:
    result = invoke(small_registry, "mark", "coop-01", "rail-hangshao", "--status", "done")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 2
    assert item(small_registry, "coop-01").status == "done"
    assert item(small_registry, "rail-hangshao").status == "done"
    assert invoke(small_registry, "undo").exit_code == 0  # one write, one undo
    assert item(small_registry, "coop-01").status == "planned"
    assert item(small_registry, "rail-hangshao").status == "in_progress"


def test_the_same_report_twice_is_refused(small_registry: Path) -> None:
    args = ("mark", "coop-01", "-p", "30", "--note", "开工", "--date", "2011-06-01")
    assert invoke(small_registry, *args).exit_code == 0
    before = small_registry.read_bytes()
    again = assert_one_line_error(invoke(small_registry, *args, "--by", "someone else"), 2)
    assert "coop-01 already has this report of 2011-06-01" in again
    assert small_registry.read_bytes() == before


def test_a_backdated_report_that_changes_the_state_says_so(small_registry: Path) -> None:
    result = invoke(small_registry, "mark", "coop-01", "-p", "90", "--date", "2011-06-01")
    assert result.exit_code == 0, result.stderr
    assert "planned — → in progress 90%" in result.stdout
    assert "stays" not in result.stdout


def test_an_item_that_is_the_same_event_takes_no_reports(small_registry: Path) -> None:
    assert invoke(small_registry, "edit", "target-2025-rail", "--same-as", "coop-01",
                  "--due", "2011-12-31", "--reason", "同一事件").exit_code == 0
    before = small_registry.read_bytes()
    line = assert_one_line_error(invoke(small_registry, "mark", "target-2025-rail", "-p", "5"), 2)
    assert "records the same event as coop-01; record the report on coop-01" in line
    assert small_registry.read_bytes() == before


def test_mark_and_edit_narrow_an_ambiguous_title_by_kind(small_registry: Path) -> None:
    assert invoke(small_registry, "add", "--kind", "milestone", "--title", "杭绍城际铁路通车",
                  "--category", "event").exit_code == 0
    ambiguous = assert_one_line_error(invoke(small_registry, "mark", "杭绍", "-p", "30"), 2)
    assert "matches 2 items" in ambiguous and "--kind" in ambiguous
    assert invoke(small_registry, "mark", "杭绍", "-p", "30", "--kind", "project").exit_code == 0
    assert item(small_registry, "rail-hangshao").progress == 30


def test_a_write_to_a_checkouts_own_registry_says_so(small_registry: Path, tmp_path: Path,
                                                    monkeypatch: Any) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "data").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text('[project]\nname = "circletrack"\n', encoding="utf-8")
    (checkout / "data" / "projects.toml").write_bytes(small_registry.read_bytes())
    (checkout / "docs").mkdir()
    monkeypatch.chdir(checkout / "docs")
    monkeypatch.delenv("CIRCLETRACK_REGISTRY", raising=False)
    result = invoke(None, "mark", "coop-01", "--progress", "10", "--note", "n", "--source", "s")
    assert result.exit_code == 0, result.stderr
    target = checkout / "data" / "projects.toml"
    assert f"wrote {target}" in result.stdout
    assert result.stderr.startswith(
        f"Note: this changed the circletrack checkout's own registry, {target}, which git "
        "tracks")
    # Named with --registry, the same file is the user's choice: no note.
    named = invoke(target, "mark", "coop-01", "--progress", "20", "--note", "m", "--source", "s")
    assert named.exit_code == 0 and named.stderr == ""
