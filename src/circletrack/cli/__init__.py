"""The command-line interface: a thin layer over the library, one module per area.

A process runs one command, so `main` imports only the module that defines it (and the
root); `circletrack.cli.app`, the whole Typer app, imports every command module first.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
from typing import Any

#: Each command and the module (under circletrack.cli) that defines it. The architecture
#: test checks this against what each module registers.
COMMAND_MODULES: dict[str, str] = {
    "list": "read_commands", "show": "read_commands", "status": "read_commands",
    "timeline": "read_commands", "log": "read_commands",
    "overdue": "listing_commands", "stale": "listing_commands", "slips": "listing_commands",
    "export": "listing_commands",
    "mark": "write_commands", "add": "write_commands", "edit": "write_commands",
    "undo": "write_commands",
    "forms": "office_commands", "intake": "office_commands", "bulletin": "office_commands",
    "import": "interop_commands",
    "validate": "registry_commands", "init": "registry_commands",
    "merge": "git_commands", "git-setup": "git_commands",
}


def load_commands(names: set[str] | None = None) -> Any:
    """The Typer app with the root and the commands `names` registered (every command when
    None). Importing a command module registers its commands; a module is imported once."""
    modules = sorted(set(COMMAND_MODULES.values()) if names is None
                     else {COMMAND_MODULES[name] for name in names})
    for module in ["root", *modules]:
        importlib.import_module(f"{__name__}.{module}")
    from .core import app

    return app


def __getattr__(name: str) -> Any:
    """`circletrack.cli.app`: the whole app, every command registered (for tests, docs and
    anyone embedding it)."""
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


def command_run(args: list[str]) -> str | None:
    """The name of the command `args` run, or None when the whole app is wanted: no command
    named, help before it, an unknown name (for "did you mean"), or shell completion."""
    if any(name.startswith("_CIRCLETRACK_COMPLETE") for name in os.environ):
        return None
    from .core import command_index

    at = command_index(args, set(COMMAND_MODULES))
    return args[at] if at is not None else None


def only_the_command_run(args: list[str]) -> None:
    """Keep on the app only the command `args` run, so Typer builds one Click command, not
    all of them (about 1.5 ms each, for 21 commands). Bare `circletrack` (or --version)
    keeps the root alone."""
    from .core import app, only_global_options

    name = command_run(args)
    if name is not None:
        app.registered_commands = [i for i in app.registered_commands if i.name == name]
    elif only_global_options(args):
        app.registered_commands = []  # bare `circletrack` (or --version): the root alone


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
    args = sys.argv[1:]
    name = command_run(args)
    # Start-up speed: import only the module of the command run (all of them when none is).
    app = load_commands({name} if name is not None else None)
    every = list(app.registered_commands)
    only_the_command_run(args)
    try:
        app(prog_name="circletrack")
    finally:  # a second main() in the same process sees every command again
        app.registered_commands = every


__all__ = ["COMMAND_MODULES", "app", "load_commands", "main"]
