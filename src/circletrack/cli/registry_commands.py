"""Commands about the registry file itself: validate, init."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Annotated

import typer

from ..base.errors import ExitStatus, RegistryInvalid, UnresolvedConflicts
from ..base.i18n import _, ngettext
from ..query.dashboard import summary_line
from ..storage import init_copy, read_bytes
from ..storage.codec import loads
from .core import RegistryOption, command, registry_location


def shell_word(text: str) -> str:
    """`text` as one word of a shell command line, quoted only when it needs it."""
    if os.name == "nt":
        return f'"{text}"' if any(c in text for c in ' &()[]{}^=;!\'+,`~') else text
    return shlex.quote(text)


@command("validate")
def validate_command(registry: RegistryOption = None) -> None:
    """Check the registry against the schema; list every problem, one per line.

    Exit 0 with a one-line summary when the registry is valid, 1 otherwise. A file a git
    merge left with conflict markers gets one line per item in conflict.

    Example: circletrack validate --registry data/projects.toml
    """
    location = registry_location(registry)
    data = read_bytes(location)
    path = str(location.path)
    try:
        loaded = loads(data, path)
    except RegistryInvalid as exc:
        problems = exc.problems
        for problem in problems:
            typer.echo(problem.format(path), err=True)
        if isinstance(exc, UnresolvedConflicts):  # one line per entry in conflict, then how
            typer.echo(str(exc), err=True)
            raise typer.Exit(int(ExitStatus.ERROR))
        typer.echo(ngettext("{count} problem in {path}", "{count} problems in {path}",
                            len(problems)).format(count=len(problems), path=path), err=True)
        raise typer.Exit(int(ExitStatus.ERROR))
    typer.echo(_("valid: {path}: {summary}").format(path=path,
                                                   summary=summary_line(loaded)))


@command("init")
def init_command(
    path: Annotated[Path, typer.Argument(help="Where to write the copy (a file or a folder).",
                                         show_default=True)] = Path("projects.toml"),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Copy the bundled registry to PATH so you can record progress in it.

    Then name it with --registry, or set CIRCLETRACK_REGISTRY=PATH once.
    Example: circletrack init ~/circle.toml
    """
    written = init_copy(path, force=force)
    typer.echo(_("wrote {path}").format(path=written))
    # The full path: a relative one names another file as soon as the user changes folder.
    typer.echo(_("use it from any folder with: circletrack COMMAND --registry {path}  "
                 "or: export CIRCLETRACK_REGISTRY={path}").format(
                     path=shell_word(str(written.absolute()))))
