"""The shipped registry: valid, canonical, complete, sourced; --as-of replays hand-checked dates."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import SHIPPED
from typer.testing import CliRunner

from circletrack.cli import app
from circletrack.codec import dumps, loads, problems_in
from circletrack.model import COOPERATION_CATEGORIES, Registry
from circletrack.query import Criteria, item_as_of, overdue_items, registry_as_of

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
    assert counts == {"规划共绘": 5, "交通共联": 5, "市场共构": 4, "产业共兴": 4, "品牌共推": 3,
                      "环境共建": 2, "社会共享": 6, "合作机制": 1, "市长会议": 1}
    assert list(dict.fromkeys(i.category for i in rows)) == list(COOPERATION_CATEGORIES)
    assert all(i.due == D(2011, 12, 31) and i.requirement and i.content for i in rows)
    assert all(i.lead and i.sources == ["plan-2011"] for i in rows)


def test_empty_unit_cells_read_as_merged_and_say_so(registry: Registry) -> None:
    merged = {"coop-08": "市交通局", "coop-09": "市交通局", "coop-22a": "市环保局",
              "coop-24": "市教育局", "coop-26": "市劳动保障局"}
    for item_id, unit in merged.items():
        item = registry.get(item_id)
        assert item is not None and item.lead == [unit]
        assert item.reading and "merged" in item.reading


def test_lead_and_supporting_units_as_the_table_labels_them(registry: Registry) -> None:
    def units(item_id: str) -> tuple[list[str], list[str]]:
        item = registry.get(item_id)
        assert item is not None
        return item.lead, item.support

    assert units("coop-02") == (["市规划局"], ["市地铁集团"])
    assert units("coop-17") == (["市民政局"], ["市经委", "市贸易局"])
    assert units("coop-21") == (["市新闻办"], ["市交通局", "杭州文广集团", "杭报集团"])
    assert units("coop-29") == (["市科技局", "市卫生局", "市民政局", "市工商局"], [])
    assert units("coop-30") == (["萧山区政府"], [])


def test_projects_and_milestones_are_all_there(registry: Registry) -> None:
    kinds = Counter(i.kind for i in registry.items)
    assert kinds == {"cooperation": 31, "project": 57, "milestone": 32}
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
    assert item.due == D(2025, 12, 31) and item.sources == ["hzw-2020"]


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
    assert then is not None and (then.status, then.progress) == ("in_progress", 0)
    assert (item_as_of(item, D(2018, 10, 24)).status) == "done"  # type: ignore[union-attr]


def test_what_we_knew_at_the_end_of_2011(registry: Registry) -> None:
    known = registry_as_of(registry.items, D(2011, 12, 31))
    assert Counter(i.kind for i in known) == {"cooperation": 31, "project": 4, "milestone": 2}
    assert overdue_items(registry.items, Criteria(), D(2011, 12, 31)) == []
    overdue = overdue_items(registry.items, Criteria(), D(2012, 1, 1))
    assert len(overdue) == 32  # the 31 plan rows and the fifth mayors' meeting
    assert {i.id for i in overdue} - {i.id for i in known if i.kind == "cooperation"} == {
        "ms-mayors-05"}


def test_as_of_counts_by_year(registry: Registry) -> None:
    assert len(registry_as_of(registry.items, D(2018, 12, 31))) == 68
    assert len(registry_as_of(registry.items, D(2019, 12, 31))) == 91
    assert len(registry_as_of(registry.items, D(2020, 12, 31))) == 120


def test_list_as_of_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["list", "--as-of", "2019-01-01", "--kind", "project",
                                 "--category", "intercity_rail", "-f", "json", "--all",
                                 "-r", str(SHIPPED)])
    assert result.exit_code == 0
    data = {d["id"]: d for d in json.loads(result.stdout)}
    assert data["rail-hangshao"]["progress"] == 25
    assert data["rail-hangshao"]["updated"] == "2018-10-24"
    assert "rail-huhang-intercity" not in data  # first reported 2019-12-19
