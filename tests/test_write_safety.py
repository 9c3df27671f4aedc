"""The write path under stress: concurrent writers, SIGKILL at random moments, hostile input,
read-only registries, a held lock, foreign changes before undo, interrupted journal steps."""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SHIPPED, SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from write_helpers import (
    HELPERS,
    TODAY,
    assert_one_line_error,
    child_env,
    hold_lock,
    invoke,
    pin_today,
    record_many,
    sha,
)

from circletrack import storage as store
from circletrack.base.errors import (
    CircletrackError,
    LockTimeout,
    RegistryReadOnly,
    UsageError,
)
from circletrack.changes.writes import (
    ReportRequest,
    parse_number,
    parse_progress,
    record_report,
)
from circletrack.model.dates import parse_date
from circletrack.model.records import STATUSES
from circletrack.query.select import resolve
from circletrack.storage import Location, journal, load, update_journaled
from circletrack.storage import files as fileio
from circletrack.storage import location as registry_location
from circletrack.storage.codec import loads, problems_in

pinned_today = pytest.fixture(pin_today)
IDS = ("coop-01", "rail-hangshao", "target-2025-rail")


def location(path: Path) -> Location:
    return Location(path, "option")


# Concurrency


def test_eight_processes_recording_25_reports_each(small_registry: Path) -> None:
    context = multiprocessing.get_context()
    start = context.Event()
    workers = [context.Process(target=record_many, args=(str(small_registry), w, 25, start))
               for w in range(8)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(300)
    assert [w.exitcode for w in workers] == [0] * 8
    assert problems_in(small_registry.read_bytes()) == []
    registry = load(location(small_registry))
    notes = [r.note for i in registry.items for r in i.history if r.source == "concurrency test"]
    assert sorted(notes) == sorted(f"w{w}-r{n}" for w in range(8) for n in range(25))
    # The journal holds the newest writes, each one's "after" the next one's "before".
    entries = journal.entries(small_registry)
    assert len(entries) == journal.JOURNAL_LIMIT
    assert entries[-1].sha256_after == sha(small_registry.read_bytes())
    assert all(a.sha256_after == b.sha256_before for a, b in zip(entries, entries[1:]))


def test_concurrent_cli_processes(small_registry: Path) -> None:
    """The real entry point, several at once: every report lands."""
    env = child_env()
    procs = [subprocess.Popen([sys.executable, "-m", "circletrack", "mark", "coop-01",
                               "--note", f"cli {n}", "--date", "2012-01-01",
                               "--registry", str(small_registry)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for n in range(4)]
    outcomes = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outcomes
    notes = {r.note for r in load(location(small_registry)).get("coop-01").history}  # type: ignore[union-attr]
    assert notes == {f"cli {n}" for n in range(4)}


def test_a_held_lock_makes_a_write_fail_cleanly(small_registry: Path) -> None:
    context = multiprocessing.get_context()
    held, release = context.Event(), context.Event()
    holder = context.Process(target=hold_lock, args=(str(small_registry), held, release))
    holder.start()
    try:
        assert held.wait(60)
        before = small_registry.read_bytes()
        request = ReportRequest(date=TODAY, by="x", source="y", note="blocked")
        with pytest.raises(LockTimeout, match="locked by another circletrack process"):
            update_journaled(location(small_registry),
                             lambda reg: record_report(reg, "coop-01", request), "x",
                             timeout=0.2)
        assert small_registry.read_bytes() == before
    finally:
        release.set()
        holder.join(60)


# SIGKILL


def _states(log: Path) -> tuple[str | None, str | None]:
    """(last committed hash, hash of a write begun after it) from the writer's log."""
    committed = in_flight = None
    for line in log.read_text(encoding="ascii").splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # cut short by the kill
        word, digest = line.split()
        if word == "intent":
            in_flight = digest
        else:
            committed, in_flight = digest, None
    return committed, in_flight


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_random_moments_leaves_a_committed_state(small_registry: Path,
                                                            tmp_path: Path) -> None:
    rng = random.Random(20240601)
    log = tmp_path / "writes.log"
    initial = small_registry.read_bytes()
    log.write_text(f"done {sha(initial)}\n", encoding="ascii")
    env = child_env()
    for _ in range(50):
        child = subprocess.Popen([sys.executable, str(HELPERS), "kill-loop", str(small_registry),
                                  str(log)], env=env, stdout=subprocess.PIPE)
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        data = small_registry.read_bytes()
        assert problems_in(data) == [], "a killed write left an invalid registry"
        committed, in_flight = _states(log)
        assert sha(data) in {committed, in_flight}, "the registry is not a committed state"
        with log.open("a", encoding="ascii") as handle:  # what the next child starts from
            handle.write(f"done {sha(data)}\n")
        stack = journal.entries(small_registry)  # whole, readable entries
        if stack:
            assert sha(data) in (stack[-1].sha256_after, stack[-1].sha256_before)
        else:
            assert data == initial
    # After all that, undo still works and goes back to a state that was committed.
    newest = journal.entries(small_registry)
    store.undo(location(small_registry))
    restored = sha(small_registry.read_bytes())
    assert restored in {e.sha256_before for e in newest}
    assert problems_in(small_registry.read_bytes()) == []


# Hostile input


def _unresolvable(text: str) -> bool:
    try:
        resolve(_SMALL_ITEMS, text)
    except UsageError:
        return True
    return False


def _bad(parse) -> st.SearchStrategy[str]:  # noqa: ANN001
    def fails(text: str) -> bool:
        try:
            parse(text)
        except UsageError:
            return True
        return False
    return st.text(max_size=12).filter(fails)


def _bad_date(text: str) -> bool:
    try:
        return parse_date(text, TODAY, "--date") > TODAY
    except UsageError:
        return True


_SMALL_ITEMS = loads(SMALL.encode()).items
_text = st.text(max_size=20)
BAD_CASES = st.one_of(
    _text.filter(_unresolvable).map(lambda t: ["mark", "--progress", "50", "--", t]),
    _bad(parse_progress).map(lambda t: ["mark", f"--progress={t}", "--", "coop-01"]),
    st.integers().filter(lambda n: not 0 <= n <= 100)
      .map(lambda n: ["mark", f"--progress={n}", "--", "rail-hangshao"]),
    _text.filter(_bad_date).map(lambda t: ["mark", "--note", "x", f"--date={t}", "--", "coop-01"]),
    _text.filter(lambda t: t not in STATUSES).map(lambda t: ["mark", f"--status={t}", "--",
                                                            "coop-01"]),
    _bad(lambda t: parse_number(t, "--value")).map(
        lambda t: ["mark", f"--value={t}", "--", "target-2025-rail"]),
    st.integers(0, 24).map(lambda n: ["mark", f"--progress={n}", "--", "rail-hangshao"]),
    st.text(" \t\u3000", max_size=4).map(lambda t: ["add", "--kind", "project", f"--title={t}"]),
    st.sampled_from(IDS).map(lambda i: ["add", "--kind", "project", "--title", "x", f"--id={i}"]),
    _text.filter(lambda t: not re.fullmatch(r"[a-z0-9][a-z0-9-]*", t.strip()))
      .map(lambda t: ["add", "--kind", "project", "--title", "x", f"--id={t}"]),
    _text.filter(lambda t: t.strip() not in ("cooperation", "project", "milestone"))
      .map(lambda t: ["add", f"--kind={t}", "--title", "x"]),
    _text.filter(lambda t: t.strip() not in ("", "intercity_rail", "high_speed_rail", "rail",
                                             "metro", "highway", "road", "bridge", "waterway",
                                             "airport", "hub", "bus"))
      .map(lambda t: ["add", "--kind", "project", "--title", "x", f"--category={t}"]),
    _text.filter(_bad_date).map(lambda t: ["add", "--kind", "project", "--title", "x",
                                           f"--due={t}"]),
    st.sampled_from(["2012-01-01", "2030-06-30"]).map(
        lambda d: ["edit", f"--due={d}", "--", "coop-01"]),
    st.text(" \t", max_size=3).map(lambda t: ["edit", f"--title={t}", "--", "coop-01"]),
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much,
                                 HealthCheck.too_slow])
@given(args=BAD_CASES)
def test_bad_input_gives_one_line_and_changes_nothing(small_registry: Path, pinned_today,
                                                      args: list[str]) -> None:
    before = small_registry.read_bytes()
    result = invoke(small_registry, *args)
    assert_one_line_error(result)
    assert small_registry.read_bytes() == before
    assert not journal.journal_dir(small_registry).exists()


# Registries that may not be written


@pytest.mark.parametrize("args", [
    ("mark", "coop-01", "--progress", "10"),
    ("add", "--kind", "project", "--title", "x"),
    ("edit", "coop-01", "--title", "x"),
    ("undo",),
])
def test_read_only_registry_is_refused(small_registry: Path, args: tuple[str, ...]) -> None:
    invoke(small_registry, "edit", "coop-01", "--tag", "t")  # so undo has something to try
    before = small_registry.read_bytes()
    small_registry.chmod(0o444)
    try:
        line = assert_one_line_error(invoke(small_registry, *args), 1)
        assert "read-only" in line or "not writable" in line
        assert small_registry.read_bytes() == before
        assert len(journal.entries(small_registry)) == 1
    finally:
        small_registry.chmod(0o644)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root may write in any folder")
def test_registry_in_a_read_only_folder_is_refused(small_registry: Path) -> None:
    before = small_registry.read_bytes()
    small_registry.parent.chmod(0o555)
    try:
        line = assert_one_line_error(invoke(small_registry, "mark", "coop-01", "-p", "5"), 1)
        assert "cannot write" in line
    finally:
        small_registry.parent.chmod(0o755)
    assert small_registry.read_bytes() == before


def test_bundled_registry_is_never_written(small_registry: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = tmp_path / "bundled" / "projects.toml"
    bundled.parent.mkdir()
    shutil.copyfile(small_registry, bundled)
    monkeypatch.setattr(registry_location, "bundled_path", lambda: bundled)
    monkeypatch.delenv("CIRCLETRACK_REGISTRY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert store.locate().bundled
    before = bundled.read_bytes()
    for args in (("mark", "coop-01", "-p", "10"), ("add", "--kind", "project", "--title", "x"),
                 ("edit", "coop-01", "--title", "x"), ("undo",)):
        line = assert_one_line_error(invoke(None, *args), 1)
        assert "bundled registry" in line and "circletrack init" in line
    assert bundled.read_bytes() == before
    assert not journal.journal_dir(bundled).exists()
    with pytest.raises(RegistryReadOnly):
        update_journaled(Location(bundled, "bundled"), lambda reg: None, "x")


def test_invalid_registry_on_disk_is_not_written(small_registry: Path) -> None:
    broken = small_registry.read_bytes().replace(b'status = "planned"', b'status = "someday"', 1)
    small_registry.write_bytes(broken)
    line = assert_one_line_error(invoke(small_registry, "mark", "rail", "-p", "50"), 1)
    assert "unknown status 'someday'" in line and str(small_registry) in line
    assert small_registry.read_bytes() == broken


def test_a_change_the_validator_rejects_is_not_written(small_registry: Path) -> None:
    from circletrack.storage import ChangeInvalid

    before = small_registry.read_bytes()

    def bad_change(registry) -> None:  # noqa: ANN001
        # breaks "state equals what the history implies"
        registry.items[1] = replace(registry.items[1], progress=7)

    with pytest.raises(ChangeInvalid, match="^not written: rail-hangshao: progress: is 7") as caught:
        update_journaled(location(small_registry), bad_change, "x")
    assert caught.value.exit_status == 2
    assert small_registry.read_bytes() == before


# Undo against foreign changes and interruptions


def test_undo_refuses_after_a_foreign_change(small_registry: Path) -> None:
    assert invoke(small_registry, "mark", "rail", "-p", "30").exit_code == 0
    foreign = small_registry.read_bytes().replace(b"progress = 30", b"progress = 30 # checked", 1)
    small_registry.write_bytes(foreign)
    line = assert_one_line_error(invoke(small_registry, "undo"), 1)
    assert "has changed since circletrack wrote it" in line
    assert small_registry.read_bytes() == foreign
    assert len(journal.entries(small_registry)) == 1
    # A write after the foreign change can be undone back to it, and no further.
    assert invoke(small_registry, "mark", "rail", "-p", "35").exit_code == 0
    assert invoke(small_registry, "undo").exit_code == 0
    assert small_registry.read_bytes() == foreign
    assert_one_line_error(invoke(small_registry, "undo"), 1)
    assert small_registry.read_bytes() == foreign


def test_undo_skips_a_write_that_never_reached_the_registry(small_registry: Path) -> None:
    original = small_registry.read_bytes()
    assert invoke(small_registry, "mark", "rail", "-p", "30").exit_code == 0
    current = small_registry.read_bytes()
    # A writer killed after journaling, before replacing the registry:
    journal.record(small_registry, current, current + b"# never written\n", "killed", "x")
    result = invoke(small_registry, "undo")
    assert result.exit_code == 0, result.stderr
    assert "circletrack mark rail --progress 30" in result.stdout
    assert small_registry.read_bytes() == original
    assert journal.entries(small_registry) == []


def test_undo_finishes_an_undo_that_was_cut_short(small_registry: Path) -> None:
    original = small_registry.read_bytes()
    invoke(small_registry, "mark", "rail", "-p", "30")
    after_first = small_registry.read_bytes()
    invoke(small_registry, "mark", "rail", "-p", "40")
    top = journal.entries(small_registry)[-1]
    # An undo killed after restoring the bytes, before removing its entry:
    shutil.copyfile(top.path("json"), top.path("undoing"))
    small_registry.write_bytes(after_first)
    result = invoke(small_registry, "undo")
    assert result.exit_code == 0 and result.stdout.startswith("finished an interrupted undo")
    assert small_registry.read_bytes() == after_first  # not one step further
    assert invoke(small_registry, "undo").exit_code == 0
    assert small_registry.read_bytes() == original


def test_undo_cut_short_before_restoring_is_called_off(small_registry: Path) -> None:
    invoke(small_registry, "mark", "rail", "-p", "30")
    after = small_registry.read_bytes()
    top = journal.entries(small_registry)[-1]
    shutil.copyfile(top.path("json"), top.path("undoing"))  # killed right after the marker
    with fileio.locked(small_registry):
        assert journal.settle(small_registry, after) is None
    assert not top.path("undoing").exists() and journal.entries(small_registry)[-1] == top
    assert small_registry.read_bytes() == after


def test_the_journal_keeps_what_a_write_replaced_not_the_whole_file(tmp_path: Path) -> None:
    """A `mark` changes one item of 141: its entry holds that span, and undo restores the
    bytes exactly."""
    registry = tmp_path / "projects.toml"
    registry.write_bytes(SHIPPED.read_bytes())
    invoke(registry, "mark", "coop-05", "-p", "30", "--date", "2011-12-01")
    before = registry.read_bytes()  # (circletrack's own bytes: the next write is spliced)
    invoke(registry, "mark", "coop-05", "-p", "40", "--date", "2011-12-10")
    top = journal.entries(registry)[-1]
    kept = top.path("undo").read_bytes()
    assert not top.path("before").exists()
    assert len(kept) < len(before) // 20, (len(kept), len(before))
    invoke(registry, "undo")
    assert registry.read_bytes() == before


def test_an_entry_an_older_circletrack_wrote_is_undone(small_registry: Path) -> None:
    """A journal written before the patches holds the whole bytes in `.before`."""
    before = small_registry.read_bytes()
    invoke(small_registry, "mark", "rail", "-p", "30")
    top = journal.entries(small_registry)[-1]
    top.path("undo").unlink()
    top.path("before").write_bytes(before)
    invoke(small_registry, "undo")
    assert small_registry.read_bytes() == before
    assert not top.path("before").exists()


def test_damaged_journal_entry_is_reported_in_one_line(small_registry: Path) -> None:
    invoke(small_registry, "mark", "rail", "-p", "30")
    top = journal.entries(small_registry)[-1]
    top.path("undo").write_bytes(b"tampered")
    before = small_registry.read_bytes()
    assert "checksum" in assert_one_line_error(invoke(small_registry, "undo"), 1)
    assert small_registry.read_bytes() == before
    top.path("json").write_text("{not json", encoding="utf-8")
    assert "cannot be read" in assert_one_line_error(invoke(small_registry, "undo"), 1)
    assert issubclass(journal.JournalDamaged, CircletrackError)
