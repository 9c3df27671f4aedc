"""Help pages read like a man page at 80 columns: no Python types, nothing cut or wider
than the terminal, the date forms once, examples on lines of their own."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from circletrack.cli import app
from circletrack.cli.core import COMMANDS
from circletrack.cli.helptext import wrap_paragraphs

PYTHON_TYPES = re.compile(r"<(list|bool|str|int|float|path|Path)\b|\bTEXT\.\.\.|\bINTEGER\b")


def help_page(*args: str, columns: int = 80) -> str:
    result = CliRunner(env={"COLUMNS": str(columns), "NO_COLOR": "1"}).invoke(
        app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_command_is_listed_in_the_order_of_the_week() -> None:
    page = help_page(columns=200)
    listed = [line.split()[0] for line in page.split("Commands:", 1)[1].splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == list(COMMANDS)


@pytest.mark.parametrize("command", [None, *COMMANDS])
@pytest.mark.parametrize("columns", [80, 120])
def test_help_fits_the_terminal_and_names_values_not_types(command: str | None,
                                                           columns: int) -> None:
    page = help_page(*([command] if command else []), columns=columns)
    too_wide = [line for line in page.splitlines() if cell_len(line) > columns]
    assert not too_wide, f"lines wider than {columns} cells: {too_wide}"
    assert not PYTHON_TYPES.search(page), PYTHON_TYPES.search(page)
    uncut = re.sub(r"(ID|FILE|FIELD,|\[ARGS\])\.\.\.", "", page)
    assert "..." not in uncut, "something was cut with '...'"
    assert page.count("2011年12月31日") <= 1, "the date forms are said more than once"


def test_the_root_help_lists_each_command_with_its_whole_first_sentence() -> None:
    page = help_page()
    commands = page.split("Commands:\n", 1)[1]
    names = [line.split()[0] for line in commands.splitlines()
             if line.startswith("  ") and not line.startswith("    ")]
    assert names == list(COMMANDS)
    flowed = " ".join(commands.split())
    assert ("show Show one item: every field and fact, its state and where it comes from, "
            "its due date, the dated history and the passages it quotes.") in flowed


def test_a_command_with_dates_says_their_forms_once_under_the_options() -> None:
    page = help_page("overdue")
    assert "--due-before DATE" in page and "--as-of DATE" in page
    assert page.count("today, yesterday, tomorrow") == 1
    assert page.index("DATE is any of:") > page.index("--help")
    assert "Accepts" not in page


def test_values_are_named_by_what_they_are() -> None:
    page = help_page("list")
    for shown in ("--kind KIND", "--category CATEGORY", "--status STATUS", "--unit UNIT",
                  "--city CITY", "--tag TAG", "--search TEXT", "--sort FIELD",
                  "--format FORMAT", "--registry FILE", "--limit N"):
        assert shown in page, shown
    assert "--no-color " in page and "--no-color BOOL" not in page
    assert "--output FILE" in help_page("overdue")
    assert "Usage: circletrack mark [OPTIONS] ID..." in help_page("mark")
    add = help_page("add")
    assert "--lead UNIT" in add and "--tracks ID" in add and "--due DATE" in add


def test_an_example_is_one_line_to_copy() -> None:
    page = help_page("mark")
    assert "  Example:\n    circletrack mark 杭绍城际 -p 40 --note \"主体完工\" --source \"杭州日报\"\n" \
        in page


def test_chinese_text_wraps_by_its_width_with_line_breaking_rules() -> None:
    lines = wrap_paragraphs("Category, e.g. 交通共联 or intercity_rail (repeatable).", 30, "  ")
    assert all(cell_len(line) <= 30 for line in lines)
    assert lines[0] == "  Category, e.g. 交通共联 or"
    # a \b paragraph keeps its lines as written (Click's rule)
    assert wrap_paragraphs("\b\nExample:\n  circletrack list", 10) == [
        "Example:", "  circletrack list"]
