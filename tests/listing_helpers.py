"""A hand-written registry for the report tests: moved deadlines, several lead units,
items without units or cities, a closed item, and titles that try to be spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from circletrack.cli import app

#: Titles a spreadsheet would run as formulas if written as they are.
HOSTILE_TITLES: dict[str, str] = {
    "evil-cmd": "=cmd|' /C calc'!A0",
    "evil-plus": "+1",
    "evil-minus": "-1",
    "evil-at": "@SUM(A1:A9)",
    "evil-tab": "\tTabbed",
}
# (A title starting with a carriage return is a formula trigger too, but no registry can hold
# one: CR is a control character the validator refuses; the CSV writers still neutralise it.)

REPORTS = """\
schema = 1

[sources.plan-2011]
title = "杭政办函[2011]44号"
publisher = "杭州市人民政府办公厅"
date = 2011-02-18

[[items]]
id = "coop-a"
kind = "cooperation"
title = "两个牵头单位的事项"
category = "交通共联"
lead = ["市发改委", "市交通运输局"]
support = ["湖州市政府"]
cities = ["湖州", "嘉兴"]
created = 2011-02-18
due = 2011-06-30
requirement = "2011年6月底前完成"
sources = ["plan-2011"]

[[items]]
id = "coop-b"
kind = "cooperation"
title = "没有牵头单位的事项"
category = "规划共绘"
created = 2011-02-18
due = 2011-12-31
requirement = "2011年完成"
sources = ["plan-2011"]

[[items]]
id = "coop-c"
kind = "cooperation"
title = "已经完成的事项"
category = "交通共联"
lead = ["市发改委"]
created = 2011-02-18
due = 2011-03-31
status = "done"
progress = 100
sources = ["plan-2011"]
history = [
    { date = 2011-03-01, status = "done", progress = 100, note = "已完成", source = "简报 2011-03-01" },
]

[[items]]
id = "rail-moved"
kind = "project"
title = "推迟两次的城际铁路"
category = "intercity_rail"
lead = ["市交通运输局"]
cities = ["绍兴"]
created = 2011-02-18
due = 2013-06-30
original_due = 2012-06-30
status = "in_progress"
progress = 40
sources = ["plan-2011"]
history = [
    { date = 2011-05-01, status = "in_progress", progress = 40, note = "开工", source = "新闻 2011-05-01" },
]
due_changes = [
    { from = 2012-06-30, to = 2012-12-31, date = 2011-09-01, reason = "征地拆迁滞后", by = "市交通运输局" },
    { from = 2012-12-31, to = 2013-06-30, date = 2012-11-15, reason = "设计方案调整", by = "市发改委" },
]

[[items]]
id = "road-moved-done"
kind = "project"
title = "推迟后完成的公路"
category = "highway"
lead = ["市交通运输局"]
created = 2011-02-18
due = 2011-10-31
original_due = 2011-08-31
status = "done"
progress = 100
sources = ["plan-2011"]
history = [
    { date = 2011-10-20, status = "done", progress = 100, note = "通车", source = "新闻 2011-10-20" },
]
due_changes = [
    { from = 2011-08-31, to = 2011-10-31, date = 2011-07-01, reason = "雨季", by = "市交通运输局" },
]
"""


#: A title full of the characters iCalendar and Markdown must escape.
ESCAPE_TITLE = '逗号,分号;反斜杠\\ 竖线| "引号"'


def hostile_items() -> str:
    """[[items]] tables whose titles start with formula characters or need escaping."""
    tables = []
    for item_id, title in {**HOSTILE_TITLES, "escape-chars": ESCAPE_TITLE}.items():
        escaped = json.dumps(title, ensure_ascii=False)  # a JSON string is a TOML basic string
        tables.append(f'''
[[items]]
id = "{item_id}"
kind = "cooperation"
title = {escaped}
category = "合作机制"
lead = [{escaped}]
created = 2011-02-18
due = 2011-12-01
requirement = "=HYPERLINK(\\"http://evil\\")"
sources = ["plan-2011"]
''')
    return "".join(tables)


def write_registry(folder: Path, text: str = REPORTS, name: str = "projects.toml") -> Path:
    """Write a registry file into a folder and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str | Path) -> Any:
    """Invoke circletrack with arguments (paths turned into text); the Click Result."""
    return CliRunner().invoke(app, [str(a) for a in args])


def csv_rows(data: bytes) -> list[list[str]]:
    """Rows of CSV bytes, read the way Excel does: BOM dropped, RFC 4180 quoting."""
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
