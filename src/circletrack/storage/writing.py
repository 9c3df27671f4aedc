"""Writing a registry safely: the one write transaction every change goes through
(check, lock, read, change, find the changed items, validate, journal, replace atomically,
index), the journaled writes the commands use, and undo."""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..base.cells import control_character, system_text, undecodable
from ..base.errors import ExitStatus, Problem, RegistryInvalid, RegistryNotFound, UsageError
from ..base.i18n import _
from ..model.records import Registry
from .files import LOCK_TIMEOUT_SECONDS, atomic_write, locked, login_name, write_file
from .index import Index, Snapshot, digest
from .location import Location, bundled_path, check_writable, read_bytes
from .reading import read

# The codec (tomli-w), the validator and the journal are imported inside the functions
# that write, for start-up speed: a read needs none of them.
if TYPE_CHECKING:
    from .journal import Entry, Undone

ENV_USER = "CIRCLETRACK_USER"
ENV_LOCK_TIMEOUT = "CIRCLETRACK_LOCK_TIMEOUT"

T = TypeVar("T")


def _change_locked(location: Location, change: Callable[[Registry], T], timeout: float,
                   before_replace: Callable[[bytes, bytes], Callable[[], None]] | None = None,
                   skip_no_op: bool = False) -> tuple[T, bytes, bytes]:
    """The one write path: check, lock, re-read, change, validate, replace atomically.

    `before_replace(old, new)` runs under the lock once the new bytes are known to be valid
    and differ from the old, before the registry is replaced (the undo journal uses it); it
    returns what takes it back, called when the registry cannot be replaced (a full disk),
    so no record is left of a write that did not happen.
    With `skip_no_op`, a change that leaves the registry as it was writes nothing, even where
    writing would have reformatted a hand-edited file.

    When the file is canonical (the index says circletrack wrote these bytes), the items
    the change made anew are found by comparing with what was read (see sections.Splice),
    and only they are validated and written again: at 10,000 items, milliseconds instead
    of seconds. Otherwise (a hand-edited file, an item removed, the sources changed) the
    whole registry is turned into a document, validated in full and written. Then the
    index is made to describe the new bytes (only the changed rows, after a splice).
    """
    from .codec import registry_to_document
    from .sections import Splice, cut

    check_writable(location)
    path = location.real
    with locked(path, timeout):
        remove_leftovers(path)
        old = read_bytes(location)
        snapshot = read(old, path)
        registry = snapshot.registry
        splice = Splice(snapshot, old) if snapshot.canonical else None
        before = registry_to_document(registry) if splice is None else None
        result = change(registry)
        spliced = splice.after(registry) if splice is not None else None
        if spliced is not None:
            new = spliced.data
        else:
            document = registry_to_document(registry)
            if skip_no_op and before is not None and document == before:
                return result, old, old
            new = _whole_write(registry, before, old if snapshot.canonical else None, document)
        if new != old:
            take_back = before_replace(old, new) if before_replace is not None else None
            try:
                atomic_write(path, new)
            except OSError:  # (raised only before the rename: the registry is as it was)
                if take_back is not None:
                    with contextlib.suppress(OSError):
                        take_back()
                raise
            found, index = cut(new), Index.of(path)
            if index is not None and found is not None:
                if spliced is not None:
                    index.write(digest(new), found.head_digest,
                                Snapshot(registry, True, spliced.sections),
                                changed=spliced.changed, before=digest(old))
                else:
                    index.write(digest(new), found.head_digest,
                                Snapshot(registry, True, found.digests()))
        return result, old, new


def _whole_write(registry: Registry, before: dict[str, Any] | None, old: bytes | None,
                 document: dict[str, Any] | None = None) -> bytes:
    """The registry validated in full and serialised (only its changed sections again,
    given the document `before` the change and its canonical bytes `old`)."""
    from .codec import document_bytes, registry_to_document
    from .validate import validate_document

    document = registry_to_document(registry) if document is None else document
    # The document about to be serialised is validated in full; tomli-w writes exactly
    # it (the canonical round trip is tested), so the bytes need not be parsed again.
    problems = validate_document(document)
    if problems:
        raise RegistryInvalid(problems)
    try:
        return document_bytes(document, before, old)
    except (TypeError, ValueError) as exc:  # e.g. a null inside a list from imported JSON
        raise RegistryInvalid([Problem(_("the change cannot be written as TOML: {error}")
                                       .format(error=exc))]) from None


def remove_leftovers(path: Path) -> None:
    """Remove the temporary files writers of this registry left when they were killed; the
    caller holds the lock, so no writer of it is running."""
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def lock_timeout(env: dict[str, str] | None = None) -> float:
    """How long a writer waits for the lock: $CIRCLETRACK_LOCK_TIMEOUT seconds, else 5."""
    environ = os.environ if env is None else env
    text = environ.get(ENV_LOCK_TIMEOUT, "").strip()
    if not text:
        return LOCK_TIMEOUT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:
        raise UsageError(_("{name} must be a number of seconds from 0 to 86400, got "
                           "{value!r}").format(name=ENV_LOCK_TIMEOUT, value=text))
    return seconds


def init_copy(destination: Path, force: bool = False) -> Path:
    """Copy the bundled registry to `destination` (a file, or a folder to put projects.toml in).

    With `force` an existing registry is replaced like every write: under its lock, with
    the bytes it had in the undo journal."""
    if destination.is_dir():
        destination = destination / "projects.toml"
    if not destination.parent.exists():
        raise RegistryNotFound(_("folder does not exist: {path}").format(
            path=destination.parent))
    fresh = read_bytes(Location(bundled_path(), "bundled"))
    if force and (destination.exists() or destination.is_symlink()):
        replace_journaled(Location(destination, "option"), fresh, f"init --force {destination}")
        return destination
    write_file(destination, fresh, replace=force)
    return destination


# Journaled writes: what the write commands (mark, add, edit) use, so `undo` can revert them.


def current_user(env: dict[str, str] | None = None) -> str:
    """Who a write is recorded as: $CIRCLETRACK_USER, else the login name (each read as
    UTF-8 whatever the locale, see cells.system_text; bytes that are not UTF-8 refused)."""

    environ = os.environ if env is None else env
    given = system_text(environ.get(ENV_USER, "")).strip()
    name = given or system_text(login_name())
    source = ENV_USER if given else _("your login name")
    if undecodable(name) is not None:
        raise UsageError(_("{source} is not valid UTF-8; set {variable} to the name writes "
                           "are recorded as").format(source=source, variable=ENV_USER))
    control = control_character(name)
    if control is not None:
        raise UsageError(_("{source} holds the control character {code}; set {variable} to "
                           "the name writes are recorded as").format(
            source=source, code=control, variable=ENV_USER))
    return name


class ChangeInvalid(RegistryInvalid):
    """A change that would leave the registry invalid; nothing was written."""

    exit_status = ExitStatus.USAGE

    def __init__(self, problems: list[Problem]) -> None:
        # Line numbers would point into bytes that were never written, so they are left out.
        super().__init__([replace(p, line=None) for p in problems])
        self.args = (_("not written: {problem}").format(problem=self.args[0]),)


@dataclass(frozen=True)
class Written(Generic[T]):
    """What a journaled write did: the change's own result and the bytes before and after
    (the same when the change changed nothing and nothing was written)."""

    result: T
    old: bytes
    new: bytes


def replace_journaled(location: Location, data: bytes, label: str, *,
                      user: str | None = None) -> None:
    """Replace a registry's bytes with `data` (valid registry bytes) under its lock,
    journaled so `undo` brings the old bytes back. The old file need not be valid."""
    from . import journal
    from .codec import problems_in

    problems = problems_in(data)
    if problems:
        raise RegistryInvalid(problems)
    check_writable(location)
    path = location.real
    with locked(path, lock_timeout()):
        remove_leftovers(path)
        old = read_bytes(location)
        if old != data:
            journal.settle(path, old)
            journal.record(path, old, data, label, user or current_user())
            atomic_write(path, data)


def update_journaled(location: Location, change: Callable[[Registry], T], label: str, *,
                     user: str | None = None, timeout: float | None = None) -> Written[T]:
    """Apply `change` under the lock (see `_change_locked`), recording the bytes before the
    write in the undo journal (see journal.py).

    The journal entry is written under the same lock, after validation and before the
    registry is replaced, and removed again when the registry cannot be replaced. A change
    that changes nothing writes and records nothing.
    """
    from . import journal

    who = user or current_user()

    def record(old: bytes, new: bytes) -> Callable[[], None]:
        journal.settle(location.real, old)
        entry = journal.record(location.real, old, new, label, who)
        return lambda: journal.drop(entry)

    wait = lock_timeout() if timeout is None else timeout
    try:
        result, old, new = _change_locked(location, change, wait, record, skip_no_op=True)
    except RegistryInvalid as exc:
        if exc.path is not None:  # the file on disk is invalid, not the change
            raise
        raise ChangeInvalid(exc.problems) from None
    return Written(result, old, new)


def undoable(location: Location) -> list[Entry]:
    """The writes `undo` can take back, oldest first (see `journal.landed`): a write that
    never replaced the registry, cut short by a kill, is not among them."""
    from . import journal

    return journal.landed(location.real, read_bytes(location))


def undo(location: Location, timeout: float | None = None) -> Undone:
    """Restore the registry to its bytes before the latest journaled write (see
    `journal.revert`), under the lock."""
    from . import journal

    check_writable(location)
    path = location.real
    with locked(path, lock_timeout() if timeout is None else timeout):
        remove_leftovers(path)
        return journal.revert(path, read_bytes(location), location.path)
