"""Shell completion of ids (with titles), units, categories, cities, statuses and formats."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHIPPED
from typer.testing import CliRunner

from circletrack.cli import app


def complete(words: str, shell: str = "zsh", registry: Path = SHIPPED) -> str:
    """What the completion script receives for the command line `words`."""
    env = {"_CIRCLETRACK_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": words,
           "CIRCLETRACK_REGISTRY": str(registry)}
    if shell == "bash":
        env = {"_CIRCLETRACK_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
               "CIRCLETRACK_REGISTRY": str(registry)}
    result = CliRunner().invoke(app, [], env=env, prog_name="circletrack")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_ids_complete_with_titles() -> None:
    out = complete("circletrack show rail-hangs")
    assert '"rail-hangshao":"杭绍城际铁路"' in out
    assert "rail-hanghai" not in out


def test_ids_complete_in_bash() -> None:
    out = complete("circletrack show coop-2", shell="bash").split()
    assert out == ["coop-20", "coop-21", "coop-22", "coop-22a", "coop-23", "coop-24", "coop-25",
                   "coop-26", "coop-27", "coop-28", "coop-29"]


def test_units_complete_from_the_registry() -> None:
    out = complete("circletrack list --unit 市交")
    assert "市交通局" in out and "市教育局" not in out


def test_categories_complete_with_their_kind() -> None:
    out = complete("circletrack list --category 交")
    assert '"交通共联":"cooperation\\\\: transport"' in out  # zsh escapes the colon
    assert "intercity_rail" in complete("circletrack list --category inter")


def test_cities_statuses_kinds_formats() -> None:
    assert "海宁" in complete("circletrack list --city 海")
    assert "in_progress" in complete("circletrack list --status in")
    assert "milestone" in complete("circletrack list --kind m")
    assert "json" in complete("circletrack list --format j")


def test_completion_uses_the_registry_option(small_registry: Path) -> None:
    out = complete(f"circletrack show --registry {small_registry} r", registry=SHIPPED)
    assert "rail-hangshao" in out and "rail-hanghai" not in out


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_show_completion_script_for_every_shell(shell: str) -> None:
    result = CliRunner().invoke(app, ["--show-completion", shell], prog_name="circletrack")
    assert result.exit_code == 0
    assert "circletrack" in result.stdout.lower()


def test_unreadable_registry_completes_no_ids(tmp_path: Path) -> None:
    out = complete("circletrack show c", registry=tmp_path / "missing.toml")
    assert "coop" not in out  # no candidates: zsh falls back to file names
