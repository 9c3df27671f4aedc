"""Report commands for the coordination office: overdue, stale, slips, export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ..fileio import write_file
from ..i18n import _
from ..listings import (
    check_group_by,
    export_listing,
    overdue_listing,
    slips_listing,
    stale_listing,
)
from .app import RegistryOption, command, err_console, out_console
from .options import (
    AsOfOption,
    CategoryOption,
    CityOption,
    DueAfterOption,
    DueBeforeOption,
    KindOption,
    NoColorOption,
    SearchOption,
    StatusOption,
    TagOption,
    UnitOption,
    build_criteria,
    check_choices,
)
from .read_commands import emit, load_as_of

#: The format `--output FILE` implies when --format is not given.
SUFFIX_FORMATS: dict[str, str] = {".csv": "csv", ".json": "json", ".md": "md",
                                  ".markdown": "md", ".ics": "ics"}

FormatOption = Annotated[Optional[str], typer.Option(
    "--format", "-f", show_default=False,
    help="Output format. Default: from the --output file's suffix (.csv .json .md .ics), "
         "else the table.")]
OutputOption = Annotated[Optional[Path], typer.Option(
    "--output", "-o", dir_okay=False, show_default=False,
    help="Write to this file (atomically) instead of stdout; refuses to replace an existing "
         "file without --force.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Let --output replace a file.")]
GroupByOption = Annotated[Optional[str], typer.Option(
    "--group-by", "-g", show_default=False,
    help="unit, category or city: one section per group, largest first. An item with "
         "several lead units (or cities) appears under each.")]


def choose_format(format_: str | None, output: Path | None, allowed: tuple[str, ...],
                  default: str = "table") -> str:
    """--format, else the format the --output suffix implies, else `default`; checked."""
    if format_ is None and output is not None:
        format_ = SUFFIX_FORMATS.get(output.suffix.lower())
        if format_ is None and default == "table":
            raise UsageError(_("--output: cannot tell the format from {name!r}; add --format "
                               "({choices})").format(
                name=output.name, choices=", ".join(f for f in allowed if f != "table")))
    (chosen,) = check_choices([format_ or default], allowed, "--format")
    if chosen == "table" and output is not None:
        raise UsageError(_("--output: the table is for the terminal; choose --format "
                           "{choices}").format(
            choices=", ".join(f for f in allowed if f != "table")))
    return chosen


def write_output(path: Path, data: bytes, force: bool) -> None:
    """Write a report file atomically; never replace an existing file unless forced."""
    if path.is_dir():
        raise UsageError(_("--output: {path} is a folder; name a file").format(path=path))
    write_file(path, data, replace=force)


def deliver(rendered: object, output: Path | None, force: bool, no_color: bool) -> None:
    """Print a rendered report, or write it to --output and say so on stderr."""
    if output is None:
        if isinstance(rendered, (str, bytes)):
            emit(rendered)
        else:
            out_console(no_color).print(rendered)
        return
    if not isinstance(rendered, (str, bytes)):
        raise UsageError(_("--output: the table is for the terminal; choose another --format"))
    write_output(output, rendered if isinstance(rendered, bytes) else rendered.encode(), force)
    err_console().print(_("wrote {path}").format(path=output), markup=False, soft_wrap=True)


@command("overdue")
def overdue_command(
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    due_before: DueBeforeOption = None, due_after: DueAfterOption = None,
    search: SearchOption = [], group_by: GroupByOption = None,
    format_: FormatOption = None, output: OutputOption = None, force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Open items past their due date, most overdue first: one list per unit, ready to send.

    Formats: table, csv (Excel), json, md (chat, wiki), ics (calendar).
    Example: circletrack overdue --group-by unit --format csv --output overdue.csv
    """
    from ..render.listings import OVERDUE_FORMATS, render_overdue

    fmt, group = choose_format(format_, output, OVERDUE_FORMATS), check_group_by(group_by)
    data, day = load_as_of(registry, as_of)
    criteria = build_criteria(kind=kind, category=category, status=status, unit=unit,
                              city=city, tag=tag, due_before=due_before, due_after=due_after,
                              search=search, reference=day)
    deliver(render_overdue(overdue_listing(data.items, criteria, day, group), fmt), output,
            force, no_color)


@command("stale")
def stale_command(
    days: Annotated[int, typer.Option("--days", "-d", help="Days without a report that make "
                                                           "an open item stale.")] = 90,
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    due_before: DueBeforeOption = None, due_after: DueAfterOption = None,
    search: SearchOption = [],
    format_: FormatOption = None, output: OutputOption = None, force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Open items with no progress report for --days days, longest silence first.

    An item never reported on counts from the day it was recorded.

    Example: circletrack stale --days 365 --kind project
    """
    from ..render.listings import STALE_FORMATS, render_stale

    fmt = choose_format(format_, output, STALE_FORMATS)
    data, day = load_as_of(registry, as_of)
    criteria = build_criteria(kind=kind, category=category, status=status, unit=unit,
                              city=city, tag=tag, due_before=due_before, due_after=due_after,
                              search=search, reference=day)
    deliver(render_stale(stale_listing(data.items, criteria, day, days), days, fmt), output,
            force, no_color)


@command("slips")
def slips_command(
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    search: SearchOption = [],
    format_: FormatOption = None, output: OutputOption = None, force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Items whose due date was moved: first and current due, days slipped, the reasons.

    Most slipped first; done and cancelled items are included (use --status to narrow).

    Example: circletrack slips --format md
    """
    from ..render.listings import SLIPS_FORMATS, render_slips

    fmt = choose_format(format_, output, SLIPS_FORMATS)
    data, day = load_as_of(registry, as_of)
    criteria = build_criteria(kind=kind, category=category, status=status, unit=unit,
                              city=city, tag=tag, due_before=None, due_after=None,
                              search=search, reference=day)
    deliver(render_slips(slips_listing(data.items, criteria, day), fmt), output, force,
            no_color)


@command("export")
def export_command(
    format_: Annotated[Optional[str], typer.Option(
        "--format", "-f", show_default=False,
        help="json (default; every field and the full history), csv, md, ics, or "
             "taskwarrior (`task import` JSON of the open items). Default with --output: from "
             "the file's suffix.")] = None,
    output: OutputOption = None, force: ForceOption = False,
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", show_default=False,
        help="Export the registry as it stood on this date (reports and due-date moves "
             "after it left out). Default: everything, overdue flags as of today.")] = None,
    registry: RegistryOption = None,
) -> None:
    """The whole registry, closed items included, for other tools or an archive.

    Example: circletrack export --format csv --output registry.csv
    """
    from ..render.listings import EXPORT_FORMATS, render_export

    fmt = choose_format(format_, output, EXPORT_FORMATS, default="json")
    data, day = load_as_of(registry, as_of)
    deliver(render_export(export_listing(data.items, day, replay=as_of is not None), fmt),
            output, force, no_color=True)
