"""The registry's index: a SQLite file derived from the registry file, never its truth.

The registry file is read, item by item, into records; at 10,000 items that takes
seconds in pure Python. The index keeps what a read made, as data, so the next read of
the same bytes builds the records without parsing or validating the TOML again, and a
read of bytes that changed elsewhere (a `git pull`, a colleague's write) parses only the
items whose text changed. It holds, for the registry bytes it describes (their digest)
and the code that wrote it (`_CODE`: the index format, circletrack's version and the
record classes' fields):

- `meta`: the digest of the file's bytes, whether they are exactly what circletrack's
  serialiser writes (canonical: a write may then replace only the changed items' text),
  the code, and the head (schema, sources, passages) as JSON with its CRC-32;
- `items`: each item in file order, with the digest of its `[[items]]` section of the file
  and its fields as a JSON array, in the order the model declares them, and the CRC-32 of
  that array's text, checked on every read (a row damaged on disk into other values of the
  right types is a miss too, never a record shown).

Loading it makes values only: SQLite rows, JSON texts, dates, tuples and records built
from them field by field. Nothing in it can run code, so it needs no signature. A file
that is not an index of this code for exactly these bytes (another version's, a future
format, a damaged or truncated one, rows that do not read as records) is a miss: the
registry is parsed and the index written again. A cache folder that cannot be written
means slower reads, never a failure.

One index per registry (by its path, links resolved) lives in the user's cache folder
($CIRCLETRACK_CACHE_DIR, else the platform's: $XDG_CACHE_HOME or ~/.cache, %LOCALAPPDATA%,
~/Library/Caches; CIRCLETRACK_CACHE=off turns it off). On every use the folder must be a
real folder owned by the user and writable by nobody else (one of the user's own with
looser permissions is tightened to 0700); the index file must be the user's and
writable by nobody else, else it is not read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import os
import sqlite3
import stat
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from .. import __version__
from ..base.cells import fold
from ..model.records import (
    SCHEMA_VERSION,
    Item,
    Passage,
    Registry,
    Source,
    record_fingerprint,
    specs,
)

#: The layout of the index file; another number (an older or a newer circletrack's) is a miss.
FORMAT = 3
_CODE = f"index{FORMAT}-{__version__}-schema{SCHEMA_VERSION}-records{record_fingerprint()}"
_SUFFIX = ".sqlite"
#: How many registries' indexes are kept (the least recently written beyond are removed).
KEEP_INDEXES = 8
_POSIX = hasattr(os, "geteuid")


def cache_dir(env: dict[str, str] | None = None) -> Path | None:
    """Where indexes go, or None when the index is off."""
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


def _private_file(path: Path) -> bool:
    """True when `path` is missing, or a regular file (not a link) of this user's that
    nobody else may write: an index anybody else could have written is not read."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    return not _POSIX or (info.st_uid == os.geteuid() and not info.st_mode & 0o022)


def digest(data: bytes) -> str:
    """The digest of a registry's bytes (or of one section's), as the index names them."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that form no cycles.

    Building 10,000 items triggers dozens of collections that find nothing; pausing it
    saves a third of the time. Afterwards the objects are frozen (gc.freeze), so later
    collections in the same command skip them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


# Records as JSON arrays: each record's declared fields in order, a date as its ISO text,
# a list of records as a list of arrays. Built from the field declarations, so a field
# added to the model is stored and read back with no change here (and the code digest
# makes every older index a miss).


def _encoder(cls: type) -> Callable[[Any], list[Any]]:
    parts: list[tuple[str, Callable[[Any], Any] | None, str]] = []
    for f in specs(cls):
        kind = f.spec.type
        nested = _encoder(f.spec.record) if kind in ("record", "records") else None
        parts.append((f.name, nested, kind))

    def encode(record: Any) -> list[Any]:
        row: list[Any] = []
        for name, nested, kind in parts:
            value = getattr(record, name)
            if kind == "records":
                value = [nested(entry) for entry in value]  # type: ignore[misc]
            elif kind == "record":
                value = None if value is None else nested(value)  # type: ignore[misc]
            elif type(value) is dt.date:
                value = value.isoformat()
            elif type(value) is tuple:
                value = list(value)
            row.append(value)
        return row

    return encode


class _Unreadable(Exception):
    """A row that does not read as a record of the model: the index is not this code's."""


#: What reading an index that is not this code's index (damaged, another layout, rows
#: that are not records) raises: each is a miss.
_MISS = (sqlite3.Error, ValueError, TypeError, KeyError, _Unreadable)


def _decoder(cls: type) -> Callable[[Any, dict[Any, Any], dict[Any, Any]], Any]:
    """A function making a record of `cls` from its array (see `_encoder`), with equal
    texts and equal dates each kept once within one read (`texts`, `dates`: as
    codec.record_from_table does).

    The record is made as the dataclass would make it from these values, its fields set
    directly (the values are the ones a validated registry held). The function is written
    out for the class's fields, as `dataclasses` writes `__init__`: a loop over the
    declarations for every field of 10,000 items would take three times as long."""
    lines = ["def decode(row, texts, dates):",
             f"    if type(row) is not list or len(row) != {len(specs(cls))}:",
             "        raise _Unreadable",
             "    record = new(cls)",
             "    values = record.__dict__",
             "    values.update(rest)"]
    nested: dict[str, Any] = {}
    names = [f"v{n}" for n in range(len(specs(cls)))]
    lines.append(f"    {', '.join(names)}{',' if len(names) == 1 else ''} = row")
    for name, f in zip(names, specs(cls)):
        kind = f.spec.type
        if kind == "records":
            nested[f"d_{name}"] = _decoder(f.spec.record)
            value = f"tuple([d_{name}(e, texts, dates) for e in {name}])"
        elif kind == "record":
            nested[f"d_{name}"] = _decoder(f.spec.record)
            value = f"None if {name} is None else d_{name}({name}, texts, dates)"
        elif kind == "date":
            value = (f"None if {name} is None else (dates.get({name}) or "
                     f"dates.setdefault({name}, from_iso({name})))")
        elif f.spec.repeated:
            value = f"tuple([texts.setdefault(e, e) if type(e) is str else e for e in {name}])"
        else:
            value = f"texts.setdefault({name}, {name}) if type({name}) is str else {name}"
        lines.append(f"    values[{f.name!r}] = {value}")
    lines.append("    return record")
    declared = {f.name for f in specs(cls)}
    undeclared = [f for f in fields(cls) if f.name not in declared]
    if any(f.default is MISSING and f.default_factory is MISSING  # type: ignore[misc]
           for f in undeclared):
        raise TypeError(f"{cls.__name__} has an undeclared field without a default")
    rest = {f.name: (f.default if f.default is not MISSING
                     else f.default_factory()) for f in undeclared}  # type: ignore[misc]
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls, "rest": rest,
                             "from_iso": dt.date.fromisoformat, "_Unreadable": _Unreadable,
                             **nested}
    exec("\n".join(lines), scope)  # noqa: S102 - code written above from the declarations
    return scope["decode"]  # type: ignore[no-any-return]


_ENCODE_ITEM = _encoder(Item)
_DECODE_ITEM = _decoder(Item)


def item_row(item: Item) -> str:
    """An item as the index stores it."""
    return json.dumps(_ENCODE_ITEM(item), ensure_ascii=False, separators=(",", ":"))


def _head_json(registry: Registry) -> str:
    from .codec import registry_to_document

    head = registry_to_document(Registry(sources=registry.sources, items=[],
                                         schema=registry.schema, passages=registry.passages))
    head.pop("items", None)
    return json.dumps(head, ensure_ascii=False, default=_date_text)


def _date_text(value: Any) -> Any:
    if type(value) is dt.date:
        return {"$date": value.isoformat()}
    raise TypeError(type(value).__name__)


def _head_of(meta: dict[str, str]) -> Registry:
    """The head the index keeps (see _head_json), if its text is what was written."""
    def dates(obj: dict[str, Any]) -> Any:
        return dt.date.fromisoformat(obj["$date"]) if set(obj) == {"$date"} else obj

    text = meta["head"]
    if type(text) is not str or str(zlib.crc32(text.encode())) != meta.get("head_crc"):
        raise _Unreadable
    document = json.loads(text, object_hook=dates)
    sources = {key: Source.from_table(key, values)
               for key, values in document["sources"].items()}
    passages = {key: Passage(id=key, **values)
                for key, values in document.get("passages", {}).items()}
    return Registry(sources=sources, items=[], schema=document["schema"], passages=passages)


@dataclass
class Snapshot:
    """A registry as read: its records, whether its bytes are canonical, and the digest of
    each item's section of the file (in file order; empty when not known)."""

    registry: Registry
    canonical: bool
    sections: list[str]


@dataclass(frozen=True)
class Indexed:
    """What an index holds for a file that changed elsewhere: the head (schema, sources,
    passages), the items by the digest of their section, and the digest of the bytes the
    index describes."""

    head: Registry
    items: dict[str, Item]
    file: str


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items (n INTEGER PRIMARY KEY, id TEXT NOT NULL, section TEXT NOT NULL,
                    data TEXT NOT NULL, crc INTEGER NOT NULL, key TEXT NOT NULL,
                    same_as TEXT);
CREATE INDEX items_key ON items (key);
CREATE INDEX items_id ON items (id);
CREATE INDEX items_same_as ON items (same_as);
"""
_COLUMNS = ["n", "id", "section", "data", "crc", "key", "same_as"]
_INSERT = ("INSERT OR REPLACE INTO items (n, id, section, data, crc, key, same_as) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)")


def _row(n: int, item: Item, section: str) -> tuple[Any, ...]:
    """An item's row: its place, id, section digest, fields and their CRC-32, the id as
    typed to find it (`fold`ed, see `Index.around`) and the item it records the same
    event as."""
    data = item_row(item)
    return n, item.id, section, data, zlib.crc32(data.encode()), fold(item.id), item.same_as


def _fields(data: str, crc: int) -> Any:
    """A row's fields, if its text is what was written (its CRC-32 agrees); else a miss."""
    if type(data) is not str or type(crc) is not int or zlib.crc32(data.encode()) != crc:
        raise _Unreadable
    return json.loads(data)


class Index:
    """The index file of one registry (see the module's docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def of(cls, registry_path: Path) -> Index | None:
        """The index of the registry at `registry_path`, or None when the index is off or
        its folder is not private."""
        folder = cache_dir()
        if folder is None or not private_folder(folder):
            return None
        name = hashlib.blake2b(os.fsencode(os.path.realpath(registry_path)),
                               digest_size=16).hexdigest()
        return cls(folder / f"{name}{_SUFFIX}")

    def _connect(self, write: bool = False) -> sqlite3.Connection | None:
        # (SQLite also opens the rollback journal beside the file: a FIFO there would hang)
        if not (_private_file(self.path) and _private_file(Path(f"{self.path}-journal"))):
            return None
        try:
            if write:
                connection = sqlite3.connect(self.path, timeout=1, isolation_level=None)
                with contextlib.suppress(OSError):
                    os.chmod(self.path, 0o600)
            else:
                connection = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True,
                                             timeout=1, isolation_level=None)
        except (sqlite3.Error, OSError, ValueError):
            return None
        return connection

    def _meta(self, connection: sqlite3.Connection) -> dict[str, str]:
        return dict(connection.execute("SELECT key, value FROM meta").fetchall())

    @contextlib.contextmanager
    def _opened(self) -> Iterator[tuple[sqlite3.Connection, dict[str, str]] | None]:
        """The index opened for reading and its meta, if it is this code's index; else
        None. A file that does not read as one (damaged, of another layout, rows that are
        not records) ends the block as a miss: the caller's `with` gives None then too."""
        connection = self._connect()
        if connection is None:
            yield None
            return
        try:
            meta = self._meta(connection)
            yield (connection, meta) if meta.get("code") == _CODE else None
        finally:
            connection.close()

    def read(self, file_digest: str) -> Snapshot | None:
        """The registry of the bytes whose digest is `file_digest`, if the index is this
        code's index of exactly those bytes; else None."""
        try:
            with self._opened() as opened:
                if opened is None or opened[1].get("file") != file_digest:
                    return None
                connection, meta = opened
                rows = connection.execute(
                    "SELECT section, data, crc FROM items ORDER BY n").fetchall()
                if str(len(rows)) != meta.get("count"):
                    return None
                return self._snapshot(meta, rows)
        except _MISS:
            return None

    def sections(self, head_digest: str) -> Indexed | None:
        """What the index holds (see `Indexed`), if it is this code's index of a canonical
        file whose head had `head_digest` (the file changed elsewhere since, but not its
        head); else None. Only a canonical file's items are offered, so an item kept for
        its section is written back as the same text."""
        try:
            with self._opened() as opened:
                if (opened is None or opened[1].get("head_digest") != head_digest
                        or opened[1].get("canonical") != "1"):
                    return None
                connection, meta = opened
                rows = connection.execute("SELECT section, data, crc FROM items").fetchall()
                if str(len(rows)) != meta.get("count"):
                    return None
                texts: dict[str, str] = {}
                dates: dict[str, dt.date] = {}
                with no_gc():
                    items = {section: _DECODE_ITEM(_fields(data, crc), texts, dates)
                             for section, data, crc in rows}
                return Indexed(_head_of(meta), items, meta["file"])
        except _MISS:
            return None

    def around(self, file_digest: str, key: str) -> Registry | None:
        """The part of the registry one item's view needs, if the index describes exactly
        the bytes whose digest is `file_digest` and one item's id is `key` (folded as
        typed): that item, every item its state follows (`tracks`, `starts`, `same_as`,
        and theirs in turn), the items it names as related and those that record the same
        event as it, in file order, with the sources and passages. What `show` prints
        from it is what it prints from the whole registry; a 10,000-item registry is then
        a few rows read instead of every item built. None when the index cannot say."""
        try:
            with self._opened() as opened:
                if opened is None or opened[1].get("file") != file_digest:
                    return None
                connection, meta = opened
                (count,) = connection.execute("SELECT count(*) FROM items").fetchone()
                if str(count) != meta.get("count"):
                    return None  # rows missing or added: not the index that was written
                found = connection.execute("SELECT n, data, crc FROM items WHERE key = ?",
                                           (key,)).fetchall()
                if len(found) != 1:
                    return None
                texts: dict[str, str] = {}
                dates: dict[str, dt.date] = {}
                rows = {found[0][0]: _DECODE_ITEM(_fields(*found[0][1:]), texts, dates)}
                item = rows[found[0][0]]
                wanted = set(item.links) | set(item.related)
                for n, data, crc in connection.execute(
                        "SELECT n, data, crc FROM items WHERE same_as = ?", (item.id,)):
                    rows[n] = _DECODE_ITEM(_fields(data, crc), texts, dates)
                known = {other.id for other in rows.values()}
                while wanted - known:
                    asked = sorted(wanted - known)
                    marks = ",".join("?" * len(asked))
                    fetched = connection.execute(
                        f"SELECT n, data, crc FROM items WHERE id IN ({marks})",
                        asked).fetchall()
                    known |= set(asked)
                    for n, data, crc in fetched:
                        other = _DECODE_ITEM(_fields(data, crc), texts, dates)
                        rows[n] = other
                        wanted |= set(other.links)  # (the state of what it follows)
                head = _head_of(meta)
                head.items = [rows[n] for n in sorted(rows)]
                return head
        except _MISS:
            return None

    def _snapshot(self, meta: dict[str, str],
                  rows: Sequence[tuple[str, str, int]]) -> Snapshot:
        texts: dict[str, str] = {}
        dates: dict[str, dt.date] = {}
        with no_gc():
            head = _head_of(meta)
            items = [_DECODE_ITEM(_fields(data, crc), texts, dates) for _, data, crc in rows]
        head.items = items
        return Snapshot(head, meta["canonical"] == "1", [section for section, _d, _c in rows])

    def write(self, file_digest: str, head_digest: str, snapshot: Snapshot,
              changed: set[str] | None = None, before: str | None = None) -> None:
        """Make the index describe the bytes whose digest is `file_digest`: with `changed`
        (the ids of the items a write changed) and `before` (the digest of the bytes the
        write read), only those rows are written again when the index described `before`
        and the items kept their order; else every row. Never fails: an index that cannot
        be written is removed, and the next read parses."""
        registry = snapshot.registry
        sections = snapshot.sections
        if len(sections) != len(registry.items):
            return
        try:
            connection = self._connect(write=True)
            if connection is None:
                return
            try:
                connection.execute("BEGIN IMMEDIATE")
                meta = self._tables(connection)
                partial = (changed is not None and before is not None
                           and meta.get("code") == _CODE and meta.get("file") == before
                           and meta.get("count") is not None)
                if partial:
                    partial = self._update(connection, registry, sections, changed or set(),
                                           int(meta["count"]))
                if not partial:
                    connection.execute("DELETE FROM items")
                    connection.executemany(_INSERT, [
                        _row(n, item, section)
                        for n, (item, section) in enumerate(zip(registry.items, sections))])
                values = {"code": _CODE, "file": file_digest, "head_digest": head_digest,
                          "canonical": "1" if snapshot.canonical else "0",
                          "count": str(len(registry.items))}
                if not partial or meta.get("head_digest") != head_digest:
                    values["head"] = _head_json(registry)
                    values["head_crc"] = str(zlib.crc32(values["head"].encode()))
                connection.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                       list(values.items()))
                connection.execute("COMMIT")
            finally:
                connection.close()
            _prune(self.path.parent)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                self.forget()  # (another process writing it now is left to finish)
        except Exception:  # noqa: BLE001 - the index is an optimisation, never a failure
            self.forget()

    @staticmethod
    def _tables(connection: sqlite3.Connection) -> dict[str, str]:
        """The meta of an index file, its tables made if it has none; a file of another
        layout is emptied first."""
        tables = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables == {"meta", "items"}:
            columns = [row[1] for row in connection.execute("PRAGMA table_info(items)")]
            if columns == _COLUMNS:
                return dict(connection.execute("SELECT key, value FROM meta").fetchall())
        for name in tables:
            connection.execute(f'DROP TABLE "{name}"')
        for statement in _SCHEMA.strip().split(";"):
            if statement.strip():
                connection.execute(statement)
        return {}

    @staticmethod
    def _update(connection: sqlite3.Connection, registry: Registry, sections: list[str],
                changed: set[str], count: int) -> bool:
        """Write again only the rows of the `changed` items (an added one at the end);
        False when that is not what the write did (an item moved or removed)."""
        ids = [row[0] for row in connection.execute("SELECT id FROM items ORDER BY n")]
        if len(ids) != count or len(registry.items) < count or any(
                item.id != known for item, known in zip(registry.items, ids)):
            return False
        connection.executemany(_INSERT, [
            _row(n, item, sections[n])
            for n, item in enumerate(registry.items) if n >= count or item.id in changed])
        return True

    def forget(self) -> None:
        """Remove the index (a write that could not keep it true)."""
        with contextlib.suppress(OSError):
            self.path.unlink()


#: What the parse cache before the index (pickles signed with a key) left in the folder.
_OLD_CACHE = ("*.entry", "source-*.bytes", "key")


def _prune(folder: Path) -> None:
    """Remove the least recently written indexes beyond the newest KEEP_INDEXES, and what
    the old parse cache left (never read: see _OLD_CACHE)."""
    with contextlib.suppress(OSError):
        kept = sorted(folder.glob(f"*{_SUFFIX}"), key=lambda p: p.stat().st_mtime_ns)
        for stale in kept[:-KEEP_INDEXES]:
            stale.unlink(missing_ok=True)
        for pattern in _OLD_CACHE:
            for old in folder.glob(pattern):
                old.unlink(missing_ok=True)
