"""SIGKILL of the real program (the installed `circletrack` script) while it rebuilds the
index of a large registry and while it writes (`mark`): the registry is left valid, with
either the bytes before or exactly the bytes the write makes, and the next read gives
exactly a fresh parse (the index rebuilt, or still true).

The registry is one `bench/generate.py` makes (2,500 items), so a read that parses and
indexes it takes long enough to be killed at several moments of it. The delays are spread
over the time an unkilled run takes on this machine, measured first."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from program import SCRIPT, run

from circletrack.storage.codec import dumps, loads
from circletrack.storage.index import Index, digest
from circletrack.storage.reading import read

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")

SIZE = 2500
FRACTIONS = (0.3, 0.55, 0.7, 0.82, 0.9, 0.96)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A registry of SIZE generated items (canonical, as circletrack writes), and the id
    of an item the benchmark marks."""
    import json

    out = tmp_path_factory.mktemp("generated")
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--sizes",
                           str(SIZE), "--out-dir", str(out)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    probe = json.loads((out / f"probe-{SIZE}.json").read_text(encoding="utf-8"))
    return out / f"registry-{SIZE}.toml", probe["item_id"]


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "CIRCLETRACK_CACHE_DIR": str(cache), "CIRCLETRACK_USER": "t",
            "CIRCLETRACK_LANG": "en", "NO_COLOR": "1"}


def _timed(args: list[str], cache: Path) -> float:
    started = time.monotonic()
    done = subprocess.run([str(SCRIPT), *args], env=_env(cache), capture_output=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


class Killer:
    """Runs the script and SIGKILLs it (by its pid) at a fraction of the time an unkilled
    run takes: measured first, and lowered whenever a run ends before its kill (the
    machine's load varies), so the later kills fall inside the run."""

    def __init__(self, took: float) -> None:
        self.took = took

    def __call__(self, args: list[str], cache: Path, fraction: float) -> int | None:
        started = time.monotonic()
        process = subprocess.Popen([str(SCRIPT), *args], env=_env(cache),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   stdin=subprocess.DEVNULL)
        try:
            process.wait(timeout=self.took * fraction)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
        else:
            self.took = min(self.took, time.monotonic() - started)
        return process.wait(timeout=60)


def _reads_as_a_fresh_parse(registry: Path, cache: Path, monkeypatch: pytest.MonkeyPatch,
                            ) -> None:
    """`circletrack validate` accepts the file; a read through the index left by the killed
    process gives the fresh parse, and so does the read after (an index hit)."""
    done = run(["validate", "--registry", str(registry)],
               env={"CIRCLETRACK_CACHE_DIR": str(cache)})
    assert done.returncode == 0, done.stdout + done.stderr
    data = registry.read_bytes()
    expected = loads(data)
    monkeypatch.setenv("CIRCLETRACK_CACHE_DIR", str(cache))
    assert read(data, registry).registry == expected
    index = Index.of(registry)
    assert index is not None
    hit = index.read(digest(data))
    assert hit is not None and hit.registry == expected


def _leftovers(registry: Path) -> list[str]:
    return [p.name for p in registry.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("warm", [False, True], ids=["no index", "an index of other bytes"])
def test_a_kill_during_an_index_rebuild(large: tuple[Path, str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, warm: bool) -> None:
    source, item_id = large
    args = ["show", item_id, "--registry"]
    original = source.read_bytes()
    if warm:  # an index of the file before half its items changed elsewhere (a `git pull`):
        # the read after parses those sections only, and indexes the file anew
        head, *sections = original.split(b"\n[[items]]\n")
        changed = b"\n[[items]]\n".join([head, *(
            part.replace(b'title = "', b'title = "\xe6\x94\xb9', 1) if n % 2 else part
            for n, part in enumerate(sections))])
    measure = tmp_path / "measure"
    measure.mkdir()
    registry = measure / "projects.toml"
    registry.write_bytes(original)
    if warm:
        assert _timed([*args, str(registry)], measure / "cache") > 0
        registry.write_bytes(changed)
    killer = Killer(_timed([*args, str(registry)], measure / "cache"))
    shown = run([*args, str(registry)], env={"CIRCLETRACK_CACHE": "off"})
    assert shown.returncode == 0
    killed = 0
    for number, fraction in enumerate(FRACTIONS):
        folder = tmp_path / f"kill-{number}"
        folder.mkdir()
        registry = folder / "projects.toml"
        registry.write_bytes(original)
        cache = folder / "cache"
        if warm:
            assert _timed([*args, str(registry)], cache) > 0
            registry.write_bytes(changed)
        before = registry.read_bytes()
        status = killer([*args, str(registry)], cache, fraction)
        killed += status == -signal.SIGKILL
        assert registry.read_bytes() == before  # a read never writes the registry
        _reads_as_a_fresh_parse(registry, cache, monkeypatch)
        again = run([*args, str(registry)], env={"CIRCLETRACK_CACHE_DIR": str(cache)})
        assert again.returncode == 0 and again.stdout == shown.stdout, again.stderr
    assert killed >= 3, "the runs ended before they were killed"


@pytest.mark.parametrize("warm", [False, True], ids=["no index", "an index of the file"])
def test_a_kill_during_a_write(large: tuple[Path, str], tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch, warm: bool) -> None:
    source, item_id = large
    args = ["mark", item_id, "-n", "killed or not", "--date", "2026-06-30", "--registry"]
    original = source.read_bytes()

    def prepared(folder: Path) -> tuple[Path, Path]:
        folder.mkdir()
        registry = folder / "projects.toml"
        registry.write_bytes(original)
        cache = folder / "cache"
        if warm:  # the index of these bytes, as a write on this machine leaves it
            assert _timed(["show", item_id, "--registry", str(registry)], cache) > 0
        return registry, cache

    registry, cache = prepared(tmp_path / "measure")
    killer = Killer(_timed([*args, str(registry)], cache))
    new = registry.read_bytes()
    assert new != original and new == dumps(loads(new))
    outcomes = {"old": 0, "new": 0}
    killed = 0
    for number, fraction in enumerate(FRACTIONS[1:]):
        registry, cache = prepared(tmp_path / f"kill-{number}")
        status = killer([*args, str(registry)], cache, fraction)
        killed += status == -signal.SIGKILL
        after = registry.read_bytes()
        assert after in (original, new), "the registry is neither the old nor the new bytes"
        outcomes["old" if after == original else "new"] += 1
        _reads_as_a_fresh_parse(registry, cache, monkeypatch)
        # The next write takes: it removes what the killed one left, and writes whole
        # bytes (with the killed write's note when that write landed).
        done = run(["mark", item_id, "-n", "after the kill", "--date", "2026-06-30",
                    "--registry", str(registry)], env={"CIRCLETRACK_CACHE_DIR": str(cache)})
        assert done.returncode == 0, done.stderr
        assert not _leftovers(registry)
        data = registry.read_bytes()
        assert data == dumps(loads(data))
        assert data.count(b"killed or not") == (1 if after == new else 0)
        assert data.count(b"after the kill") == 1
        assert read(data, registry).registry == loads(data)
        shutil.rmtree(tmp_path / f"kill-{number}")
    assert killed >= 2, "the runs ended before they were killed"
    assert outcomes["old"] >= 1, outcomes
