"""The registry's index (storage/index.py) can make a read faster but never different.

Each test compares what a read gives with a fresh parse of the file (`codec.loads`), and
what it finds in the index file with what sqlite3 itself reads there."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from conftest import SHIPPED, SMALL
from program import run

from circletrack.base.errors import RegistryInvalid
from circletrack.storage import Location, index, load
from circletrack.storage.codec import loads
from circletrack.storage.index import Index, cache_dir, digest
from circletrack.storage.reading import read

POSIX = hasattr(os, "geteuid")
ROOT = POSIX and os.geteuid() == 0
ROOT_ONLY = pytest.mark.skipif(not ROOT, reason="needs root to make files of another user")
OTHER_UID = 12345
TITLE = "省级产业集聚区规划建设"


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(folder))
    monkeypatch.delenv("CIRCLETRACK_CACHE", raising=False)
    return folder


def index_of(registry: Path) -> Path:
    found = Index.of(registry)
    assert found is not None
    return found.path


def meta(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as connection:
        return dict(connection.execute("SELECT key, value FROM meta").fetchall())


def execute(path: Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for sql, args in statements:
            connection.execute(sql, args)
    finally:
        connection.close()


def hit(registry: Path) -> Any:
    """What the index alone gives for the registry's current bytes (None: a miss)."""
    found = Index.of(registry)
    assert found is not None
    snapshot = found.read(digest(registry.read_bytes()))
    return None if snapshot is None else snapshot.registry


def no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any parse fail the test: what follows must be answered by the index."""
    from circletrack.storage import codec, sections

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed although the index describes these bytes")

    monkeypatch.setattr(codec, "loads", refused)
    monkeypatch.setattr(sections, "reread", refused)


def poison(path: Path, crc: bool = True) -> None:
    """Give coop-01 another title in the index's rows (a read that shows it trusted them),
    with the row's CRC-32 made to agree (so only what a test names can keep it out), or
    not (`crc=False`: a row damaged on disk)."""
    with sqlite3.connect(path) as connection:
        (data,) = connection.execute("SELECT data FROM items WHERE id = 'coop-01'").fetchone()
        data = data.replace(TITLE, "POISONED")
        connection.execute("UPDATE items SET data = ? WHERE id = 'coop-01'", (data,))
        if crc:
            connection.execute("UPDATE items SET crc = ? WHERE id = 'coop-01'",
                               (zlib.crc32(data.encode()),))


def title(registry: Path) -> str:
    return load(Location(registry, "option")).get("coop-01").title  # type: ignore[union-attr]


# A read


def test_second_read_is_a_hit_and_equal_to_a_fresh_parse(small_registry: Path,
                                                          cache_folder: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first = load(Location(small_registry, "option"))
    assert first == loads(small_registry.read_bytes())
    assert [p.name for p in cache_folder.iterdir()] == [index_of(small_registry).name]
    assert hit(small_registry) == first
    no_parse(monkeypatch)
    second = read(small_registry.read_bytes(), small_registry)
    assert second.registry == first
    assert second.canonical is False  # SMALL is hand-written, not as tomli-w writes it


def test_the_shipped_registry_reads_back_equal_and_canonical(shipped_copy: Path,
                                                              cache_folder: Path) -> None:
    data = shipped_copy.read_bytes()
    first = read(data, shipped_copy)
    again = read(data, shipped_copy)
    assert first.registry == again.registry == loads(data)
    # A parse does not check whether the bytes are what circletrack writes (a write tells)
    assert first.canonical is again.canonical is False
    assert hit(shipped_copy) == loads(data)
    from circletrack.storage import update_journaled

    update_journaled(Location(shipped_copy, "option"),
                     lambda reg: reg.items.append(reg.items.pop(0)), "moved")
    written = read(shipped_copy.read_bytes(), shipped_copy)
    assert written.canonical is True and written.registry == loads(shipped_copy.read_bytes())


def test_a_form_on_record_reads_back_from_the_index_as_parsed(
        small_registry: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A form the office sent (a source with unit, items, returned and rows) is kept in the
    index's head: a hit gives the same source a parse does, its items a tuple."""
    import dataclasses
    import datetime as dt

    from circletrack.model.records import Source
    from circletrack.storage import update_journaled

    form = Source(id="form-x", title="form", publisher="office", date=dt.date(2024, 6, 3),
                  unit="Unit A", items=("coop-01",), returned=dt.date(2024, 6, 5), rows=1)

    def record(reg: Any) -> None:
        reg.sources[form.id] = form

    update_journaled(Location(small_registry, "option"), record, "forms")
    parsed = loads(small_registry.read_bytes())
    assert parsed.sources["form-x"] == form
    load(Location(small_registry, "option"))  # the index now describes these bytes
    no_parse(monkeypatch)
    indexed = read(small_registry.read_bytes(), small_registry).registry
    assert indexed.sources["form-x"] == form
    assert dataclasses.asdict(indexed.sources["form-x"]) == dataclasses.asdict(form)
    assert indexed == parsed


def test_a_change_behind_the_index_is_seen(small_registry: Path, cache_folder: Path) -> None:
    load(Location(small_registry, "option"))
    before = small_registry.stat()
    changed = SMALL.replace(TITLE, "省级产业集聚区规划建没")  # same length in bytes
    assert len(changed.encode()) == len(SMALL.encode())
    small_registry.write_text(changed, encoding="utf-8")
    os.utime(small_registry, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size, mtime
    assert title(small_registry).endswith("建没")
    assert load(Location(small_registry, "option")) == loads(changed.encode())


def test_invalid_files_are_never_indexed(tmp_path: Path, small_registry: Path,
                                         cache_folder: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace('kind = "project"', 'kind = "task"'), encoding="utf-8")
    with pytest.raises(RegistryInvalid, match="unknown kind"):
        load(Location(bad, "option"))
    assert not index_of(bad).exists()
    # A registry indexed when valid and then broken: the error every time, and the index
    # never describes the broken bytes.
    load(Location(small_registry, "option"))
    small_registry.write_text(SMALL.replace('status = "planned"', 'status = "bogus"', 1),
                              encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RegistryInvalid, match="bogus"):
            load(Location(small_registry, "option"))
    assert meta(index_of(small_registry))["file"] != digest(small_registry.read_bytes())


def test_index_off(small_registry: Path, cache_folder: Path,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("off", "0", "no", "false", "OFF"):
        monkeypatch.setenv("CIRCLETRACK_CACHE", value)
        assert Index.of(small_registry) is None
        assert load(Location(small_registry, "option")) == loads(small_registry.read_bytes())
        assert not cache_folder.exists()
    done = run(["list", "--all", "--registry", str(small_registry)],
               env={"CIRCLETRACK_CACHE": "off", "CIRCLETRACK_CACHE_DIR": str(cache_folder)})
    assert done.returncode == 0 and "coop-01" in done.stdout, done.stderr
    assert not cache_folder.exists()


def test_a_cache_folder_that_cannot_be_made_does_not_fail(small_registry: Path,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    for folder in (blocker / "cache", blocker, Path("/dev/null"), Path("/proc/1/nope")):
        monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(folder))
        assert load(Location(small_registry, "option")) == loads(small_registry.read_bytes())
        done = run(["list", "--all", "--registry", str(small_registry)])
        assert done.returncode == 0 and "coop-01" in done.stdout and not done.stderr


@pytest.mark.skipif(not POSIX, reason="permissions are POSIX")
def test_a_read_only_cache_folder_means_slower_reads_never_a_failure(
        small_registry: Path, cache_folder: Path) -> None:
    """A folder of the user's that they made read-only (0500): every read parses, the
    output is the same as without an index, and nothing is written there. (Root writes
    through permissions: as root the folder is made immutable too, with chattr +i.)"""
    cache_folder.mkdir(mode=0o500)
    cache_folder.chmod(0o500)
    immutable = False
    if ROOT:
        if shutil.which("chattr") is None or subprocess.run(
                ["chattr", "+i", str(cache_folder)], capture_output=True).returncode != 0:
            pytest.skip("as root, a read-only folder needs chattr +i")
        immutable = True
    try:
        with pytest.raises(OSError):
            (cache_folder / "probe").write_bytes(b"x")
        args = ["list", "--all", "--json", "id,title,status,progress",
                "--registry", str(small_registry)]
        plain = run(args, env={"CIRCLETRACK_CACHE": "off"})
        assert plain.returncode == 0, plain.stderr
        for _ in range(2):
            assert load(Location(small_registry, "option")) == loads(
                small_registry.read_bytes())
            done = run(args)
            assert done.returncode == 0 and not done.stderr, done.stderr
            assert done.stdout == plain.stdout
        marked = run(["mark", "coop-01", "-n", "x", "--by", "t", "--registry",
                      str(small_registry)])
        assert marked.returncode == 0 and not marked.stderr, marked.stderr
        assert load(Location(small_registry, "option")) == loads(small_registry.read_bytes())
        assert list(cache_folder.iterdir()) == []
        assert stat.S_IMODE(cache_folder.stat().st_mode) == 0o500
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(cache_folder)], check=True)
        cache_folder.chmod(0o700)


def test_platform_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_dir({"CIRCLETRACK_CACHE": "off", "CIRCLETRACK_CACHE_DIR": "/x"}) is None
    assert cache_dir({"CIRCLETRACK_CACHE_DIR": "/x"}) == Path("/x")
    monkeypatch.setattr(sys, "platform", "linux")
    assert cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/circletrack")
    assert cache_dir({}) == Path.home() / ".cache" / "circletrack"
    assert cache_dir({"XDG_CACHE_HOME": ""}) == Path.home() / ".cache" / "circletrack"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert cache_dir({"XDG_CACHE_HOME": "/c"}) == Path.home() / "Library/Caches/circletrack"
    monkeypatch.setattr(sys, "platform", "win32")
    assert cache_dir({"LOCALAPPDATA": "/l"}) == Path("/l/circletrack/Cache")


def test_old_indexes_are_pruned(tmp_path: Path, cache_folder: Path) -> None:
    paths = []
    for n in range(index.KEEP_INDEXES + 3):
        path = tmp_path / f"r{n}.toml"
        path.write_text(SMALL.replace(TITLE, f"事项{n}"), encoding="utf-8")
        load(Location(path, "option"))
        paths.append(path)
    assert len(list(cache_folder.glob("*.sqlite"))) == index.KEEP_INDEXES
    assert index_of(paths[-1]).exists()


def test_one_index_per_registry_whatever_link_names_it(small_registry: Path, tmp_path: Path,
                                                       cache_folder: Path) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(small_registry)
    assert index_of(link) == index_of(small_registry)


# An index of other code, or of another layout, is a miss and is written again


def _rebuilt(registry: Path) -> None:
    """The read after a miss gave the parse, and left an index of this code that is a hit."""
    assert load(Location(registry, "option")) == loads(registry.read_bytes())
    assert meta(index_of(registry))["code"] == index._CODE
    assert hit(registry) == loads(registry.read_bytes())


@pytest.mark.parametrize("other", ["version", "format", "records", "schema", "empty"])
def test_an_index_of_other_code_is_a_miss_and_is_rebuilt(small_registry: Path,
                                                         cache_folder: Path,
                                                         other: str) -> None:
    load(Location(small_registry, "option"))
    path = index_of(small_registry)
    code = meta(path)["code"]
    from circletrack import __version__
    from circletrack.model.records import record_fingerprint

    assert code == index._CODE
    foreign = {"version": code.replace(f"-{__version__}-", "-0.0.1-"),
               "format": code.replace(f"index{index.FORMAT}-", f"index{index.FORMAT + 1}-"),
               "records": code.replace(record_fingerprint(), "0" * 16),
               "schema": code.replace("-schema", "-schema9"),
               "empty": ""}[other]
    assert foreign != code
    poison(path)  # rows another code wrote: whatever they say, they are not shown
    execute(path, ("UPDATE meta SET value = ? WHERE key = 'code'", (foreign,)))
    assert hit(small_registry) is None
    assert title(small_registry) == TITLE
    _rebuilt(small_registry)


def test_a_poisoned_row_with_its_crc_is_what_the_index_gives(small_registry: Path,
                                                             cache_folder: Path) -> None:
    """The other tests' poison reads as a row of this code when nothing else stops it."""
    load(Location(small_registry, "option"))
    poison(index_of(small_registry))
    assert title(small_registry) == "POISONED"


@pytest.mark.parametrize("where", ["a row", "the head"])
def test_a_row_or_head_damaged_into_other_values_is_a_miss(small_registry: Path,
                                                           cache_folder: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           where: str) -> None:
    """Text changed on disk into values of the right types (a title, a source's title):
    its CRC-32 no longer agrees, so the index is not trusted, by `read`, `sections` and
    `around` alike, and the next read rebuilds it."""
    load(Location(small_registry, "option"))
    path = index_of(small_registry)
    if where == "a row":
        poison(path, crc=False)
    else:
        execute(path, ("UPDATE meta SET value = replace(value, 'plan', 'PLAN') "
                       "WHERE key = 'head'", ()))
    found = Index.of(small_registry)
    assert found is not None
    data = small_registry.read_bytes()
    assert found.read(digest(data)) is None
    assert found.around(digest(data), "coop-01") is None
    execute(path, ("UPDATE meta SET value = '1' WHERE key = 'canonical'", ()))
    from circletrack.storage.sections import cut

    assert found.sections(cut(data).head_digest) is None
    execute(path, ("UPDATE meta SET value = '0' WHERE key = 'canonical'", ()))
    assert title(small_registry) == TITLE
    _rebuilt(small_registry)


def test_an_index_of_other_bytes_is_a_miss(small_registry: Path, cache_folder: Path) -> None:
    load(Location(small_registry, "option"))
    path = index_of(small_registry)
    poison(path)
    execute(path, ("UPDATE meta SET value = ? WHERE key = 'file'", ("0" * 40,)))
    assert title(small_registry) == TITLE
    _rebuilt(small_registry)


def test_an_index_with_rows_missing_or_added_is_a_miss(small_registry: Path,
                                                       cache_folder: Path) -> None:
    load(Location(small_registry, "option"))
    path = index_of(small_registry)
    execute(path, ("DELETE FROM items WHERE id = 'coop-01'", ()))
    assert hit(small_registry) is None
    _rebuilt(small_registry)
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT id, section, data, crc, key, same_as FROM items WHERE n = 0").fetchone()
        connection.execute("INSERT INTO items (n, id, section, data, crc, key, same_as) "
                           "VALUES (99, ?, ?, ?, ?, ?, ?)", row)
    assert hit(small_registry) is None
    _rebuilt(small_registry)


def _random(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _header_only(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _other_schema(path: Path) -> None:
    path.unlink()
    execute(path, ("CREATE TABLE meta (k TEXT, v TEXT)", ()),
            ("CREATE TABLE notes (body BLOB)", ()),
            ("INSERT INTO notes VALUES (?)", (b"\x80\x04junk",)))


def _other_columns(path: Path) -> None:
    """Tables of the right names, the items' columns another layout's."""
    code = meta(path)
    path.unlink()
    execute(path, ("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", ()),
            ("CREATE TABLE items (n INTEGER PRIMARY KEY, payload BLOB)", ()),
            *[("INSERT INTO meta VALUES (?, ?)", item) for item in code.items()])


def _empty_file(path: Path) -> None:
    path.write_bytes(b"")


def _text_file(path: Path) -> None:
    path.write_text("SQLite format 3\0 but not really", encoding="utf-8")


def _rows(shape: Any) -> Any:
    def alter(path: Path) -> None:
        with sqlite3.connect(path) as connection:
            (data,) = connection.execute(
                "SELECT data FROM items WHERE id = 'rail-hangshao'").fetchone()
            connection.execute("UPDATE items SET data = ? WHERE id = 'rail-hangshao'",
                               (shape(json.loads(data)),))
    return alter


def _history_entry(row: list[Any], value: Any) -> list[Any]:
    from circletrack.model.records import Item, specs

    number = [f.name for f in specs(Item)].index("history")
    row[number] = [value]
    return row


CORRUPT = {
    "random bytes": _random,
    "truncated": _truncated,
    "only the SQLite header": _header_only,
    "an empty file": _empty_file,
    "a text file": _text_file,
    "SQLite of another schema": _other_schema,
    "SQLite with another items table": _other_columns,
    "a row not JSON": _rows(lambda row: "[not json"),
    "a row an object": _rows(lambda row: json.dumps({"id": "rail-hangshao"})),
    "a row a string": _rows(lambda row: json.dumps("rail-hangshao")),
    "a row null": _rows(lambda row: "null"),
    "a row one field short": _rows(lambda row: json.dumps(row[:-1])),
    "a row one field long": _rows(lambda row: json.dumps([*row, None])),
    "a row empty": _rows(lambda row: "[]"),
    "a report an object": _rows(lambda row: json.dumps(_history_entry(row, {"x": 1}))),
    "a report a string": _rows(lambda row: json.dumps(_history_entry(row, "2020-01-01"))),
    "a report short": _rows(lambda row: json.dumps(_history_entry(row, [1]))),
    "a date not a date": _rows(lambda row: json.dumps(row).replace('"2011-02-18"', '"yesterday"')),
    "a date a number": _rows(lambda row: json.dumps(row).replace('"2011-02-18"', "20110218")),
    "a row a BLOB": lambda path: execute(
        path, ("UPDATE items SET data = ? WHERE id = 'rail-hangshao'", (b"\x80\x04\x95",))),
    "head not JSON": lambda path: execute(
        path, ("UPDATE meta SET value = '{' WHERE key = 'head'", ())),
    "head of another shape": lambda path: execute(
        path, ("UPDATE meta SET value = '[1, 2]' WHERE key = 'head'", ())),
    "head without sources": lambda path: execute(
        path, ("UPDATE meta SET value = '{\"schema\": 2}' WHERE key = 'head'", ())),
    "a source with an unknown field": lambda path: execute(
        path, ("UPDATE meta SET value = json_set(value, '$.sources.\"plan-2011\".evil', 1) "
               "WHERE key = 'head'", ())),
    "count not a number": lambda path: execute(
        path, ("UPDATE meta SET value = 'many' WHERE key = 'count'", ())),
    "meta missing": lambda path: execute(path, ("DROP TABLE meta", ())),
    "count a million digits": lambda path: execute(
        path, ("UPDATE meta SET value = ? WHERE key = 'count'", ("9" * 1_000_000,))),
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_a_corrupt_index_is_ignored_and_rebuilt(small_registry: Path, cache_folder: Path,
                                                case: str) -> None:
    expected = loads(small_registry.read_bytes())
    load(Location(small_registry, "option"))
    path = index_of(small_registry)
    CORRUPT[case](path)
    assert hit(small_registry) is None
    # Read as the program reads, in process and by the installed script: the parse, never
    # a traceback; then (at the latest on the read after) an index of this code again.
    assert load(Location(small_registry, "option")) == expected
    done = run(["list", "--all", "--registry", str(small_registry)])
    assert done.returncode == 0 and not done.stderr and "coop-01" in done.stdout
    assert load(Location(small_registry, "option")) == expected
    assert hit(small_registry) == expected


@pytest.mark.parametrize("count", ["one less", "one more", "many", ""])
def test_show_does_not_trust_an_index_whose_count_is_not_its_rows(
        small_registry: Path, cache_folder: Path, count: str) -> None:
    """`around` (show) reads a few rows, not all: it still refuses an index whose count is
    not the number of its rows (found by tools/adversarial.py: a poisoned index with a
    wrong count was a miss for `list`, but `show` used its row)."""
    load(Location(small_registry, "option"))
    path = index_of(small_registry)
    poison(path)
    found = Index.of(small_registry)
    assert found is not None
    data_digest = digest(small_registry.read_bytes())
    assert found.around(data_digest, "coop-01") is not None  # the poison alone is read
    rows = len(loads(small_registry.read_bytes()).items)
    count = {"one less": str(rows - 1), "one more": str(rows + 1)}.get(count, count)
    execute(path, ("UPDATE meta SET value = ? WHERE key = 'count'", (count,)))
    assert found.around(data_digest, "coop-01") is None
    done = run(["show", "coop-01", "--registry", str(small_registry)])
    assert done.returncode == 0 and "POISONED" not in done.stdout and TITLE in done.stdout


@pytest.mark.parametrize("case", ["random bytes", "truncated", "a row a string",
                                  "count a million digits"])
def test_a_corrupt_index_under_a_write_is_ignored(small_registry: Path, cache_folder: Path,
                                                  case: str) -> None:
    import datetime as dt

    from circletrack.changes.writes import record_report, report_request
    from circletrack.storage import update_journaled
    from circletrack.storage.codec import dumps

    load(Location(small_registry, "option"))
    CORRUPT[case](index_of(small_registry))
    request = report_request(today=dt.date(2026, 1, 5), by="t", progress="40")
    update_journaled(Location(small_registry, "option"),
                     lambda reg: record_report(reg, "rail-hangshao", request), "m")
    written = loads(small_registry.read_bytes())
    assert written.get("rail-hangshao").state.progress == 40  # type: ignore[union-attr]
    assert small_registry.read_bytes() == dumps(written)
    assert load(Location(small_registry, "option")) == written


# Who may have written the folder and the file


def test_a_link_as_the_cache_folder_is_not_used(small_registry: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(link))
    assert Index.of(small_registry) is None
    assert load(Location(small_registry, "option")) == loads(small_registry.read_bytes())
    assert list(real.iterdir()) == []


@pytest.mark.skipif(not POSIX, reason="permissions are POSIX")
def test_a_folder_of_ours_writable_by_others_is_tightened(small_registry: Path,
                                                          cache_folder: Path) -> None:
    cache_folder.mkdir(mode=0o777)
    os.chmod(cache_folder, 0o777)
    load(Location(small_registry, "option"))
    assert stat.S_IMODE(cache_folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(index_of(small_registry).stat().st_mode) == 0o600
    assert hit(small_registry) == loads(small_registry.read_bytes())


@ROOT_ONLY
@pytest.mark.parametrize("mode", [0o755, 0o700, 0o777])
def test_a_folder_someone_else_made_is_left_alone(small_registry: Path, cache_folder: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  mode: int) -> None:
    # Their index, for exactly these bytes, with coop-01 retitled: never shown.
    load(Location(small_registry, "option"))
    planted = index_of(small_registry)
    poison(planted)
    for path in (cache_folder, planted):
        os.chown(path, OTHER_UID, OTHER_UID)
    cache_folder.chmod(mode)
    assert Index.of(small_registry) is None
    assert title(small_registry) == TITLE
    assert sorted(p.name for p in cache_folder.iterdir()) == [planted.name]  # nothing added
    assert stat.S_IMODE(cache_folder.stat().st_mode) == mode  # nor tightened: not ours


@pytest.mark.skipif(not POSIX, reason="permissions are POSIX")
@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602])
def test_an_index_file_writable_by_others_is_not_read(small_registry: Path,
                                                      cache_folder: Path, mode: int) -> None:
    load(Location(small_registry, "option"))
    path = index_of(small_registry)
    poison(path)
    path.chmod(mode)
    assert hit(small_registry) is None
    assert title(small_registry) == TITLE
    assert "POISONED" in path.read_text(encoding="utf-8", errors="replace")  # not written
    assert stat.S_IMODE(path.stat().st_mode) == mode


@ROOT_ONLY
def test_an_index_file_of_another_user_is_not_read(small_registry: Path,
                                                   cache_folder: Path) -> None:
    load(Location(small_registry, "option"))
    path = index_of(small_registry)
    poison(path)
    os.chown(path, OTHER_UID, OTHER_UID)
    assert hit(small_registry) is None
    assert title(small_registry) == TITLE
    assert path.stat().st_uid == OTHER_UID


def test_a_link_planted_as_the_index_file_is_not_followed(small_registry: Path,
                                                          cache_folder: Path,
                                                          tmp_path: Path) -> None:
    load(Location(small_registry, "option"))
    path = index_of(small_registry)
    elsewhere = tmp_path / "elsewhere.sqlite"
    shutil.copyfile(path, elsewhere)
    elsewhere.chmod(0o600)
    poison(elsewhere)
    path.unlink()
    path.symlink_to(elsewhere)
    assert hit(small_registry) is None
    assert title(small_registry) == TITLE
    assert path.is_symlink()
    assert "POISONED" in elsewhere.read_text(encoding="utf-8", errors="replace")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_planted_as_the_index_file_is_a_miss_not_a_hang(small_registry: Path,
                                                               cache_folder: Path) -> None:
    load(Location(small_registry, "option"))
    path = index_of(small_registry)
    path.unlink()
    os.mkfifo(path, 0o600)
    # Opening a FIFO waits for a writer; the program must not: the file is parsed, as if
    # there were no index. The installed script, with a timeout, so a hang fails the test.
    for args in (["list", "--all"], ["mark", "coop-01", "-n", "x", "--by", "t"]):
        done = run([*args, "--registry", str(small_registry)], timeout=30)
        assert done.returncode == 0 and not done.stderr, done.stderr
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
    assert load(Location(small_registry, "option")) == loads(small_registry.read_bytes())


# A field added to the model


def test_an_index_the_previous_record_classes_wrote_is_a_miss(tmp_path: Path) -> None:
    """A release that adds a field to Item, run on a registry the release before indexed:
    no traceback ("'Item' object has no attribute"), the same values for the old fields.

    Two copies of the installed package, the second with one more declared Item field (as
    docs/architecture.md says a field is added), share one cache folder."""
    import circletrack

    package = Path(circletrack.__file__).parent
    old, new = tmp_path / "old", tmp_path / "new"
    for root in (old, new):
        shutil.copytree(package, root / "circletrack",
                        ignore=shutil.ignore_patterns("__pycache__"))
    model = new / "circletrack" / "model" / "records.py"
    anchor = "    original_due: dt.date | None = field("
    text = model.read_text(encoding="utf-8")
    assert anchor in text
    model.write_text(text.replace(anchor, (
        '    checked_by: tuple[str, ...] = field(default=(), metadata=spec(\n'
        '        "texts", label=N_("checked_by"), edit=EDIT_ALWAYS, help="Who checked it."))\n'
        + anchor), 1), encoding="utf-8")
    registry = tmp_path / "projects.toml"
    registry.write_bytes(SMALL.encode("utf-8"))
    folder = tmp_path / "cache"
    env = {**os.environ, "CIRCLETRACK_CACHE_DIR": str(folder), "CIRCLETRACK_LANG": "en"}
    args = ["list", "--all", "--json", "id,title,status,progress,due,lead",
            "--registry", str(registry)]

    def python(code: Path, script: str, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, "
                               "sys.argv.pop(1)); " + script, str(code), *argv], env=env,
                              capture_output=True, text=True, encoding="utf-8", timeout=60)

    def cli(code: Path) -> subprocess.CompletedProcess[str]:
        return python(code, "sys.argv[0] = 'circletrack'; from circletrack.cli import main; "
                            "main()", *args)

    def code_of_index(code: Path) -> str:
        done = python(code, "from circletrack.storage import index; print(index._CODE)")
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    old_code, new_code = code_of_index(old), code_of_index(new)
    assert old_code != new_code  # the fingerprint of the record classes tells them apart
    first = cli(old)
    assert first.returncode == 0, first.stderr
    assert cli(old).stdout == first.stdout  # the second read is the index's
    (path,) = folder.glob("*.sqlite")
    assert meta(path)["code"] == old_code
    later = cli(new)
    assert later.returncode == 0 and not later.stderr, later.stderr
    assert later.stdout == first.stdout
    assert meta(path)["code"] == new_code, "the newer code parsed and indexed anew"
    with sqlite3.connect(path) as connection:
        rows = [json.loads(data) for (data,) in connection.execute("SELECT data FROM items")]
    old_width = int(json.loads(python(old, (
        "from circletrack.model.records import Item, specs; import json; "
        "print(json.dumps(len(specs(Item))))")).stdout))
    assert {len(row) for row in rows} == {old_width + 1}
    shown = python(new, "from pathlib import Path; from circletrack.storage import Location, "
                        "load; print(load(Location(Path(sys.argv[1]), 'option'))"
                        ".items[0].checked_by)", str(registry))
    assert shown.returncode == 0 and shown.stdout.strip() == "()", shown.stderr
    back = cli(old)  # and the older code again: a miss, never the newer rows
    assert back.returncode == 0 and not back.stderr and back.stdout == first.stdout
    assert meta(path)["code"] == old_code


# Nothing in the index can run code


def test_the_index_holds_only_sqlite_rows_of_json_text(shipped_copy: Path,
                                                       cache_folder: Path) -> None:
    load(Location(shipped_copy, "option"))
    path = index_of(shipped_copy)
    assert path.read_bytes().startswith(b"SQLite format 3\0")
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as connection:
        objects = connection.execute("SELECT type, name FROM sqlite_master").fetchall()
        assert sorted(name for kind, name in objects if kind == "table") == ["items", "meta"]
        assert {kind for kind, _ in objects} <= {"table", "index"}  # no triggers, no views
        kinds = connection.execute("SELECT DISTINCT typeof(key), typeof(value) FROM meta "
                                   "UNION SELECT DISTINCT typeof(id), typeof(section) "
                                   "FROM items UNION SELECT DISTINCT typeof(data), "
                                   "typeof(data) FROM items").fetchall()
        assert set(kinds) == {("text", "text")}
        rows = connection.execute("SELECT id, data FROM items ORDER BY n").fetchall()
        head = dict(connection.execute("SELECT key, value FROM meta"))["head"]
    registry = loads(shipped_copy.read_bytes())
    assert [item_id for item_id, _ in rows] == [item.id for item in registry.items]

    def plain(value: Any) -> bool:
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or type(value) in (str, int, float, bool)

    assert all(plain(json.loads(data)) for _, data in rows)
    assert isinstance(json.loads(head), dict)


def test_the_old_pickle_entries_are_not_read(small_registry: Path, cache_folder: Path,
                                             tmp_path: Path) -> None:
    """What the pickled cache left in the folder (a key, entries named by the registry's
    digest), with pickles that leave a marker file when unpickled: never unpickled. A pickle
    put in the index file's place is not a database: a miss."""
    import hashlib
    import pickle

    marker = tmp_path / "ran"

    class Planted:
        def __reduce__(self):  # type: ignore[no-untyped-def]  # noqa: ANN204
            return (Path.write_text, (marker, "ran"))

    payload = pickle.dumps(Planted())
    cache_folder.mkdir(mode=0o700)
    (cache_folder / "key").write_bytes(b"k" * 32)
    name = hashlib.blake2b(small_registry.read_bytes(), digest_size=20).hexdigest()
    for planted in (f"{name}.entry", f"{digest(small_registry.read_bytes())}.entry",
                    "source-0.bytes"):
        (cache_folder / planted).write_bytes(b"CTC1" + b"x" * 32 + payload)
    expected = loads(small_registry.read_bytes())
    assert load(Location(small_registry, "option")) == expected
    index_of(small_registry).write_bytes(payload)
    index_of(small_registry).chmod(0o600)
    assert load(Location(small_registry, "option")) == expected
    done = run(["list", "--all", "--registry", str(small_registry)])
    assert done.returncode == 0 and not done.stderr
    assert load(Location(small_registry, "option")) == expected
    assert not marker.exists()


def test_reading_the_index_imports_no_pickle(small_registry: Path, cache_folder: Path) -> None:
    """The program that reads an index never imports pickle (nor marshal's user, shelve)."""
    from program import run_main

    load(Location(small_registry, "option"))
    done = run_main(["list", "--all", "--registry", str(small_registry)],
                    prologue="import sys",
                    epilogue="print('IMPORTED', sorted(m for m in ('pickle', 'shelve', "
                             "'_pickle', 'dill') if m in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert "IMPORTED []" in done.stdout, done.stdout[-300:]


def test_a_write_uses_only_an_index_of_the_bytes_it_read_under_the_lock(
        small_registry: Path, cache_folder: Path) -> None:
    import datetime as dt

    from circletrack.changes.writes import ReportRequest, record_report
    from circletrack.storage import update_journaled

    load(Location(small_registry, "option"))  # an index of the current bytes
    changed = small_registry.read_text(encoding="utf-8").replace(TITLE, "手工改过的标题")
    small_registry.write_text(changed, encoding="utf-8")  # a hand edit behind the index
    request = ReportRequest(date=dt.date(2011, 6, 1), by="x", source="y", note="n")
    update_journaled(Location(small_registry, "option"),
                     lambda reg: record_report(reg, "coop-01", request), "test")
    assert "手工改过的标题" in small_registry.read_text(encoding="utf-8")
    assert hit(small_registry) == loads(small_registry.read_bytes())


def test_the_shipped_registry_through_the_program(tmp_path: Path) -> None:
    """The installed script's second run answers from the index and prints the same."""
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    folder = tmp_path / "cache"
    args = ["list", "--all", "--registry", str(registry)]
    env = {"CIRCLETRACK_CACHE_DIR": str(folder)}
    plain = run(args, env={"CIRCLETRACK_CACHE": "off"})
    first, second = run(args, env=env), run(args, env=env)
    assert plain.returncode == first.returncode == second.returncode == 0
    assert plain.stdout == first.stdout == second.stdout
    (path,) = folder.glob("*.sqlite")
    assert meta(path)["file"] == digest(registry.read_bytes())


def test_a_read_s_error_names_the_registry_as_given(tmp_path: Path) -> None:
    """The read through the index words a problem with the path the user gave (a relative
    one, or a link), as the whole parse does, not the file behind it."""
    real = tmp_path / "real" / "registry.toml"
    real.parent.mkdir()
    real.write_text(SMALL.replace('status = "planned"', 'status = "bogus"', 1),
                    encoding="utf-8")
    (tmp_path / "link.toml").symlink_to(real)
    for given in ("link.toml", "real/registry.toml"):
        done = run(["list", "--registry", given], cwd=tmp_path)
        assert done.returncode != 0
        assert done.stderr.startswith(f"Error: {given}:"), done.stderr
        assert str(tmp_path) not in done.stderr
    with pytest.raises(RegistryInvalid) as raised:
        load(Location(tmp_path / "link.toml", "option"))
    assert str(raised.value).startswith(f"{tmp_path / 'link.toml'}:")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("planted", ["fifo", "link"])
def test_something_planted_as_the_index_s_journal_is_a_miss_not_a_hang(
        small_registry: Path, cache_folder: Path, planted: str) -> None:
    """SQLite opens the rollback journal beside the index (`<index>-journal`) to roll back
    a write that was cut short: a FIFO there would block every read."""
    load(Location(small_registry, "option"))
    journal = Path(f"{index_of(small_registry)}-journal")
    if planted == "fifo":
        os.mkfifo(journal, 0o600)
    else:
        journal.symlink_to("/dev/zero")
    for args in (["list", "--all"], ["mark", "coop-01", "-n", "x", "--by", "t"]):
        done = run([*args, "--registry", str(small_registry)], timeout=30)
        assert done.returncode == 0 and not done.stderr, done.stderr
    assert load(Location(small_registry, "option")) == loads(small_registry.read_bytes())
