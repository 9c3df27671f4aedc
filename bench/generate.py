"""Synthetic registries for the benchmark, and the same items as a Taskwarrior import file.

    python bench/generate.py --sizes 100,1000,10000 --out-dir /tmp/circletrack-bench

writes, for each size N, `registry-N.toml` (canonical: `circletrack.storage.codec.dumps` of
`circletrack.model.records` objects, checked with `circletrack.storage.codec.loads`, which validates),
`taskwarrior-N.json` (a JSON array for `task import`) holding the same items, and
`probe-N.json`, the item the benchmark shows and marks.

The output is deterministic: the same seed and size give the same bytes. Dates are fixed,
not taken from the clock: every report is dated on or before REPORT_HORIZON (2026-06-30),
half the due dates lie in 2012–2025 and the other half in 2028–2035, so "half past due"
holds for any run before 2028.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib.util
import json
import random
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"
if importlib.util.find_spec("circletrack") is None:  # else: the circletrack on PYTHONPATH
    sys.path.insert(0, str(SRC))

from circletrack.model.records import (  # noqa: E402
    CATEGORIES_BY_KIND,
    DueChange,
    Fact,
    Item,
    Registry,
    Report,
    Source,
    Target,
    current_state,
)
from circletrack.storage.codec import dumps, loads  # noqa: E402

DEFAULT_SEED = 2011
DEFAULT_SIZES = (100, 1_000, 10_000)
#: No report is dated after this day, so `mark` dated today is always the latest report.
REPORT_HORIZON = dt.date(2026, 6, 30)
FIRST_CREATED = dt.date(2011, 1, 1)
LAST_CREATED = dt.date(2024, 6, 30)
PAST_DUE = (dt.date(2012, 1, 1), dt.date(2025, 12, 31))
FUTURE_DUE = (dt.date(2028, 1, 1), dt.date(2035, 12, 31))
#: Share of items per kind and per final status.
KIND_WEIGHTS = {"cooperation": 35, "project": 45, "milestone": 20}
STATUS_WEIGHTS = {"planned": 25, "in_progress": 40, "done": 20, "blocked": 8, "cancelled": 7}
TW_NAMESPACE = uuid.UUID("6f1c1e52-9a57-4d5e-9a8e-1c0a2b3c4d5e")

CITIES = ("杭州", "湖州", "嘉兴", "绍兴", "衢州", "黄山", "德清", "安吉", "长兴", "海宁", "桐乡",
          "诸暨", "柯桥", "上虞", "临安", "富阳", "建德", "淳安", "桐庐", "萧山", "余杭", "海盐",
          "平湖", "嘉善", "开化", "江山", "龙游", "歙县", "休宁", "黟县")
UNITS = ("市交通局", "市发改委", "市规划局", "市经委", "市环保局", "市旅委", "市教育局",
         "市劳动保障局", "市金融办", "市信息办", "市地铁集团", "市卫生局", "市商务委", "市农办",
         "市科技局", "市建委", "市水利局", "市文广新局", "市经合办", "市公安局", "市民政局",
         "市国土资源局", "市港航局", "市城投集团", "省交通集团", "省发改委", "省铁投集团")
COOPERATION_TOPICS: dict[str, tuple[str, ...]] = {
    "planning": ("产业集聚区规划对接", "空间规划协同编制", "生态保护红线衔接", "城际轨道交通规划研究",
             "工业发展专项规划", "信息化合作专项规划"),
    "transport": ("公交同城化", "毗邻道路连通", "客运班线公交化改造", "交通一卡通互联互通",
             "跨界断头路打通"),
    "market": ("人才市场一体化", "要素交易平台共建", "旅游年卡互认", "农产品流通合作"),
    "industry": ("产业园区合作共建", "飞地经济合作", "科技创新券通用通兑", "特色小镇结对共建"),
    "brand": ("旅游联合推介", "区域品牌联合营销", "会展活动联合举办"),
    "environment": ("跨界河流联合治理", "大气污染联防联控", "环保联合执法行动"),
    "society": ("医保异地结算", "优质教育资源共享", "公共图书馆通借通还", "养老服务合作",
             "就业信息互通"),
    "mechanism": ("联席会议制度完善", "专业委员会工作机制"),
    "mayors": ("市长联席会议筹备",),
}
PROJECT_TYPES: dict[str, tuple[str, ...]] = {
    "intercity_rail": ("城际铁路", "市域铁路", "城际铁路二期工程"),
    "high_speed_rail": ("高速铁路", "客运专线"),
    "rail": ("铁路支线", "货运铁路"),
    "metro": ("地铁延伸线", "轨道交通快线"),
    "highway": ("高速公路", "高速公路改扩建工程", "绕城高速复线"),
    "road": ("快速路", "国道改建工程", "省道拓宽工程", "城际干线公路"),
    "bridge": ("跨江大桥", "钱塘江通道"),
    "waterway": ("航道整治工程", "运河二通道", "港区码头工程"),
    "airport": ("机场航站楼扩建", "通用机场", "机场快线"),
    "hub": ("综合交通枢纽", "高铁站站前枢纽"),
    "bus": ("城际公交线", "毗邻公交专线"),
}
EVENTS = ("人才交流大会", "旅游推介会", "文化旅游节", "经贸合作洽谈会", "科技成果对接会", "环保联合行动")
TARGETS = (("轨道交通运营里程", "公里"), ("高速公路通车里程", "公里"), ("城际公交线路", "条"),
           ("跨区域就医结算人次", "万人次"), ("地区生产总值", "亿元"))
TAGS: dict[str, tuple[str, ...]] = {
    "cooperation": ("规划", "民生", "生态", "旅游", "产业", "人才", "金融", "公共服务"),
    "project": ("轨道交通", "公路", "水运", "航空", "重点工程", "十三五", "十四五", "亚运"),
    "milestone": ("会议", "活动", "目标", "长三角一体化"),
}
MEDIA = ("杭州日报", "浙江日报", "人民网", "杭州网", "湖州日报", "嘉兴日报", "绍兴日报", "衢州日报",
         "黄山日报", "都市圈简报")
NOTES: dict[str, tuple[str, ...]] = {
    "planned": ("列入年度工作计划", "开展前期研究", "完成项目建议书编制", "积极谋划",
                "工程可行性研究报告已报省发改委审批,正在开展初步设计和施工图设计招标准备工作"),
    "in_progress": ("主体工程开工", "完成年度投资计划的一半", "进入攻坚阶段", "全面展开建设",
                    "形象进度过半,沿线征地拆迁基本完成,桥梁下部结构施工有序推进,预计明年主体完工"),
    "done": ("建成通车", "完成并通过验收", "正式投入运营", "全线贯通,已举行通车仪式,日均客流量超过预期"),
    "blocked": ("因征地拆迁滞后暂停", "资金未落实,暂缓实施",
                "环评批复尚未取得,沿线两地对线位走向仍有分歧,项目暂停推进"),
    "cancelled": ("经联席会议研究不再实施", "并入其他项目实施"),
}
#: How each final status is reached over three reports: (status, progress or None).
PATHS: dict[str, tuple[tuple[str, bool], ...]] = {
    "planned": (("planned", False), ("planned", False), ("planned", False)),
    "in_progress": (("planned", False), ("in_progress", True), ("in_progress", True)),
    "done": (("in_progress", True), ("in_progress", True), ("done", True)),
    "blocked": (("in_progress", True), ("in_progress", True), ("blocked", False)),
    "cancelled": (("planned", False), ("in_progress", True), ("cancelled", False)),
}


def _sources() -> dict[str, Source]:
    def source(key: str, title: str, publisher: str, day: dt.date) -> Source:
        return Source(id=key, title=title, publisher=publisher, date=day,
                      note="合成数据:circletrack 基准测试生成,内容不对应真实文件。")

    found = [
        source("plan-2011", "杭州都市经济圈合作项目计划安排表(合成)", "杭州市人民政府办公厅",
               dt.date(2011, 2, 18)),
        source("press-2018", "杭州都市圈建设发展新闻发布会(合成)", "杭州都市圈宣传专业委员会",
               dt.date(2018, 10, 24)),
        source("rmw-2019", "杭州推进长三角一体化成绩单(合成)", "人民网", dt.date(2019, 12, 20)),
        source("hzw-2020", "杭州都市圈打造国际化大都市圈(合成)", "杭州网", dt.date(2020, 11, 23)),
        source("bench-2024", "杭州都市圈年度工作报告(合成)", "杭州市经合办", dt.date(2024, 3, 1)),
    ]
    return {s.id: s for s in found}


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _distinct_days(rng: random.Random, first: dt.date, last: dt.date, count: int) -> list[dt.date]:
    span = (last - first).days
    offsets = rng.sample(range(1, span + 1), count)
    return sorted(first + dt.timedelta(days=o) for o in offsets)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _title(rng: random.Random, kind: str, category: str, cities: list[str], number: int) -> str:
    a, b = cities[0], cities[-1]
    if kind == "cooperation":
        topic = rng.choice(COOPERATION_TOPICS[category])
        return f"{a}与{b}{topic}" if a != b else f"{a}{topic}"
    if kind == "project":
        kind_text = rng.choice(PROJECT_TYPES[category])
        phase = rng.choice(("", "", "(一期)", "(二期)", f"第{number % 9 + 1}标段"))
        return f"{a}至{b}{kind_text}{phase}"
    if category == "meeting":
        return f"杭州都市圈第{number % 40 + 1}次市长联席会议"
    if category == "event":
        return f"{a}都市圈{rng.choice(EVENTS)}"
    label, _unit = rng.choice(TARGETS)
    return f"都市圈{label}目标"


def _history(rng: random.Random, final: str, created: dt.date, lead: str,
             target: Target | None) -> list[Report]:
    days = _distinct_days(rng, created, REPORT_HORIZON, 3)
    progress = sorted(rng.sample(range(5, 96), 2))
    reports = []
    given = 0
    for day, (status, has_progress) in zip(days, PATHS[final]):
        value: int | None = None
        if has_progress:
            value = 100 if status == "done" else progress[given]
            given += 1
        reached = (round(target.value * (value or 0) / 100)
                   if target is not None and value is not None else None)
        reports.append(Report(
            date=day, status=status, progress=value, value=reached,
            note=rng.choice(NOTES[status]),
            by=rng.choice((lead, lead, "市经合办", "都市圈协调会办公室")),
            source=f"{rng.choice(MEDIA)} {day.isoformat()}"))
    return reports


def make_item(rng: random.Random, number: int, item_ids: list[str]) -> Item:
    """One synthetic item whose status and progress are what its three reports imply."""
    kind = _weighted(rng, KIND_WEIGHTS)
    category = rng.choice(CATEGORIES_BY_KIND[kind])
    cities = rng.sample(CITIES, rng.randint(1, 4))
    lead = rng.sample(UNITS, rng.choice((1, 1, 1, 2)))
    support = rng.sample([u for u in UNITS if u not in lead], rng.choice((0, 0, 1, 2)))
    created = _day_between(rng, FIRST_CREATED, LAST_CREATED)
    past = number % 2 == 0  # exactly half the due dates are in the past
    low, high = PAST_DUE if past else FUTURE_DUE
    due = _day_between(rng, max(low, created + dt.timedelta(days=90)), high)
    prefix = {"cooperation": "coop", "project": "prj", "milestone": "ms"}[kind]
    title = _title(rng, kind, category, cities, number)
    target = None
    if kind == "milestone" and category == "target":
        _label, unit = rng.choice(TARGETS)
        target = Target(value=rng.choice((300, 500, 700, 1000, 1200)), unit=unit, year=due.year,
                        op=rng.choice((">=", ">=", ">")))
    final = _weighted(rng, STATUS_WEIGHTS)
    history = _history(rng, final, created, lead[0], target)
    status, progress = current_state(history)
    sources = sorted(rng.sample(("plan-2011", "press-2018", "rmw-2019", "hzw-2020",
                                 "bench-2024"), rng.randint(1, 2)))
    facts = []
    if kind == "project" and rng.random() < 0.6:  # every fact's source is among the item's
        facts.append(Fact(key="length", label="全长", value=round(rng.uniform(5, 180), 1),
                          unit="km", source=sources[0]))
        facts.append(Fact(key="investment", label="总投资", value=round(rng.uniform(10, 600), 1),
                          unit="亿元", source=rng.choice(sources)))
    original_due = None
    due_changes = []
    if rng.random() < 0.06:
        original_due = due - dt.timedelta(days=rng.randint(90, 720))
        moved = _day_between(rng, created, REPORT_HORIZON)
        due_changes.append(DueChange(from_=original_due, to=due, date=moved,
                                     reason=rng.choice(("征地拆迁滞后,经协调会同意延期",
                                                        "设计方案调整", "资金安排推迟")),
                                     by=lead[0]))
    related = [rng.choice(item_ids)] if item_ids and rng.random() < 0.1 else []
    # a tenth of the plan rows follow earlier items, as the shipped plan rows follow roads
    tracks = ([rng.choice(item_ids)] if kind == "cooperation" and item_ids
              and rng.random() < 0.1 else [])
    related = [r for r in related if r not in tracks]
    return Item(
        id=f"{prefix}-{number:05d}", kind=kind, title=title, created=created, category=category,
        content=f"推进{title},{'、'.join(cities)}协同实施,由{'、'.join(lead)}牵头。",
        lead=lead, support=support, cities=cities, due=due,
        requirement=f"{due.year}年完成" if kind == "cooperation" else None,
        status=status, progress=progress,
        tags=rng.sample(TAGS[kind], rng.randint(1, 3)),
        sources=sources, related=related, tracks=tracks, original_due=original_due,
        facts=facts, target=target,
        history=history, due_changes=due_changes)


def make_registry(size: int, seed: int = DEFAULT_SEED) -> Registry:
    """A registry of `size` synthetic items; the same (size, seed) always gives the same one."""
    rng = random.Random(f"{seed}:{size}")
    items: list[Item] = []
    ids: list[str] = []
    for number in range(1, size + 1):
        item = make_item(rng, number, ids)
        items.append(item)
        ids.append(item.id)
    return Registry(sources=_sources(), items=items)


def task_uuid(item_id: str) -> str:
    """The Taskwarrior uuid of an item: stable, derived from its id."""
    return str(uuid.uuid5(TW_NAMESPACE, item_id))


def _tw_date(day: dt.date, time: str = "000000") -> str:
    return f"{day:%Y%m%d}T{time}Z"


def task_of(item: Item) -> dict[str, Any]:
    """The item as one Taskwarrior task (for `task import`).

    Open items are pending (in_progress ones started, blocked ones tagged +blocked), done
    items completed and cancelled items deleted, ended on their latest report. The due date
    is the end of the due day (23:59:59 UTC), so Taskwarrior's overdue (due before now)
    matches circletrack's (due before today). Each report becomes an annotation; the
    progress is a numeric UDA, `progress`, declared in the benchmark's taskrc.
    """
    task: dict[str, Any] = {
        "uuid": task_uuid(item.id),
        "description": item.title,
        "entry": _tw_date(item.created),
        "project": f"{item.kind}.{item.category}",
        "tags": [*item.tags, *(["blocked"] if item.status == "blocked" else [])],
        "progress": item.progress if item.progress is not None else 0,
    }
    if item.due is not None:
        task["due"] = _tw_date(item.due, "235959")
    latest = max(r.date for r in item.history) if item.history else item.created
    if item.status == "done":
        task["status"], task["end"] = "completed", _tw_date(latest, "120000")
    elif item.status == "cancelled":
        task["status"], task["end"] = "deleted", _tw_date(latest, "120000")
    else:
        task["status"] = "pending"
        started = [r.date for r in item.history if r.status == "in_progress"]
        if item.status == "in_progress" and started:
            task["start"] = _tw_date(started[0], "090000")
    task["modified"] = _tw_date(latest, "120000")
    task["annotations"] = [
        {"entry": _tw_date(r.date, f"12{n:02d}00"),
         "description": f"{r.status} {r.progress if r.progress is not None else '-'}% "
                        f"{r.note or ''} ({r.source}; {r.by or ''})"}
        for n, r in enumerate(item.history)]
    return task


def taskwarrior_json(registry: Registry) -> bytes:
    """The registry's items as a Taskwarrior import file: a JSON array, one task a line."""
    lines = [json.dumps(task_of(item), ensure_ascii=False) for item in registry.items]
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8")


@dataclass(frozen=True)
class Probe:
    """The item the benchmark shows and marks, and what `mark` sets its progress to."""

    item_id: str
    uuid: str
    progress: int


def probe_item(registry: Registry) -> Probe:
    """An in-progress item near the middle of the registry, below 90%, to show and mark."""
    middle = len(registry.items) // 2
    ordered = registry.items[middle:] + registry.items[:middle]
    item = next(i for i in ordered if i.status == "in_progress" and i.progress is not None
                and i.progress < 90 and not i.links)
    return Probe(item.id, task_uuid(item.id), min(99, item.progress + 5))


def write_files(size: int, out_dir: Path, seed: int = DEFAULT_SEED) -> tuple[Path, Path, Probe]:
    """Write registry-N.toml and taskwarrior-N.json; the registry is validated first."""
    registry = make_registry(size, seed)
    data = dumps(registry)
    reread = loads(data, f"registry-{size}.toml")  # validates; raises RegistryInvalid if not
    if len(reread.items) != size or dumps(reread) != data:
        raise AssertionError("generated registry does not round-trip")
    out_dir.mkdir(parents=True, exist_ok=True)
    toml_path = out_dir / f"registry-{size}.toml"
    json_path = out_dir / f"taskwarrior-{size}.json"
    toml_path.write_bytes(data)
    json_path.write_bytes(taskwarrior_json(registry))
    probe = probe_item(registry)
    (out_dir / f"probe-{size}.json").write_text(json.dumps(dataclasses.asdict(probe)) + "\n")
    return toml_path, json_path, probe


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated item counts (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out-dir", type=Path, default=Path("bench-data"))
    args = parser.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",")):
        toml_path, json_path, probe = write_files(size, args.out_dir, args.seed)
        print(f"{size:>6} items: {toml_path} ({toml_path.stat().st_size:,} bytes), "
              f"{json_path} ({json_path.stat().st_size:,} bytes); probe {probe.item_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
