"""The adversarial suite's harness: running circletrack as a real process, judging whether a
run failed cleanly, fingerprinting registries, checking the undo journal, and the report.

The rule every case is judged by (see docs/files.md, "The adversarial suite"):

- bad input: exit status 1 or 2, exactly one line on stderr, no "Traceback" in stdout or
  stderr, the registry byte for byte unchanged and no temporary file left beside it;
- a good write: exit status 0, the registry valid afterwards (`circletrack validate`) and
  the write journaled (the newest undo entry ends at the bytes on disk).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
SHIPPED = ROOT / "data" / "projects.toml"
USER = "adversary"
#: The uid that owns planted cache files and folders.
NOBODY = 65534
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
#: Run a command as root without the capabilities that override file permissions, so
#: permission bits bind it as they bind any user (running as another uid would need the
#: interpreter to be reachable by that uid, which a Python under /root is not).
UNPRIVILEGED = ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner")


#: The first year reports are dated in: every item of the shipped registry was recorded by
#: the end of 2020, and a report dated before its item was recorded is refused.
FIRST_REPORT_YEAR = 2021


def random_date(rng: random.Random, first: int = 2012, last: int = 2024) -> str:
    """An ISO date between 1 January of `first` and 31 December of `last`."""
    start = dt.date(first, 1, 1)
    return (start + dt.timedelta(days=rng.randrange((dt.date(last, 12, 31) - start).days)))\
        .isoformat()


def sha(data: bytes) -> str:
    """Hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class Run:
    """One finished (or killed) circletrack process."""

    argv: list[str]
    env: dict[str, str]
    rc: int | None
    out: bytes
    err: bytes
    seconds: float
    timed_out: bool = False

    def text(self) -> str:
        """stdout and stderr together, decoded leniently."""
        return (self.out + self.err).decode("utf-8", "replace")

    def err_lines(self) -> list[str]:
        """stderr's lines."""
        return self.err.decode("utf-8", "replace").splitlines()

    def excerpt(self, limit: int = 300) -> str:
        """What the run printed, cut short, for the report."""
        parts = []
        if self.err:
            parts.append("stderr: " + _cut(self.err.decode("utf-8", "replace"), limit))
        if self.out and (self.rc != 0 or not self.err):
            parts.append("stdout: " + _cut(self.out.decode("utf-8", "replace"), limit))
        return " | ".join(parts) if parts else "(no output)"


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text.replace("\n", "⏎")
    return (text[: limit // 2] + " … " + text[-limit // 2:]).replace("\n", "⏎")


@dataclass
class Pending:
    """A circletrack process started and not yet waited for."""

    proc: subprocess.Popen[bytes]
    argv: list[str]
    env: dict[str, str]
    started: float
    timeout: float

    def finish(self) -> Run:
        """Wait for it (killing it after the timeout) and collect what it printed."""
        try:
            out, err = self.proc.communicate(timeout=self.timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate()
            timed_out = True
        return Run(self.argv, self.env, self.proc.returncode, out or b"", err or b"",
                   time.monotonic() - self.started, timed_out)


@dataclass
class Case:
    """One adversarial case and what, if anything, was not clean about it."""

    category: str
    name: str
    repro: str
    problems: list[str] = field(default_factory=list)
    detail: str = ""
    #: Things worth a look that the rule does not count as unclean.
    remarks: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when every check of the case held."""
        return not self.problems


class Harness:
    """Runs circletrack (this tree's src) as child processes with a controlled environment."""

    def __init__(self, work: Path, findings: Path, timeout: float,
                 memory_limit: int = 0) -> None:
        self.work = work
        self.memory_limit = memory_limit
        self.findings = findings
        self.timeout = timeout
        self.cache = work / "cache"
        self.cache.mkdir(mode=0o700, exist_ok=True)
        self._lock = threading.Lock()
        self._serial = 0

    def env(self, over: dict[str, str | None] | None = None) -> dict[str, str]:
        """The child environment: this tree's src first on the path, English messages, no
        colour, a private cache folder, no registry from the environment; `over` sets (or,
        with None, removes) variables."""
        env = dict(os.environ)
        for name in list(env):
            if name.startswith("CIRCLETRACK_") or name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
                del env[name]
        env.update({"PYTHONPATH": os.pathsep.join(p for p in (str(SRC),
                                                              os.environ.get("PYTHONPATH"))
                                                  if p),
                    "CIRCLETRACK_USER": USER, "CIRCLETRACK_LANG": "en", "LANG": "C.UTF-8",
                    "NO_COLOR": "1", "COLUMNS": "120", "CIRCLETRACK_CACHE_DIR": str(self.cache),
                    "PYTHONDONTWRITEBYTECODE": "1"})
        for name, value in (over or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def wrap(self, argv: list[str], memory_limit: int | None = None) -> list[str]:
        """The command under the address-space limit (`memory_limit` bytes, else the run's),
        so a runaway read (`import /dev/zero`) meets a MemoryError instead of the machine's
        OOM killer. prlimit execs the command, so its pid (and a SIGKILL sent to it) is the
        command's."""
        limit = memory_limit or self.memory_limit
        if limit and shutil.which("prlimit"):
            return ["prlimit", f"--as={limit}", "--", *argv]
        return argv

    def argv(self, args: Sequence[str]) -> list[str]:
        """The full command line of `circletrack ARGS`."""
        return [sys.executable, "-m", "circletrack", *args]

    def run(self, args: Sequence[str], *, over: dict[str, str | None] | None = None,
            cwd: Path | None = None, timeout: float | None = None, user: int | None = None,
            stdout: int | None = subprocess.PIPE, stdin: int | None = subprocess.DEVNULL,
            raw_argv: Sequence[str] | None = None, unprivileged: bool = False,
            memory_limit: int | None = None) -> Run:
        """Run circletrack to completion (or kill its process group after `timeout`);
        `unprivileged` drops root's power to override file permissions (see UNPRIVILEGED);
        `memory_limit` is its address space in bytes (default: the run's)."""
        argv = self.wrap(list(raw_argv) if raw_argv is not None else self.argv(args),
                         memory_limit)
        if unprivileged:
            argv = [*UNPRIVILEGED, *argv]
        env = self.env(over)
        extra: dict[str, object] = {}
        if user is not None:
            extra.update(user=user, group=user, extra_groups=[])
        started = time.monotonic()
        proc = subprocess.Popen(argv, env=env, cwd=cwd or self.work, stdin=stdin,
                                stdout=stdout, stderr=subprocess.PIPE,
                                start_new_session=True, **extra)  # type: ignore[call-overload]
        try:
            out, err = proc.communicate(timeout=timeout or self.timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            timed_out = True
        return Run(argv, {k: v for k, v in (over or {}).items() if v is not None},
                   proc.returncode, out or b"", err or b"", time.monotonic() - started,
                   timed_out)

    def spawn(self, args: Sequence[str], over: dict[str, str | None] | None = None,
              raw_argv: Sequence[str] | None = None, stdin: int | None = subprocess.DEVNULL
              ) -> Pending:
        """Start circletrack without waiting for it."""
        argv = self.wrap(list(raw_argv) if raw_argv is not None else self.argv(args))
        proc = subprocess.Popen(argv, env=self.env(over), cwd=self.work, stdin=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        return Pending(proc, argv, {k: v for k, v in (over or {}).items() if v is not None},
                       time.monotonic(), self.timeout)

    def validate(self, registry: Path) -> Run:
        """`circletrack validate --registry REGISTRY`."""
        return self.run(["validate", "--registry", str(registry)])

    def keep(self, name: str, *paths: Path) -> Path:
        """Copy a case's input files into the findings folder; returns the folder."""
        with self._lock:
            self._serial += 1
            target = self.findings / f"{self._serial:03d}-{_safe(name)}"
        target.mkdir(parents=True, exist_ok=True)
        for path in paths:
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                shutil.copy2(path, target / path.name)
            elif stat.S_ISDIR(info.st_mode):
                shutil.copytree(path, target / path.name, dirs_exist_ok=True)
            elif stat.S_ISLNK(info.st_mode):
                (target / (path.name + ".symlink.txt")).write_text(os.readlink(path) + "\n")
        return target


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name)[:60].strip("-") or "case"


def repro(run: Run, *, setup: str = "", stdout_note: str = "") -> str:
    """A shell line that reproduces a run (from the repository root), with its setup."""
    words = [f"{k}={shlex.quote(v)}" for k, v in sorted(run.env.items())]
    argv = list(run.argv)
    if argv[:1] == list(UNPRIVILEGED[:1]):
        prefix, argv = list(UNPRIVILEGED), argv[len(UNPRIVILEGED):]
    else:
        prefix = []
    if argv[:1] == ["prlimit"]:
        argv = argv[3:]
    argv = prefix + argv
    if argv[:3] == [sys.executable, "-m", "circletrack"]:
        argv = ["PYTHONPATH=src", "python", "-m", "circletrack", *argv[3:]]
    if argv[:2] == list(UNPRIVILEGED) and argv[2:3] == [sys.executable]:
        argv = [*argv[:2], "PYTHONPATH=src", "python", *argv[3:]]
        words.insert(0, "env")
    text = " ".join(words + [shlex.quote(a) if not a.startswith("PYTHONPATH=") else a
                             for a in argv])
    if len(text) > 600:
        text = text[:300] + " …(" + str(len(text)) + " chars)… " + text[-200:]
    text += stdout_note
    return f"{setup}; then: {text}" if setup else text


def fingerprint(path: Path) -> tuple[str, ...]:
    """What the registry path is, without following links or reading a FIFO or device:
    a regular file by its SHA-256."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return ("missing",)
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return ("file", sha(path.read_bytes()), oct(stat.S_IMODE(mode)))
    if stat.S_ISLNK(mode):
        return ("symlink", os.readlink(path))
    if stat.S_ISDIR(mode):
        return ("folder", ",".join(sorted(os.listdir(path))))
    return ("special", oct(stat.S_IFMT(mode)), str(info.st_rdev))


def leftovers(registry: Path) -> list[str]:
    """Temporary files of writes beside a registry and in its journal."""
    found = [p.name for p in registry.parent.glob(f".{registry.name}.*.tmp")]
    journal = registry.with_name(registry.name + ".journal")
    if journal.is_dir():
        found += [f"{journal.name}/{p.name}" for p in journal.glob(".*.tmp")]
    return sorted(found)


def failed_cleanly(run: Run) -> list[str]:
    """The ways a run that should have failed did not fail cleanly (empty when it did)."""
    problems = []
    if run.timed_out:
        problems.append(f"still running after {run.seconds:.0f} s (killed)")
    elif run.rc == 0:
        problems.append("exit status 0 (accepted)")
    elif run.rc not in (1, 2):
        problems.append(f"exit status {run.rc}")
    if "Traceback" in run.text():
        problems.append("a traceback")
    lines = run.err_lines()
    if not run.timed_out and run.rc != 0 and (len(lines) != 1 or not run.err.endswith(b"\n")):
        problems.append(f"{len(lines)} lines on stderr, not 1")
    return problems


def validate_reported(run: Run) -> list[str]:
    """`validate` on a registry with problems: exit 1, every problem on stderr and a last
    line counting them (or a one-line error when there is no file to check), no traceback."""
    lines = run.err_lines()
    if run.timed_out or run.rc not in (1, 2) or "Traceback" in run.text() or not lines:
        return failed_cleanly(run) or ["no report on stderr"]
    if len(lines) == 1 and lines[0].startswith("Error: "):
        return []
    if not re.match(r"^[0-9]+ problems? in ", lines[-1]):
        return [f"the report's last line does not count the problems: {lines[-1][:80]!r}"]
    return []


def ran_cleanly(run: Run) -> list[str]:
    """A run that may succeed or fail: either exit 0 with no traceback, or a clean failure."""
    if run.rc == 0 and not run.timed_out:
        return ["a traceback"] if "Traceback" in run.text() else []
    return failed_cleanly(run)


def journal_problems(registry: Path) -> list[str]:
    """The undo journal's consistency: whole entries, each one's `after` the next one's
    `before`, the newest ending at the bytes on disk, each entry's patch (`.undo`, or an
    older circletrack's `.before`) giving, from its `after`, bytes that match its
    `sha256_before` (checked from the newest back), no unfinished undo and no temporary
    file."""
    from circletrack.storage.journal import applied

    folder = registry.with_name(registry.name + ".journal")
    if not folder.is_dir():
        return []
    problems = []
    numbers = sorted({int(p.name.split(".")[0]) for p in folder.iterdir()
                      if re.fullmatch(r"[0-9]{6,}\.(json|before|undo|undoing)", p.name)})
    metas = []
    for number in numbers:
        meta_path = folder / f"{number:06d}.json"
        if (folder / f"{number:06d}.undoing").exists():
            problems.append(f"entry {number} has an .undoing marker")
        if not meta_path.exists():
            problems.append(f"entry {number} has no .json")
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"entry {number} unreadable: {exc}")
            continue
        metas.append((number, meta))
    for (a, meta_a), (b, meta_b) in itertools.pairwise(metas):
        if meta_a.get("sha256_after") != meta_b.get("sha256_before"):
            problems.append(f"entries {a} and {b} do not chain")
    if metas and registry.is_file() and metas[-1][1].get("sha256_after") != sha(
            registry.read_bytes()):
        problems.append(f"newest entry {metas[-1][0]} does not end at the bytes on disk")
    elif metas and registry.is_file():
        after = registry.read_bytes()
        for number, meta in reversed(metas):
            patch, whole = folder / f"{number:06d}.undo", folder / f"{number:06d}.before"
            try:
                before = (applied(patch.read_bytes(), after) if patch.exists()
                          else whole.read_bytes())
            except OSError as exc:
                problems.append(f"entry {number} unreadable: {exc}")
                break
            if before is None or sha(before) != meta.get("sha256_before"):
                problems.append(f"entry {number}: what it keeps does not give the bytes "
                                "before it")
                break
            after = before
    temporaries = [p.name for p in folder.glob(".*.tmp")]
    if temporaries:
        problems.append(f"temporary files in the journal: {temporaries}")
    return problems


def newest_entry(registry: Path) -> dict[str, str] | None:
    """The newest journal entry's metadata, or None."""
    folder = registry.with_name(registry.name + ".journal")
    if not folder.is_dir():
        return None
    metas = sorted(folder.glob("[0-9]*.json"))
    if not metas:
        return None
    try:
        return json.loads(metas[-1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def good_write(harness: Harness, registry: Path, before: bytes) -> list[str]:
    """After a write that reported success: the registry validates and the write is
    journaled (the newest entry goes from `before` to the bytes now on disk)."""
    problems = []
    now = registry.read_bytes()
    if now != before:
        check = harness.validate(registry)
        if check.rc != 0:
            problems.append(f"registry invalid after the write: {check.excerpt(200)}")
        entry = newest_entry(registry)
        if entry is None or entry.get("sha256_after") != sha(now) or entry.get(
                "sha256_before") != sha(before):
            problems.append("the write is not the newest journal entry")
    problems += [f"leftover {name}" for name in leftovers(registry)]
    return problems


def print_report(cases: Sequence[Case], order: Sequence[tuple[str, str]], notes: dict[str, str],
                 seconds: float, command: str) -> str:
    """The Markdown report: one row per category, then every case that was not clean."""
    lines = [f"Command: `{command}`  ", f"Wall time: {seconds / 60:.1f} min ({seconds:.0f} s)",
             "", "| # | category | tried | failed cleanly / held | not clean | notes |",
             "|---|---|---:|---:|---:|---|"]
    for number, (key, title) in enumerate(order, 1):
        mine = [c for c in cases if c.category == key]
        if not mine and key not in notes:
            continue
        bad = [c for c in mine if not c.clean]
        lines.append(f"| {number} | {title} | {len(mine)} | {len(mine) - len(bad)} | "
                     f"{len(bad)} | {notes.get(key, '')} |")
    bad_cases = [c for c in cases if not c.clean]
    lines += ["", f"## Cases that did not fail cleanly ({len(bad_cases)})", ""]
    if not bad_cases:
        lines.append("None.")
    titles = dict(order)
    for case in bad_cases:
        lines += [f"### [{titles.get(case.category, case.category)}] {case.name}", "",
                  f"- what went wrong: {'; '.join(case.problems)}",
                  f"- reproduction: `{case.repro}`"]
        if case.detail:
            lines.append(f"- output: {case.detail}")
        lines.append("")
    remarked = [c for c in cases if c.clean and c.remarks]
    if remarked:
        lines += [f"## Clean by the rule, but worth a look ({len(remarked)})", ""]
        for case in remarked:
            lines.append(f"- [{titles.get(case.category, case.category)}] {case.name}: "
                         f"{'; '.join(case.remarks)} — `{case.repro}`")
    return "\n".join(lines)
