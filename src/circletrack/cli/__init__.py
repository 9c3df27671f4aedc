"""The command-line interface: a thin layer over the library, one module per area.

The root group loads commands lazily (`core.OneLineErrorGroup`, Click's lazy-loading
group): a process imports the module of the command it runs, and help, completion and
"did you mean" see every command, importing their modules as they ask for them.
`circletrack.cli.app` is the Typer app; `load_commands()` registers every command on it.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
from typing import Any


def load_commands() -> Any:
    """The Typer app with the root and every command registered (for the docs, tests and
    anyone embedding it; `main` needs none of this: the group loads what it is asked for)."""
    from .core import COMMANDS, app

    for module in ["root", *dict.fromkeys(COMMANDS.values())]:
        importlib.import_module(f"{__name__}.{module}")
    return app


def __getattr__(name: str) -> Any:
    """`circletrack.cli.app`: the Typer app, every command registered."""
    if name == "app":
        app = load_commands()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _tolerant_streams() -> None:
    """A terminal or pipe that cannot encode Chinese (PYTHONIOENCODING=ascii, a legacy code
    page) gets escapes for what it cannot show instead of a traceback."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def main() -> None:
    """Console-script entry point."""
    # A command runs for well under a second and builds no garbage cycles worth
    # collecting; the collector's passes over a large registry (and over the modules being
    # imported) only cost time.
    gc.disable()
    if sys.stdout is None:  # started with its standard output closed (`>&-`)
        from ..i18n import _, detect_language, set_language

        set_language(detect_language(os.environ))
        if sys.stderr is not None:
            sys.stderr.write(_("Error: standard output is closed; nothing was done") + "\n")
        raise SystemExit(1)
    _tolerant_streams()
    from . import root  # the root group and bare `circletrack`; commands load on demand

    root.app(prog_name="circletrack")


__all__ = ["app", "load_commands", "main"]
