"""Values for shell completion, from the registry in use. Pure functions of a registry."""

from __future__ import annotations

from ..model.labels import CATEGORY_LABELS, names
from ..model.records import CATEGORIES_BY_KIND, Registry


def id_choices(registry: Registry) -> list[tuple[str, str]]:
    """Every item id, with its title as the help text."""
    return [(item.id, item.title) for item in registry.items]


def unit_choices(registry: Registry) -> list[str]:
    """Every lead or supporting unit named in the registry, sorted."""
    return sorted({u for item in registry.items for u in (*item.lead, *item.support)})


def category_choices(registry: Registry) -> list[tuple[str, str]]:
    """Every category of the schema by each name it goes by (its code and its label in each
    language), with its kind and code as help; and any other in use."""
    known = [(name, f"{kind}: {code}") for kind, codes in CATEGORIES_BY_KIND.items()
             for code in codes for name in dict.fromkeys(names(code, CATEGORY_LABELS))]
    used = {item.category for item in registry.items if item.category}
    return known + [(c, "") for c in sorted(used - set(CATEGORY_LABELS))]


def city_choices(registry: Registry) -> list[str]:
    """Every city or county named in the registry, sorted."""
    return sorted({c for item in registry.items for c in item.cities})


def tag_choices(registry: Registry) -> list[str]:
    """Every tag in use, sorted."""
    return sorted({t for item in registry.items for t in item.tags})
