"""Options shared by the commands that filter items (list, overdue, timeline, export …)."""

from __future__ import annotations

import datetime as dt
import inspect
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..base.cells import fold
from ..base.errors import UsageError
from ..base.i18n import _
from ..model.dates import ACCEPTED_FORMS, parse_date
from ..model.records import (
    EDIT_ALWAYS,
    KINDS,
    STATUSES,
    Item,
    Registry,
    TooManyDigits,
    editable,
    whole_number,
)
from ..query import filters
from ..query.completion import (
    category_choices,
    city_choices,
    id_choices,
    tag_choices,
    unit_choices,
)
from ..query.select import Criteria, registry_as_of, resolve
from ..storage import load, load_around, locate

DATE_HELP = f"Accepts {ACCEPTED_FORMS}."
Completion = Optional[Callable[..., Any]]


def text_option(flag: str, help_text: str, *more: str, complete: Completion = None) -> Any:
    """An optional text option (parsed by the library, so errors name the option)."""
    return Annotated[Optional[str], typer.Option(flag, *more, help=help_text, show_default=False,
                                                 autocompletion=complete)]


def _registry_for_completion(ctx: typer.Context) -> Registry | None:
    """The registry the command line names (or the default one); None if it cannot be read."""
    try:
        return load(locate(ctx.params.get("registry")))
    except Exception:  # noqa: BLE001 - completion must never fail the shell
        return None


def _from_registry(choices: Callable[[Registry], Sequence[str | tuple[str, str]]]) -> Callable[
        [typer.Context, str], list[str | tuple[str, str]]]:
    def complete(ctx: typer.Context, incomplete: str) -> list[str | tuple[str, str]]:
        registry = _registry_for_completion(ctx)
        if registry is None:
            return []
        values = choices(registry)
        return [v for v in values if (v[0] if isinstance(v, tuple) else v).startswith(incomplete)]

    return complete


def _static(values: Sequence[str]) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete)]

    return complete


complete_ids = _from_registry(id_choices)
complete_units = _from_registry(unit_choices)
complete_categories = _from_registry(category_choices)
complete_cities = _from_registry(city_choices)
complete_tags = _from_registry(tag_choices)
complete_kinds = _static(KINDS)
complete_statuses = _static(STATUSES)


def complete_formats(*formats: str) -> Callable[[str], list[str]]:
    """Completion for a --format option with these values."""
    return _static(formats)


def complete_command_formats(ctx: typer.Context, incomplete: str) -> list[str]:
    """Completion for the --format option of whichever command is being completed."""
    from ..render import COMMAND_FORMATS

    name = ctx.command.name if ctx.command is not None else None
    return [f for f in COMMAND_FORMATS.get(name or "", ()) if f.startswith(incomplete)]

IdArgument = Annotated[str, typer.Argument(
    metavar="ID", help="An id, a unique id prefix, or a fragment of the title.",
    autocompletion=complete_ids)]
KindOption = Annotated[list[str], typer.Option(
    "--kind", "-k", help="cooperation, project or milestone (repeatable).",
    show_default=False, autocompletion=complete_kinds)]
CategoryOption = Annotated[list[str], typer.Option(
    "--category", "-c", help="Category, e.g. 交通共联 or intercity_rail (repeatable).",
    show_default=False, autocompletion=complete_categories)]
StatusOption = Annotated[list[str], typer.Option(
    "--status", "-s", help="Status: {statuses} (repeatable).", show_default=False,
    autocompletion=complete_statuses)]
UnitOption = Annotated[list[str], typer.Option(
    "--unit", "-u", help="Lead or supporting unit; a fragment matches (repeatable).",
    show_default=False, autocompletion=complete_units)]
CityOption = Annotated[list[str], typer.Option(
    "--city", help="City or county; a fragment matches (repeatable).", show_default=False,
    autocompletion=complete_cities)]
TagOption = Annotated[list[str], typer.Option(
    "--tag", "-t", help="Tag (repeatable).", show_default=False, autocompletion=complete_tags)]
DueBeforeOption = Annotated[Optional[str], typer.Option(
    "--due-before", help=f"Due strictly before this date. {DATE_HELP}", show_default=False)]
DueAfterOption = Annotated[Optional[str], typer.Option(
    "--due-after", help=f"Due strictly after this date. {DATE_HELP}", show_default=False)]
SearchOption = Annotated[list[str], typer.Option(
    "--search", "-q", help="Text in the title, content, units or notes (repeatable).",
    show_default=False)]
AsOfOption = Annotated[Optional[str], typer.Option(
    "--as-of", help=f"See the registry as it stood on this date (default today). {DATE_HELP}",
    show_default=False)]
SortOption = Annotated[Optional[str], typer.Option(
    "--sort", help="due, progress, id, title, updated or status; -FIELD reverses.",
    show_default=False)]
LimitOption = Annotated[Optional[str], typer.Option(
    "--limit", "-n", metavar="N", help="At most N rows; 0 for all. Default: 50 in a terminal, "
                                       "all when piped or in a machine format.",
    show_default=False)]
NarrowKindOption = Annotated[list[str], typer.Option(
    "--kind", "-k", help="Look for the item among this kind only (repeatable): cooperation, "
                         "project or milestone.", show_default=False,
    autocompletion=complete_kinds)]
NoColorOption = Annotated[bool, typer.Option(
    "--no-color", help="No colour (also when NO_COLOR is set or output is not a terminal).")]


def today() -> dt.date:
    """The local date: the one place the CLI reads the clock."""
    return dt.date.today()


def load_as_of(registry: Path | None, as_of: str | None) -> tuple[Registry, dt.date]:
    """The registry at --registry (or the default) and the as-of date (default today)."""
    return load(locate(registry)), as_of_day(as_of)


def as_of_day(as_of: str | None) -> dt.date:
    """The --as-of date, default today."""
    reference = today()
    return parse_date(as_of, reference, "as_of") if as_of is not None else reference


def load_item(registry: Path | None, as_of: str | None, text: str, kinds: Sequence[str],
              ) -> tuple[Registry, dt.date, Item]:
    """The item `text` finds (see query.resolve) as of --as-of, and the registry its view
    reads. When `text` is exactly one item's id, the index gives just the part of the
    registry that view needs (storage.load_around: a few rows instead of every item);
    anything else (a title, a prefix, --kind, an item not yet recorded on that day) is
    found in the whole registry, as before."""
    day = as_of_day(as_of)
    location = locate(registry)
    part = load_around(location, fold(text)) if not kinds else None
    if part is not None:
        found = [i for i in registry_as_of(part.items, day) if fold(i.id) == fold(text)]
        if len(found) == 1:
            return part, day, found[0]
    data = load(location)
    return data, day, resolve(registry_as_of(data.items, day), text, kinds)


def optional_date(text: str | None, field: str, reference: dt.date) -> dt.date | None:
    """Parse a date option (named by its parameter), or None when it was not given."""
    return parse_date(text, reference, field) if text is not None else None


def check_choices(values: list[str], allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    """Values of a choice option, or a UsageError naming the bad one and the choices."""
    for value in values:
        if value not in allowed:
            raise UsageError(_("{option}: unknown value {value!r}; use one of {choices}").format(
                option=option, value=value, choices=", ".join(allowed)))
    return tuple(values)


# Value checks: the one place the command line's numbers are held to their ranges.


def count(text: str | int | None, option: str) -> int | None:
    """A count of days or rows typed on the command line: a whole number, 0 or more (None
    passes). Counts are read here, not by Click, so the error is in plain words."""
    if text is None or isinstance(text, int):
        value = text
    else:
        try:
            value = whole_number(text)
        except TooManyDigits as exc:
            raise UsageError(_("{option}: {message}").format(option=option,
                                                            message=exc)) from None
        if value is None:
            raise UsageError(_("{option}: {value!r} is not a whole number").format(
                option=option, value=text))
    if value is not None and value < 0:
        raise UsageError(_("{option}: must be 0 or more").format(option=option))
    return value


def row_limit(text: str | None, machine: bool) -> int | None:
    """--limit: 0 means all; not given means 50 rows for a table in a terminal, all otherwise
    (a pipe, a file, a machine format)."""
    value = count(text, "--limit")
    if value is None:
        return TERMINAL_ROW_LIMIT if not machine and stdout_is_terminal() else None
    return value or None


TERMINAL_ROW_LIMIT = 50

#: The shared filter options, by parameter name: every command that filters items declares
#: these (those it offers) with the Annotated types above, and `criteria_from` reads them.
FILTER_PARAMETERS: tuple[str, ...] = ("kind", "category", "status", "unit", "city", "tag",
                                      "due_before", "due_after", "search")


def criteria_from(params: Mapping[str, Any], items: Sequence[Item], reference: dt.date,
                  **fixed: Any) -> Criteria:
    """The criteria a command's filter options give (see FILTER_PARAMETERS), each value
    checked against what the registry knows; `fixed` sets the rest (overdue=True …).
    Dates are read relative to `reference`."""
    def given(name: str) -> list[str]:
        return list(params.get(name) or [])

    return Criteria(
        kinds=filters.kinds(given("kind")), categories=filters.categories(given("category")),
        statuses=filters.statuses(given("status")), units=filters.units(given("unit"), items),
        cities=filters.cities(given("city"), items), tags=filters.tags(given("tag"), items),
        due_before=optional_date(params.get("due_before"), "due_before", reference),
        due_after=optional_date(params.get("due_after"), "due_after", reference),
        search=tuple(given("search")), **fixed)


def stdout_is_terminal() -> bool:
    """True when stdout is an interactive terminal (not a pipe or a file)."""
    return sys.stdout.isatty()


def color_disabled(no_color: bool) -> bool:
    """--no-color, or NO_COLOR set to a non-empty value (https://no-color.org)."""
    return no_color or bool(os.environ.get("NO_COLOR"))


#: Completion for the item fields whose values come from the registry.
FIELD_COMPLETION: dict[str, Callable[..., list[str | tuple[str, str]]]] = {
    "category": complete_categories, "lead": complete_units, "support": complete_units,
    "cities": complete_cities, "tags": complete_tags, "related": complete_ids,
}


def field_parameters(on_edit: bool) -> list[inspect.Parameter]:
    """The options of `add` (or, `on_edit`, of `edit`) for the item fields, derived from
    their declarations in model.Item: one option per field, repeatable for lists, and
    --target-* for the parts of a target. Each parameter is named after its field
    (target_value …), as `writes.item_fields` expects them."""
    parameters = []
    for f in editable(Item):
        parts = ([(f"{f.name}_{p.name}", p) for p in editable(f.spec.record)]
                 if f.spec.type == "record" else [(f.name, f)])
        for name, part in parts:
            if on_edit and part.spec.edit != EDIT_ALWAYS:
                continue
            help_text = part.spec.help + (f" {DATE_HELP}" if part.spec.type == "date" else "")
            option = typer.Option(part.option, help=help_text, show_default=False,
                                  autocompletion=FIELD_COMPLETION.get(name))
            annotation: Any = (Annotated[list[str], option] if part.spec.repeated
                               else Annotated[Optional[str], option])
            parameters.append(inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                default=[] if part.spec.repeated else None))
    return parameters


def with_parameters(extra: Sequence[inspect.Parameter], before: str = "registry") -> Callable[
        [Callable[..., Any]], Callable[..., Any]]:
    """Give a command function more options: `extra` are inserted into its signature (which
    Typer reads) before the parameter named `before`; the function takes them in **kwargs."""
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
               for p in inspect.signature(func, eval_str=True).parameters.values()
               if p.kind != inspect.Parameter.VAR_KEYWORD]
        at = next(i for i, p in enumerate(own) if p.name == before)
        func.__signature__ = inspect.Signature([*own[:at], *extra, *own[at:]])  # type: ignore[attr-defined]
        func.__annotations__ = {p.name: p.annotation for p in func.__signature__.parameters.values()}  # type: ignore[attr-defined]
        return func

    return decorate
