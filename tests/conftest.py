"""Shared fixtures: a small registry written by hand, and temporary copies of the shipped one."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "projects.toml"

SMALL = """\
schema = 2

[sources.plan-2011]
title = "杭政办函[2011]44号"
publisher = "杭州市人民政府办公厅"
date = 2011-02-18

[sources.hzw-2020]
title = "持续推进这“七个圈”"
publisher = "杭州网"
date = 2020-11-23

[[items]]
id = "coop-01"
kind = "cooperation"
title = "省级产业集聚区规划建设"
category = "planning"
lead = [
    "市发改委",
]
created = 2011-02-18
due = 2011-12-31
requirement = "2011年完成"
status = "planned"
sources = [
    "plan-2011",
]

[[items]]
id = "rail-hangshao"
kind = "project"
title = "杭绍城际铁路"
category = "intercity_rail"
created = 2011-02-18
status = "in_progress"
progress = 25
sources = [
    "plan-2011",
]
facts = [
    { key = "investment", label = "累计已完成投资", value = 50, unit = "亿元", source = "plan-2011" },
]
history = [
    { date = 2018-10-24, status = "in_progress", progress = 25, note = "形象进度完成至25%", by = "高建强", source = "新闻发布会 2018-10-24" },
]

[[items]]
id = "target-2025-rail"
kind = "milestone"
title = "城市(市域)轨道交通运营里程达到700公里"
category = "target"
created = 2020-11-23
due = 2025-12-31
status = "planned"
sources = [
    "hzw-2020",
]

[items.target]
value = 700
unit = "公里"
year = 2025
op = ">="
"""


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests (and the processes they start) use an index folder of their own, never ~/.cache."""
    # (where the cache lives, as a user may set it: it changes nothing the program does)
    os.environ["CIRCLETRACK_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True, scope="session")
def _one_copy_of_the_code(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The suite runs one copy of circletrack: the package this Python imports is the one
    a fresh Python imports (no path of the tests' own in between), and the console script
    the tests run is installed beside this Python, for it (see tests/program.py)."""
    import subprocess
    import sys

    from program import SCRIPT

    import circletrack

    elsewhere = tmp_path_factory.mktemp("elsewhere")
    child = subprocess.run([sys.executable, "-c", "import circletrack; print(circletrack.__file__)"],
                           capture_output=True, text=True, cwd=elsewhere, check=True)
    assert Path(child.stdout.strip()).resolve() == Path(circletrack.__file__).resolve(), (
        "the tests and a fresh Python import different copies of circletrack")
    assert SCRIPT.is_file(), f"the circletrack console script is not installed beside {sys.executable}"
    if os.name != "nt":
        head = SCRIPT.read_bytes()[:4096].decode("utf-8", "replace")
        # (`#!/path/python`, or for a long path pip's `#!/bin/sh` and `exec '/path/python'`)
        named = [word.strip("'\"") for word in head.replace("#!", " ").split()
                 if "python" in Path(word.strip("'\"")).name]
        assert named and Path(named[0]).resolve() == Path(sys.executable).resolve(), (
            f"{SCRIPT} runs another Python: {head.splitlines()[0]!r}")


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test speaks English unless it asks for Chinese, whatever the machine's locale
    (LANG may be unset, C.UTF-8 or zh_CN.UTF-8), and leaves the language as it found it."""
    from circletrack.base.i18n import set_language

    monkeypatch.setenv("CIRCLETRACK_LANG", "en")
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def small_registry(tmp_path: Path) -> Path:
    """A valid three-item registry in a temporary folder."""
    path = tmp_path / "projects.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A temporary copy of the shipped registry."""
    path = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, path)
    return path
