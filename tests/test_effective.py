"""Effective states: a plan row or milestone follows the items that carry out its work."""

from __future__ import annotations

import datetime as dt

import pytest

from circletrack.model.effective import with_states
from circletrack.model.records import Item, Report, current_state
from circletrack.query.select import Criteria, is_overdue, overdue_items, registry_as_of

D = dt.date


def report(day: dt.date, status: str, progress: int | None = None) -> Report:
    return Report(date=day, status=status, progress=100 if status == "done" else progress,
                  source="test")


def item(item_id: str, *reports: Report, kind: str = "project", **links: object) -> Item:
    status, progress = current_state(reports)
    return Item(id=item_id, kind=kind, title=item_id, created=D(2011, 2, 18), history=reports,
                status=status, progress=progress, **links)  # type: ignore[arg-type]


def states(*items: Item) -> dict[str, object]:
    return {i.id: i.state for i in with_states(list(items))}


def test_done_when_every_tracked_item_is_done_on_the_date_the_last_one_was() -> None:
    road_a = item("road-a", report(D(2015, 5, 1), "done"))
    road_b = item("road-b", report(D(2018, 10, 24), "done"))
    row = item("coop-06", kind="cooperation", due=D(2011, 12, 31), tracks=["road-a", "road-b"])
    state = states(road_a, road_b, row)["coop-06"]
    assert (state.status, state.progress, state.date) == ("done", 100, D(2018, 10, 24))
    assert state.via == ("road-a", "road-b") and state.rule == "tracks" and state.derived
    seen = with_states([road_a, road_b, row])[2]
    assert not seen.is_open and not is_overdue(seen, D(2026, 11, 30))
    assert row.effective is None and row.status == "planned"  # nothing written back


def test_in_progress_when_any_has_started_with_progress_unknown_unless_all_measured() -> None:
    started = item("rail-a", report(D(2018, 10, 24), "in_progress"))
    planned = item("rail-b", report(D(2018, 10, 24), "planned"))
    row = item("coop-02", kind="cooperation", tracks=["rail-a", "rail-b"])
    state = states(started, planned, row)["coop-02"]
    assert (state.status, state.progress, state.via) == ("in_progress", None, ("rail-a",))
    assert (state.basis, state.done, state.tracked) == ("unknown", 0, 2)
    measured = item("rail-c", report(D(2019, 1, 1), "in_progress", 40))
    done = item("rail-d", report(D(2020, 1, 1), "done"))
    both = item("coop-x", kind="cooperation", tracks=["rail-c", "rail-d"])
    state = states(measured, done, both)["coop-x"]
    assert (state.status, state.progress, state.basis) == ("in_progress", 70, "mean")
    assert state.progress_date == D(2020, 1, 1)


def test_the_items_own_reports_win_when_they_are_newer_or_as_new() -> None:
    road = item("road", report(D(2018, 10, 24), "done"))
    newer = item("coop", report(D(2019, 3, 1), "blocked"), kind="cooperation", tracks=["road"])
    assert states(road, newer)["coop"].status == "blocked"
    assert not states(road, newer)["coop"].derived
    same_day = item("coop", report(D(2018, 10, 24), "in_progress"), kind="cooperation",
                    tracks=["road"])
    assert states(road, same_day)["coop"].status == "in_progress"
    older = item("coop", report(D(2011, 2, 18), "in_progress"), kind="cooperation",
                 tracks=["road"])
    assert states(road, older)["coop"].status == "done"


def test_nothing_reported_on_the_tracked_items_leaves_the_items_own_state() -> None:
    road = item("road")
    row = item("coop", report(D(2011, 2, 18), "in_progress"), kind="cooperation",
               tracks=["road"])
    state = states(road, row)["coop"]
    assert (state.status, state.derived) == ("in_progress", False)


def test_cancelled_tracked_items_are_left_out_unless_all_are_cancelled() -> None:
    done = item("a", report(D(2019, 1, 1), "done"))
    dropped = item("b", report(D(2019, 6, 1), "cancelled"))
    row = item("coop", kind="cooperation", tracks=["a", "b"])
    assert states(done, dropped, row)["coop"].status == "done"
    only = item("coop", kind="cooperation", tracks=["b"])
    assert states(dropped, only)["coop"].status == "cancelled"


def test_blocked_when_one_is_blocked_and_none_has_started() -> None:
    blocked = item("a", report(D(2019, 1, 1), "blocked"))
    planned = item("b", report(D(2019, 1, 1), "planned"))
    row = item("coop", kind="cooperation", tracks=["a", "b"])
    assert states(blocked, planned, row)["coop"].status == "blocked"


def test_a_start_milestone_is_done_once_the_work_has_started() -> None:
    railway = item("rail-jinjian", report(D(2019, 12, 19), "planned"),
                   report(D(2020, 5, 8), "in_progress"))
    start = item("ms-start", report(D(2019, 12, 19), "planned"), kind="milestone",
                 starts=["rail-jinjian"], due=D(2020, 6, 30))
    state = states(railway, start)["ms-start"]
    assert (state.status, state.date, state.rule) == ("done", D(2020, 5, 8), "starts")
    before = registry_as_of([railway, start], D(2020, 1, 1))
    assert before[1].state.status == "planned" and not before[1].state.derived


def test_the_same_event_always_shows_the_other_items_state() -> None:
    row = item("coop-30", report(D(2011, 11, 20), "done"), kind="cooperation")
    meeting = item("ms-mayors-05", kind="milestone", same_as="coop-30")
    state = states(row, meeting)["ms-mayors-05"]
    assert (state.status, state.via, state.rule) == ("done", ("coop-30",), "same_as")


def test_chains_derive_through_derived_items() -> None:
    road = item("road", report(D(2018, 10, 24), "done"))
    row = item("coop", kind="cooperation", tracks=["road"])
    meeting = item("ms", kind="milestone", same_as="coop")
    assert states(road, row, meeting)["ms"].status == "done"


def test_as_of_replays_derived_states() -> None:
    road = item("road", report(D(2011, 2, 18), "in_progress"), report(D(2018, 10, 24), "done"))
    row = item("coop-06", kind="cooperation", due=D(2011, 12, 31), tracks=["road"])
    then = registry_as_of([road, row], D(2012, 1, 1))
    assert then[1].state.status == "in_progress" and then[1].state.via == ("road",)
    assert [i.id for i in overdue_items([road, row], Criteria(), D(2012, 1, 1))] == ["coop-06"]
    assert overdue_items([road, row], Criteria(), D(2026, 11, 30)) == []
    assert registry_as_of([road, row], D(2011, 1, 1)) == []


@pytest.mark.parametrize("cycle", [["b"], ["a"]])
def test_a_cycle_in_memory_falls_back_to_own_reports(cycle: list[str]) -> None:
    a = item("a", report(D(2019, 1, 1), "in_progress"), tracks=["b"])
    b = item("b", report(D(2019, 1, 1), "planned"), tracks=cycle)
    assert set(states(a, b)) == {"a", "b"}  # the validator refuses such files; no hang here


def test_an_item_is_a_value_and_a_new_one_has_its_own_state() -> None:
    from dataclasses import FrozenInstanceError, replace

    from circletrack.model.records import Item, Report

    item = Item(id="x", kind="project", title="t", created=dt.date(2020, 1, 1))
    assert item.state.status == "planned"
    with pytest.raises(FrozenInstanceError):
        item.title = "changed in place"  # type: ignore[misc]
    assert not hasattr(item.history, "append")  # a history is a tuple
    later = replace(item, history=[Report(date=dt.date(2020, 2, 1), status="in_progress",
                                          progress=10, source="s")])
    assert type(later.history) is tuple  # lists given are kept as tuples
    assert (later.state.status, later.state.progress) == ("in_progress", 10)
    assert item.state.status == "planned"  # the old item is as it was