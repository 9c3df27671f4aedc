"""Check a parsed registry document against the schema and report every problem at once."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

from .errors import Problem
from .i18n import _
from .model import (
    CATEGORIES_BY_KIND,
    FACT_KEYS,
    KINDS,
    SCHEMA_VERSION,
    STATUSES,
    TARGET_OPS,
    implied_state,
)

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SOURCE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")

TOP_KEYS = {"schema", "sources", "items"}
SOURCE_KEYS = {"title", "publisher", "date", "file", "note"}
ITEM_KEYS = {
    "id", "kind", "title", "title_en", "category", "content", "lead", "support", "cities",
    "created", "due", "requirement", "reading", "status", "progress", "tags", "sources",
    "related", "original_due", "facts", "target", "history", "due_changes",
}
FACT_REQUIRED = {"key", "label", "value", "unit", "source"}
FACT_KEYS_ALLOWED = FACT_REQUIRED | {"area", "year", "note"}
TARGET_KEYS = {"value", "unit", "year", "op"}
REPORT_KEYS = {"date", "source", "status", "progress", "value", "note", "by"}
DUE_CHANGE_KEYS = {"from", "to", "date", "reason", "by"}


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
                continue
            key = self._key.match(line)
            if not key:
                continue
            name = key.group(1)
            if table is None:
                self._top_keys.setdefault(name, number)
            elif table == "items" and self.items:
                self.item_keys[-1].setdefault(name, number)
                if stripped.endswith("[") and name in ("facts", "history", "due_changes"):
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

    def source(self, source_id: str, key: str | None = None) -> int | None:
        """Line of a source table or one of its keys."""
        self._ensure_scanned()
        if key is not None and (source_id, key) in self.source_keys:
            return self.source_keys[(source_id, key)]
        return self.sources.get(source_id)


def _is_date(value: Any) -> bool:
    return type(value) is dt.date


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool))


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
    source_ids, item_ids = set(sources), set(ids)
    for index, item in enumerate(items):
        _check_item(check, index, item, source_ids, item_ids)
    return check.problems


def _check_source(check: _Checker, source_id: str, source: Any) -> None:
    lines = check.lines
    where = _("source {id}").format(id=source_id)
    if not SOURCE_ID_PATTERN.match(source_id):
        check.add(_("source id must be lowercase ASCII letters, digits and hyphens"),
                  lines.source(source_id), where)
    if not isinstance(source, dict):
        check.add(_("must be a table"), lines.source(source_id), where)
        return
    check.unknown_keys(source, SOURCE_KEYS, lambda k: lines.source(source_id, k), where)
    for key in ("title", "publisher"):
        if not (isinstance(source.get(key), str) and source[key].strip()):
            check.add(_("is required and must be a non-empty string"),
                      lines.source(source_id, key), where, key)
    if not _is_date(source.get("date")):
        check.add(_("is required and must be a date (YYYY-MM-DD)"),
                  lines.source(source_id, "date"), where, "date")
    for key in ("file", "note"):
        if key in source and not isinstance(source[key], str):
            check.add(_("must be a string"), lines.source(source_id, key), where, key)


def _check_item(check: _Checker, index: int, item: dict[str, Any], source_ids: set[str],
                item_ids: set[str]) -> None:
    lines = check.lines
    raw_id = item.get("id")
    item_id = raw_id if isinstance(raw_id, str) else _("item {number}").format(number=index + 1)

    def at(key: str) -> int | None:
        return lines.item(index, key)

    def bad(key: str, message: str) -> None:
        check.add(message, at(key), item_id, key)

    check.unknown_keys(item, ITEM_KEYS, at, item_id)
    if not isinstance(raw_id, str):
        bad("id", _("is required and must be a string"))
    elif not ID_PATTERN.match(raw_id):
        bad("id", _("must be lowercase ASCII letters, digits and hyphens, e.g. coop-01"))
    kind = item.get("kind")
    if kind not in KINDS:
        bad("kind", _("unknown kind {value}; expected one of {choices}").format(
            value=_describe(kind), choices=", ".join(KINDS)))
    if not (isinstance(item.get("title"), str) and item["title"].strip()):
        bad("title", _("is required and must be a non-empty string"))
    if not _is_date(item.get("created")):
        bad("created", _("is required and must be a date (YYYY-MM-DD)"))
    for key in ("title_en", "content", "requirement", "reading"):
        if key in item and not isinstance(item[key], str):
            bad(key, _("must be a string"))
    if "category" in item:
        category = item["category"]
        allowed = CATEGORIES_BY_KIND.get(kind) if isinstance(kind, str) else None
        if not isinstance(category, str):
            bad("category", _("must be a string"))
        elif allowed is not None and category not in allowed:
            bad("category", _("unknown category {value!r} for kind {kind}; expected one of "
                              "{choices}").format(value=category, kind=kind,
                                                  choices=", ".join(allowed)))
    for key in ("lead", "support", "cities", "tags", "sources", "related"):
        if key in item and not _is_str_list(item[key]):
            bad(key, _("must be a list of non-empty strings"))
    if _is_str_list(item.get("sources", [])):
        for source_id in item.get("sources", []):
            if source_id not in source_ids:
                bad("sources", _("unknown source {id!r}").format(id=source_id))
    if _is_str_list(item.get("related", [])):
        for other in item.get("related", []):
            if other not in item_ids:
                bad("related", _("unknown item {id!r}").format(id=other))
    for key in ("due", "original_due"):
        if key in item and not _is_date(item[key]):
            template = (_("due date is not a date: {value} (write YYYY-MM-DD)") if key == "due"
                        else _("is not a date: {value}"))
            bad(key, template.format(value=_describe(item[key])))
    status = item.get("status", "planned")
    if status not in STATUSES:
        bad("status", _("unknown status {value}; expected one of {choices}").format(
            value=_describe(status), choices=", ".join(STATUSES)))
    progress = item.get("progress", 0)
    progress_ok = _is_int(progress) and 0 <= progress <= 100
    if not progress_ok:
        bad("progress", _("must be a whole number from 0 to 100, found {value}").format(
            value=_describe(progress)))
    if status == "done" and progress_ok and progress != 100:
        bad("status", _("an item that is done must be at 100%, found {progress}%").format(
            progress=progress))
    if "target" in item:
        _check_target(check, index, item_id, kind, item["target"])
    for array, checker in (("facts", _check_fact), ("history", _check_report),
                           ("due_changes", _check_due_change)):
        entries = item.get(array, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            bad(array, _("must be an array of tables"))
            continue
        for position, entry in enumerate(entries):
            checker(check, functools.partial(lines.entry, index, array, position), item_id,
                    f"{array}[{position + 1}]", entry, source_ids)
    _check_current_state(check, item_id, item, at, status, progress)


def _check_current_state(check: _Checker, item_id: str, item: dict[str, Any],
                         at: Callable[[str], int | None], status: Any, progress: Any) -> None:
    history = item.get("history", [])
    if not isinstance(history, list) or not history:
        return
    valid = [r for r in history if isinstance(r, dict) and _is_date(r.get("date"))
             and r.get("status") in STATUSES]
    if len(valid) != len(history):
        return
    expected_status, expected_progress = implied_state(
        [(r["date"], r["status"], r["progress"] if _is_int(r.get("progress")) else None)
         for r in valid])
    if status != expected_status:
        check.add(_("is {status!r} but the latest report ({date}) says {expected!r}").format(
                      status=status, date=max(r["date"] for r in valid),
                      expected=expected_status),
                  at("status"), item_id, "status")
    if _is_int(progress) and 0 <= progress <= 100 and progress != expected_progress:
        check.add(_("is {progress} but the latest reported progress is {expected}").format(
                      progress=progress, expected=expected_progress),
                  at("progress"), item_id, "progress")


def _check_target(check: _Checker, index: int, item_id: str, kind: Any, target: Any) -> None:
    def line() -> int | None:
        return check.lines.item(index, "target.value") or check.lines.item(index, "target")

    if kind != "milestone":
        check.add(_("only milestones carry a target"), line, item_id, "target")
    if not isinstance(target, dict):
        check.add(_("must be a table"), line, item_id, "target")
        return
    check.unknown_keys(target, TARGET_KEYS, lambda k: check.lines.item(index, "target." + k),
                       item_id, "target.")
    if not _is_number(target.get("value")):
        check.add(_("is required and must be a number"), line, item_id, "target.value")
    if not isinstance(target.get("unit", ""), str):
        check.add(_("must be a string (leave it out for a pure number such as a ratio)"), line,
                  item_id, "target.unit")
    if not _is_int(target.get("year")):
        check.add(_("is required and must be a year"), line, item_id, "target.year")
    if target.get("op", ">=") not in TARGET_OPS:
        check.add(_("must be one of {choices}").format(choices=" ".join(TARGET_OPS)), line,
                  item_id, "target.op")


def _check_fact(check: _Checker, line: Line, item_id: str, where: str,
                fact: dict[str, Any], source_ids: set[str]) -> None:
    check.unknown_keys(fact, FACT_KEYS_ALLOWED, lambda _k: line, item_id, where + ".")
    if fact.get("key") not in FACT_KEYS:
        check.add(_("unknown fact key {value}; expected one of {choices}").format(
                      value=_describe(fact.get("key")), choices=", ".join(FACT_KEYS)),
                  line, item_id, where + ".key")
    for key in ("label", "unit"):
        if not (isinstance(fact.get(key), str) and fact[key].strip()):
            check.add(_("is required and must be a non-empty string"), line, item_id,
                      f"{where}.{key}")
    if not _is_number(fact.get("value")):
        check.add(_("is required and must be a number"), line, item_id, where + ".value")
    if fact.get("source") not in source_ids:
        check.add(_("unknown or missing source {value}").format(
                      value=_describe(fact.get("source"))), line, item_id, where + ".source")
    if "year" in fact and not _is_int(fact["year"]):
        check.add(_("must be a year"), line, item_id, where + ".year")
    for key in ("area", "note"):
        if key in fact and not isinstance(fact[key], str):
            check.add(_("must be a string"), line, item_id, f"{where}.{key}")


def _check_report(check: _Checker, line: Line, item_id: str, where: str,
                  report: dict[str, Any], _source_ids: set[str]) -> None:
    check.unknown_keys(report, REPORT_KEYS, lambda _k: line, item_id, where + ".")
    if "date" not in report:
        check.add(_("a report needs a date"), line, item_id, where + ".date")
    elif not _is_date(report["date"]):
        check.add(_("is not a date: {value}").format(value=_describe(report["date"])), line,
                  item_id, where + ".date")
    if not (isinstance(report.get("source"), str) and report["source"].strip()):
        check.add(_("a report needs a source (the publication and its date)"), line, item_id,
                  where + ".source")
    status = report.get("status")
    if status not in STATUSES:
        check.add(_("unknown or missing status {value}; expected one of {choices}").format(
                      value=_describe(status), choices=", ".join(STATUSES)),
                  line, item_id, where + ".status")
    if "progress" in report:
        progress = report["progress"]
        if not (_is_int(progress) and 0 <= progress <= 100):
            check.add(_("must be a whole number from 0 to 100, found {value}").format(
                          value=_describe(progress)), line, item_id, where + ".progress")
        elif status == "done" and progress != 100:
            check.add(_("a report of done must be at 100%, found {progress}%").format(
                          progress=progress), line, item_id, where + ".progress")
    elif status == "done":
        check.add(_("a report of done must give progress = 100"), line, item_id,
                  where + ".progress")
    if "value" in report and not _is_number(report["value"]):
        check.add(_("must be a number"), line, item_id, where + ".value")
    for key in ("note", "by"):
        if key in report and not isinstance(report[key], str):
            check.add(_("must be a string"), line, item_id, f"{where}.{key}")


def _check_due_change(check: _Checker, line: Line, item_id: str, where: str,
                      change: dict[str, Any], _source_ids: set[str]) -> None:
    check.unknown_keys(change, DUE_CHANGE_KEYS, lambda _k: line, item_id, where + ".")
    for key in ("from", "to"):
        if key in change and not _is_date(change[key]):
            check.add(_("is not a date"), line, item_id, f"{where}.{key}")
    if not _is_date(change.get("date")):
        check.add(_("is required and must be a date"), line, item_id, where + ".date")
    if not (isinstance(change.get("reason"), str) and change["reason"].strip()):
        check.add(_("a due-date change needs a reason"), line, item_id, where + ".reason")
    if "by" in change and not isinstance(change["by"], str):
        check.add(_("must be a string"), line, item_id, where + ".by")
