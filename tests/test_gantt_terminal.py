"""`timeline --gantt` as a user sees it: in a pseudo-terminal, in tmux and piped, at 80, 120
and 200 columns, in English and Chinese (see tests/test_terminal.py for the three ways).

In each: no line wider than the terminal, every selected item on a row of its own with its
id whole, the axis starting in the same cell on every row however wide the Chinese title
before it, the as-of day marked in one column (▼ on the ruler, │ or a bar on each row);
piped, plain text with no escape codes and no trailing spaces.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys

import pytest
from program import SCRIPT
from rich.cells import cell_len
from test_terminal import REGISTRY, in_pty, in_tmux, piped

from circletrack.office.gantt import gantt_groups
from circletrack.query.select import Criteria, select
from circletrack.storage import load, locate

AS_OF = "2020-12-31"
FILTERS = ["--kind", "project", "--kind", "cooperation"]
MARKS = set("│█▓░▒─!◆")

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="pty and tmux are POSIX"),
    pytest.mark.skipif(not SCRIPT.exists(), reason="the circletrack script is not installed"),
]


def argv(lang: str) -> list[str]:
    return [str(SCRIPT), "--lang", lang, "timeline", "--gantt", *FILTERS, "--as-of", AS_OF,
            "--registry", str(REGISTRY)]


def expected_ids() -> list[str]:
    day = dt.date.fromisoformat(AS_OF)
    chosen = select(load(locate(REGISTRY)).items,
                    Criteria(kinds=("project", "cooperation"), include_closed=True), day)
    groups = gantt_groups(chosen, day, dt.date(2011, 1, 1), dt.date(2035, 12, 31))
    return [r.item.id for g in groups for r in g.rows]


def char_at(line: str, cell: int) -> str:
    """The character printed in cell `cell` of a line (a Chinese character takes two)."""
    position = 0
    for char in line:
        if position == cell:
            return char
        position += cell_len(char)
        if position > cell:
            return ""
    return " "


def check(text: str, columns: int, where: str) -> None:
    lines = text.rstrip("\n").split("\n")
    wide = [line for line in lines if cell_len(line.rstrip()) > columns]
    assert not wide, f"{where}: lines wider than {columns}: {wide[:2]}"
    ruler = next(line for line in lines if "┬" in line)
    indent = cell_len(ruler) - cell_len(ruler.lstrip(" "))
    as_of = cell_len(ruler[:ruler.index("▼")])
    ids = expected_ids()
    rows = {line.split(" ", 1)[0]: line for line in lines if line.split(" ", 1)[0] in ids}
    assert list(rows) == ids, f"{where}: rows {list(rows)[:5]}… not the items {ids[:5]}…"
    for item, line in rows.items():
        assert char_at(line, indent - 1) == " ", f"{where}: {item}'s title runs into the axis"
        before = "".join(char_at(line, c) for c in range(indent))
        assert not MARKS & set(before.replace("─", "")), f"{where}: {item} starts early"
        assert char_at(line, as_of) in MARKS, f"{where}: {item} has no as-of mark: {line!r}"


@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_in_a_terminal(lang: str, columns: int) -> None:
    check(in_pty(argv(lang), columns), columns, f"pty {columns} {lang}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_in_tmux(lang: str, columns: int) -> None:
    check(in_tmux(argv(lang), columns), columns, f"tmux {columns} {lang}")


@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_piped_is_plain_text(lang: str, columns: int) -> None:
    text = piped(argv(lang), columns)
    check(text, columns, f"piped {columns} {lang}")
    assert "\x1b" not in text, "escape codes when piped"
    assert not [line for line in text.split("\n") if line != line.rstrip()]


def test_colour_in_a_terminal_only() -> None:
    raw = in_pty(argv("en"), 120, raw=True)
    assert "\x1b[" in raw
