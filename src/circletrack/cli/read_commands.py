"""Read commands: list, show, status, timeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..dates import parse_date
from ..errors import UsageError
from ..i18n import _
from ..model import Registry
from ..query import registry_as_of, report_log, resolve, select, sort_items
from ..store import load
from .app import RegistryOption, command, out_console, registry_location
from .options import (
    DATE_HELP,
    AsOfOption,
    CategoryOption,
    CityOption,
    DueAfterOption,
    DueBeforeOption,
    IdArgument,
    KindOption,
    NoColorOption,
    SearchOption,
    StatusOption,
    TagOption,
    UnitOption,
    build_criteria,
    check_choices,
    complete_formats,
    complete_ids,
    optional_date,
    stdout_is_terminal,
    text_option,
    today,
)

LIST_FORMATS = ("table", "json", "csv", "md")
TERMINAL_ROW_LIMIT = 50


def load_as_of(registry: Path | None, as_of: str | None) -> tuple[Registry, dt.date]:
    """The registry at --registry (or the default) and the as-of date (default today)."""
    reference = today()
    day = parse_date(as_of, reference, "--as-of") if as_of is not None else reference
    return load(registry_location(registry)), day


def emit(text: str | bytes) -> None:
    """Write a machine format to stdout unchanged (bytes keep their BOM)."""
    stream = typer.get_binary_stream("stdout")
    stream.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    stream.flush()


@command("list")
def list_command(
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    due_before: DueBeforeOption = None, due_after: DueAfterOption = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only items past due.")] = False,
    stale: Annotated[Optional[int], typer.Option(
        "--stale", metavar="DAYS", help="Only open items with no report for DAYS days.",
        show_default=False)] = None,
    search: SearchOption = [],
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include done and cancelled items.")]
    = False,
    sort: Annotated[Optional[str], typer.Option(
        "--sort", help="due, progress, id, title, updated or status; -FIELD reverses.",
        show_default=False)] = None,
    limit: Annotated[Optional[int], typer.Option(
        "--limit", "-n", help="At most N rows; 0 for all. Default: 50 in a terminal, "
                              "all when piped or in a machine format.", show_default=False)]
    = None,
    format_: Annotated[str, typer.Option("--format", "-f", help="table, json, csv or md.",
                                         autocompletion=complete_formats(*LIST_FORMATS))]
    = "table",
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """List items, open ones by default, filtered and sorted.

    Example: circletrack list --kind cooperation --unit 市交通局 --sort due
    """
    (format_,) = check_choices([format_], LIST_FORMATS, "--format")
    data, day = load_as_of(registry, as_of)
    criteria = build_criteria(kind=kind, category=category, status=status, unit=unit,
                              city=city, tag=tag, due_before=due_before, due_after=due_after,
                              search=search, reference=day, overdue=overdue, stale=stale,
                              include_closed=all_)
    items = sort_items(select(data.items, criteria, day), sort)
    if limit is not None and limit < 0:
        raise UsageError(_("{option}: must be 0 or more").format(option="--limit"))
    if limit is None and format_ == "table" and stdout_is_terminal():
        limit = TERMINAL_ROW_LIMIT
    from ..render.listing import render_list

    console = out_console(no_color)
    output = render_list(items, day, format_, limit or None, console.width)
    if isinstance(output, (str, bytes)):
        emit(output)
    else:
        console.print(output)


@command("show")
def show_command(
    item_id: IdArgument,
    format_: Annotated[str, typer.Option("--format", "-f", help="table or json.",
                                         autocompletion=complete_formats("table", "json"))]
    = "table",
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Show one item: every field and fact, its due date, progress and dated history.

    Example: circletrack show 杭绍城际
    """
    (format_,) = check_choices([format_], ("table", "json"), "--format")
    data, day = load_as_of(registry, as_of)
    item = resolve(registry_as_of(data.items, day), item_id)
    if format_ == "json":
        import json

        from ..render.fields import item_json

        emit(json.dumps(item_json(item, day), ensure_ascii=False, indent=2) + "\n")
        return
    from ..render.detail import item_detail

    out_console(no_color).print(item_detail(item, data, day))


@command("status")
def status_command(
    stale_days: Annotated[int, typer.Option("--stale-days", help="Days without a report "
                                                                 "that make an item stale.")]
    = 90,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """The dashboard: counts by status, progress by category, overdue, targets, latest reports.

    Example: circletrack status --as-of 2019-12-31
    """
    from ..dashboard import dashboard
    from ..render.dashboard import dashboard_view

    data, day = load_as_of(registry, as_of)
    console = out_console(no_color)
    console.print(dashboard_view(dashboard(registry_as_of(data.items, day), day, stale_days),
                                 console.width))


@command("timeline")
def timeline_command(
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    search: SearchOption = [],
    start: Annotated[str, typer.Option("--from", help="First date shown.")] = "2011-01-01",
    end: Annotated[str, typer.Option("--to", help="Last date shown.")] = "2035-12-31",
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Due dates, milestones and reports on a time axis (2011–2035 by default).

    Every item is shown, open or closed, filtered like `list`.
    Example: circletrack timeline --kind milestone --from 2018 --to 2025
    """
    from ..render.timeline import timeline_view
    from ..timeline import timeline_events

    data, day = load_as_of(registry, as_of)
    first, last = parse_date(start, day, "--from"), parse_date(end, day, "--to")
    if first > last:
        raise UsageError(_("--from must not be after --to"))
    criteria = build_criteria(kind=kind, category=category, status=status, unit=unit, city=city,
                              tag=tag, due_before=None, due_after=None, search=search,
                              reference=day, include_closed=True)
    events = timeline_events(select(data.items, criteria, day), first, last)
    console = out_console(no_color)
    console.print(timeline_view(events, first, last, console.width))


# log
SinceOption = text_option("--since", f"Only reports dated on or after this date. {DATE_HELP}")
ByFilterOption = text_option("--by", "Only reports by someone whose name contains this text.")
LimitOption = text_option("--limit", "Show at most this many reports (default: all).", "-n")
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table or json.",
                                           autocompletion=complete_formats("table", "json"))]
LogItemArgument = Annotated[Optional[str], typer.Argument(
    metavar="[ID]", help="Only this item (id, id prefix or title fragment).", show_default=False,
    autocompletion=complete_ids)]


@command("log")
def log_command(
    item: LogItemArgument = None,
    since: SinceOption = None,
    by: ByFilterOption = None,
    limit: LimitOption = None,
    output_format: FormatOption = "table",
    no_color: NoColorOption = False,
    registry: RegistryOption = None,
) -> None:
    """The recorded progress reports across the registry, newest first.

    Example: circletrack log --since 2019-01-01 --limit 10
    """
    from ..render.history import log_json, log_table
    from ..writes import parse_count

    check_choices([output_format], ("table", "json"), "--format")
    items = load(registry_location(registry)).items
    entries = report_log(items, item=resolve(items, item) if item is not None else None,
                         since=optional_date(since, "--since", today()), by=by,
                         limit=parse_count(limit, "--limit") if limit is not None else None)
    if output_format == "json":
        typer.echo(log_json(entries), nl=False)
    else:
        console = out_console(no_color)
        console.print(log_table(entries, console.width))
