"""Display names of the registry's machine values, in each language, and the reverse:
which stored code a name typed on the command line means.

The registry, JSON and the command-line options keep the codes (`in_progress`,
`intercity_rail`, `transport`); tables, CSV, Markdown and messages show their labels in the
active language ("in progress", "intercity rail", "connected transport" in English; 进行中,
城际铁路, 交通共联 in Chinese). A filter takes the code or either language's label
(`code_for`), so what the screen shows can be typed back.
"""

from __future__ import annotations

from ..base.cells import fold
from ..base.i18n import N_, _, current_language, translations
from .records import COOPERATION_CATEGORIES, Item, specs

#: The group an item lands in when it has nothing to group by; always listed last. JSON
#: keeps these names in every language; tables translate them (`labels.group_label`).
NO_GROUP: dict[str, str] = {
    "unit": N_("(no lead unit)"),
    "category": N_("(no category)"),
    "city": N_("(no city)"),
}

STATUS_LABELS: dict[str, str] = {
    "planned": N_("planned"),
    "in_progress": N_("in progress"),
    "done": N_("done"),
    "blocked": N_("blocked"),
    "cancelled": N_("cancelled"),
}
KIND_LABELS: dict[str, str] = {
    "cooperation": N_("cooperation"),
    "project": N_("project"),
    "milestone": N_("milestone"),
}
#: The 2011 plan's headings (the 七共 and the two rows after them), then the projects'
#: transport modes, then the kinds of milestone: three facets, one per kind of item.
PLAN_HEADING_LABELS: dict[str, str] = dict(zip(COOPERATION_CATEGORIES, (
    N_("joint planning"),
    N_("connected transport"),
    N_("common market"),
    N_("shared industry"),
    N_("joint branding"),
    N_("shared environment"),
    N_("shared services"),
    N_("cooperation mechanism"),
    N_("mayors' meeting"),
)))
CATEGORY_LABELS: dict[str, str] = {
    **PLAN_HEADING_LABELS,
    "intercity_rail": N_("intercity rail"),
    "high_speed_rail": N_("high-speed rail"),
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
#: What each kind's category is called: a plan heading, a transport mode, a milestone type.
FACET_LABELS: dict[str, str] = {
    "cooperation": N_("Plan heading"),
    "project": N_("Mode"),
    "milestone": N_("Milestone type"),
}
#: The item fields `edit` reports as changed, labelled as model.Item declares them;
#: English shows the field names themselves.
FIELD_LABELS: dict[str, str] = {f.name: f.spec.label for f in specs(Item) if f.spec.label}


def status_label(status: str | None) -> str:
    """`in_progress` → `in progress` (en) or `进行中` (zh); an unknown value as it is; no
    status (a report that is a note: it changes no state) → `note` (备注)."""
    if status is None:
        return _("note")
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def kind_label(kind: str) -> str:
    """`project` → `project` (en) or `项目` (zh)."""
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def category_label(category: str | None) -> str:
    """`intercity_rail` → `intercity rail` (en) or `城际铁路` (zh); `transport` → 交通共联."""
    if category is None:
        return ""
    return _(CATEGORY_LABELS[category]) if category in CATEGORY_LABELS else category


def normalise(text: str) -> str:
    """A name as `code_for` compares it: `fold`ed, with spaces, hyphens and underscores
    alike."""
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split())


def names(code: str, labels: dict[str, str]) -> list[str]:
    """Every name a code goes by: itself and its label in each language."""
    return [code, labels[code], translations("zh").gettext(labels[code])]


def code_for(text: str, labels: dict[str, str]) -> str | None:
    """The code that `text` names (a code, or a label in either language), or None."""
    wanted = normalise(text)
    for code in labels:
        if any(normalise(name) == wanted for name in names(code, labels)):
            return code
    return None


def field_label(name: str) -> str:
    """An item field's name as `edit` reports it: `due` (en) or `完成时限` (zh)."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def display_title(title: str, title_en: str | None) -> str:
    """The title to show: the English title in English output where there is one."""
    return title_en if current_language() == "en" and title_en else title


def item_title(item: Item) -> str:
    """An item's title to show (see `display_title`)."""
    return display_title(item.title, item.title_en)


def event_title(item: Item) -> str:
    """An item's title in a listing that shows each event once: naming the items that
    record the same event, which the listing leaves out (`标题 (same event: ms-mayors-05)`)."""
    title = item_title(item)
    if item.same_event:
        title += " " + _("(same event: {ids})").format(ids=", ".join(item.same_event))
    return title


def group_label(group_by: str | None, name: str | None) -> str:
    """A report group's name as shown: a category's display name, `(无牵头单位)` in Chinese."""
    if name is None:
        return ""
    if group_by is not None and name == NO_GROUP.get(group_by):
        return _(name)
    return category_label(name) if group_by == "category" else name
