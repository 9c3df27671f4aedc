"""Changes to a registry: record a progress report, add an item, edit an item's fields.

Command-line text is parsed and checked first (`report_request`, `item_fields`); the changes
(`record_report`, `add_item`, `edit_item`) then put new items in a `Registry` (items are
values, never changed in place) and return what they did. Bad input raises UsageError
before anything is changed. Nothing here reads the clock, the environment or a file:
`storage.update_journaled` runs these under the lock.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..base.cells import control_character, undecodable
from ..base.errors import AlreadyRecorded, FieldError, FieldErrors, UsageError
from ..base.i18n import N_, _, join
from ..model.dates import parse_date
from ..model.effective import state_of
from ..model.labels import (
    CATEGORY_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    category_label,
    code_for,
    kind_label,
    status_label,
)
from ..model.records import (
    CATEGORIES_BY_KIND,
    CLOSED_STATUSES,
    ID_PREFIXES,
    KINDS,
    MAX_LINES,
    MAX_TEXT,
    STATUSES,
    TARGET_OPS,
    DueChange,
    FieldSpec,
    Item,
    Number,
    Registry,
    Report,
    State,
    Target,
    TooManyDigits,
    changes_state,
    current_state,
    editable,
    report_effect,
    sorted_history,
    whole_number,
)
from ..query.select import resolve
from ..storage.validate import ID_PATTERN, not_utf8, report_problems

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_TOML_INT_LIMIT = 2**63


# Parsing text (from the command line or a form): each error names the field it is about


def parse_progress(text: str, field: str = "progress") -> int:
    """A percentage from 0 to 100, written `40` or `40%`."""
    value = _whole(text.strip().removesuffix("%"), field)
    if value is None or not 0 <= value <= 100:
        raise FieldError(field, _("must be a whole number from 0 to 100, got {text!r}").format(
            text=text))
    return value


def parse_number(text: str, field: str) -> Number:
    """A finite number: an int when written without a point or exponent, else a float."""
    value = text.strip()
    whole = _whole(value, field)
    if whole is not None and abs(whole) < _TOML_INT_LIMIT:
        return whole
    if _DECIMAL.fullmatch(value) and math.isfinite(float(value)):
        return float(value)
    raise FieldError(field, _("must be a number such as 700 or 3.5, got {text!r}").format(
        text=text))


def _whole(text: str, field: str) -> int | None:
    """The whole number `text` writes, or None (see model.whole_number); a FieldError for
    one of more digits than any field takes."""
    try:
        return whole_number(text)
    except TooManyDigits as exc:
        raise FieldError(field, str(exc)) from None


def parse_year(text: str, field: str) -> int:
    """A four-digit year."""
    value = text.strip()
    if not re.fullmatch(r"[0-9]{4}", value, re.ASCII):
        raise FieldError(field, _("must be a four-digit year, got {text!r}").format(text=text))
    return int(value)


def parse_text(text: str | None, field: str) -> str | None:
    """Stripped text, or None when not given; given but blank is an error."""
    if text is None:
        return None
    if not text.strip():
        raise FieldError(field, _("must not be empty"))
    control = control_character(text)
    if control is not None:
        raise FieldError(field, _("holds the control character {code}, which a terminal "
                                  "would act on; remove it").format(code=control))
    broken = undecodable(text)
    if broken is not None:
        raise FieldError(field, not_utf8(broken))
    if len(text) > MAX_TEXT or text.count("\n") >= MAX_LINES:
        raise FieldError(field, _("is too long: at most {limit} characters and {lines} lines")
                         .format(limit=MAX_TEXT, lines=MAX_LINES))
    return text.strip()


_UNKNOWN: dict[str, str] = {
    "kind": N_("unknown kind {value!r}; use one of {choices}"),
    "operator": N_("unknown operator {value!r}; use one of {choices}"),
}


def parse_choice(value: str | None, allowed: Sequence[str], what: str,
                 field: str) -> str | None:
    """A value that must be one of `allowed` (None passes)."""
    if value is not None and value not in allowed:
        raise FieldError(field, _(_UNKNOWN[what]).format(value=value,
                                                         choices=", ".join(allowed)))
    return value


def default_source(by: str, today: dt.date) -> str:
    """The source of a report recorded without one: who recorded it, with what, when."""
    return f"recorded by {by} with circletrack on {today.isoformat()}"


# mark: progress reports


def parse_status(text: str | None, field: str = "status") -> str | None:
    """A status from its code or its label in either language (in_progress, in progress,
    进行中; width and case ignored): the words every view shows can be typed back."""
    if text is None:
        return None
    code = code_for(text, STATUS_LABELS)
    if code is None:
        raise FieldError(field, _("unknown status {value!r}; use one of {choices}").format(
            value=text.strip(), choices=join(status_label(s) for s in STATUSES)))
    return code


def check_report_date(day: dt.date, today: dt.date) -> None:
    """A report records what has happened: its date is not after `today`."""
    if day > today:
        raise FieldError("date", _("{date} is in the future; a report records what has "
                                   "happened").format(date=day))


@dataclass(frozen=True)
class ReportRequest:
    """A progress report as asked for (on the command line, in a form), checked on its own."""

    date: dt.date
    by: str
    source: str
    progress: int | None = None
    status: str | None = None
    value: Number | None = None
    note: str | None = None


def report_request(*, today: dt.date, by: str, progress: str | None = None,
                   status: str | None = None, note: str | None = None, value: str | None = None,
                   date: str | dt.date | None = None, source: str | None = None,
                   ) -> ReportRequest:
    """Parse and check a report's fields from text (every problem at once, as FieldErrors);
    the date defaults to today. `mark` and `intake` both come through here."""
    if progress is None and status is None and note is None and value is None:
        raise UsageError(_("nothing to record: give a progress, a status, a note or a value"))
    problems: list[FieldError] = []

    def checked(parse: Any, *args: Any) -> Any:
        try:
            return parse(*args)
        except FieldError as exc:
            problems.append(exc)
            return None

    day = (date if isinstance(date, dt.date)
           else checked(parse_date, date, today, "date") if date is not None else today)
    if day is not None:
        checked(check_report_date, day, today)
    who = checked(parse_text, by, "by") or ""
    request = ReportRequest(
        date=day or today, by=who,
        source=checked(parse_text, source, "source") or default_source(who, today),
        progress=checked(parse_progress, progress) if progress is not None else None,
        status=checked(parse_status, status),
        value=checked(parse_number, value, "value") if value is not None else None,
        note=checked(parse_text, note, "note"))
    stored = 100 if request.status == "done" and request.progress is None else request.progress
    if not problems:  # (what the fields say together, once each says something readable)
        problems += [FieldError(where, problem) for where, problem in report_problems(
            {"status": request.status, "progress": stored, "note": request.note,
             "value": request.value}, None, "")]
    if problems:
        raise FieldErrors(problems)
    return request


@dataclass(frozen=True)
class MarkResult:
    """A recorded report, and the item's effective state (status, progress) before and
    after it (a plan row that follows its road: the road's)."""

    item_id: str
    title: str
    report: Report
    before: tuple[str, int | None]
    after: tuple[str, int | None]
    latest: dt.date
    unit: str | None = None
    title_en: str | None = None
    reopened: bool = False

    @property
    def is_latest(self) -> bool:
        """False when the report was dated before a later one."""
        return self.report.date >= self.latest


def record_report(registry: Registry, item_text: str, request: ReportRequest,
                  kinds: Sequence[str] = (), *, reopen: bool = False,
                  as_history: bool = False) -> MarkResult:
    """Add a report to an item's history in date order and update its recorded state.

    What the report does to the state is `model.report_effect` (a note alone changes
    nothing). Every problem of the report on this item is raised at once (FieldErrors):
    dated before the item was recorded; a value on an item without a target; progress below
    what was reported by that date without a note saying why; a report that would reopen
    an item that is done or cancelled (its own state or the one it follows) unless
    `reopen`; a report that closes the item, dated before a later report that leaves it
    open, unless `as_history` (it is then kept as history, and the later one decides). The
    same report twice is AlreadyRecorded; a report on an item that records the same event
    as another goes on the other.
    """
    item = resolve(registry.items, item_text, kinds)
    if item.same_as is not None:
        raise UsageError(_("{id} records the same event as {other}; record the report on "
                           "{other}").format(id=item.id, other=item.same_as))
    problems = [FieldError(where, problem) for where, problem in report_problems(
        {"date": request.date, "status": request.status, "progress": request.progress,
         "note": request.note, "value": request.value}, item.created, item.id)
        if where == "date"]
    if request.value is not None and item.target is None:
        problems.append(FieldError("value", _(
            "{id} has no numeric target; a value is for milestones with a target (see "
            "`circletrack edit --target-value`)").format(id=item.id)))
    earlier = [r for r in item.history if r.date <= request.date]
    prior = current_state(earlier)
    status, progress = _stored_state(prior, request)
    if (progress is not None and prior[1] is not None and progress < prior[1]
            and request.note is None):
        problems.append(FieldError("note", _(
            "progress {progress} is below the {prior}% reported as of {date}; a note must "
            "say why").format(progress=progress, prior=prior[1], date=request.date)))
    report = Report(date=request.date, source=request.source, status=status, progress=progress,
                    value=request.value, note=request.note, by=request.by)
    position = max((i + 1 for i, r in enumerate(item.history) if r.date <= report.date),
                   default=0)
    history = (*item.history[:position], report, *item.history[position:])
    by_id = {i.id: i for i in registry.items}
    own_status, own_progress = current_state(history)
    recorded = replace(item, history=history, status=own_status, progress=own_progress)
    before, after = state_of(item, by_id), state_of(recorded, {**by_id, item.id: recorded})
    reopens = not before.is_open and after.is_open
    # (a report refused for its date has no place in the item's story yet)
    dated = not any(p.field == "date" for p in problems)
    if reopens and not reopen and dated:
        problems.append(FieldError("reopen", _(
            "{id} is {state}{via}; this report would reopen it: give --reopen to reopen it "
            "deliberately, or record only a --note").format(
            id=item.id, state=status_label(before.status), via=_via(before))))
    elif reopen and not reopens:
        problems.append(FieldError("reopen", _(
            "{id} is {state}: this report does not reopen it, leave out --reopen").format(
            id=item.id, state=status_label(before.status))))
    if (status in CLOSED_STATUSES and own_status not in CLOSED_STATUSES
            and not as_history and dated):
        later = next(r for r in sorted_history(item.history)
                     if r.date > report.date and changes_state(r))
        problems.append(FieldError("date", _(
            "{id}: this report of {date} ({status}) is older than the report of {later} "
            "({later_status}), which would still decide: date it {later} or later to make "
            "it decide, or give --as-history to keep it as history only").format(
            id=item.id, date=report.date, status=status_label(status), later=later.date,
            later_status=status_label(later.status or current_state(history)[0]))))
    if problems:
        raise FieldErrors(problems)
    if any(_same_report(report, other) for other in item.history):
        raise AlreadyRecorded(_("{id} already has this report of {date} ({status}, {progress}); "
                                "nothing recorded").format(
            id=item.id, date=report.date, status=status_label(status) if status else _("note"),
            progress=f"{progress}%" if progress is not None else _("no progress")), report)
    put(registry, recorded)
    return MarkResult(item.id, item.title, report, (before.status, before.progress),
                      (after.status, after.progress), latest=max(r.date for r in history),
                      unit=item.target.unit if item.target else None, title_en=item.title_en,
                      reopened=reopens)


def put(registry: Registry, item: Item) -> None:
    """Put `item` in the registry in place of the item with its id (items are values: a
    change makes a new one, and the write finds it by comparing with what it read)."""
    registry.items = [item if other.id == item.id else other for other in registry.items]


def _stored_state(prior: tuple[str, int | None], request: ReportRequest,
                  ) -> tuple[str | None, int | None]:
    """The status and progress a report is stored with: what the user gave, the status
    resolved where only a progress was given (so the file says what each report did), and
    nothing for a note or a value alone."""
    if request.status is None and request.progress is None:
        return None, None
    status, _progress = report_effect(prior, request.status, request.progress)
    progress = request.progress if request.progress is not None else (
        100 if status == "done" else None)
    return status, progress


def _via(state: State) -> str:
    """`(via hwy-qianjiang-tongdao, reported 2020-12-28)` for a derived state, else the date."""
    if state.derived:
        return " " + _("(via {items}, reported {date})").format(
            items=", ".join(state.via), date=state.date or _("never"))
    return " " + _("(reported {date})").format(date=state.date) if state.date else ""


def report_key(report: Report) -> tuple[Any, ...]:
    """What makes a report the one it is: its date, status, progress, value and note (who
    typed it in, and where from, do not make it a different report)."""
    return (report.date, report.status, report.progress, report.value, report.note)


def _same_report(new: Report, old: Report) -> bool:
    """The same report (see `report_key`)."""
    return report_key(new) == report_key(old)


# add and edit: item fields


#: The item fields `add` may set (`edit` those with EDIT_ALWAYS), and the target's parts.
ITEM_OPTIONS: tuple[FieldSpec, ...] = tuple(f for f in editable(Item) if f.spec.type != "record")
TARGET_OPTIONS: tuple[FieldSpec, ...] = editable(Target)


@dataclass(frozen=True)
class ItemFields:
    """Item fields from the command line, parsed and keyed by field name. A field not given
    is absent; an empty string or list clears an optional one. `target` holds the parts
    of a milestone's target that were given."""

    values: Mapping[str, Any] = field(default_factory=dict)
    target: Mapping[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when no field was given."""
        return not self.values and not self.target

    def get(self, name: str) -> Any:
        """The parsed value of a field, or None when it was not given."""
        return self.values.get(name)


def _values(values: Iterable[str]) -> tuple[str, ...]:
    """Repeated option values, stripped, blanks left out (so `--lead ""` clears the list)."""
    return tuple(v.strip() for v in values if v.strip())


def _parse_option(f: FieldSpec, text: Any, today: dt.date, name: str) -> Any:
    """One field's text (a list for the repeated ones) as its declared type; errors name
    the field (`name`: target parts are target_value …)."""
    kind = f.spec.type
    if f.spec.repeated:
        return tuple(parse_text(v, name) for v in _values(text))
    if kind == "date":
        return parse_date(text, today, name)
    if kind == "number":
        return parse_number(text, name)
    if kind == "year":
        return parse_year(text, name)
    if kind == "op":
        return parse_choice(text, TARGET_OPS, "operator", name)
    if kind == "category":
        return code_for(text, CATEGORY_LABELS) or text.strip()
    if f.spec.required or name.startswith("target_") or text.strip():
        return parse_text(text, name)
    return ""  # (an optional field given as "" is cleared)


def item_fields(given: Mapping[str, Any], today: dt.date) -> ItemFields:
    """Parse the field options of `add` and `edit`, keyed by field name (the target's parts
    as target_value, target_unit …); an option not given is None or an empty list. Dates
    are read relative to `today`."""
    def chosen(fields_: Sequence[FieldSpec], prefix: str = "") -> dict[str, Any]:
        return {f.name: _parse_option(f, given[prefix + f.name], today, prefix + f.name)
                for f in fields_ if given.get(prefix + f.name) not in (None, [])}

    return ItemFields(chosen(ITEM_OPTIONS), chosen(TARGET_OPTIONS, "target_"))


def _plain_changes(item: Item, values: ItemFields) -> dict[str, Any]:
    """The plain fields that were given and differ from the item's, with their new values.
    `created` and `due` are set by `add_item` and `edit_item` themselves."""
    changed: dict[str, Any] = {}
    for f in ITEM_OPTIONS:
        if f.name not in values.values or f.name in ("created", "due"):
            continue
        value = values.values[f.name]
        new = tuple(value) if f.spec.repeated else (value or None)
        if getattr(item, f.name) != new:
            changed[f.name] = new
    return changed


def _new_target(item: Item, values: ItemFields) -> Target | None:
    """The item's target with the parts given changed (its target when none was given)."""
    given = dict(values.target)
    if not given:
        return item.target
    if item.kind != "milestone":
        raise FieldError("target", _("only milestones carry a target; {id} is a {kind}").format(
            id=item.id, kind=kind_label(item.kind)))
    if item.target is None:
        missing = [f"target_{f.name}" for f in TARGET_OPTIONS
                   if f.spec.required and f.name not in given]
        if missing:
            raise FieldError(missing[0], _("{id} has no target yet; a new one also needs its "
                                           "{parts}").format(
                id=item.id, parts=join(m.removeprefix("target_") for m in missing)))
        return Target(**given)
    return replace(item.target, **given)


def _cite_sources(item: Item) -> Item:
    """The item with the source its deadline rests on among its sources (every source its
    evidence rests on is among them)."""
    if item.deadline_source and item.deadline_source not in item.sources:
        return replace(item, sources=(*item.sources, item.deadline_source))
    return item


def _check_item(registry: Registry, item: Item) -> Item:
    """Checks with a clearer message than the validator's: category, sources, links. The
    item is returned with its deadline's source cited."""
    if item.deadline_source is not None and item.deadline_source not in registry.sources:
        raise FieldError("deadline_source", _("unknown source id {id!r}; the registry has "
                                              "{ids}").format(
            id=item.deadline_source, ids=", ".join(sorted(registry.sources)) or _("none")))
    item = _cite_sources(item)
    allowed = CATEGORIES_BY_KIND[item.kind]
    if item.category is not None and item.category not in allowed:
        raise FieldError("category", _("unknown category {value!r} for a {kind}; use one of "
                                       "{choices}").format(
            value=item.category, kind=kind_label(item.kind),
            choices=join(f"{c} ({category_label(c)})" for c in allowed)))
    for source in item.sources:
        if source not in registry.sources:
            raise FieldError("sources", _("unknown source id {id!r}; the registry has "
                                          "{ids}").format(
                id=source, ids=", ".join(sorted(registry.sources)) or _("none")))
    for name in ("related", "tracks", "starts"):
        for other in getattr(item, name):
            if other == item.id or registry.get(other) is None:
                raise FieldError(name, _("no other item with id {id!r}").format(id=other))
    if item.same_as is not None and (item.same_as == item.id or registry.get(item.same_as) is None):
        raise FieldError("same_as", _("no other item with id {id!r}").format(id=item.same_as))
    return item


def next_id(registry: Registry, kind: str) -> str:
    """The next free generated id for a kind: one more than the highest `<prefix>-<n>` in use."""
    prefix, width = ID_PREFIXES[kind]
    pattern = re.compile(rf"{prefix}-([0-9]+)", re.ASCII)
    numbers = [int(found.group(1)) for item in registry.items
               if (found := pattern.fullmatch(item.id))]
    return f"{prefix}-{max(numbers, default=0) + 1:0{width}d}"


def add_item(registry: Registry, kind: str | None, values: ItemFields, today: dt.date,
             item_id: str | None = None) -> Item:
    """Append a new item (status planned, nothing reported); `created` defaults to today."""
    if kind is None:
        raise FieldError("kind", _("is required: {choices}").format(choices=", ".join(KINDS)))
    kind = code_for(kind, KIND_LABELS) or kind
    parse_choice(kind, KINDS, "kind", "kind")
    if values.get("title") is None:
        raise FieldError("title", _("is required"))
    if item_id is not None:
        item_id = item_id.strip()
        if not ID_PATTERN.match(item_id):
            raise FieldError("item_id", _("{id!r} must be at most 64 lowercase ASCII letters, "
                                          "digits and hyphens, starting with a letter or "
                                          "digit (e.g. coop-32)").format(id=item_id[:80]))
        if registry.get(item_id) is not None:
            raise FieldError("item_id", _("{id!r} is already taken; ids are never "
                                          "reused").format(id=item_id))
    item = Item(id=item_id or next_id(registry, kind), kind=kind, title=values.get("title"),
                created=values.get("created") or today, due=values.get("due"))
    item = replace(item, **_plain_changes(item, values), target=_new_target(item, values))
    item = _check_item(registry, item)
    registry.items.append(item)
    return item


@dataclass(frozen=True)
class EditResult:
    """What `edit` changed: the field names, and the due-date move if there was one."""

    item_id: str
    title: str
    changed: tuple[str, ...]
    due_change: DueChange | None = None
    title_en: str | None = None


def edit_item(registry: Registry, item_text: str, values: ItemFields, *, today: dt.date,
              by: str, reason: str | None = None, kinds: Sequence[str] = ()) -> EditResult:
    """Change an item's fields. Moving `due` needs a reason; the first move keeps the old
    date in `original_due`, and every move is appended to `due_changes`."""
    reason, by = parse_text(reason, "reason"), parse_text(by, "by") or ""
    if reason is not None and values.get("due") is None:
        raise FieldError("reason", _("goes with a new due date (it says why the due date "
                                     "moved)"))
    if values.is_empty():
        raise UsageError(_("nothing to change: give at least one field to set, e.g. a title"))
    if values.get("created") is not None:
        raise FieldError("created", _("cannot be edited: it is the date of the earliest "
                                      "source"))
    found = resolve(registry.items, item_text, kinds)
    changes = _plain_changes(found, values)
    target = _new_target(found, values)
    if target != found.target:
        changes["target"] = target
    move = None
    new_due = values.get("due")
    if new_due is not None and new_due != found.due:
        if reason is None and found.due is not None:
            raise FieldError("reason", _("moving {id}'s due date needs a reason saying "
                                         "why").format(id=found.id))
        if not found.due_changes and found.due is not None:
            changes["original_due"] = found.due
        # (a first due date is recorded too, so --as-of replays it, but it is no move)
        move = DueChange(from_=found.due, to=new_due, date=today,
                         reason=reason or "first due date set", by=by)
        changes.update(due_changes=(*found.due_changes, move), due=new_due)
    item = _check_item(registry, replace(found, **changes))
    put(registry, item)
    changed = tuple(name for name in changes if name not in ("original_due", "due_changes"))
    return EditResult(item.id, item.title, changed, move, title_en=item.title_en)
