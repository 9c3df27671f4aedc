"""Taskwarrior export (checked in a real Taskwarrior when `task` is installed) and JSON back in."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SHIPPED

from circletrack.base.errors import CircletrackError, ExitStatus, UsageError
from circletrack.changes.interop import (
    items_from_tables,
    merge_items,
    parse_export,
    taskwarrior_json,
    taskwarrior_tasks,
    taskwarrior_uuid,
)
from circletrack.model.effective import with_states
from circletrack.model.records import Registry
from circletrack.render.formats import items_to_json
from circletrack.storage.codec import loads

DAY = dt.date(2026, 1, 1)
#: Open items of the shipped registry by their effective state (coop-06 and coop-07 are done
#: through their roads, ms-mayors-05 is as its plan row).
OPEN = 99


@pytest.fixture(scope="module")
def registry() -> Registry:
    return loads(SHIPPED.read_bytes())


def test_one_task_per_open_item_with_stable_uuids(registry: Registry) -> None:
    seen = with_states(registry.items)
    tasks = taskwarrior_tasks(seen)
    open_items = [i for i in seen if i.is_open]
    assert len(tasks) == len(open_items) == OPEN
    assert len({t["uuid"] for t in tasks}) == OPEN
    assert taskwarrior_uuid("coop-06") not in {t["uuid"] for t in tasks}  # done via its road
    assert taskwarrior_tasks(with_states(registry.items)) == tasks  # the same on every export
    first = tasks[0]
    assert first["uuid"] == taskwarrior_uuid("coop-01")
    assert first["description"] == "省级产业集聚区规划建设 [coop-01]"
    assert first["due"] == "20111231T000000Z" and first["entry"] == "20110218T000000Z"
    assert first["project"] == "planning" and first["status"] == "pending"
    assert "circletrack" in first["tags"] and "cooperation" in first["tags"]


def test_reports_become_annotations(registry: Registry) -> None:
    hangshao = next(t for t in taskwarrior_tasks(registry.items)
                    if t["uuid"] == taskwarrior_uuid("rail-hangshao"))
    notes = [a["description"] for a in hangshao["annotations"]]
    assert len(notes) == 3
    assert any(n.startswith("in_progress 25%: ") and "形象进度完成至25%" in n for n in notes)
    assert hangshao["annotations"][0]["entry"] == "20181024T000000Z"
    assert all(" " not in tag for tag in hangshao["tags"])


def test_json_export_reads_back_to_the_same_items(registry: Registry) -> None:
    back = items_from_tables(parse_export(items_to_json(registry.items, DAY)), registry, DAY)
    assert back == registry.items


def test_merge_adds_and_updates_by_id(registry: Registry) -> None:
    copy = loads(SHIPPED.read_bytes())
    items = items_from_tables(parse_export(items_to_json(registry.items[:3], DAY)), copy, DAY)
    items[0] = replace(items[0], title="改过的标题")
    items[2] = replace(items[2], id="coop-99")
    assert merge_items(copy, items) == (1, 1, 1)
    assert copy.get("coop-01").title == "改过的标题"  # type: ignore[union-attr]
    assert copy.items[-1].id == "coop-99"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ('{"id": "x"}', "expected a JSON array"),
        ('[{"kind": "project"}]', "item 1: id: is required and must be a string"),
        ('[{"id": "a", "kind": "project", "title": "t", "created": "yesterday"}]',
         "a: created: is not a date: 'yesterday'"),
        ('[3]', "item 1: expected an object"),
        ('[{"id": "a", "kind": "project", "title": "t", "created": "2020-01-01", '
         '"lead": "市交通局"}]', "a: lead: must be a list of non-empty strings"),
    ],
)
def test_bad_json_is_a_usage_error(registry: Registry, text: str, message: str) -> None:
    with pytest.raises(CircletrackError,
                       match=message.replace("(", r"\(").replace(")", r"\)")) as raised:
        items_from_tables(parse_export(text), registry, DAY)
    assert raised.value.exit_status == ExitStatus.USAGE


def test_duplicate_ids_in_the_file_are_refused(registry: Registry) -> None:
    items = items_from_tables(parse_export(items_to_json(registry.items[:1] * 2, DAY)),
                              registry, DAY)
    with pytest.raises(UsageError, match="twice"):
        merge_items(loads(SHIPPED.read_bytes()), items)


@pytest.mark.skipif(shutil.which("task") is None,
                    reason="Taskwarrior (`task`, Debian package taskwarrior) is not installed")
def test_real_taskwarrior_imports_and_reimport_updates(registry: Registry, tmp_path: Path) -> None:
    data = tmp_path / "task"
    data.mkdir()
    rc = tmp_path / "taskrc"
    rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\n", encoding="utf-8")
    env = {**os.environ, "TASKRC": str(rc), "TASKDATA": str(data)}

    def task(*args: str) -> str:
        done = subprocess.run(["task", *args], env=env, capture_output=True, text=True,
                              timeout=120, check=True)
        return done.stdout

    export = tmp_path / "tw.json"
    export.write_text(taskwarrior_json(registry.items), encoding="utf-8")
    export.write_text(taskwarrior_json(with_states(registry.items)), encoding="utf-8")
    task("import", str(export))
    tasks = json.loads(task("export"))
    assert len(tasks) == OPEN
    hangshao = next(t for t in tasks if t["uuid"] == taskwarrior_uuid("rail-hangshao"))
    assert len(hangshao["annotations"]) == 3 and hangshao["project"] == "intercity_rail"
    # a second import of a changed registry updates in place
    changed = loads(SHIPPED.read_bytes())
    changed.items[0] = replace(changed.items[0], title="省级产业集聚区规划建设(已更新)")
    export.write_text(taskwarrior_json(with_states(changed.items)), encoding="utf-8")
    task("import", str(export))
    again = json.loads(task("export"))
    assert len(again) == OPEN
    coop = next(t for t in again if t["uuid"] == taskwarrior_uuid("coop-01"))
    assert coop["description"] == "省级产业集聚区规划建设(已更新) [coop-01]"


# the import command, end to end on a copy of the shipped registry
def _run(*args: str, registry: Path) -> "object":
    from typer.testing import CliRunner

    from circletrack.cli import app

    return CliRunner().invoke(app, [*args, "--registry", str(registry)],
                              env={"CIRCLETRACK_LANG": "en", "CIRCLETRACK_USER": "tester"})


def test_import_of_an_export_leaves_the_registry_unchanged(shipped_copy: Path,
                                                            tmp_path: Path) -> None:
    before = shipped_copy.read_bytes()
    export = tmp_path / "all.json"
    assert _run("export", "--format", "json", "--output", str(export),
                registry=shipped_copy).exit_code == 0  # type: ignore[attr-defined]
    result = _run("import", str(export), registry=shipped_copy)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "0 added, 0 updated, 141 unchanged" in result.stdout  # type: ignore[attr-defined]
    assert shipped_copy.read_bytes() == before


def test_import_adds_and_updates_then_undo_restores(shipped_copy: Path, tmp_path: Path) -> None:
    from circletrack.storage import Location, load

    before = shipped_copy.read_bytes()
    items = json.loads(items_to_json(loads(before).items[:2], DAY))
    items[0]["title"] = "省级产业集聚区规划建设(合并后)"
    items[1]["id"] = "coop-31"
    incoming = tmp_path / "other.json"
    incoming.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    result = _run("import", str(incoming), registry=shipped_copy)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "1 added, 1 updated, 0 unchanged" in result.stdout  # type: ignore[attr-defined]
    data = load(Location(shipped_copy, "option"))
    assert data.get("coop-01").title == "省级产业集聚区规划建设(合并后)"  # type: ignore[union-attr]
    assert data.get("coop-31") is not None and len(data.items) == 142
    assert _run("undo", registry=shipped_copy).exit_code == 0  # type: ignore[attr-defined]
    assert shipped_copy.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('[{"id": "x", "kind": "project", "title": "t", "created": "2020-01-01", "lead": [null]}]',
         "lead: must be a list of non-empty strings"),
        ('[{"id": "x", "kind": "task", "title": "t", "created": "2020-01-01"}]',
         "unknown kind 'task'"),
        ('[{"id": "x", "kind": "project", "title": "t", "created": "2020-01-01", '
         '"sources": ["nowhere"]}]', "unknown source 'nowhere'"),
    ],
)
def test_bad_import_changes_nothing(shipped_copy: Path, tmp_path: Path, content: str,
                                    message: str) -> None:
    before = shipped_copy.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = _run("import", str(bad), registry=shipped_copy)
    assert result.exit_code != 0  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output  # type: ignore[attr-defined]
    assert shipped_copy.read_bytes() == before


def test_export_taskwarrior_format(shipped_copy: Path) -> None:
    result = _run("export", "--format", "taskwarrior", registry=shipped_copy)
    assert result.exit_code == 0  # type: ignore[attr-defined]
    tasks = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert len(tasks) == OPEN and tasks[0]["uuid"] == taskwarrior_uuid("coop-01")
