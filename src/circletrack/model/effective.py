"""Effective states: a plan row or milestone follows the items that carry out its work.

An item that `tracks` others is done when all of them are done (on the date the last one
was), in progress when any has started, blocked when one is blocked and none has started;
cancelled tracked items are left out unless all are cancelled. A milestone that `starts`
others is done once any of them has started. An item that is the `same_as` another always
shows that item's state. The item's own reports win when they are newer than the state
derived for it (or as new). Derived states are never written back to the registry.

Pure functions of the items (already seen as of a day): nothing here reads the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from .records import Item, State, own_state

_STARTED = frozenset({"in_progress", "done"})


def with_states(items: Sequence[Item]) -> list[Item]:
    """The items, each that derives its state from others given its effective state.

    Items without links are returned as they are (their own reports decide); the others
    are copies, so the objects of the registry are never changed. An item that others
    record the same event as (`same_as`) is given their ids (`Item.same_event`).
    """
    by_id = {item.id: item for item in items}
    states = effective_states(items, by_id)
    twins: dict[str, tuple[str, ...]] = {}
    for item in items:
        if item.same_as in by_id:
            twins[item.same_as] = (*twins.get(item.same_as, ()), item.id)
    return [item if not item.links and item.id not in twins
            else dataclasses.replace(item, effective=states.get(item.id),
                                     same_event=twins.get(item.id, ()))
            for item in items]


def effective_states(items: Sequence[Item], by_id: Mapping[str, Item] | None = None
                     ) -> dict[str, State]:
    """The effective state of every item that has links (tracks, starts, same_as)."""
    by_id = by_id if by_id is not None else {item.id: item for item in items}
    memo: dict[str, State] = {}
    for item in items:
        if item.links:
            _state(item, by_id, memo, set())
    return {item.id: memo[item.id] for item in items if item.links}


def state_of(item: Item, by_id: Mapping[str, Item]) -> State:
    """One item's effective state among the items `by_id` (only its links are followed)."""
    return _state(item, by_id, {}, set()) if item.links else own_state(item.history)


def _state(item: Item, by_id: Mapping[str, Item], memo: dict[str, State],
           visiting: set[str]) -> State:
    if item.id in memo:
        return memo[item.id]
    own = own_state(item.history)
    if not item.links or item.id in visiting:  # a cycle (the validator refuses them)
        return own
    visiting.add(item.id)
    linked = {other: _state(by_id[other], by_id, memo, visiting)
              for other in item.links if other in by_id}
    visiting.discard(item.id)
    derived = _derive(item, linked, by_id)
    state = own if derived is None else _newer(own, derived)
    memo[item.id] = state
    return state


def _newer(own: State, derived: State) -> State:
    """The item's own reports win when they are as new as the derived state, or newer."""
    if own.date is not None and (derived.date is None or own.date >= derived.date):
        return own
    return derived


def _derive(item: Item, linked: Mapping[str, State], by_id: Mapping[str, Item]
            ) -> State | None:
    if item.same_as is not None and item.same_as in linked:
        other = linked[item.same_as]
        return dataclasses.replace(other, via=(item.same_as,), rule="same_as", basis=None)
    started = [_started(by_id[i], linked[i]) for i in item.starts if i in linked]
    begun = [(day, i) for day, i in zip(started, [i for i in item.starts if i in linked])
             if day is not None]
    if begun:
        day, first = min(begun)
        return State(status="done", progress=100, date=day, progress_date=day, via=(first,),
                     rule="starts")
    tracked = {i: linked[i] for i in item.tracks if i in linked}
    return _from_tracked(tracked) if tracked else None


def _started(item: Item, state: State) -> dt.date | None:
    """The date an item was first reported started (in progress or done), or None."""
    if state.derived:
        return state.date if state.status in _STARTED else None
    return min((r.date for r in item.history if r.status in _STARTED), default=None)


def _from_tracked(tracked: Mapping[str, State]) -> State | None:
    live = {i: s for i, s in tracked.items() if s.status != "cancelled"}
    if not live:
        return State(status="cancelled", date=_latest(tracked.values()), via=tuple(tracked),
                     rule="tracks")
    if all(s.status == "done" for s in live.values()):
        day = _latest(live.values())
        return State(status="done", progress=100, date=day, progress_date=day,
                     via=tuple(live), rule="tracks", basis="all_done")
    progress, measured_on = _mean_progress(live)
    started = tuple(i for i, s in live.items()
                    if s.status in _STARTED or (s.progress or 0) > 0)
    blocked = tuple(i for i, s in live.items() if s.status == "blocked")
    if started:
        status, via = "in_progress", started
    elif blocked:
        status, via = "blocked", blocked
    else:
        status, via = "planned", tuple(live)
    day = _latest(live[i] for i in via)
    if day is None:  # nothing was reported about any of them: they say nothing yet
        return None
    return State(status=status, progress=progress, date=day, progress_date=measured_on,
                 via=via, rule="tracks", basis="mean" if progress is not None else "unknown",
                 tracked=len(live), done=sum(s.status == "done" for s in live.values()))


def _mean_progress(live: Mapping[str, State]) -> tuple[int | None, dt.date | None]:
    """The mean progress of the tracked items when every one has a measured progress (done
    counts 100), and the date of the latest figure; unknown when any is unmeasured."""
    figures = [100 if s.status == "done" else s.progress for s in live.values()]
    if any(f is None for f in figures):
        return None, None
    known = [d for s in live.values() if (d := s.progress_date or s.date) is not None]
    return round(sum(f for f in figures if f is not None) / len(figures)), max(known, default=None)


def _latest(states: Iterable[State]) -> dt.date | None:
    return max((s.date for s in states if s.date is not None), default=None)
