"""Helpers for the write tests: running the CLI, and the child processes of the safety tests.

Run as a script, `python write_helpers.py kill-loop REGISTRY LOG` records reports until it
is killed, logging the hash of each version before and after it is committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HELPERS = Path(__file__).resolve()
USER = "测试员"
#: The date the CLI's clock is pinned to in these tests.
TODAY = dt.date(2024, 6, 1)


def sha(data: bytes) -> str:
    """Hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def child_env() -> dict[str, str]:
    """The environment for child processes (the circletrack they run is the installed one,
    as in this process: see tests/program.py)."""
    env = dict(os.environ)
    env["CIRCLETRACK_USER"] = USER
    env.pop("CIRCLETRACK_REGISTRY", None)
    return env


def pin_today(monkeypatch: Any) -> dt.date:
    """Pin the write commands' clock to TODAY (the test modules make this a fixture; this
    module does not import pytest, so the kill-loop child starts quickly)."""
    from circletrack.cli import write_commands

    monkeypatch.setattr(write_commands, "today", lambda: TODAY)
    return TODAY


def invoke(registry: Path | None, *args: str, env: dict[str, str] | None = None) -> Any:
    """Run `circletrack ARGS --registry REGISTRY` in-process; stdout and stderr kept apart."""
    from typer.testing import CliRunner

    from circletrack.cli import app

    extra = ["--registry", str(registry)] if registry is not None else []
    # Options go before a `--`, so the item argument (if any) is read as an argument even
    # when it starts with a dash.
    if "--" in args:
        cut = args.index("--")
        argv = [*args[:cut], *extra, *args[cut:]]
    else:
        argv = [*args, *extra]
    runner = CliRunner(env={"CIRCLETRACK_USER": USER, "NO_COLOR": "1", "COLUMNS": "160",
                            **(env or {})})
    return runner.invoke(app, argv)


def assert_one_line_error(result: Any, exit_code: int | None = None) -> str:
    """The command failed with exactly one line on stderr, no traceback; returns that line."""
    assert result.exit_code != 0, result.stdout
    if exit_code is not None:
        assert result.exit_code == exit_code, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and result.stderr.endswith("\n"), repr(result.stderr)
    assert lines[0].startswith("Error: ")
    return lines[0]


def record_many(registry: str, worker: int, count: int, start: Any) -> None:
    """A concurrent writer: wait for the start signal, then record `count` reports."""
    from circletrack.changes.writes import ReportRequest, record_report
    from circletrack.storage import Location, update_journaled

    location = Location(Path(registry), "option")
    start.wait()
    for n in range(count):
        request = ReportRequest(date=TODAY, by=f"worker-{worker}", source="concurrency test",
                                progress=(worker * 7 + n) % 99 + 1, note=f"w{worker}-r{n}")
        item = ("coop-01", "rail-hangshao")[n % 2]
        update_journaled(location, lambda reg: record_report(reg, item, request),
                         f"worker {worker} report {n}", user=f"worker-{worker}", timeout=120)


def hold_lock(registry: str, held: Any, release: Any) -> None:
    """Hold the registry's lock until told to let go."""
    from circletrack.storage.files import locked

    with locked(Path(registry)):
        held.set()
        release.wait(30)


def kill_loop(registry: str, log: str) -> None:
    """Record reports until killed; log `intent HASH` before each write and `done HASH` after."""
    from circletrack.changes.writes import ReportRequest, record_report
    from circletrack.storage import Location, update_journaled
    from circletrack.storage.codec import dumps

    location = Location(Path(registry), "option")
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def note(word: str, data: bytes) -> None:
        os.write(fd, f"{word} {sha(data)}\n".encode("ascii"))

    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        request = ReportRequest(date=TODAY, by="kill test", source="kill test",
                                progress=n % 101, note=f"kill {os.getpid()} {n}")

        def change(registry: Any) -> None:
            record_report(registry, "rail-hangshao", request)
            note("intent", dumps(registry))  # the exact bytes about to be written

        written = update_journaled(location, change, f"kill {n}", user="kill test")
        note("done", written.new)


if __name__ == "__main__":
    if sys.argv[1:2] == ["kill-loop"]:
        kill_loop(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"usage: {sys.argv[0]} kill-loop REGISTRY LOG")
