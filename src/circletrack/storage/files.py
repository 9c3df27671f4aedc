"""File primitives: atomic replacement, never-clobbering creation, and the inter-process lock.

Nothing here knows what a registry is; the journal, the cache and the store build on these.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ..base.errors import FileExists, LockTimeout, UsageError
from ..base.i18n import _

LOCK_TIMEOUT_SECONDS = 5.0


def login_name() -> str:
    """The login name of this process's user, or "unknown"."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def lock_paths(path: Path) -> tuple[Path, Path]:
    """The lock file of `path` and the note beside it naming the holder."""
    return path.with_name(path.name + ".lock"), path.with_name(path.name + ".lock-holder")


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def share_like(path: Path, model: Path | None) -> None:
    """Give a file circletrack made beside a registry the registry's permissions and group,
    so every member of a group that shares the registry can write, lock and undo; a folder
    gets the same, with search (x) where the file has read. Best effort: a permission it
    may not grant is left as it is.

    The file is opened without following a link and changed through that descriptor: a
    link planted under the name (to someone's private file) is never chmod'ed or chgrp'ed."""
    if model is None or os.name != "posix":
        return
    try:
        info = os.stat(model)
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return
    try:
        own = os.fstat(fd)
        if not (stat.S_ISREG(own.st_mode) or stat.S_ISDIR(own.st_mode)):
            return
        mode = info.st_mode & 0o666
        if stat.S_ISDIR(own.st_mode):
            mode |= (mode & 0o444) >> 2 | (own.st_mode & 0o2000)
        with contextlib.suppress(OSError):
            if own.st_gid != info.st_gid:
                os.fchown(fd, -1, info.st_gid)
        with contextlib.suppress(OSError):
            os.fchmod(fd, mode)
    finally:
        os.close(fd)


class NotAFile(OSError):
    """A path that is not a regular file (a FIFO, a device, a socket, a folder, or with
    links not followed a link): `kind` says what it is, in words."""

    def __init__(self, path: Path, mode: int) -> None:
        self.kind = _kind_of(mode)
        self.folder = stat.S_ISDIR(mode)
        super().__init__(0, self.kind, str(path))


class TooLarge(OSError):
    """A file larger than the most that is read of it: `size` bytes at least."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        self.size = size
        super().__init__(0, _("larger than {limit} bytes").format(limit=limit), str(path))


def read_file(path: Path, limit: int, follow: bool = True) -> bytes:
    """The bytes of a regular file, never more than `limit` of them: a registry, a file to
    import, a filled form, a side of a merge (and, with `follow` False, a file circletrack
    keeps beside a registry, whose links are never followed).

    The file is opened without blocking (a FIFO with no writer would wait for one forever)
    and checked on the open descriptor, so the file read is the one checked: NotAFile for
    a FIFO, a device (/dev/zero never ends), a socket or a folder, TooLarge for a file
    larger than `limit` (by its size, before anything is read, and by what is read, should
    it grow meanwhile: at most limit + 1 bytes are), any other OSError as it comes."""
    flags = os.O_RDONLY | _NONBLOCK | getattr(os, "O_BINARY", 0) | (0 if follow else _NOFOLLOW)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(path, info.st_mode)
        if info.st_size > limit:
            raise TooLarge(path, info.st_size, limit)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            first = info.st_size + 1  # (not limit + 1: a small file takes a small buffer)
            data = handle.read(first)
            if len(data) == first:  # it grew since fstat
                data += handle.read(limit + 1 - first)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise TooLarge(path, len(data), limit)
    return data


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file circletrack keeps beside a registry (a journal entry, the
    lock's note), read without following a link and never more than `limit` bytes; a link,
    a FIFO or anything else is an OSError saying so (see `read_file`)."""
    return read_file(path, limit, follow=False)


def replace_beside(path: Path, data: bytes, model: Path) -> None:
    """Write a small file beside a registry (the lock's note) by renaming a finished one
    over its name: whatever stood there, a link planted to another file included, is
    replaced, never followed."""
    tmp_name = flushed_temporary(path, data)
    try:
        share_like(Path(tmp_name), model)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold `path`'s lock (a file beside it, with its permissions and group); after
    `timeout` seconds raise LockTimeout naming the holder."""
    from filelock import (  # only writers pay for importing it, for start-up speed
        FileLock,
        Timeout,
    )

    lock_path, holder_path = lock_paths(path)
    mode = 0o644
    with contextlib.suppress(OSError):
        mode = os.stat(path).st_mode & 0o666
    lock = FileLock(str(lock_path), timeout=timeout, mode=mode)
    try:
        lock.acquire()
    except Timeout:
        holder = ""
        with contextlib.suppress(OSError, UnicodeDecodeError):
            holder = read_regular(holder_path, 512).decode("utf-8").strip()
        who = _(" (held by {holder})").format(holder=holder) if holder else ""
        raise LockTimeout(_("registry is locked by another circletrack process{holder}; "
                            "waited {seconds} s, try again").format(
            holder=who, seconds=f"{timeout:g}")) from None
    try:
        share_like(lock_path, path)
        with contextlib.suppress(OSError):
            import socket

            replace_beside(holder_path, f"{login_name()}@{socket.gethostname()} pid "
                                        f"{os.getpid()}".encode("utf-8", "replace"), path)
        yield
    finally:
        with contextlib.suppress(OSError):
            holder_path.unlink()
        lock.release()


#: How much longer than its file's name the temporary file of a write is named:
#: `.NAME.` + tempfile's 8 random characters + `.tmp` (see `flushed_temporary`).
TEMPORARY_EXTRA_BYTES = len(".") + len(".") + 8 + len(".tmp")
#: The limits assumed where the file system does not say (most take 255-byte names).
NAME_MAX, PATH_MAX = 255, 4096


def _pathconf(folder: Path, name: str, default: int) -> int:
    """A limit of the file system holding `folder` (or the nearest folder above it that
    exists), else `default`."""
    for where in (folder, *folder.absolute().parents):
        try:
            value = os.pathconf(where, name)  # type: ignore[attr-defined, unused-ignore]
        except FileNotFoundError:
            continue
        except (AttributeError, OSError, ValueError):
            return default
        return value if value is not None and value > 0 else default
    return default


def name_room(folder: Path) -> tuple[int, int]:
    """The longest file name, in bytes, that a write here (`write_file`, `atomic_write`)
    can give a file in `folder` (its temporary file's name is longer), and the longest
    path the file system takes."""
    name_max = _pathconf(folder, "PC_NAME_MAX", NAME_MAX)
    return name_max - TEMPORARY_EXTRA_BYTES, _pathconf(folder, "PC_PATH_MAX", PATH_MAX)


def flushed_temporary(path: Path, data: bytes) -> str:
    """A temporary file beside `path` holding `data`, flushed to disk; returns its name.

    An error creating it names `path`, the file asked for, not the temporary name."""
    import tempfile

    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                        dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError) and exc.filename is None:  # (a full disk: say where)
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    return tmp_name


def atomic_write(path: Path, data: bytes, like: Path | None = None) -> None:
    """Write to a temporary file in the same folder, flush it to disk, rename it over `path`.

    The file keeps the permissions and group `path` had; a new one takes those of `like`
    (a journal entry those of its registry), else stays private (0600)."""
    tmp_name = flushed_temporary(path, data)
    try:
        # (the file it replaces is the model only if it is one: a link is replaced, not read)
        share_like(Path(tmp_name), path if _is_regular(path) else like)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    fsync_dir(path.parent)


def _is_regular(path: Path) -> bool:
    """True for a regular file (a link, even to one, is not)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return _("a FIFO")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    if stat.S_ISDIR(mode):
        return _("a folder")
    return _("not a regular file")


def check_target(path: Path, replace: bool = False) -> None:
    """Refuse (UsageError) a name `write_file` would not write: a symbolic link, a folder,
    and with `replace` anything but a regular file. A caller writing several files checks
    every name first, so a refusal leaves none written."""
    if path.is_symlink():
        raise UsageError(_("{path} is a symbolic link; circletrack does not write through "
                           "links: remove it or name another file").format(path=path))
    if path.is_dir():
        raise UsageError(_("{path} is a folder; name a file").format(path=path))
    if replace:
        with contextlib.suppress(FileNotFoundError):
            mode = os.stat(path).st_mode
            if not stat.S_ISREG(mode):
                raise UsageError(_("{path} is {kind}, not a regular file; circletrack writes "
                                   "only regular files").format(path=path,
                                                                kind=_kind_of(mode)))


def write_file(path: Path, data: bytes, replace: bool = False) -> Path:
    """Write a new file (a report, a registry copy) completely or not at all; returns the
    file written.

    Without `replace` an existing file is never touched, even one created by another
    process a moment ago: the finished temporary file is hard-linked to the name, which
    fails if the name exists. Where links are not supported the file is created with
    O_EXCL instead. A new file gets the mode any new file would (0666 less the umask),
    not the temporary file's private 0600. With `replace`, only a regular file is replaced;
    a symbolic link (someone may have planted it in a shared output folder, pointing at a
    file of yours), a FIFO, a device, a socket or a folder is refused.
    """
    check_target(path, replace)
    if replace:
        target = path
        existed = target.exists()
        atomic_write(target, data)
        if not existed:
            _public_mode(target)
        return target
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
    return path


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
