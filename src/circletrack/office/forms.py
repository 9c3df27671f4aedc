"""The forms the office sends each responsible unit: which items each unit is sent, and the
form's columns, declared once for the writer (render/forms.py), the reader (intake.py) and
the docs.

A unit is sent its open items (led or supported by it) that are overdue or due within a
number of days, as of a day, with the same filters as `overdue`. The effective state
decides what is open: a plan row whose road is finished is not sent to anyone. Pure
functions of (items, criteria, day): nothing here reads the clock or a file.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..base.cells import fold
from ..base.errors import FieldError
from ..base.i18n import N_, _, translations
from ..model.labels import event_title, status_label
from ..model.records import Item, Registry, Report, Show, Source, item_shown, shown
from ..query.listings import SOON_DAYS, attention_items
from ..query.select import Criteria, days_overdue, is_overdue

#: Who sends the forms; printed in every form's title row (a name, the same in both
#: languages).
OFFICE = "杭州都市圈合作发展协调会办公室"
#: The form's sheet, named in the interface language; the reader takes either name.
SHEET_NAME = N_("Progress report")
#: The hidden sheet holding what the form was sent with (unit, date, the id of each row).
META_SHEET = "circletrack"
#: The first cell of the hidden sheet: which layout the form has.
FORM_VERSION = "circletrack-form-1"
#: The title row's labels: `Unit | 市交通局 | As of | 2024-06-01 | Office | …`.
TITLE_UNIT = N_("Unit")
TITLE_AS_OF = N_("As of")
TITLE_OFFICE = N_("Office")
#: The title row's reminder, on a form sent again to a unit whose last form is still out.
TITLE_REMINDER = N_("Reminder")
#: Rows of a written form: the title, the header, then one row per item.
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3
DEFAULT_WITHIN = SOON_DAYS  # as the home screen: what needs attention


@dataclass(frozen=True)
class FormColumn:
    """One column of the form.

    `get` gives what is sent in it for an item on a day (a date, a number, text or None);
    the columns the unit fills (`fills`) are sent empty and name the report field they
    fill (`field`, as `writes` names it in a FieldError). `cell` is the value type, how the
    writer formats the cell and the reader reads it: id, text, date, int, status or percent.
    """

    name: str
    header: str
    cell: str
    get: Callable[[Item, dt.date], Any] | None = None
    fills: bool = False
    field: str | None = None
    #: What the column holds, for the docs (marked for translation like the header).
    help: str = ""

    def header_names(self) -> list[str]:
        """Every header the reader takes for this column: its name and its label in either
        language (see `labels.names`)."""
        return [self.name, self.header, translations("zh").gettext(self.header)]


#: What is sent in a column for an item on a day, where it is not the field's value.
SENT: dict[str, Callable[[Item, dt.date], Any]] = {
    "title": lambda i, d: event_title(i),
    "requirement": lambda i, d: i.requirement or i.deadline or None,
    "days_overdue": lambda i, d: days_overdue(i, d),
    "status": lambda i, d: status_label(i.state.status),
    "progress": lambda i, d: i.state.progress,
}


def _form_column(show: Show, fills: bool) -> FormColumn:
    """The form's column that a declaration (model.Show) places on the form: sent (an
    item's field or derived column) or filled (a report's field)."""
    header = show.form_header or show.header
    if fills:
        return FormColumn(show.name, header, show.cell, fills=True, field=show.field,
                          help=show.form_help)
    get = SENT.get(show.name) or (lambda i, d, name=show.field: getattr(i, name))
    return FormColumn(show.name, header, show.cell, get, help=show.form_help)


#: The form's columns, derived from the declarations: the item's fields and derived
#: columns it is sent with (model.Item, DERIVED_COLUMNS), then the report fields the unit
#: fills (model.Report), each in its declared place.
FORM_COLUMNS: tuple[FormColumn, ...] = tuple(
    _form_column(show, fills) for fills, show in sorted(
        [*((False, s) for s in item_shown() if s.form),
         *((True, s) for s in shown(Report) if s.form)],
        key=lambda pair: pair[1].form))
COLUMNS_BY_NAME: dict[str, FormColumn] = {c.name: c for c in FORM_COLUMNS}
#: The columns a unit fills, in order.
FILLED_COLUMNS: tuple[FormColumn, ...] = tuple(c for c in FORM_COLUMNS if c.fills)


def column_for_field(field: str) -> FormColumn | None:
    """The column a unit fills that a report field comes from (`progress` → New progress)."""
    return next((c for c in FILLED_COLUMNS if c.field == field), None)


#: `--form-lang`: each form in its unit's language (auto), or all in one.
FORM_LANGUAGES: tuple[str, ...] = ("auto", "zh", "en")


def form_language(unit: str, choice: str, interface: str) -> str:
    """The language a unit's form is written in: `choice` when it names one; with auto,
    Chinese for a unit whose name is written in Chinese (the form goes to that office),
    else the interface language."""
    if choice != "auto":
        return choice
    return "zh" if any("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in unit) \
        else interface


@dataclass(frozen=True)
class UnitForm:
    """One unit's form: the items it is sent as of a day, most overdue first."""

    unit: str
    day: dt.date
    items: list[Item]
    #: For a form sent again (`forms --resend`): the day of the unit's last form, which
    #: has not come back.
    reminder: dt.date | None = None

    @property
    def id(self) -> str:
        """The form's id (see `form_id`)."""
        return form_id(self.unit, self.day)

    @property
    def overdue(self) -> int:
        """How many of its items are past due."""
        return sum(1 for i in self.items if is_overdue(i, self.day))

    def rows(self) -> list[list[Any]]:
        """The values of every column for each item (None in the columns the unit fills)."""
        return [[c.get(item, self.day) if c.get is not None else None for c in FORM_COLUMNS]
                for item in self.items]


@dataclass(frozen=True)
class Forms:
    """The forms to send as of a day, one per unit by name, and the items that would be on
    a form but have no responsible unit to send them to."""

    day: dt.date
    within: int
    forms: list[UnitForm]
    unassigned: list[Item]


def units_of(item: Item) -> list[str]:
    """The units an item is sent to: its lead units, then its supporting units, each once."""
    return list(dict.fromkeys([*item.lead, *item.support]))


def unit_forms(items: Iterable[Item], criteria: Criteria, day: dt.date,
               within: int = DEFAULT_WITHIN) -> Forms:
    """One form per unit with open items overdue or due within `within` days on `day`.

    The filters work as in `overdue`; `criteria.units` (fragments, as `--unit` takes them)
    also chooses the units that get a form. An item that records the same event as another
    (`same_as`) is left out: reports go on the other item, which is on the form itself.
    """
    if within < 0:
        raise FieldError("within", _("must be 0 or more"))
    chosen = [i for i in attention_items(items, criteria, day, within) if i.same_as is None]
    by_unit: dict[str, list[Item]] = {}
    unassigned = []
    for item in chosen:
        units = [u for u in units_of(item)
                 if not criteria.units or any(fold(f) in fold(u) for f in criteria.units)]
        if not units_of(item):
            unassigned.append(item)
        for unit in units:
            by_unit.setdefault(unit, []).append(item)
    forms = [UnitForm(unit, day, by_unit[unit]) for unit in sorted(by_unit)]
    return Forms(day, within, forms, unassigned)


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]')
#: Names Windows keeps for devices, whatever follows the first dot (`CON.x-…` is CON).
_RESERVED = re.compile(r"(?i)(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]) *\.")
#: The longest file name most file systems take, in bytes (ext4, XFS, Btrfs, APFS; NTFS
#: counts 255 UTF-16 units, never more than the UTF-8 bytes).
NAME_BYTES = 255
#: What a shortened name ends its unit with: `~` and the start of the full name's SHA-256.
DIGEST_CHARS = 8


class NameTooShort(ValueError):
    """No form name fits in the bytes a folder's file system allows."""


def _safe_unit(unit: str) -> str:
    safe = _UNSAFE.sub("_", unit.strip())
    safe = re.sub(r"^[. ]+", lambda m: "_" * len(m.group()), safe) or "_"
    return "_" + safe if _RESERVED.match(safe) else safe


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _fitted(unit: str, tail: str, max_bytes: int) -> str:
    """`unit` + `tail` within `max_bytes` (UTF-8): whole when it fits, else the unit cut on
    a character boundary (no combining mark left without its base) and marked with `~` and
    a digest of the whole name, so two long names that begin alike stay apart."""
    safe = _safe_unit(unit)
    if _bytes(safe + tail) <= max_bytes:
        return safe + tail
    import hashlib

    mark = "~" + hashlib.sha256(unit.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]
    room = max_bytes - _bytes(mark + tail)
    if room < 0:
        raise NameTooShort(max_bytes)
    end = used = 0
    for index, char in enumerate(safe):
        used += _bytes(char)
        if used > room:
            break
        if index + 1 == len(safe) or not unicodedata.combining(safe[index + 1]):
            end = index + 1  # (a cut here leaves no combining mark without its letter)
    return safe[:end] + mark + tail


def form_filename(unit: str, day: dt.date, fmt: str, max_bytes: int = NAME_BYTES) -> str:
    """`市交通局-2024-06-01.xlsx`: characters no file system allows (`/ \\ : * ? " < > |`,
    control characters) become `_`, and so do leading dots and spaces; a name Windows
    keeps for a device (CON, NUL …) gets a `_` in front. A name longer than `max_bytes`
    (UTF-8) keeps as much of the unit as fits, then `~` and 8 hex digits of the unit's
    SHA-256: `杭杭…杭~3f2a9c1e-2024-06-01.xlsx`. NameTooShort when not even that fits."""
    return _fitted(unit, f"-{day.isoformat()}.{fmt}", max_bytes)


def form_filenames(forms: Sequence[UnitForm], fmt: str,
                   max_bytes: int = NAME_BYTES) -> list[str]:
    """Each form's file name (see `form_filename`), none longer than `max_bytes`; two
    units whose names differ only in unsafe characters (or in letter case) get `-2`, `-3`
    … so neither form replaces the other."""
    names: list[str] = []
    taken: set[str] = set()
    for form in forms:
        number = 1
        while True:
            extra = f"-{number}" if number > 1 else ""
            name = _fitted(form.unit, f"-{form.day.isoformat()}{extra}.{fmt}", max_bytes)
            if name.casefold() not in taken:
                break
            number += 1
        names.append(name)
        taken.add(name.casefold())
    return names


def form_metadata(form: UnitForm, sheet: str, language: str) -> list[list[str]]:
    """The rows of the hidden sheet: the layout, the unit, the date, the language, the
    form's sheet and its id, then `row N ID` for each item row, so an edited id is
    noticed."""
    head = [["form", FORM_VERSION], ["unit", form.unit], ["as_of", form.day.isoformat()],
            ["language", language], ["sheet", sheet], ["form_id", form.id]]
    return head + [["row", str(FIRST_ROW + n), item.id] for n, item in enumerate(form.items)]


def title_cells(form: UnitForm) -> list[Any]:
    """The title row, in the active language: `Unit, 市交通局, As of, <date>, Office, …`,
    and on a form sent again, `Reminder` and what it reminds of."""
    cells = [_(TITLE_UNIT), form.unit, _(TITLE_AS_OF), form.day, _(TITLE_OFFICE), OFFICE]
    if form.reminder is not None:
        cells += [_(TITLE_REMINDER), _("the form of {date} has not come back: please fill "
                                       "in and return this one").format(
            date=form.reminder.isoformat())]
    return cells


def headers() -> list[str]:
    """The header row in the active language."""
    return [_(c.header) for c in FORM_COLUMNS]


# The forms on record: each form sent is a source of the registry (see model.Source)

#: What a form is called as a source (a name, the same in both languages).
FORM_TITLE = "进度报告表"


def form_id(unit: str, day: dt.date) -> str:
    """A form's id, from its unit and its date: `form-2024-06-01-3f2a9c1e` (the first 8
    hex digits of the unit's SHA-256). The same form written again has the same id, and a
    form read back (an .xlsx keeps the id, a CSV its unit and date) finds its record."""
    import hashlib

    digest = hashlib.sha256(unit.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]
    return f"form-{day.isoformat()}-{digest}"


def form_source(form: UnitForm, file_name: str) -> Source:
    """The record of a form sent: a source named after the unit and the date, with the
    items it carried."""
    return Source(id=form.id, title=f"{FORM_TITLE} {form.unit} {form.day.isoformat()}",
                  publisher=OFFICE, date=form.day, file=file_name, unit=form.unit,
                  items=tuple(item.id for item in form.items))


def record_sent(registry: Registry, sent: Sequence[tuple[UnitForm, str]]) -> list[Source]:
    """Put each form written (with its file's name) on record, in place; a form written
    again (same unit and date) replaces its record, keeping a return already recorded
    only if it carried the same items. The records made."""
    records = []
    for form, name in sent:
        record = form_source(form, name)
        before = registry.sources.get(record.id)
        if before is not None and before.items == record.items:
            record = replace(record, returned=before.returned, rows=before.rows)
        registry.sources[record.id] = record
        records.append(record)
    return records


def last_forms(registry: Registry, day: dt.date) -> dict[str, Source]:
    """Each unit's latest form written by `day`, by unit."""
    latest: dict[str, Source] = {}
    for record in registry.forms:
        if record.date <= day and record.unit is not None:
            now = latest.get(record.unit)
            if now is None or (record.date, record.id) > (now.date, now.id):
                latest[record.unit] = record
    return latest


def unanswered(registry: Registry, day: dt.date) -> dict[str, Source]:
    """The units whose latest form had not come back by `day`, with that form."""
    return {unit: record for unit, record in last_forms(registry, day).items()
            if record.returned is None or record.returned > day}


def resend_forms(forms: Forms, waiting: dict[str, Source]) -> Forms:
    """Only the forms of the units in `waiting`, each with its reminder; a unit whose
    last form went out on the same day is not sent it again."""
    chosen = [replace(f, reminder=waiting[f.unit].date) for f in forms.forms
              if f.unit in waiting and waiting[f.unit].date < f.day]
    return replace(forms, forms=chosen)
