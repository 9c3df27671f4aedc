"""Display names of the registry's machine values, in the active language.

The registry, JSON and the command-line options keep the machine values (`in_progress`,
`intercity_rail`); tables, CSV, Markdown and messages show these names. English shows the
machine values themselves, so what a table says can be typed back into `--status` or
`--category`; the 2011 plan's categories are Chinese already and show as they are.
"""

from __future__ import annotations

from .i18n import N_, _, current_language
from .model import Item, specs

#: The group an item lands in when it has nothing to group by; always listed last. JSON
#: keeps these names in every language; tables translate them (`labels.group_label`).
NO_GROUP: dict[str, str] = {
    "unit": N_("(no lead unit)"),
    "category": N_("(no category)"),
    "city": N_("(no city)"),
}

STATUS_LABELS: dict[str, str] = {
    "planned": N_("planned"),
    "in_progress": N_("in_progress"),
    "done": N_("done"),
    "blocked": N_("blocked"),
    "cancelled": N_("cancelled"),
}
KIND_LABELS: dict[str, str] = {
    "cooperation": N_("cooperation"),
    "project": N_("project"),
    "milestone": N_("milestone"),
}
CATEGORY_LABELS: dict[str, str] = {
    "intercity_rail": N_("intercity_rail"),
    "high_speed_rail": N_("high_speed_rail"),
    "rail": N_("rail"),
    "metro": N_("metro"),
    "highway": N_("highway"),
    "road": N_("road"),
    "bridge": N_("bridge"),
    "waterway": N_("waterway"),
    "airport": N_("airport"),
    "hub": N_("hub"),
    "bus": N_("bus"),
    "meeting": N_("meeting"),
    "event": N_("event"),
    "target": N_("target"),
}
#: The item fields `edit` reports as changed, labelled as model.Item declares them;
#: English shows the field names themselves.
FIELD_LABELS: dict[str, str] = {f.name: f.spec.label for f in specs(Item) if f.spec.label}


def status_label(status: str) -> str:
    """`in_progress` → `in_progress` (en) or `进行中` (zh); an unknown value as it is."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def kind_label(kind: str) -> str:
    """`project` → `project` (en) or `项目` (zh)."""
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def category_label(category: str | None) -> str:
    """`intercity_rail` → `城际铁路` (zh); the plan's Chinese categories as they are."""
    if category is None:
        return ""
    return _(CATEGORY_LABELS[category]) if category in CATEGORY_LABELS else category


def field_label(name: str) -> str:
    """An item field's name as `edit` reports it: `due` (en) or `完成时限` (zh)."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def display_title(title: str, title_en: str | None) -> str:
    """The title to show: the English title in English output where there is one."""
    return title_en if current_language() == "en" and title_en else title


def item_title(item: Item) -> str:
    """An item's title to show (see `display_title`)."""
    return display_title(item.title, item.title_en)


def group_label(group_by: str | None, name: str | None) -> str:
    """A report group's name as shown: a category's display name, `(无牵头单位)` in Chinese."""
    if name is None:
        return ""
    if group_by is not None and name == NO_GROUP.get(group_by):
        return _(name)
    return category_label(name) if group_by == "category" else name
