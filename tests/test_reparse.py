"""A read after the registry changed elsewhere (a `git pull`, a colleague's write, a hand
edit) parses only the `[[items]]` sections that changed, and is exactly the whole parse:
the same objects when the file is valid, the same error when it is not. Each test parses
the file whole itself and compares."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import SHIPPED
from typer.testing import CliRunner

from circletrack import storage as store
from circletrack.cli import app
from circletrack.storage.codec import loads
from circletrack.errors import RegistryInvalid
from circletrack.storage import Location, load

SECTION = "\n[[items]]\n"


def run(registry: Path, cache: Path, *args: str) -> None:
    result = CliRunner().invoke(app, [*args, "--registry", str(registry)],
                                env={"CIRCLETRACK_CACHE_DIR": str(cache)})
    assert result.exit_code == 0, result.output


def section_of(text: str, item_id: str) -> tuple[int, str]:
    parts = text.split(SECTION)
    for number, part in enumerate(parts):
        if re.match(rf'id = "{re.escape(item_id)}"\n', part):
            return number, part
    raise AssertionError(item_id)


def replace_section(text: str, item_id: str, change: Callable[[str], str]) -> str:
    parts = text.split(SECTION)
    number, part = section_of(text, item_id)
    parts[number] = change(part)
    return SECTION.join(parts)


def by_colleague(*commands: tuple[str, ...]) -> Callable[[Path, Path], None]:
    """Changes made on another machine (its own cache) and pulled: the bytes arrive."""
    def change(registry: Path, tmp: Path) -> None:
        theirs = tmp / "theirs.toml"
        theirs.write_bytes(registry.read_bytes())
        for command in commands:
            run(theirs, tmp / "their-cache", *command)
        registry.write_bytes(theirs.read_bytes())
    return change


def by_hand(change: Callable[[str], str]) -> Callable[[Path, Path], None]:
    def edit(registry: Path, tmp: Path) -> None:
        registry.write_text(change(registry.read_text(encoding="utf-8")), encoding="utf-8")
    return edit


@pytest.fixture
def mine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A registry this machine last wrote (so its cache holds the canonical entry and the
    bytes), and its cache folder."""
    registry = tmp_path / "projects.toml"
    registry.write_bytes(SHIPPED.read_bytes())
    cache = tmp_path / "cache"
    monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(cache))
    monkeypatch.delenv("CIRCLETRACK_CACHE", raising=False)
    run(registry, cache, "mark", "coop-12", "--progress", "50", "--date", "2026-01-05")
    return registry, cache


def spy(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    results: list[Any] = []
    original = store._reparse

    def recorded(data: bytes, path: Path) -> Any:
        results.append(original(data, path))
        return results[-1]

    monkeypatch.setattr(store, "_reparse", recorded)
    return results


REUSED = {
    "a colleague's two reports": (by_colleague(
        ("mark", "rail-hangshao", "--progress", "60", "--date", "2026-02-01"),
        ("mark", "coop-01", "--status", "in_progress", "--date", "2026-02-02")),
        {"rail-hangshao", "coop-01"}, True),
    "a colleague's new item": (by_colleague(
        ("add", "--id", "hub-new", "--kind", "project", "--title", "新枢纽", "--category",
         "intercity_rail", "--created", "2024-01-15")), {"hub-new"}, True),
    "a hand edit, valid but not as circletrack writes it": (by_hand(
        lambda text: replace_section(text, "coop-02", lambda s: s.replace(
            'kind = "cooperation"', 'kind =   "cooperation"'))), {"coop-02"}, False),
}


@pytest.mark.parametrize("case", list(REUSED))
def test_only_the_changed_sections_are_parsed(mine: tuple[Path, Path], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              case: str) -> None:
    registry, _ = mine
    change, changed, canonical = REUSED[case]
    change(registry, tmp_path)
    results = spy(monkeypatch)
    got = load(Location(registry, "option"))
    assert got == loads(registry.read_bytes())
    (derived,) = results
    assert derived is not None and derived.changed == changed
    assert derived.canonical is canonical
    assert load(Location(registry, "option")) == got  # and the next read is a hit


NOT_REUSED = {
    "an item removed": by_hand(lambda text: SECTION.join(
        p for p in text.split(SECTION) if not p.startswith('id = "coop-03"'))),
    "a source added to the head": by_hand(lambda text: text.replace(
        "\n[sources.", '\n[sources.zz-new]\ntitle = "新"\npublisher = "某"\ndate = 2020-01-01\n'
        "\n[sources.", 1)),
    "a section that holds another table": by_hand(lambda text: replace_section(
        text, "coop-04", lambda s: s + '\n[sources.late]\ntitle = "x"\npublisher = "y"\n'
                                       "date = 2020-01-01\n")),
}


@pytest.mark.parametrize("case", list(NOT_REUSED))
def test_what_cannot_be_shown_safe_is_parsed_whole(mine: tuple[Path, Path], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   case: str) -> None:
    registry, _ = mine
    NOT_REUSED[case](registry, tmp_path)
    results = spy(monkeypatch)
    try:
        expected: Any = loads(registry.read_bytes(), str(registry))
    except RegistryInvalid as exc:
        expected = str(exc)
    try:
        got: Any = load(Location(registry, "option"))
    except RegistryInvalid as exc:
        got = str(exc)
    assert got == expected
    assert results == [None]


INVALID = {
    "an unknown status": lambda s: s.replace('status = "planned"', 'status = "bogus"'),
    "an id twice": lambda s: s + SECTION + s.rstrip("\n"),
    "a link to no item": lambda s: s.replace('kind = "cooperation"\n',
                                             'kind = "cooperation"\ntracks = ["nope"]\n'),
    "progress out of range": lambda s: s.replace('status = "planned"',
                                                 'status = "planned"\nprogress = 300'),
    "not TOML": lambda s: s + "\nthis is = = not toml\n",
}


@pytest.mark.parametrize("case", list(INVALID))
def test_a_bad_change_gets_the_whole_parse_s_error(mine: tuple[Path, Path], tmp_path: Path,
                                                   case: str) -> None:
    registry, cache = mine
    by_hand(lambda text: replace_section(text, "coop-05", INVALID[case]))(registry, tmp_path)
    with pytest.raises(RegistryInvalid) as cold:
        loads(registry.read_bytes(), str(registry))
    with pytest.raises(RegistryInvalid) as warm:
        load(Location(registry, "option"))
    assert str(warm.value) == str(cold.value)
    result = CliRunner().invoke(app, ["list", "--registry", str(registry)],
                                env={"CIRCLETRACK_CACHE_DIR": str(cache)})
    assert result.exit_code != 0 and "Traceback" not in result.output


EDITS: list[Callable[[str], str]] = [
    lambda s: s.replace('status = "planned"', 'status = "done"'),
    lambda s: s.replace('status = "planned"', 'status = "nope"'),
    lambda s: re.sub(r'due = (\d{4})', lambda m: f"due = {int(m.group(1)) + 1}", s, count=1),
    lambda s: s.replace('title = "', 'title = "改', 1),
    lambda s: s.replace('id = "', 'id = "x-', 1),
    lambda s: s + "\n",
    lambda s: s.replace("\n", "\n\n", 1),
    lambda s: s + SECTION + s.rstrip("\n"),
    lambda s: s.replace('kind = "', 'tracks = ["coop-01"]\nkind = "', 1),
    lambda s: s.replace('kind = "', 'same_as = "coop-02"\nkind = "', 1),
]


@pytest.mark.parametrize("seed", range(24))
def test_random_edits_read_as_the_whole_parse_reads_them(mine: tuple[Path, Path],
                                                         tmp_path: Path, seed: int) -> None:
    import random

    registry, _ = mine
    rng = random.Random(seed)
    text = registry.read_text(encoding="utf-8")
    ids = re.findall(r'\nid = "([^"]+)"', text)
    for item_id in rng.sample(ids, rng.randint(1, 3)):
        edit = rng.choice(EDITS)
        text = replace_section(text, item_id, edit)
    registry.write_text(text, encoding="utf-8")
    try:
        expected: Any = loads(registry.read_bytes(), str(registry))
    except RegistryInvalid as exc:
        expected = str(exc)
    try:
        got: Any = load(Location(registry, "option"))
    except RegistryInvalid as exc:
        got = str(exc)
    assert got == expected


@pytest.mark.parametrize("where", ["kept bytes", "signed digest", "signature"])
def test_kept_bytes_that_were_altered_are_not_used(mine: tuple[Path, Path],
                                                   where: str) -> None:
    from circletrack import cache

    registry, folder = mine
    assert cache.previous_source(registry) == registry.read_bytes()
    (kept,) = folder.glob("source-*.bytes")
    blob = bytearray(kept.read_bytes())
    at = {"kept bytes": len(blob) - 2, "signed digest": blob.index(b"\n", 60) - 3,
          "signature": len(cache._MAGIC) + 1}[where]
    blob[at] ^= 1
    kept.write_bytes(bytes(blob))
    assert cache.previous_source(registry) is None
