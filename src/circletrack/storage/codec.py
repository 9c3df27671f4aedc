"""Parse registry text into typed objects, and write them back canonically.

Canonical means: the same registry always serialises to the same bytes, keys in the
order of the schema, empty optional fields left out, so a diff shows only what changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

try:  # tomli's compiled wheels parse twice as fast as the standard library's copy of it
    import tomli as tomllib
except ImportError:  # pragma: no cover - a platform without a tomli wheel
    import tomllib  # type: ignore[no-redef]
from typing import Any, TypeVar

import tomli_w

from ..base.errors import Problem, RegistryInvalid, UnresolvedConflicts
from ..base.i18n import _
from ..model.records import (
    COOPERATION_CATEGORIES,
    SCHEMA_VERSION,
    Item,
    Passage,
    Registry,
    Source,
    specs,
)
from .validate import validate_document

R = TypeVar("R")
_SECTION = "\n[[items]]\n"
_AT_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)")


def parse_document(data: bytes, path: str | None = None) -> dict[str, Any]:
    """Decode and parse TOML bytes; malformed input raises RegistryInvalid with its line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegistryInvalid([Problem(_("not UTF-8 text (byte {position})").format(
            position=exc.start))], path) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise RegistryInvalid([Problem(_("malformed TOML: nested too deeply"))], path) from None
    except ValueError as exc:  # a number past Python's limit for integer text, say
        if isinstance(exc, tomllib.TOMLDecodeError):
            # git's conflict markers are never TOML, so they are looked for only here, where
            # a valid file costs nothing: a merge left in the file is named, item by item.
            regions = conflict_regions(text)
            if regions:
                raise _unresolved(regions, path) from None
            raise _decode_error(exc, path) from None
        raise RegistryInvalid([Problem(_("malformed TOML: {error}").format(
            error=str(exc).split(";")[0]))], path) from None


def _decode_error(exc: Exception, path: str | None) -> RegistryInvalid:
    """A TOML syntax error as one problem with its line."""
    # Python 3.14 gives exc.lineno; earlier versions only put it in the message.
    message = str(exc)
    found = _AT_LINE.search(message)
    line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
    message = _AT_LINE.sub("", message).strip()
    return RegistryInvalid([Problem(_("malformed TOML: {error}").format(error=message), line)],
                           path)


#: git's conflict markers (`conflict-marker-size` 7), each at the start of a line.
CONFLICT_OURS, CONFLICT_BASE, CONFLICT_SPLIT, CONFLICT_THEIRS = (
    "<<<<<<<", "|||||||", "=======", ">>>>>>>")
_ITEM_ID = re.compile(r'^id\s*=\s*"([^"]*)"')
_TABLE = re.compile(r"^\[(sources|passages)\.([A-Za-z0-9_\-]+)\]")


@dataclass(frozen=True)
class ConflictRegion:
    """One region between git's conflict markers: the line of its `<<<<<<<` and the entries
    it touches, as `validate` names them (an item's id, `source ID`, `passage ID`)."""

    line: int
    names: tuple[str, ...]


def conflict_regions(text: str) -> list[ConflictRegion]:
    """The regions of a text between `<<<<<<<` and `>>>>>>>` lines, each with the entries it
    touches: the items whose `[[items]]` sections it holds, the sources and passages whose
    tables it holds, and the item it starts inside (a conflict of git's own text merge)."""
    regions: list[ConflictRegion] = []
    current: str | None = None  # the item whose section the line is in
    header = ""
    start: int | None = None
    names: list[str] = []
    side_starts = True
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(CONFLICT_OURS) and start is None:
            start, names, side_starts = number, [], True
            continue
        if start is not None and line.startswith((CONFLICT_BASE, CONFLICT_SPLIT)):
            side_starts = True
            continue
        if start is not None and line.startswith(CONFLICT_THEIRS):
            regions.append(ConflictRegion(start, tuple(dict.fromkeys(names))))
            start = None
            continue
        stripped = line.strip()
        if start is not None and side_starts and stripped:
            side_starts = False
            if not stripped.startswith("[") and current is not None and header == "[[items]]":
                names.append(current)
        if stripped.startswith("["):
            header = stripped.split("#")[0].strip()
            table = _TABLE.match(header)
            if table and start is not None:
                names.append(_("source {id}").format(id=table.group(2))
                             if table.group(1) == "sources"
                             else _("passage {id}").format(id=table.group(2)))
            if header == "[[items]]":
                current = None
            continue
        found = _ITEM_ID.match(stripped)
        if found and header == "[[items]]":
            current = found.group(1)
            if start is not None:
                names.append(current)
    return regions


def _unresolved(regions: list[ConflictRegion], path: str | None) -> UnresolvedConflicts:
    """The error for a file with conflict markers: one problem per entry in conflict."""
    problems: list[Problem] = []
    named: list[str] = []
    message = _("unresolved merge conflict: keep one version between the <<<<<<< and >>>>>>> "
                "lines")
    for region in regions:
        fresh = [n for n in region.names if n not in named]
        named += fresh
        problems += [Problem(message, region.line, name) for name in fresh]
        if not region.names:
            problems.append(Problem(message, region.line))
    return UnresolvedConflicts(problems, named, path)


def problems_in(data: bytes, path: str | None = None) -> list[Problem]:
    """Every problem in registry bytes (parse errors included); empty when valid."""
    try:
        doc = upgrade(parse_document(data, path))
    except RegistryInvalid as exc:
        return exc.problems
    return validate_document(doc, data.decode("utf-8-sig"))


def loads(data: bytes, path: str | None = None) -> Registry:
    """Parse, validate and convert registry bytes; raises RegistryInvalid listing all problems."""
    doc = upgrade(parse_document(data, path))
    problems = validate_document(doc, data.decode("utf-8-sig"))
    if problems:
        raise RegistryInvalid(problems, path)
    return registry_from_document(doc)


#: Schema 1 stored the plan's categories as their Chinese headings.
_V1_CATEGORIES = dict(zip(("规划共绘", "交通共联", "市场共构", "产业共兴", "品牌共推", "环境共建",
                           "社会共享", "合作机制", "市长会议"), COOPERATION_CATEGORIES))


def upgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """A document of an older schema brought up to this one, in memory (the next write
    saves it so); a current or unreadable one is returned as it is.

    Schema 1 to 2: the plan's categories become codes (交通共联 → transport); a project's or
    milestone's `requirement` (words from the news) becomes its `deadline`, since
    `requirement` now holds only the plan's own 进度要求; the sources its facts cite join
    its sources; and an item no report gave a percentage loses its `progress = 0` (nobody
    reported is not 0% done).
    """
    if doc.get("schema") != 1 or not isinstance(doc.get("items"), list):
        return doc
    items = []
    for item in doc["items"]:
        if isinstance(item, dict):
            item = dict(item)
            if item.get("kind") == "cooperation" and item.get("category") in _V1_CATEGORIES:
                item["category"] = _V1_CATEGORIES[item["category"]]
            if item.get("kind") != "cooperation" and "requirement" in item:
                item["deadline"] = item.pop("requirement")
            facts = item.get("facts") if isinstance(item.get("facts"), list) else []
            cited = [f["source"] for f in facts if isinstance(f, dict)
                     and isinstance(f.get("source"), str)]
            if isinstance(item.get("sources"), list) and cited:
                item["sources"] = list(dict.fromkeys([*item["sources"], *cited]))
            history = item.get("history") if isinstance(item.get("history"), list) else []
            if item.get("progress") == 0 and not any(
                    isinstance(r, dict) and r.get("progress") is not None for r in history):
                del item["progress"]
        items.append(item)
    return {**doc, "schema": SCHEMA_VERSION, "items": items}


def registry_from_document(doc: dict[str, Any]) -> Registry:
    """Typed objects from a validated document."""
    sources = {key: Source.from_table(key, s) for key, s in doc.get("sources", {}).items()}
    passages = {key: Passage(id=key, **{f.name: p[f.key] for f in specs(Passage)})
                for key, p in doc.get("passages", {}).items()}
    shared: dict[Any, Any] = {}
    items = [record_from_table(Item, t, shared) for t in doc.get("items", [])]
    return Registry(sources=sources, items=items, schema=doc["schema"], passages=passages)


def record_from_table(cls: type[R], table: dict[str, Any],
                      shared: dict[Any, Any] | None = None) -> R:
    """A record (an Item, Report, Fact …) from its validated table, as its fields declare.

    With `shared`, equal texts and dates become one object across the records made with
    the same dict: a unit's name or a date repeated over 10,000 items is kept once, in
    memory and in the parse cache (whose entry shrinks from 9.0 to 5.5 MB and loads a
    quarter faster). Both are immutable, so sharing them changes nothing else."""
    shared = {} if shared is None else shared
    values: dict[str, Any] = {}
    for f in specs(cls):
        if f.key not in table:
            continue
        raw = table[f.key]
        kind = f.spec.type
        if kind == "records":
            values[f.name] = tuple(record_from_table(f.spec.record, entry, shared)
                                   for entry in raw)
        elif kind == "record":
            values[f.name] = record_from_table(f.spec.record, raw, shared)
        elif isinstance(raw, list):
            values[f.name] = tuple(_shared(shared, v) for v in raw)
        else:
            values[f.name] = _shared(shared, raw)
    return cls(**values)


def _shared(shared: dict[Any, Any], value: Any) -> Any:
    """The one object kept for `value` if it is a text or a date (see record_from_table)."""
    if type(value) is str or type(value) is dt.date:
        return shared.setdefault(value, value)
    return value


def record_to_table(record: Any) -> dict[str, Any]:
    """The canonical TOML table of a record: declared order, empty values left out."""
    pairs = []
    for f in specs(type(record)):
        value = getattr(record, f.name)
        if f.spec.type == "records":
            value = [record_to_table(entry) for entry in value]
        elif f.spec.type == "record" and value is not None:
            value = record_to_table(value)
        elif type(value) is tuple:
            value = list(value)
        pairs.append((f.key, value))
    return _compact(pairs)


def table_from_json(cls: type, obj: dict[str, Any]) -> dict[str, Any]:
    """The TOML-shaped table of a JSON object of a record, for the validator to check.

    ISO dates become dates; keys the record does not declare (the derived fields of
    circletrack's JSON, such as overdue or updated) are dropped; nulls are left out.
    Anything of the wrong shape is kept as it is, so the validator names it.
    """
    table: dict[str, Any] = {}
    for f in specs(cls):
        value = obj.get(f.key)
        if value is None:
            continue
        kind = f.spec.type
        if kind == "date" and isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                pass
        elif kind == "records" and isinstance(value, list):
            value = [table_from_json(f.spec.record, e) if isinstance(e, dict) else e
                     for e in value]
        elif kind == "record" and isinstance(value, dict):
            value = table_from_json(f.spec.record, value)
        table[f.key] = value
    return table


def _compact(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A table from (key, value) pairs in order, leaving out None, "" and empty lists."""
    return {k: v for k, v in pairs if v is not None and v != [] and v != ""}


def source_to_table(source: Source) -> dict[str, Any]:
    """The canonical TOML table of a source, as model.Source declares it (a form's keys
    after the others)."""
    return record_to_table(source)


def item_to_table(item: Item) -> dict[str, Any]:
    """The canonical TOML table of one item."""
    return record_to_table(item)


def registry_to_document(registry: Registry) -> dict[str, Any]:
    """The canonical document: schema, sources and passages (sorted by id), then items in
    file order."""
    sources = {key: source_to_table(s) for key, s in sorted(registry.sources.items())}
    document: dict[str, Any] = {"schema": registry.schema, "sources": sources}
    if registry.passages:
        document["passages"] = {
            key: {f.key: getattr(p, f.name) for f in specs(Passage)}
            for key, p in sorted(registry.passages.items())}
    document["items"] = [item_to_table(i) for i in registry.items]
    return document


def document_bytes(document: dict[str, Any], before: dict[str, Any] | None = None,
                   old: bytes | None = None) -> bytes:
    """A document serialised as tomli-w writes it, in UTF-8.

    Given the `before` document and its canonical bytes `old`, only the parts that changed
    are serialised again: tomli-w writes a registry as its head (schema and sources), a
    blank line, then one `[[items]]` section per item separated by blank lines, and each
    section depends on its item alone. No value spans lines (strings are written on one
    line), so a line reading `[[items]]` always starts a section. The result is the same
    bytes as serialising the whole document (a test compares them); for 10,000 items it
    takes milliseconds instead of more than a second.
    """
    if before is None or old is None or not document.get("items") or not before.get("items"):
        return tomli_w.dumps(document).encode("utf-8")
    text = old.decode("utf-8")
    parts = text.split(_SECTION)
    if len(parts) != len(before["items"]) + 1:
        return tomli_w.dumps(document).encode("utf-8")
    head_of = {k: v for k, v in document.items() if k != "items"}
    head = parts[0] if head_of == {k: v for k, v in before.items() if k != "items"} \
        else tomli_w.dumps(head_of)
    anchor = section_anchor(document["items"])
    if anchor is None:
        return tomli_w.dumps(document).encode("utf-8")
    old_sections = {table["id"]: (table, "[[items]]\n" + body)
                    for table, body in zip(before["items"], parts[1:])}
    sections = []
    for table in document["items"]:
        known = old_sections.get(table.get("id"))
        sections.append(known[1] if known is not None and known[0] == table
                        else table_section(table, anchor))
    return (head + "\n" + "\n".join(sections)).encode("utf-8")


def parse_section(section: str) -> dict[str, Any] | None:
    """The item table of one `[[items]]` section cut from a registry (see sections.cut),
    or None when it is not exactly one item table (it fails to parse, or holds another
    table too)."""
    try:
        document = tomllib.loads(section)
    except (ValueError, RecursionError):
        return None
    items = document.get("items")
    if set(document) != {"items"} or not isinstance(items, list) or len(items) != 1:
        return None
    return items[0] if isinstance(items[0], dict) else None


def table_section(table: dict[str, Any], anchor: dict[str, Any]) -> str:
    """The `[[items]]` section tomli-w writes for one item table (`anchor`: a table it
    writes as a section, see `section_anchor`), exactly as in a whole registry."""
    return tomli_w.dumps({"items": [table, anchor]}).split(_SECTION)[0]


def section_anchor(tables: list[dict[str, Any]], tries: int = 8) -> dict[str, Any] | None:
    """An item table tomli-w will not write inline, or None.

    tomli-w writes the array of items as `[[items]]` sections only when at least one item
    is too long to be an inline table; otherwise the whole array is inline. With one such
    item known, any other item is written as its section by dumping the two together.
    """
    candidates = (t for t in tables if t.get("history") or t.get("facts") or t.get("target"))
    for table in itertools.islice(candidates, tries):
        if tomli_w.dumps({"items": [table]}).startswith("[[items]]"):
            return table
    return None


def blocks(registry: Registry) -> list[tuple[tuple[str, str], str]] | None:
    """The canonical text of a registry cut into its tables, each with its key: ("top",
    first line) for the schema line, ("source", id), ("passage", id), ("item", id). The
    texts joined with blank lines (`"\\n".join`) are the canonical text. None when tomli-w
    wrote the items as one inline array (no item is long enough for a section of its own).
    """
    text = dumps(registry).decode("utf-8")
    head, *bodies = text.split(_SECTION)
    if len(bodies) != len(registry.items):
        return None
    found: list[tuple[tuple[str, str], str]] = []
    for block in head.split("\n\n"):
        first = block.split("\n", 1)[0]
        table = _TABLE.match(first)
        key = (("source" if table.group(1) == "sources" else "passage", table.group(2))
               if table else ("top", first))
        found.append((key, block.rstrip("\n") + "\n"))
    found += [(("item", item.id), "[[items]]\n" + body)
              for item, body in zip(registry.items, bodies)]
    return found


def dumps(registry: Registry) -> bytes:
    """The canonical UTF-8 bytes of a registry."""
    return document_bytes(registry_to_document(registry))
