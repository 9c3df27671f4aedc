"""Typed objects for the registry: items, reports, facts, targets and sources.

Each record's fields are declared once, here: every dataclass field carries a `Spec` (its
value type, TOML key, label, whether `add`/`edit` may set it and with which option, and how
it is shown: a `Show`). The codec, the validator, the JSON reader and writer, the write
functions, the command-line options of `add` and `edit`, the listing columns, the rows of
`show` and the columns of a unit's form are all derived from these declarations (see
`specs` and `shown`), so a new field is one declaration plus its tests, docs and
translations.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

from ..base.i18n import N_, _

KINDS: tuple[str, ...] = ("cooperation", "project", "milestone")
STATUSES: tuple[str, ...] = ("planned", "in_progress", "done", "blocked", "cancelled")
CLOSED_STATUSES: frozenset[str] = frozenset({"done", "cancelled"})

#: The 2011 plan table's 类别 (its merged cells), in table order, as stored codes; their
#: labels in each language are in labels.py (交通共联 is `transport`).
COOPERATION_CATEGORIES: tuple[str, ...] = (
    "planning",
    "transport",
    "market",
    "industry",
    "brand",
    "environment",
    "society",
    "mechanism",
    "mayors",
)
PROJECT_CATEGORIES: tuple[str, ...] = (
    "intercity_rail",
    "high_speed_rail",
    "rail",
    "metro",
    "highway",
    "road",
    "bridge",
    "waterway",
    "airport",
    "hub",
    "bus",
)
MILESTONE_CATEGORIES: tuple[str, ...] = ("meeting", "event", "target")
CATEGORIES_BY_KIND: dict[str, tuple[str, ...]] = {
    "cooperation": COOPERATION_CATEGORIES,
    "project": PROJECT_CATEGORIES,
    "milestone": MILESTONE_CATEGORIES,
}
#: How `circletrack add` names a new item of each kind: prefix and digits (coop-31, prj-001).
ID_PREFIXES: dict[str, tuple[str, int]] = {
    "cooperation": ("coop", 2),
    "project": ("prj", 3),
    "milestone": ("ms", 3),
}
FACT_KEYS: tuple[str, ...] = (
    "length",
    "section",
    "lanes",
    "design_speed",
    "investment",
    "progress_part",
    "capacity",
    "traffic",
    "travel_time",
    "baseline",
    "other",
)
TARGET_OPS: tuple[str, ...] = (">=", "<=", ">", "<", "=")
#: What an item's due date asks for: finished by then (the default when none is given),
#: worked on until then (加快推进 in 2011: the period ends, nothing falls overdue), or a
#: meeting held by then.
DUE_KINDS: tuple[str, ...] = ("complete", "ongoing", "hold")
SCHEMA_VERSION = 2

Number = int | float

#: The dates a registry may hold: wide enough for any plan, narrow enough that every
#: exporter (an iCalendar event ends the day after its date) can work with each of them.
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
#: The longest text a field may hold, and the most lines (a note of 10 MB would make every
#: view that shows it crawl; the longest passage of the sources is under 600 characters).
MAX_TEXT = 20_000
MAX_LINES = 200
#: The longest id of an item, a source or a passage.
MAX_ID = 64
#: Numbers as TOML stores them: 64-bit integers, finite floats.
MAX_INT = 2**63 - 1
#: The most digits of a whole number typed by a user (an option, a form's cell) that are
#: read. No field or count needs more than 19 (MAX_INT), and Python's int() refuses text of
#: more than 4,300 digits (sys.get_int_max_str_digits, which may be set as low as 640)
#: with a ValueError, so longer text is refused before int() sees it.
MAX_DIGITS = 100
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)


class TooManyDigits(ValueError):
    """A whole number of more than MAX_DIGITS digits; the message says so."""

    def __init__(self) -> None:
        super().__init__(_("the number has more than {limit} digits").format(limit=MAX_DIGITS))


def whole_number(text: str) -> int | None:
    """The whole number `text` writes (a sign, ASCII digits, spaces around), or None when
    it writes none; TooManyDigits for more than MAX_DIGITS digits (leading zeros aside)."""
    value = text.strip()
    if not _WHOLE.fullmatch(value):
        return None
    digits = value.lstrip("+-").lstrip("0") or "0"
    if len(digits) > MAX_DIGITS:
        raise TooManyDigits
    return -int(digits) if value.startswith("-") else int(digits)

#: The value types a field can have. The validator checks each, the JSON reader converts
#: each, and `add`/`edit` parse each from command-line text.
VALUE_TYPES: tuple[str, ...] = (
    "id",        # an item id: lowercase ASCII letters, digits and hyphens
    "text",      # a string (non-empty where required)
    "date",      # a TOML date; ISO text in JSON and on the command line
    "year",      # a four-digit year
    "number",    # an int or a float
    "percent",   # a whole number from 0 to 100
    "kind",      # one of KINDS
    "status",    # one of STATUSES
    "category",  # one of the categories of the item's kind
    "fact_key",  # one of FACT_KEYS
    "op",        # one of TARGET_OPS
    "due_kind",  # one of DUE_KINDS
    "source",    # a source id of the registry
    "texts",     # a list of non-empty strings
    "sources",   # a list of source ids of the registry
    "passage",   # a passage id of the registry
    "item",      # the id of another item
    "items",     # a list of ids of other items
    "record",    # one nested table (its class's fields declared the same way)
    "records",   # an array of nested tables
)
#: Who may set a field: nobody (the program keeps it), `add` only, or `add` and `edit`.
EDIT_NEVER, EDIT_ON_ADD, EDIT_ALWAYS = "never", "add", "always"
#: How a column takes the room of a table: never wrapped ("fixed": dates, numbers, short
#: codes), never wrapped but folded when the table is short of room ("yields": an id),
#: broken only between units ("units": lead units, cities), or wrapped ("wrap").
WIDTH_POLICIES: tuple[str, ...] = ("fixed", "yields", "units", "wrap")


@dataclass(frozen=True)
class Show:
    """How a field, or a column worked out from an item, is shown: the one declaration the
    listing columns (render/fields.COLUMNS), the rows of `show` (render/detail.py) and the
    columns of a unit's form (forms.FORM_COLUMNS) are derived from.

    `header` is English, marked for translation (the catalogue gives the Chinese). How the
    value is written is the renderer's: by the column's name where it says, else by the
    field's value type, so a plain field needs nothing but this.
    """

    header: str
    #: The column's name (a field's is its own unless given) and the field it shows (both
    #: filled in by `shown`; empty for a derived column).
    name: str = ""
    field: str = ""
    #: A column of the listings (`list`, `overdue`, `export` … pick theirs from these).
    column: bool = True
    #: Its row in `show`: rows go by this number, 0 for none; `detail_label` where the row
    #: is not called by the header.
    detail: int = 0
    detail_label: str = ""
    #: Its place on a unit's form (columns go by this number, 0 for none), the form's
    #: header where it is not `header`, its cell type (id, text, date, int, status or
    #: percent), what it holds (for the docs), and, for a column the unit fills, the report
    #: field it fills.
    form: int = 0
    form_header: str = ""
    cell: str = "text"
    form_help: str = ""
    fills: str = ""
    #: Width policy (WIDTH_POLICIES); the narrowest a wrapping column gets (None: the
    #: table's default) and its share of the spare room.
    width: str = "wrap"
    min_width: int | None = None
    weight: int = 1
    justify: str = "left"
    style: str | None = None

    def __post_init__(self) -> None:
        if self.width not in WIDTH_POLICIES:
            raise ValueError(f"unknown width policy {self.width!r}")


@dataclass(frozen=True)
class Spec:
    """The declaration of one field of a record."""

    type: str
    #: The key in TOML and JSON (default: the field's name).
    key: str = ""
    #: What people call it (tables, forms, `edit` messages), marked for translation.
    label: str = ""
    required: bool = False
    edit: str = EDIT_NEVER
    #: The command-line option of `add`/`edit` (default: --name with - for _).
    option: str = ""
    help: str = ""
    #: For "record"/"records": the class of the nested tables.
    record: Any = None
    #: Messages for a missing or a malformed value, where the generic ones would say less
    #: (`invalid` may use {value}).
    missing: str = ""
    invalid: str = ""
    #: How it is shown (None: only where a record is shown whole, as JSON).
    show: Show | None = None

    @property
    def repeated(self) -> bool:
        """True for the list types, whose option is given once per value."""
        return self.type in ("texts", "sources", "items")


def spec(type_: str, **options: Any) -> dict[str, Spec]:
    """Field metadata declaring a field: `field(metadata=spec("text", label=N_("Title")))`."""
    if type_ not in VALUE_TYPES:
        raise ValueError(f"unknown value type {type_!r}")
    return {"spec": Spec(type_, **options)}


@dataclass(frozen=True)
class FieldSpec:
    """A declared field: its attribute name with its `Spec`, the key resolved."""

    name: str
    key: str
    spec: Spec

    @property
    def option(self) -> str:
        """The command-line option that sets it."""
        return self.spec.option or "--" + self.name.replace("_", "-")


@lru_cache(maxsize=None)
def specs(cls: type) -> tuple[FieldSpec, ...]:
    """The declared fields of a record class, in declaration (and TOML) order."""
    return tuple(FieldSpec(f.name, f.metadata["spec"].key or f.name, f.metadata["spec"])
                 for f in fields(cls) if "spec" in f.metadata)


def record_to_json(record: Any) -> dict[str, Any]:
    """A record as JSON (every JSON output's shape): every declared field (null when
    empty), dates as ISO text."""
    data: dict[str, Any] = {}
    for f in specs(type(record)):
        value = getattr(record, f.name)
        if f.spec.type == "records":
            value = [record_to_json(entry) for entry in value]
        elif f.spec.type == "record" and value is not None:
            value = record_to_json(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        data[f.key] = value
    return data


def shown(cls: type) -> tuple[Show, ...]:
    """How the declared fields of a record class that are shown are shown, in declaration
    order, each named by its field."""
    return tuple(replace(f.spec.show, name=f.spec.show.name or f.name, field=f.name)
                 for f in specs(cls) if f.spec.show is not None)


def editable(cls: type) -> tuple[FieldSpec, ...]:
    """The fields of a record that `add` (and, with EDIT_ALWAYS, `edit`) may set."""
    return tuple(f for f in specs(cls) if f.spec.edit != EDIT_NEVER)


@dataclass(kw_only=True, frozen=True)
class Source:
    """A source document the registry was read from.

    A form the office sent a unit (`circletrack forms`) is a source too, the one the
    reports it brings back rest on: `unit` is the unit it went to, `items` the items it
    carried, `date` the day it was written for; `returned` (the day `intake` read it back)
    and `rows` (how many of its rows the unit filled) once it came back.
    """

    #: Its key in the registry's sources table (so not one of the table's declared keys).
    id: str
    title: str = field(metadata=spec("text", required=True))
    publisher: str = field(metadata=spec("text", required=True))
    date: dt.date = field(metadata=spec("date", required=True))
    file: str | None = field(default=None, metadata=spec("text"))
    note: str | None = field(default=None, metadata=spec("text"))
    #: A form's keys (validate.FORM_KEYS), after the others.
    unit: str | None = field(default=None, metadata=spec("text"))
    items: tuple[str, ...] = field(default=(), metadata=spec("items"))
    returned: dt.date | None = field(default=None, metadata=spec("date"))
    #: A whole number, 0 or more (the validator's form check says so).
    rows: int | None = field(default=None, metadata=spec("number"))

    @classmethod
    def from_table(cls, key: str, table: dict[str, Any]) -> Source:
        """A source from its validated table (as the registry or the index holds it); a
        form's keys (unit, items, returned, rows) too. A key the source does not declare
        is a TypeError, as for the constructor."""
        unknown = set(table) - _SOURCE_KEYS
        if unknown:
            raise TypeError(f"Source has no field {sorted(unknown)[0]!r}")
        return cls(id=key, **{f.name: tuple(table[f.key]) if f.spec.repeated else table[f.key]
                              for f in specs(cls) if f.key in table})

    @property
    def is_form(self) -> bool:
        """True for a form the office sent a unit."""
        return self.unit is not None



#: The keys of a source's table: its declared fields (its id is the table's key).
_SOURCE_KEYS = frozenset(f.key for f in specs(Source))

@dataclass(kw_only=True, frozen=True)
class Passage:
    """A passage quoted from a source, stored once; reports refer to it by id."""

    #: Its key in the registry's passages table.
    id: str
    source: str = field(metadata=spec("source", required=True))
    place: str = field(metadata=spec("text", required=True))
    text: str = field(metadata=spec("text", required=True))


@dataclass(kw_only=True, frozen=True)
class Fact:
    """A figure a source gives about an item, as the source words it."""

    key: str = field(metadata=spec("fact_key", required=True))
    label: str = field(metadata=spec("text", required=True))
    value: Number = field(metadata=spec("number", required=True))
    unit: str = field(metadata=spec("text", required=True))
    area: str | None = field(default=None, metadata=spec("text"))
    year: int | None = field(default=None, metadata=spec("year"))
    source: str = field(metadata=spec("source", required=True))
    note: str | None = field(default=None, metadata=spec("text"))


@dataclass(kw_only=True, frozen=True)
class Target:
    """A numeric target: value, unit, year and how it is to be met."""

    value: Number = field(metadata=spec(
        "number", required=True, edit=EDIT_ALWAYS, option="--target-value",
        help="Milestones: the target's number, e.g. 700."))
    unit: str = field(default="", metadata=spec(
        "text", edit=EDIT_ALWAYS, option="--target-unit",
        help="Milestones: the target's unit as written, e.g. 公里."))
    year: int = field(metadata=spec(
        "year", required=True, edit=EDIT_ALWAYS, option="--target-year",
        help="Milestones: the year the target is for."))
    op: str = field(default=">=", metadata=spec(
        "op", edit=EDIT_ALWAYS, option="--target-op",
        help="Milestones: {target_ops} (default >=)."))
    scope: str | None = field(default=None, metadata=spec(
        "text", edit=EDIT_ALWAYS, option="--target-scope",
        help="Milestones: the area the target covers, as the source words it; a baseline "
             "is compared with the target only when its area is the same."))


@dataclass(kw_only=True, frozen=True)
class Report:
    """One dated progress report in an item's history."""

    date: dt.date = field(metadata=spec(
        "date", required=True, missing=N_("a report needs a date"),
        show=Show(N_("Date of the report"), "report_date", column=False, form=10, cell="date",
                  form_help=N_("when it was so; required in a filled row, not after the day "
                               "of intake"))))
    #: None for a report that changes nothing (a note, a target's value): see report_effect.
    status: str | None = field(default=None, metadata=spec(
        "status",
        show=Show(N_("New status"), "new_status", column=False, form=8, cell="status",
                  form_help=N_("a drop-down of the statuses; empty: from the progress, else "
                               "unchanged"))))
    progress: int | None = field(default=None, metadata=spec(
        "percent",
        show=Show(N_("New progress"), "new_progress", column=False, form=9, cell="percent",
                  form_help=N_("a whole number from 0 to 100; 100 means done"))))
    value: Number | None = field(default=None, metadata=spec("number"))
    note: str | None = field(default=None, metadata=spec(
        "text", show=Show(N_("Note"), column=False, form=11,
                          form_help=N_("what happened; required when the progress goes down"))))
    by: str | None = field(default=None, metadata=spec(
        "text", show=Show(N_("Reported by"), "reported_by", column=False, form=12,
                          form_help=N_("who reports it; empty: the unit"))))
    source: str = field(metadata=spec(
        "text", required=True,
        missing=N_("a report needs a source (the publication and its date)")))
    passage: str | None = field(default=None, metadata=spec("passage"))


@dataclass(kw_only=True, frozen=True)
class DueChange:
    """One move of an item's due date."""

    from_: dt.date | None = field(default=None, metadata=spec("date", key="from"))
    to: dt.date | None = field(default=None, metadata=spec("date"))
    date: dt.date = field(metadata=spec("date", required=True))
    reason: str = field(metadata=spec("text", required=True,
                                      missing=N_("a due-date change needs a reason")))
    by: str | None = field(default=None, metadata=spec("text"))


@dataclass(kw_only=True, frozen=True)
class Item:
    """A cooperation item, project or milestone."""

    id: str = field(metadata=spec(
        "id", required=True, label=N_("ID"),
        show=Show(N_("ID"), width="yields", style="cyan", form=1, cell="id",
                  form_help=N_("the item's id; links the row to its item, so it is locked"))))
    kind: str = field(metadata=spec(
        "kind", required=True, label=N_("Kind"), show=Show(N_("Kind"), width="fixed", detail=1)))
    title: str = field(metadata=spec(
        "text", required=True, label=N_("title"), edit=EDIT_ALWAYS,
        show=Show(N_("Title"), min_width=12, weight=5, detail=3,
                  detail_label=N_("Chinese title"), form=2, form_help=N_("the item's title")),
        help="The title as the source writes it."))
    title_en: str | None = field(default=None, metadata=spec(
        "text", label=N_("title_en"), edit=EDIT_ALWAYS,
        show=Show(N_("Title (en)"), detail=4, detail_label=N_("English title")),
        help="An English title."))
    category: str | None = field(default=None, metadata=spec(
        "category", label=N_("category"), edit=EDIT_ALWAYS,
        show=Show(N_("Category"), min_width=8, weight=2, detail=2),
        help="Category, by its code or its label in either language: a plan heading "
             "(transport or 交通共联 …) for cooperation items, a mode (intercity_rail or "
             "城际铁路 …) for projects, meeting, event or target for milestones."))
    content: str | None = field(default=None, metadata=spec(
        "text", label=N_("content"), edit=EDIT_ALWAYS,
        show=Show(N_("Content"), detail=14),
        help="The content text (项目内容) or a description."))
    lead: tuple[str, ...] = field(default=(), metadata=spec(
        "texts", label=N_("lead"), edit=EDIT_ALWAYS,
        show=Show(N_("Lead"), width="units", min_width=8, weight=3, detail=11),
        help="A lead responsible unit (牵头单位) (repeatable)."))
    support: tuple[str, ...] = field(default=(), metadata=spec(
        "texts", label=N_("support"), edit=EDIT_ALWAYS,
        show=Show(N_("Support"), width="units", weight=2, detail=12),
        help="A supporting unit (配合单位) (repeatable)."))
    cities: tuple[str, ...] = field(default=(), metadata=spec(
        "texts", label=N_("cities"), edit=EDIT_ALWAYS, option="--city",
        show=Show(N_("Cities"), width="units", weight=2, detail=13),
        help="A city or county concerned (repeatable)."))
    created: dt.date = field(metadata=spec(
        "date", required=True, label=N_("created"), edit=EDIT_ON_ADD,
        show=Show(N_("Created"), width="fixed", detail=20, detail_label=N_("Recorded")),
        help="When the item entered the record (default today)."))
    due: dt.date | None = field(default=None, metadata=spec(
        "date", label=N_("due"), edit=EDIT_ALWAYS, help="The due date.",
        show=Show(N_("Due"), width="fixed", detail=7, form=4, cell="date",
                  form_help=N_("the due date")),
        invalid=N_("due date is not a date: {value} (write YYYY-MM-DD)")))
    requirement: str | None = field(default=None, metadata=spec(
        "text", label=N_("requirement"), edit=EDIT_ALWAYS,
        show=Show(N_("Requirement"), min_width=8, weight=4, detail=9, form=3,
                  form_help=N_("the plan's 进度要求, or the words the due date rests on")),
        help="The requirement text (进度要求), verbatim."))
    due_kind: str | None = field(default=None, metadata=spec(
        "due_kind", label=N_("due_kind"), edit=EDIT_ALWAYS,
        help="What the due date asks for: complete (finished by then; the default), "
             "ongoing (worked on until then, e.g. 加快推进: the period ends and nothing "
             "falls overdue) or hold (a meeting held by then)."))
    deadline: str | None = field(default=None, metadata=spec(
        "text", label=N_("deadline"), edit=EDIT_ALWAYS,
        show=Show(N_("Deadline"), column=False, detail=10),
        help="The words a due date taken from news rests on, quoted (e.g. "
             "将于2020年年底前建成通车); the plan's own 进度要求 goes in --requirement."))
    deadline_source: str | None = field(default=None, metadata=spec(
        "source", label=N_("deadline_source"), edit=EDIT_ALWAYS,
        help="The id of the source that gives --deadline, e.g. hzw-2020."))
    reading: str | None = field(default=None, metadata=spec(
        "text", label=N_("reading"), edit=EDIT_ALWAYS,
        show=Show(N_("Reading"), detail=15),
        help="How an ambiguous source was read."))
    status: str = field(default="planned", metadata=spec(
        "status", label=N_("status"),
        show=Show(N_("Status"), width="fixed", detail=5, form=6, form_header=N_("Current status"),
                  form_help=N_("the item's status as recorded (or derived from the items it "
                               "tracks)"))))
    progress: int | None = field(default=None, metadata=spec(
        "percent", label=N_("progress"),
        show=Show(N_("Progress"), width="fixed", justify="right", detail=6, form=7,
                  form_header=N_("Current progress"), cell="percent",
                  form_help=N_("the latest percentage reported; empty when none was"))))
    tags: tuple[str, ...] = field(default=(), metadata=spec(
        "texts", label=N_("tags"), edit=EDIT_ALWAYS, option="--tag",
        show=Show(N_("Tags"), detail=19),
        help="A free tag (repeatable)."))
    sources: tuple[str, ...] = field(default=(), metadata=spec(
        "sources", label=N_("sources"), edit=EDIT_ALWAYS, option="--source",
        show=Show(N_("Sources")),
        help="A source id (a key of the registry's sources table), e.g. plan-2011 (repeatable)."))
    related: tuple[str, ...] = field(default=(), metadata=spec(
        "items", label=N_("related"), edit=EDIT_ALWAYS,
        show=Show(N_("Related")),
        help="The id of another item about the same work (repeatable)."))
    tracks: tuple[str, ...] = field(default=(), metadata=spec(
        "items", label=N_("tracks"), edit=EDIT_ALWAYS, option="--tracks",
        show=Show(N_("Tracks"), column=False, detail=16),
        help="The id of an item that carries out this item's work (repeatable): this item "
             "is done when all of them are, in progress when any has started, unless its "
             "own reports are newer."))
    starts: tuple[str, ...] = field(default=(), metadata=spec(
        "items", label=N_("starts"), edit=EDIT_ALWAYS, option="--starts",
        show=Show(N_("Starts"), column=False, detail=17),
        help="The id of an item whose start this milestone is (repeatable): done as soon as "
             "one of them has started, unless its own reports are newer."))
    same_as: str | None = field(default=None, metadata=spec(
        "item", label=N_("same_as"), edit=EDIT_ALWAYS,
        show=Show(N_("Same as"), column=False, detail=18),
        help="The id of an item that records the same event: this one then holds no "
             "reports of its own and always shows that item's state."))
    original_due: dt.date | None = field(default=None, metadata=spec(
        "date", label=N_("original_due"), show=Show(N_("Original due"), width="fixed", detail=8)))
    facts: tuple[Fact, ...] = field(default=(), metadata=spec("records", record=Fact))
    history: tuple[Report, ...] = field(default=(), metadata=spec("records", record=Report))
    due_changes: tuple[DueChange, ...] = field(default=(), metadata=spec(
        "records", record=DueChange))
    target: Target | None = field(default=None, metadata=spec(
        "record", label=N_("target"), record=Target, edit=EDIT_ALWAYS))

    #: The state the program derived for it (from the items it tracks, or the item it is
    #: the same as), set by `effective.with_states`; None means its own reports decide.
    #: Never written to the file.
    effective: State | None = field(default=None, compare=False, repr=False)
    #: The ids of the items that record the same event as this one (`same_as` it), set by
    #: `effective.with_states`; a listing that shows an event once names them. Never written.
    same_event: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        # A record is a value: its lists are tuples, whatever it was built from (JSON, a
        # test, a command's options), so nothing can change an item behind a write's back.
        for name in _ITEM_SEQUENCES:
            value = self.__dict__[name]
            if type(value) is not tuple:
                object.__setattr__(self, name, tuple(value))

    @property
    def state(self) -> State:
        """The item's effective state: derived (see `effective`) or from its own reports.

        The state its own reports imply is worked out once and remembered: an item never
        changes (a write makes a new one)."""
        if self.effective is not None:
            return self.effective
        memo = self.__dict__.get("_own_state")
        if memo is not None:
            return memo
        state = own_state(self.history)
        self.__dict__["_own_state"] = state  # (a memo: the history it comes from cannot change)
        return state

    def __getstate__(self) -> dict[str, Any]:
        """What pickling keeps (the parse cache): the fields, not the remembered state."""
        state = dict(self.__dict__)
        state.pop("_own_state", None)
        return state

    @property
    def is_open(self) -> bool:
        """True unless the item's effective status is done or cancelled."""
        return self.state.status not in CLOSED_STATUSES

    @property
    def ongoing(self) -> bool:
        """True when the due date ends a period of work, not a deadline (see DUE_KINDS)."""
        return self.due_kind == "ongoing"

    @property
    def updated(self) -> dt.date | None:
        """The date of the latest report of its own, or None."""
        return max((r.date for r in self.history), default=None)

    @property
    def links(self) -> list[str]:
        """Every item this one derives its state from: tracked, started, or the same."""
        return [*self.tracks, *self.starts, *([self.same_as] if self.same_as else [])]

    @property
    def reported_value(self) -> Number | None:
        """The value of the latest report that carries one (numeric targets)."""
        for report in reversed(sorted_history(self.history)):
            if report.value is not None:
                return report.value
        return None


#: The columns worked out from an item rather than stored in it, declared here beside its
#: fields, once (their text is the renderer's, by name: render/fields.py).
DERIVED_COLUMNS: tuple[Show, ...] = (
    Show(N_("Progress reported"), "progress_reported"),
    Show(N_("Derived from"), "derived_from"),
    Show(N_("When"), "when", width="fixed", justify="right", style="red"),
    Show(N_("Days overdue"), "days_overdue", width="fixed", justify="right", style="red",
         form=5, cell="int", form_help=N_("days past due on the form's date; 0 when not yet due")),
    Show(N_("Updated"), "updated", width="fixed", detail=21),
    # The title as recorded, beside title_en in the export (where "title" would repeat it).
    Show(N_("Title"), "source_title"),
    Show(N_("Reports"), "reports", justify="right"),
    Show(N_("Days since report"), "days_since_report", width="fixed", justify="right",
         style="yellow"),
    Show(N_("First due"), "first_due", width="fixed"),
    Show(N_("Moves"), "due_moves", width="fixed", justify="right"),
    Show(N_("Days slipped"), "days_slipped", width="fixed", justify="right", style="red"),
    Show(N_("Reasons"), "slip_reasons", weight=4),
)


def item_shown() -> tuple[Show, ...]:
    """Every way an item is shown: its declared fields, then the derived columns."""
    return (*shown(Item), *DERIVED_COLUMNS)


#: The fields of an item that hold sequences (kept as tuples, see Item.__post_init__).
_ITEM_SEQUENCES: tuple[str, ...] = tuple(
    f.name for f in fields(Item) if str(f.type).startswith("tuple["))


@dataclass
class Registry:
    """Everything in one registry file."""

    sources: dict[str, Source] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    schema: int = SCHEMA_VERSION
    passages: dict[str, Passage] = field(default_factory=dict)

    def get(self, item_id: str) -> Item | None:
        """The item with exactly this id, or None."""
        for item in self.items:
            if item.id == item_id:
                return item
        return None

    @property
    def forms(self) -> list[Source]:
        """The forms sent to the units (the sources that are forms), by id."""
        return [s for _key, s in sorted(self.sources.items()) if s.is_form]


def sorted_history(history: Sequence[Report]) -> list[Report]:
    """Reports in date order; reports of the same date keep their recorded order."""
    return sorted(history, key=lambda r: r.date)


@dataclass(frozen=True)
class State:
    """An item's status and progress, and what they rest on.

    `date` is the date of the report the status rests on (None: nothing reported);
    `progress_date` the date the progress was reported (None: unknown). `via` names the
    items a derived state comes from (empty: the item's own reports) and `rule` how:
    "tracks", "starts" or "same_as". For "tracks", `basis` says how the progress was
    reckoned: "all_done", "mean" (of the `tracked` items' progress) or "unknown" (some
    tracked item has no measured progress; `done` of `tracked` are done).
    """

    status: str = "planned"
    progress: int | None = None
    date: dt.date | None = None
    progress_date: dt.date | None = None
    via: tuple[str, ...] = ()
    rule: str | None = None
    basis: str | None = None
    tracked: int = 0
    done: int = 0

    @property
    def derived(self) -> bool:
        """True when the state comes from other items, not the item's own reports."""
        return bool(self.via)

    @property
    def is_open(self) -> bool:
        """True unless done or cancelled."""
        return self.status not in CLOSED_STATUSES


def report_effect(before: tuple[str, int | None], status: str | None,
                  progress: int | None) -> tuple[str, int | None]:
    """What one report does to an item's (status, progress): the state function, the one
    rule every way a report comes in follows (docs/registry.md, "What a report does").

    - Neither a status nor a progress (a note, a target's value): nothing changes.
    - A progress without a status: 100 means done, 1-99 in progress, 0 keeps the status.
    - A status without a progress: done means 100; an open status after 100% leaves the
      progress unknown (reopened, how far along nobody said); else the progress stays.
    - Both: as given (the checks refuse done below 100 and an open status at 100).
    """
    if status is None and progress is None:
        return before
    if status is None:
        status = "done" if progress == 100 else "in_progress" if progress else before[0]
    if progress is None:
        progress = 100 if status == "done" else None if before[1] == 100 else before[1]
    return status, progress


def states_through(reports: Sequence[tuple[dt.date, str | None, int | None]],
                   ) -> list[tuple[str, int | None]]:
    """The (status, progress) after each of the (date, status, progress) reports, taken in
    date order (reports of one date in recorded order)."""
    state: tuple[str, int | None] = ("planned", None)
    after = []
    for _day, status, progress in sorted(reports, key=lambda r: r[0]):
        state = report_effect(state, status, progress)
        after.append(state)
    return after


def implied_state(reports: Sequence[tuple[dt.date, str | None, int | None]],
                  ) -> tuple[str, int | None]:
    """The (status, progress) that (date, status, progress) reports imply, folded with
    `report_effect` from planned with progress unknown; the validator holds an item's
    recorded status and progress to this."""
    steps = states_through(reports)
    return steps[-1] if steps else ("planned", None)


def current_state(history: Sequence[Report]) -> tuple[str, int | None]:
    """The (status, progress) that a history implies (see `implied_state`)."""
    return implied_state([(r.date, r.status, r.progress) for r in history])


def changes_state(report: Report) -> bool:
    """True for a report that gives a status or a progress (a note alone changes nothing)."""
    return report.status is not None or report.progress is not None


def own_state(history: Sequence[Report]) -> State:
    """The state an item's own reports imply (`implied_state`), with the date of the latest
    report that changed it and the date its progress was given; planned with progress
    unknown, and no date, when no report changed anything."""
    ordered = sorted((r for r in history if changes_state(r)), key=lambda r: r.date)
    if not ordered:
        return State()
    state: tuple[str, int | None] = ("planned", None)
    given: dt.date | None = None
    for report in ordered:
        after = report_effect(state, report.status, report.progress)
        if after[1] is None:
            given = None
        elif report.progress is not None or after[1] != state[1]:
            given = report.date  # this report gave the progress (done gives 100)
        state = after
    return State(status=state[0], progress=state[1], date=ordered[-1].date,
                 progress_date=given)


def record_fingerprint() -> str:
    """A digest of the record classes' fields (each class's name, and each field's name,
    type and default): what a cache of records was written for. A field added, removed,
    renamed or retyped gives another fingerprint, so entries the older code wrote are
    misses, never objects without the new field."""
    import hashlib

    parts = []
    for cls in (Registry, Item, Report, Fact, Target, DueChange, Source, Passage, State):
        described = ",".join(f"{f.name}:{f.type}" + ("" if f.default is MISSING
                                                      else f"={f.default!r}")
                             for f in fields(cls))
        parts.append(f"{cls.__module__}.{cls.__qualname__}({described})")
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()
