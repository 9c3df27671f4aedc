"""The docs cannot drift: every command has a page with a real example, and every
example's output is what the installed `circletrack` prints today (tests/docs_examples.py
runs each example through the console script, so every command runs at least once as a
user runs it)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from docs_examples import DOCS, ROOT, check_page, examples

from circletrack.cli import app

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_page_with_an_example(name: str) -> None:
    page = DOCS / f"{name}.md"
    assert page.is_file(), f"docs/commands/{name}.md is missing"
    commands = [e.command for block in examples(page.read_text(encoding="utf-8")) for e in block]
    assert any(c == f"circletrack {name}" or c.startswith(f"circletrack {name} ")
               for c in commands), f"docs/commands/{name}.md has no `$ circletrack {name}` example"


@pytest.mark.parametrize("name", COMMANDS)
def test_cli_reference_links_every_command(name: str) -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"(commands/{name}.md)" in text


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_examples_print_what_the_page_shows(page: Path) -> None:
    differences = check_page(page)
    assert not differences, "\n".join(differences) + "\nrefresh with: python tests/docs_examples.py --update"


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_an_example(name: str) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert f"circletrack {name}" in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_is_on_the_command_page(name: str) -> None:
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    page = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    for param in command.params:
        if getattr(param, "hidden", False) or param.name == "help":
            continue
        if param.param_type_name == "argument":
            label = (param.metavar or param.name.upper()).strip("[]")
            assert label in page, f"{name}: argument {param.name}"
            continue
        longs = [o for o in param.opts if o.startswith("--")]
        assert any(f"`{o}" in page for o in longs), f"docs/commands/{name}.md: {longs} missing"
