"""Commands for a registry shared through git: merge (git's merge driver) and git-setup."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..base.errors import ExitStatus
from .core import RegistryOption, command, err_console, registry_location

# The merge and the git set-up are imported inside the commands, for start-up speed:
# no other command pays for loading them.


def _merge_label(env: dict[str, str]) -> str:
    """What a merge merged, for the journal: `git pull of 1a2b3c4d5e`. While git runs the
    driver it names the branches (or commits) merged in GITHEAD_<commit> variables and
    the command in GIT_REFLOG_ACTION."""
    names = sorted({v if not re.fullmatch(r"[0-9a-f]{40,64}", v) else v[:10]
                    for k, v in env.items() if k.startswith("GITHEAD_") and v.strip()})
    action = (env.get("GIT_REFLOG_ACTION") or "merge").split()[0]
    return f"git {action}" + (" of " + ", ".join(names) if names else "")


@command("merge")
def merge_command(
    base: Annotated[Path, typer.Argument(metavar="BASE", dir_okay=False,
                                         help="The common ancestor's registry (git's %O).")],
    ours: Annotated[Path, typer.Argument(metavar="OURS", dir_okay=False,
                                         help="Our registry (git's %A); the result is "
                                              "written over it.")],
    theirs: Annotated[Path, typer.Argument(metavar="THEIRS", dir_okay=False,
                                           help="Their registry (git's %B).")],
    path: Annotated[Optional[Path], typer.Argument(
        metavar="[PATH]", show_default=False,
        help="The registry's path in the repository (git's %P), for the undo journal.")]
    = None,
) -> None:
    """Merge two registries changed from a common one, item by item and field by field.

    git runs it as the registry's merge driver (see `circletrack git-setup`). Writes the
    result over OURS. Exit 0 when clean; 1 when a conflict remains (marked in
    OURS and named on stderr). Example: circletrack merge base.toml ours.toml theirs.toml
    """
    from ..render.merging import merge_lines, side_labels
    from ..sync.gitsetup import merge_sides
    from ..sync.merge import run_driver

    sides = merge_sides(Path.cwd(), os.environ)
    result = run_driver(base, ours, theirs, path, _merge_label(dict(os.environ)),
                        side_labels(sides))
    console = err_console()
    for line in merge_lines(result, str(path or ours), sides):
        console.print(line, markup=False, soft_wrap=True)
    if not result.clean:
        raise typer.Exit(int(ExitStatus.ERROR))


def running_program(argv0: str) -> str:
    """The circletrack the driver should run: this one when it was started as a script
    named circletrack, else the one on PATH, else plain `circletrack`."""
    started = Path(argv0)
    if started.stem == "circletrack" and started.is_file():
        return str(started.absolute())
    return shutil.which("circletrack") or "circletrack"


@command("git-setup")
def git_setup_command(registry: RegistryOption = None) -> None:
    """Register circletrack's merge driver for the registry in this git repository.

    A line in .gitattributes (commit it) and the driver in this clone's git config. Run it
    once in every clone; running it again changes nothing. Example: circletrack git-setup
    """
    from ..render.merging import git_setup_lines
    from ..sync.gitsetup import setup

    location = registry_location(registry)
    result = setup(location.path, Path.cwd(), running_program(sys.argv[0]))
    typer.echo("\n".join(git_setup_lines(result)))
