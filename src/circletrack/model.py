"""Typed objects for the registry: items, reports, facts, targets and sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

KINDS: tuple[str, ...] = ("cooperation", "project", "milestone")
STATUSES: tuple[str, ...] = ("planned", "in_progress", "done", "blocked", "cancelled")
CLOSED_STATUSES: frozenset[str] = frozenset({"done", "cancelled"})

#: The merged 类别 cells of the 2011 plan table, in table order.
COOPERATION_CATEGORIES: tuple[str, ...] = (
    "规划共绘",
    "交通共联",
    "市场共构",
    "产业共兴",
    "品牌共推",
    "环境共建",
    "社会共享",
    "合作机制",
    "市长会议",
)
PROJECT_CATEGORIES: tuple[str, ...] = (
    "intercity_rail",
    "high_speed_rail",
    "rail",
    "metro",
    "highway",
    "road",
    "bridge",
    "waterway",
    "airport",
    "hub",
    "bus",
)
MILESTONE_CATEGORIES: tuple[str, ...] = ("meeting", "event", "target")
CATEGORIES_BY_KIND: dict[str, tuple[str, ...]] = {
    "cooperation": COOPERATION_CATEGORIES,
    "project": PROJECT_CATEGORIES,
    "milestone": MILESTONE_CATEGORIES,
}
#: How `circletrack add` names a new item of each kind: prefix and digits (coop-31, prj-001).
ID_PREFIXES: dict[str, tuple[str, int]] = {
    "cooperation": ("coop", 2),
    "project": ("prj", 3),
    "milestone": ("ms", 3),
}
FACT_KEYS: tuple[str, ...] = (
    "length",
    "section",
    "lanes",
    "design_speed",
    "investment",
    "progress_part",
    "capacity",
    "traffic",
    "travel_time",
    "baseline",
    "other",
)
TARGET_OPS: tuple[str, ...] = (">=", "<=", ">", "<", "=")
SCHEMA_VERSION = 1

Number = int | float


@dataclass
class Source:
    """A source document the registry was read from."""

    id: str
    title: str
    publisher: str
    date: dt.date
    file: str | None = None
    note: str | None = None


@dataclass
class Fact:
    """A figure a source gives about an item, as the source words it."""

    key: str
    label: str
    value: Number
    unit: str
    source: str
    area: str | None = None
    year: int | None = None
    note: str | None = None


@dataclass
class Target:
    """A numeric target: value, unit, year and how it is to be met."""

    value: Number
    year: int
    unit: str = ""
    op: str = ">="


@dataclass
class Report:
    """One dated progress report in an item's history."""

    date: dt.date
    source: str
    status: str
    progress: int | None = None
    value: Number | None = None
    note: str | None = None
    by: str | None = None


@dataclass
class DueChange:
    """One move of an item's due date."""

    from_: dt.date | None
    to: dt.date | None
    date: dt.date
    reason: str
    by: str | None = None


@dataclass
class Item:
    """A cooperation item, project or milestone."""

    id: str
    kind: str
    title: str
    created: dt.date
    title_en: str | None = None
    category: str | None = None
    content: str | None = None
    lead: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    due: dt.date | None = None
    requirement: str | None = None
    reading: str | None = None
    status: str = "planned"
    progress: int = 0
    tags: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    original_due: dt.date | None = None
    facts: list[Fact] = field(default_factory=list)
    target: Target | None = None
    history: list[Report] = field(default_factory=list)
    due_changes: list[DueChange] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """True unless the item is done or cancelled."""
        return self.status not in CLOSED_STATUSES

    @property
    def updated(self) -> dt.date | None:
        """The date of the latest report, or None."""
        return max((r.date for r in self.history), default=None)

    @property
    def reported_value(self) -> Number | None:
        """The value of the latest report that carries one (numeric targets)."""
        for report in reversed(sorted_history(self.history)):
            if report.value is not None:
                return report.value
        return None


@dataclass
class Registry:
    """Everything in one registry file."""

    sources: dict[str, Source] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    schema: int = SCHEMA_VERSION

    def get(self, item_id: str) -> Item | None:
        """The item with exactly this id, or None."""
        for item in self.items:
            if item.id == item_id:
                return item
        return None


def sorted_history(history: list[Report]) -> list[Report]:
    """Reports in date order; reports of the same date keep their recorded order."""
    return sorted(history, key=lambda r: r.date)


def implied_state(reports: Sequence[tuple[dt.date, str, int | None]]) -> tuple[str, int]:
    """The (status, progress) that (date, status, progress) reports imply: the status of the
    latest, the latest progress given (0 if none); planned at 0 when there are none.
    Reports of the same date keep their recorded order. The validator holds items to this."""
    if not reports:
        return "planned", 0
    ordered = sorted(reports, key=lambda r: r[0])
    progress = next((p for _d, _s, p in reversed(ordered) if p is not None), 0)
    return ordered[-1][1], progress


def current_state(history: list[Report]) -> tuple[str, int]:
    """The (status, progress) that a history implies (see `implied_state`)."""
    return implied_state([(r.date, r.status, r.progress) for r in history])
