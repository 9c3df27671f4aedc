"""list, show, status and timeline through the CLI: formats parse back, limits, colour, ids."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from circletrack.cli import app, options

runner = CliRunner()
ANSI = "\x1b["


def invoke(registry: Path, *args: str, env: dict[str, str] | None = None):  # noqa: ANN201
    return runner.invoke(app, [*args, "--registry", str(registry)], env=env)


def many_items_registry(tmp_path: Path, count: int) -> Path:
    """A registry of `count` cooperation items, all due 2011-12-31."""
    lines = ['schema = 1', '', '[sources.plan-2011]', 'title = "t"', 'publisher = "p"',
             'date = 2011-02-18', '']
    for n in range(count):
        lines += ['[[items]]', f'id = "coop-{n:03d}"', 'kind = "cooperation"',
                  f'title = "合作事项{n}"', 'created = 2011-02-18', 'due = 2011-12-31',
                  'status = "planned"', 'progress = 0', '']
    path = tmp_path / "many.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_json_is_the_stable_item_shape(small_registry: Path) -> None:
    result = invoke(small_registry, "list", "--all", "--format", "json", "--as-of", "2019-01-01")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["id"] for d in data] == ["coop-01", "rail-hangshao"]  # the target is recorded 2020
    required = {"id", "kind", "title", "category", "lead", "support", "due", "requirement",
                "status", "progress", "overdue", "updated", "history"}
    assert all(required <= set(d) for d in data)
    coop, rail = data
    assert coop["lead"] == ["市发改委"] and coop["support"] == []
    assert coop["due"] == "2011-12-31" and coop["overdue"] is True
    assert coop["updated"] is None and coop["history"] == []
    assert rail["progress"] == 25 and isinstance(rail["progress"], int)
    assert rail["history"] == [{"date": "2018-10-24", "status": "in_progress", "progress": 25,
                                "value": None, "note": "形象进度完成至25%", "by": "高建强",
                                "source": "新闻发布会 2018-10-24", "passage": None}]
    assert coop["progress"] is None and coop["effective"]["progress"] is None
    assert rail["effective"] == {"status": "in_progress", "progress": 25,
                                 "reported": "2018-10-24", "progress_reported": "2018-10-24",
                                 "derived_from": [], "rule": None, "basis": None}
    assert ANSI not in result.stdout


def test_csv_parses_back_with_bom(small_registry: Path) -> None:
    result = runner.invoke(app, ["list", "-f", "csv", "-r", str(small_registry),
                                 "--as-of", "2021-01-01"])
    assert result.exit_code == 0
    raw = result.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["ID"] for r in rows] == ["coop-01", "rail-hangshao", "target-2025-rail"]
    assert rows[0]["Title"] == "省级产业集聚区规划建设" and rows[0]["Due"] == "2011-12-31"
    assert rows[0]["Days overdue"] == "3289"


def test_markdown_has_heading_and_rows(small_registry: Path) -> None:
    result = invoke(small_registry, "list", "-f", "md", "--as-of", "2021-01-01")
    lines = result.stdout.splitlines()
    assert lines[0] == "**circletrack list as of 2021-01-01: 3 items**"
    assert lines[2].startswith("| ID | Category | Title |")
    assert len([line for line in lines if line.startswith("| ")]) == 4


def test_terminal_limit_default_and_override(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    registry = many_items_registry(tmp_path, 60)
    monkeypatch.setattr(options, "stdout_is_terminal", lambda: True)
    cut = invoke(registry, "list", env={"COLUMNS": "120"})
    assert "coop-049" in cut.stdout and "coop-050" not in cut.stdout
    assert "50 of 60 items shown; 10 more (--limit 0 shows all)" in cut.stdout
    full = invoke(registry, "list", "--limit", "0", env={"COLUMNS": "120"})
    assert "coop-059" in full.stdout
    five = invoke(registry, "list", "--limit", "5", env={"COLUMNS": "120"})
    assert "coop-004" in five.stdout and "coop-005" not in five.stdout


def test_piped_and_machine_formats_are_never_cut(tmp_path: Path) -> None:
    registry = many_items_registry(tmp_path, 60)
    assert "coop-059" in invoke(registry, "list").stdout
    assert len(json.loads(invoke(registry, "list", "-f", "json").stdout)) == 60


def test_sort_and_filters_through_the_cli(small_registry: Path) -> None:
    result = invoke(small_registry, "list", "--sort", "-progress", "-f", "json",
                    "--as-of", "2021-01-01")
    assert [d["id"] for d in json.loads(result.stdout)][0] == "rail-hangshao"
    only = invoke(small_registry, "list", "--kind", "milestone", "--kind", "cooperation",
                  "--due-after", "2020年", "-f", "json", "--as-of", "2021-01-01")
    assert [d["id"] for d in json.loads(only.stdout)] == ["target-2025-rail"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--kind", "task"], "--kind: nothing is called 'task'; known values: "
                                     "cooperation, project, milestone"),
        (["list", "--status", "late"], "--status: nothing is called 'late'"),
        (["list", "--format", "xml"], "--format: unknown value 'xml'"),
        (["list", "--sort", "colour"], "--sort: unknown field 'colour'"),
        (["list", "--due-before", "soon"], "--due-before: cannot read 'soon' as a date"),
        (["list", "--as-of", "31/31"], "--as-of: cannot read '31/31' as a date"),
        (["list", "--limit", "-3"], "--limit: must be 0 or more"),
        (["list", "--stale", "x"], "--stale: 'x' is not a whole number"),
        (["show", "nothing-like-this"], "no item 'nothing-like-this'"),
        (["show", "城"], "'城' matches 2 items"),
        (["show", "  "], "an id or title is required"),
        (["timeline", "--from", "2030-01-01", "--to", "2020-01-01"], "--from must not be after"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(small_registry: Path, args: list[str],
                                           message: str) -> None:
    before = small_registry.read_bytes()
    result = invoke(small_registry, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], lines
    assert small_registry.read_bytes() == before


def test_show_by_title_fragment_and_json(small_registry: Path) -> None:
    result = invoke(small_registry, "show", "杭绍", "--as-of", "2019-01-01",
                    env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "rail-hangshao" in result.stdout and "形象进度完成至25%" in result.stdout
    data = json.loads(invoke(small_registry, "show", "rail-h", "-f", "json").stdout)
    assert data["id"] == "rail-hangshao" and data["facts"][0]["value"] == 50


def test_show_as_of_before_creation_is_unknown(small_registry: Path) -> None:
    result = invoke(small_registry, "show", "target-2025-rail", "--as-of", "2019-01-01")
    assert result.exit_code == 2 and "no item 'target-2025-rail'" in result.stderr


def test_status_fits_80_columns_and_reads_wide(small_registry: Path) -> None:
    narrow = invoke(small_registry, "status", "--as-of", "2021-01-01", env={"COLUMNS": "80"})
    assert narrow.exit_code == 0
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80
    assert "1 overdue" in narrow.stdout and "Targets" in narrow.stdout
    wide = invoke(small_registry, "status", "--as-of", "2021-01-01", env={"COLUMNS": "200"})
    assert len(wide.stdout.splitlines()) < len(narrow.stdout.splitlines())


def test_timeline_lists_events_by_year(small_registry: Path) -> None:
    result = invoke(small_registry, "timeline", "--as-of", "2021-01-01")
    assert result.exit_code == 0
    out = result.stdout
    assert out.index("2011-12-31") < out.index("2018-10-24")
    assert "2025-12-31" in out and "target-2025-rail" in out
    earlier = invoke(small_registry, "timeline", "--as-of", "2019-01-01").stdout
    assert "target-2025-rail" not in earlier  # recorded only on 2020-11-23
    projects = invoke(small_registry, "timeline", "--kind", "project", "--as-of", "2021-01-01")
    assert "coop-01" not in projects.stdout and "rail-hangshao" in projects.stdout


def test_a_table_with_derived_marks_says_what_they_mean(shipped_copy: Path) -> None:
    listed = invoke(shipped_copy, "list", "--all", "--limit", "0", env={"COLUMNS": "120"})
    assert listed.exit_code == 0, listed.stderr
    assert "—*" in listed.stdout and "in progress*" in listed.stdout  # derived states
    legend = " ".join(listed.stdout.split()[-30:])
    assert "*: derived from the items it tracks or records the same event as" in legend
    assert "—: no progress reported" in legend
    # no derived state shown, no legend
    plain = invoke(shipped_copy, "list", "--kind", "cooperation", "--unit", "市体育局",
                   env={"COLUMNS": "120"})
    assert "*" not in plain.stdout and "derived from" not in plain.stdout
    chinese = invoke(shipped_copy, "--lang", "zh", "list", "--all", "--limit", "0",
                     env={"COLUMNS": "120"})
    assert "*：由其跟踪的事项或同一事件的事项推得" in chinese.stdout.replace("\n", "")


def test_a_mean_of_reported_progress_says_of_how_many(shipped_copy: Path) -> None:
    import re

    board = invoke(shipped_copy, "status", env={"COLUMNS": "100"})
    assert board.exit_code == 0, board.stderr
    rows = re.findall(r"^(\S.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+[█░]+\s+\d+%  of (\d+)/(\d+)$",
                      board.stdout, re.M)
    assert len(rows) >= 10
    for _name, items, _done, unreported, reported, count in rows:
        assert int(count) == int(items) and int(reported) == int(items) - int(unreported)
    highway = next(r for r in rows if r[0] == "highway")
    assert highway[4] != highway[5]  # the bar at 100% of the highways reported, not of all
