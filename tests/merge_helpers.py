"""Helpers for the merge tests: changes made through the library, and git repositories
(a bare hub and its clones) with circletrack's merge driver registered."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from program import SCRIPT

from circletrack.changes.writes import (
    add_item,
    edit_item,
    item_fields,
    record_report,
    report_request,
)
from circletrack.model.records import Registry
from circletrack.storage import codec

TODAY = dt.date(2024, 6, 1)
USER = "tester"
#: The circletrack the driver runs: the one installed beside the Python running the tests.
PROGRAM = SCRIPT
REGISTRY = "projects.toml"


def mark(registry: Registry, item: str, *, progress: str | None = None,
         status: str | None = None, note: str | None = None, date: str = "2024-05-01",
         by: str = USER, source: str = "test") -> None:
    """Record a report through the library."""
    record_report(registry, item, report_request(today=TODAY, by=by, progress=progress,
                                                 status=status, note=note, date=date,
                                                 source=source))


def edit(registry: Registry, item: str, reason: str | None = None, **values: Any) -> tuple[str, ...]:
    """Edit an item's fields through the library; returns the fields it changed."""
    result = edit_item(registry, item, item_fields(values, TODAY), today=TODAY, by=USER,
                       reason=reason)
    return result.changed


def add(registry: Registry, kind: str = "project", item_id: str | None = None,
        **values: Any) -> str:
    """Add an item through the library; returns its id."""
    return add_item(registry, kind, item_fields(values, TODAY), TODAY, item_id).id


def changed(data: bytes, *changes: Callable[[Registry], Any]) -> bytes:
    """The canonical bytes of a registry after some changes."""
    registry = codec.loads(data)
    for change in changes:
        change(registry)
    return codec.dumps(registry)


# git


def git_env(home: Path) -> dict[str, str]:
    """An environment where git sees only the repositories' own config."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "CIRCLETRACK_REGISTRY"))}
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text("", encoding="utf-8")
    env.update({"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "CIRCLETRACK_USER": USER,
                "CIRCLETRACK_LANG": "en", "LANG": "C.UTF-8", "GIT_TERMINAL_PROMPT": "0",
                "GIT_MERGE_AUTOEDIT": "no"})
    return env


def git(args: list[str], cwd: Path, env: dict[str, str],
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git; fail loudly (with its output) when `check` and it fails."""
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({done.returncode}):\n"
                             f"{done.stdout}\n{done.stderr}")
    return done


def make_hub(folder: Path, registry_bytes: bytes, env: dict[str, str]) -> Path:
    """A bare repository `hub.git` whose main branch holds the registry and the
    .gitattributes line that names its merge driver."""
    hub = folder / "hub.git"
    git(["init", "-q", "--bare", "-b", "main", str(hub)], folder, env)
    seed = folder / "seed"
    git(["clone", "-q", str(hub), str(seed)], folder, env)
    configure(seed, "seed", env)
    (seed / REGISTRY).write_bytes(registry_bytes)
    (seed / ".gitattributes").write_text(f"/{REGISTRY} merge=circletrack\n", encoding="utf-8")
    git(["add", "-A"], seed, env)
    git(["commit", "-q", "-m", "the shared registry"], seed, env)
    git(["push", "-q", "origin", "main"], seed, env)
    shutil.rmtree(seed)
    return hub


def configure(clone: Path, name: str, env: dict[str, str]) -> None:
    """A clone's identity; everything else is git's default (and what git-setup sets)."""
    for key, value in (("user.name", name), ("user.email", f"{name}@example.org")):
        git(["config", key, value], clone, env)


def clone(hub: Path, folder: Path, name: str, env: dict[str, str]) -> Path:
    """A clone of the hub with the merge driver registered (through the library)."""
    from circletrack.sync.gitsetup import setup

    path = folder / name
    git(["clone", "-q", str(hub), str(path)], folder, env)
    configure(path, name, env)
    setup(Path(REGISTRY), path, str(PROGRAM))
    return path
