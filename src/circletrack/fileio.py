"""File primitives: atomic replacement, never-clobbering creation, and the inter-process lock.

Nothing here knows what a registry is; the journal, the cache and the store build on these.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import FileExists, LockTimeout, UsageError
from .i18n import _

LOCK_TIMEOUT_SECONDS = 5.0


def login_name() -> str:
    """The login name of this process's user, or "unknown"."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def lock_paths(path: Path) -> tuple[Path, Path]:
    """The lock file of `path` and the note beside it naming the holder."""
    return path.with_name(path.name + ".lock"), path.with_name(path.name + ".lock-holder")


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold `path`'s lock; after `timeout` seconds raise LockTimeout naming the holder."""
    from filelock import FileLock, Timeout  # only writers pay for importing it

    lock_path, holder_path = lock_paths(path)
    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        holder = ""
        with contextlib.suppress(OSError):
            holder = holder_path.read_text(encoding="utf-8").strip()
        who = _(" (held by {holder})").format(holder=holder) if holder else ""
        raise LockTimeout(_("registry is locked by another circletrack process{holder}; "
                            "waited {seconds} s, try again").format(
            holder=who, seconds=f"{timeout:g}")) from None
    try:
        with contextlib.suppress(OSError):
            holder_path.write_text(f"{login_name()}@{socket.gethostname()} pid {os.getpid()}",
                                   encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            holder_path.unlink()
        lock.release()


def flushed_temporary(path: Path, data: bytes) -> str:
    """A temporary file beside `path` holding `data`, flushed to disk; returns its name."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return tmp_name


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, flush it to disk, rename it over `path`."""
    tmp_name = flushed_temporary(path, data)
    try:
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp_name, path.stat().st_mode & 0o7777)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    fsync_dir(path.parent)


def write_file(path: Path, data: bytes, replace: bool = False) -> None:
    """Write a new file (a report, a registry copy) completely or not at all.

    Without `replace` an existing file is never touched, even one created by another
    process a moment ago: the finished temporary file is hard-linked to the name, which
    fails if the name exists. Where links are not supported the file is created with
    O_EXCL instead. A new file gets the mode any new file would (0666 less the umask),
    not the temporary file's private 0600.
    """
    if path.is_dir():
        raise UsageError(_("{path} is a folder; name a file").format(path=path))
    if replace:
        existed = path.exists()
        atomic_write(path, data)
        if not existed:
            _public_mode(path)
        return
    tmp_name = flushed_temporary(path, data)
    try:
        _public_mode(Path(tmp_name))
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            raise FileExists(_("{path} already exists; use --force to replace it").format(
                path=path)) from None
        except OSError:  # no hard links here (some file systems): exclusive create
            _create_exclusive(path, data)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
    fsync_dir(path.parent)


def _create_exclusive(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
    except FileExistsError:
        raise FileExists(_("{path} already exists; use --force to replace it").format(
            path=path)) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _public_mode(path: Path) -> None:
    mask = os.umask(0)
    os.umask(mask)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o666 & ~mask)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk, where the platform allows."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
