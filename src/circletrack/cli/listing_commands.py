"""The listings: list, overdue, stale, slips, export (and the scorecard).

Each is a selection, an order and a view (query/listings.py, render/listing_views.py), and
each takes the same --format, --json, --output, --sort and --limit, read here once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..base.errors import UsageError
from ..base.i18n import _
from ..model.records import CLOSED_STATUSES
from ..query.listings import (
    Order,
    check_group_by,
    export_listing,
    list_listing,
    overdue_listing,
    slips_listing,
    stale_listing,
)
from ..render import (
    EXPORT_FORMATS,
    LIST_FORMATS,
    OVERDUE_FORMATS,
    SCORECARD_FORMATS,
    SLIPS_FORMATS,
    STALE_FORMATS,
)
from .core import RegistryOption, command, output_width
from .options import (
    AsOfOption,
    CategoryOption,
    CityOption,
    DueAfterOption,
    DueBeforeOption,
    KindOption,
    LimitOption,
    NoColorOption,
    SearchOption,
    SortOption,
    StatusOption,
    TagOption,
    UnitOption,
    complete_command_formats,
    count,
    criteria_from,
    load_as_of,
    optional_date,
    row_limit,
    stdout_is_terminal,
)
from .output import (
    ForceOption,
    FormatOption,
    JsonOption,
    OutputOption,
    choose_format,
    deliver,
    json_fields,
)

# The renderers are imported inside the commands that use them, for start-up speed: each
# command pays only for its own formats (icalendar for ics).

GroupByOption = Annotated[Optional[str], typer.Option(
    "--group-by", "-g", show_default=False,
    help="unit, category or city: one section per group, largest first. An item with "
         "several lead units (or cities) appears under each.")]
OpenStatusOption = Annotated[list[str], typer.Option(
    "--status", "-s", help="planned, in_progress or blocked (repeatable); done and cancelled "
                           "items are never overdue.", show_default=False)]


StaleStatusOption = Annotated[list[str], typer.Option(
    "--status", "-s", help="planned, in_progress or blocked (repeatable); done and cancelled "
                           "items are never stale.", show_default=False)]


def _open_only(statuses: list[str], message: str) -> None:
    """Refuse a closed status where only open items can be listed (overdue, stale)."""
    closed = [s for s in statuses if s in CLOSED_STATUSES]
    if closed:
        raise UsageError(message.format(status=closed[0]))


def _order(sort: str | None, limit: str | None, fmt: str) -> Order:
    """--sort and --limit: the same for every listing (a table in a terminal shows 50 rows
    unless told otherwise, every other output all)."""
    return Order(sort, row_limit(limit, machine=fmt != "table"))


def _format(command_name: str, format_: str | None, json_: str | None, output: Path | None,
            allowed: tuple[str, ...], default: str = "table") -> tuple[str, list[str] | None]:
    """--format, --json and --output read the same way by every listing: the format (from
    --json, --format, the --output suffix, else `default`) and the --json fields. A
    workbook is refused on a terminal."""
    fields = json_fields(json_, format_)
    fmt = choose_format("json" if fields else format_, output, allowed, default=default)
    if fmt == "xlsx" and output is None and stdout_is_terminal():
        raise UsageError(_("--format xlsx: a workbook is not for the terminal; name a file "
                           "with --output, e.g. -o {name}.xlsx").format(name=command_name))
    return fmt, fields


@command("list")
def list_command(
    ctx: typer.Context,
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    due_before: DueBeforeOption = None, due_after: DueAfterOption = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only items past due.")] = False,
    stale: Annotated[Optional[str], typer.Option(
        "--stale", metavar="DAYS", help="Only open items with no report for DAYS days.",
        show_default=False)] = None,
    search: SearchOption = [],
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include done and cancelled items.")]
    = False,
    sort: SortOption = None, limit: LimitOption = None,
    format_: FormatOption = None, json_: JsonOption = None, output: OutputOption = None,
    force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """List items, open ones by default, filtered and sorted.

    Formats: table, csv, xlsx (a workbook), json, md (chat, wiki), ics (calendar), also
    from the --output suffix.
    Example: circletrack list --kind cooperation --unit 市交通局 --sort due
    """
    from ..render.listing_views import render_list

    fmt, fields = _format("list", format_, json_, output, LIST_FORMATS)
    data, day = load_as_of(registry, as_of)
    criteria = criteria_from(ctx.params, data.items, day, overdue=overdue,
                             stale_days=count(stale, "--stale"), include_closed=all_)
    listing = list_listing(data.items, criteria, day, _order(sort, limit, fmt))
    width = output_width(no_color) if fmt == "table" else 80
    deliver(render_list(listing, fmt, width), output, force, no_color, fields)


@command("overdue")
def overdue_command(
    ctx: typer.Context,
    kind: KindOption = [], category: CategoryOption = [], status: OpenStatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    due_before: DueBeforeOption = None, due_after: DueAfterOption = None,
    search: SearchOption = [], group_by: GroupByOption = None,
    sort: SortOption = None, limit: LimitOption = None,
    format_: FormatOption = None, json_: JsonOption = None, output: OutputOption = None,
    force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Open items past their due date, most overdue first: one list per unit, ready to send.

    An item that tracks others is overdue only while its effective state is open: a plan
    row whose road is finished is not on the list. Formats: table, csv, xlsx (a
    workbook), json, md (chat, wiki), ics (calendar).
    Example: circletrack overdue --group-by unit --format csv --output overdue.csv
    """
    from ..render.listing_views import render_overdue

    fmt, fields = _format("overdue", format_, json_, output, OVERDUE_FORMATS)
    group = check_group_by(group_by)
    data, day = load_as_of(registry, as_of)
    criteria = criteria_from(ctx.params, data.items, day)
    _open_only(criteria.statuses, _("--status: {status} items are never overdue; use "
                                    "planned, in_progress or blocked"))
    listing = overdue_listing(data.items, criteria, day, group, _order(sort, limit, fmt))
    deliver(render_overdue(listing, fmt), output, force, no_color, fields)


@command("stale")
def stale_command(
    ctx: typer.Context,
    days: Annotated[str, typer.Option("--days", "-d", metavar="N",
                                      help="Days without a report that make an open item "
                                           "stale.")] = "90",
    kind: KindOption = [], category: CategoryOption = [], status: StaleStatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    due_before: DueBeforeOption = None, due_after: DueAfterOption = None,
    search: SearchOption = [], sort: SortOption = None, limit: LimitOption = None,
    format_: FormatOption = None, json_: JsonOption = None, output: OutputOption = None,
    force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Open items with no progress report for --days days, longest silence first.

    An item never reported on counts from the day it was recorded; one that follows the
    items it tracks counts from their latest report.

    Example: circletrack stale --days 365 --kind project
    """
    from ..render.listing_views import render_stale

    fmt, fields = _format("stale", format_, json_, output, STALE_FORMATS)
    quiet_days = count(days, "--days") or 0
    data, day = load_as_of(registry, as_of)
    criteria = criteria_from(ctx.params, data.items, day)
    _open_only(criteria.statuses, _("--status: {status} items are never stale; use "
                                    "planned, in_progress or blocked"))
    listing = stale_listing(data.items, criteria, day, quiet_days, _order(sort, limit, fmt))
    deliver(render_stale(listing, quiet_days, fmt), output, force, no_color, fields)


@command("slips")
def slips_command(
    ctx: typer.Context,
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    search: SearchOption = [], sort: SortOption = None, limit: LimitOption = None,
    format_: FormatOption = None, json_: JsonOption = None, output: OutputOption = None,
    force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Items whose due date was moved: first and current due, days slipped, the reasons.

    Most slipped first; done and cancelled items are included (use --status to narrow).

    Example: circletrack slips --format md
    """
    from ..render.listing_views import render_slips

    fmt, fields = _format("slips", format_, json_, output, SLIPS_FORMATS)
    data, day = load_as_of(registry, as_of)
    criteria = criteria_from(ctx.params, data.items, day)
    deliver(render_slips(slips_listing(data.items, criteria, day, _order(sort, limit, fmt)),
                         fmt), output, force, no_color, fields)


@command("export")
def export_command(
    format_: Annotated[Optional[str], typer.Option(
        "--format", "-f", show_default=False,
        help="json (default; every field and the full history), csv, xlsx, md, ics, or "
             "taskwarrior (`task import` JSON of the open items). Default with --output: from "
             "the file's suffix.")] = None,
    json_: JsonOption = None, output: OutputOption = None, force: ForceOption = False,
    sort: SortOption = None, limit: LimitOption = None,
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", show_default=False,
        help="Export the registry as it stood on this date (reports and due-date moves "
             "after it left out). Default: everything, overdue flags as of today.")] = None,
    registry: RegistryOption = None,
) -> None:
    """The whole registry, closed items included, for other tools or an archive.

    Example: circletrack export --format csv --output registry.csv
    """
    from ..render.listing_views import render_export

    fmt, fields = _format("export", format_, json_, output, EXPORT_FORMATS, default="json")
    data, day = load_as_of(registry, as_of)
    listing = export_listing(data.items, day, replay=as_of is not None,
                             order=_order(sort, limit, fmt))
    deliver(render_export(listing, fmt), output, force, no_color=True, fields=fields)


ScorecardFormatOption = Annotated[Optional[str], typer.Option(
    "--format", "-f", show_default=False, autocompletion=complete_command_formats,
    help="table, csv, json, md or xlsx. Default: from the --output file's suffix (.csv "
         ".json .md .xlsx), else the table.")]
ScorecardJsonOption = Annotated[Optional[str], typer.Option(
    "--json", metavar="FIELD,...", show_default=False,
    help="JSON with only these figures of each unit, e.g. unit,lead,overdue (implies "
         "--format json); a figure that does not exist is named with those there are.")]


@command("scorecard")
def scorecard_command(
    unit: UnitOption = [],
    start: Annotated[Optional[str], typer.Option(
        "--from", metavar="DATE", show_default=False,
        help="First day of the period (default: 1 January of the as-of date's year).")]
    = None,
    end: Annotated[Optional[str], typer.Option(
        "--to", metavar="DATE", show_default=False,
        help="Last day of the period (default: 31 December of the as-of date's year).")]
    = None,
    within: Annotated[str, typer.Option(
        "--within", "-w", metavar="DAYS",
        help="Due soon: open and due within DAYS days of the as-of date.")] = "30",
    format_: ScorecardFormatOption = None, json_: ScorecardJsonOption = None,
    output: OutputOption = None, force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """检查考核: a row per responsible unit, what it leads and supports in a period.

    Lead items, done (on time, late), overdue, due soon, never reported, the median days
    overdue, the last report, and the forms sent and returned, as of any date; the units
    that need attention first.
    Formats: table, csv, json, md, xlsx (also from the --output suffix).
    Example: circletrack scorecard --from 2011-01-01 --to 2011-12-31 -o scorecard.xlsx
    """
    from ..office.scorecard import unit_scorecard
    from ..render.scorecard import render_scorecard

    fields = json_fields(json_, format_)
    implied = "xlsx" if format_ is None and output is not None and \
        output.suffix.lower() == ".xlsx" else format_
    fmt = choose_format("json" if fields else implied, output, SCORECARD_FORMATS)
    days = count(within, "--within") or 0
    data, day = load_as_of(registry, as_of)
    first, last = optional_date(start, "start", day), optional_date(end, "end", day)
    card = unit_scorecard(data.items, day, first, last, units=unit, within=days,
                          forms=data.forms)
    deliver(render_scorecard(card, fmt, fields), output, force, no_color)
