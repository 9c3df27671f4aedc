"""Pure queries: as-of replay, each filter and their combinations, sorting, id resolution."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from circletrack.base.errors import UsageError
from circletrack.model.records import DueChange, Item, Report
from circletrack.query.select import (
    Criteria,
    item_as_of,
    overdue_items,
    resolve,
    select,
    sort_items,
)

D = dt.date


def make_items() -> list[Item]:
    return [
        Item(id="coop-06", kind="cooperation", title="钱江通道及接线工程", created=D(2011, 2, 18),
             category="交通共联", lead=["市交通局"], due=D(2011, 12, 31), tags=["公路"],
             cities=["杭州", "绍兴"], requirement="2011年加快项目建设进度"),
        Item(id="coop-23", kind="cooperation", title="深化特殊教育合作", created=D(2011, 2, 18),
             category="社会共享", lead=["市教育局"], support=["杭州聋人学校"], due=D(2011, 12, 31),
             tags=["教育"], cities=["湖州"]),
        Item(id="rail-hangshao", kind="project", title="杭绍城际铁路", created=D(2018, 10, 24),
             category="intercity_rail", cities=["杭州", "绍兴"], status="done", progress=100,
             history=[
                 Report(date=D(2018, 10, 24), source="发布会 2018-10-24", status="in_progress", progress=25, note="形象进度25%"),
                 Report(date=D(2020, 11, 23), source="杭州网 2020-11-23", status="done", progress=100, note="贯通"),
             ]),
        Item(id="rail-hanghai", kind="project", title="杭海城际铁路", created=D(2018, 10, 24),
             category="intercity_rail", cities=["杭州", "海宁"], status="in_progress",
             due=D(2021, 6, 30), history=[
                 Report(date=D(2018, 10, 24), source="发布会 2018-10-24", status="in_progress", note="进入攻坚阶段"),
             ]),
        Item(id="ms-mayors-05", kind="milestone", title="第五次市长联席会议", created=D(2011, 2, 18),
             category="meeting", lead=["萧山区政府"], due=D(2012, 3, 31), original_due=D(2011, 12, 31),
             due_changes=[DueChange(from_=D(2011, 12, 31), to=D(2012, 3, 31), date=D(2011, 11, 1), reason="推迟")]),
    ]


def ids(items: list[Item]) -> list[str]:
    return [i.id for i in items]


def test_as_of_replays_history() -> None:
    hangshao = make_items()[2]
    assert item_as_of(hangshao, D(2018, 10, 23)) is None
    then = item_as_of(hangshao, D(2019, 1, 1))
    assert then is not None and (then.status, then.progress) == ("in_progress", 25)
    assert len(then.history) == 1
    now = item_as_of(hangshao, D(2021, 1, 1))
    assert now is not None and (now.status, now.progress) == ("done", 100)


def test_as_of_before_any_report_is_planned_with_progress_unknown() -> None:
    hanghai = make_items()[3]
    assert item_as_of(hanghai, D(2018, 10, 24)).status == "in_progress"  # type: ignore[union-attr]
    before = replace(make_items()[2], created=D(2011, 1, 1))
    then = item_as_of(before, D(2015, 1, 1))
    assert then is not None and (then.status, then.progress, then.history) == ("planned", None, ())
    assert then.state.progress is None and then.state.date is None


def test_as_of_replays_due_moves() -> None:
    meeting = make_items()[4]
    assert item_as_of(meeting, D(2011, 6, 1)).due == D(2011, 12, 31)  # type: ignore[union-attr]
    assert item_as_of(meeting, D(2011, 11, 1)).due == D(2012, 3, 31)  # type: ignore[union-attr]


def test_open_items_by_default_and_all_with_include_closed() -> None:
    day = D(2021, 1, 1)
    assert "rail-hangshao" not in ids(select(make_items(), Criteria(), day))
    assert "rail-hangshao" in ids(select(make_items(), Criteria(include_closed=True), day))
    assert "rail-hangshao" in ids(select(make_items(), Criteria(statuses=("done",)), day))


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (Criteria(kinds=("project",)), ["rail-hanghai"]),
        (Criteria(kinds=("project", "milestone")), ["rail-hanghai", "ms-mayors-05"]),
        (Criteria(categories=("交通共联", "meeting")), ["coop-06", "ms-mayors-05"]),
        (Criteria(statuses=("planned",)), ["coop-06", "coop-23", "ms-mayors-05"]),
        (Criteria(units=("交通",)), ["coop-06"]),
        (Criteria(units=("聋人", "萧山")), ["coop-23", "ms-mayors-05"]),
        (Criteria(cities=("绍兴",)), ["coop-06"]),
        (Criteria(cities=("海宁", "湖州")), ["coop-23", "rail-hanghai"]),
        (Criteria(tags=("教育",)), ["coop-23"]),
        (Criteria(due_before=D(2012, 1, 1)), ["coop-06", "coop-23"]),
        (Criteria(due_after=D(2012, 1, 1)), ["rail-hanghai", "ms-mayors-05"]),
        (Criteria(overdue=True), ["coop-06", "coop-23", "ms-mayors-05"]),
        (Criteria(search=("攻坚",)), ["rail-hanghai"]),
        (Criteria(search=("加快项目建设",)), ["coop-06"]),
        (Criteria(stale_days=800), ["coop-06", "coop-23", "ms-mayors-05"]),
        (Criteria(stale_days=700), ["coop-06", "coop-23", "rail-hanghai", "ms-mayors-05"]),
        # different filters AND together
        (Criteria(kinds=("cooperation",), cities=("湖州",)), ["coop-23"]),
        (Criteria(overdue=True, units=("局",), tags=("公路",)), ["coop-06"]),
        (Criteria(kinds=("project",), overdue=True), []),
    ],
)
def test_filters(criteria: Criteria, expected: list[str]) -> None:
    assert ids(select(make_items(), criteria, D(2020, 12, 31))) == expected


def test_overdue_depends_on_the_day() -> None:
    items = make_items()
    assert ids(overdue_items(items, Criteria(), D(2011, 12, 31))) == []
    assert ids(overdue_items(items, Criteria(), D(2012, 1, 1))) == ["coop-06", "coop-23"]
    assert ids(overdue_items(items, Criteria(), D(2021, 7, 1)))[-1] == "rail-hanghai"


def test_sorting() -> None:
    items = select(make_items(), Criteria(include_closed=True), D(2021, 1, 1))
    assert ids(sort_items(items, "due"))[:2] == ["coop-06", "coop-23"]
    assert ids(sort_items(items, "due"))[-1] == "rail-hangshao"  # no due date stays last
    assert ids(sort_items(items, "-due"))[0] == "rail-hanghai"
    assert ids(sort_items(items, "-due"))[-1] == "rail-hangshao"
    assert ids(sort_items(items, "-progress"))[0] == "rail-hangshao"
    assert ids(sort_items(items, "id")) == sorted(ids(items))
    assert ids(sort_items(items, "-id")) == sorted(ids(items), reverse=True)
    assert ids(sort_items(items, "updated"))[:2] == ["rail-hanghai", "rail-hangshao"]
    assert ids(sort_items(items, "status"))[-1] == "rail-hangshao"
    assert ids(sort_items(items, "title")) == ids(sorted(items, key=lambda i: i.title))
    with pytest.raises(UsageError, match="unknown field 'colour'"):
        sort_items(items, "colour")


def test_resolve_exact_prefix_title() -> None:
    items = make_items()
    assert resolve(items, "coop-06").id == "coop-06"
    assert resolve(items, "ms-").id == "ms-mayors-05"
    assert resolve(items, "杭绍").id == "rail-hangshao"


def test_resolve_ambiguous_lists_candidates() -> None:
    with pytest.raises(UsageError) as info:
        resolve(make_items(), "rail-")
    assert "matches 2 items" in str(info.value)
    assert "rail-hangshao (project, done) 杭绍城际铁路" in str(info.value)
    assert "rail-hanghai (project, in progress) 杭海城际铁路" in str(info.value)
    assert "narrow it with --kind" in str(info.value)


def test_resolve_unknown_suggests_nearest() -> None:
    with pytest.raises(UsageError) as info:
        resolve(make_items(), "coop-6")
    assert str(info.value).startswith("no item 'coop-6'; did you mean coop-06")


def _named(*titles: tuple[str, str, str]) -> list[Item]:
    return [Item(id=i, kind=k, title=t, created=D(2011, 1, 1)) for i, k, t in titles]


def test_resolve_order_exact_id_then_exact_title_then_prefix_then_fragment() -> None:
    items = _named(("hsr-shanghehang", "project", "商合杭高铁"),
                   ("ms-shanghehang-open", "milestone", "商合杭高铁全线建成通车"),
                   ("coop-1", "cooperation", "coop-10"), ("coop-10", "cooperation", "x"))
    assert resolve(items, "商合杭高铁").id == "hsr-shanghehang"  # the exact title wins
    assert resolve(items, "coop-10").id == "coop-10"  # the exact id before the exact title
    assert resolve(items, "ms-shang").id == "ms-shanghehang-open"
    assert resolve(items, "全线建成").id == "ms-shanghehang-open"


def test_resolve_compares_after_nfkc_and_narrows_by_kind() -> None:
    items = _named(("hwy-raocheng-west", "project", "杭州绕城高速公路西复线工程(杭州都市圈环线)"),
                   ("coop-09", "cooperation", "杭州绕城高速公路西复线工程(杭州都市圈环线)"),
                   ("rail-a", "project", "ＡＢＣ线"))
    # full-width brackets and letters match their half-width forms
    with pytest.raises(UsageError, match="matches 2 items"):
        resolve(items, "西复线工程（杭州都市圈环线）")
    assert resolve(items, "西复线工程（杭州都市圈环线）", ["cooperation"]).id == "coop-09"
    assert resolve(items, "abc线").id == "rail-a"
    assert resolve(items, "ＲＡＩＬ-Ａ").id == "rail-a"
