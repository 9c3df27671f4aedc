"""The adversarial suite, category 6 continued: the registry's index (storage/index.py, a
SQLite file in the cache folder: planted, altered, foreign, future and corrupt index files,
cache folders and index files of another uid or writable by others, links and FIFOs in
their place, what the old pickled cache left) and the lock (CIRCLETRACK_LOCK_TIMEOUT values
with the lock held, the holder named)."""

from __future__ import annotations

import dataclasses
import os
import pickle
import shlex
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adversarial_harness import (
    NOBODY,
    ROOT,
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


def _library() -> Any:
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    from circletrack.storage import index  # type: ignore[import-not-found]
    return index


def index_name(registry: Path) -> str:
    """The name of the registry's index file in any cache folder."""
    import hashlib

    index = _library()
    return (hashlib.blake2b(os.fsencode(os.path.realpath(registry)), digest_size=16)
            .hexdigest() + index._SUFFIX)


def poisoned_index(path: Path, registry: Path, *, code: str | None = None) -> None:
    """Write at `path` an index that describes exactly the registry's bytes (the code this
    circletrack's, or `code`) but holds coop-06 titled POISONED: a read that trusts it shows
    POISONED."""
    index = _library()
    from circletrack.storage.codec import loads  # type: ignore[import-not-found]
    from circletrack.storage.sections import cut  # type: ignore[import-not-found]

    data = registry.read_bytes()
    registry_objects = loads(data, str(registry))
    registry_objects.items = [dataclasses.replace(item, title="POISONED")
                              if item.id == "coop-06" else item
                              for item in registry_objects.items]
    found = cut(data)
    path.unlink(missing_ok=True)
    index.Index(path).write(index.digest(data), found.head_digest,
                            index.Snapshot(registry_objects, True, found.digests()))
    if code is not None:
        _sql(path, "UPDATE meta SET value = ? WHERE key = 'code'", code)


def _sql(path: Path, statement: str, *args: object) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(statement, args)
    finally:
        connection.close()


def _code_now(folder: Path, registry: Path) -> str | None:
    """The code of the index now in `folder` for `registry` (None: no readable index)."""
    path = folder / index_name(registry)
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT value FROM meta WHERE key = 'code'").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return None if row is None else row[0]


#: What is planted for a registry: a function of (the folder, the registry).
Plant = Callable[[Path, Path], None]


def cache_attacks(env: Env) -> None:
    """Planted, altered, foreign, future and corrupt index files; odd cache folders."""
    index = _library()
    reference = {}
    plain = env.registry()
    for args in (["show", "coop-06"], ["list"]):
        reference[args[0]] = env.h.run([*args, "--registry", str(plain)],
                                       over={"CIRCLETRACK_CACHE": "off"}).out

    def attack(label: str, folder: Path, plant: Plant, setup: str, marker: Path,
               over: dict[str, str | None] | None = None, rebuilt: bool = False) -> None:
        """Each command on a fresh registry with `plant` done for it first; with `rebuilt`,
        the index must be this circletrack's again after the run."""
        over = over if over is not None else {"CIRCLETRACK_CACHE_DIR": str(folder)}
        for args in (["show", "coop-06"], ["list"], ["mark", "coop-17", "-p", "5"]):
            registry = env.registry()
            plant(folder, registry)
            before = registry.read_bytes()
            run = env.h.run([*args, "--registry", str(registry)], over=over, timeout=60)
            problems = ran_cleanly(run)
            if run.rc != 0:
                problems.append(f"exit {run.rc}")
            if run.timed_out:
                problems.append("hung (killed after 60 s)")
            if marker.exists():
                problems.append("THE PLANTED PICKLE RAN")
                marker.unlink()
            if b"POISONED" in run.out or b"POISONED" in registry.read_bytes():
                problems.append("the planted index was used")
            if args[0] in reference and run.out != reference[args[0]]:
                problems.append("output differs from a run without the index")
            if args[0] == "mark" and run.rc == 0:
                problems += good_write(env.h, registry, before)
            if rebuilt and run.rc == 0 and _code_now(folder, registry) != index._CODE:
                # (a file SQLite cannot open is removed by the read that finds it, and
                # written by the read after)
                env.h.run(["list", "--registry", str(registry)], over=over, timeout=60)
                if _code_now(folder, registry) != index._CODE:
                    problems.append("the index was not written again for this circletrack "
                                    "(after one more read)")
            env.case(f"index: {label}: {args[0]}", run, problems, setup)

    def poisoned(owner: int | None = None, mode: int = 0o600, code: str | None = None) -> Plant:
        def plant(folder: Path, registry: Path) -> None:
            path = folder / index_name(registry)
            poisoned_index(path, registry, code=code)
            path.chmod(mode)
            if owner is not None:
                os.chown(path, owner, owner)
        return plant

    marker = env.folder().parent / f"ran-{env.serial}"
    if ROOT:
        folder = env.folder(0o755)
        os.chown(folder, NOBODY, NOBODY)
        attack("folder of uid 65534, an index of these bytes", folder, poisoned(NOBODY),
               f"cache folder owned by uid {NOBODY} holding an index of exactly the "
               "registry's bytes whose coop-06 is titled POISONED", marker)
        xdg = env.folder(0o755)
        planted = xdg / "circletrack"
        planted.mkdir(mode=0o755)
        for path in (xdg, planted):
            os.chown(path, NOBODY, NOBODY)
        attack("XDG_CACHE_HOME of uid 65534", planted, poisoned(NOBODY),
               "XDG_CACHE_HOME owned by uid 65534 holding circletrack/ with an index whose "
               "coop-06 is titled POISONED", marker,
               over={"CIRCLETRACK_CACHE_DIR": None, "XDG_CACHE_HOME": str(xdg)})
        link_folder = env.folder()
        link_folder.rmdir()
        link_folder.symlink_to(planted)
        attack("cache folder a link to a folder of uid 65534", link_folder, poisoned(NOBODY),
               "CIRCLETRACK_CACHE_DIR a symbolic link to the folder above", marker)
        own = env.folder(0o700)
        attack("our folder, an index file owned by uid 65534", own, poisoned(NOBODY),
               "our own cache folder; the poisoned index chowned to uid 65534", marker)
        loose = env.folder(0o777)
        attack("our folder left 0777, an index of uid 65534", loose, poisoned(NOBODY),
               "our cache folder chmod 777 with a poisoned index owned by uid 65534", marker)
    else:
        env.skipped.append("cache folders and index files of another uid (chown needs root)")
    own = env.folder(0o700)
    for mode in (0o666, 0o622):
        attack(f"our folder, an index file mode {mode:o}", own, poisoned(mode=mode),
               f"a poisoned index of ours, chmod {mode:o} (writable by others)", marker)
    elsewhere = env.folder(0o700)

    def linked(folder: Path, registry: Path) -> None:
        target = elsewhere / f"{registry.parent.name}.sqlite"
        poisoned_index(target, registry)
        (folder / index_name(registry)).unlink(missing_ok=True)
        (folder / index_name(registry)).symlink_to(target)

    attack("our folder, the index file a link to a poisoned index", own, linked,
           "the index file a symbolic link to a poisoned index of ours elsewhere", marker)
    from circletrack import __version__  # type: ignore[import-not-found]
    from circletrack.model.records import record_fingerprint  # type: ignore[import-not-found]

    code = index._CODE
    for label, foreign in (
            ("another version's", code.replace(f"-{__version__}-", "-0.0.1-")),
            ("a future format's", code.replace(f"index{index.FORMAT}-",
                                               f"index{index.FORMAT + 1}-")),
            ("other record classes'", code.replace(record_fingerprint(), "0" * 16)),
            ("no code", "")):
        attack(f"our folder, {label} index", own, poisoned(code=foreign),
               f"a poisoned index whose code is {foreign!r}", marker, rebuilt=True)

    def corrupt(change: Callable[[Path, Path], None]) -> Plant:
        def plant(folder: Path, registry: Path) -> None:
            path = folder / index_name(registry)
            poisoned_index(path, registry)
            change(path, registry)
            if path.exists() and not path.is_symlink():
                path.chmod(0o600)
        return plant

    def rows(statement: str, *args: object) -> Callable[[Path, Path], None]:
        return lambda path, registry: _sql(path, statement, *args)

    def other_schema(path: Path, registry: Path) -> None:
        path.unlink()
        _sql(path, "CREATE TABLE items (payload BLOB)")
        _sql(path, "INSERT INTO items VALUES (?)", pickle.dumps(_Evil(marker)))

    for label, change in (
            ("random bytes", lambda path, registry: path.write_bytes(
                os.urandom(path.stat().st_size))),
            ("truncated", lambda path, registry: path.write_bytes(
                path.read_bytes()[: path.stat().st_size // 2])),
            ("an empty file", lambda path, registry: path.write_bytes(b"")),
            ("a code-running pickle", lambda path, registry: path.write_bytes(
                pickle.dumps(_Evil(marker)))),
            ("SQLite of another schema, a pickle in a BLOB", other_schema),
            ("a row an object", rows("UPDATE items SET data = '{\"id\": 1}' WHERE n = 5")),
            ("a row one field short", rows(
                "UPDATE items SET data = json_remove(data, '$[#-1]') WHERE n = 5")),
            ("a row a BLOB", rows("UPDATE items SET data = ? WHERE n = 5",
                                  pickle.dumps(_Evil(marker)))),
            ("a row missing", rows("DELETE FROM items WHERE n = 5")),
            ("a row's text changed, its CRC-32 not", rows(
                "UPDATE items SET data = replace(data, 'POISONED', 'CHANGED') "
                "WHERE id = 'coop-06'")),
            ("the head not JSON", rows("UPDATE meta SET value = '{' WHERE key = 'head'")),
            ("the count wrong", rows("UPDATE meta SET value = '3' WHERE key = 'count'")),
    ):
        attack(f"our folder, index {label}", own, corrupt(change),
               f"the poisoned index of these bytes, then: {label}", marker, rebuilt=True)

    def old_cache(folder: Path, registry: Path) -> None:
        from circletrack.storage.index import digest  # type: ignore[import-not-found]

        (folder / "key").write_bytes(b"k" * 32)
        (folder / "key").chmod(0o600)
        payload = b"CTC1" + b"x" * 32 + pickle.dumps(_Evil(marker))
        (folder / f"{digest(registry.read_bytes())}.entry").write_bytes(payload)
        (folder / "source-0.bytes").write_bytes(payload)

    attack("our folder, what the pickled cache left", env.folder(0o700), old_cache,
           "a key and code-running pickles named as the old cache named its entries", marker)
    odd = env.folder()
    (odd / "file").write_bytes(b"x")
    os.mkfifo(odd / "fifo")
    for label, target in (("a regular file", odd / "file"), ("/dev/null", Path("/dev/null")),
                          ("a FIFO", odd / "fifo"), ("a path under a file", odd / "file" / "c")):
        registry = env.registry()
        env.expect_any(f"CIRCLETRACK_CACHE_DIR is {label}: list", ["list", "--registry",
                                                                   str(registry)],
                       registry, over={"CIRCLETRACK_CACHE_DIR": str(target)})
    for label, kind in (("the index is a FIFO", "fifo"),
                        ("the index links to /dev/zero", "zero"),
                        ("the index's -journal is a FIFO", "journal-fifo"),
                        ("the index's -journal links to /dev/zero", "journal-zero"),
                        ("the index is a folder", "folder")):
        folder = env.folder(0o700)
        registry = env.registry()
        name = index_name(registry)
        if kind.startswith("journal"):
            env.h.run(["list", "--registry", str(registry)],
                      over={"CIRCLETRACK_CACHE_DIR": str(folder)})
            name += "-journal"
        if kind.endswith("fifo"):
            os.mkfifo(folder / name, 0o600)
        elif kind.endswith("zero"):
            (folder / name).symlink_to("/dev/zero")
        else:
            (folder / name).mkdir()
        for args in (["list"], ["mark", "coop-17", "-p", "5"]):
            env.expect_any(f"own cache folder, {label}: {args[0]}",
                           [*args, "--registry", str(registry)], registry,
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
