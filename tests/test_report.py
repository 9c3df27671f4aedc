"""`circletrack report`: the figures and Gantt rows as pure functions, and the page the
installed program writes (one file, nothing fetched, every item in range named, escaped,
in the interface language, under 2 MB for the shipped registry)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SHIPPED
from program import run

from circletrack.model.records import Item, Report, Target
from circletrack.office.gantt import gantt_groups, gantt_row
from circletrack.office.report import circle_report, figures, target_lines, unit_loads
from circletrack.query.select import Criteria, registry_as_of
from circletrack.render.chart_geometry import TimeScale, cut, text_width, time_ticks
from circletrack.storage import load, locate

DAY = dt.date(2020, 12, 31)


def item(**fields: object) -> Item:
    base: dict[str, object] = {"id": "prj-001", "kind": "project", "title": "杭绍城际铁路",
                               "category": "intercity_rail", "created": dt.date(2015, 3, 1)}
    return Item(**{**base, **fields})  # type: ignore[arg-type]


def report(on: str, status: str | None = None, progress: int | None = None,
           value: float | None = None, note: str | None = None) -> Report:
    return Report(date=dt.date.fromisoformat(on), status=status, progress=progress,
                  value=value, note=note, source="test")


def test_a_done_bar_runs_from_the_first_evidence_to_the_report_that_finished_it() -> None:
    done = item(history=(report("2013-05-01", "in_progress"), report("2018-10-24", "done")))
    row = gantt_row(done, DAY)
    assert row is not None
    assert (row.start, row.end, row.ends, row.overdue) == (
        dt.date(2013, 5, 1), dt.date(2018, 10, 24), "done", False)
    assert row.reports == (dt.date(2013, 5, 1), dt.date(2018, 10, 24))


def test_an_open_bar_ends_on_its_due_date_and_is_overdue_after_it() -> None:
    late = gantt_row(item(due=dt.date(2019, 6, 30)), DAY)
    assert late is not None and late.ends == "due" and late.overdue
    assert late.reach(DAY) == DAY
    ongoing = gantt_row(item(due=dt.date(2019, 6, 30), due_kind="ongoing"), DAY)
    assert ongoing is not None and not ongoing.overdue


def test_an_open_bar_without_a_due_date_runs_to_the_as_of_day() -> None:
    row = gantt_row(item(), DAY)
    assert row is not None and (row.end, row.ends) == (DAY, "open")


def test_a_milestone_is_a_point_on_its_done_or_due_day_or_not_shown() -> None:
    held = item(kind="milestone", category="meeting", due=dt.date(2020, 6, 30),
                history=(report("2020-05-01", "done"),))
    row = gantt_row(held, DAY)
    assert row is not None and row.point and row.end == dt.date(2020, 5, 1)
    assert gantt_row(item(kind="milestone", category="event"), DAY) is None


def test_groups_follow_the_schema_and_keep_only_rows_in_range() -> None:
    items = [item(id="a", category="highway", created=dt.date(2012, 1, 1),
                  history=(report("2014-01-01", "done"),)),
             item(id="b", due=dt.date(2030, 1, 1)),
             item(id="c", kind="cooperation", category="transport", due=dt.date(2011, 12, 31),
                  created=dt.date(2011, 2, 18))]
    groups = gantt_groups(items, DAY, dt.date(2016, 1, 1), dt.date(2035, 12, 31))
    assert [(g.kind, g.category, [r.item.id for r in g.rows]) for g in groups] == [
        ("cooperation", "transport", ["c"]),  # overdue: it reaches the as-of day
        ("project", "intercity_rail", ["b"]),
    ]


def test_figures_units_and_targets() -> None:
    items = [item(id="a", due=dt.date(2020, 1, 1), lead=("市交通局",), support=("市发改委",)),
             item(id="b", due=dt.date(2021, 1, 15), lead=("市交通局",)),
             item(id="c", history=(report("2020-03-01", "done"),)),
             item(id="t", kind="milestone", category="target", due=dt.date(2025, 12, 31),
                  target=Target(value=700, unit="公里", year=2025),
                  history=(report("2019-01-01", value=300), report("2020-06-01", value=420)))]
    seen = registry_as_of(items, DAY)
    assert figures(seen, DAY) == replace(figures(seen, DAY), items=4, open=3, overdue=1,
                                         due_soon=1, done_this_year=1)
    assert [(u.unit, u.overdue, u.due_soon) for u in unit_loads(seen, DAY)] == [
        ("市交通局", 1, 1), ("市发改委", 1, 0)]
    (line,) = target_lines(seen)
    assert (line.latest, line.latest_on, line.met) == (420, dt.date(2020, 6, 1), False)


def test_the_time_axis_and_cut_texts() -> None:
    scale = TimeScale(dt.date(2011, 1, 1), dt.date(2035, 12, 31), 0, 500)
    labels = [t.label for t in time_ticks(scale) if t.label]
    assert labels == ["2015", "2020", "2025", "2030", "2035"]
    short = TimeScale(dt.date(2020, 1, 1), dt.date(2020, 12, 31), 0, 500)
    assert [t.label for t in time_ticks(short) if t.label][:2] == ["2020-01", "2020-04"]
    assert scale.x(dt.date(2000, 1, 1)) == 0 and scale.x(dt.date(2040, 1, 1)) == 500
    assert text_width(cut("杭州都市圈第十次市长联席会议", 60, 10), 10) <= 60


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The page the installed program writes for the shipped registry, in each language."""
    folder = tmp_path_factory.mktemp("report")
    made = {}
    for lang in ("en", "zh"):
        path = folder / f"{lang}.html"
        done = run(["--lang", lang, "report", "--as-of", "2020-12-31", "-o", str(path),
                    "--registry", str(SHIPPED)], env={"CIRCLETRACK_CACHE_DIR": str(folder)})
        assert done.returncode == 0, done.stderr
        made[lang] = path.read_text(encoding="utf-8")
    return made


def test_the_page_is_one_offline_file_under_two_megabytes(pages: dict[str, str]) -> None:
    for text in pages.values():
        assert len(text.encode("utf-8")) < 2_000_000
        assert "<script" not in text.lower()
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?"""
                             r"""\s*(?:https?:)?//|@import""", text, re.I)
        assert "Noto Sans CJK SC" in text and "Microsoft YaHei" in text
        assert "@page{size:A4 landscape" in text


def test_the_page_names_every_item_in_range_in_the_language(pages: dict[str, str]) -> None:
    items = load(locate(SHIPPED)).items
    built = circle_report(items, Criteria(), DAY)
    ids = [r.item.id for g in built.groups for r in g.rows]
    assert len(ids) > 120
    for text in pages.values():
        assert all(f">{i}<" in text for i in ids)
    assert "杭州都市圈一览" in pages["zh"] and "按类别的进度" in pages["zh"]
    assert '<html lang="zh-CN">' in pages["zh"] and '<html lang="en">' in pages["en"]
    assert "Progress by plan heading" in pages["en"]


def test_every_text_from_the_registry_is_escaped(tmp_path: Path) -> None:
    registry = tmp_path / "r.toml"
    registry.write_text(SHIPPED.read_text(encoding="utf-8").replace(
        'title = "杭绍城际铁路"', 'title = "杭绍<script>alert(1)</script>&\\"城际"', 1),
        encoding="utf-8")
    done = run(["report", "--as-of", "2020-12-31", "--registry", str(registry)],
               env={"CIRCLETRACK_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "<script" not in done.stdout
    assert "杭绍&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#34;城际" in done.stdout


def test_filters_and_the_span_narrow_the_page(tmp_path: Path) -> None:
    done = run(["report", "--as-of", "2020-12-31", "--kind", "project", "--category",
                "intercity_rail", "--from", "2018-01-01", "--to", "2022-12-31",
                "--registry", str(SHIPPED)], env={"CIRCLETRACK_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert ">rail-hangshao<" in done.stdout and ">coop-01<" not in done.stdout
    assert ">2020-01<" in done.stdout or ">2020<" in done.stdout
    bad = run(["report", "--from", "2030", "--to", "2020", "--registry", str(SHIPPED)])
    assert bad.returncode == 2 and bad.stderr.startswith("Error: --from")
