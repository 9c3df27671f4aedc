"""`show ID` reads only the part of the registry the item's view needs from the index (the
item, what its state follows, its related items and its same-event twins), and prints
exactly what it prints from the whole registry: every item of the shipped registry, on
several days, in the table and as JSON, compared with the whole read."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import SHIPPED
from program import run
from rich.console import Console

from circletrack.base.cells import fold
from circletrack.query.select import registry_as_of, resolve
from circletrack.render.detail import item_detail
from circletrack.render.fields import item_json
from circletrack.storage import Location, load, load_around
from circletrack.storage.codec import loads
from circletrack.storage.reading import read

DAYS = [dt.date(2011, 12, 20), dt.date(2020, 6, 30), dt.date(2026, 12, 4)]


def shown(item: object, registry: object, day: dt.date) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(item_detail(item, registry, day, full=True))  # type: ignore[arg-type]
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.fixture
def indexed(tmp_path: Path) -> Location:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    read(registry.read_bytes(), registry)  # the index describes these bytes
    return Location(registry, "option")


def test_every_item_is_shown_from_its_part_as_from_the_whole(indexed: Location) -> None:
    whole = loads(indexed.path.read_bytes())
    assert load(indexed) == whole
    for original in whole.items:
        part = load_around(indexed, fold(original.id))
        assert part is not None, original.id
        assert len(part.items) < len(whole.items) // 4, original.id
        for day in DAYS:
            everything = registry_as_of(whole.items, day)
            if original.id not in {i.id for i in everything}:
                continue  # not recorded yet: `show` then searches the whole registry
            expected = resolve(everything, original.id)
            (got,) = [i for i in registry_as_of(part.items, day) if i.id == original.id]
            assert item_json(got, day) == item_json(expected, day), (original.id, day)
            assert shown(got, part, day) == shown(expected, whole, day), (original.id, day)


def test_the_index_gives_no_part_for_bytes_it_does_not_describe(indexed: Location) -> None:
    text = indexed.path.read_text(encoding="utf-8")
    indexed.path.write_text(text.replace("钱江通道及接线工程", "钱江通道", 1), encoding="utf-8")
    assert load_around(indexed, "coop-06") is None
    assert load_around(Location(indexed.path, "option"), "no-such-id") is None


@pytest.mark.parametrize("args", [
    ["show", "coop-06"], ["show", "COOP-08"], ["show", "hwy-qianjiang-tongdao", "--full"],
    ["show", "ms-raocheng-west-open", "--format", "json"],
    ["show", "coop-02", "--as-of", "2011-12-20"], ["show", "杭绍城际"],
    ["show", "rail-hangshao", "--kind", "project"],
], ids=" ".join)
def test_the_installed_program_shows_the_same_with_and_without_the_index(
        indexed: Location, args: list[str]) -> None:
    command = [*args, "--registry", str(indexed.path)]
    warm = run(command)  # (the fixture indexed these bytes: the index answers)
    cold = run(command, env={"CIRCLETRACK_CACHE": "off"})
    assert warm.returncode == cold.returncode == 0, warm.stderr + cold.stderr
    assert warm.stdout == cold.stdout
    if "json" in args:
        assert json.loads(warm.stdout)["id"] == args[1]
