"""Check a parsed registry document against the schema and report every problem at once."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..base.cells import CONTROL_OR_SURROGATE, control_character, undecodable
from ..base.errors import Problem
from ..base.i18n import N_, _
from ..model.records import (
    CATEGORIES_BY_KIND,
    CLOSED_STATUSES,
    DUE_KINDS,
    FACT_KEYS,
    FIRST_DATE,
    KINDS,
    LAST_DATE,
    MAX_ID,
    MAX_INT,
    MAX_LINES,
    MAX_TEXT,
    SCHEMA_VERSION,
    STATUSES,
    TARGET_OPS,
    FieldSpec,
    Item,
    Passage,
    Source,
    implied_state,
    specs,
)

#: Ids of items, sources and passages: at most MAX_ID characters, so an id fits a table
#: column and a command line.
ID_PATTERN = re.compile(rf"^[a-z0-9][a-z0-9-]{{0,{MAX_ID - 1}}}$")
SOURCE_ID_PATTERN = ID_PATTERN

TOP_KEYS = {"schema", "sources", "passages", "items"}
#: The keys of a source that is a form the office sent a unit (see model.Source).
FORM_KEYS = {"unit", "items", "returned", "rows"}
#: The keys of every source, and of a passage, as model.Source and model.Passage declare them.
SOURCE_KEYS = {f.key for f in specs(Source)} - FORM_KEYS
PASSAGE_KEYS = {f.key for f in specs(Passage)}
#: The texts of a source (its form's unit aside), those it must have, and a passage's.
_SOURCE_TEXTS = tuple(f.key for f in specs(Source)
                      if f.spec.type == "text" and f.key not in FORM_KEYS)
_SOURCE_REQUIRED = tuple(f.key for f in specs(Source) if f.key in _SOURCE_TEXTS
                         and f.spec.required)
_PASSAGE_TEXTS = tuple(f.key for f in specs(Passage) if f.spec.type == "text")
#: The arrays of nested tables inside an item, whose entries the line index finds.
ITEM_ARRAYS: tuple[str, ...] = tuple(f.key for f in specs(Item) if f.spec.type == "records")


class LineIndex:
    """Finds the line of a key in the TOML text, for items and their sub-entries.

    It understands the layout tomli-w writes (and hand-written `[[items.history]]` tables);
    where it cannot place a key it falls back to the enclosing item's line.
    """

    _header = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?\s*(#.*)?$")
    _key = re.compile(r'^\s*"?([A-Za-z0-9_\-]+)"?\s*=')

    def __init__(self, text: str | None) -> None:
        self.sources: dict[str, int] = {}
        self.source_keys: dict[tuple[str, str], int] = {}
        self.passages: dict[str, int] = {}
        self.items: list[int] = []
        self.item_keys: list[dict[str, int]] = []
        self.entries: list[dict[str, list[int]]] = []
        self._top_keys: dict[str, int] = {}
        self._text = text

    def _ensure_scanned(self) -> None:
        # Scanning a large file costs more than validating it, and lines are only needed
        # for problems: scan on the first lookup.
        if self._text is not None:
            text, self._text = self._text, None
            self._scan(text.splitlines())

    @property
    def top_keys(self) -> dict[str, int]:
        """Line of each top-level key."""
        self._ensure_scanned()
        return self._top_keys

    def _scan(self, lines: list[str]) -> None:
        table: str | None = None
        open_array: str | None = None
        for number, line in enumerate(lines, start=1):
            stripped = line.strip()
            if open_array is not None:
                if stripped.startswith("{") and self.items:
                    self.entries[-1].setdefault(open_array, []).append(number)
                if stripped.startswith("]"):
                    open_array = None
                continue
            header = self._header.match(line)
            if header and stripped.startswith("["):
                table = header.group(1)
                if stripped.startswith("[[") and table == "items":
                    self.items.append(number)
                    self.item_keys.append({})
                    self.entries.append({})
                elif stripped.startswith("[[items.") and self.items:
                    sub = table.split(".", 1)[1]
                    self.entries[-1].setdefault(sub, []).append(number)
                elif table.startswith("sources."):
                    self.sources[table.split(".", 1)[1].strip('"')] = number
                elif table.startswith("passages."):
                    self.passages[table.split(".", 1)[1].strip('"')] = number
                continue
            key = self._key.match(line)
            if not key:
                continue
            name = key.group(1)
            if table is None:
                self._top_keys.setdefault(name, number)
            elif table == "items" and self.items:
                self.item_keys[-1].setdefault(name, number)
                if stripped.endswith("[") and name in ITEM_ARRAYS:
                    open_array = name
            elif table.startswith("sources."):
                self.source_keys.setdefault((table.split(".", 1)[1].strip('"'), name), number)
            elif table == "items.target" and self.items:
                self.item_keys[-1].setdefault("target." + name, number)

    def item(self, index: int, key: str | None = None) -> int | None:
        """Line of item `index`'s key (or of the item itself)."""
        self._ensure_scanned()
        if index >= len(self.items):
            return None
        if key is not None and key in self.item_keys[index]:
            return self.item_keys[index][key]
        return self.items[index]

    def entry(self, index: int, array: str, position: int) -> int | None:
        """Line of entry `position` of an item's `facts`, `history` or `due_changes`."""
        self._ensure_scanned()
        if index < len(self.entries):
            lines = self.entries[index].get(array, [])
            if position < len(lines):
                return lines[position]
        return self.item(index, array)

    def passage(self, passage_id: str) -> int | None:
        """Line of a passage table."""
        self._ensure_scanned()
        return self.passages.get(passage_id)

    def source(self, source_id: str, key: str | None = None) -> int | None:
        """Line of a source table or one of its keys."""
        self._ensure_scanned()
        if key is not None and (source_id, key) in self.source_keys:
            return self.source_keys[(source_id, key)]
        return self.sources.get(source_id)


def _is_date(value: Any) -> bool:
    return type(value) is dt.date and FIRST_DATE <= value <= LAST_DATE


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT


def _is_number(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return _is_int(value)


def not_utf8(code: str) -> str:
    """What is wrong with a text holding `code` (see cells.undecodable), in words."""
    return _("is not valid UTF-8 text (it holds {code}); type it again in a UTF-8 terminal "
             "or file").format(code=code)


def _text_problem(value: str) -> str | None:
    """Why a text cannot be held (too long, a control character), or None."""
    if CONTROL_OR_SURROGATE.search(value):
        control = control_character(value)
        if control is not None:
            return _("holds the control character {code}, which a terminal would act on; "
                     "remove it").format(code=control)
        return not_utf8(undecodable(value) or "")
    if len(value) > MAX_TEXT:
        return _("is {length} characters long; a field holds at most {limit}").format(
            length=len(value), limit=MAX_TEXT)
    if value.count("\n") >= MAX_LINES:
        return _("has {count} lines; a field holds at most {limit}").format(
            count=value.count("\n") + 1, limit=MAX_LINES)
    return None


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


#: A line number, or a function that finds it when a problem needs it.
Line = int | None | Callable[[], int | None]


class _Checker:
    """Collects problems while walking one document."""

    def __init__(self, lines: LineIndex) -> None:
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, message: str, line: Line, item_id: str | None = None,
            field: str | None = None) -> None:
        """Record a problem; `line` may be a function, called only now, to find it."""
        found = line() if callable(line) else line
        self.problems.append(Problem(message, found, item_id, field))

    def unknown_keys(self, table: dict[str, Any], allowed: set[str],
                     where: Callable[[str], int | None], item_id: str | None,
                     prefix: str = "") -> None:
        for key in sorted(set(table) - allowed):
            self.add(_("unknown key {key!r}").format(key=key), where(key), item_id, prefix + key)


def validate_document(doc: dict[str, Any], text: str | None = None) -> list[Problem]:
    """Every problem in a parsed registry document; an empty list means it is valid."""
    lines = LineIndex(text)
    check = _Checker(lines)
    check.unknown_keys(doc, TOP_KEYS, lambda key: lines.top_keys.get(key), None)
    schema = doc.get("schema")
    if schema != SCHEMA_VERSION:
        check.add(_("schema must be {version}, found {value}").format(
                      version=SCHEMA_VERSION, value=_describe(schema)),
                  lines.top_keys.get("schema"), None, "schema")
    sources = doc.get("sources", {})
    if not isinstance(sources, dict):
        check.add(_("sources must be a table of source tables"), lines.top_keys.get("sources"))
        sources = {}
    for source_id, source in sources.items():
        _check_source(check, source_id, source)
    passages = doc.get("passages", {})
    if not isinstance(passages, dict):
        check.add(_("passages must be a table of passage tables"),
                  lines.top_keys.get("passages"))
        passages = {}
    for passage_id, passage in passages.items():
        _check_passage(check, passage_id, passage, set(sources))
    items = doc.get("items", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        check.add(_("items must be an array of tables ([[items]])"),
                  lines.top_keys.get("items"))
        return check.problems
    ids: dict[str, int] = {}
    for index, item in enumerate(items):
        item_id = item.get("id")
        if isinstance(item_id, str):
            if item_id in ids:
                check.add(_("duplicate id (first at item {number})").format(
                              number=ids[item_id] + 1),
                          lines.item(index, "id"), item_id, "id")
            else:
                ids[item_id] = index
    for source_id, source in sources.items():
        if isinstance(source, dict) and FORM_KEYS & set(source):
            _check_form(check, source_id, source, set(ids))
    known = Known.of(sources, passages, items)
    for index, item in enumerate(items):
        _check_item(check, index, item, known)
    _check_link_cycles(check, items)
    return check.problems


@dataclass(frozen=True)
class Known:
    """What the items of a registry may refer to: its sources and passages (with the
    source each passage is from), its items and their due dates."""

    source_ids: frozenset[str]
    passage_sources: dict[str, Any]
    item_ids: frozenset[str]
    dues: dict[str, Any]

    @classmethod
    def of(cls, sources: dict[str, Any], passages: dict[str, Any],
           items: list[dict[str, Any]]) -> Known:
        """The known ids of a parsed document's sources, passages and items."""
        return cls(frozenset(sources),
                   {k: v.get("source") if isinstance(v, dict) else None
                    for k, v in passages.items()},
                   frozenset(i["id"] for i in items if isinstance(i.get("id"), str)),
                   {i["id"]: i.get("due") for i in items if isinstance(i.get("id"), str)})


def _check_passage(check: _Checker, passage_id: str, passage: Any, source_ids: set[str]) -> None:
    where = _("passage {id}").format(id=passage_id)
    line = check.lines.passage(passage_id)
    if not SOURCE_ID_PATTERN.match(passage_id):
        check.add(_("passage id must be at most 64 lowercase ASCII letters, digits and hyphens"), line,
                  where)
    if not isinstance(passage, dict):
        check.add(_("must be a table"), line, where)
        return
    check.unknown_keys(passage, PASSAGE_KEYS, lambda _k: line, where)
    if passage.get("source") not in source_ids:
        check.add(_("unknown or missing source {value}").format(
            value=_describe(passage.get("source"))), line, where, "source")
    for key in _PASSAGE_TEXTS:
        if not (isinstance(passage.get(key), str) and passage[key].strip()):
            check.add(_("is required and must be a non-empty string"), line, where, key)
        elif problem := _text_problem(passage[key]):
            check.add(problem, line, where, key)


def _check_link_cycles(check: _Checker, items: list[dict[str, Any]]) -> None:
    """An item may not derive its state, through tracks, starts or same_as, from itself."""
    graph: dict[str, list[str]] = {}
    for item in items:
        if isinstance(item.get("id"), str):
            links = [*_str_list(item.get("tracks")), *_str_list(item.get("starts"))]
            if isinstance(item.get("same_as"), str):
                links.append(item["same_as"])
            graph[item["id"]] = links
    reported: set[str] = set()
    for start in graph:
        path = _cycle_from(start, graph)
        if path and start not in reported:
            reported.update(path)
            index = next(i for i, item in enumerate(items) if item.get("id") == start)
            _cycle_problem(check, path, index)


def _cycle_problem(check: _Checker, path: list[str], index: int) -> None:
    check.add(_("derives its state from itself: {path}").format(
        path=" → ".join([*path, path[0]])), check.lines.item(index, "tracks"), path[0],
        "tracks")


def changed_items_problems(tables: dict[int, dict[str, Any]], known: Known,
                           links: dict[str, list[str]]) -> list[Problem]:
    """The problems a change brought into a valid registry, when the change touched only
    the items in `tables` (each by its index in the file) and left every other item, the
    sources and the passages as they were: each table checked in full against what the
    registry holds (`known`), and the state links (`links`: every item's tracks, starts
    and same_as) checked for a cycle through a changed item. `tables` must also hold the
    items whose rules read a changed item (those that are the same event as one)."""
    check = _Checker(LineIndex(None))
    for index, table in sorted(tables.items()):
        _check_item(check, index, table, known)
    reported: set[str] = set()
    for index, table in sorted(tables.items()):
        start = table.get("id")
        path = _cycle_from(start, links) if isinstance(start, str) else []
        if path and start not in reported:
            reported.update(path)
            _cycle_problem(check, path, index)
    return check.problems


def _cycle_from(start: str, graph: dict[str, list[str]]) -> list[str]:
    """The ids of a cycle through `start` (start first), or [] when there is none."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for other in graph.get(node, []):
            if other == start:
                return path
            if other not in seen and other in graph:
                seen.add(other)
                stack.append((other, [*path, other]))
    return []


def _str_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def item_problems(table: dict[str, Any], index: int, known: Known) -> list[Problem]:
    """Every problem of one item table from outside the registry file (an import), checked
    against what the registry (and the file) hold that it may refer to."""
    check = _Checker(LineIndex(None))
    _check_item(check, index, table, known)
    return check.problems


def _check_source(check: _Checker, source_id: str, source: Any) -> None:
    lines = check.lines
    where = _("source {id}").format(id=source_id)
    if not SOURCE_ID_PATTERN.match(source_id):
        check.add(_("source id must be at most 64 lowercase ASCII letters, digits and hyphens"),
                  lines.source(source_id), where)
    if not isinstance(source, dict):
        check.add(_("must be a table"), lines.source(source_id), where)
        return
    check.unknown_keys(source, SOURCE_KEYS | FORM_KEYS, lambda k: lines.source(source_id, k),
                       where)
    for key in _SOURCE_REQUIRED:
        if not (isinstance(source.get(key), str) and source[key].strip()):
            check.add(_("is required and must be a non-empty string"),
                      lines.source(source_id, key), where, key)
    if not _is_date(source.get("date")):
        check.add(_("is required and must be a date (YYYY-MM-DD)"),
                  lines.source(source_id, "date"), where, "date")
    for key in (k for k in _SOURCE_TEXTS if k not in _SOURCE_REQUIRED):
        if key in source and not isinstance(source[key], str):
            check.add(_("must be a string"), lines.source(source_id, key), where, key)
    for key in _SOURCE_TEXTS:
        if isinstance(source.get(key), str) and (problem := _text_problem(source[key])):
            check.add(problem, lines.source(source_id, key), where, key)


def _check_form(check: _Checker, source_id: str, source: dict[str, Any],
                item_ids: set[str]) -> None:
    """A form's keys: the unit it went to, the items it carried (items of the registry),
    and, once it came back, the day it did (not before it was written) and the rows the
    unit filled (a whole number, 0 or more)."""
    lines = check.lines
    where = _("source {id}").format(id=source_id)
    unit = source.get("unit")
    if not (isinstance(unit, str) and unit.strip()):
        check.add(_("a form must name its unit: a non-empty string"),
                  lines.source(source_id, "unit"), where, "unit")
    elif problem := _text_problem(unit):
        check.add(problem, lines.source(source_id, "unit"), where, "unit")
    carried = source.get("items", [])
    if not isinstance(carried, list) or not all(isinstance(i, str) for i in carried):
        check.add(_("must be a list of item ids"), lines.source(source_id, "items"), where,
                  "items")
    else:
        for item_id in carried:
            if item_id not in item_ids:
                check.add(_("unknown item {value}").format(value=_describe(item_id)),
                          lines.source(source_id, "items"), where, "items")
    returned = source.get("returned")
    if "returned" in source and not _is_date(returned):
        check.add(_("must be a date (YYYY-MM-DD)"), lines.source(source_id, "returned"),
                  where, "returned")
    elif _is_date(returned) and _is_date(source.get("date")) and returned < source["date"]:
        check.add(_("a form cannot come back ({returned}) before it was written ({date})")
                  .format(returned=returned, date=source["date"]),
                  lines.source(source_id, "returned"), where, "returned")
    rows = source.get("rows")
    if "rows" in source and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 0):
        check.add(_("must be a whole number, 0 or more"), lines.source(source_id, "rows"),
                  where, "rows")
    elif "rows" in source and "returned" not in source:
        check.add(_("a form's rows are counted when it comes back: give returned too"),
                  lines.source(source_id, "rows"), where, "rows")


#: What the choice types may hold; the category's choices depend on the item's kind.
_CHOICES: dict[str, tuple[str, ...]] = {"kind": KINDS, "status": STATUSES,
                                        "fact_key": FACT_KEYS, "op": TARGET_OPS,
                                        "due_kind": DUE_KINDS}
_UNKNOWN_CHOICE: dict[str, str] = {
    "kind": N_("unknown kind {value}; expected one of {choices}"),
    "status": N_("unknown status {value}; expected one of {choices}"),
    "due_kind": N_("unknown due kind {value}; expected one of {choices}"),
    "fact_key": N_("unknown fact key {value}; expected one of {choices}"),
    "op": N_("must be one of {choices}"),
}
_REQUIRED: dict[str, str] = {
    "text": N_("is required and must be a non-empty string"),
    "id": N_("is required and must be a string"),
    "date": N_("is required and must be a date (YYYY-MM-DD)"),
    "number": N_("is required and must be a number"),
    "year": N_("is required and must be a year"),
}


@dataclass(frozen=True)
class _Context:
    """What a field's check needs besides its value: the item's kind and id, what is known."""

    kind: Any
    item_id: Any
    known: Known


def report_problems(report: dict[str, Any], created: Any, item_id: str,
                    ) -> list[tuple[str, str]]:
    """What is wrong with one report beyond its fields' own types, as (field, problem):
    the rules every way a report comes in is held to (mark, intake, import, merge and a
    hand-edited file), in the same words. The date's upper bound (not in the future) needs
    a clock: the commands that take reports in check it (writes.check_report_date)."""
    found = []
    status, progress, day = report.get("status"), report.get("progress"), report.get("date")
    if status == "done" and progress is None:
        found.append(("progress", _("a report of done must give progress = 100")))
    elif status == "done" and _is_int(progress) and progress != 100:
        found.append(("progress", _("a report of done must be at 100%, found {progress}%")
                      .format(progress=progress)))
    elif status in STATUSES and status not in CLOSED_STATUSES and progress == 100:
        found.append(("progress", _("progress 100 means done; a report of {status} gives "
                                    "less").format(status=status)))
    if not any(report.get(key) is not None for key in ("status", "progress", "note", "value")):
        found.append(("note", _("a report must give a status, a progress, a note or a value")))
    if _is_date(day) and _is_date(created) and day < created:
        found.append(("date", _("{date} is before {id} was recorded ({created})").format(
            date=day, id=item_id, created=created)))
    return found


def _value_problems(f: FieldSpec, value: Any, context: _Context) -> list[str]:
    """What is wrong with a present value of a declared field (empty when it is fine)."""
    kind, declared = f.spec.type, f.spec
    invalid = _(declared.invalid) if declared.invalid else None
    if kind == "text":
        if declared.required and not (isinstance(value, str) and value.strip()):
            return [_(declared.missing) if declared.missing else _(_REQUIRED["text"])]
        if not isinstance(value, str):
            return [_("must be a string")]
        problem = _text_problem(value)
        return [problem] if problem else []
    if kind == "id":
        if not isinstance(value, str):
            return [_(_REQUIRED["id"])]
        return [] if ID_PATTERN.match(value) else [
            _("must be at most 64 lowercase ASCII letters, digits and hyphens, e.g. coop-01")]
    if kind == "date":
        if type(value) is dt.date and not _is_date(value):
            return [_("{date} is outside the dates a registry holds ({first} to {last})")
                    .format(date=value, first=FIRST_DATE, last=LAST_DATE)]
        return [] if _is_date(value) else [
            (invalid or _("is not a date: {value}")).format(value=_describe(value))]
    if kind == "year":
        return [] if _is_int(value) and FIRST_DATE.year <= value <= LAST_DATE.year else [
            _("must be a year")]
    if kind == "number":
        return [] if _is_number(value) else [_("must be a finite number")]
    if kind == "percent":
        return [] if _is_int(value) and 0 <= value <= 100 else [
            _("must be a whole number from 0 to 100, found {value}").format(
                value=_describe(value))]
    if kind in _CHOICES:
        return [] if value in _CHOICES[kind] else [_(_UNKNOWN_CHOICE[kind]).format(
            value=_describe(value), choices=", ".join(_CHOICES[kind]) if kind != "op"
            else " ".join(_CHOICES[kind]))]
    if kind == "category":
        allowed = CATEGORIES_BY_KIND.get(context.kind) if isinstance(context.kind, str) else None
        if not isinstance(value, str):
            return [_("must be a string")]
        if allowed is not None and value not in allowed:
            return [_("unknown category {value!r} for kind {kind}; expected one of "
                      "{choices}").format(value=value, kind=context.kind,
                                          choices=", ".join(allowed))]
        return []
    if kind == "source":
        return [] if value in context.known.source_ids else [
            _("unknown or missing source {value}").format(value=_describe(value))]
    if kind == "passage":
        return [] if value in context.known.passage_sources else [
            _("unknown passage {value}").format(value=_describe(value))]
    if kind == "item":
        if not isinstance(value, str) or value not in context.known.item_ids:
            return [_("unknown item {value}").format(value=_describe(value))]
        return [_("an item cannot refer to itself")] if value == context.item_id else []
    if kind in ("texts", "sources", "items"):
        if not _is_str_list(value):
            return [_("must be a list of non-empty strings")]
        too_long = next((p for v in value if (p := _text_problem(v))), None)
        if too_long or len(value) > MAX_LINES:
            return [too_long or _("has {count} entries; a list holds at most {limit}").format(
                count=len(value), limit=MAX_LINES)]
        if kind == "sources":
            return [_("unknown source {id!r}").format(id=v) for v in value
                    if v not in context.known.source_ids]
        if kind == "items":
            return [_("unknown item {id!r}").format(id=v) if v not in context.known.item_ids
                    else _("an item cannot refer to itself") for v in value
                    if v not in context.known.item_ids or v == context.item_id]
        return []
    raise AssertionError(f"no check for value type {kind!r}")  # pragma: no cover


def _missing_problem(f: FieldSpec) -> str | None:
    """The problem of a declared field left out, or None when it may be."""
    if f.spec.missing:
        return _(f.spec.missing)
    if not f.spec.required:
        return None
    if f.spec.type in _CHOICES:
        return _(_UNKNOWN_CHOICE[f.spec.type]).format(
            value=_describe(None), choices=", ".join(_CHOICES[f.spec.type]))
    if f.spec.type == "source":
        return _("unknown or missing source {value}").format(value=_describe(None))
    return _(_REQUIRED[f.spec.type])


def _check_fields(check: _Checker, cls: type, table: dict[str, Any], item_id: str,
                  prefix: str, line: Callable[[str], Line], context: _Context) -> None:
    """Check a table's keys and the values of its declared fields (nested ones included)."""
    declared = specs(cls)
    check.unknown_keys(table, {f.key for f in declared}, line, item_id, prefix)
    for f in declared:
        where = prefix + f.key
        if f.key not in table:
            problem = _missing_problem(f)
            if problem is not None:
                check.add(problem, line(f.key), item_id, where)
            continue
        value = table[f.key]
        if f.spec.type == "record":
            if not isinstance(value, dict):
                check.add(_("must be a table"), line(f.key), item_id, where)
            else:
                _check_fields(check, f.spec.record, value, item_id, where + ".",
                              lambda key, f=f: line(f"{f.key}.{key}"), context)
        elif f.spec.type == "records":
            if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
                check.add(_("must be an array of tables"), line(f.key), item_id, where)
                continue
            for position, entry in enumerate(value):
                _check_fields(check, f.spec.record, entry, item_id,
                              f"{where}[{position + 1}].",
                              lambda _key, f=f, n=position: line(f"{f.key}[{n}]"), context)
        else:
            for problem in _value_problems(f, value, context):
                check.add(problem, line(f.key), item_id, where)


def _check_item(check: _Checker, index: int, item: dict[str, Any], known: Known) -> None:
    lines = check.lines
    raw_id = item.get("id")
    item_id = raw_id if isinstance(raw_id, str) else _("item {number}").format(number=index + 1)

    def line(key: str) -> Line:
        array, _sep, position = key.partition("[")
        if position:
            return functools.partial(lines.entry, index, array, int(position.rstrip("]")))
        return functools.partial(lines.item, index, key)

    kind = item.get("kind")
    _check_fields(check, Item, item, item_id, "", line, _Context(kind, raw_id, known))
    status, progress = item.get("status", "planned"), item.get("progress")
    if status == "done" and _is_int(progress) and 0 <= progress <= 100 and progress != 100:
        check.add(_("an item that is done must be at 100%, found {progress}%").format(
            progress=progress), line("status"), item_id, "status")
    if "target" in item and kind != "milestone":
        check.add(_("only milestones carry a target"), line("target"), item_id, "target")
    if "requirement" in item and kind != "cooperation":
        check.add(_("requirement holds the 2011 plan's own 进度要求, so only cooperation items "
                    "carry it; put a deadline from another source in deadline and "
                    "deadline_source"), line("requirement"), item_id, "requirement")
    if status in STATUSES and status not in CLOSED_STATUSES and progress == 100:
        check.add(_("is {status!r} at 100%: progress 100 means done").format(status=status),
                  line("status"), item_id, "status")
    history = item.get("history") if isinstance(item.get("history"), list) else []
    for position, report in enumerate(history):
        if isinstance(report, dict):
            for where, problem in report_problems(report, item.get("created"), item_id):
                check.add(problem, line(f"history[{position}]"), item_id,
                          f"history[{position + 1}].{where}")
    _check_sources_cited(check, item, item_id, line, known)
    same_as = item.get("same_as")
    if isinstance(same_as, str) and same_as in known.item_ids:
        if history:
            check.add(_("records the same event as {other}, so its reports go there; it "
                        "holds none of its own").format(other=same_as), line("history"),
                      item_id, "history")
        other_due = known.dues.get(same_as)
        if "due" in item and item["due"] != other_due:
            check.add(_("is {due} but {other}, the same event, is due {other_due}").format(
                due=item["due"], other=same_as, other_due=other_due or _("never")),
                line("due"), item_id, "due")
    _check_current_state(check, item_id, item, lambda key: lines.item(index, key),
                         status, progress)


def _check_sources_cited(check: _Checker, item: dict[str, Any], item_id: str,
                         line: Callable[[str], Line], known: Known) -> None:
    """Every source a fact, a deadline or a quoted passage rests on is among the item's
    sources, so the item's list of sources is the whole of its evidence."""
    listed = item.get("sources") if _is_str_list(item.get("sources")) else []
    cited: list[tuple[str, str, Any]] = []
    if isinstance(item.get("deadline_source"), str):
        cited.append(("deadline_source", "deadline_source", item["deadline_source"]))
    for array, key in (("facts", "source"), ("history", "passage")):
        entries = item.get(array) if isinstance(item.get(array), list) else []
        for position, entry in enumerate(entries):
            if isinstance(entry, dict) and isinstance(entry.get(key), str):
                source = (entry[key] if key == "source"
                          else known.passage_sources.get(entry[key]))
                cited.append((f"{array}[{position}]", f"{array}[{position + 1}].{key}",
                              source))
    for where, field_name, source in cited:
        if isinstance(source, str) and source in known.source_ids and source not in listed:
            check.add(_("rests on source {source}, which is not among the item's sources")
                      .format(source=source), line(where), item_id, field_name)


def _check_current_state(check: _Checker, item_id: str, item: dict[str, Any],
                         at: Callable[[str], int | None], status: Any, progress: Any) -> None:
    history = item.get("history", [])
    if not isinstance(history, list):
        return
    valid = [r for r in history if isinstance(r, dict) and _is_date(r.get("date"))
             and r.get("status", None) in (*STATUSES, None)]
    if len(valid) != len(history):
        return
    expected_status, expected_progress = implied_state(
        [(r["date"], r.get("status"), r["progress"] if _is_int(r.get("progress")) else None)
         for r in valid])
    if status != expected_status:
        latest = max((r["date"] for r in valid), default=None)
        message = (_("is {status!r} but the latest report ({date}) says {expected!r}")
                   if latest else _("is {status!r} but no report says so (an item with no "
                                    "report is {expected!r})"))
        check.add(message.format(status=status, date=latest, expected=expected_status),
                  at("status"), item_id, "status")
    if progress is None and expected_progress is not None:
        check.add(_("is missing but the latest reported progress is {expected}").format(
                      expected=expected_progress), at("progress"), item_id, "progress")
    elif (_is_int(progress) and 0 <= progress <= 100 and progress != expected_progress):
        message = (_("is {progress} but the latest reported progress is {expected}")
                   if expected_progress is not None else
                   _("is {progress} but no report gives a progress (leave it out: nobody "
                     "reported is not 0% done)"))
        check.add(message.format(progress=progress, expected=expected_progress),
                  at("progress"), item_id, "progress")
