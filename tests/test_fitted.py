"""The fitted item table: the fast line-by-line layout prints exactly what Rich's Table does."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from conftest import SHIPPED
from rich.console import Console

from circletrack.base.i18n import set_language
from circletrack.render import fitted
from circletrack.render.fitted import item_table
from circletrack.storage.codec import loads

DAY = dt.date(2021, 1, 1)


def render(table: fitted.ItemTable, width: int, color: bool = False) -> str:
    console = Console(file=io.StringIO(), width=width, no_color=not color,
                      force_terminal=color, color_system="standard" if color else None)
    console.print(table)
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [60, 80, 120, 200])
@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("columns", [("id", "title", "lead", "due", "progress", "status"),
                                     ("id", "category", "title", "lead", "due", "status",
                                      "progress", "updated"),
                                     ("id", "title", "lead", "due", "requirement",
                                      "days_overdue", "progress", "updated")])
def test_fast_layout_equals_rich_layout(monkeypatch: pytest.MonkeyPatch, width: int,
                                        language: str, columns: tuple[str, ...]) -> None:
    set_language(language)
    items = loads(SHIPPED.read_bytes()).items
    table = item_table(items, DAY, columns, title="Items", caption="120 items")
    monkeypatch.setattr(fitted, "FAST_ROWS", 10**9)
    slow = render(table, width)
    monkeypatch.setattr(fitted, "FAST_ROWS", 0)
    fast = render(table, width)
    assert [line.rstrip() for line in fast.splitlines()] == \
        [line.rstrip() for line in slow.splitlines()]
    plain = table.plain(width)  # what a pipe gets, laid out without Rich
    if width >= 120:  # narrower, some column sets do not fit and Rich crops them
        assert plain is not None
    if plain is not None:
        assert plain.splitlines() == [line.rstrip() for line in slow.splitlines()]
    assert max(len(line.rstrip()) for line in fast.splitlines()) <= width or width < 70


def test_a_short_table_is_laid_out_as_rich_does_too() -> None:
    items = loads(SHIPPED.read_bytes()).items[:5]
    table = item_table(items, DAY, ("id", "title", "due", "status"), title="Five")
    assert table.plain(120) == "".join(line.rstrip() + "\n"
                                       for line in render(table, 120).splitlines())


def test_fast_layout_keeps_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    items = loads(SHIPPED.read_bytes()).items
    monkeypatch.setattr(fitted, "FAST_ROWS", 0)
    out = render(item_table(items, DAY, ("id", "due", "status")), 80, color=True)
    assert "\x1b[33min progress" in out  # yellow status
    assert "\x1b[31m2011-12-31" in out  # overdue due date in red


def test_at_80_columns_titles_keep_six_chinese_characters_a_line_before_ids_fold() -> None:
    items = loads(SHIPPED.read_bytes()).items
    columns = ("id", "title", "lead", "due", "progress", "status")
    table = item_table(items, DAY, columns)
    widths = dict(zip(columns, table.widths(80)))
    assert widths["title"] >= 12 and widths["id"] >= 8
    out = render(table, 80)
    assert max(len(line) for line in out.splitlines()) <= 80
    # every title line but a title's last holds at least six Chinese characters (12 cells)
    eight = ("id", "title", "lead", "due", "requirement", "days_overdue", "progress", "updated")
    plan_rows = [i for i in items if i.kind == "cooperation"]
    out = render(item_table(plan_rows, DAY, eight), 80)
    assert all(item.id in out for item in plan_rows)  # plan-row ids are short: they stay whole




@pytest.mark.parametrize("text, width, lines", [
    ("将于2020年年底前建成通车", 10, ["将于2020年", "年底前建成", "通车"]),
    ("建成“与杭同城”交通2.0升级版", 20, ["建成“与杭同城”交通", "2.0升级版"]),
    ("(same event: ms-raocheng-west-open)", 12, ["(same event:", "ms-raocheng-", "west-open)"]),
])
def test_numbers_dates_and_ids_in_a_text_move_down_whole(text: str, width: int,
                                                         lines: list[str]) -> None:
    from circletrack.base.cells import wrap_cells

    assert wrap_cells(text, width) == lines


def test_a_list_of_units_breaks_only_between_units() -> None:
    from circletrack.render.fitted import wrap_column

    assert wrap_column("lead", "市交通局、市劳动保障局、市旅委", 14) == [
        "市交通局、", "市劳动保障局、", "市旅委"]
    assert wrap_column("title", "市交通局、市劳动保障局", 14) == ["市交通局、市劳", "动保障局"]
