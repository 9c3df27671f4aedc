"""Options shared by the commands that filter items (list, overdue, timeline, export …)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import Annotated, Optional

import typer

from ..dates import ACCEPTED_FORMS, parse_date
from ..errors import UsageError
from ..model import STATUSES
from ..query import Criteria

DATE_HELP = f"Accepts {ACCEPTED_FORMS}."

KindOption = Annotated[list[str], typer.Option(
    "--kind", "-k", help="cooperation, project or milestone (repeatable).",
    show_default=False)]
CategoryOption = Annotated[list[str], typer.Option(
    "--category", "-c", help="Category, e.g. 交通共联 or intercity_rail (repeatable).",
    show_default=False)]
StatusOption = Annotated[list[str], typer.Option(
    "--status", "-s", help=f"Status: {', '.join(STATUSES)} (repeatable).", show_default=False)]
UnitOption = Annotated[list[str], typer.Option(
    "--unit", "-u", help="Lead or supporting unit; a fragment matches (repeatable).",
    show_default=False)]
CityOption = Annotated[list[str], typer.Option(
    "--city", help="City or county; a fragment matches (repeatable).", show_default=False)]
TagOption = Annotated[list[str], typer.Option(
    "--tag", "-t", help="Tag (repeatable).", show_default=False)]
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
NoColorOption = Annotated[bool, typer.Option(
    "--no-color", help="No colour (also when NO_COLOR is set or output is not a terminal).")]


def today() -> dt.date:
    """The local date: the one place the CLI reads the clock."""
    return dt.date.today()


def optional_date(text: str | None, option: str, reference: dt.date) -> dt.date | None:
    """Parse a date option, or None when it was not given."""
    return parse_date(text, reference, option) if text is not None else None


def check_choices(values: list[str], allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    """Values of a choice option, or a UsageError naming the bad one and the choices."""
    for value in values:
        if value not in allowed:
            raise UsageError(f"{option}: unknown value {value!r}; use one of {', '.join(allowed)}")
    return tuple(values)


def build_criteria(*, kind: list[str], category: list[str], status: list[str],
                   unit: list[str], city: list[str], tag: list[str], due_before: str | None,
                   due_after: str | None, search: list[str], reference: dt.date,
                   overdue: bool = False, stale: int | None = None,
                   include_closed: bool = False) -> Criteria:
    """Criteria from the shared filter options; dates are read relative to `reference`."""
    from ..model import KINDS

    if stale is not None and stale < 0:
        raise UsageError("--stale: days must be 0 or more")
    return Criteria(
        kinds=check_choices(kind, KINDS, "--kind"),
        categories=tuple(category),
        statuses=check_choices(status, STATUSES, "--status"),
        units=tuple(unit), cities=tuple(city), tags=tuple(tag),
        due_before=optional_date(due_before, "--due-before", reference),
        due_after=optional_date(due_after, "--due-after", reference),
        overdue=overdue, stale_days=stale, search=tuple(search),
        include_closed=include_closed,
    )


def stdout_is_terminal() -> bool:
    """True when stdout is an interactive terminal (not a pipe or a file)."""
    return sys.stdout.isatty()


def color_disabled(no_color: bool) -> bool:
    """--no-color, or NO_COLOR set to a non-empty value (https://no-color.org)."""
    return no_color or bool(os.environ.get("NO_COLOR"))
