"""Serialising only what changed gives exactly the bytes of serialising everything."""

from __future__ import annotations

import copy
import datetime as dt

import tomli_w
from conftest import SHIPPED
from hypothesis import example, given, settings
from hypothesis import strategies as st

from circletrack.codec import document_bytes, dumps, loads, registry_to_document
from circletrack.model import Item, Report, Source

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
            item.title = text.strip() or "x"
        elif kind == "report":
            item.history.append(Report(date=dt.date(2026, 1, 1), source="test",
                                       status=item.status,
                                       progress=None if item.status != "done" else 100,
                                       note=text))
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
