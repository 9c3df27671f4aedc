"""Where the registry lives, reading it, and writing it safely (locked, validated, journaled,
atomic): the one write transaction every change goes through, and undo."""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import cache
from .errors import (
    ExitStatus,
    Problem,
    RegistryInvalid,
    RegistryNotFound,
    RegistryReadOnly,
    UsageError,
)
from .fileio import (
    LOCK_TIMEOUT_SECONDS,
    NotAFile,
    TooLarge,
    atomic_write,
    locked,
    login_name,
    read_file,
    write_file,
)
from .i18n import _
from .model import Item, Registry

# The codec (tomllib, tomli-w), the validator and the journal are imported inside the
# functions that parse or write, for start-up speed: a read the parse cache answers needs
# none of them.
if TYPE_CHECKING:
    from .journal import Entry, Undone

ENV_REGISTRY = "CIRCLETRACK_REGISTRY"
ENV_USER = "CIRCLETRACK_USER"
ENV_LOCK_TIMEOUT = "CIRCLETRACK_LOCK_TIMEOUT"
CHECKOUT_REGISTRY = Path("data") / "projects.toml"

T = TypeVar("T")


@dataclass(frozen=True)
class Location:
    """A registry path and how it was chosen: option, env, checkout or bundled."""

    path: Path
    origin: str

    @property
    def bundled(self) -> bool:
        """True for the copy shipped inside the package, which is never written."""
        return self.origin == "bundled"

    @property
    def real(self) -> Path:
        """The file itself, symbolic links resolved: writes lock, journal and replace this,
        so a link and the path it points to share one lock and stay a link."""
        return Path(os.path.realpath(self.path))


def bundled_path() -> Path:
    """The registry shipped with the package (or, in a source checkout, the repo's copy)."""
    from importlib import resources  # start-up: only where no other registry is named

    packaged = resources.files("circletrack") / "data" / "projects.toml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / CHECKOUT_REGISTRY


#: A pyproject.toml larger than this is not circletrack's (the checkout's is 2 KB).
_PROJECT_BYTES = 1 << 20


def _checkout_registry(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / CHECKOUT_REGISTRY
        project = folder / "pyproject.toml"
        if candidate.is_file() and project.is_file():
            with contextlib.suppress(OSError, UnicodeDecodeError):
                if 'name = "circletrack"' in read_file(project, _PROJECT_BYTES).decode("utf-8"):
                    return candidate
    return None


def locate(option: str | Path | None = None, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> Location:
    """Pick the registry: --registry, else $CIRCLETRACK_REGISTRY, else the checkout's, else bundled."""
    environ = os.environ if env is None else env
    if option:
        return Location(Path(option), "option")
    if environ.get(ENV_REGISTRY):
        return Location(Path(environ[ENV_REGISTRY]), "env")
    found = _checkout_registry((cwd or Path.cwd()).resolve())
    if found is not None:
        return Location(found, "checkout")
    return Location(bundled_path(), "bundled")


#: A registry larger than this is not read (10,000 items make about 11 MB).
MAX_REGISTRY_BYTES = 256 * 1024 * 1024


def read_bytes(location: Location) -> bytes:
    """The registry file's bytes, or RegistryNotFound with a hint. Only a regular file is
    read (a FIFO or a device would block or never end), and never more than
    MAX_REGISTRY_BYTES of it (see fileio.read_file)."""
    path = location.path
    try:
        return read_file(path, MAX_REGISTRY_BYTES)
    except FileNotFoundError:
        hint = (_(" (create one with `circletrack init PATH`)")
                if location.origin != "bundled" else "")
        raise RegistryNotFound(_("registry not found: {path}{hint}").format(
            path=path, hint=hint)) from None
    except (IsADirectoryError, NotAFile) as exc:
        if isinstance(exc, IsADirectoryError) or exc.folder:
            raise RegistryNotFound(_("registry path is a folder, not a file: {path}").format(
                path=path)) from None
        raise RegistryNotFound(_("registry is not a regular file: {path}").format(
            path=path)) from None
    except TooLarge as exc:
        raise RegistryNotFound(_("registry is too large to be one: {path} ({size} "
                                 "bytes)").format(path=path, size=exc.size)) from None
    except OSError as exc:
        raise RegistryNotFound(_("cannot read registry {path}: {error}").format(
            path=path, error=exc.strerror or exc)) from None


def load(location: Location) -> Registry:
    """Read and validate the registry at a location."""
    return cache.cached(read_bytes(location), lambda data: _parse(data, location.path))


def _parse(data: bytes, path: Path, keep: bool = True) -> Registry | cache.Derived:
    """The registry the bytes hold, validated (what the parse cache did not have): made
    from the objects of the bytes last seen at `path` where only some items changed (see
    `_reparse`), else parsed whole. With `keep`, the bytes are then kept as the last seen
    at `path` (a write passes False: it keeps the bytes it writes instead)."""
    from .codec import loads  # start-up: only a cache miss parses

    derived = _reparse(data, path)
    result = derived if derived is not None else loads(data, str(path))
    if keep:
        cache.remember_source(path, data)
    return result


def _reparse(data: bytes, path: Path) -> cache.Derived | None:
    """The registry of `data` from the cached objects of the bytes last seen at `path`,
    with only the `[[items]]` sections that differ parsed and validated (against everything
    the registry holds, as a spliced write is): after a `git pull` that brought a few
    changed items into 10,000, milliseconds of parsing instead of a second.

    None (the caller parses the whole file) unless every condition holds: the bytes before
    were canonical and still cached; the head (schema, sources, passages) is the same text;
    every changed section parses as exactly one item table; no item is gone and no id is
    there twice; and the changed items have no problem at all. Any problem is worded by the
    whole parse, with its line."""
    from .codec import (  # start-up: only a cache miss parses
        item_to_table,
        parse_section,
        record_from_table,
        split_sections,
        table_section,
    )

    before = cache.previous_source(path)
    if before is None or before == data:
        return None
    hit = cache.lookup_entry(before)
    if hit is None or not hit[1]:
        return None
    old = hit[0]
    cut = split_sections(before, len(old.items))
    try:
        now = split_sections(data, None)
    except UnicodeDecodeError:
        return None
    if cut is None or now is None or now[0] != cut[0]:
        return None
    known_sections = dict(zip(cut[1], old.items))
    items: list[Item | None] = []
    tables: dict[int, dict[str, Any]] = {}
    for number, section in enumerate(now[1]):
        item = known_sections.get(section)
        if item is None:
            table = parse_section(section)
            if table is None:
                return None
            tables[number] = table
        items.append(item)
    named = [item.id if item is not None else tables[n].get("id")
             for n, item in enumerate(items)]
    ids = [i for i in named if isinstance(i, str)]
    if (not tables or len(ids) != len(named) or len(set(ids)) != len(ids)
            or not set(ids).issuperset(item.id for item in old.items)):
        return None
    if _changed_problems(items, tables, ids, old):
        return None
    shared: dict[Any, Any] = {}
    built = {n: record_from_table(Item, table, shared) for n, table in tables.items()}
    anchor = _anchor(tables, old.items[:8])
    canonical = anchor is not None and all(
        table_section(item_to_table(item), anchor) == now[1][n] for n, item in built.items())
    registry = Registry(sources=old.sources, schema=old.schema, passages=old.passages,
                        items=[built[n] if item is None else item
                               for n, item in enumerate(items)])
    return cache.Derived(registry, before, {ids[n] for n in tables}, canonical)


def _changed_problems(items: Sequence[Item | None], tables: dict[int, dict[str, Any]],
                      ids: Sequence[str], head: Registry) -> list[Problem]:
    """The problems the items at the numbers in `tables` (their TOML tables) bring into a
    valid registry whose other `items` are unchanged and whose sources and passages are
    `head`'s: each table checked against everything the registry holds, with the items
    that are the same event as a changed one (see validate.changed_items_problems). The
    spliced write and the reparse both ask this; `items` may hold None where only the
    table is known."""
    from .codec import item_to_table  # start-up: writes and cache misses only
    from .validate import Known, changed_items_problems  # start-up: as above

    changed = {ids[n] for n in tables}
    same_event = {n: item_to_table(item) for n, item in enumerate(items)
                  if n not in tables and item is not None and item.same_as in changed}
    links: dict[str, list[str]] = {}
    dues: dict[str, Any] = {}
    for n, item in enumerate(items):
        table = tables.get(n)
        if table is not None:
            links[ids[n]] = [*_strings(table.get("tracks")), *_strings(table.get("starts")),
                             *_strings([table.get("same_as")])]
            dues[ids[n]] = table.get("due")
        elif item is not None:
            links[item.id], dues[item.id] = item.links, item.due
    known = Known(frozenset(head.sources), {k: p.source for k, p in head.passages.items()},
                  frozenset(ids), dues)
    return changed_items_problems({**same_event, **tables}, known, links)


def _anchor(tables: dict[int, dict[str, Any]], others: Sequence[Item]) -> dict[str, Any] | None:
    """A table tomli-w writes as a section (see codec.section_anchor): a changed one, else
    one of a few other items."""
    from .codec import item_to_table, section_anchor  # start-up: as above

    return section_anchor(list(tables.values())) or section_anchor(
        [item_to_table(item) for item in others])


def _strings(values: Any) -> list[str]:
    """The texts of a list read from a table not yet validated (others are the
    validator's to name)."""
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def check_writable(location: Location) -> None:
    """Refuse a write the registry's origin or permissions rule out, before taking the lock.

    Besides the access checks, a file with no write permission bits at all is refused even
    where the process could write it anyway (root): a read-only registry was made so on
    purpose.
    """
    if location.bundled:
        raise RegistryReadOnly(
            _("the bundled registry ({path}) is read-only; make a writable copy with "
              "`circletrack init PATH` and use it with --registry PATH or CIRCLETRACK_REGISTRY")
            .format(path=location.path))
    path = location.real
    if not path.exists():
        raise RegistryNotFound(_("registry not found: {path}{hint}").format(
            path=location.path, hint=_(" (create one with `circletrack init PATH`)")))
    with contextlib.suppress(OSError):
        links = os.stat(path).st_nlink
        if links > 1:
            raise RegistryReadOnly(_("registry {path} has {count} hard links: replacing it "
                                     "would leave the other names with the old contents; "
                                     "make them symbolic links, then write").format(
                path=location.path, count=links))
    if not os.access(path, os.W_OK):
        raise RegistryReadOnly(_("registry is not writable: {path}").format(path=path))
    if not os.access(path.parent, os.W_OK):
        raise RegistryReadOnly(_("cannot write in the registry's folder: {path}").format(
            path=path.parent))
    with contextlib.suppress(OSError):
        if not path.stat().st_mode & 0o222:
            raise RegistryReadOnly(_("registry is read-only: {path} (it has no write "
                                     "permission; `chmod u+w` it to record changes)").format(
                path=path))


class _Splice:
    """A write that changed a few items of a canonical registry, made without turning the
    other items back into tables: the file's other `[[items]]` sections are kept as they
    are, the changed items are validated against the whole registry, and the new bytes
    are the old ones with the changed sections replaced.

    Taken before the change: the file's sections, the items (as objects) and the head.
    The changed items are found by comparing with them: records are values (frozen, their
    lists tuples), so a change cannot alter an item in place, only put a new one in its
    place, and every item that is not the object read is validated and written again.
    `bytes_after` gives the new bytes, or None when the change was not of that kind (an
    item removed or moved, the sources changed), and the caller goes the whole way."""

    def __init__(self, registry: Registry, old: bytes) -> None:
        from .codec import split_sections  # start-up: writes only

        self.order = [item.id for item in registry.items]
        self.objects = {item.id: item for item in registry.items}
        self.head = (registry.schema, dict(registry.sources), dict(registry.passages))
        self.cut = split_sections(old, len(self.order)) if len(self.objects) == len(
            self.order) else None

    def bytes_after(self, registry: Registry) -> tuple[bytes, set[str]] | None:
        """The new bytes and the ids of the items changed or added, or None (see above)."""
        from .codec import item_to_table, table_section  # start-up: writes only

        if self.cut is None or (registry.schema, registry.sources,
                                registry.passages) != self.head:
            return None
        head, old_sections = self.cut
        ids = [item.id for item in registry.items]
        present = set(ids)
        if len(present) != len(ids) or not present.issuperset(self.order):
            return None  # an id twice, or an item gone: the validator words those
        index = {item_id: number for number, item_id in enumerate(self.order)}
        sections: list[str | None] = []
        changed: dict[int, Item] = {}
        last = -1
        for number, item in enumerate(registry.items):
            known = index.get(item.id)
            if known is None or item is not self.objects[item.id]:
                changed[number] = item
                sections.append(None)
                continue
            if known < last:
                return None  # moved: the whole write keeps the order
            last = known
            sections.append(old_sections[known])
        if not changed:
            return None
        tables = {number: item_to_table(item) for number, item in changed.items()}
        problems = _changed_problems(registry.items, tables, ids, registry)
        if problems:
            raise RegistryInvalid(problems)
        anchor = _anchor(tables, [self.objects[i] for i in self.order[:8]])
        if anchor is None:
            return None
        try:
            for number in changed:
                sections[number] = table_section(tables[number], anchor)
            new = (head + "\n" + "\n".join(s for s in sections if s is not None)).encode("utf-8")
        except (TypeError, ValueError) as exc:  # as in `_whole_write`
            raise RegistryInvalid([Problem(_("the change cannot be written as TOML: "
                                             "{error}").format(error=exc))]) from None
        return new, {ids[number] for number in changed}


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

    When the file is canonical, the items the change made anew are found by comparing with
    what was read (see `_Splice`), and only they are validated and written again: at 10,000
    items, milliseconds instead of seconds. Otherwise (a hand-edited file, an item removed,
    the sources changed) the whole registry is turned into a document, validated in full
    and written.
    """
    from .codec import registry_to_document  # start-up: writes only

    check_writable(location)
    path = location.real
    with locked(path, timeout):
        remove_leftovers(path)
        old = read_bytes(location)
        registry, canonical = cache.cached_entry(old, lambda data: _parse(data, path, keep=False))
        splice = _Splice(registry, old) if canonical else None
        before = registry_to_document(registry) if splice is None else None
        result = change(registry)
        spliced = splice.bytes_after(registry) if splice is not None else None
        if spliced is not None:
            new, touched = spliced
        else:
            document = registry_to_document(registry)
            if skip_no_op and before is not None and document == before:
                return result, old, old
            new = _whole_write(registry, before, old if canonical else None, document)
        if new != old:
            take_back = before_replace(old, new) if before_replace is not None else None
            try:
                atomic_write(path, new)
            except OSError:  # (raised only before the rename: the registry is as it was)
                if take_back is not None:
                    with contextlib.suppress(OSError):
                        take_back()
                raise
            if spliced is not None:
                cache.remember_change(new, old, registry, touched)
            else:
                cache.remember(new, registry, canonical=True)
            cache.remember_source(location.path, new)
        return result, old, new


def _whole_write(registry: Registry, before: dict[str, Any] | None, old: bytes | None,
                 document: dict[str, Any] | None = None) -> bytes:
    """The registry validated in full and serialised (only its changed sections again,
    given the document `before` the change and its canonical bytes `old`)."""
    from .codec import document_bytes, registry_to_document  # start-up: writes only
    from .validate import validate_document  # start-up: writes only

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
    from .cells import control_character, system_text, undecodable  # start-up: writes only

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
    from . import journal  # start-up: writes only
    from .codec import problems_in  # start-up: writes only

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
    from . import journal  # start-up: writes only

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
    from . import journal  # start-up: writes only

    return journal.landed(location.real, read_bytes(location))


def undo(location: Location, timeout: float | None = None) -> Undone:
    """Restore the registry to its bytes before the latest journaled write (see
    `journal.revert`), under the lock."""
    from . import journal  # start-up: writes only

    check_writable(location)
    path = location.real
    with locked(path, lock_timeout() if timeout is None else timeout):
        remove_leftovers(path)
        return journal.revert(path, read_bytes(location), location.path)
