"""The interface in Chinese and English: choosing the language, every command's output in
both, JSON the same in both, English titles, and the catalogue itself."""

from __future__ import annotations

import datetime as dt
import gettext
import importlib.util
import io
import json
import re
import string
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT
from listing_helpers import REPORTS, csv_rows, write_registry
from rich.cells import cell_len
from typer.testing import CliRunner
from write_helpers import pin_today

from circletrack.base.errors import Problem
from circletrack.base.i18n import (
    LOCALE_DIR,
    _,
    current_language,
    detect_language,
    set_language,
)
from circletrack.cli import app

PO = LOCALE_DIR / "zh" / "LC_MESSAGES" / "circletrack.po"
MO = PO.with_suffix(".mo")

#: The report registry with English titles on two items.
REGISTRY = (REPORTS
            .replace('title = "两个牵头单位的事项"\n',
                     'title = "两个牵头单位的事项"\ntitle_en = "Item with two lead units"\n')
            .replace('title = "推迟两次的城际铁路"\n',
                     'title = "推迟两次的城际铁路"\ntitle_en = "Intercity line moved twice"\n'))


def tool(name: str) -> ModuleType:
    """A module of tools/ (not a package), imported from its file."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A writable copy of the bilingual report registry."""
    return write_registry(tmp_path, REGISTRY)


def run(lang: str, registry: Path, *args: str, width: int = 200) -> Any:
    """`circletrack ARGS` with CIRCLETRACK_LANG=lang and no other language variable set."""
    env = {"CIRCLETRACK_LANG": lang, "LC_ALL": None, "LC_MESSAGES": None, "LANG": None,
           "NO_COLOR": "1", "COLUMNS": str(width), "CIRCLETRACK_USER": "协调员",
           "CIRCLETRACK_REGISTRY": str(registry)}
    return CliRunner(env=env).invoke(app, list(args), prog_name="circletrack")


def output(result: Any) -> str:
    """Everything a command printed, after checking it succeeded."""
    assert result.exit_code == 0, result.output
    return result.stdout + result.stderr


# Choosing the language


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "ZH_CN"}, "zh"),
    ({"CIRCLETRACK_LANG": "zh"}, "zh"),
    ({"CIRCLETRACK_LANG": "en", "LC_ALL": "zh_CN.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"CIRCLETRACK_LANG": "", "LC_ALL": "  ", "LC_MESSAGES": "zh_CN", "LANG": "en"}, "zh"),
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
])
def test_the_first_language_variable_set_decides(env: dict[str, str], expected: str) -> None:
    assert detect_language(env) == expected


def test_set_language_switches_and_refuses_unknown_languages() -> None:
    set_language("zh")
    assert current_language() == "zh" and _("Status") == "状态"
    set_language("en")
    assert _("Status") == "Status"
    with pytest.raises(ValueError, match="fr"):
        set_language("fr")
    assert current_language() == "en"


def test_the_environment_chooses_chinese_and_lang_overrides_it(registry: Path) -> None:
    base = {"NO_COLOR": "1", "COLUMNS": "200", "CIRCLETRACK_REGISTRY": str(registry),
            "CIRCLETRACK_LANG": None, "LC_ALL": None, "LC_MESSAGES": None}
    chinese_env = CliRunner(env={**base, "LANG": "zh_CN.UTF-8"})
    assert "逾期事项" in output(chinese_env.invoke(app, ["overdue", "--as-of", "2012-01-01"]))
    english = output(chinese_env.invoke(app, ["--lang", "en", "overdue", "--as-of", "2012-01-01"]))
    assert "Overdue items" in english and "逾期事项" not in english
    english_env = CliRunner(env={**base, "LANG": "C.UTF-8"})
    assert "Overdue items" in output(english_env.invoke(app, ["overdue", "--as-of", "2012-01-01"]))
    chinese = output(english_env.invoke(app, ["--lang", "zh", "overdue", "--as-of", "2012-01-01"]))
    assert "逾期事项" in chinese and "Overdue items" not in chinese


def test_lang_lasts_for_one_invocation(registry: Path) -> None:
    assert "逾期事项" in output(run("en", registry, "--lang", "zh", "overdue", "--as-of", "2012"))
    assert "Overdue items" in output(run("en", registry, "overdue", "--as-of", "2012"))
    assert current_language() == "en"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_unknown_lang_is_a_one_line_usage_error(lang: str, registry: Path) -> None:
    result = run(lang, registry, "--lang", "fr", "status")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and "--lang" in result.stderr
    assert "'fr'" in result.stderr and "en, zh" in result.stderr
    assert result.stderr.startswith("Error: " if lang == "en" else "错误：")


# Every command's output in both languages: (arguments, English words, Chinese words).

CASES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "list": (["list", "--as-of", "2012-01-01"],
             ["ID", "Category", "Title", "Lead", "Due", "Status", "planned", "connected transport",
              "3 items as of 2012-01-01"],
             ["编号", "类别", "名称", "牵头单位", "完成时限", "状态", "计划中", "交通共联",
              "截至 2012-01-01 共 3 项"]),
    "list-csv": (["list", "--all", "--format", "csv"],
                 ["Kind", "Category", "Support", "Days overdue", "cooperation", "intercity rail",
                  "in progress", "done", "Progress reported", "Derived from"],
                 ["类型", "类别", "配合单位", "逾期天数", "合作事项", "城际铁路", "进行中",
                  "已完成", "进度报告日期", "推导自"]),
    "list-md": (["list", "--format", "md", "--as-of", "2012-01-01"],
                ["**circletrack list as of 2012-01-01: 3 items**", "| ID | Category | Title |"],
                ["**circletrack 事项清单（截至 2012-01-01，共 3 项）**", "| 编号 | 类别 | 名称 |"]),
    "show": (["show", "rail-moved", "--as-of", "2014-01-01"],
             ["Kind", "project", "intercity rail", "in progress", "overdue by", "Original due",
              "Due date moves", "Reason", "History", "Sources:"],
             ["类型", "项目", "城际铁路", "进行中", "已逾期", "原定时限", "完成时限调整", "原因",
              "进展记录", "来源："]),
    "status": (["status", "--as-of", "2012-01-01"],
               ["circletrack status, as of 2012-01-01", "2 overdue", "stale", "Items by status",
                "in progress", "cancelled", "Progress by plan heading", "Progress by mode",
                "Mean of reported", "Unreported", "highway", "Latest reports"],
               ["circletrack 概况（截至 2012-01-01）", "逾期 2 项", "久未报告", "各类事项状态",
                "进行中", "已取消", "按类别的进度", "按交通方式的进度", "已报进度均值", "未报进度",
                "高速公路", "最新报告"]),
    "timeline": (["timeline", "--from", "2011-01-01", "--to", "2013-12-31"],
                 ["Timeline 2011-01-01 – 2013-12-31", "events", "milestone", "due", "report",
                  "Date", "Event"],
                 ["时间轴 2011-01-01 – 2013-12-31", "个事件", "重要节点", "完成时限", "报告",
                  "日期", "事件"]),
    "overdue": (["overdue", "--as-of", "2012-01-01"],
                ["Overdue items as of 2012-01-01 (2)", "Requirement", "Days overdue",
                 "Updated"],
                ["逾期事项（截至 2012-01-01，共 2 项）", "进度要求", "逾期天数", "最近报告"]),
    "overdue-none": (["overdue", "--as-of", "2011-01-01"],
                     ["No overdue items as of 2011-01-01."],
                     ["截至 2011-01-01，没有逾期事项。"]),
    "overdue-md-by-unit": (["overdue", "--as-of", "2012-01-01", "--group-by", "unit",
                            "--format", "md"],
                           ["**Overdue items as of 2012-01-01 — Lead unit: 市发改委 (1)**",
                            "— Lead unit: (no lead unit) (1)", "| ID | Title | Lead |"],
                           ["**逾期事项（截至 2012-01-01）— 牵头单位：市发改委（1 项）**",
                            "— 牵头单位：（无牵头单位）（1 项）", "| 编号 | 名称 | 牵头单位 |"]),
    "overdue-csv-by-category": (["overdue", "--as-of", "2014-01-01", "--group-by", "category",
                                 "--format", "csv"],
                                ["Group (category),ID,Title,Lead,Due,Requirement,Days overdue",
                                 "intercity rail,rail-moved"],
                                ["分组（类别）,编号,名称,牵头单位,完成时限,进度要求,逾期天数",
                                 "城际铁路,rail-moved"]),
    "overdue-ics": (["overdue", "--as-of", "2012-01-01", "--format", "ics"],
                    ["X-WR-CALNAME:circletrack: overdue items as of 2012-01-01",
                     "Status: planned\\, progress —"],
                    ["X-WR-CALNAME:circletrack：逾期事项（截至 2012-01-01）",
                     "状态：计划中，进度 —"]),
    "stale": (["stale", "--as-of", "2012-06-01", "--days", "30"],
              ["Open items with no report for 30 days or more as of 2012-06-01",
               "Days since report", "in progress"],
              ["30 天以上未报告进展的未完成事项（截至 2012-06-01", "未报告天数", "进行中"]),
    "slips": (["slips", "--as-of", "2014-01-01"],
              ["Items with moved due dates as of 2014-01-01 (2)", "First due", "Moves",
               "Days slipped", "Reasons"],
              ["调整过完成时限的事项（截至 2014-01-01，共 2 项）", "最初时限", "调整次数",
               "推迟天数", "调整原因"]),
    "slips-md": (["slips", "--as-of", "2014-01-01", "--format", "md"],
                 ["| ID | Title | Lead | Status |", "| in progress |"],
                 ["| 编号 | 名称 | 牵头单位 | 状态 |", "| 进行中 |"]),
    "export-csv": (["export", "--format", "csv"],
                   ["Title (en)", "Created", "Original due", "Reading", "Reports", "highway",
                    "done"],
                   ["英文名称", "录入日期", "原定时限", "解读说明", "报告数", "高速公路",
                    "已完成"]),
    "export-md": (["export", "--format", "md", "--as-of", "2014-01-01"],
                  ["**All items as of 2014-01-01 (5)**", "| ID | Kind | Category |",
                   "cooperation"],
                  ["**全部事项（截至 2014-01-01，共 5 项）**", "| 编号 | 类型 | 类别 |",
                   "合作事项"]),
    "log": (["log"],
            ["3 reports", "Date", "Status", "Note", "Source", "done"],
            ["共 3 条报告", "日期", "状态", "报告内容", "来源", "已完成"]),
    "undo-list": (["undo", "--list"], ["nothing to undo"], ["没有可撤销的写入"]),
    "validate": (["validate"],
                 ["valid: ", "5 items (3 cooperation, 2 project, 0 milestone), 1 sources"],
                 ["有效：", "共 5 项（合作事项 3、项目 2、重要节点 0），来源 1 个"]),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_command_speaks_the_language(case: str, lang: str, registry: Path) -> None:
    args, english, chinese = CASES[case]
    printed = output(run(lang, registry, *args))
    wanted, other = (english, chinese) if lang == "en" else (chinese, english)
    for words in wanted:
        assert words in printed, f"{words!r} missing from the {lang} output:\n{printed}"
    # The other language's words never show (those the registry's own text holds excepted).
    for words in other:
        if words not in REGISTRY and not any(words in w for w in wanted):
            assert words not in printed, f"{words!r} in the {lang} output:\n{printed}"


def test_grouped_csv_names_its_groups_in_the_language(registry: Path) -> None:
    for lang, placeholder in (("en", "(no lead unit)"), ("zh", "（无牵头单位）")):
        result = run(lang, registry, "overdue", "--as-of", "2012-01-01", "--group-by", "unit",
                     "--format", "csv")
        rows = csv_rows(result.stdout_bytes)
        assert rows[0][0] == ("Group (lead unit)" if lang == "en" else "分组（牵头单位）")
        assert len(rows[0]) == len(set(rows[0]))  # every header of the file is unique
        assert placeholder in [row[0] for row in rows[1:]]


def _write(lang: str, registry: Path, *args: str) -> str:
    result = run(lang, registry, *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_write_confirmations(lang: str, registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pin_today(monkeypatch)
    zh = lang == "zh"
    mark = _write(lang, registry, "mark", "coop-b", "--progress", "40", "--note", "开工",
                  "--date", "2011-05-01")
    assert mark == (f"coop-b 没有牵头单位的事项：计划中 — → 进行中 40%（协调员 2011-05-01 的报告；"
                    f"已写入 {registry}）"
                    if zh else "coop-b 没有牵头单位的事项: planned — → in progress 40% "
                               f"(report of 2011-05-01 by 协调员; wrote {registry})")
    added = _write(lang, registry, "add", "--kind", "project", "--title", "杭德城际铁路",
                   "--category", "highway", "--due", "2026-12-31")
    assert added == (f"已添加 prj-001 杭德城际铁路（项目、高速公路、完成时限 2026-12-31），写入 {registry}"
                     if zh else f"added prj-001 杭德城际铁路 (project, highway, due 2026-12-31) to "
                                f"{registry}")
    edited = _write(lang, registry, "edit", "coop-b", "--due", "2012-06-30", "--reason", "延期",
                    "--tag", "交通")
    assert edited == ("已修改 coop-b 没有牵头单位的事项：标签、完成时限（2011-12-31 → 2012-06-30）"
                      f"（已写入 {registry}）"
                      if zh else "edited coop-b 没有牵头单位的事项: tags, due "
                                 f"(2011-12-31 → 2012-06-30) (wrote {registry})")
    same = _write(lang, registry, "edit", "coop-b", "--tag", "交通")
    assert same == ("coop-b 没有牵头单位的事项：没有修改（给出的值与当前值相同）" if zh
                    else "coop-b 没有牵头单位的事项: nothing changed "
                         "(the values given are the current ones)")
    undone = _write(lang, registry, "undo")
    assert undone.startswith(f"已在 {registry} 中撤销：circletrack edit coop-b" if zh
                             else f"undone in {registry}: circletrack edit coop-b")
    assert undone.endswith("（协调员）；之前还有 2 次写入可撤销" if zh
                           else "(by 协调员); 2 earlier writes can be undone")
    listed = _write(lang, registry, "undo", "--list")
    assert listed.startswith("#2 ") and "circletrack add --kind project" in listed
    assert "edit coop-b" not in listed


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_import_confirms_in_the_language(lang: str, registry: Path, tmp_path: Path) -> None:
    exported = tmp_path / "other.json"
    exported.write_bytes(run(lang, registry, "export", "--format", "json").stdout_bytes)
    target = write_registry(tmp_path, REGISTRY.replace('title = "已经完成的事项"',
                                                       'title = "旧标题"'), "target.toml")
    confirmed = _write(lang, target, "import", str(exported))
    assert confirmed == (f"已导入 {exported}：新增 0 项，更新 1 项，4 项未变（已写入 {target}）"
                         if lang == "zh" else
                         f"imported {exported}: 0 added, 1 updated, 4 unchanged (wrote {target})")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_validate_lists_problems_in_the_language(lang: str, tmp_path: Path) -> None:
    broken = write_registry(tmp_path, REGISTRY.replace('status = "done"', 'status = "stalled"',
                                                       1))
    result = run(lang, broken, "validate")
    assert result.exit_code == 1
    if lang == "zh":
        assert "coop-c: status: 未知状态 'stalled'，应为以下之一：planned" in result.stderr
        assert result.stderr.rstrip().endswith(f"{broken} 中有 2 个问题")
    else:
        assert "coop-c: status: unknown status 'stalled'; expected one of planned" in result.stderr
        assert result.stderr.rstrip().endswith(f"2 problems in {broken}")


def test_library_errors_and_problems_are_translated() -> None:
    set_language("zh")
    assert Problem("应为字符串", 3, "coop-01", "title").format() == "第 3 行: coop-01: title: 应为字符串"
    from circletrack.model.dates import DateError, parse_date

    with pytest.raises(DateError, match="无法把 'soon' 识别为日期"):
        parse_date("soon", dt.date(2024, 1, 1), "due")


@pytest.mark.parametrize(("args", "english", "chinese"), [
    (["show", "nosuch"], "Error: no item 'nosuch'", "错误：找不到事项 'nosuch'"),
    (["show", "coop-"], "matches", "匹配到"),
    (["list", "--status", "stalled"], "Error: --status: nothing is called 'stalled'; did you",
     "错误：--status：没有叫 'stalled' 的值；是不是"),
    (["list", "--bogus"], "Error: No such option: --bogus (see: circletrack list --help)",
     "错误：没有这个选项：--bogus（参见 circletrack list --help）"),
    (["show"], "Error: Missing argument 'ID'.", "错误：缺少参数 'ID'。"),
    (["lst"], "Error: No such command 'lst'. Did you mean 'list'?",
     "错误：没有命令 'lst'。是不是要用 'list'？"),
    (["list", "--as-of", "someday"], "cannot read 'someday' as a date",
     "无法把 'someday' 识别为日期"),
    (["mark", "coop-a"], "Error: nothing to record: give a progress, a status",
     "错误：没有可记录的内容：请给出进度、状态、说明或数值"),
])
def test_errors_are_one_line_in_the_language(args: list[str], english: str, chinese: str,
                                             registry: Path) -> None:
    for lang, expected in (("en", english), ("zh", chinese)):
        result = run(lang, registry, *args)
        assert result.exit_code == 2, result.output
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert expected in result.stderr
        assert result.stderr.startswith("Error: " if lang == "en" else "错误：")


def test_a_registry_error_is_in_chinese(tmp_path: Path) -> None:
    result = run("zh", tmp_path / "missing.toml", "list")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"错误：找不到台账文件：{tmp_path / 'missing.toml'}"
                                     "（可用 `circletrack init PATH` 创建）")


# Machine formats are the same in both languages.


@pytest.mark.parametrize("args", [
    ["list", "--all", "--format", "json"],
    ["overdue", "--as-of", "2012-01-01", "--format", "json"],
    ["overdue", "--as-of", "2012-01-01", "--group-by", "unit", "--format", "json"],
    ["show", "rail-moved", "--format", "json"],
    ["stale", "--as-of", "2012-06-01", "--format", "json"],
    ["slips", "--as-of", "2014-01-01", "--format", "json"],
    ["export", "--format", "json", "--as-of", "2014-01-01"],
    ["export", "--format", "taskwarrior", "--as-of", "2014-01-01"],
    ["log", "--format", "json"],
], ids=lambda a: " ".join(a))
def test_json_is_byte_identical_in_both_languages(args: list[str], registry: Path) -> None:
    english, chinese = run("en", registry, *args), run("zh", registry, *args)
    assert english.exit_code == chinese.exit_code == 0
    assert english.stdout_bytes == chinese.stdout_bytes
    json.loads(english.stdout_bytes)


def test_grouped_json_keeps_the_machine_group_names_in_chinese(registry: Path) -> None:
    result = run("zh", registry, "overdue", "--as-of", "2014-01-01", "--group-by", "category",
                 "--format", "json")
    groups = [g["group"] for g in json.loads(result.stdout)]
    assert "intercity_rail" in groups and "城际铁路" not in groups
    items = [i for g in json.loads(result.stdout) for i in g["items"]]
    assert {i["status"] for i in items} <= {"planned", "in_progress"}


# English titles


def test_english_output_shows_title_en_and_chinese_the_recorded_title(registry: Path) -> None:
    english = output(run("en", registry, "list", "--as-of", "2012-01-01"))
    assert "Item with two lead units" in english and "两个牵头单位的事项" not in english
    chinese = output(run("zh", registry, "list", "--as-of", "2012-01-01"))
    assert "两个牵头单位的事项" in chinese and "Item with two lead units" not in chinese
    for lang in ("en", "zh"):
        data = json.loads(run(lang, registry, "list", "--format", "json").stdout)
        first = next(i for i in data if i["id"] == "coop-a")
        assert first["title"] == "两个牵头单位的事项"
        assert first["title_en"] == "Item with two lead units"


@pytest.mark.parametrize("args", [
    ["overdue", "--as-of", "2014-01-01"],
    ["overdue", "--as-of", "2014-01-01", "--format", "md"],
    ["slips", "--as-of", "2014-01-01"],
    ["stale", "--as-of", "2014-01-01"],
    ["timeline", "--from", "2011", "--to", "2013"],
    ["log"],
    ["export", "--format", "md"],
], ids=lambda a: " ".join(a))
def test_reports_show_the_english_title_in_english(args: list[str], registry: Path) -> None:
    english = output(run("en", registry, *args))
    assert "Intercity line moved twice" in english and "推迟两次的城际铁路" not in english
    chinese = output(run("zh", registry, *args))
    assert "推迟两次的城际铁路" in chinese and "Intercity line moved twice" not in chinese


def test_show_heads_with_the_english_title_and_keeps_the_recorded_one(registry: Path) -> None:
    english = output(run("en", registry, "show", "rail-moved"))
    assert english.startswith("rail-moved  Intercity line moved twice\n")
    assert re.search(r"Chinese title +推迟两次的城际铁路", english)
    chinese = output(run("zh", registry, "show", "rail-moved"))
    assert chinese.startswith("rail-moved  推迟两次的城际铁路\n")
    assert re.search(r"英文名称 +Intercity line moved twice", chinese)


def test_the_export_csv_keeps_both_titles_in_english(registry: Path) -> None:
    rows = csv_rows(run("en", registry, "export", "--format", "csv").stdout_bytes)
    header = rows[0]
    row = next(r for r in rows if r[0] == "coop-a")
    assert row[header.index("Title")] == "两个牵头单位的事项"
    assert row[header.index("Title (en)")] == "Item with two lead units"


@pytest.mark.parametrize("args", [
    ["list", "--all"], ["status"], ["timeline"], ["show", "rail-hangshao"],
    ["overdue", "--as-of", "2012-01-01"], ["stale", "--days", "365"], ["slips"], ["log"],
], ids=lambda a: " ".join(a))
def test_chinese_tables_fit_80_columns(args: list[str], shipped_copy: Path) -> None:
    printed = output(run("zh", shipped_copy, *args, width=80))
    too_wide = [line for line in printed.splitlines() if cell_len(line) > 80]
    assert not too_wide, "\n".join(too_wide)


# The catalogue


def _fields(template: str) -> set[tuple[str, str | None]]:
    return {(name, conversion) for _text, name, _spec, conversion in
            string.Formatter().parse(template) if name is not None}


def test_the_committed_mo_is_the_compiled_po() -> None:
    compiler = tool("compile_catalogs")
    assert MO.read_bytes() == compiler.compile_file(PO), \
        "run: python tools/compile_catalogs.py"


def test_every_message_in_the_code_has_a_chinese_translation_with_the_same_placeholders() -> None:
    messages = tool("extract_messages").extract()
    entries = {(e.context, e.msgid): e for e in tool("compile_catalogs").parse_po(
        PO.read_text(encoding="utf-8"))}
    assert len(messages) > 250
    missing = [m.msgid for key, m in messages.items() if key not in entries
               or not all(entries[key].translations.values())]
    assert not missing, "untranslated: " + "; ".join(missing)
    for key, message in messages.items():
        entry = entries[key]
        assert not entry.fuzzy, message.msgid
        assert (entry.plural is None) == (message.plural is None), message.msgid
        source = message.plural or message.msgid
        for translation in entry.translations.values():
            assert _fields(translation) == _fields(source), (message.msgid, translation)
            # Chinese characters or full-width punctuation, or only the placeholders reordered
            words = re.sub(r"\{[^}]*\}", "", translation).strip()
            assert not words or re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", words), \
                (message.msgid, translation)


def test_the_catalogue_holds_no_unused_message() -> None:
    messages = tool("extract_messages").extract()
    entries = tool("compile_catalogs").parse_po(PO.read_text(encoding="utf-8"))
    unused = [e.msgid for e in entries if e.msgid and (e.context, e.msgid) not in messages]
    assert not unused, "not used in the code: " + "; ".join(unused)


def test_messages_are_literals_never_built_strings(tmp_path: Path) -> None:
    extract = tool("extract_messages")
    bad = tmp_path / "bad.py"
    bad.write_text('from circletrack.base.i18n import _\nname = "x"\nprint(_(f"no item {name}"))\n',
                   encoding="utf-8")
    with pytest.raises(extract.NotALiteral, match="bad.py:3"):
        extract.messages_in(bad, tmp_path)
    extract.extract()  # the real source has none


def test_gettext_reads_every_translation_from_the_compiled_catalogue() -> None:
    from circletrack.base.i18n import translations

    catalogue = translations("zh")
    for entry in tool("compile_catalogs").parse_po(PO.read_text(encoding="utf-8")):
        if not entry.msgid:
            continue
        if entry.plural is not None:
            got = catalogue.ngettext(entry.msgid, entry.plural, 2)
        elif entry.context is not None:
            got = catalogue.pgettext(entry.context, entry.msgid)
        else:
            got = catalogue.gettext(entry.msgid)
        assert got == entry.translations[0]


def test_the_compiler_reads_contexts_plurals_continuations_and_fuzzy_entries() -> None:
    compiler = tool("compile_catalogs")
    entries = compiler.parse_po(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#: a.py\nmsgctxt "ctx"\nmsgid "By"\nmsgstr "报告人"\n\n'
        'msgid "{n} item"\nmsgid_plural "{n} items"\nmsgstr[0] "{n} "\n"项"\n\n'
        '#, fuzzy\nmsgid "old"\nmsgstr "旧"\n\nmsgid "empty"\nmsgstr ""\n')
    assert [(e.context, e.msgid, e.plural) for e in entries] == [
        (None, "", None), ("ctx", "By", None), (None, "{n} item", "{n} items"),
        (None, "old", None), (None, "empty", None)]
    catalogue = gettext.GNUTranslations(io.BytesIO(compiler.compile_mo(entries)))
    assert catalogue.pgettext("ctx", "By") == "报告人"
    assert catalogue.ngettext("{n} item", "{n} items", 5) == "{n} 项"
    assert catalogue.gettext("old") == "old" and catalogue.gettext("empty") == "empty"


# The docs' language example is real output.


def test_the_language_example_in_docs_cli_md_is_real_output() -> None:
    from docs_examples import normalise, sandbox
    from docs_examples import run as run_example

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    found = re.search(r"```text\n\$ (circletrack --lang zh [^\n]*)\n(.*?)```", text, re.S)
    assert found, "docs/cli.md has no ```text block of a `circletrack --lang zh` example"
    with sandbox():
        actual = run_example(found.group(1))
    assert normalise(actual) == normalise(found.group(2)), actual
