"""Serialising only what changed gives exactly the bytes of serialising everything."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import tomli_w
from conftest import SHIPPED
from hypothesis import example, given, settings
from hypothesis import strategies as st

from circletrack.model.records import Item, Report, Source
from circletrack.storage.codec import document_bytes, dumps, loads, registry_to_document

OLD = SHIPPED.read_bytes()
BEFORE = registry_to_document(loads(OLD))

changes = st.lists(
    st.tuples(st.sampled_from(["title", "report", "add", "source", "reorder-none"]),
              st.integers(min_value=0, max_value=119), st.text(min_size=1, max_size=20)),
    min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(changes)
@example([("add", 0, "0")])  # a small new item among sections: once written inline
def test_incremental_equals_full(edits: list[tuple[str, int, str]]) -> None:
    registry = loads(OLD)
    for kind, index, text in edits:
        item = registry.items[index]
        if kind == "title":
            registry.items[index] = replace(item, title=text.strip() or "x")
        elif kind == "report":
            registry.items[index] = replace(item, history=(*item.history, Report(
                date=dt.date(2026, 1, 1), source="test", status=item.status,
                progress=None if item.status != "done" else 100, note=text)))
        elif kind == "add":
            registry.items.append(Item(id=f"prj-{len(registry.items):03d}", kind="project",
                                       title=text, created=dt.date(2026, 1, 1)))
        elif kind == "source":
            registry.sources[f"s-{index}"] = Source(id=f"s-{index}", title=text, publisher="p",
                                                    date=dt.date(2026, 1, 1))
    document = registry_to_document(registry)
    expected = tomli_w.dumps(document).encode("utf-8")
    assert document_bytes(document, copy.deepcopy(BEFORE), OLD) == expected
    assert expected == dumps(registry)


def test_without_canonical_bytes_everything_is_serialised() -> None:
    document = copy.deepcopy(BEFORE)
    document["items"][0]["title"] = "改"
    assert document_bytes(document, BEFORE, None) == tomli_w.dumps(document).encode()
    # bytes that do not split into one section per item are not trusted
    assert document_bytes(document, BEFORE, OLD + b"\n[[items]]\nid = 'x'\n") == \
        tomli_w.dumps(document).encode()


# The quick write path of store: the items a change made anew are found by comparing with
# what was read, and only they are validated and written again. No variable switches on a
# check: each test compares the bytes written with a whole serialisation itself.

import pytest  # noqa: E402
from hypothesis import HealthCheck  # noqa: E402

from circletrack.base.errors import RegistryInvalid  # noqa: E402
from circletrack.changes.writes import edit_item, item_fields, record_report, report_request  # noqa: E402
from circletrack.storage import Location, index, sections, update_journaled  # noqa: E402
from circletrack.storage.reading import read  # noqa: E402

DAY = dt.date(2026, 11, 30)


def _mark(item_id: str, progress: int, note: str | None = None):  # type: ignore[no-untyped-def]
    request = report_request(today=DAY, by="t", progress=str(progress), note=note)
    return lambda reg: record_report(reg, item_id, request)


def _spliced(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """Record the writes that took the quick path, with the items each found changed."""
    taken: list[set[str]] = []
    real = sections.Splice.after

    def spy(self, registry):  # type: ignore[no-untyped-def]
        found = real(self, registry)
        if found is not None:
            taken.append(found.changed)
        return found

    monkeypatch.setattr(sections.Splice, "after", spy)
    return taken


def _indexed(path: Path):  # type: ignore[no-untyped-def]
    """What the index alone gives for the file's current bytes (None: a miss)."""
    found = index.Index.of(path)
    assert found is not None
    return found.read(index.digest(path.read_bytes()))


def _whole(path: Path) -> bytes:
    """What a whole serialisation of the registry at `path` writes."""
    return dumps(loads(path.read_bytes()))


def test_a_write_after_a_write_is_spliced_and_equals_the_whole_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "r.toml"
    path.write_bytes(dumps(loads(OLD)))
    location = Location(path, "option")
    taken = _spliced(monkeypatch)
    update_journaled(location, _mark("coop-05", 10), "m1")
    update_journaled(location, _mark("coop-05", 20), "m2")
    assert path.read_bytes() == _whole(path)
    update_journaled(location, lambda reg: edit_item(
        reg, "coop-06", item_fields({"title": "新标题"}, DAY), today=DAY, by="t"), "e")
    assert taken == [{"coop-05"}, {"coop-06"}]  # the first write found the file not yet known
    registry = loads(path.read_bytes())
    assert registry.get("coop-06").title == "新标题"  # type: ignore[union-attr]
    assert [r.progress for r in registry.get("coop-05").history][-2:] == [10, 20]  # type: ignore[union-attr]
    assert path.read_bytes() == dumps(registry)
    # The index describes the bytes the last write left, and gives what parsing gives.
    snapshot = _indexed(path)
    assert snapshot is not None and snapshot.registry == registry and snapshot.canonical


def test_a_spliced_write_is_validated_against_the_whole_registry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "r.toml"
    path.write_bytes(dumps(loads(OLD)))
    location = Location(path, "option")
    update_journaled(location, _mark("coop-05", 10), "m1")
    before = path.read_bytes()
    taken = _spliced(monkeypatch)

    def cycle(reg):  # type: ignore[no-untyped-def]
        for one, other in (("coop-05", "coop-06"), ("coop-06", "coop-05")):
            record_report_free = replace(reg.get(one), tracks=(other,))
            reg.items = [record_report_free if i.id == one else i for i in reg.items]

    with pytest.raises(RegistryInvalid, match="derives its state from itself"):
        update_journaled(location, cycle, "c")
    assert path.read_bytes() == before
    assert taken == []  # refused on the quick path, before any bytes were made


def test_an_item_the_change_did_not_name_is_written_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change to an item beside the one a command is about is found and written (by
    the user's path: no variable set), never dropped."""
    path = tmp_path / "r.toml"
    path.write_bytes(dumps(loads(OLD)))
    location = Location(path, "option")
    update_journaled(location, _mark("coop-05", 10), "m1")
    taken = _spliced(monkeypatch)

    def sneaky(reg):  # type: ignore[no-untyped-def]
        reg.items = [replace(i, title="changed but not named") if i.id == "coop-07" else i
                     for i in reg.items]
        return record_report(reg, "coop-05", report_request(today=DAY, by="t", progress="30"))

    update_journaled(location, sneaky, "s")
    assert taken == [{"coop-05", "coop-07"}]
    registry = loads(path.read_bytes())
    assert registry.get("coop-07").title == "changed but not named"  # type: ignore[union-attr]
    assert registry.get("coop-05").state.progress == 30  # type: ignore[union-attr]
    assert path.read_bytes() == dumps(registry)


def test_an_item_cannot_be_changed_in_place(tmp_path: Path) -> None:
    """The other way to change an item unseen, in place, is refused by the record itself:
    nothing is written."""
    path = tmp_path / "r.toml"
    path.write_bytes(dumps(loads(OLD)))
    location = Location(path, "option")
    update_journaled(location, _mark("coop-05", 10), "m1")
    before = path.read_bytes()

    def in_place(reg):  # type: ignore[no-untyped-def]
        reg.get("coop-07").title = "changed in place"

    with pytest.raises(FrozenInstanceError):
        update_journaled(location, in_place, "p")
    with pytest.raises(AttributeError):
        update_journaled(location, lambda reg: reg.get("coop-07").history.append(None), "h")
    assert path.read_bytes() == before


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["mark", "title", "due", "add", "beside"]),
                          st.integers(min_value=0, max_value=60)), min_size=1, max_size=6))
def test_any_run_of_writes_splices_to_the_bytes_of_the_whole_write(
        tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, int]]) -> None:
    from circletrack.changes.writes import add_item

    path = tmp_path_factory.mktemp("splice") / "r.toml"
    path.write_bytes(dumps(loads(OLD)))
    location = Location(path, "option")
    update_journaled(location, _mark("coop-01", 5), "first")
    for number, (kind, index) in enumerate(steps):
        item_id = loads(path.read_bytes()).items[index].id
        if kind == "mark":
            change = _mark(item_id, 0, note=f"step {number}")
        elif kind == "title":
            change = lambda reg, i=item_id, n=number: edit_item(  # noqa: E731
                reg, i, item_fields({"title": f"t{n}"}, DAY), today=DAY, by="t")
        elif kind == "due":
            change = lambda reg, i=item_id, n=number: edit_item(  # noqa: E731
                reg, i, item_fields({"due": f"2030-01-{n + 1:02d}"}, DAY), today=DAY,
                by="t", reason="r")
        elif kind == "beside":  # a report, and another item changed that no command names
            def change(reg, i=item_id, n=number):  # type: ignore[no-untyped-def]
                other = reg.items[(index + 7) % len(reg.items)]
                reg.items = [replace(x, title=f"b{n}") if x is other else x
                             for x in reg.items]
                return _mark(i, 0, note=f"beside {n}")(reg)
        else:
            change = lambda reg, n=number: add_item(  # noqa: E731
                reg, "project", item_fields({"title": f"new {n}"}, DAY), DAY)
        expected = None
        try:
            probe = loads(path.read_bytes())
            change(probe)
            expected = dumps(probe)
        except Exception:  # noqa: BLE001 - a refused change: nothing may be written
            pass
        before = path.read_bytes()
        try:
            update_journaled(location, change, kind)
        except Exception:  # noqa: BLE001
            assert path.read_bytes() == before
            continue
        assert expected is not None and path.read_bytes() == expected
    assert path.read_bytes() == dumps(loads(path.read_bytes()))


def _rows(path: Path) -> dict[str, tuple[int, str, str]]:
    import sqlite3

    found = index.Index.of(path)
    assert found is not None
    with sqlite3.connect(found.path) as connection:
        return {item_id: (n, section, data) for n, item_id, section, data in connection.execute(
            "SELECT n, id, section, data FROM items")}


def test_after_each_write_the_index_describes_the_new_bytes(tmp_path: Path) -> None:
    from circletrack.changes.writes import add_item

    path = tmp_path / "r.toml"
    path.write_bytes(dumps(loads(OLD)))
    location = Location(path, "option")
    changes = [_mark("coop-05", progress) for progress in range(10, 50, 10)]
    changes.append(lambda reg: edit_item(reg, "coop-06", item_fields({"title": "新"}, DAY),
                                         today=DAY, by="t"))
    changes.append(lambda reg: add_item(reg, "project", item_fields({"title": "新项目"}, DAY),
                                        DAY))
    changes.append(lambda reg: reg.items.append(reg.items.pop(0)))  # moved: a whole write
    changes.append(_mark("coop-05", 90))
    for change in changes:
        update_journaled(location, change, "w")
        data = path.read_bytes()
        expected = loads(data)
        snapshot = _indexed(path)
        assert snapshot is not None, "the write left an index of its bytes"
        assert snapshot.registry == expected and snapshot.canonical
        assert snapshot.sections == sections.section_digests(data, len(expected.items))
        assert data == dumps(expected)
        # and a read (a new process's, from the file on disk) gives the same
        assert read(data, path).registry == expected


def test_a_write_writes_again_only_the_changed_rows(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from circletrack.changes.writes import add_item

    path = tmp_path / "r.toml"
    path.write_bytes(dumps(loads(OLD)))
    location = Location(path, "option")
    update_journaled(location, _mark("coop-05", 10), "first")  # the whole index, canonical
    made: list[str] = []
    real = index.item_row

    def counted(item):  # type: ignore[no-untyped-def]
        made.append(item.id)
        return real(item)

    monkeypatch.setattr(index, "item_row", counted)
    before = _rows(path)
    update_journaled(location, _mark("coop-05", 20), "second")
    assert made == ["coop-05"]
    after = _rows(path)
    assert set(after) == set(before)
    assert {i for i in after if after[i] != before[i]} == {"coop-05"}
    assert after["coop-05"][0] == before["coop-05"][0]  # in its place
    registry = loads(path.read_bytes())
    assert after["coop-05"][2] == real(registry.get("coop-05"))
    made.clear()
    update_journaled(location, lambda reg: add_item(
        reg, "project", item_fields({"title": "新项目"}, DAY), DAY), "add")
    added = _rows(path)
    (new,) = set(added) - set(after)
    assert made == [new] and added[new][0] == len(after)
    assert {i for i in after if added[i] != after[i]} == set()
    snapshot = _indexed(path)
    assert snapshot is not None and snapshot.registry == loads(path.read_bytes())


def test_a_write_whose_index_was_behind_writes_every_row(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """When the index did not describe the bytes the write read (changed elsewhere, then
    read back by the write itself), every row is written again and the index is true."""
    path = tmp_path / "r.toml"
    path.write_bytes(dumps(loads(OLD)))
    location = Location(path, "option")
    update_journaled(location, _mark("coop-05", 10), "first")
    found = index.Index.of(path)
    assert found is not None
    found.path.unlink()  # the index gone: the write reads the file whole
    update_journaled(location, _mark("coop-05", 20), "second")
    snapshot = _indexed(path)
    assert snapshot is not None and snapshot.registry == loads(path.read_bytes())
    assert len(_rows(path)) == len(snapshot.registry.items)
