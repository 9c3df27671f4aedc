"""The command-line interface: a thin layer over the library, one module per area."""

from __future__ import annotations

import gc

from . import (  # noqa: F401  (registers commands)
    interop_commands,  # noqa: F401  (registers import)
    listing_commands,  # noqa: F401  (registers overdue, stale, slips, export)
    read_commands,
    registry_commands,
    write_commands,  # noqa: F401  (registers mark, add, edit, undo, log)
    git_commands,  # noqa: F401  (registers merge, git-setup)
)
from .app import app


def main() -> None:
    """Console-script entry point."""
    # A command runs for well under a second and builds no garbage cycles worth
    # collecting; the collector's passes over a large registry only cost time.
    gc.disable()
    app(prog_name="circletrack")


__all__ = ["app", "main"]
