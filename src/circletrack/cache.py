"""A parse cache: the validated objects of a registry, kept for the exact bytes they came from.

Parsing and validating 10,000 items takes more than a second in pure Python; loading the
objects a previous run built from the very same bytes takes a fraction of that. The cache
can make a read faster but never different, and nobody but the user can put anything in it:

- It lives in the user's cache folder ($CIRCLETRACK_CACHE_DIR, else the platform's:
  $XDG_CACHE_HOME or ~/.cache, %LOCALAPPDATA%, ~/Library/Caches; CIRCLETRACK_CACHE=off turns
  it off). On every use the folder must be a real folder (not a link) owned by the user and
  writable by nobody else; one of the user's own with looser permissions is tightened to
  0700, and any other is left alone with the cache off for the run.
- Every entry is signed (HMAC-SHA256) with a key only the user can read, kept in that
  folder (0600). An entry is read only from a regular file the user owns and unpickled only
  after its signature checks, so a file someone else planted can neither run code nor change
  what a command prints or writes. An entry names the digest of the registry bytes it
  describes and circletrack's version; it is used only for exactly those bytes (a write: for
  the bytes it read under the lock), and anything else (another version's entry, a
  truncated or altered one) is a miss, never a failure.

Any problem with the cache (an unwritable folder, a damaged entry) falls back to parsing.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import os
import pickle
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .fileio import atomic_write
from .model import SCHEMA_VERSION, Item, Registry, record_fingerprint

KEEP_ENTRIES = 8
SUFFIX = ".entry"
_MAGIC = b"circletrack-cache-2\n"
#: What an entry was written by: circletrack's version, Python's, the registry schema and
#: the record classes' fields (an entry of other code is a miss, see model.record_fingerprint).
_TAG = (f"{__version__}-py{sys.version_info[0]}.{sys.version_info[1]}-schema{SCHEMA_VERSION}"
        f"-records{record_fingerprint()}".encode())
_KEY_FILE = "key"
_KEY_SIZE = 32
#: An entry larger than this is not read (a registry of 10,000 items makes about 9 MB).
MAX_ENTRY = 512 * 1024 * 1024
#: A temporary file of a cache write this old was left by a killed process.
STALE_TEMPORARY_SECONDS = 600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_POSIX = hasattr(os, "geteuid")


def cache_dir(env: dict[str, str] | None = None) -> Path | None:
    """Where cache entries go, or None when the cache is off."""
    environ = os.environ if env is None else env
    if environ.get("CIRCLETRACK_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    if environ.get("CIRCLETRACK_CACHE_DIR"):
        return Path(environ["CIRCLETRACK_CACHE_DIR"])
    if sys.platform == "win32" and environ.get("LOCALAPPDATA"):
        return Path(environ["LOCALAPPDATA"]) / "circletrack" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "circletrack"
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "circletrack"


def private_folder(folder: Path, create: bool = True) -> bool:
    """True when `folder` is a real folder owned by this user and writable by nobody else
    (created 0700 if missing and `create`; tightened if it is ours but looser)."""
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    if not _POSIX:  # Windows: the user's profile folder is private by its access lists
        return True
    if info.st_uid != os.geteuid():
        return False
    if info.st_mode & 0o077:
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
            info = os.lstat(folder)
    return not info.st_mode & 0o022


def _private_file(fd: int, limit: int) -> int | None:
    """The size of the open file if it is a regular file of this user's that nobody else
    may write, no larger than `limit`; None otherwise."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        return None
    if _POSIX and (info.st_uid != os.geteuid() or info.st_mode & 0o022):
        return None
    return info.st_size


def _read_private(path: Path, limit: int) -> bytes | None:
    """A regular file's bytes if this user owns it and nobody else may write it (a link is
    not followed); None otherwise."""
    try:
        # O_NONBLOCK: opening a FIFO planted here must not wait for a writer (it is then
        # refused as not a regular file); it changes nothing for a regular file.
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        size = _private_file(fd, limit)
        if size is None:
            return None
        # Read what the file holds (plus one byte, to see it did not grow past the limit):
        # read(limit) would reserve the whole limit in memory first.
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(size + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _key(folder: Path) -> bytes | None:
    """The user's signing key, made on first use (0600, in the private folder)."""
    path = folder / _KEY_FILE
    key = _read_private(path, _KEY_SIZE)
    if key is not None and len(key) == _KEY_SIZE:
        return key
    if key is not None or path.is_symlink():
        return None  # a file of the wrong size or a link: not ours to trust or replace
    import secrets  # start-up: once per user, when the key is made

    fresh = secrets.token_bytes(_KEY_SIZE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
                     | getattr(os, "O_BINARY", 0), 0o600)
    except FileExistsError:  # another process made it a moment ago
        key = _read_private(path, _KEY_SIZE)
        return key if key is not None and len(key) == _KEY_SIZE else None
    except OSError:
        return None
    with os.fdopen(fd, "wb") as handle:
        handle.write(fresh)
    return fresh


def digest(data: bytes) -> str:
    """The cache key of a registry's bytes (remembered for the last few bytes objects: a
    read or write hashes the same 11 MB several times, 15 ms each at 10,000 items)."""
    known = _DIGESTS.get(id(data))
    if known is not None and known[0] is data:
        return known[1]
    name = hashlib.blake2b(data, digest_size=20, person=b"circletrack", key=_TAG[:64]).hexdigest()
    if len(_DIGESTS) >= 4:
        _DIGESTS.pop(next(iter(_DIGESTS)))
    _DIGESTS[id(data)] = (data, name)
    return name


#: id(bytes) -> (the bytes, their digest); the bytes are held, so an id is never reused.
_DIGESTS: dict[int, tuple[bytes, str]] = {}


def _sign(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _MAGIC + payload, hashlib.sha256).digest()


_HEAD = len(_MAGIC) + hashlib.sha256().digest_size


def _sealed(key: bytes, signed: bytes, rest: bytes = b"") -> bytes:
    """A cache file: the magic, the signature of `signed`, `signed`, then `rest` (left
    unsigned where `signed` holds its digest: the kept registry bytes)."""
    return _MAGIC + _sign(key, signed) + signed + rest


def _opened(key: bytes, blob: bytes | None, first_line: bool = False) -> bytes | None:
    """What follows the signature in a cache file (see `_sealed`), if the signature of it
    (with `first_line`, of its first line, the newline included) checks; else None."""
    if blob is None or len(blob) <= _HEAD or not blob.startswith(_MAGIC):
        return None
    body = blob[_HEAD:]
    signed = body[:body.find(b"\n") + 1] if first_line else body
    if not signed or not hmac.compare_digest(blob[len(_MAGIC):_HEAD], _sign(key, signed)):
        return None
    return body


def _prune(folder: Path, pattern: str) -> None:
    """Remove the oldest files matching `pattern` beyond the newest KEEP_ENTRIES."""
    kept = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime_ns)
    for stale in kept[:-KEEP_ENTRIES]:
        stale.unlink(missing_ok=True)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that form no cycles.

    Building 10,000 items triggers dozens of collections that find nothing; pausing it
    roughly halves the time to unpickle or parse a large registry. Afterwards the objects
    are frozen (gc.freeze), so later collections in the same command skip them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # The registry lives until the command ends: move it out of the collector's sight,
        # or every later collection walks its half a million objects again.
        gc.freeze()
        if enabled:
            gc.enable()


def _trusted_folder() -> tuple[Path, bytes] | None:
    folder = cache_dir()
    if folder is None or not private_folder(folder):
        return None
    key = _key(folder)
    return (folder, key) if key is not None else None


def lookup_entry(data: bytes) -> tuple[Registry, bool] | None:
    """The objects cached for exactly these bytes, and whether the bytes are known to be
    canonical (written by circletrack's own serialiser); None on a miss."""
    return _entry(digest(data), 0)


def _entry(name: str, depth: int) -> tuple[Registry, bool] | None:
    """The cached objects of the bytes whose digest is `name` (see `lookup_entry`)."""
    trusted = _trusted_folder()
    if trusted is None:
        return None
    folder, key = trusted
    payload = _opened(key, _read_private(folder / f"{name}{SUFFIX}", MAX_ENTRY))
    if payload is None:
        return None
    try:
        with no_gc():
            tag, described, canonical, body = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - a signed entry of an older layout: a miss
        return None
    if tag != _TAG or described != name or not isinstance(canonical, bool):
        return None
    if isinstance(body, _Change):
        registry = _apply_change(body, depth)
        if registry is None:
            return None
        _DEPTHS[name] = body.depth
        return registry, canonical
    if not isinstance(body, Registry):
        return None
    _DEPTHS[name] = 0
    return body, canonical


def lookup(data: bytes) -> Registry | None:
    """The objects cached for exactly these bytes, or None."""
    entry = lookup_entry(data)
    return entry[0] if entry is not None else None


def remember(data: bytes, registry: Registry, canonical: bool = False) -> None:
    """Store the objects of these (validated) bytes; keep only the newest few entries.

    `canonical` says the bytes are exactly what `codec.dumps` writes for `registry`.
    """
    trusted = _trusted_folder()
    if trusted is None:
        return
    folder, key = trusted
    _store(folder, key, digest(data), canonical, registry)


def _store(folder: Path, key: bytes, name: str, canonical: bool,
           body: Registry | _Change) -> None:
    """Write one signed entry and prune the oldest beyond KEEP_ENTRIES."""
    try:
        payload = pickle.dumps((_TAG, name, canonical, body), protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write(folder / f"{name}{SUFFIX}", _sealed(key, payload))
        _DEPTHS[name] = body.depth if isinstance(body, _Change) else 0
        _prune(folder, f"*{SUFFIX}")
        _remove_stale_temporaries(folder)
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never a failure
        return


#: How many change entries may stand between bytes and a whole entry: a longer chain is
#: cut by storing the registry whole again, so a read never applies more than these.
MAX_CHAIN = 4
#: The chain depth of each entry (by digest) this process read or wrote: a write that
#: caches its change learns its base's depth here instead of reading the base again.
_DEPTHS: dict[str, int] = {}


@dataclass(frozen=True)
class _Change:
    """A cache entry that holds only what a write changed: the entry of the bytes before
    the write (`base`, a digest), the ids in their new order, and the changed items."""

    base: str
    order: list[str]
    items: dict[str, Item]
    depth: int


def _apply_change(change: _Change, depth: int) -> Registry | None:
    """The registry a change entry stands for: its base's, with the changed items put in."""
    if depth >= MAX_CHAIN:
        return None
    base = _entry(change.base, depth + 1)
    if base is None:
        return None
    registry = base[0]
    by_id = {item.id: item for item in registry.items}
    try:
        registry.items = [change.items[i] if i in change.items else by_id[i]
                          for i in change.order]
    except KeyError:
        return None
    return registry


def remember_change(data: bytes, base: bytes, registry: Registry, changed: set[str]) -> None:
    """Store the objects of these bytes as the entry of `base` (the bytes before a write)
    plus the items the write changed: a write at 10,000 items pickles one item, not all.
    The chain is cut (the registry stored whole) every MAX_CHAIN writes, and wherever this
    process did not read or write the base's entry (a write reads it under the lock)."""
    trusted = _trusted_folder()
    if trusted is None:
        return
    folder, key = trusted
    base_name = digest(base)
    depth = _DEPTHS.get(base_name)
    if depth is None or depth + 1 >= MAX_CHAIN:
        remember(data, registry, canonical=True)
        return
    items = {item.id: item for item in registry.items if item.id in changed}
    body = _Change(base_name, [item.id for item in registry.items], items, depth + 1)
    _store(folder, key, digest(data), True, body)


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files of cache writes killed midway (not of writes still running)."""
    cutoff = time.time() - STALE_TEMPORARY_SECONDS
    for leftover in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.lstat().st_mtime < cutoff:
                leftover.unlink()


#: The bytes last read or written at a registry path are kept beside the entries (one file
#: per path, named by a digest of the path), so a read after the file changed elsewhere (a
#: `git pull`, a colleague's write) can reuse the objects of every section that did not.
_SOURCE = "source-{}.bytes"


def _source_file(folder: Path, path: Path) -> Path:
    # (links resolved: a read through a link and a write to its target share one file)
    name = hashlib.blake2b(os.fsencode(os.path.realpath(path)), digest_size=16).hexdigest()
    return folder / _SOURCE.format(name)


def remember_source(path: Path, data: bytes) -> None:
    """Keep `data` as the bytes last seen at `path` (signed with their digest)."""
    trusted = _trusted_folder()
    if trusted is None:
        return
    folder, key = trusted
    try:
        atomic_write(_source_file(folder, path), _sealed(key, digest(data).encode() + b"\n",
                                                         data))
        _prune(folder, _SOURCE.format("*"))
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never a failure
        return


def previous_source(path: Path) -> bytes | None:
    """The bytes last seen at `path` (see `remember_source`), if kept and intact."""
    trusted = _trusted_folder()
    if trusted is None:
        return None
    folder, key = trusted
    body = _opened(key, _read_private(_source_file(folder, path), MAX_ENTRY), first_line=True)
    if body is None:
        return None
    name, data = body.split(b"\n", 1)
    return data if digest(data).encode() == name else None


def cached_entry(data: bytes, parse: Callable[[bytes], Registry | Derived],
                 ) -> tuple[Registry, bool]:
    """The registry of these bytes and whether they are known canonical: from the cache,
    else parsed (and then remembered, as not known canonical)."""
    hit = lookup_entry(data)
    if hit is not None:
        return hit
    with no_gc():
        parsed = parse(data)
    if isinstance(parsed, Derived):
        if parsed.canonical:
            remember_change(data, parsed.base, parsed.registry, parsed.changed)
        else:
            remember(data, parsed.registry)
        return parsed.registry, parsed.canonical
    remember(data, parsed)
    return parsed, False


@dataclass
class Derived:
    """A registry made from the cached objects of other bytes (`base`) with the items
    `changed` parsed anew (see store._reparse); `canonical` when the bytes are known to be
    exactly what circletrack writes."""

    registry: Registry
    base: bytes
    changed: set[str]
    canonical: bool


def cached(data: bytes, parse: Callable[[bytes], Registry | Derived]) -> Registry:
    """The registry of these bytes: from the cache, else parsed (and then remembered)."""
    return cached_entry(data, parse)[0]
