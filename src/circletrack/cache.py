"""A parse cache: the validated objects of a registry, keyed on a hash of its bytes.

Parsing and validating 10,000 items takes seconds in pure Python; unpickling the objects
a previous run built from the very same bytes takes a fraction of that. The key is a
BLAKE2b digest of the file's content (plus circletrack's and Python's versions), so a
file changed behind the cache's back, whatever its size or modification time, is simply
a miss: the cache can make a read faster but never different. Writes use it the same
way, on the bytes they re-read under the lock, and validate their result in full.

The cache lives in the user's cache folder ($CIRCLETRACK_CACHE_DIR, else the platform's:
$XDG_CACHE_HOME or ~/.cache, %LOCALAPPDATA%, ~/Library/Caches); CIRCLETRACK_CACHE=off
turns it off. Any problem with it (unwritable folder, damaged entry) falls back to
parsing; it never fails a command.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from . import __version__
from .fileio import atomic_write
from .model import SCHEMA_VERSION, Registry

KEEP_ENTRIES = 8
_TAG = (f"{__version__}-py{sys.version_info[0]}.{sys.version_info[1]}-schema{SCHEMA_VERSION}"
        .encode())


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


def digest(data: bytes) -> str:
    """The cache key of a registry's bytes."""
    return hashlib.blake2b(data, digest_size=20, person=b"circletrack", key=_TAG[:64]).hexdigest()


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


def lookup_entry(data: bytes) -> tuple[Registry, bool] | None:
    """The objects cached for exactly these bytes, and whether the bytes are known to be
    canonical (written by circletrack's own serialiser); None on a miss."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        blob = (folder / f"{digest(data)}.pickle").read_bytes()
        with no_gc():
            registry, canonical = pickle.loads(blob)
    except Exception:  # noqa: BLE001 - a missing or damaged entry is a miss
        return None
    if not isinstance(registry, Registry) or not isinstance(canonical, bool):
        return None
    return registry, canonical


def lookup(data: bytes) -> Registry | None:
    """The objects cached for exactly these bytes, or None."""
    entry = lookup_entry(data)
    return entry[0] if entry is not None else None


def remember(data: bytes, registry: Registry, canonical: bool = False) -> None:
    """Store the objects of these (validated) bytes; keep only the newest few entries.

    `canonical` says the bytes are exactly what `codec.dumps` writes for `registry`.
    """
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / f"{digest(data)}.pickle",
                     pickle.dumps((registry, canonical), protocol=pickle.HIGHEST_PROTOCOL))
        entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for stale in entries[:-KEEP_ENTRIES]:
            stale.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never a failure
        return


def cached_entry(data: bytes, parse: Callable[[bytes], Registry]) -> tuple[Registry, bool]:
    """The registry of these bytes and whether they are known canonical: from the cache,
    else parsed (and then remembered, as not known canonical)."""
    hit = lookup_entry(data)
    if hit is not None:
        return hit
    with no_gc():
        registry = parse(data)
    remember(data, registry)
    return registry, False


def cached(data: bytes, parse: Callable[[bytes], Registry]) -> Registry:
    """The registry of these bytes: from the cache, else parsed (and then remembered)."""
    return cached_entry(data, parse)[0]
