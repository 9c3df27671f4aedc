"""Shell completion of ids (with titles), units, categories, cities, statuses and formats."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SHIPPED
from program import run
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


SCRIPTS = {"bash": "complete -o default -F _circletrack_completion circletrack",
           "zsh": "#compdef circletrack", "fish": "complete --command circletrack",
           "powershell": "Register-ArgumentCompleter -Native -CommandName circletrack",
           "pwsh": "Register-ArgumentCompleter -Native -CommandName circletrack"}


@pytest.mark.parametrize("shell", list(SCRIPTS))
def test_show_completion_prints_the_script_of_the_shell_named(shell: str) -> None:
    """Through the installed program, whatever shell (if any) runs the tests."""
    result = run(["--show-completion", shell])
    assert result.returncode == 0, result.stderr
    assert SCRIPTS[shell] in result.stdout
    assert all(mark not in result.stdout for other, mark in SCRIPTS.items()
               if mark != SCRIPTS[shell])


ORPHAN = """
import os, sys, time
out = sys.argv[1]
if os.fork():
    os._exit(0)  # the parent leaves: the child is adopted by init (or a subreaper)
time.sleep(0.5)
os.setsid()
parent = os.getppid()
name = open(f"/proc/{parent}/comm").read().strip() if os.path.exists(f"/proc/{parent}/comm") else ""
with open(out + ".parent", "w") as handle:
    handle.write(name)
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
os.dup2(fd, 1); os.dup2(fd, 2)
sys.argv = ["circletrack", "--show-completion"]
from circletrack.cli import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
finally:
    os.close(1); os.close(2)
    with open(out + ".done", "w") as handle:
        handle.write(str(code))
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_show_completion_without_a_shell_it_can_tell_says_to_name_one(tmp_path: Path) -> None:
    """Run by no shell at all (a service, a cron job: the process's parent is init), one
    line that says to name the shell, exit 2."""
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-c", ORPHAN, str(out)], check=True,
                   stdin=subprocess.DEVNULL, env={**os.environ, "SHELL": ""}, timeout=60)
    done = tmp_path / "out.done"
    for _ in range(300):
        if done.exists():
            break
        time.sleep(0.1)
    assert done.exists(), "the orphaned run did not finish"
    parent = (tmp_path / "out.parent").read_text()
    if parent in SHELL_NAMES:
        pytest.skip(f"process 1 here is a shell ({parent})")
    text = out.read_text(encoding="utf-8")
    assert done.read_text() == "2"
    assert text.count("\n") == 1 and text.startswith("Error: cannot tell which shell"), text
    assert "--show-completion bash" in text


SHELL_NAMES = {"bash", "zsh", "fish", "sh", "dash", "ksh", "tcsh", "csh", "pwsh"}


def test_an_unknown_shell_is_one_line() -> None:
    result = run(["--show-completion", "tcsh"])
    assert result.returncode == 2
    assert result.stderr.strip() == ("Error: Invalid value for '--show-completion': unknown "
                                     "shell 'tcsh'; use one of bash, zsh, fish, powershell, "
                                     "pwsh (see: circletrack --help)")


def test_the_installed_program_answers_a_completion_request() -> None:
    """The request a shell sends (no arguments, the line in the environment) answered by
    the console script itself: every command is there to complete."""
    result = run([], env={"_CIRCLETRACK_COMPLETE": "complete_bash",
                          "COMP_WORDS": "circletrack show rail-hangs", "COMP_CWORD": "2",
                          "CIRCLETRACK_REGISTRY": str(SHIPPED)})
    assert result.returncode == 0 and result.stdout.split() == ["rail-hangshao"]
    result = run([], env={"_CIRCLETRACK_COMPLETE": "complete_bash",
                          "COMP_WORDS": "circletrack s", "COMP_CWORD": "1"})
    assert result.stdout.split() == ["show", "status", "stale", "slips", "scorecard"]


def test_unreadable_registry_completes_no_ids(tmp_path: Path) -> None:
    out = complete("circletrack show c", registry=tmp_path / "missing.toml")
    assert "coop" not in out  # no candidates: zsh falls back to file names
