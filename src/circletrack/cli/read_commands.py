"""Read commands: show, status, timeline, log."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..base.errors import UsageError
from ..base.i18n import _
from ..model.dates import parse_date
from ..query import filters
from ..query.select import registry_as_of, report_log, resolve, select
from ..render import LOG_FORMATS, SHOW_FORMATS
from .core import RegistryOption, command, output_width
from .options import (
    DATE_HELP,
    AsOfOption,
    CategoryOption,
    CityOption,
    IdArgument,
    KindOption,
    LimitOption,
    NarrowKindOption,
    NoColorOption,
    SearchOption,
    StatusOption,
    TagOption,
    UnitOption,
    check_choices,
    complete_formats,
    complete_ids,
    count,
    criteria_from,
    load_as_of,
    load_item,
    optional_date,
    row_limit,
    text_option,
)
from .output import JsonOption, deliver, json_fields

# The renderers (and Rich with them) are imported inside the commands that use them, for
# start-up speed: a command pays only for what it prints.

def _format_option(formats: tuple[str, ...]) -> object:
    return Annotated[str, typer.Option("--format", "-f", help=", ".join(formats) + ".",
                                       autocompletion=complete_formats(*formats))]


FullOption = Annotated[bool, typer.Option(
    "--full", help="Show long notes whole (tables cut them at 400 characters).")]


@command("show")
def show_command(
    item_id: IdArgument,
    kind: NarrowKindOption = [],
    full: FullOption = False,
    format_: _format_option(SHOW_FORMATS) = "table",  # type: ignore[valid-type]
    json_: JsonOption = None,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Show one item: every field and fact, its state and where it comes from, its due date,
    the dated history and the passages it quotes.

    Example: circletrack show 杭绍城际
    """
    (format_,) = check_choices([format_], SHOW_FORMATS, "--format")
    fields = json_fields(json_, format_)
    format_ = "json" if fields else format_
    data, day, item = load_item(registry, as_of, item_id, filters.kinds(kind))
    if format_ == "json":
        import json

        from ..render.fields import item_json

        deliver(json.dumps(item_json(item, day), ensure_ascii=False, indent=2) + "\n",
                fields=fields)
        return
    from ..render.detail import item_detail

    deliver(item_detail(item, data, day, full), no_color=no_color)


@command("status")
def status_command(
    stale_days: Annotated[str, typer.Option("--stale-days", metavar="N",
                                            help="Days without a report that make an item "
                                                 "stale.")] = "90",
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """The dashboard: counts by status, progress by plan heading and by mode, overdue,
    targets, latest reports.

    Example: circletrack status --as-of 2019-12-31
    """
    from ..query.dashboard import dashboard
    from ..render.dashboard import dashboard_view

    quiet_days = count(stale_days, "--stale-days") or 0
    data, day = load_as_of(registry, as_of)
    width = output_width(no_color)
    deliver(dashboard_view(dashboard(registry_as_of(data.items, day), day, quiet_days), width),
            no_color=no_color)


@command("timeline")
def timeline_command(
    ctx: typer.Context,
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    search: SearchOption = [],
    start: Annotated[str, typer.Option("--from", metavar="DATE", help="First date shown.")]
    = "2011-01-01",
    end: Annotated[str, typer.Option("--to", metavar="DATE", help="Last date shown.")]
    = "2035-12-31",
    gantt: Annotated[bool, typer.Option(
        "--gantt", help="A Gantt chart instead: one row per item, its bar from its first "
                        "dated evidence to its done or due date.")] = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Due dates, milestones and reports on a time axis (2011–2035 by default).

    Every item is shown, open or closed, filtered like `list`; --gantt draws a bar per
    item instead. Example: circletrack timeline --kind milestone --from 2018 --to 2025
    """
    data, day = load_as_of(registry, as_of)
    first, last = parse_date(start, day, "start"), parse_date(end, day, "end")
    if first > last:
        raise UsageError(_("--from must not be after --to"))
    criteria = criteria_from(ctx.params, data.items, day, include_closed=True)
    chosen = select(data.items, criteria, day)
    width = output_width(no_color)
    if gantt:
        from ..office.gantt import gantt_groups
        from ..render.gantt_text import gantt_view

        rendered = gantt_view(gantt_groups(chosen, day, first, last), first, last, day, width)
    else:
        from ..query.timeline import timeline_events
        from ..render.timeline import timeline_view

        rendered = timeline_view(timeline_events(chosen, first, last), first, last, width)
    deliver(rendered, no_color=no_color)


LogSortOption = Annotated[Optional[str], typer.Option(
    "--sort", metavar="FIELD", show_default=False,
    help="date (newest first by default), id, title, by, progress or status; -FIELD "
         "reverses.")]
LogItemArgument = Annotated[Optional[str], typer.Argument(
    metavar="[ID]", help="Only this item (id, id prefix or title fragment).", show_default=False,
    autocompletion=complete_ids)]


@command("log")
def log_command(
    item: LogItemArgument = None,
    kind: NarrowKindOption = [],
    since: text_option("--since",  # type: ignore[valid-type]
                       f"Only reports dated on or after this date. {DATE_HELP}") = None,
    by: text_option("--by",  # type: ignore[valid-type]
                    "Only reports by someone whose name contains this text.") = None,
    sort: LogSortOption = None, limit: LimitOption = None, full: FullOption = False,
    output_format: _format_option(LOG_FORMATS) = "table",  # type: ignore[valid-type]
    json_: JsonOption = None,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """The recorded progress reports across the registry, newest first.

    Example: circletrack log --since 2019-01-01 --limit 10
    """
    from ..render.history import log_json, log_table

    check_choices([output_format], LOG_FORMATS, "--format")
    fields = json_fields(json_, output_format)
    output_format = "json" if fields else output_format
    data, day = load_as_of(registry, as_of)
    items = registry_as_of(data.items, day)
    chosen = resolve(items, item, filters.kinds(kind)) if item is not None else None
    entries = report_log(items, item=chosen, since=optional_date(since, "since", day), by=by,
                         limit=row_limit(limit, machine=output_format != "table"), sort=sort)
    if output_format == "json":
        deliver(log_json(entries), fields=fields)
    else:
        deliver(log_table(entries, output_width(no_color), full), no_color=no_color)
