"""Pure queries: the registry as of a date, filters, sorting. Nothing here reads the clock."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..base.cells import fold
from ..base.errors import FieldError, UsageError
from ..base.i18n import _, join
from ..model.effective import state_of, with_states
from ..model.labels import item_title, kind_label, status_label
from ..model.records import STATUSES, Item, Report, current_state, sorted_history

SORT_FIELDS: tuple[str, ...] = ("due", "progress", "id", "title", "updated", "status")
#: What `log --sort` orders reports by.
LOG_SORT_FIELDS: tuple[str, ...] = ("date", "id", "title", "by", "progress", "status")


@dataclass(frozen=True)
class Criteria:
    """What to select. Values within one filter are OR'ed; different filters are AND'ed."""

    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    due_before: dt.date | None = None
    due_after: dt.date | None = None
    overdue: bool = False
    stale_days: int | None = None
    search: tuple[str, ...] = ()
    include_closed: bool = False


def due_as_of(item: Item, day: dt.date) -> dt.date | None:
    """The due date the item had on `day`, replaying its recorded moves."""
    if not item.due_changes:
        return item.due
    due = item.original_due
    for change in sorted(item.due_changes, key=lambda c: c.date):
        if change.date <= day:
            due = change.to
    return due


def item_as_of(item: Item, day: dt.date) -> Item | None:
    """The item as it stood on `day`, or None if it was not yet recorded."""
    if item.created > day:
        return None
    if all(r.date <= day for r in item.history) and all(c.date <= day
                                                        for c in item.due_changes):
        return item  # nothing after `day`: the item as it is (most items, most days)
    history = [r for r in sorted_history(item.history) if r.date <= day]
    changes = [c for c in item.due_changes if c.date <= day]
    status, progress = current_state(history)
    return replace(item, history=history, status=status, progress=progress,
                   due=due_as_of(item, day), due_changes=changes)


def registry_as_of(items: Iterable[Item], day: dt.date) -> list[Item]:
    """Every item recorded by `day`, each seen as it stood then, with its effective state
    (see effective.py: a plan row follows the items it tracks)."""
    seen = (item_as_of(item, day) for item in items)
    return with_states([item for item in seen if item is not None])


def is_overdue(item: Item, day: dt.date) -> bool:
    """Past its due date on `day` and neither done nor cancelled; never for a due date that
    ends a period of work (`due_kind = "ongoing"`: the period ends, nothing falls late)."""
    return item.is_open and item.due is not None and item.due < day and not item.ongoing


def one_per_event(items: Sequence[Item]) -> list[Item]:
    """The items with each that records the same event as another of them (`same_as`) left
    out: an overdue list, a form, a bulletin and the counts show an event once, under the
    item the others name (which names them: `Item.same_event`)."""
    present = {item.id for item in items}
    return [item for item in items if item.same_as is None or item.same_as not in present]


def days_overdue(item: Item, day: dt.date) -> int:
    """Whole days past due on `day` (0 when not overdue)."""
    return (day - item.due).days if is_overdue(item, day) and item.due else 0


def last_reported(item: Item) -> dt.date | None:
    """The date of the latest report the item's state rests on: its own, or one on an item
    it follows; None when nothing was reported."""
    dates = [d for d in (item.updated, item.state.date) if d is not None]
    return max(dates, default=None)


def days_since_report(item: Item, day: dt.date) -> int:
    """Days since the latest report (its own or one its state follows), or since the item
    was recorded if there is none."""
    return (day - (last_reported(item) or item.created)).days


def is_stale(item: Item, day: dt.date, days: int) -> bool:
    """Open, and nothing reported for at least `days` days."""
    return item.is_open and days_since_report(item, day) >= days


def _any_contains(values: Iterable[str | None], needles: Sequence[str]) -> bool:
    texts = [fold(v) for v in values if v]
    return any(fold(n) in t for n in needles for t in texts)


def place_name(text: str) -> str:
    """A city or county as compared: folded, without a trailing 市 (杭州市 is 杭州)."""
    folded = fold(text)
    return folded[:-1] if folded.endswith("市") and len(folded) > 1 else folded


def unit_matches(item: Item, units: Sequence[str]) -> bool:
    """True when a lead or supporting unit contains one of `units` (folded)."""
    return _any_contains([*item.lead, *item.support], units)


def city_matches(item: Item, cities: Sequence[str]) -> bool:
    """True when one of the item's cities contains one of `cities` (a trailing 市 ignored)."""
    names = [place_name(c) for c in item.cities]
    return any(place_name(c) in n for c in cities for n in names)


def tag_matches(item: Item, tags: Sequence[str]) -> bool:
    """True when the item has one of `tags` (folded)."""
    mine = {fold(t) for t in item.tags}
    return any(fold(t) in mine for t in tags)


def search_text(item: Item) -> list[str | None]:
    """The texts `--search` looks in: title, content, requirement, units, notes."""
    return [item.id, item.title, item.title_en, item.content, item.requirement, item.reading,
            *item.lead, *item.support, *item.cities, *item.tags,
            *(r.note for r in item.history), *(r.by for r in item.history)]


def matches(item: Item, criteria: Criteria, day: dt.date) -> bool:
    """True when the item (already seen as of `day`) passes every filter."""
    c = criteria  # each filter in turn, the cheap ones first; the first miss decides
    return ((c.include_closed or c.statuses != () or item.is_open)
            and (not c.kinds or item.kind in c.kinds)
            and (not c.categories or item.category in c.categories)
            and (not c.statuses or item.state.status in c.statuses)
            and (not c.units or unit_matches(item, c.units))
            and (not c.cities or city_matches(item, c.cities))
            and (not c.tags or tag_matches(item, c.tags))
            and (c.due_before is None or (item.due is not None and item.due < c.due_before))
            and (c.due_after is None or (item.due is not None and item.due > c.due_after))
            and (not c.overdue or is_overdue(item, day))
            and (c.stale_days is None or is_stale(item, day, c.stale_days))
            and (not c.search or _any_contains(search_text(item), c.search)))


def select(items: Iterable[Item], criteria: Criteria, day: dt.date) -> list[Item]:
    """The items as of `day` that pass the criteria, in registry order."""
    return [item for item in registry_as_of(items, day) if matches(item, criteria, day)]


def _sort_key(field: str) -> Callable[[Item], Any]:
    status_rank = {s: i for i, s in enumerate(STATUSES)}
    keys: dict[str, Callable[[Item], Any]] = {
        "due": lambda i: (i.due is None, i.due or dt.date.min),
        "progress": lambda i: (i.state.progress is None, i.state.progress or 0),
        "id": lambda i: i.id,
        "title": lambda i: i.title,
        "updated": lambda i: (last_reported(i) is None, last_reported(i) or dt.date.min),
        "status": lambda i: status_rank.get(i.state.status, len(status_rank)),
    }
    return keys[field]


def _sort_spec(spec: str, fields: Sequence[str]) -> tuple[str, bool]:
    """`--sort FIELD` read: the field and whether `-` reversed it; a field not in `fields`
    is a FieldError naming them."""
    field = spec.lstrip("-+")
    if field not in fields:
        raise FieldError("sort", _("unknown field {field!r}; use one of {choices} "
                                   "(prefix - to reverse)").format(
            field=field, choices=", ".join(fields)))
    return field, spec.startswith("-")


def sort_items(items: Sequence[Item], spec: str | None) -> list[Item]:
    """Sort by a field (due, progress, id, title, updated, status); `-field` reverses.

    Items without the field (no due date, no report, no measured progress) stay last either
    way; ties keep id order.
    """
    if not spec:
        return list(items)
    field, descending = _sort_spec(spec, SORT_FIELDS)
    key = _sort_key(field)
    by_id = sorted(items, key=lambda i: i.id)
    if field in ("due", "updated", "progress"):
        present = [i for i in by_id if key(i)[0] is False]
        missing = [i for i in by_id if key(i)[0] is True]
        return sorted(present, key=key, reverse=descending) + missing
    return sorted(by_id, key=key, reverse=descending)


def overdue_items(items: Iterable[Item], criteria: Criteria, day: dt.date) -> list[Item]:
    """Open items past due on `day` that pass the criteria, most overdue first."""
    chosen = select(items, replace(criteria, overdue=True), day)
    return sorted(chosen, key=lambda i: (-days_overdue(i, day), i.id))


def resolve(items: Sequence[Item], text: str, kinds: Sequence[str] = ()) -> Item:
    """Find one item: exact id, then exact title, then unique id prefix, then unique title
    fragment, all compared after `fold`; `kinds` narrows the candidates.

    An ambiguous match lists the candidates with their kind and status; an unknown one
    suggests the nearest ids. Both raise UsageError.
    """
    wanted = fold(text)
    if not wanted:
        raise UsageError(_("an id or title is required"))
    pool = [i for i in items if not kinds or i.kind in kinds]

    def titles(item: Item) -> list[str]:
        return [fold(t) for t in (item.title, item.title_en) if t]

    for candidates in (
        [i for i in pool if fold(i.id) == wanted],
        [i for i in pool if wanted in titles(i)],
        [i for i in pool if fold(i.id).startswith(wanted)],
        [i for i in pool if any(wanted in t for t in titles(i))],
    ):
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            by_id = {i.id: i for i in items}  # (each one's state as every view shows it)
            shown = join(_("{id} ({kind}, {status}) {title}").format(
                id=i.id, kind=kind_label(i.kind),
                status=status_label(state_of(i, by_id).status),
                title=item_title(i)) for i in candidates[:8])
            more = (_(" and {count} more").format(count=len(candidates) - 8)
                    if len(candidates) > 8 else "")
            hint = "" if kinds else _("; narrow it with --kind")
            raise UsageError(_("{text!r} matches {count} items: {items}{more}").format(
                text=text, count=len(candidates), items=shown, more=more) + hint)
    import difflib  # only an unknown id pays for it

    squashed = [i.id for i in pool if _squash(fold(i.id)) == _squash(wanted)]
    near = squashed + [n for n in difflib.get_close_matches(wanted, [i.id for i in pool], n=3,
                                                            cutoff=0.5) if n not in squashed]
    near = near[:3]
    hint = _("; did you mean {ids}?").format(ids=", ".join(near)) if near else ""
    raise UsageError(_("no item {text!r}{hint}").format(text=text, hint=hint))


def _squash(text: str) -> str:
    """An id with leading zeros dropped from its numbers: coop-06 and coop-6 are alike."""
    return re.sub(r"(?<!\d)0+(?=\d)", "", text)


# The log: progress reports across the registry


@dataclass(frozen=True)
class LogEntry:
    """One report, with the item it belongs to."""

    item: Item
    report: Report


def report_log(items: Sequence[Item], *, item: Item | None = None, since: dt.date | None = None,
               by: str | None = None, limit: int | None = None,
               sort: str | None = None) -> list[LogEntry]:
    """Reports newest first, filtered, then sorted by `sort` (see `sort_log`) and cut to
    `limit`. Of one date: an item's own reports the later recorded first, different items'
    the later in the registry first (a report holds no time of day, so which of two items'
    reports of one day was recorded first is not known).

    `since` is inclusive; `by` matches a fragment of the reporter's name, ignoring case.
    """
    chosen = [LogEntry(i, r) for i in items if item is None or i.id == item.id
              for r in sorted_history(i.history)]
    if since is not None:
        chosen = [e for e in chosen if e.report.date >= since]
    if by is not None:
        needle = by.casefold()
        chosen = [e for e in chosen if needle in (e.report.by or "").casefold()]
    newest = sort_log(sorted(reversed(chosen), key=lambda e: e.report.date, reverse=True), sort)
    return newest[:limit] if limit is not None else newest


def sort_log(entries: Sequence[LogEntry], spec: str | None) -> list[LogEntry]:
    """Reports sorted by a LOG_SORT_FIELDS field (`-field` reverses); ties keep their
    newest-first order, and reports without a progress figure stay last either way."""
    if not spec:
        return list(entries)
    field, descending = _sort_spec(spec, LOG_SORT_FIELDS)
    if field == "progress":
        present = [e for e in entries if e.report.progress is not None]
        missing = [e for e in entries if e.report.progress is None]
        return sorted(present, key=lambda e: e.report.progress or 0, reverse=descending) + missing
    keys: dict[str, Any] = {
        "date": lambda e: e.report.date, "id": lambda e: e.item.id,
        "title": lambda e: e.item.title, "by": lambda e: (e.report.by or "").casefold(),
        "status": lambda e: STATUSES.index(e.report.status)
        if e.report.status in STATUSES else len(STATUSES),
    }
    return sorted(entries, key=keys[field], reverse=descending)
