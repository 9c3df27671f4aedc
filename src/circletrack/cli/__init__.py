"""The command-line interface: a thin layer over the library, one module per area."""

from __future__ import annotations

import contextlib
import gc
import sys

# Importing the command modules registers their commands on the app.
from . import (  # noqa: F401
    git_commands,  # merge, git-setup
    interop_commands,  # import
    listing_commands,  # overdue, stale, slips, export
    office_commands,  # forms, intake, bulletin
    read_commands,  # list, show, status, timeline, log
    registry_commands,  # validate, init
    root,  # --version, --lang, and bare `circletrack`
    write_commands,  # mark, add, edit, undo
)
from .app import app


def _tolerant_streams() -> None:
    """A terminal or pipe that cannot encode Chinese (PYTHONIOENCODING=ascii, a legacy code
    page) gets escapes for what it cannot show instead of a traceback."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def main() -> None:
    """Console-script entry point."""
    _tolerant_streams()
    # A command runs for well under a second and builds no garbage cycles worth
    # collecting; the collector's passes over a large registry only cost time.
    gc.disable()
    app(prog_name="circletrack")


__all__ = ["app", "main"]
