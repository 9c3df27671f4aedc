"""The section index: a registry file as its head and one `[[items]]` section per item,
each known by the digest of its text.

circletrack writes a registry canonically (codec.py): the head (schema, sources,
passages), then each item as a section of its own that depends on that item alone. So a
file that changed can be read item by item, and a write can replace only the sections
of the items it changed. This module is that one mechanism, used both ways:

- `reread`: the registry of bytes that changed elsewhere (a `git pull`, a colleague's
  write), from the items the index holds for the sections that did not change, with only
  the changed sections parsed and validated (against everything the registry holds);
- `Splice`: the bytes a write leaves, with only the changed items' sections written again
  and validated.

Either gives up (returns None) whenever its conditions do not hold, and the caller then
parses or writes the whole file, which words every problem with its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..base.errors import Problem, RegistryInvalid
from ..base.i18n import _
from ..model.records import Item, Registry
from .codec import (
    item_to_table,
    parse_section,
    record_from_table,
    section_anchor,
    table_section,
)
from .index import Indexed, Snapshot, digest
from .validate import Known, changed_items_problems

_SECTION = "\n[[items]]\n"


@dataclass(frozen=True)
class Cut:
    """Registry text cut at each line `[[items]]`: the head, and each item's section (the
    `[[items]]` line included); `head + "\\n" + "\\n".join(sections)` is the text."""

    head: str
    sections: list[str]

    @property
    def head_digest(self) -> str:
        return digest(self.head.encode("utf-8"))

    def digests(self) -> list[str]:
        return [digest(section.encode("utf-8")) for section in self.sections]


def cut(data: bytes) -> Cut | None:
    """The text cut into its head and sections, or None when it is not UTF-8. (A value
    never spans lines in what circletrack writes, so a line `[[items]]` starts a section;
    in a file edited by hand it may not, and the parse of a section then fails.)"""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head, *bodies = text.split(_SECTION)
    return Cut(head, ["[[items]]\n" + body for body in bodies])


def section_digests(data: bytes, count: int) -> list[str]:
    """The digest of each of `count` item sections of the bytes, or [] when they do not cut
    into exactly that many."""
    found = cut(data)
    return found.digests() if found is not None and len(found.sections) == count else []


def reread(found: Cut, index: Indexed) -> tuple[Snapshot, set[str]] | None:
    """The registry of a file whose head is the index's (sources, passages, schema) and
    whose items are those the index holds (by their section's digest) except for the
    sections that changed, which are parsed and validated here; and the ids of the items
    parsed. None unless every changed section parses
    as exactly one item table, no item is gone, no id is there twice, and the changed
    items have no problem at all (the whole parse then words each problem with its line).
    The result is canonical when every changed section is what circletrack would write."""

    head, known = index.head, index.items
    digests = found.digests()
    items: list[Item | None] = []
    tables: dict[int, dict[str, Any]] = {}
    for number, (section, name) in enumerate(zip(found.sections, digests)):
        item = known.get(name)
        if item is None:
            table = parse_section(section)
            if table is None:
                return None
            tables[number] = table
        items.append(item)
    named = [item.id if item is not None else tables[n].get("id")
             for n, item in enumerate(items)]
    ids = [i for i in named if isinstance(i, str)]
    if (not tables or len(ids) != len(named) or len(set(ids)) != len(ids)
            or not set(ids).issuperset(item.id for item in known.values())):
        return None
    if changed_problems(items, tables, ids, head):
        return None
    shared: dict[Any, Any] = {}
    built = {n: record_from_table(Item, table, shared) for n, table in tables.items()}
    anchor = _anchor(tables, list(known.values())[:8])
    canonical = anchor is not None and all(
        table_section(item_to_table(item), anchor) == found.sections[n]
        for n, item in built.items())
    registry = Registry(sources=head.sources, schema=head.schema, passages=head.passages,
                        items=[built[n] if item is None else item
                               for n, item in enumerate(items)])
    return Snapshot(registry, canonical, digests), {ids[n] for n in tables}


def changed_problems(items: Sequence[Item | None], tables: dict[int, dict[str, Any]],
                     ids: Sequence[str], head: Registry) -> list[Problem]:
    """The problems the items at the numbers in `tables` (their TOML tables) bring into a
    valid registry whose other `items` are unchanged and whose sources and passages are
    `head`'s: each table checked against everything the registry holds, with the items
    that are the same event as a changed one (see validate.changed_items_problems).
    `items` may hold None where only the table is known."""

    changed = {ids[n] for n in tables}
    same_event = {n: item_to_table(item) for n, item in enumerate(items)
                  if n not in tables and item is not None and item.same_as in changed}
    links: dict[str, list[str]] = {}
    dues: dict[str, Any] = {}
    for n, item in enumerate(items):
        table = tables.get(n)
        if table is not None:
            links[ids[n]] = [*_strings(table.get("tracks")), *_strings(table.get("starts")),
                             *_strings([table.get("same_as")])]
            dues[ids[n]] = table.get("due")
        elif item is not None:
            links[item.id], dues[item.id] = item.links, item.due
    known = Known(frozenset(head.sources), {k: p.source for k, p in head.passages.items()},
                  frozenset(ids), dues)
    return changed_items_problems({**same_event, **tables}, known, links)


def _anchor(tables: dict[int, dict[str, Any]], others: Sequence[Item]) -> dict[str, Any] | None:
    """A table tomli-w writes as a section (see codec.section_anchor): a changed one, else
    one of a few other items."""

    return section_anchor(list(tables.values())) or section_anchor(
        [item_to_table(item) for item in others])


def _strings(values: Any) -> list[str]:
    """The texts of a list read from a table not yet validated (others are the
    validator's to name)."""
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


@dataclass(frozen=True)
class Spliced:
    """A write's new bytes, the ids of the items it changed or added, and the digest of
    each item's section in the new bytes."""

    data: bytes
    changed: set[str]
    sections: list[str]


class Splice:
    """A write that changed a few items of a canonical registry, made without turning the
    other items back into tables: the other sections are kept as they are, the changed
    items are validated against the whole registry, and the new bytes are the old ones
    with the changed sections replaced.

    Taken before the change: the file's sections, the items (as objects) and the head.
    The changed items are found by comparing with them: records are values (frozen, their
    lists tuples), so a change cannot alter an item in place, only put a new one in its
    place, and every item that is not the object read is validated and written again.
    `after` gives the new bytes, or None when the change was not of that kind (an item
    removed or moved, the head changed), and the caller writes the whole file."""

    def __init__(self, snapshot: Snapshot, old: bytes) -> None:
        registry = snapshot.registry
        self.order = [item.id for item in registry.items]
        self.objects = {item.id: item for item in registry.items}
        self.head = (registry.schema, dict(registry.sources), dict(registry.passages))
        found = cut(old)
        self.cut = (found if found is not None and len(self.objects) == len(self.order)
                    == len(found.sections) else None)
        self.digests = (snapshot.sections if len(snapshot.sections) == len(self.order)
                        else self.cut.digests() if self.cut is not None else [])

    def after(self, registry: Registry) -> Spliced | None:
        """The new bytes (see the class), or None."""
        if self.cut is None or (registry.schema, registry.sources,
                                registry.passages) != self.head:
            return None
        ids = [item.id for item in registry.items]
        present = set(ids)
        if len(present) != len(ids) or not present.issuperset(self.order):
            return None  # an id twice, or an item gone: the validator words those
        index = {item_id: number for number, item_id in enumerate(self.order)}
        sections: list[str | None] = []
        digests: list[str | None] = []
        changed: dict[int, Item] = {}
        last = -1
        for number, item in enumerate(registry.items):
            known = index.get(item.id)
            if known is None or item is not self.objects[item.id]:
                changed[number] = item
                sections.append(None)
                digests.append(None)
                continue
            if known < last:
                return None  # moved: the whole write keeps the order
            last = known
            sections.append(self.cut.sections[known])
            digests.append(self.digests[known])
        if not changed:
            return None
        tables = {number: item_to_table(item) for number, item in changed.items()}
        problems = changed_problems(registry.items, tables, ids, registry)
        if problems:
            raise RegistryInvalid(problems)
        anchor = _anchor(tables, [self.objects[i] for i in self.order[:8]])
        if anchor is None:
            return None
        try:
            for number in changed:
                sections[number] = table_section(tables[number], anchor)
                digests[number] = digest(sections[number].encode("utf-8"))  # type: ignore[union-attr]
        except (TypeError, ValueError) as exc:  # as in the whole write
            raise RegistryInvalid([Problem(_("the change cannot be written as TOML: "
                                             "{error}").format(error=exc))]) from None
        data = (self.cut.head + "\n" + "\n".join(s for s in sections if s is not None))
        return Spliced(data.encode("utf-8"), {ids[n] for n in changed},
                       [d for d in digests if d is not None])
