"""The undo journal: what each write replaced, so `undo` can restore the bytes exactly.

The journal is a folder beside the registry, `<registry>.journal/`, holding numbered entries:

    000007.undo     what write 7 replaced: the bytes before it, as a patch on the bytes
                    after it (the span that differs; a `mark` at 10,000 items keeps a few
                    KB, not the 11 MB of the file)
    000007.json     {"label", "time", "user", "sha256_before", "sha256_after"}
    merges.jsonl    one line per file git's merge driver wrote: {"sha256", "time", "label"}

(A journal an older circletrack wrote holds `000007.before`, the whole bytes before the
write, instead of the patch; undo reads either.)

`store.update_journaled` writes an entry under the registry's lock, after the new bytes are
validated and before the registry is replaced, and removes it when the registry cannot be
replaced (a full disk); an entry counts once its `.json` exists, and `undo --list` shows
it once the registry holds its bytes (`landed`).
`revert` (run by `store.undo`) writes a `.undoing` marker, restores the bytes, then removes
the entry. Every file is written with `fileio.atomic_write`, so a run killed at any moment leaves whole files, and
`settle` tells an interrupted write or undo apart from a finished one. The merge notes are
not writes to undo: they only let `undo` say that the file it finds is a merge's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ..base.cells import shown_text
from ..base.errors import CircletrackError, ConflictError
from ..base.i18n import _
from .files import atomic_write, read_regular, share_like

#: How many writes can be undone; older entries are dropped when a new one is recorded.
JOURNAL_LIMIT = 100

#: The notes of the merge driver (`circletrack merge`), newest last; the last MERGE_NOTES kept.
MERGES_FILE = "merges.jsonl"
MERGE_NOTES = 100
_NOTE_BYTES = 4096

_ENTRY_FILE = re.compile(r"^([0-9]{6,})\.(json|undoing|before|undo)$", re.ASCII)


class NothingToUndo(CircletrackError):
    """The journal holds no write to undo."""


class JournalDamaged(CircletrackError):
    """A journal entry cannot be read or does not match its checksum."""


def sha256(data: bytes) -> str:
    """The hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def journal_dir(registry_path: Path) -> Path:
    """The journal folder of a registry file: `<registry>.journal` beside it."""
    return registry_path.with_name(registry_path.name + ".journal")


#: The most a journal file may hold: a registry's bytes (see store.MAX_REGISTRY_BYTES).
MAX_JOURNAL_FILE = 256 * 1024 * 1024


class JournalUnsafe(CircletrackError):
    """The journal's folder is not one circletrack may use: a link, not a folder, writable by
    everyone, or someone else's; nothing was written."""


def journal_folder(registry_path: Path, create: bool = False) -> Path | None:
    """The registry's journal folder, checked before each use: a real folder (a link planted
    there, through git or in a shared folder, is never followed), writable by nobody but its
    owner and group, owned by this user or in the registry's group (a registry a group
    shares). None when there is none yet and `create` is false; created (like the registry)
    when `create` is true. JournalUnsafe otherwise."""
    folder = journal_dir(registry_path)
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        if not create:
            return None
        os.mkdir(folder, 0o700)
        share_like(folder, registry_path)  # a registry shared by a group: its journal too
        info = os.lstat(folder)
    if stat.S_ISLNK(info.st_mode):
        raise JournalUnsafe(_("{path} is a link: circletrack keeps the undo journal in a real "
                              "folder beside the registry and never follows a link there; "
                              "remove the link").format(path=folder))
    if not stat.S_ISDIR(info.st_mode):
        raise JournalUnsafe(_("{path} is not a folder: circletrack keeps the undo journal "
                              "there; move it away").format(path=folder))
    if hasattr(os, "geteuid"):
        try:
            registry = os.stat(registry_path)
            owners, group = (os.geteuid(), registry.st_uid), registry.st_gid
        except OSError:  # (no registry file there: only this user's folder will do)
            owners, group = (os.geteuid(),), None
        if info.st_mode & 0o002:
            raise JournalUnsafe(_("{path} is writable by everyone: anyone could change what "
                                  "undo restores; `chmod o-w` it").format(path=folder))
        if info.st_uid not in owners and info.st_gid != group:
            raise JournalUnsafe(_("{path} belongs to another user and not to the registry's "
                                  "group; circletrack will not use it").format(path=folder))
    return folder


def _file(folder: Path, number: int, suffix: str) -> Path:
    return folder / f"{number:06d}.{suffix}"


@dataclass(frozen=True)
class Entry:
    """One recorded write: what ran, when, by whom, and the registry's hash before and after."""

    folder: Path
    number: int
    label: str
    time: str
    user: str
    sha256_before: str
    sha256_after: str
    undoing: bool = False

    def path(self, suffix: str) -> Path:
        """The entry's file with this suffix: json, undoing, undo (or before)."""
        return _file(self.folder, self.number, suffix)


@dataclass(frozen=True)
class Undone:
    """The entry an undo reverted, how many earlier writes can still be undone, and whether
    this run only finished an undo that an earlier, interrupted run had already applied."""

    entry: Entry
    remaining: int
    finished_interrupted: bool = False


def _read_entry(folder: Path, number: int, undoing: bool) -> Entry:
    meta_path = _file(folder, number, "undoing" if undoing else "json")
    try:
        meta = json.loads(read_regular(meta_path, _NOTE_BYTES * 4).decode("utf-8"))
        return Entry(folder, number, str(meta["label"]), str(meta["time"]), str(meta["user"]),
                     str(meta["sha256_before"]), str(meta["sha256_after"]), undoing)
    except (OSError, ValueError, KeyError, TypeError) as exc:  # (UnicodeError is a ValueError)
        raise JournalDamaged(_("journal entry {path} cannot be read ({error}); move it out of "
                               "the journal folder to go on").format(path=meta_path, error=exc)
                             ) from None


def _numbers(folder: Path | None) -> list[int]:
    """The numbers of the entries in a journal folder (those with a .json or .undoing), sorted."""
    if folder is None:
        return []
    found = (_ENTRY_FILE.match(child.name) for child in folder.iterdir())
    return sorted({int(m.group(1)) for m in found if m and m.group(2) in ("json", "undoing")})


def _entry(folder: Path, number: int) -> Entry:
    return _read_entry(folder, number, undoing=_file(folder, number, "undoing").exists())


def entries(registry_path: Path) -> list[Entry]:
    """The journal's entries, oldest first (empty when there is no journal)."""
    folder = journal_folder(registry_path)
    return [_entry(folder, number) for number in _numbers(folder)] if folder else []


def _remove(folder: Path, number: int) -> None:
    # The marker goes last, so until the end a crash leaves an entry that says what it was.
    for suffix in ("json", "undo", "before", "undoing"):
        with contextlib.suppress(FileNotFoundError):
            _file(folder, number, suffix).unlink()


def _meta_bytes(label: str, user: str, before: bytes, after: bytes, when: dt.datetime) -> bytes:
    # (a label names files, which may have been named in bytes that are not UTF-8)
    meta = {"label": shown_text(label), "time": when.isoformat(timespec="seconds"),
            "user": shown_text(user),
            "sha256_before": sha256(before), "sha256_after": sha256(after)}
    return (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def record(registry_path: Path, before: bytes, after: bytes, label: str, user: str,
           limit: int = JOURNAL_LIMIT) -> Entry:
    """Add an entry for a write from `before` to `after`; the caller holds the registry's lock."""
    folder = journal_folder(registry_path, create=True)
    assert folder is not None
    numbers = _numbers(folder)
    number = numbers[-1] + 1 if numbers else 1
    # The journal's timestamp is audit metadata, like a file's mtime, so it reads the clock.
    stamp = dt.datetime.now().astimezone()
    try:
        atomic_write(_file(folder, number, "undo"), patch(after, before), like=registry_path)
        atomic_write(_file(folder, number, "json"),
                     _meta_bytes(label, user, before, after, stamp), like=registry_path)
    except BaseException:  # (a full disk): no half an entry left behind
        with contextlib.suppress(OSError):
            _remove(folder, number)
        raise
    for old in numbers[: max(0, len(numbers) + 1 - limit)]:
        _remove(folder, old)
    # Temporary files of writers killed mid-write; only lock holders write here, so none is live.
    for leftover in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    return _read_entry(folder, number, undoing=False)


def drop(entry: Entry) -> None:
    """Remove an entry just recorded, whose write could not replace the registry; the
    caller holds the lock."""
    _remove(entry.folder, entry.number)


def landed(registry_path: Path, current: bytes) -> list[Entry]:
    """The entries of writes that landed, oldest first, as `settle` would leave them, given
    the registry's bytes now; reads only, so it needs no lock.

    The newest entry is left out when the registry still holds the bytes before it: its
    write never replaced the registry (it was killed, or is running now), or its undo
    already restored them."""
    found = entries(registry_path)
    if found and sha256(current) == found[-1].sha256_before != found[-1].sha256_after:
        return found[:-1]
    return found


def settle(registry_path: Path, current: bytes) -> Entry | None:
    """Resolve what an interrupted write or undo left behind; the caller holds the lock.

    Only the newest entry can be unsettled. A write that recorded its entry but never
    replaced the registry is dropped; an undo that restored the bytes but did not remove its
    entry is finished (that entry is returned); an undo that did not restore them is called off.
    """
    folder = journal_folder(registry_path)
    numbers = _numbers(folder)
    if folder is None or not numbers:
        return None
    top = _entry(folder, numbers[-1])
    digest = sha256(current)
    if top.undoing:
        if digest == top.sha256_before:
            _remove(folder, top.number)
            return top
        with contextlib.suppress(FileNotFoundError):
            top.path("undoing").unlink()
        if not top.path("json").exists():  # the marker was all that was left: drop the entry
            _remove(folder, top.number)
        return None
    if digest != top.sha256_after and digest == top.sha256_before:
        _remove(folder, top.number)
    return None


@dataclass(frozen=True)
class MergeNote:
    """Bytes git's merge driver wrote for the registry: their hash, when, and what merged."""

    sha256: str
    time: str
    label: str


def record_merge(registry_path: Path, merged: bytes, label: str,
                 keep: int = MERGE_NOTES) -> MergeNote:
    """Note that a merge produced `merged` for this registry (git writes the file itself,
    after the driver returns), so `undo` can name the merge instead of a foreign change."""
    folder = journal_folder(registry_path, create=True)
    assert folder is not None
    # Like a write's entry, the note's timestamp is audit metadata, so it reads the clock.
    note = MergeNote(sha256(merged), dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                     shown_text(label))
    lines = [json.dumps(vars(n), ensure_ascii=False) for n in merge_notes(registry_path)]
    lines = [*lines, json.dumps(vars(note), ensure_ascii=False)][-keep:]
    atomic_write(folder / MERGES_FILE, ("\n".join(lines) + "\n").encode("utf-8"))
    return note


def merge_notes(registry_path: Path) -> list[MergeNote]:
    """The merge notes of a registry, oldest first; lines that cannot be read are skipped."""
    try:
        folder = journal_folder(registry_path)
        if folder is None:
            return []
        text = read_regular(folder / MERGES_FILE, MERGE_NOTES * _NOTE_BYTES * 2).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    notes = []
    for line in text.splitlines()[-MERGE_NOTES:]:
        if len(line) > _NOTE_BYTES:
            continue
        try:
            meta = json.loads(line)
            notes.append(MergeNote(str(meta["sha256"]), str(meta["time"]), str(meta["label"])))
        except (ValueError, KeyError, TypeError):
            continue
    return notes


def _merged_into(registry_path: Path, current: bytes) -> MergeNote | None:
    """The latest merge note for exactly these bytes, or None."""
    digest = sha256(current)
    return next((n for n in reversed(merge_notes(registry_path)) if n.sha256 == digest), None)


def revert(registry_path: Path, current: bytes, shown: Path | None = None) -> Undone:
    """Restore the registry to its bytes before the latest journaled write, exactly; the
    caller holds the registry's lock and passes the bytes it holds now (and the path the
    user gave, `shown`, for messages: `registry_path` is the real file behind any link).

    Refuses (ConflictError) when the registry no longer holds the bytes that write left,
    since restoring would throw away someone else's change.
    """
    folder = journal_folder(registry_path)
    name = shown if shown is not None else registry_path
    finished = settle(registry_path, current)
    numbers = _numbers(folder)
    if finished is not None:
        return Undone(finished, len(numbers), finished_interrupted=True)
    merged = _merged_into(registry_path, current)
    if not numbers:
        if merged is not None:
            raise NothingToUndo(_("nothing to undo: {path} was last changed by `circletrack "
                                  "merge` ({label}, {time}), and undo only takes back "
                                  "circletrack's own writes").format(
                path=name, label=merged.label, time=merged.time))
        raise NothingToUndo(_("nothing to undo: no circletrack write to {path} is recorded "
                              "in {folder}").format(path=name, folder=journal_dir(name)))
    assert folder is not None
    top = _entry(folder, numbers[-1])
    if sha256(current) != top.sha256_after and merged is not None:
        raise ConflictError(
            _("not undone: {path} was changed by `circletrack merge` ({label}, {time}) since "
              "circletrack wrote it (`{write}`); undo only takes back circletrack's own "
              "writes").format(path=name, label=merged.label, time=merged.time,
                               write=top.label))
    if sha256(current) != top.sha256_after:
        raise ConflictError(
            _("not undone: {path} has changed since circletrack wrote it (`{label}`, "
              "{time}); undoing would discard that change").format(
                path=name, label=top.label, time=top.time))
    kept = top.path("undo") if top.path("undo").exists() else top.path("before")
    try:
        data = read_regular(kept, MAX_JOURNAL_FILE)
        meta = read_regular(top.path("json"), _NOTE_BYTES * 4)
        before = applied(data, current) if kept.suffix == ".undo" else data
    except OSError as exc:
        raise JournalDamaged(_("not undone: journal entry {path} cannot be read ({error})")
                             .format(path=kept, error=exc.strerror or exc)) from None
    if before is None or sha256(before) != top.sha256_before:
        raise JournalDamaged(_("not undone: journal entry {path} does not match its "
                               "checksum").format(path=kept))
    atomic_write(top.path("undoing"), meta, like=registry_path)
    atomic_write(registry_path, before)
    _remove(folder, top.number)
    return Undone(top, len(numbers) - 1)


def patch(new: bytes, old: bytes) -> bytes:
    """What turns `new` back into `old`: a line of JSON giving the length of the prefix and
    of the suffix the two share, then the bytes of `old` between them (see `applied`)."""
    start = _shared_prefix(old, new)
    end = _shared_suffix(old, new, min(len(old), len(new)) - start)
    header = json.dumps({"prefix": start, "suffix": end, "length": len(old)})
    return header.encode("ascii") + b"\n" + old[start:len(old) - end]


def applied(data: bytes, new: bytes) -> bytes | None:
    """The bytes a patch (see `patch`) gives from `new`, or None when it is not one."""
    header, _newline, middle = data.partition(b"\n")
    try:
        meta = json.loads(header)
        start, end, length = int(meta["prefix"]), int(meta["suffix"]), int(meta["length"])
    except (ValueError, KeyError, TypeError):
        return None
    if not (0 <= start and 0 <= end and start + end <= len(new)
            and start + len(middle) + end == length):
        return None
    return new[:start] + middle + new[len(new) - end:]


def _shared_prefix(a: bytes, b: bytes) -> int:
    """How many bytes `a` and `b` share from their start (a binary search over slices: at
    10,000 items, about 15 ms against a byte-by-byte walk's seconds)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _shared_suffix(a: bytes, b: bytes, limit: int) -> int:
    """How many bytes, at most `limit`, `a` and `b` share at their end."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:len(a) - low] == b[len(b) - middle:len(b) - low]:
            low = middle
        else:
            high = middle - 1
    return low
