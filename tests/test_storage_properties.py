"""Properties of the storage as a whole, over random runs of writes, outside edits and
undos: every read through the index is exactly a fresh parse of the file, and every write
leaves exactly what a whole serialisation would write.

Each run starts from a small registry (the shipped one, the hand-written SMALL, or a
handful of generated items) and takes random steps:

- writes through `storage.update_journaled`: reports as `mark` records them, field edits,
  a new item, and a change to an item no command names;
- outside edits of the file: one item's section replaced as a colleague's write or a
  `git pull` brings it, an item another copy added, and a hand edit that leaves the file
  valid but not as circletrack writes it;
- `storage.undo`.

After each step: `reading.read` of the file's bytes equals `codec.loads` of them, the read
after it is a hit of the index (no parse) and equal too, and after a write by circletrack
the file is `codec.dumps(codec.loads(bytes))`. No check is switched on for the tests: the
program runs as users run it, and the test compares.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import SHIPPED, SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circletrack.base.errors import CircletrackError
from circletrack.changes.writes import (
    add_item,
    edit_item,
    item_fields,
    record_report,
    report_request,
)
from circletrack.model.records import Item, Registry, Report
from circletrack.storage import Location, undo, update_journaled
from circletrack.storage.codec import dumps, loads
from circletrack.storage.index import Index, digest
from circletrack.storage.reading import read

DAY = dt.date(2026, 11, 30)
SECTION = "\n[[items]]\n"


def _generated() -> bytes:
    """A handful of generated items, written as circletrack writes them."""
    base = loads(SMALL.encode("utf-8"))
    items = list(base.items)
    for n in range(6):
        items.append(Item(id=f"gen-{n}", kind="project", title=f"生成的项目 {n}",
                          category="intercity_rail", created=dt.date(2020, 1, 1 + n),
                          status="in_progress" if n % 2 else "planned",
                          progress=10 * n if n % 2 else None, sources=("plan-2011",),
                          due=dt.date(2030, 1, 1 + n) if n % 3 else None,
                          history=(Report(date=dt.date(2021, 1, 1 + n), source="简报",
                                          status="in_progress", progress=10 * n,
                                          by="生成"),) if n % 2 else ()))
    data = dumps(Registry(sources=base.sources, items=items, schema=base.schema,
                          passages=base.passages))
    loads(data)  # valid
    return data


STARTS = {"shipped": SHIPPED.read_bytes(), "small": SMALL.encode("utf-8"),
          "generated": _generated()}


# The steps


def _ids(path: Path) -> list[str]:
    return [item.id for item in loads(path.read_bytes()).items]


def _pick(path: Path, n: int) -> str:
    ids = _ids(path)
    return ids[n % len(ids)]


def _write(path: Path, change: Callable[[Registry], Any]) -> bool:
    """A write by circletrack; True when it wrote (a refused change writes nothing)."""
    before = path.read_bytes()
    try:
        written = update_journaled(Location(path, "option"), change, "step", user="t")
    except CircletrackError:
        assert path.read_bytes() == before, "a refused write changed the file"
        return False
    assert path.read_bytes() == written.new
    return written.new != written.old


def mark(path: Path, n: int, text: str) -> bool:
    item_id = _pick(path, n)
    progress = None if n % 3 == 0 else str(n % 101)
    return _write(path, lambda reg: record_report(reg, item_id, report_request(
        today=DAY, by="t", progress=progress, note=text or None)))


def edit(path: Path, n: int, text: str) -> bool:
    item_id = _pick(path, n)
    given = ({"title": text.strip() or f"标题{n}"} if n % 2 == 0
             else {"due": f"{2030 + n % 5}-0{1 + n % 9}-1{n % 10}"})
    return _write(path, lambda reg: edit_item(reg, item_id, item_fields(given, DAY),
                                              today=DAY, by="t", reason="r"))


def add(path: Path, n: int, text: str) -> bool:
    return _write(path, lambda reg: add_item(
        reg, "project", item_fields({"title": text.strip() or f"新{n}",
                                     "category": "intercity_rail"}, DAY), DAY))


def beside(path: Path, n: int, text: str) -> bool:
    """A report, and another item's title changed that no command names."""
    item_id, other = _pick(path, n), _pick(path, n + 3)
    request = report_request(today=DAY, by="t", note=f"beside {n}")

    def change(reg: Registry) -> None:
        reg.items = [replace(x, title=f"旁{n}{text}".strip()) if x.id == other else x
                     for x in reg.items]
        record_report(reg, item_id, request)

    return _write(path, change)


def _sections(text: str) -> list[str]:
    return text.split(SECTION)


def _number(parts: list[str], item_id: str) -> int:
    for number, part in enumerate(parts[1:], 1):
        if re.match(rf'id = "{re.escape(item_id)}"\n', part):
            return number
    raise AssertionError(item_id)


def colleague(path: Path, n: int, text: str) -> bool:
    """The sections a colleague's report changed (on their copy, written whole there)
    replaced in our file, as a `git pull` brings them: usually one item's, or the item it
    records the same event as."""
    data = path.read_bytes()
    theirs = loads(data)
    item_id = _pick(path, n)
    before = _sections(dumps(theirs).decode("utf-8"))
    try:
        record_report(theirs, item_id, report_request(
            today=DAY, by="colleague", note=f"他们 {n} {text}".strip()))
    except CircletrackError:
        return False
    after = _sections(dumps(theirs).decode("utf-8"))
    assert len(after) == len(before)
    ours = _sections(data.decode("utf-8"))
    for old, new in zip(before[1:], after[1:]):
        if old != new:
            item = re.match(r'id = "([^"]+)"\n', new)
            assert item is not None
            ours[_number(ours, item.group(1))] = new
    path.write_bytes(SECTION.join(ours).encode("utf-8"))
    return False


def appended(path: Path, n: int, text: str) -> bool:
    """An item another copy of circletrack added, appended to the file."""
    theirs = loads(path.read_bytes())
    add_item(theirs, "milestone", item_fields({"title": f"他们的里程碑 {n}{text}".strip(),
                                               "category": "target"}, DAY), DAY)
    their_text = dumps(theirs).decode("utf-8")
    new = _sections(their_text)[-1]
    text_now = path.read_text(encoding="utf-8")
    path.write_text(text_now.rstrip("\n") + "\n" + SECTION + new.rstrip("\n") + "\n",
                    encoding="utf-8")
    return False


HAND_EDITS: list[Callable[[str], str]] = [
    lambda s: s.replace("title = ", "title =  ", 1),
    lambda s: s.replace("\n", "\n# 注释\n", 1),
    lambda s: s.replace('kind = "', "kind = '", 1).replace('"\n', "'\n", 1)
    if s.count('kind = "') else s + "\n",
    lambda s: s.rstrip("\n") + "\n\n\n",
]


def hand(path: Path, n: int, text: str) -> bool:
    """A hand edit of one section: valid, but not as circletrack writes it."""
    parts = _sections(path.read_text(encoding="utf-8"))
    number = 1 + n % (len(parts) - 1)
    parts[number] = HAND_EDITS[n % len(HAND_EDITS)](parts[number])
    edited = SECTION.join(parts)
    try:
        loads(edited.encode("utf-8"))
    except CircletrackError:
        return False  # (an edit this section does not admit: leave the file as it was)
    path.write_text(edited, encoding="utf-8")
    return False


def take_back(path: Path, n: int, text: str) -> bool:
    before = path.read_bytes()
    try:
        undo(Location(path, "option"))
    except CircletrackError:  # nothing to undo, or changed since: refused, nothing written
        assert path.read_bytes() == before
    return False


STEPS: dict[str, Callable[[Path, int, str], bool]] = {
    "mark": mark, "edit": edit, "add": add, "beside": beside, "colleague": colleague,
    "appended": appended, "hand": hand, "undo": take_back}

steps = st.lists(st.tuples(st.sampled_from(list(STEPS)), st.integers(0, 400),
                           st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                                   max_size=8)),
                 min_size=1, max_size=6)


def check(path: Path, written: bool) -> None:
    """A read through the index is a fresh parse; the read after it is a hit, equal too;
    what circletrack wrote is what a whole serialisation writes."""
    data = path.read_bytes()
    expected = loads(data, str(path))
    assert read(data, path).registry == expected
    index = Index.of(path)
    assert index is not None
    hit = index.read(digest(data))
    assert hit is not None, "the read after a read of the same bytes is not an index hit"
    assert hit.registry == expected
    assert read(data, path).registry == expected
    if written:
        assert data == dumps(loads(data)), "a write left bytes a whole write would not"
        assert hit.canonical


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(STARTS)), steps)
def test_every_read_is_a_fresh_parse_and_every_write_a_whole_serialisation(
        start: str, run: list[tuple[str, int, str]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="circletrack-prop-"))
    try:
        path = folder / "projects.toml"
        path.write_bytes(STARTS[start])
        check(path, False)
        for kind, n, text in run:
            written = STEPS[kind](path, n, text)
            check(path, written)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("start", list(STARTS))
def test_every_kind_of_step_once(start: str, tmp_path: Path) -> None:
    """Each step, in a fixed order from each start (so each is run whatever hypothesis
    draws), with the same checks."""
    path = tmp_path / "projects.toml"
    path.write_bytes(STARTS[start])
    wrote = 0
    for number, kind in enumerate(["mark", "colleague", "edit", "appended", "beside", "undo",
                                   "hand", "mark", "add", "undo", "undo", "colleague",
                                   "mark"]):
        written = STEPS[kind](path, number * 7 + 1, f"第{number}步")
        wrote += written
        check(path, written)
    assert wrote >= 4  # the run wrote, and was not refused throughout
