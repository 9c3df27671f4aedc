"""Storage: the registry file and what is derived from it, in parts a newcomer can name.

- `location`: which registry is used (--registry, $CIRCLETRACK_REGISTRY, the checkout's,
  the bundled copy), reading its bytes with bounds, and whether it may be written;
- `codec`: TOML text ⇄ document ⇄ records, canonical bytes, schema upgrades, git's
  conflict markers found in a file;
- `sections`: the file as its head and one section per item, each known by its digest:
  re-reading only the items that changed, writing only the items a change made anew;
- `index`: the SQLite file derived from the registry (each item as data, with its
  section's digest), so a read of unchanged bytes parses nothing;
- `reading`: index → sections → codec, in that order, for one read;
- `writing`: the one write transaction (lock, read, change, find the changed items,
  validate, journal, replace atomically, index), journaled writes and undo;
- `journal`: the undo journal beside the registry; `files`: atomic replacement, the lock,
  bounded reads, never following a link planted beside the registry.

The names most callers need are here.
"""

from .location import MAX_REGISTRY_BYTES, Location, check_writable, locate, read_bytes
from .reading import load, load_around
from .writing import (
    ChangeInvalid,
    current_user,
    init_copy,
    replace_journaled,
    undo,
    undoable,
    update_journaled,
)

__all__ = ["MAX_REGISTRY_BYTES", "ChangeInvalid", "Location", "check_writable", "current_user",
           "init_copy", "load", "load_around", "locate", "read_bytes", "replace_journaled",
           "undo", "undoable", "update_journaled"]
