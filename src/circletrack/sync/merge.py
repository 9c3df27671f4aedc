"""Three-way merge of registry files: what git runs as the registry's merge driver.

Items are matched by id and merged field by field, as their fields are declared in
`model.py`: a field changed on one side takes that side's value, the same change on both
is taken once, two different changes are a conflict. Reports are never in conflict: the
merged history holds every report of both sides (one both added, once), in date order, and
the item's recorded status and progress follow from it as they do after any write. Moves
of the due date are kept from both sides; two different new due dates are a conflict.
Sources and passages merge by key the same way. A clean result is the canonical bytes
circletrack itself writes, and it must pass the validator, or it is a conflict too.

A conflict leaves the merged registry with git's markers around the conflicting tables
only: the merged item with ours' values of the fields in conflict, then with theirs'.
Nothing here reads the clock or prints; `run_driver` reads and writes the files git names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from ..base.errors import RegistryInvalid
from ..changes.writes import report_key
from ..model.records import DueChange, Item, Registry, current_state, specs
from ..storage import Location, codec, journal, read_bytes
from ..storage.files import atomic_write
from ..storage.index import Index, digest
from ..storage.validate import validate_document

T = TypeVar("T")
#: What a conflict is about: the item's (or source's, passage's) field and why.
CHANGED_BOTH, ADDED_BOTH, DELETED_OURS, DELETED_THEIRS, INVALID, UNREADABLE = (
    "changed_both", "added_both", "deleted_ours", "deleted_theirs", "invalid", "unreadable")
#: An item's recorded state, recomputed from its merged history, never merged itself.
_DERIVED = frozenset({"status", "progress"})


@dataclass(frozen=True)
class Conflict:
    """One thing the merge could not decide: the entry (`kind` item, source or passage, or
    `side` for a side that cannot be read), its field, why, and each side's value."""

    kind: str
    key: str
    field: str
    reason: str
    ours: Any = None
    theirs: Any = None
    detail: str = ""


@dataclass(frozen=True)
class MergeResult:
    """The merged bytes (with conflict markers when there are conflicts; ours unchanged
    when a side cannot be read), the conflicts, and how many items each side changed."""

    data: bytes
    conflicts: tuple[Conflict, ...] = ()
    from_ours: int = 0
    from_theirs: int = 0
    readable: bool = True

    @property
    def clean(self) -> bool:
        """True when nothing is in conflict."""
        return not self.conflicts


# The rules, on typed records


def _same_move_key(move: DueChange) -> tuple[Any, ...]:
    return (move.from_, move.to, move.date, move.reason)


def _union(base: Sequence[T], ours: Sequence[T], theirs: Sequence[T],
           key: Callable[[T], Any], date: Callable[[T], Any]) -> list[T]:
    """Entries of both sides, each once, in date order (on one date: base's, then ours',
    then theirs'); an entry of base that either side removed stays removed."""
    in_base = {key(e) for e in base}
    in_theirs = {key(e) for e in theirs}
    kept = [e for e in ours if key(e) in in_base and key(e) in in_theirs]
    added_ours = [e for e in ours if key(e) not in in_base]
    seen = {key(e) for e in added_ours}
    added_theirs = [e for e in theirs if key(e) not in in_base and key(e) not in seen]
    return sorted([*kept, *added_ours, *added_theirs], key=date)


_UNIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "history": (report_key, lambda r: r.date),
    "due_changes": (_same_move_key, lambda m: m.date),
}


def _pick(base: Any, ours: Any, theirs: Any, has_base: bool) -> tuple[Any, bool]:
    """The merged value of one field and whether it is in conflict (then ours' value)."""
    if ours == theirs:
        return ours, False
    if has_base and ours == base:
        return theirs, False
    if has_base and theirs == base:
        return ours, False
    return ours, True


@dataclass
class _Merged:
    """One entry merged: the merged record, and each side's version of it where fields are
    in conflict (the merged record with that side's values of those fields)."""

    merged: Any
    ours: Any = None
    theirs: Any = None
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _merge_item(base: Item | None, ours: Item, theirs: Item) -> _Merged:
    """An item changed on both sides (or added on both), merged field by field."""
    values: dict[str, Any] = {}
    ours_values: dict[str, Any] = {}
    theirs_values: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    for f in specs(Item):
        if f.name in _DERIVED:
            continue
        mine, other = getattr(ours, f.name), getattr(theirs, f.name)
        old = getattr(base, f.name) if base is not None else None
        if f.name in _UNIONS:
            key, date = _UNIONS[f.name]
            values[f.name] = _union(old or [], mine, other, key, date)
            continue
        value, in_conflict = _pick(old, mine, other, base is not None)
        values[f.name] = value
        if in_conflict:
            ours_values[f.name], theirs_values[f.name] = mine, other
            conflicts.append(Conflict("item", ours.id, f.key,
                                      ADDED_BOTH if base is None else CHANGED_BOTH,
                                      mine, other))
    merged = _with_state(Item(**values))
    if not conflicts:
        return _Merged(merged)
    return _Merged(merged, _with_state(replace(merged, **ours_values)),
                   _with_state(replace(merged, **theirs_values)), conflicts)


def _with_state(item: Item) -> Item:
    status, progress = current_state(item.history)
    return replace(item, status=status, progress=progress)


def _changed_fields(base: Any, side: Any) -> list[str]:
    """The declared fields (or dataclass fields) in which `side` differs from `base`."""
    names = ([(f.name, f.key) for f in specs(type(base))] if specs(type(base))
             else [(f.name, f.name) for f in fields(base)])
    return [key for name, key in names if getattr(base, name) != getattr(side, name)]


def _merge_entry(kind: str, key: str, base: Any, ours: Any, theirs: Any) -> _Merged | None:
    """One item, source or passage, present on at least one side or in base; None when
    it is gone from the result."""
    if ours is not None and (ours == theirs or (base is not None and theirs == base)):
        return _Merged(ours)  # the common case: one side (or neither) changed it
    if theirs is not None and base is not None and ours == base:
        return _Merged(theirs)
    if ours is not None and theirs is not None:
        if kind == "item":
            return _merge_item(base, ours, theirs)
        return _merge_record(kind, key, base, ours, theirs)
    if base is None:
        return _Merged(ours if ours is not None else theirs)
    kept, reason = (ours, DELETED_THEIRS) if ours is not None else (theirs, DELETED_OURS)
    if kept is None or kept == base:  # deleted on both, or on one and left alone on the other
        return None
    conflicts = [Conflict(kind, key, name, reason) for name in _changed_fields(base, kept)]
    return _Merged(kept, ours, theirs, conflicts)


def _merge_record(kind: str, key: str, base: Any, ours: Any, theirs: Any) -> _Merged:
    """A source or passage on both sides, merged field by field."""
    values: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    for f in fields(ours):
        mine, other = getattr(ours, f.name), getattr(theirs, f.name)
        value, in_conflict = _pick(getattr(base, f.name, None), mine, other, base is not None)
        values[f.name] = value
        if in_conflict:
            conflicts.append(Conflict(kind, key, f.name,
                                      ADDED_BOTH if base is None else CHANGED_BOTH,
                                      mine, other))
    merged = type(ours)(**values)
    return _Merged(merged, ours, theirs, conflicts) if conflicts else _Merged(merged)


def _merge_table(kind: str, base: dict[str, Any], ours: dict[str, Any],
                 theirs: dict[str, Any], order: list[str]) -> dict[str, _Merged]:
    """Entries merged by key, in `order` (then base's keys, for those deleted)."""
    found: dict[str, _Merged] = {}
    for key in dict.fromkeys([*order, *base]):
        merged = _merge_entry(kind, key, base.get(key), ours.get(key), theirs.get(key))
        if merged is not None:
            found[key] = merged
    return found


# Reading, merging, writing


def _read(data: bytes, side: str, allow_empty: bool, index: Index | None,
          ) -> tuple[Registry, bool]:
    """A side's registry, and whether its bytes are known to be canonical; an empty
    ancestor is an empty registry. The registry's index is only looked in (ours was most
    likely written here): a merge's sides are not worth indexing."""
    if allow_empty and not data.strip():
        return Registry(), False
    known = index.read(digest(data)) if index is not None else None
    if known is not None:
        return known.registry, known.canonical
    return codec.loads(data, side), False


def _canonical_bytes(merged: Registry, ours: Registry, ours_data: bytes,
                     ours_canonical: bool) -> bytes:
    """The canonical bytes of the merged registry: where ours' bytes are known canonical
    (circletrack wrote them), only the tables that differ from ours are serialised again."""
    if not ours_canonical:
        return codec.dumps(merged)
    return codec.document_bytes(codec.registry_to_document(merged),
                                codec.registry_to_document(ours), ours_data)


def merge_registries(base: bytes, ours: bytes, theirs: bytes,
                     registry: Path | None = None,
                     labels: tuple[str, str] = ("ours", "theirs")) -> MergeResult:
    """Merge two registries changed from a common one; see the module's docstring.

    An empty base (a registry added on both branches) merges as a registry with nothing
    in it. A side that cannot be read is a conflict, and the result is then ours' bytes
    unchanged.
    """
    sides: list[tuple[Registry, bool]] = []
    unreadable: list[Conflict] = []
    index = Index.of(registry) if registry is not None else None
    for name, data in (("base", base), ("ours", ours), ("theirs", theirs)):
        try:
            sides.append(_read(data, name, name == "base", index))
        except RegistryInvalid as exc:
            unreadable.append(Conflict("side", name, "", UNREADABLE, detail=str(exc)))
    if unreadable:
        return MergeResult(ours, tuple(unreadable), readable=False)
    (old, _old_canonical), (mine, ours_canonical), (other, _other_canonical) = sides
    items = _merge_table("item", {i.id: i for i in old.items}, {i.id: i for i in mine.items},
                         {i.id: i for i in other.items},
                         [*(i.id for i in mine.items), *(i.id for i in other.items)])
    sources = _merge_table("source", old.sources, mine.sources, other.sources,
                           sorted({*mine.sources, *other.sources}))
    passages = _merge_table("passage", old.passages, mine.passages, other.passages,
                            sorted({*mine.passages, *other.passages}))
    tables = {"item": items, "source": sources, "passage": passages}
    conflicts = [c for table in tables.values() for m in table.values() for c in m.conflicts]
    merged = Registry(sources={k: m.merged for k, m in sources.items()},
                      items=[m.merged for m in items.values()], schema=mine.schema,
                      passages={k: m.merged for k, m in passages.items()})
    if not conflicts:
        conflicts = _invalid(merged, items, mine, other)
    counts = _counts(items, old, mine, other)
    if not conflicts:
        return MergeResult(_canonical_bytes(merged, mine, ours, ours_canonical), (), *counts)
    return MergeResult(_marked(tables, merged, conflicts, labels), tuple(conflicts), *counts)


def _invalid(merged: Registry, items: dict[str, _Merged], ours: Registry,
             theirs: Registry) -> list[Conflict]:
    """The validator's problems with a merged registry, as conflicts: each item named gets
    ours' and theirs' own versions to choose from."""
    problems = validate_document(codec.registry_to_document(merged))
    conflicts = []
    for problem in problems:
        if problem.item_id in items:
            entry = items[problem.item_id]
            entry.ours, entry.theirs = ours.get(problem.item_id), theirs.get(problem.item_id)
            conflicts.append(Conflict("item", problem.item_id, problem.field or "", INVALID,
                                      detail=problem.message))
        else:
            conflicts.append(Conflict("registry", problem.item_id or "", problem.field or "",
                                      INVALID, detail=problem.message))
    return conflicts


def _counts(items: dict[str, _Merged], base: Registry, ours: Registry,
            theirs: Registry) -> tuple[int, int]:
    """How many of the merged items each side changed (or added)."""
    old = {i.id: i for i in base.items}

    def changed(side: Registry) -> int:
        return sum(1 for i in side.items if i.id in items and i != old.get(i.id))

    return changed(ours), changed(theirs)


def _marked(tables: dict[str, dict[str, _Merged]], merged: Registry,
            conflicts: list[Conflict], labels: tuple[str, str]) -> bytes:
    """The merged registry with conflict markers around each conflicting table: ours'
    version of it, then theirs' (an empty side where that side deleted it); each marker
    line ends with its side's label."""
    in_conflict = {(c.kind, c.key) for c in conflicts}

    def variant(side: str) -> Registry:
        def pick(kind: str, key: str, entry: _Merged) -> Any:
            return getattr(entry, side) if (kind, key) in in_conflict else entry.merged

        return Registry(
            sources={k: v for k, m in tables["source"].items()
                     if (v := pick("source", k, m)) is not None},
            items=[v for k, m in tables["item"].items() if (v := pick("item", k, m)) is not None],
            schema=merged.schema,
            passages={k: v for k, m in tables["passage"].items()
                      if (v := pick("passage", k, m)) is not None})

    ours, theirs = variant("ours"), variant("theirs")
    ours_blocks, theirs_blocks = codec.blocks(ours), codec.blocks(theirs)
    if ours_blocks is None or theirs_blocks is None:  # items written inline: mark it all
        return _markers(codec.dumps(ours).decode("utf-8"), codec.dumps(theirs).decode("utf-8"),
                        labels)
    mine, other = dict(ours_blocks), dict(theirs_blocks)
    keys = [k for k, _text in ours_blocks]
    for position, (key, _text) in enumerate(theirs_blocks):
        if key not in mine:  # only theirs has it: after the table before it in theirs
            before = theirs_blocks[position - 1][0] if position else None
            keys.insert(keys.index(before) + 1 if before in keys else len(keys), key)
    parts = [_markers(mine.get(k, ""), other.get(k, ""), labels) if k in in_conflict
             else mine[k]
             for k in keys]
    return "\n".join(parts).encode("utf-8")


def _markers(ours: str, theirs: str, labels: tuple[str, str]) -> str:
    return (f"{codec.CONFLICT_OURS} {labels[0]}\n{ours}{codec.CONFLICT_SPLIT}\n{theirs}"
            f"{codec.CONFLICT_THEIRS} {labels[1]}\n")


def _read_side(path: Path) -> bytes:
    """A side of the merge, read as a registry is (see storage.read_bytes): a regular file of
    at most storage.MAX_REGISTRY_BYTES, every refusal one RegistryNotFound line."""
    return read_bytes(Location(path, "merge"))


def run_driver(base: Path, ours: Path, theirs: Path, registry: Path | None = None,
               label: str = "", labels: tuple[str, str] = ("ours", "theirs")) -> MergeResult:
    """git's merge driver (`%O %A %B %P`): merge the three files and write the result over
    `ours` (left as it is when a side cannot be read). With the registry's own path
    (`%P`, relative to the folder git runs the driver in), the merged bytes are noted in
    its journal, so `undo` can tell a merge from circletrack's own writes. Each side is read
    as a registry is (a regular file, at most storage.MAX_REGISTRY_BYTES): a FIFO, a device or
    a larger file is refused at once, before anything is written."""
    result = merge_registries(_read_side(base), _read_side(ours), _read_side(theirs), registry,
                              labels)
    if not result.readable:
        return result
    atomic_write(ours, result.data)
    if registry is not None and registry.parent.is_dir():
        journal.record_merge(registry, result.data, label)
    return result


