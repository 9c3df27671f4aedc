"""The adversarial suite, category 6: a hostile environment. Streams that cannot encode
Chinese or take no output, unreadable registries and read-only folders (for a user bound by
permission bits), a full disk (a small tmpfs), odd variables, links and resource limits; the
index and lock cases are in adversarial_cache.py. Cases that need root are skipped without
it."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from adversarial_cache import cache_attacks, holder_named, lock_timeouts
from adversarial_harness import (
    ROOT,
    SHIPPED,
    UNPRIVILEGED,
    Case,
    Harness,
    Run,
    failed_cleanly,
    fingerprint,
    good_write,
    journal_problems,
    leftovers,
    ran_cleanly,
    repro,
)


class Env:
    """The state of one category-6 run: the harness, a folder per case, the cases so far."""

    def __init__(self, harness: Harness) -> None:
        self.h = harness
        self.cases: list[Case] = []
        self.skipped: list[str] = []
        self.serial = 0
        self.last: Run | None = None

    def folder(self, mode: int = 0o755) -> Path:
        """A new empty case folder."""
        self.serial += 1
        folder = self.h.work / "environment" / f"{self.serial:03d}"
        folder.mkdir(parents=True)
        folder.chmod(mode)
        return folder

    def registry(self, mode: int = 0o755) -> Path:
        """A copy of the shipped registry in a new folder."""
        path = self.folder(mode) / "projects.toml"
        shutil.copyfile(SHIPPED, path)
        return path

    def case(self, name: str, run: Run, problems: list[str], setup: str = "") -> Case:
        """Record a case."""
        case = Case("environment", name, repro(run, setup=setup), problems,
                    run.excerpt() if problems else "")
        self.cases.append(case)
        self.last = run
        return case

    def expect_fail(self, name: str, args: list[str], registry: Path | None, setup: str = "",
                    **kw: object) -> Case:
        """A run that must fail cleanly and leave the registry as it was."""
        before = fingerprint(registry) if registry else None
        run = self.h.run(args, **kw)  # type: ignore[arg-type]
        problems = failed_cleanly(run)
        if registry is not None:
            if fingerprint(registry) != before:
                problems.append("the registry changed")
            if registry.parent.is_dir():
                problems += [f"leftover {n}" for n in leftovers(registry)]
        return self.case(name, run, problems, setup)

    def expect_any(self, name: str, args: list[str], registry: Path | None, setup: str = "",
                   encoding: str | None = None, **kw: object) -> Case:
        """A run that may succeed (a write then valid and journaled) or fail cleanly."""
        before = registry.read_bytes() if registry and registry.is_file() else None
        run = self.h.run(args, **kw)  # type: ignore[arg-type]
        problems = ran_cleanly(run)
        if registry is not None and before is not None:
            if run.rc == 0 and registry.read_bytes() != before:
                problems += good_write(self.h, registry, before)
            elif run.rc != 0 and registry.read_bytes() != before:
                problems.append("failed and changed the registry")
        case = self.case(name, run, problems, setup)
        if encoding and run.rc == 0:
            try:
                run.out.decode(encoding)
            except UnicodeDecodeError as exc:
                case.remarks.append(f"stdout is not {encoding} but UTF-8 ({exc.reason} at "
                                    f"byte {exc.start}): {run.out[:60]!r}…")
        return case


# Streams


def encodings(env: Env) -> None:
    """stdout and stderr that cannot encode Chinese."""
    registry = env.registry()
    reg = ["--registry", str(registry)]
    for over, label, encoding in (({"PYTHONIOENCODING": "ascii"}, "PYTHONIOENCODING=ascii",
                                   "ascii"),
                                  ({"PYTHONIOENCODING": "latin-1"}, "PYTHONIOENCODING=latin-1",
                                   "latin-1"),
                                  ({"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
                                    "PYTHONCOERCECLOCALE": "0"}, "C locale, no UTF-8 mode",
                                   "ascii")):
        for args in (["show", "coop-06"], ["list"], ["--lang", "zh", "status"], ["log"],
                     ["timeline"], ["overdue", "-f", "csv"], ["export", "-f", "md"],
                     ["mark", "coop-06", "-n", "中文报告"]):
            env.expect_any(f"{label}: {' '.join(args)}", [*args, *reg], registry,
                           encoding=encoding, over=over)
        env.expect_fail(f"{label}: --lang zh show nowhere (a Chinese error)",
                        ["--lang", "zh", "show", "不存在", *reg], registry, over=over)
    broken = env.folder() / "broken.toml"
    broken.write_bytes(SHIPPED.read_bytes().replace(b'status = "in_progress"',
                                                    b'status = "\xe5\x81\x9c"', 1))
    run = env.h.run(["--lang", "zh", "validate", "--registry", str(broken)],
                    over={"PYTHONIOENCODING": "ascii"})
    problems = [] if run.rc == 1 and "Traceback" not in run.text() else ["not a clean report"]
    env.case("PYTHONIOENCODING=ascii: --lang zh validate of a broken registry", run, problems,
             "a registry with a Chinese status value")


def streams(env: Env) -> None:
    """stdout that is full, closed early, or closed."""
    registry = env.registry()
    reg = ["--registry", str(registry)]
    with open("/dev/full", "wb") as full:
        run = env.h.run(["list", *reg], stdout=full.fileno())
    env.case("stdout is /dev/full: list", run, failed_cleanly(run), "stdout redirected to "
             "/dev/full (every write fails with ENOSPC)")
    for args in (["list"], ["show", "coop-06"], ["export"]):
        line = shlex.join([sys.executable, "-m", "circletrack", *args, *reg])
        run = env.h.run([], raw_argv=["sh", "-c", f"{line} | head -c 10 >/dev/null"])
        problems = ["a traceback"] if "Traceback" in run.text() else []
        if len(run.err_lines()) > 1:
            problems.append(f"{len(run.err_lines())} lines on stderr")
        env.case(f"stdout closed early (| head -c 10): {' '.join(args)}", run, problems)
        run = env.h.run([], raw_argv=["sh", "-c", f"exec {line} >&-"])
        problems = ["a traceback"] if "Traceback" in run.text() else []
        if run.rc != 0 and len(run.err_lines()) != 1:
            problems.append(f"{len(run.err_lines())} lines on stderr")
        env.case(f"stdout closed (>&-): {' '.join(args)}", run, problems)


# Permissions (another uid)


def permissions(env: Env) -> None:
    """Unreadable registries and read-only folders, for a user bound by permission bits."""
    registry = env.registry()
    registry.chmod(0o444)
    env.expect_fail("registry 0444 (root): mark", ["mark", "coop-17", "-p", "5", "--registry",
                                                   str(registry)], registry)
    if not ROOT or shutil.which(UNPRIVILEGED[0]) is None:
        env.skipped.append("unreadable registry and read-only folders (needs root and setpriv)")
        return
    plain: dict[str, object] = {"unprivileged": True,
                                "over": {"CIRCLETRACK_CACHE": "off",
                                         "CIRCLETRACK_LOCK_TIMEOUT": "1"}}
    who = "run as root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH/CAP_FOWNER"
    registry = env.registry()
    env.h.run(["mark", "coop-06", "-n", "first", "--registry", str(registry)])
    registry.chmod(0o000)
    for args in (["list"], ["show", "coop-06"], ["mark", "coop-17", "-p", "5"], ["undo"],
                 ["undo", "--list"]):
        env.expect_fail(f"unreadable registry (0000): {' '.join(args)}",
                        [*args, "--registry", str(registry)], registry,
                        f"registry chmod 000; {who}", **plain)
    registry = env.registry()
    env.h.run(["mark", "coop-06", "-n", "first", "--registry", str(registry)])
    registry.parent.chmod(0o555)
    setup = f"registry 644 in a folder chmod 555; {who}"
    for args in (["mark", "coop-17", "-p", "5", "--registry", str(registry)],
                 ["undo", "--registry", str(registry)],
                 ["init", "--force", str(registry)],
                 ["import", str(SHIPPED), "--registry", str(registry)]):
        env.expect_fail(f"read-only folder: {args[0]}", args, registry, setup, **plain)
    env.expect_any("read-only folder: list", ["list", "--registry", str(registry)], registry,
                   setup, **plain)
    registry = env.registry()
    registry.chmod(0o666)
    registry.parent.chmod(0o555)
    env.expect_fail("registry 666, its folder 555: mark",
                    ["mark", "coop-17", "-p", "5", "--registry", str(registry)], registry,
                    f"registry 666 in a folder chmod 555; {who}", **plain)
    registry = env.registry()
    registry.chmod(0o444)
    env.expect_fail("registry 444 in a writable folder: mark",
                    ["mark", "coop-17", "-p", "5", "--registry", str(registry)], registry,
                    f"registry chmod 444; {who}", **plain)
    registry = env.registry()
    lock = registry.with_name(registry.name + ".lock")
    lock.write_bytes(b"")
    lock.chmod(0o000)
    env.expect_fail("lock file 000: mark",
                    ["mark", "coop-17", "-p", "5", "--registry", str(registry)], registry,
                    f"the lock file chmod 000, CIRCLETRACK_LOCK_TIMEOUT=1; {who}", **plain)
    registry = env.registry()
    env.h.run(["mark", "coop-06", "-n", "first", "--registry", str(registry)])
    registry.with_name(registry.name + ".journal").chmod(0o555)
    env.expect_fail("journal folder 555: mark",
                    ["mark", "coop-17", "-p", "5", "--registry", str(registry)], registry,
                    f"the journal folder chmod 555; {who}", **plain)
    registry = env.registry()
    env.h.run(["mark", "coop-06", "-n", "first", "--registry", str(registry)])
    entry = registry.with_name(registry.name + ".journal") / "000001.undo"
    entry.chmod(0o000)
    env.expect_fail("journal entry unreadable: undo", ["undo", "--registry", str(registry)],
                    registry, f"000001.undo chmod 000; {who}", **plain)


def journal_damage(env: Env) -> None:
    """A damaged journal entry, and a journal path that is a file."""
    registry = env.registry()
    reg = ["--registry", str(registry)]
    env.h.run(["mark", "coop-06", "-n", "one", *reg])
    journal = registry.with_name(registry.name + ".journal")
    (journal / "000001.json").write_bytes(b"{not json")
    env.expect_fail("a damaged journal entry: mark", ["mark", "coop-17", "-p", "5", *reg],
                    registry, "000001.json replaced by '{not json'")
    env.expect_fail("a damaged journal entry: undo", ["undo", *reg], registry)
    env.expect_any("a damaged journal entry: undo --list", ["undo", "--list", *reg], registry)
    registry = env.registry()
    registry.with_name(registry.name + ".journal").write_bytes(b"a file")
    env.expect_fail("the journal path is a file: mark", ["mark", "coop-17", "-p", "5",
                                                         "--registry", str(registry)], registry)


# A full disk


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[bool]:
    """A small tmpfs mounted on `folder` (True), or nothing (False) when it cannot be."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    try:
        yield done.returncode == 0
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", str(folder)], capture_output=True, check=False)


def _fill(folder: Path, leave: int) -> None:
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    with open(folder / "filler", "wb") as handle, contextlib.suppress(OSError):
        handle.write(b"\0" * max(0, free - leave))


def full_disk(env: Env) -> None:
    """Writes to a tmpfs with little or no room left, then the next write with room."""
    if not ROOT:
        env.skipped.append("full disk (mounting a tmpfs needs root)")
        return
    mount = env.folder() / "tmpfs"
    with tmpfs(mount, "2m") as mounted:
        if not mounted:
            env.skipped.append("full disk (mount -t tmpfs failed)")
            return
        for pages in (0, 2, 25, 41, 42, 43, 60, 83, 84, 85, 100, 200):
            for child in mount.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
            registry = mount / "projects.toml"
            shutil.copyfile(SHIPPED, registry)
            env.h.run(["mark", "coop-06", "-n", "journal one", "--registry", str(registry)])
            _fill(mount, pages * 4096)
            before = registry.read_bytes()
            run = env.h.run(["mark", "coop-06", "-n", f"full {pages}", "--registry",
                             str(registry)], over={"CIRCLETRACK_CACHE_DIR": str(mount / "c")})
            setup = (f"registry on a 2 MB tmpfs filled to leave {pages} pages "
                     f"({pages * 4} KB) free; cache folder on it too")
            if run.rc == 0:
                problems = ran_cleanly(run) + good_write(env.h, registry, before)
            else:
                problems = failed_cleanly(run)
                if registry.read_bytes() != before:
                    problems.append("failed and changed the registry")
                problems += [f"leftover {n}" for n in leftovers(registry)]
            (mount / "filler").unlink()
            after = env.h.run(["mark", "coop-06", "-n", f"room again {pages}", "--registry",
                               str(registry)])
            if after.rc != 0:
                problems.append(f"the next write, with room, failed: {after.excerpt(200)}")
            problems += [f"after the next write: {p}" for p in journal_problems(registry)]
            check = env.h.validate(registry)
            if check.rc != 0:
                problems.append("the registry does not validate after the next write")
            env.case(f"full disk, {pages * 4} KB free: mark, then mark with room", run,
                     problems, setup)
        for child in mount.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        registry = mount / "projects.toml"
        shutil.copyfile(SHIPPED, registry)
        _fill(mount, 0)
        out = mount / "out.csv"
        run = env.h.run(["export", "-f", "csv", "-o", str(out), "--registry", str(registry)],
                        over={"CIRCLETRACK_CACHE_DIR": str(mount / "c")})
        problems = failed_cleanly(run)
        if out.exists():
            problems.append("a partial out.csv was left")
        problems += [f"leftover {p.name}" for p in mount.glob(".*.tmp")]
        env.case("full disk: export -o", run, problems, "the tmpfs full")
        run = env.h.run(["init", str(mount / "new.toml")])
        problems = failed_cleanly(run)
        if (mount / "new.toml").exists():
            problems.append("a partial new.toml was left")
        env.case("full disk: init", run, problems, "the tmpfs full")
        env.expect_any("full disk, cache folder on it: list", ["list", "--registry",
                                                               str(registry)], registry,
                       over={"CIRCLETRACK_CACHE_DIR": str(mount / "c2")})


# Variables, links, limits


def odd_variables(env: Env) -> None:
    """HOME, COLUMNS, language, user and registry variables set oddly."""
    registry = env.registry()
    reg = ["--registry", str(registry)]
    for label, over in (("HOME unset, no cache variables", {"HOME": None,
                                                            "CIRCLETRACK_CACHE_DIR": None,
                                                            "XDG_CACHE_HOME": None}),
                        ("HOME=/nonexistent", {"HOME": "/nonexistent",
                                               "CIRCLETRACK_CACHE_DIR": None}),
                        ("COLUMNS=0", {"COLUMNS": "0"}), ("COLUMNS=-5", {"COLUMNS": "-5"}),
                        ("COLUMNS=abc", {"COLUMNS": "abc"}),
                        ("COLUMNS=100000", {"COLUMNS": "100000"}),
                        ("CIRCLETRACK_LANG=xx", {"CIRCLETRACK_LANG": "xx"}),
                        ("LANG=zh_CN.GB18030 with a GB18030 stdout",
                         {"CIRCLETRACK_LANG": None, "LANG": "zh_CN.GB18030",
                          "PYTHONIOENCODING": "gb18030"}),
                        ("TZ=garbage", {"TZ": "Nowhere/Garbage+99"})):
        for args in (["status"], ["show", "coop-06"]):
            env.expect_any(f"{label}: {args[0]}", [*args, *reg], registry, over=over)
    for label, user in (("30000 characters", "用" * 30_000), ("a newline", "a\nb"),
                        ("empty", ""), ("control characters", "\x1b[2J\x07")):
        env.expect_any(f"CIRCLETRACK_USER {label}: mark", ["mark", "coop-06", "-n", "u", *reg],
                       registry, over={"CIRCLETRACK_USER": user})
    fifo = env.folder() / "fifo"
    os.mkfifo(fifo)
    for label, value in (("/dev/zero", "/dev/zero"), ("a FIFO", str(fifo)),
                         ("a folder", str(fifo.parent)),
                         ("a missing file", str(fifo.parent / "none.toml"))):
        env.expect_fail(f"CIRCLETRACK_REGISTRY is {label}: list", ["list"], None,
                        over={"CIRCLETRACK_REGISTRY": value})
        env.expect_fail(f"CIRCLETRACK_REGISTRY is {label}: mark", ["mark", "coop-17", "-p", "5"],
                        None, over={"CIRCLETRACK_REGISTRY": value})


def links(env: Env) -> None:
    """A symlinked registry is written through; a hard-linked one is refused."""
    real = env.registry()
    link = real.parent / "link.toml"
    link.symlink_to(real)
    before = real.read_bytes()
    run = env.h.run(["mark", "coop-17", "-p", "5", "--registry", str(link)])
    problems = ran_cleanly(run) + (good_write(env.h, real, before) if run.rc == 0 else [])
    if not link.is_symlink():
        problems.append("the link was replaced by a file")
    env.case("symlinked registry: mark through the link", run, problems)
    real = env.registry()
    other = real.parent / "other.toml"
    os.link(real, other)
    env.expect_fail("hard-linked registry: mark", ["mark", "coop-17", "-p", "5", "--registry",
                                                   str(real)], real, "a second hard link")


def limits(env: Env) -> None:
    """Resource limits: few file descriptors, a small file-size limit, little memory."""
    registry = env.registry()
    for label, limit, args in (("ulimit -n 8", "ulimit -n 8", ["mark", "coop-17", "-p", "5"]),
                               ("ulimit -n 8", "ulimit -n 8", ["list"]),
                               ("ulimit -f 100 (50 KB files)", "ulimit -f 100",
                                ["mark", "coop-17", "-p", "5"]),
                               ("ulimit -f 100 (50 KB files)", "ulimit -f 100",
                                ["export", "-o", str(registry.parent / "big.json")]),
                               ("ulimit -v 150000 (150 MB)", "ulimit -v 150000", ["status"])):
        line = shlex.join([sys.executable, "-m", "circletrack", *args, "--registry",
                           str(registry)])
        env.expect_any(f"{label}: {args[0]}", [], registry,
                       raw_argv=["sh", "-c", f"{limit} && exec {line}"])


def hostile_environment(harness: Harness, quick: bool) -> tuple[list[Case], str]:
    """Category 6."""
    env = Env(harness)
    steps: list[Callable[[Env], None]] = [encodings, streams, permissions, journal_damage,
                                          full_disk, cache_attacks, holder_named,
                                          lock_timeouts, odd_variables, links, limits]
    if quick:
        steps = [encodings, permissions, full_disk, cache_attacks, holder_named]
    for step in steps:
        print(f"  environment: {step.__name__}", file=sys.stderr)
        step(env)
    note = f"{'root' if ROOT else 'not root'}"
    if env.skipped:
        note += "; skipped: " + "; ".join(env.skipped)
    return env.cases, note
