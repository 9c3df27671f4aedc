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

from circletrack.base.errors import RegistryInvalid
from circletrack.cli import app
from circletrack.storage import Location, load, sections
from circletrack.storage.codec import loads

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
    """Changes made on another machine (its own index) and pulled: the bytes arrive."""
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
    """A registry this machine last wrote (so its index describes its canonical bytes and
    holds their items), and its cache folder."""
    registry = tmp_path / "projects.toml"
    registry.write_bytes(SHIPPED.read_bytes())
    cache = tmp_path / "cache"
    monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(cache))
    monkeypatch.delenv("CIRCLETRACK_CACHE", raising=False)
    run(registry, cache, "mark", "coop-12", "--progress", "50", "--date", "2026-01-05")
    return registry, cache


class Reread:
    """What one call of sections.reread gave: None, or the snapshot and the ids of the
    items it parsed (those that are not objects the index offered)."""

    def __init__(self, snapshot: Any, known: dict[str, Any]) -> None:
        self.snapshot = snapshot
        offered = {id(item) for item in known.values()}
        self.changed = None if snapshot is None else {
            item.id for item in snapshot.registry.items if id(item) not in offered}
        self.canonical = None if snapshot is None else snapshot.canonical

    def __eq__(self, other: object) -> bool:
        return self.snapshot == other


def spy(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record each call of sections.reread (the read of only the changed sections)."""
    results: list[Any] = []
    original = sections.reread

    def recorded(found: Any, indexed: Any) -> Any:
        given = original(found, indexed)
        results.append(Reread(None if given is None else given[0], indexed.items))
        if given is not None:
            assert given[1] == results[-1].changed  # the ids it says it parsed
        return given

    monkeypatch.setattr(sections, "reread", recorded)
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
    assert derived.snapshot is not None and derived.changed == changed
    assert derived.canonical is canonical
    assert load(Location(registry, "option")) == got  # and the next read is a hit


# Each with what sections.reread is asked: given up (None), or not asked at all (the
# index offers no items for a head that changed).
NOT_REUSED = {
    "an item removed": (by_hand(lambda text: SECTION.join(
        p for p in text.split(SECTION) if not p.startswith('id = "coop-03"'))), [None]),
    "a source added to the head": (by_hand(lambda text: text.replace(
        "\n[sources.", '\n[sources.zz-new]\ntitle = "新"\npublisher = "某"\ndate = 2020-01-01\n'
        "\n[sources.", 1)), []),
    "a section that holds another table": (by_hand(lambda text: replace_section(
        text, "coop-04", lambda s: s + '\n[sources.late]\ntitle = "x"\npublisher = "y"\n'
                                       "date = 2020-01-01\n")), [None]),
    "two items swapped": (by_hand(lambda text: SECTION.join(
        (lambda p: [p[0], p[2], p[1], *p[3:]])(text.split(SECTION)))), [None]),
}


@pytest.mark.parametrize("case", list(NOT_REUSED))
def test_what_cannot_be_shown_safe_is_parsed_whole(mine: tuple[Path, Path], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   case: str) -> None:
    registry, _ = mine
    change, asked = NOT_REUSED[case]
    change(registry, tmp_path)
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
    assert results == asked


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


# The index's items are offered for sections only when they can be trusted


def _index(registry: Path) -> Path:
    from circletrack.storage.index import Index

    found = Index.of(registry)
    assert found is not None
    return found.path


def _sql(path: Path, sql: str, *args: Any) -> None:
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(sql, args)
    finally:
        connection.close()


UNTRUSTED = {
    # (what is done to the index; whether sections.reread is still asked, and gives up)
    "an index of another circletrack": (lambda path: _sql(
        path, "UPDATE meta SET value = 'index1-0.0.1-schema2-records0' WHERE key = 'code'"),
        []),
    "an index of bytes a read found not canonical": (lambda path: _sql(
        path, "UPDATE meta SET value = '0' WHERE key = 'canonical'"), []),
    "an index of another head": (lambda path: _sql(
        path, "UPDATE meta SET value = 'x' WHERE key = 'head_digest'"), []),
    "a row of another shape": (lambda path: _sql(
        path, "UPDATE items SET data = '[1, 2]' WHERE n = 3"), []),
    "a row missing": (lambda path: _sql(path, "DELETE FROM items WHERE n = 3"), []),
    "a row's section digest altered": (lambda path: _sql(
        path, "UPDATE items SET section = 'x' WHERE id = 'coop-20'"), "parsed"),
    "an unreadable file": (lambda path: path.write_bytes(b"\0" * 4096), []),
}


@pytest.mark.parametrize("case", list(UNTRUSTED))
def test_items_are_taken_from_the_index_only_when_it_is_this_code_s_of_this_head(
        mine: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        case: str) -> None:
    registry, _ = mine
    alter, asked = UNTRUSTED[case]
    by_colleague(("mark", "rail-hangshao", "--progress", "60", "--date", "2026-02-01"))(
        registry, tmp_path)
    alter(_index(registry))
    results = spy(monkeypatch)
    assert load(Location(registry, "option")) == loads(registry.read_bytes())
    if asked == "parsed":  # the item whose row no section names is parsed again
        (derived,) = results
        assert derived.changed == {"rail-hangshao", "coop-20"}
    else:
        assert results == asked
    assert load(Location(registry, "option")) == loads(registry.read_bytes())


def test_items_are_offered_only_for_a_file_circletrack_wrote(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              ) -> None:
    """A file only ever read (never written here) is indexed as not canonical: a change
    to it is parsed whole, and the read after is a hit."""
    registry = tmp_path / "projects.toml"
    registry.write_bytes(SHIPPED.read_bytes())
    monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(tmp_path / "cache"))
    load(Location(registry, "option"))
    by_colleague(("mark", "rail-hangshao", "--progress", "60", "--date", "2026-02-01"))(
        registry, tmp_path)
    results = spy(monkeypatch)
    assert load(Location(registry, "option")) == loads(registry.read_bytes())
    assert results == []
    from circletrack.storage.index import Index, digest

    index = Index.of(registry)
    assert index is not None
    assert index.read(digest(registry.read_bytes())) is not None


def test_after_a_reread_the_index_describes_the_new_bytes(mine: tuple[Path, Path],
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          ) -> None:
    """The items a reread kept and parsed are indexed for the new bytes: the next read is
    a hit equal to the whole parse, and the next change elsewhere is reread again."""
    import sqlite3

    from circletrack.storage.index import Index, digest

    registry, _ = mine
    index = Index.of(registry)
    assert index is not None
    by_colleague(("mark", "rail-hangshao", "--progress", "60", "--date", "2026-02-01"))(
        registry, tmp_path)
    results = spy(monkeypatch)
    load(Location(registry, "option"))
    assert [r.changed for r in results] == [{"rail-hangshao"}]
    snapshot = index.read(digest(registry.read_bytes()))
    assert snapshot is not None and snapshot.registry == loads(registry.read_bytes())
    assert snapshot.canonical is True
    assert snapshot.sections == sections.section_digests(registry.read_bytes(),
                                                         len(snapshot.registry.items))
    with sqlite3.connect(index.path) as connection:
        assert connection.execute("SELECT value FROM meta WHERE key = 'canonical'"
                                  ).fetchone() == ("1",)
    by_colleague(("mark", "coop-01", "--status", "in_progress", "--date", "2026-02-02"))(
        registry, tmp_path)
    assert load(Location(registry, "option")) == loads(registry.read_bytes())
    assert [r.changed for r in results] == [{"rail-hangshao"}, {"coop-01"}]
