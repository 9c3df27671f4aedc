"""The adversarial suite, category 6 continued: the parse cache (planted, altered and
foreign entries, cache folders of another uid, odd cache folders) and the lock
(CIRCLETRACK_LOCK_TIMEOUT values with the lock held, the holder named)."""

from __future__ import annotations

import hmac
import os
import pickle
import shlex
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from adversarial_harness import (
    NOBODY,
    ROOT,
    SHIPPED,
    SRC,
    failed_cleanly,
    good_write,
    ran_cleanly,
)

if TYPE_CHECKING:
    from adversarial_env import Env


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {shlex.quote(str(self.marker))}",)


def _library() -> object:
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    from circletrack import cache, codec  # type: ignore[import-not-found]
    return cache, codec


def _entry(key: bytes, payload: bytes) -> bytes:
    cache, _codec = _library()  # type: ignore[misc]
    return cache._MAGIC + hmac.new(key, cache._MAGIC + payload, "sha256").digest() + payload


def cache_attacks(env: Env) -> None:
    """Planted, altered and foreign cache entries; odd cache folders."""
    cache, codec = _library()  # type: ignore[misc]
    data = SHIPPED.read_bytes()
    name = cache.digest(data) + cache.SUFFIX
    registry_objects = codec.loads(data, "projects.toml")
    poisoned = registry_objects.get("coop-06")
    object.__setattr__(poisoned, "title", "POISONED") if poisoned is not None else None
    altered = pickle.dumps((cache._TAG, cache.digest(data), True, registry_objects))
    reference = {}
    plain = env.registry()
    for args in (["show", "coop-06"], ["list"]):
        reference[args[0]] = env.h.run([*args, "--registry", str(plain)],
                                       over={"CIRCLETRACK_CACHE": "off"}).out

    def attack(label: str, folder: Path, setup: str, marker: Path,
               over: dict[str, str | None] | None = None) -> None:
        over = over if over is not None else {"CIRCLETRACK_CACHE_DIR": str(folder)}
        for args in (["show", "coop-06"], ["list"], ["mark", "coop-17", "-p", "5"]):
            registry = env.registry()
            before = registry.read_bytes()
            run = env.h.run([*args, "--registry", str(registry)], over=over)
            problems = ran_cleanly(run)
            if run.rc != 0:
                problems.append(f"exit {run.rc}")
            if marker.exists():
                problems.append("THE PLANTED PICKLE RAN")
                marker.unlink()
            if b"POISONED" in run.out or b"POISONED" in registry.read_bytes():
                problems.append("the altered entry was used")
            if args[0] in reference and run.out != reference[args[0]]:
                problems.append("output differs from a run without the cache")
            if args[0] == "mark" and run.rc == 0:
                problems += good_write(env.h, registry, before)
            env.case(f"cache: {label}: {args[0]}", run, problems, setup)

    if ROOT:
        folder = env.folder()
        marker = folder.parent / f"ran-{env.serial}"
        (folder / "key").write_bytes(b"k" * 32)
        (folder / "key").chmod(0o600)
        (folder / name).write_bytes(_entry(b"k" * 32, pickle.dumps(_Evil(marker))))
        for path in (folder, folder / "key", folder / name):
            os.chown(path, NOBODY, NOBODY)
        attack("folder of uid 65534, signed code-running pickle", folder,
               f"cache folder owned by uid {NOBODY} with its own key and an entry signed with "
               "it whose unpickling runs `touch MARKER`", marker)
        folder = env.folder()
        (folder / "key").write_bytes(b"k" * 32)
        (folder / name).write_bytes(_entry(b"k" * 32, altered))
        for path in (folder, folder / "key", folder / name):
            os.chown(path, NOBODY, NOBODY)
        attack("folder of uid 65534, signed altered registry", folder,
               "as above, the entry a registry whose coop-06 is titled POISONED", marker)
        xdg = env.folder(0o755)
        planted = xdg / "circletrack"
        planted.mkdir(mode=0o755)
        (planted / "key").write_bytes(b"k" * 32)
        (planted / name).write_bytes(_entry(b"k" * 32, pickle.dumps(_Evil(marker))))
        for path in (xdg, planted, planted / "key", planted / name):
            os.chown(path, NOBODY, NOBODY)
        attack("XDG_CACHE_HOME of uid 65534", planted, "XDG_CACHE_HOME owned by uid 65534 "
               "holding circletrack/ with a signed code-running pickle", marker,
               over={"CIRCLETRACK_CACHE_DIR": None, "XDG_CACHE_HOME": str(xdg)})
        link_folder = env.folder()
        link_folder.rmdir()
        link_folder.symlink_to(planted)
        attack("cache folder a link to a folder of uid 65534", link_folder,
               "CIRCLETRACK_CACHE_DIR a symbolic link to the folder above", marker)
    else:
        env.skipped.append("cache folders of another uid (chown needs root)")
    own = env.folder(0o700)
    first = env.registry()
    env.h.run(["list", "--registry", str(first)], over={"CIRCLETRACK_CACHE_DIR": str(own)})
    key = (own / "key").read_bytes()
    marker = own.parent / "ran-own"
    if ROOT:
        (own / name).write_bytes(_entry(key, pickle.dumps(_Evil(marker))))
        os.chown(own / name, NOBODY, NOBODY)
        attack("our folder, an entry owned by uid 65534 signed with our key", own,
               "our own cache folder; the entry file chowned to uid 65534", marker)
        loose = env.folder(0o777)
        env.h.run(["list", "--registry", str(first)], over={"CIRCLETRACK_CACHE_DIR": str(loose)})
        loose.chmod(0o777)
        (loose / name).unlink(missing_ok=True)
        (loose / name).write_bytes(_entry(b"x" * 32, pickle.dumps(_Evil(marker))))
        os.chown(loose / name, NOBODY, NOBODY)
        attack("our folder left 0777, an entry of uid 65534", loose,
               "our cache folder chmod 777 with a code-running entry owned by uid 65534",
               marker)
    (own / name).unlink(missing_ok=True)
    (own / name).write_bytes(pickle.dumps(_Evil(marker)))
    attack("our folder, an unsigned pickle", own, "a bare code-running pickle as the entry",
           marker)
    env.h.run(["list", "--registry", str(first)], over={"CIRCLETRACK_CACHE_DIR": str(own)})
    if (own / name).exists():
        blob = (own / name).read_bytes()
        (own / name).write_bytes(blob[: len(blob) // 2])
        attack("our folder, a truncated entry", own, "the real entry cut in half", marker)
        (own / name).write_bytes(_entry(key, pickle.dumps(("other-version", "x", True, None))))
        attack("our folder, an entry of another version", own, "a signed entry whose tag is "
               "another version's", marker)
    odd = env.folder()
    (odd / "file").write_bytes(b"x")
    os.mkfifo(odd / "fifo")
    for label, target in (("a regular file", odd / "file"), ("/dev/null", Path("/dev/null")),
                          ("a FIFO", odd / "fifo"), ("a path under a file", odd / "file" / "c")):
        registry = env.registry()
        env.expect_any(f"CIRCLETRACK_CACHE_DIR is {label}: list", ["list", "--registry",
                                                                   str(registry)],
                       registry, over={"CIRCLETRACK_CACHE_DIR": str(target)})
    for label, kind in (("the key is a FIFO", "key-fifo"), ("the entry is a FIFO", "entry-fifo"),
                        ("the key links to /dev/zero", "key-zero")):
        folder = env.folder(0o700)
        if kind == "key-fifo":
            os.mkfifo(folder / "key", 0o600)
        elif kind == "key-zero":
            (folder / "key").symlink_to("/dev/zero")
        else:
            env.h.run(["list", "--registry", str(first)],
                      over={"CIRCLETRACK_CACHE_DIR": str(folder)})
            (folder / name).unlink(missing_ok=True)
            os.mkfifo(folder / name, 0o600)
        registry = env.registry()
        env.expect_any(f"own cache folder, {label}: list", ["list", "--registry",
                                                            str(registry)], registry,
                       "only the user could do this to their own folder",
                       over={"CIRCLETRACK_CACHE_DIR": str(folder)}, timeout=30)


# Locks


def lock_timeouts(env: Env) -> None:
    """CIRCLETRACK_LOCK_TIMEOUT values, with the lock held by another process."""
    _library()
    from circletrack.storage.files import locked  # type: ignore[import-not-found]

    registry = env.registry()
    reg = ["--registry", str(registry)]
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        with locked(registry, 5):
            ready.set()
            release.wait(600)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    ready.wait(30)
    try:
        for value, wait in (("0", 0.0), ("0.3", 0.3), ("2", 2.0), ("", 5.0), ("  ", 5.0),
                            ("5e-324", 0.0), ("١", 1.0), ("-1", None), ("abc", None),
                            ("nan", None), ("inf", None), ("-inf", None), ("1e9", None),
                            ("86401", None), ("0x10", None)):
            for args in (["mark", "coop-17", "-p", "5"], ["undo"], ["import", "/dev/null"]):
                started = time.monotonic()
                case = env.expect_fail(f"lock held, CIRCLETRACK_LOCK_TIMEOUT={value!r}: "
                                       f"{args[0]}", [*args, *reg], registry,
                                       "the registry's lock held by another process",
                                       over={"CIRCLETRACK_LOCK_TIMEOUT": value})
                took = time.monotonic() - started
                said = env.last.err.decode("utf-8", "replace") if env.last else ""
                if wait is not None and args[0] != "import" and "held by" not in said:
                    case.problems.append("a timed-out writer does not name the holder")
                if wait is not None and took > wait + 8:
                    case.problems.append(f"took {took:.1f} s for a {wait} s wait")
                if case.problems and not case.detail:
                    case.detail = said.strip()
            env.expect_any(f"lock held, CIRCLETRACK_LOCK_TIMEOUT={value!r}: list", ["list", *reg],
                           registry, over={"CIRCLETRACK_LOCK_TIMEOUT": value})
    finally:
        release.set()
        holder.join(30)


def holder_named(env: Env) -> None:
    """A timed-out writer names who holds the lock."""
    _library()
    from circletrack.storage.files import locked  # type: ignore[import-not-found]

    registry = env.registry()
    with locked(registry, 5):
        run = env.h.run(["mark", "coop-17", "-p", "5", "--registry", str(registry)],
                        over={"CIRCLETRACK_LOCK_TIMEOUT": "0.2"})
    problems = failed_cleanly(run)
    if f"pid {os.getpid()}" not in run.err.decode("utf-8", "replace"):
        problems.append("the message does not name the holder's pid")
    env.case("lock held: the timed-out writer names the holder", run, problems,
             "the lock held by another process")
