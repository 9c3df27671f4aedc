"""Register circletrack's merge driver for the registry in a git repository.

Three things, each left alone when it is already so (running it twice changes nothing):
the registry's line in the repository's `.gitattributes` (`merge=circletrack`; the file is
committed, so every clone has it), the driver in the repository's own config (each clone
runs `git-setup` once, since git never shares its config), and the registry's journal and
lock files in the clone's `.git/info/exclude`, so they are never committed.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import GitError, UsageError
from ..base.i18n import _
from ..storage.files import atomic_write, write_file

DRIVER = "circletrack"
#: What the workflow needs of a clone's config besides the driver: `git pull` merges (git
#: 2.27 and newer refuse a pull of divergent branches until told how), so the driver's
#: ours is the clone's own commit and theirs the commit pulled.
PULL_SETTINGS = (("pull.rebase", "false"),)
DRIVER_NAME = "circletrack: three-way merge of the registry, item by item and field by field"
#: What steps say they did (the renderer words them).
ATTRIBUTES, NAME, COMMAND, EXCLUDE, PULL = "attributes", "name", "driver", "exclude", "pull"


@dataclass(frozen=True)
class Step:
    """One thing git-setup sees to: what (ATTRIBUTES …), where, the value, and whether it
    had to change it."""

    what: str
    where: str
    value: str
    changed: bool


@dataclass(frozen=True)
class SetupResult:
    """The repository, the registry's path in it, and each step."""

    root: Path
    registry: str
    steps: tuple[Step, ...]

    @property
    def changed(self) -> bool:
        """True when any step changed something."""
        return any(step.changed for step in self.steps)


def git(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git in `cwd`; a missing git, or (with `check`) a failed command, is a GitError."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              encoding="utf-8", check=False)
    except FileNotFoundError:
        raise GitError(_("git is not installed (or not on PATH); install git to share the "
                         "registry through a repository")) from None
    if check and done.returncode != 0:
        raise GitError(_("`git {command}` failed: {error}").format(
            command=" ".join(args), error=" ".join(done.stderr.split()) or done.returncode))
    return done


def repository_root(cwd: Path) -> Path:
    """The top folder of the git working tree `cwd` is in."""
    done = git(["rev-parse", "--show-toplevel"], cwd, check=False)
    if done.returncode != 0:
        raise GitError(_("the current folder is not in a git repository: run `git init` "
                         "(or clone the shared repository) and run git-setup there"))
    return Path(done.stdout.strip())


def driver_command(program: str) -> str:
    """The driver's command line as git runs it (through the shell): ancestor, ours,
    theirs and the file's path."""
    return f"{shlex.quote(program)} merge %O %A %B %P"


def attribute_pattern(relative: str) -> str:
    """The .gitattributes pattern of exactly this path from the repository's top folder."""
    pattern = "/" + relative
    if any(c in pattern for c in ' \t"\\'):
        pattern = '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return pattern


def setup(registry: Path, cwd: Path, program: str) -> SetupResult:
    """Register the merge driver for `registry` in the repository `cwd` is in, running
    the driver as `program` (an absolute path where one is known); see the module's
    docstring."""
    root = repository_root(cwd)
    absolute = (cwd / registry).resolve()
    try:
        relative = absolute.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(_("the registry {path} is outside the repository {root}; keep it in "
                           "the repository (use --registry or CIRCLETRACK_REGISTRY)").format(
            path=registry, root=root)) from None
    steps = [_attributes(root, relative),
             _config(root, f"merge.{DRIVER}.name", DRIVER_NAME, NAME),
             _config(root, f"merge.{DRIVER}.driver", driver_command(program), COMMAND),
             *(_config(root, key, value, PULL) for key, value in PULL_SETTINGS),
             _exclude(root, relative)]
    return SetupResult(root, relative, tuple(steps))


def _attributes(root: Path, relative: str) -> Step:
    line = f"{attribute_pattern(relative)} merge={DRIVER}"
    done = git(["check-attr", "merge", "--", relative], root)
    if done.stdout.strip().endswith(f": merge: {DRIVER}"):
        return Step(ATTRIBUTES, ".gitattributes", line, False)
    path = root / ".gitattributes"
    _append_lines(path, [line])
    return Step(ATTRIBUTES, ".gitattributes", line, True)


def _config(root: Path, key: str, value: str, what: str) -> Step:
    current = git(["config", "--local", "--get", key], root, check=False).stdout.rstrip("\n")
    if current == value:
        return Step(what, key, value, False)
    git(["config", "--local", key, value], root)
    return Step(what, key, value, True)


def _exclude(root: Path, relative: str) -> Step:
    where = git(["rev-parse", "--git-path", "info/exclude"], root).stdout.strip()
    path = root / where
    patterns = [f"/{relative}.journal/", f"/{relative}.lock", f"/{relative}.lock-holder"]
    try:
        present = set(path.read_text(encoding="utf-8").splitlines())
    except FileNotFoundError:
        present = set()
    missing = [p for p in patterns if p not in present]
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        _append_lines(path, missing)
    return Step(EXCLUDE, where, " ".join(patterns), bool(missing))


def _append_lines(path: Path, lines: list[str]) -> None:
    """Add lines at the end of a text file (created when missing), atomically."""
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        write_file(path, ("\n".join(lines) + "\n").encode("utf-8"))
        return
    glue = b"" if not old or old.endswith(b"\n") else b"\n"
    atomic_write(path, old + glue + ("\n".join(lines) + "\n").encode("utf-8"))


@dataclass(frozen=True)
class Side:
    """The commit one side of a merge comes from: its short id, author and subject."""

    commit: str
    author: str
    subject: str


def merge_sides(cwd: Path, env: Mapping[str, str]) -> tuple[Side | None, Side | None]:
    """The commits of ours and theirs while git runs the merge driver in `cwd`; both None
    unless both can be told (the driver run by hand, outside a merge).

    Ours is HEAD: the clone's commit in a merge, the upstream's in a rebase. Theirs is the
    commit git names in its one GITHEAD_<commit> variable (a merge or pull), or the commit a
    rebase is applying (the last `pick` of .git/rebase-merge/done)."""
    named = [key[len("GITHEAD_"):] for key in env if key.startswith("GITHEAD_")]
    theirs = named[0] if len(named) == 1 else _rebase_commit(cwd)
    ours, other = _side(cwd, "HEAD"), _side(cwd, theirs) if theirs else None
    return (ours, other) if ours is not None and other is not None else (None, None)


def _rebase_commit(cwd: Path) -> str | None:
    try:
        where = git(["rev-parse", "--git-path", "rebase-merge/done"], cwd, check=False)
        lines = (cwd / where.stdout.strip()).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, GitError):
        return None
    picks = [line.split()[1] for line in lines if len(line.split()) > 1]
    return picks[-1] if picks else None


def _side(cwd: Path, revision: str) -> Side | None:
    try:
        done = git(["log", "-1", "--no-show-signature", "--format=%h%x00%an%x00%s",
                    revision, "--"], cwd, check=False)
    except GitError:
        return None
    parts = done.stdout.rstrip("\n").split("\0")
    if done.returncode != 0 or len(parts) != 3:
        return None
    commit, author, subject = (" ".join(part.split()) for part in parts)
    return Side(commit, author, subject if len(subject) <= 50 else subject[:49] + "…")
