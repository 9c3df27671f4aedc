"""The documented exit codes: 0 success, 1 error, 2 usage — and every error is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from circletrack import __version__
from circletrack.base.errors import ExitStatus
from circletrack.cli import app

runner = CliRunner()


def test_exit_status_values_are_the_documented_ones() -> None:
    assert (ExitStatus.OK, ExitStatus.ERROR, ExitStatus.USAGE) == (0, 1, 2)
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "0 success; 1 an error" in text and "2 bad usage" in text


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"circletrack {__version__}"


def test_no_command_shows_what_needs_attention_and_help_stays_the_help() -> None:
    result = runner.invoke(app, ["--as-of", "2012-01-01"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Overdue or due within 30 days as of 2012-01-01")
    assert "coop-01" in result.stdout and "Usage" not in result.stdout
    helped = runner.invoke(app, ["--help"])
    assert helped.exit_code == 0 and "Usage" in helped.stdout


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["validate"], 0),
        (["list", "--as-of", "2012-01-01"], 0),
        (["list", "--bogus"], 2),
        (["no-such-command"], 2),
        (["show", "no-such-id"], 2),
        (["list", "--due-before", "someday"], 2),
        (["mark", "coop-01", "--progress", "abc"], 2),
        (["validate", "--registry", "{missing}"], 1),
        (["validate", "--registry", "{broken}"], 1),
        (["list", "--registry", "{broken}"], 1),
        (["mark", "coop-01", "--progress", "10", "--registry", "{readonly}"], 1),
    ],
)
def test_exit_codes(args: list[str], status: int, shipped_copy: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("schema = 1\nitems = [\n", encoding="utf-8")
    readonly = tmp_path / "readonly.toml"
    readonly.write_bytes(shipped_copy.read_bytes())
    readonly.chmod(0o444)
    paths = {"missing": tmp_path / "none.toml", "broken": broken, "readonly": readonly}
    args = [a.format(**paths) for a in args]
    if "--registry" not in args:
        args += ["--registry", str(shipped_copy)]
    result = runner.invoke(app, args, env={"CIRCLETRACK_LANG": "en"})
    assert result.exit_code == status, result.output
    if status:
        assert "Traceback" not in result.output
        if args[0] != "validate":
            assert len(result.stderr.strip().splitlines()) == 1
