"""The shipped registry: valid, canonical, complete, sourced; --as-of replays hand-checked dates."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import SHIPPED
from seed_text import SEEDS, seed_text
from typer.testing import CliRunner

from circletrack.cli import app
from circletrack.model.records import COOPERATION_CATEGORIES, Registry
from circletrack.query.listings import overdue_listing
from circletrack.query.select import Criteria, item_as_of, overdue_items, registry_as_of
from circletrack.storage.codec import dumps, loads, problems_in

D = dt.date


@pytest.fixture(scope="module")
def registry() -> Registry:
    return loads(SHIPPED.read_bytes(), str(SHIPPED))


def test_shipped_registry_is_valid() -> None:
    assert problems_in(SHIPPED.read_bytes()) == []


def test_load_and_save_reproduces_the_file_byte_for_byte() -> None:
    data = SHIPPED.read_bytes()
    assert dumps(loads(data)) == data


def test_thirty_one_plan_rows_across_nine_categories(registry: Registry) -> None:
    rows = [i for i in registry.items if i.kind == "cooperation"]
    assert len(rows) == 31
    expected_ids = [f"coop-{n:02d}" for n in range(1, 23)] + ["coop-22a"] + [
        f"coop-{n:02d}" for n in range(23, 31)]
    assert [i.id for i in rows] == expected_ids
    counts = Counter(i.category for i in rows)
    assert counts == {"planning": 5, "transport": 5, "market": 4, "industry": 4, "brand": 3,
                      "environment": 2, "society": 6, "mechanism": 1, "mayors": 1}
    assert list(dict.fromkeys(i.category for i in rows)) == list(COOPERATION_CATEGORIES)
    assert all(i.due == D(2011, 12, 31) and i.requirement and i.content for i in rows)
    assert all(i.lead and i.sources[0] == "plan-2011" for i in rows)
    assert {i.id for i in rows if i.sources != ("plan-2011",)} == {
        "coop-19", "coop-22", "coop-25", "coop-30"}


def test_empty_unit_cells_read_as_merged_and_say_so(registry: Registry) -> None:
    merged = {"coop-08": "市交通局", "coop-09": "市交通局", "coop-22a": "市环保局",
              "coop-24": "市教育局", "coop-26": "市劳动保障局"}
    for item_id, unit in merged.items():
        item = registry.get(item_id)
        assert item is not None and item.lead == (unit,)
        assert item.reading and "合并" in item.reading


def test_lead_and_supporting_units_as_the_table_labels_them(registry: Registry) -> None:
    def units(item_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        item = registry.get(item_id)
        assert item is not None
        return item.lead, item.support

    assert units("coop-02") == (("市规划局",), ("市地铁集团",))
    assert units("coop-17") == (("市民政局",), ("市经委", "市贸易局"))
    assert units("coop-21") == (("市新闻办",), ("市交通局", "杭州文广集团", "杭报集团"))
    assert units("coop-29") == (("市科技局", "市卫生局", "市民政局", "市工商局"), ())
    assert units("coop-30") == (("萧山区政府",), ())


def test_projects_and_milestones_are_all_there(registry: Registry) -> None:
    kinds = Counter(i.kind for i in registry.items)
    assert kinds == {"cooperation": 31, "project": 64, "milestone": 46}
    categories = Counter((i.kind, i.category) for i in registry.items if i.kind != "cooperation")
    assert categories == {
        ("project", "intercity_rail"): 9, ("project", "high_speed_rail"): 7,
        ("project", "rail"): 4, ("project", "metro"): 3, ("project", "highway"): 14,
        ("project", "road"): 10, ("project", "bridge"): 1, ("project", "waterway"): 4,
        ("project", "airport"): 6, ("project", "hub"): 5, ("project", "bus"): 1,
        ("milestone", "meeting"): 4, ("milestone", "event"): 18, ("milestone", "target"): 24}
    ids = {i.id for i in registry.items}
    for named in ("rail-hanghai", "rail-hangshao", "rail-hangfu", "rail-hanglin",
                  "hwy-qianjiang-tongdao", "hwy-hangchang", "hwy-raocheng-west",
                  "bridge-jiashao", "air-xiaoshan-t4", "rail-huhang-intercity",
                  "rail-hanglinji", "waterway-jinghang-canal-2nd", "hsr-shanghehang",
                  "ms-mayors-05", "ms-mayors-09", "target-2025-urban-rail-km",
                  "target-2025-hsr-km", "target-2025-expressway-km", "target-2035-global",
                  "target-2022-integration"):
        assert named in ids


@pytest.mark.parametrize(
    ("item_id", "value", "unit", "op"),
    [
        ("target-2025-urban-rail-km", 700, "公里", ">="),
        ("target-2025-hsr-km", 1700, "公里", ">="),
        ("target-2025-expressway-km", 3500, "公里", ">="),
        ("target-2025-gdp", 4.2, "万亿元", ">="),
        ("target-2025-rd-intensity", 3.3, "%", ">="),
        ("target-2025-hightech-share", 60, "%", ">"),
        ("target-2025-intl-destinations", 150, "个", ">="),
        ("target-2025-business-env", 90, "%", ">="),
        ("target-2025-urbanization", 74, "%", ">="),
        ("target-2025-income-ratio", 1.8, "", "<="),
        ("target-2025-surface-water", 92, "%", ">="),
    ],
)
def test_numeric_targets(registry: Registry, item_id: str, value: float, unit: str,
                         op: str) -> None:
    item = registry.get(item_id)
    assert item is not None and item.target is not None
    assert (item.target.value, item.target.unit, item.target.year, item.target.op) == (
        value, unit, 2025, op)
    assert item.due == D(2025, 12, 31) and item.sources[0] == "hzw-2020"
    assert item.target.scope == "杭州都市圈六城市" and item.deadline_source == "hzw-2020"


def test_every_figure_and_report_is_sourced(registry: Registry) -> None:
    publication = re.compile(r"\d{4}-\d{2}-\d{2}")
    for item in registry.items:
        assert item.sources, item.id
        for fact in item.facts:
            assert fact.source in registry.sources, (item.id, fact.label)
        for report in item.history:
            assert publication.search(report.source), (item.id, report.source)
            assert report.date >= item.created, item.id


def test_figures_from_the_plan_table(registry: Registry) -> None:
    west = registry.get("hwy-raocheng-west")
    assert west is not None
    sections = {f.area: f.value for f in west.facts if f.key == "section"}
    assert sections == {"德清": 51.7, "余杭": 32.2, "临安": 0.9, "富阳": 49.8, "萧山": 6.8,
                        "诸暨": 10.6}
    assert any(f.key == "length" and f.value == 152 for f in west.facts)
    tunnel = registry.get("hwy-qianjiang-tongdao")
    assert tunnel is not None
    values = {(f.key, f.value) for f in tunnel.facts}
    assert {("lanes", 6), ("design_speed", 100), ("design_speed", 80), ("length", 43.6)} <= values


# --as-of replays, checked by hand against the documents' dates
def test_hangshao_as_of(registry: Registry) -> None:
    item = registry.get("rail-hangshao")
    assert item is not None
    assert item_as_of(item, D(2018, 10, 23)) is None
    then = item_as_of(item, D(2018, 10, 24))
    assert then is not None and (then.status, then.progress) == ("in_progress", 25)
    later = item_as_of(item, D(2020, 11, 23))
    assert later is not None and len(later.history) == 3 and later.progress == 25


def test_qianjiang_tunnel_as_of(registry: Registry) -> None:
    item = registry.get("hwy-qianjiang-tongdao")
    assert item is not None
    then = item_as_of(item, D(2011, 12, 31))
    assert then is not None and (then.status, then.progress) == ("in_progress", None)
    assert (item_as_of(item, D(2018, 10, 24)).status) == "done"  # type: ignore[union-attr]


def test_what_we_knew_at_the_end_of_2011(registry: Registry) -> None:
    known = registry_as_of(registry.items, D(2011, 12, 31))
    assert Counter(i.kind for i in known) == {"cooperation": 31, "project": 4, "milestone": 2}
    assert overdue_items(registry.items, Criteria(), D(2011, 12, 31)) == []
    overdue = overdue_items(registry.items, Criteria(), D(2012, 1, 1))
    # the plan rows, but the six that ask to press on with work during 2011 (ongoing: the
    # period ended, nothing fell late), and the fifth mayors' meeting as one event (coop-30)
    ongoing = {"coop-02", "coop-06", "coop-07", "coop-08", "coop-09", "coop-10"}
    assert {i.id for i in overdue} == ({i.id for i in known if i.kind == "cooperation"}
                                       - ongoing | {"ms-mayors-05"})
    listing = overdue_listing(registry.items, Criteria(), D(2012, 1, 1))
    assert {i.id for i in listing.items} == {i.id for i in overdue} - {"ms-mayors-05"}
    coop30 = next(i for i in listing.items if i.id == "coop-30")
    assert coop30.same_event == ("ms-mayors-05",)


def test_as_of_counts_by_year(registry: Registry) -> None:
    assert len(registry_as_of(registry.items, D(2018, 12, 31))) == 72
    assert len(registry_as_of(registry.items, D(2019, 12, 31))) == 106
    assert len(registry_as_of(registry.items, D(2020, 12, 31))) == 141


def test_list_as_of_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["list", "--as-of", "2019-01-01", "--kind", "project",
                                 "--category", "intercity_rail", "-f", "json", "--all",
                                 "-r", str(SHIPPED)])
    assert result.exit_code == 0
    data = {d["id"]: d for d in json.loads(result.stdout)}
    assert data["rail-hangshao"]["progress"] == 25
    assert data["rail-hangshao"]["updated"] == "2018-10-24"
    assert "rail-huhang-intercity" not in data  # first reported 2019-12-20


# The lists tell the truth (issue 10): plan rows follow their roads, notes are the item's own


TODAY = D(2026, 11, 30)


def test_no_finished_work_is_on_todays_overdue_list(registry: Registry) -> None:
    overdue = overdue_items(registry.items, Criteria(), TODAY)
    assert all(item.state.status not in ("done", "cancelled") for item in overdue)
    ids = {i.id for i in overdue}
    assert "coop-06" not in ids and "coop-07" not in ids
    seen = {i.id: i for i in registry_as_of(registry.items, TODAY)}
    for row, road in (("coop-06", "hwy-qianjiang-tongdao"), ("coop-07", "hwy-hangchang")):
        state = seen[row].state
        assert (state.status, state.via, state.date) == ("done", (road,), D(2018, 10, 24))


def test_overdue_for_the_transport_bureau_as_a_coordinator_sees_it() -> None:
    result = CliRunner().invoke(app, ["overdue", "--unit", "市交通局", "-f", "json",
                                      "--as-of", "2026-11-30", "-r", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    ids = [d["id"] for d in json.loads(result.stdout)]
    # coop-06 and 07 follow finished roads; 08 and 09 asked for 前期 work in 2011 (ongoing)
    assert not {"coop-06", "coop-07", "coop-08", "coop-09"} & set(ids)
    assert ids.count("hwy-raocheng-west") == 1 and "ms-raocheng-west-open" not in ids
    shown = CliRunner().invoke(app, ["show", "coop-06", "-f", "json", "--as-of", "2026-11-30",
                                     "-r", str(SHIPPED)])
    effective = json.loads(shown.stdout)["effective"]
    assert effective["status"] == "done" and effective["derived_from"] == [
        "hwy-qianjiang-tongdao"] and effective["reported"] == "2018-10-24"


def test_every_link_the_docs_list_is_in_the_file(registry: Registry) -> None:
    tracks = {(i.id, t) for i in registry.items for t in i.tracks}
    assert {("coop-06", "hwy-qianjiang-tongdao"), ("coop-07", "hwy-hangchang"),
            ("ms-hanghai-open", "rail-hanghai"),
            ("ms-shanghehang-open", "hsr-shanghehang")} == tracks
    starts = {(i.id, s) for i in registry.items for s in i.starts}
    assert starts == {("ms-jinjian-start", "rail-jinjian"),
                      ("coop-08", "waterway-jinghang-canal-2nd"),
                      ("coop-09", "hwy-raocheng-west")}
    same = {(i.id, str(i.same_as)) for i in registry.items if i.same_as}
    assert same == {("ms-mayors-05", "coop-30"), ("ms-raocheng-west-open", "hwy-raocheng-west"),
                    ("ms-qianhuang-chunan-open", "hwy-qianhuang-chunan")}
    coop02 = registry.get("coop-02")
    assert coop02 is not None and not coop02.links  # no source ties row 2 to the lines
    assert set(coop02.related) >= {"rail-hanghai", "rail-hanglin", "rail-hang-deqing"}
    docs = (SHIPPED.parents[1] / "docs" / "registry.md").read_text(encoding="utf-8")
    for source, target in tracks | starts | same:
        assert f"{source} → {target}" in docs


def test_notes_say_what_happened_to_this_item(registry: Registry) -> None:
    owners: dict[str, set[str]] = {}
    for item in registry.items:
        for report in item.history:
            if report.note and len(report.note) > 30:
                owners.setdefault(report.note, set()).add(item.id)
    assert {note: ids for note, ids in owners.items() if len(ids) > 1} == {}
    assert all(r.passage for i in registry.items for r in i.history)


def test_passages_are_stored_once_and_quote_the_seed_verbatim(registry: Registry) -> None:
    texts = [p.text for p in registry.passages.values()]
    assert len(texts) == len(set(texts))
    used = {r.passage for i in registry.items for r in i.history}
    assert used == set(registry.passages)
    if not SEEDS.is_dir():
        pytest.skip(f"the seed documents are not at {SEEDS}")
    for passage in registry.passages.values():
        source = registry.sources[passage.source]
        assert source.file and passage.text in seed_text(source.file, passage.source), passage.id


def test_requirement_is_the_plans_own_and_news_deadlines_have_a_source(registry: Registry) -> None:
    for item in registry.items:
        assert (item.requirement is not None) == (item.kind == "cooperation"), item.id
        if item.due is not None and item.kind != "cooperation" and not item.same_as:
            assert item.deadline and item.deadline_source in item.sources, item.id


def test_headlines_of_related_articles_are_not_evidence(registry: Registry) -> None:
    hanghai = registry.get("ms-hanghai-open")
    assert hanghai is not None and hanghai.due is None
    assert all("明年6月" not in (r.note or "") for r in hanghai.history)
    commute = registry.get("ms-commute-circle-2025")
    assert commute is not None and commute.title == "形成以“市域轨道+城市轨道”为重点的“一小时通勤圈”"


def test_a_baseline_of_another_scope_is_not_the_targets_latest(registry: Registry) -> None:
    from circletrack.query.dashboard import target_states

    gdp = registry.get("target-2025-gdp")
    assert gdp is not None and gdp.target is not None
    assert any(f.key == "baseline" and f.area != gdp.target.scope for f in gdp.facts)
    state = next(s for s in target_states(registry.items) if s.item.id == "target-2025-gdp")
    assert state.baseline is None


#: One rule reads the 2011 plan's 进度要求 (docs/registry.md, "The wording rule").
WORDING_RULE = {"2011年加快项目建设进度": "in_progress", "2011年加快项目前期进度": "planned",
                "2011年加快推进": "in_progress", "2011年完成": None, "2011年完成送审稿": None,
                "2011年下半年召开": None}


def test_the_plans_wording_is_read_the_same_way_everywhere(registry: Registry) -> None:
    plan_day = D(2011, 2, 18)
    for row in (i for i in registry.items if i.kind == "cooperation"):
        assert row.requirement in WORDING_RULE, row.id
        implied = WORDING_RULE[row.requirement]
        own = [r for r in row.history if r.date == plan_day]
        assert [r.status for r in own] == ([implied] if implied else []), row.id
        for target in row.tracks:
            project = registry.get(target)
            assert project is not None
            if project.created == plan_day:  # a project read from the same row
                assert [r.status for r in project.history if r.date == plan_day] == [implied]
    seen = {i.id: i for i in registry_as_of(registry.items, plan_day)}
    for row in (i for i in seen.values() if i.kind == "cooperation"):
        assert row.state.status == (WORDING_RULE[row.requirement] or "planned"), row.id


def test_a_percentage_is_shown_with_the_date_it_was_reported(registry: Registry) -> None:
    hangshao = next(i for i in registry_as_of(registry.items, TODAY) if i.id == "rail-hangshao")
    assert hangshao.state.progress == 25 and hangshao.state.progress_date == D(2018, 10, 24)
    assert hangshao.updated == D(2020, 11, 23)
    from circletrack.render.fields import progress_cell

    assert progress_cell(hangshao) == "25% (2018)"


# Issue 21: what the sources say, read line by line (docs/registry.md, judgement calls)


def test_meetings_a_later_meeting_presupposes_are_held(registry: Registry) -> None:
    """hzw-2020 (2020-11-23) names the 10th meeting held "去年"; press-2018 calls the 2018
    meeting the 9th: so the 9th and the 5th were held, by the rule ms-mayors-04 follows."""
    held = {i.id: i for i in registry_as_of(registry.items, D(2026, 12, 4))}
    for item_id, passage in (("ms-mayors-09", "hzw-2020-mayors-10"),
                             ("coop-30", "press-2018-conference"),
                             ("ms-mayors-04", "plan-2011-opinion-intro")):
        item = held[item_id]
        assert item.state.status == "done", item_id
        assert any(r.passage == passage and r.status == "done" for r in item.history)
    assert held["ms-mayors-05"].state.status == "done"  # as coop-30, the same meeting
    assert held["ms-mayors-05"].state.rule == "same_as"
    overdue = {i.id for i in overdue_items(registry.items, Criteria(), D(2026, 12, 4))}
    assert not {"ms-mayors-09", "ms-mayors-05", "coop-30", "coop-09"} & overdue


def test_requirements_to_press_on_are_periods_not_deadlines(registry: Registry) -> None:
    kinds = {i.id: i.due_kind for i in registry.items if i.kind == "cooperation"}
    assert {k for k, v in kinds.items() if v == "ongoing"} == {
        "coop-02", "coop-06", "coop-07", "coop-08", "coop-09", "coop-10"}
    assert kinds["coop-30"] == "hold"
    assert all(v in (None, "ongoing", "hold") for v in kinds.values())
    for item_id in ("coop-02", "coop-08", "coop-09", "coop-10"):
        item = registry.get(item_id)
        assert item is not None and "加快" in (item.requirement or "")
    # a 前期 requirement is met when the work starts: coop-09's road, under way in 2020
    now = {i.id: i for i in registry_as_of(registry.items, D(2026, 12, 4))}
    assert (now["coop-09"].state.status, now["coop-09"].state.rule,
            now["coop-09"].state.date) == ("done", "starts", D(2020, 11, 23))
    assert now["coop-08"].state.status == "planned"  # its canal: no start reported


def test_one_event_is_one_row(registry: Registry) -> None:
    day = D(2026, 12, 4)
    listing = overdue_listing(registry.items, Criteria(), day)
    ids = [i.id for i in listing.items]
    assert len(ids) == len(set(ids))
    assert "hwy-raocheng-west" in ids and "ms-raocheng-west-open" not in ids
    assert "hwy-qianhuang-chunan" in ids and "ms-qianhuang-chunan-open" not in ids
    road = next(i for i in listing.items if i.id == "hwy-raocheng-west")
    assert road.same_event == ("ms-raocheng-west-open",)


def test_intent_is_not_work(registry: Registry) -> None:
    """zjrb-2019 ¶8 "诸暨将……加快推进" is intent; ¶7 lists the works under construction."""
    for item_id in ("hub-zhuji-railway-station", "hub-zhuji-multimodal"):
        item = registry.get(item_id)
        assert item is not None and item.status == "planned"
        assert all(r.status == "planned" for r in item.history)


def test_reports_are_dated_by_one_rule(registry: Registry) -> None:
    """The day the source gives for the event, else its month's end, else publication."""
    rmw = [(i.id, r) for i in registry.items for r in i.history if r.source.startswith("人民网")]
    meeting = [i for i, r in rmw if r.date == D(2019, 12, 19)]
    assert meeting == ["ms-yrd-leading-group-2019"]  # only the meeting is dated on its day
    shanghehang = registry.get("hsr-shanghehang")
    assert shanghehang is not None
    assert [r.date for r in shanghehang.history] == [D(2020, 6, 30)]  # "2020年6月"
    assert "Dating." in (SHIPPED.parents[1] / "docs" / "registry.md").read_text(encoding="utf-8")


def test_the_seeds_cooperation_events_are_milestones(registry: Registry) -> None:
    for item_id in ("ms-anji-museum-open", "ms-yrd-credit-pilot", "ms-dream-town-shanghai",
                    "ms-yrd-pass-card"):
        item = registry.get(item_id)
        assert item is not None and item.kind == "milestone" and item.history
    for item_id in ("coop-19", "coop-22", "coop-25"):
        item = registry.get(item_id)
        assert item is not None and any(r.passage for r in item.history), item_id


def test_readings_are_chinese_and_name_only_files_that_exist(registry: Registry) -> None:
    import re

    root = SHIPPED.parents[1]
    for item in registry.items:
        reading = item.reading or ""
        assert not re.search(r"\b(planned|in_progress|done|blocked|cancelled)\b", reading), item.id
        assert not re.search(r"[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+", reading.replace("due_kind = ongoing", "")
                             .replace("due_kind = hold", "")), (item.id, reading)
    text = SHIPPED.read_text(encoding="utf-8")
    for name in re.findall(r"[\w./-]+\.(?:md|py)\b", text):
        assert (root / name).exists() or (root / "docs" / name).exists(), name
    hangshao = registry.get("rail-hangshao")
    assert hangshao is not None and all(f.area != "柯桥" for f in hangshao.facts)
