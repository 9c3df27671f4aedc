"""The benchmark's generator makes registries that validate, and the same items for Taskwarrior.

Run with: python -m pytest bench/test_generate.py
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

from circletrack.model.records import CATEGORIES_BY_KIND, KINDS, current_state  # noqa: E402
from circletrack.storage.codec import dumps, loads, problems_in  # noqa: E402

SIZE = 300


def test_generated_registry_validates_and_is_canonical() -> None:
    data = dumps(generate.make_registry(SIZE))
    assert problems_in(data, "generated.toml") == []
    registry = loads(data, "generated.toml")
    assert len(registry.items) == SIZE
    assert dumps(registry) == data


def test_generation_is_deterministic() -> None:
    assert dumps(generate.make_registry(SIZE)) == dumps(generate.make_registry(SIZE))
    assert dumps(generate.make_registry(SIZE, seed=1)) != dumps(generate.make_registry(SIZE))


def test_items_cover_the_schema() -> None:
    items = generate.make_registry(SIZE).items
    assert {i.kind for i in items} == set(KINDS)
    for kind in KINDS:
        used = {i.category for i in items if i.kind == kind}
        assert len(used) >= len(CATEGORIES_BY_KIND[kind]) // 2
    assert {i.status for i in items} == {"planned", "in_progress", "done", "blocked", "cancelled"}
    past = sum(1 for i in items if i.due is not None and i.due < dt.date(2026, 1, 1))
    assert past == SIZE // 2
    for item in items:
        assert len(item.history) == 3
        assert all(r.source and r.date <= generate.REPORT_HORIZON for r in item.history)
        assert (item.status, item.progress) == current_state(item.history)


def test_taskwarrior_file_holds_the_same_items() -> None:
    registry = generate.make_registry(SIZE)
    tasks = json.loads(generate.taskwarrior_json(registry))
    assert [t["description"] for t in tasks] == [i.title for i in registry.items]
    expected = {"done": "completed", "cancelled": "deleted"}
    for task, item in zip(tasks, registry.items):
        assert task["status"] == expected.get(item.status, "pending")
        assert task["due"] == f"{item.due:%Y%m%d}T235959Z"
        assert task["project"] == f"{item.kind}.{item.category}"
        assert len(task["annotations"]) == len(item.history)
    probe = generate.probe_item(registry)
    item = next(i for i in registry.items if i.id == probe.item_id)
    assert item.status == "in_progress" and item.progress < probe.progress < 100
