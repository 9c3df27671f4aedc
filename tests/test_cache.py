"""The parse cache can make a read faster but never different."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SMALL

from circletrack import cache
from circletrack.codec import loads
from circletrack.store import Location, load


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(folder))
    monkeypatch.delenv("CIRCLETRACK_CACHE", raising=False)
    return folder


def test_second_load_is_a_hit_and_equal(small_registry: Path, cache_folder: Path) -> None:
    first = load(Location(small_registry, "option"))
    entries = list(cache_folder.glob("*.pickle"))
    assert len(entries) == 1
    assert cache.lookup(small_registry.read_bytes()) == first
    assert load(Location(small_registry, "option")) == first


def test_a_change_behind_the_cache_is_seen(small_registry: Path, cache_folder: Path) -> None:
    load(Location(small_registry, "option"))
    stat = small_registry.stat()
    changed = SMALL.replace("省级产业集聚区规划建设", "省级产业集聚区规划建没")  # same length in bytes
    assert len(changed.encode()) == len(SMALL.encode())
    small_registry.write_text(changed, encoding="utf-8")
    os.utime(small_registry, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    assert load(Location(small_registry, "option")).get("coop-01").title.endswith("建没")  # type: ignore[union-attr]


def test_invalid_files_are_never_cached(tmp_path: Path, cache_folder: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace('kind = "project"', 'kind = "task"'), encoding="utf-8")
    with pytest.raises(Exception, match="unknown kind"):
        load(Location(bad, "option"))
    assert not list(cache_folder.glob("*.pickle"))


def test_damaged_entry_falls_back_to_parsing(small_registry: Path, cache_folder: Path) -> None:
    expected = loads(small_registry.read_bytes())
    load(Location(small_registry, "option"))
    (entry,) = cache_folder.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert load(Location(small_registry, "option")) == expected


def test_cache_off(small_registry: Path, cache_folder: Path,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIRCLETRACK_CACHE", "off")
    load(Location(small_registry, "option"))
    assert not cache_folder.exists()


def test_unwritable_cache_folder_does_not_fail(small_registry: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(blocker / "cache"))
    assert load(Location(small_registry, "option")).get("coop-01") is not None


def test_old_entries_are_pruned(tmp_path: Path, cache_folder: Path) -> None:
    for n in range(cache.KEEP_ENTRIES + 3):
        path = tmp_path / f"r{n}.toml"
        path.write_text(SMALL.replace("省级产业集聚区规划建设", f"事项{n}"), encoding="utf-8")
        load(Location(path, "option"))
    assert len(list(cache_folder.glob("*.pickle"))) == cache.KEEP_ENTRIES


def test_platform_folders() -> None:
    assert cache.cache_dir({"CIRCLETRACK_CACHE": "off"}) is None
    assert cache.cache_dir({"CIRCLETRACK_CACHE_DIR": "/x"}) == Path("/x")
    assert cache.cache_dir({"XDG_CACHE_HOME": "/c"}) in (Path("/c/circletrack"),
                                                        Path.home() / "Library/Caches/circletrack")
