"""Start-up: a process imports only what its command uses, and the short cuts that make that
possible (one command module, no Rich for a piped table, no codec on a cached read) print
exactly what the long way prints."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHIPPED
from program import SCRIPT, run_main
from rich.console import Console
from typer.testing import CliRunner

from circletrack.cli import app
from circletrack.cli.core import COMMANDS, piped_width
from circletrack.render import fitted


def test_every_command_is_mapped_to_the_module_that_defines_it() -> None:
    """COMMANDS names each command's module, and no module registers a command it leaves
    out (the group could never load it)."""
    defined = {str(info.name): str(getattr(info.callback, "__module__", "")).rsplit(".", 1)[1]
               for info in app.registered_commands}
    assert defined == COMMANDS


ENVIRONMENTS = [
    {}, {"COLUMNS": "77"}, {"COLUMNS": "0"}, {"COLUMNS": "abc"}, {"COLUMNS": "200"},
    {"FORCE_COLOR": "1"}, {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "1"},
    {"TTY_COMPATIBLE": "0", "COLUMNS": "90"}, {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"},
    {"TERM": "dumb", "COLUMNS": "100"}, {"LINES": "10", "COLUMNS": "66"},
]


@pytest.mark.parametrize("environ", ENVIRONMENTS)
@pytest.mark.parametrize("terminal", [False, True])
def test_the_piped_width_is_riches_own(environ: dict[str, str], terminal: bool) -> None:
    """Where circletrack says stdout is piped, Rich says so too, with the same width."""
    if terminal:
        main, other = pty.openpty()
        stream = os.fdopen(main, "w")
    else:
        stream = io.StringIO()
    try:
        console = Console(file=stream, _environ=environ)
        width = piped_width(environ, stream)
        if width is None:
            assert console.is_terminal or sys.platform == "win32"
        else:
            assert not console.is_terminal
            assert width == console.width
    finally:
        if terminal:
            stream.close()
            os.close(other)


PIPED = [["list"], ["overdue"], ["overdue", "--group-by", "unit"], ["stale"], ["slips"],
            ["overdue", "--group-by", "city", "--as-of", "2013-06-30"], ["list", "--kind",
                                                                         "milestone"], []]


@pytest.mark.parametrize("args", PIPED, ids=" ".join)
@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("columns", [44, 80, 133])
def test_a_piped_table_is_what_rich_prints(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           args: list[str], language: str,
                                           columns: int) -> None:
    env = {"COLUMNS": str(columns), "CIRCLETRACK_CACHE_DIR": str(tmp_path)}
    command = ["--lang", language, "--registry", str(SHIPPED), "--as-of", "2021-06-30", *args]
    text = CliRunner().invoke(app, command, env=env)
    assert text.exit_code == 0, text.output
    monkeypatch.setattr(fitted.ItemTable, "plain", lambda self, width: None)
    monkeypatch.setattr(fitted.ItemTables, "plain", lambda self, width: None)
    rich = CliRunner().invoke(app, command, env=env)
    assert text.stdout == rich.stdout


def imported(tmp_path: Path, *args: str) -> set[str]:
    """The modules `circletrack ARGS` imports, run by `main()` in a fresh Python (twice:
    the second reads the cache)."""
    env = {"CIRCLETRACK_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "120"}
    for _ in range(2):
        done = run_main(args, env=env, epilogue="sys.stderr.write('\\nMODULES ' + "
                                                 "' '.join(sorted(sys.modules)))")
        assert "Traceback" not in done.stderr, done.stderr
    return set(done.stderr.rsplit("MODULES ", 1)[1].split())


@pytest.mark.parametrize("args", [["list"], ["overdue"], ["show", "coop-06"]], ids=" ".join)
def test_a_cached_read_piped_imports_neither_the_parser_nor_rich_nor_other_commands(
        tmp_path: Path, args: list[str]) -> None:
    registry = tmp_path / "r.toml"
    registry.write_bytes(SHIPPED.read_bytes())
    modules = imported(tmp_path, *args, "--registry", str(registry))
    unwanted = {"circletrack.storage.codec", "circletrack.storage.validate", "circletrack.storage.journal",
                "circletrack.changes.writes", "circletrack.sync.merge", "circletrack.office.forms",
                "circletrack.cli.write_commands", "circletrack.cli.office_commands",
                "circletrack.cli.git_commands", "tomli_w", "openpyxl", "icalendar"}
    if args[0] != "show":  # show's detail view is Rich's
        unwanted |= {"rich.console", "rich.table"}
    assert not modules & unwanted
    assert f"circletrack.cli.{COMMANDS[args[0]]}" in modules


COMMAND_MODULE_NAMES = {f"circletrack.cli.{module}" for module in COMMANDS.values()}


@pytest.mark.parametrize(("args", "loaded"), [
    (["status"], ["status"]),
    (["--lang", "zh", "--registry", "list", "show", "coop-01"], ["show"]),  # a value is no name
    (["--no-color", "overdue", "--help"], ["overdue"]),
    (["--help", "list"], list(COMMANDS)),  # the root's help lists every command
    (["lst"], []),  # "did you mean" needs the names only
    ([], []), (["--lang", "zh", "--as-of", "2020-01-01"], []),  # bare: the root's view alone
    (["--version"], []),
])
def test_a_process_imports_only_the_commands_it_runs(tmp_path: Path, args: list[str],
                                                     loaded: list[str]) -> None:
    modules = imported(tmp_path, *args) & COMMAND_MODULE_NAMES
    assert modules == {f"circletrack.cli.{COMMANDS[name]}" for name in loaded}


def test_help_and_an_unknown_command_see_every_command() -> None:
    """Through the installed script: "did you mean" and the help list every command."""
    done = subprocess.run([str(SCRIPT), "lst"], capture_output=True, text=True)
    assert done.returncode == 2 and "'list'" in done.stderr
    done = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "120"})
    assert done.returncode == 0
    assert all(f"\n  {name} " in done.stdout for name in COMMANDS), done.stdout
