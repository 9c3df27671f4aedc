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
from conftest import ROOT, SHIPPED
from rich.console import Console
from typer.testing import CliRunner

from circletrack.cli import COMMAND_MODULES, app
from circletrack.cli.core import piped_width
from circletrack.render import fitted


def test_every_command_is_mapped_to_the_module_that_defines_it() -> None:
    defined = {str(info.name): str(getattr(info.callback, "__module__", "")).rsplit(".", 1)[1]
               for info in app.registered_commands}
    assert defined == COMMAND_MODULES


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


COMMANDS = [["list"], ["overdue"], ["overdue", "--group-by", "unit"], ["stale"], ["slips"],
            ["overdue", "--group-by", "city", "--as-of", "2013-06-30"], ["list", "--kind",
                                                                         "milestone"], []]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
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
    """The modules `circletrack ARGS` imports (run twice: the second reads the cache)."""
    script = ("import sys\n"
              "sys.argv = ['circletrack', *sys.argv[1:]]\n"
              "from circletrack.cli import main\n"
              "try:\n    main()\n"
              "finally:\n"
              "    sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)))\n")
    env = {**os.environ, "CIRCLETRACK_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "120",
           "PYTHONPATH": str(ROOT / "src")}
    env.pop("CIRCLETRACK_CACHE", None)
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", script, *args], env=env,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr
    return set(done.stderr.rsplit("MODULES ", 1)[1].split())


@pytest.mark.parametrize("args", [["list"], ["overdue"], ["show", "coop-06"]], ids=" ".join)
def test_a_cached_read_piped_imports_neither_the_parser_nor_rich_nor_other_commands(
        tmp_path: Path, args: list[str]) -> None:
    registry = tmp_path / "r.toml"
    registry.write_bytes(SHIPPED.read_bytes())
    modules = imported(tmp_path, *args, "--registry", str(registry))
    unwanted = {"circletrack.codec", "circletrack.validate", "circletrack.journal",
                "circletrack.writes", "circletrack.merge", "circletrack.forms",
                "circletrack.cli.write_commands", "circletrack.cli.office_commands",
                "circletrack.cli.git_commands", "tomli_w", "openpyxl", "icalendar"}
    if args[0] != "show":  # show's detail view is Rich's
        unwanted |= {"rich.console", "rich.table"}
    assert not modules & unwanted
    assert f"circletrack.cli.{COMMAND_MODULES[args[0]]}" in modules


def test_help_and_an_unknown_command_still_see_every_command() -> None:
    runner = CliRunner()
    page = runner.invoke(app, ["--help"], env={"COLUMNS": "120"}).stdout
    assert all(name in page for name in COMMAND_MODULES)
    done = subprocess.run([sys.executable, "-m", "circletrack", "lst"], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 2 and "'list'" in done.stderr
    done = subprocess.run([sys.executable, "-m", "circletrack", "--help"], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src"),
                                          "COLUMNS": "120"})
    assert all(name in done.stdout for name in COMMAND_MODULES), done.stdout
