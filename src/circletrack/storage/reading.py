"""Reading a registry: from its index when the index describes the file's bytes, else
parsed (only the changed items, when the index holds the others), then indexed."""

from __future__ import annotations

from pathlib import Path

from ..model.records import Registry
from .index import Index, Snapshot, digest, no_gc
from .location import Location, read_bytes

# The codec (tomllib, tomli-w, the validator) is imported inside the function that parses,
# for start-up speed: a read the index answers needs none of it.


def load(location: Location) -> Registry:
    """Read and validate the registry at a location."""
    return read(read_bytes(location), location.path).registry


def load_around(location: Location, key: str) -> Registry | None:
    """The part of the registry the view of the one item whose id is `key` (folded, as
    typed) needs (see `Index.around`), from the index alone; None when the index does not
    describe the file as it is, or no single item has that id, and the caller loads the
    whole registry."""
    index = Index.of(location.real)
    return index.around(digest(read_bytes(location)), key) if index is not None else None


def read(data: bytes, path: Path) -> Snapshot:
    """The registry these bytes (of the registry file at `path`) hold, validated: from its
    index when the index describes exactly these bytes; else parsed, only the sections
    that changed when the index holds the others (see sections.reread), the whole file
    otherwise; then indexed for the next read."""
    index = Index.of(path)
    name = digest(data)
    if index is not None:
        hit = index.read(name)
        if hit is not None:
            return hit
    from .sections import cut, reread

    found = cut(data)
    if index is not None and found is not None:
        known = index.sections(found.head_digest)
        again = reread(found, known) if known is not None else None
        if again is not None and known is not None:
            snapshot, changed = again
            index.write(name, found.head_digest, snapshot, changed=changed, before=known.file)
            return snapshot
    from .codec import loads

    with no_gc():
        registry = loads(data, str(path))
    digests = (found.digests() if found is not None
               and len(found.sections) == len(registry.items) else [])
    snapshot = Snapshot(registry, False, digests)
    if index is not None and found is not None:
        index.write(name, found.head_digest, snapshot)
    return snapshot
