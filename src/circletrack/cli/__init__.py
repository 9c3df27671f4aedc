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
import re
import sys
import warnings
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


class _EscapingStream:
    """A text stream that shows control characters instead of sending them to the terminal.

    Nothing circletrack accepts holds one (the registry's validator, every command's text
    options and the forms refuse them), so this is the last line: whatever still reaches
    stdout or stderr (a file name, a value typed on the command line quoted in an error)
    cannot clear the screen, retitle the window or reorder a line. Rich's colour codes
    (`ESC[…m`) pass; bytes written to the binary buffer (CSV, JSON) are not touched."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from ..base.cells import CONTROL_CHARACTERS, escape_controls

        if isinstance(text, str) and CONTROL_CHARACTERS.search(text):
            pieces = _COLOUR.split(text)
            codes = _COLOUR.findall(text)
            text = escape_controls(pieces[0]) + "".join(
                code + escape_controls(piece) for code, piece in zip(codes, pieces[1:]))
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _readable_sizes(environ: Any) -> None:
    """Drop a COLUMNS or LINES that Rich would take for a number and int() cannot read
    (`²`, or more digits than int() takes): Rich reads them with int() after
    str.isdigit(), and ignores any other value that is not a number, as this is then."""
    for name in ("COLUMNS", "LINES"):
        value = environ.get(name)
        if value is not None and value.isdigit() and not _SIZE.fullmatch(value):
            del environ[name]


#: A terminal size Rich can read: a few ASCII digits.
_SIZE = re.compile(r"[0-9]{1,9}", re.ASCII)


#: The only escape sequences circletrack itself prints: Rich's colours and styles.
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def main() -> None:
    """Console-script entry point."""
    # A command runs for well under a second and builds no garbage cycles worth
    # collecting; the collector's passes over a large registry (and over the modules being
    # imported) only cost time.
    gc.disable()
    if sys.stdout is None:  # started with its standard output closed (`>&-`)
        from ..base.i18n import _, detect_language, set_language

        set_language(detect_language(os.environ))
        if sys.stderr is not None:
            sys.stderr.write(_("Error: standard output is closed; nothing was done") + "\n")
        raise SystemExit(1)
    if not sys.warnoptions:  # a library's warning (dateutil's on a time zone it does not
        warnings.simplefilter("ignore")  # know) is not the user's business: one line per error
    _tolerant_streams()
    _readable_sizes(os.environ)
    sys.stdout, sys.stderr = _EscapingStream(sys.stdout), _EscapingStream(sys.stderr)
    from . import root  # the root group and bare `circletrack`; commands load on demand

    root.app(prog_name="circletrack")


__all__ = ["app", "load_commands", "main"]
