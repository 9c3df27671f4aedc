"""One state function: what a report does to an item (docs/registry.md, "What a report
does"), the same for every way a report comes in, and an item's story never contradicted:
a note does not reopen finished work, nothing stands in progress at 100%, a report older
than a later one that contradicts it is refused until the user says which decides."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import SHIPPED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from program import run

from circletrack.base.errors import AlreadyRecorded, FieldErrors
from circletrack.changes.writes import record_report, report_request
from circletrack.model.records import CLOSED_STATUSES, STATUSES, report_effect
from circletrack.storage import Location, load
from circletrack.storage.codec import loads

D = dt.date

# The table in docs/registry.md, row by row: (before, status given, progress given) → after.
TABLE = [
    (("in_progress", 40), None, None, ("in_progress", 40)),      # a note: nothing changes
    (("done", 100), None, None, ("done", 100)),                  # a note on finished work
    (("planned", None), None, 40, ("in_progress", 40)),          # 1–99: in progress
    (("planned", None), None, 100, ("done", 100)),               # 100: done
    (("blocked", 20), None, 0, ("blocked", 0)),                  # 0: the status stays
    (("in_progress", 40), "done", None, ("done", 100)),          # done means 100
    (("in_progress", 40), "blocked", None, ("blocked", 40)),     # the progress stays
    (("done", 100), "in_progress", None, ("in_progress", None)),  # reopened: how far unknown
    (("done", 100), "in_progress", 60, ("in_progress", 60)),     # both given: as given
    (("planned", None), "cancelled", None, ("cancelled", None)),
]


@pytest.mark.parametrize(("before", "status", "progress", "after"), TABLE)
def test_the_state_table(before: tuple[str, int | None], status: str | None,
                         progress: int | None, after: tuple[str, int | None]) -> None:
    assert report_effect(before, status, progress) == after


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    path = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, path)
    return path


def mark(registry: Path, *args: str) -> tuple[int, str, str]:
    """`circletrack mark ARGS` through the installed program."""
    done = run(["mark", *args, "--registry", str(registry)],
               env={"CIRCLETRACK_LANG": "en", "CIRCLETRACK_USER": "tester"})
    return done.returncode, done.stdout, done.stderr


def effective(registry: Path, item_id: str) -> dict[str, object]:
    done = run(["show", item_id, "--json", "effective", "--registry", str(registry)])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["effective"]


def test_a_note_on_finished_work_leaves_it_finished_and_off_every_list(registry: Path) -> None:
    assert effective(registry, "coop-06")["status"] == "done"  # via its road
    code, out, err = mark(registry, "coop-06", "--note", "补记:通道运营情况良好")
    assert code == 0, err
    assert "stays done 100%" in out
    assert effective(registry, "coop-06")["status"] == "done"
    for listing in (["overdue"], ["stale"], ["list"]):
        done = run([*listing, "--json", "id", "--registry", str(registry)])
        assert "coop-06" not in done.stdout
    note = load(Location(registry, "option")).get("coop-06").history[-1]  # type: ignore[union-attr]
    assert (note.status, note.progress, note.note) == (None, None, "补记:通道运营情况良好")


def test_progress_on_finished_work_is_refused_unless_reopened(registry: Path) -> None:
    before = registry.read_bytes()
    code, _, err = mark(registry, "coop-06", "--progress", "40")
    assert code == 2
    assert err.strip() == (
        "Error: --reopen: coop-06 is done (via hwy-qianjiang-tongdao, reported 2018-10-24); "
        "this report would reopen it: give --reopen to reopen it deliberately, or record "
        "only a --note")
    assert registry.read_bytes() == before
    code, out, err = mark(registry, "coop-06", "--progress", "40", "--reopen")
    assert code == 0, err
    assert "reopened, done 100% → in progress 40%" in out
    assert effective(registry, "coop-06")["status"] == "in_progress"
    code, _, err = mark(registry, "coop-05", "--note", "x", "--reopen")
    assert code == 2 and "does not reopen it, leave out --reopen" in err


def test_a_closing_report_older_than_a_later_contradicting_one_is_said(registry: Path) -> None:
    """A unit's form says done on 11-20; the office had marked it started on 12-01."""
    assert mark(registry, "coop-22a", "--status", "in_progress", "--date", "2026-12-01")[0] == 0
    before = registry.read_bytes()
    code, _, err = mark(registry, "coop-22a", "--status", "done", "--date", "2026-11-20")
    assert code == 2 and registry.read_bytes() == before
    assert ("is older than the report of 2026-12-01 (in progress), which would still decide"
            in err)
    code, out, err = mark(registry, "coop-22a", "--status", "done", "--date", "2026-11-20",
                          "--as-history")
    assert code == 0, err
    state = effective(registry, "coop-22a")
    assert (state["status"], state["progress"]) == ("in_progress", None)  # never at 100%
    code, out, err = mark(registry, "coop-22a", "--status", "done", "--date", "2026-12-02")
    assert code == 0 and "in progress — → done 100%" in out


@pytest.mark.parametrize("word", ["进行中", "in progress", "in_progress", "IN PROGRESS"])
def test_the_screens_status_words_can_be_typed_back(registry: Path, word: str) -> None:
    code, out, err = mark(registry, "coop-24", "--status", word, "--date", "2012-03-01")
    assert code == 0, err
    assert load(Location(registry, "option")).get("coop-24").status == "in_progress"  # type: ignore[union-attr]


def test_a_report_before_the_item_was_recorded_is_refused(registry: Path) -> None:
    before = registry.read_bytes()
    code, _, err = mark(registry, "coop-24", "--note", "开工", "--date", "2010-01-01")
    assert code == 2 and registry.read_bytes() == before
    assert err.strip() == "Error: --date: 2010-01-01 is before coop-24 was recorded (2011-02-18)"


def test_every_problem_of_a_report_is_said_at_once(registry: Path) -> None:
    before = registry.read_bytes()
    code, _, err = mark(registry, "coop-05", "-p", "150", "-s", "finished", "-d", "2199-01-01")
    assert code == 2 and registry.read_bytes() == before
    assert len(err.splitlines()) == 1
    for part in ("--date: 2199-01-01 is in the future", "--progress: must be a whole number",
                 "--status: unknown status 'finished'"):
        assert part in err


def test_a_first_due_date_needs_no_reason_and_is_no_slip(registry: Path) -> None:
    done = run(["edit", "air-jiaxing", "--due", "2030-06-30", "--registry", str(registry)])
    assert done.returncode == 0, done.stderr
    slips = run(["slips", "--json", "id", "--registry", str(registry)])
    assert "air-jiaxing" not in slips.stdout
    then = run(["show", "air-jiaxing", "--json", "due", "--as-of", "2026-01-01",
                "--registry", str(registry)])
    assert json.loads(then.stdout)["due"] is None  # replayed: it had no due date then
    moved = run(["edit", "air-jiaxing", "--due", "2031-06-30", "--registry", str(registry)])
    assert moved.returncode == 2 and "needs a reason" in moved.stderr


# No way of taking reports in can leave an item in progress at 100%.

requests = st.lists(st.tuples(
    st.sampled_from([None, *STATUSES]), st.sampled_from([None, 0, 10, 50, 99, 100]),
    st.integers(min_value=0, max_value=400), st.booleans(), st.booleans()),
    min_size=1, max_size=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests)
def test_no_sequence_of_reports_leaves_an_item_open_at_100(steps: list) -> None:  # type: ignore[type-arg]
    registry = loads(SHIPPED.read_bytes())
    for status, progress, days, reopen, as_history in steps:
        try:
            request = report_request(
                today=D(2026, 12, 1), by="t", status=status, note="n",
                progress=None if progress is None else str(progress),
                date=(D(2012, 1, 1) + dt.timedelta(days=days * 9)).isoformat())
            record_report(registry, "coop-05", request, reopen=reopen, as_history=as_history)
        except (FieldErrors, AlreadyRecorded):
            continue
        item = registry.get("coop-05")
        assert item is not None
        state = item.state
        assert not (state.status not in CLOSED_STATUSES and state.progress == 100), steps
        assert (item.status, item.progress) == (state.status, state.progress)
