"""The dashboard (`circletrack status`) and the registry summary: pure functions of items and a date."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..base.i18n import _, join
from ..model.labels import kind_label
from ..model.records import (
    CATEGORIES_BY_KIND,
    KINDS,
    STATUSES,
    Fact,
    Item,
    Number,
    Registry,
    Report,
)
from .select import is_overdue, is_stale, one_per_event

STALE_DAYS = 90


@dataclass(frozen=True)
class CategoryProgress:
    """How far the items of one category (of one kind's facet) have got: the mean of the
    progress measured, and how many items nobody has reported a progress for."""

    kind: str
    category: str
    count: int
    done: int
    mean_progress: float | None
    unknown: int = 0
    derived: int = 0


@dataclass(frozen=True)
class TargetState:
    """A numeric target beside the latest value reported for it, and the baseline if any."""

    item: Item
    reported: Number | None
    baseline: str | None


@dataclass(frozen=True)
class Dashboard:
    """Everything `circletrack status` shows, computed as of one date."""

    day: dt.date
    status_counts: dict[str, dict[str, int]]
    categories: list[CategoryProgress]
    overdue: int
    stale: int
    stale_days: int
    targets: list[TargetState]
    latest: list[tuple[Report, Item]]
    #: How many numeric targets there are in all (`targets` holds the first few).
    targets_total: int = 0
    #: The items counted once with the item they record the same event as (`same_as`), as
    #: (item, the other) pairs: left out of the counts and the overdue figure.
    same_events: tuple[tuple[str, str], ...] = ()


def status_counts(items: Sequence[Item]) -> dict[str, dict[str, int]]:
    """For each kind, how many items are in each effective status (zeros included)."""
    counts = {kind: {status: 0 for status in STATUSES} for kind in KINDS}
    for item in items:
        counts[item.kind][item.state.status] += 1
    return counts


def category_progress(items: Sequence[Item]) -> list[CategoryProgress]:
    """Progress per category, kind by kind (the plan's headings, the projects' modes, the
    milestones' types are separate facets), in schema order. The mean is of the progress
    measured (done counts 100); items with none are counted apart, not as 0%. Cancelled
    items are left out."""
    rows = []
    for kind in KINDS:
        for category in CATEGORIES_BY_KIND[kind]:
            chosen = [i for i in items if i.kind == kind and i.category == category
                      and i.state.status != "cancelled"]
            if not chosen:
                continue
            measured = [100 if i.state.status == "done" else i.state.progress for i in chosen]
            known = [m for m in measured if m is not None]
            rows.append(CategoryProgress(
                kind, category, len(chosen), sum(i.state.status == "done" for i in chosen),
                sum(known) / len(known) if known else None, len(chosen) - len(known),
                sum(i.state.derived for i in chosen)))
    return rows


def baseline_fact(item: Item) -> Fact | None:
    """The latest baseline figure of the target's own scope; one of another scope (the
    four-city circle's GDP against the six-city circle's target) is not comparable."""
    scope = item.target.scope if item.target else None
    facts = [f for f in item.facts if f.key == "baseline" and f.area == scope]
    return max(facts, key=lambda f: f.year or 0) if facts else None


def _baseline(item: Item) -> str | None:
    """The baseline (see `baseline_fact`) as the dashboard shows it: `2019: 3.6 万亿元`."""
    latest = baseline_fact(item)
    if latest is None:
        return None
    year = f"{latest.year}: " if latest.year else ""
    return f"{year}{latest.value:g} {latest.unit}".rstrip()


def target_states(items: Sequence[Item]) -> list[TargetState]:
    """Every numeric target, by year then id."""
    chosen = sorted((i for i in items if i.target is not None),
                    key=lambda i: (i.target.year if i.target else 0, i.id))
    return [TargetState(i, i.reported_value, _baseline(i)) for i in chosen]


def latest_reports(items: Sequence[Item], count: int) -> list[tuple[Report, Item]]:
    """The most recent reports across all items, newest first."""
    pairs = [(r, i) for i in items for r in i.history]
    pairs.sort(key=lambda pair: (pair[0].date, pair[1].id), reverse=True)
    return pairs[:count]


def dashboard(items: Sequence[Item], day: dt.date, stale_days: int = STALE_DAYS,
              latest: int = 8, max_targets: int = 15) -> Dashboard:
    """The dashboard of items already seen as of `day`; at most `max_targets` targets."""
    targets = target_states(items)
    events = one_per_event(items)
    kept = {i.id for i in events}
    return Dashboard(
        day=day,
        status_counts=status_counts(events),
        categories=category_progress(items),
        overdue=sum(is_overdue(i, day) for i in events),
        stale=sum(is_stale(i, day, stale_days) for i in events),
        stale_days=stale_days,
        targets=targets[:max_targets],
        latest=latest_reports(items, latest),
        targets_total=len(targets),
        same_events=tuple((i.id, str(i.same_as)) for i in items if i.id not in kept),
    )


def counts_by_kind(registry: Registry) -> dict[str, int]:
    """How many items of each kind, in schema order (kinds with none included)."""
    counts = Counter(item.kind for item in registry.items)
    return {kind: counts.get(kind, 0) for kind in KINDS}


def summary_line(registry: Registry) -> str:
    """One line: the item counts by kind and the number of sources."""
    counts = counts_by_kind(registry)
    parts = join(_("{count} {kind}").format(count=n, kind=kind_label(kind))
                 for kind, n in counts.items())
    return _("{items} items ({parts}), {sources} sources").format(
        items=len(registry.items), parts=parts, sources=len(registry.sources))
