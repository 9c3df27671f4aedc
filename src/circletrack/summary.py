"""Short descriptions of a registry's contents."""

from __future__ import annotations

from collections import Counter

from .i18n import _, join
from .labels import kind_label
from .model import KINDS, Registry


def counts_by_kind(registry: Registry) -> dict[str, int]:
    """How many items of each kind, in schema order (kinds with none included)."""
    counts = Counter(item.kind for item in registry.items)
    return {kind: counts.get(kind, 0) for kind in KINDS}


def summary_line(registry: Registry) -> str:
    """One line: the item counts by kind and the number of sources."""
    counts = counts_by_kind(registry)
    parts = join(_("{count} {kind}").format(count=n, kind=kind_label(kind))
                 for kind, n in counts.items())
    return _("{items} items ({parts}), {sources} sources").format(
        items=len(registry.items), parts=parts, sources=len(registry.sources))
