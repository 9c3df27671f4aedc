"""The parse cache can make a read faster but never different."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SMALL

from circletrack import cache
from circletrack.storage.codec import loads
from circletrack.storage import Location, load


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(folder))
    monkeypatch.delenv("CIRCLETRACK_CACHE", raising=False)
    return folder


def test_second_load_is_a_hit_and_equal(small_registry: Path, cache_folder: Path) -> None:
    first = load(Location(small_registry, "option"))
    entries = list(cache_folder.glob("*.entry"))
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
    assert not list(cache_folder.glob("*.entry"))


def test_damaged_entry_falls_back_to_parsing(small_registry: Path, cache_folder: Path) -> None:
    expected = loads(small_registry.read_bytes())
    load(Location(small_registry, "option"))
    (entry,) = cache_folder.glob("*.entry")
    entry.write_bytes(b"not an entry")
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
    assert len(list(cache_folder.glob("*.entry"))) == cache.KEEP_ENTRIES


def test_platform_folders() -> None:
    assert cache.cache_dir({"CIRCLETRACK_CACHE": "off"}) is None
    assert cache.cache_dir({"CIRCLETRACK_CACHE_DIR": "/x"}) == Path("/x")
    assert cache.cache_dir({"XDG_CACHE_HOME": "/c"}) in (Path("/c/circletrack"),
                                                        Path.home() / "Library/Caches/circletrack")


# Nobody but the user can put anything in the cache (issue 16)

ROOT_ONLY = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                               reason="needs root to create files owned by another user")


class _Planted:
    """A pickle that, when unpickled, leaves a marker file: it must never be unpickled."""

    marker = ""

    def __reduce__(self):  # noqa: ANN204
        return (Path.write_text, (Path(self.marker), "ran"))


def _planted_payload(marker: Path) -> bytes:
    import pickle

    planted = _Planted()
    planted.marker = str(marker)
    return pickle.dumps(planted)


def test_a_planted_pickle_never_runs(small_registry: Path, cache_folder: Path,
                                     tmp_path: Path) -> None:
    expected = loads(small_registry.read_bytes())
    load(Location(small_registry, "option"))
    (entry,) = cache_folder.glob("*.entry")
    marker = tmp_path / "ran"
    for blob in (_planted_payload(marker),  # a bare pickle where the entry was
                 cache._MAGIC + b"x" * 32 + _planted_payload(marker)):  # with a made-up MAC
        entry.write_bytes(blob)
        assert load(Location(small_registry, "option")) == expected
        assert not marker.exists()


def test_an_altered_entry_is_a_miss_and_never_shown(small_registry: Path,
                                                     cache_folder: Path) -> None:
    load(Location(small_registry, "option"))
    (entry,) = cache_folder.glob("*.entry")
    blob = entry.read_bytes()
    entry.write_bytes(blob.replace("省级产业集聚区规划建设".encode(), "伪造的标题伪造的标题的".encode()))
    assert load(Location(small_registry, "option")).get("coop-01").title == "省级产业集聚区规划建设"  # type: ignore[union-attr]
    entry.write_bytes(blob[: len(blob) // 2])  # truncated
    assert load(Location(small_registry, "option")).get("coop-01") is not None


def test_an_entry_of_another_version_is_a_miss(small_registry: Path, cache_folder: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    load(Location(small_registry, "option"))
    monkeypatch.setattr(cache, "_TAG", b"0.0.0-py3.0-schema0")
    assert cache.lookup(small_registry.read_bytes()) is None


def test_a_writable_by_others_folder_of_ours_is_tightened(small_registry: Path,
                                                           cache_folder: Path) -> None:
    cache_folder.mkdir(mode=0o777)
    os.chmod(cache_folder, 0o777)
    load(Location(small_registry, "option"))
    if hasattr(os, "geteuid"):
        assert cache_folder.stat().st_mode & 0o777 == 0o700
        assert (cache_folder / "key").stat().st_mode & 0o777 == 0o600
    assert list(cache_folder.glob("*.entry"))


def test_a_link_as_the_cache_folder_is_not_used(small_registry: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(link))
    assert load(Location(small_registry, "option")).get("coop-01") is not None
    assert not list(real.glob("*.entry"))


@ROOT_ONLY
def test_a_folder_someone_else_made_is_left_alone(small_registry: Path, cache_folder: Path,
                                                  tmp_path: Path) -> None:
    cache_folder.mkdir(mode=0o755)
    os.chown(cache_folder, 12345, 12345)  # another user pre-created it
    marker = tmp_path / "ran"
    planted = cache_folder / f"{cache.digest(small_registry.read_bytes())}.entry"
    planted.write_bytes(_planted_payload(marker))
    os.chown(planted, 12345, 12345)
    assert load(Location(small_registry, "option")).get("coop-01") is not None
    assert not marker.exists()
    assert sorted(p.name for p in cache_folder.iterdir()) == [planted.name]  # nothing added


@ROOT_ONLY
def test_an_entry_owned_by_another_user_is_not_read(small_registry: Path,
                                                    cache_folder: Path) -> None:
    load(Location(small_registry, "option"))
    (entry,) = cache_folder.glob("*.entry")
    os.chown(entry, 12345, 12345)
    assert cache.lookup(small_registry.read_bytes()) is None


def test_a_write_uses_only_an_entry_for_the_bytes_it_read_under_the_lock(
        small_registry: Path, cache_folder: Path) -> None:
    import datetime as dt

    from circletrack.storage import update_journaled
    from circletrack.writes import ReportRequest, record_report

    load(Location(small_registry, "option"))  # an entry for the current bytes
    changed = small_registry.read_text(encoding="utf-8").replace("省级产业集聚区规划建设",
                                                                  "手工改过的标题")
    small_registry.write_text(changed, encoding="utf-8")  # a hand edit behind the cache
    request = ReportRequest(date=dt.date(2011, 6, 1), by="x", source="y", note="n")
    update_journaled(Location(small_registry, "option"),
                     lambda reg: record_report(reg, "coop-01", request), "test")
    assert "手工改过的标题" in small_registry.read_text(encoding="utf-8")


def test_temporary_files_of_a_killed_cache_write_are_removed(small_registry: Path,
                                                              cache_folder: Path,
                                                              tmp_path: Path) -> None:
    load(Location(small_registry, "option"))
    stale = cache_folder / ".x.entry.abc.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (1, 1))
    fresh = cache_folder / ".y.entry.def.tmp"
    fresh.write_bytes(b"being written")
    other = tmp_path / "other.toml"
    other.write_text(SMALL.replace("省级产业集聚区规划建设", "另一个"), encoding="utf-8")
    load(Location(other, "option"))
    assert not stale.exists() and fresh.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("planted", ["key", "entry"])
def test_a_fifo_planted_in_the_cache_is_a_miss_not_a_hang(small_registry: Path,
                                                          cache_folder: Path,
                                                          planted: str) -> None:
    first = load(Location(small_registry, "option"))
    (entry,) = cache_folder.glob("*.entry")
    target = cache_folder / "key" if planted == "key" else entry
    target.unlink()
    os.mkfifo(target, 0o600)
    # Opening a FIFO for reading waits for a writer; the cache must not: a miss, then the
    # file is parsed as if there were no cache.
    assert load(Location(small_registry, "option")) == first


def test_a_cache_read_reserves_only_what_the_entry_holds(small_registry: Path,
                                                          cache_folder: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          ) -> None:
    import io

    load(Location(small_registry, "option"))
    sizes: list[int] = []
    real_read = io.BufferedReader.read

    class Spy(io.BufferedReader):
        def read(self, size: int | None = -1) -> bytes:  # type: ignore[override]
            sizes.append(-1 if size is None else size)
            return real_read(self, size)

    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: Spy(io.FileIO(
        fd, "rb", closefd=False)) if mode == "rb" else real_fdopen(fd, mode, *a, **k))
    assert cache.lookup(small_registry.read_bytes()) is not None
    (entry,) = cache_folder.glob("*.entry")
    assert sizes and max(sizes) <= entry.stat().st_size + 1 + 64


def test_a_cache_the_previous_record_classes_wrote_is_read_again_not_trusted(
        tmp_path: Path) -> None:
    """A release that adds a field to Item, run on a registry the release before cached: no
    traceback ("'Item' object has no attribute"), the same values for the old fields.

    Two copies of the installed package, the second with one more declared Item field (as
    docs/architecture.md says a field is added), share one cache folder."""
    import shutil
    import subprocess
    import sys

    import circletrack

    package = Path(circletrack.__file__).parent
    old, new = tmp_path / "old", tmp_path / "new"
    for root in (old, new):
        shutil.copytree(package, root / "circletrack",
                        ignore=shutil.ignore_patterns("__pycache__"))
    model = new / "circletrack" / "model.py"
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
    args = ["list", "--all", "--json", "id,title,status,progress,due,lead",
            "--registry", str(registry)]

    def run(code: Path) -> subprocess.CompletedProcess[str]:
        script = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
                  "sys.argv[0] = 'circletrack'; from circletrack.cli import main; main()")
        return subprocess.run([sys.executable, "-c", script, str(code), *args],
                              env={**os.environ, "CIRCLETRACK_CACHE_DIR": str(folder),
                                   "CIRCLETRACK_LANG": "en"},
                              capture_output=True, text=True, encoding="utf-8", timeout=60)

    first = run(old)
    assert first.returncode == 0, first.stderr
    assert run(old).stdout == first.stdout  # the second read is the cache's
    entries = set(folder.glob("*.entry"))
    assert len(entries) == 1
    later = run(new)
    assert later.returncode == 0 and "Traceback" not in later.stderr, later.stderr
    assert later.stdout == first.stdout
    assert set(folder.glob("*.entry")) - entries, "the newer code parsed and cached anew"
    shown = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv.pop(1)); "
                            "from pathlib import Path; from circletrack.storage import Location, load; "
                            "print(load(Location(Path(sys.argv[1]), 'option')).items[0].checked_by)",
                            str(new), str(registry)],
                           env={**os.environ, "CIRCLETRACK_CACHE_DIR": str(folder)},
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and shown.stdout.strip() == "()", shown.stderr
