"""The command-line interface: a thin layer over the library, one module per area."""

from __future__ import annotations

import contextlib
import gc
import os
import sys

from ..i18n import _, detect_language, set_language

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
from .app import app, command_index, only_global_options


def _tolerant_streams() -> None:
    """A terminal or pipe that cannot encode Chinese (PYTHONIOENCODING=ascii, a legacy code
    page) gets escapes for what it cannot show instead of a traceback."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def only_the_command_run(args: list[str]) -> None:
    """Keep on the app only the command `args` run, so Typer builds one Click command, not
    all of them (about 1.5 ms each, for 21 commands): a process runs one command. The
    whole app stays when the list is wanted: no command named, help before it, an unknown
    name (for "did you mean"), or shell completion."""
    if any(name.startswith("_CIRCLETRACK_COMPLETE") for name in os.environ):
        return
    at = command_index(args, {str(info.name) for info in app.registered_commands})
    if at is not None:
        app.registered_commands = [i for i in app.registered_commands if i.name == args[at]]
    elif only_global_options(args):
        app.registered_commands = []  # bare `circletrack` (or --version): the root alone


def main() -> None:
    """Console-script entry point."""
    if sys.stdout is None:  # started with its standard output closed (`>&-`)
        set_language(detect_language(os.environ))
        if sys.stderr is not None:
            sys.stderr.write(_("Error: standard output is closed; nothing was done") + "\n")
        raise SystemExit(1)
    _tolerant_streams()
    # A command runs for well under a second and builds no garbage cycles worth
    # collecting; the collector's passes over a large registry only cost time.
    gc.disable()
    every = list(app.registered_commands)
    only_the_command_run(sys.argv[1:])
    try:
        app(prog_name="circletrack")
    finally:  # a second main() in the same process sees every command again
        app.registered_commands = every


__all__ = ["app", "main"]
