"""Commands that change the registry (mark, add, edit, undo), and the log of reports.

Every write goes through `store.update_journaled`: locked, re-read, validated in full,
journaled for `undo`, written to a temporary file, flushed and renamed over the registry.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..dates import ACCEPTED_FORMS
from ..errors import UsageError
from ..i18n import _
from ..model import ID_PREFIXES, KINDS, STATUSES, TARGET_OPS
from ..query import resolve
from ..store import current_user, load, update_journaled

if TYPE_CHECKING:
    from ..writes import ItemFields

# The renderers, the journal and the write functions are imported inside the commands
# that use them, so that `list` or `status` does not pay for loading them.
from .app import RegistryOption, command, out_console, registry_location
from .options import (
    IdArgument,
    NoColorOption,
    check_choices,
    complete_categories,
    complete_cities,
    complete_formats,
    complete_ids,
    complete_kinds,
    complete_statuses,
    complete_tags,
    complete_units,
    optional_date,
    today,
)

DATE_FORMS = f"Accepts {ACCEPTED_FORMS}."
BY_HELP = "Who reports or makes the change. Default: $CIRCLETRACK_USER, else your login name."

ByOption = Annotated[Optional[str], typer.Option("--by", help=BY_HELP, show_default=False)]
Completion = Optional[Callable[..., Any]]


def _option(flag: str, help_text: str, *more: str, complete: Completion = None) -> Any:
    return Annotated[Optional[str], typer.Option(flag, *more, help=help_text, show_default=False,
                                                 autocompletion=complete)]


def _repeated(flag: str, help_text: str, complete: Completion = None) -> Any:
    return Annotated[list[str], typer.Option(flag, help=f"{help_text} (repeatable).",
                                             show_default=False, autocompletion=complete)]


# The item field options shared by add and edit; the parameter names are item_fields' keywords.
TitleOption = _option("--title", "The title as the source writes it.")
TitleEnOption = _option("--title-en", "An English title.")
CategoryOption = _option("--category", "Category: a 2011 plan category such as 交通共联 for "
                         "cooperation items, intercity_rail, highway … for projects, "
                         "meeting, event or target for milestones.",
                         complete=complete_categories)
ContentOption = _option("--content", "The content text (项目内容) or a description.")
RequirementOption = _option("--requirement", "The requirement text (进度要求), verbatim.")
ReadingOption = _option("--reading", "How an ambiguous source was read.")
LeadOption = _repeated("--lead", "A lead responsible unit (牵头单位)", complete_units)
SupportOption = _repeated("--support", "A supporting unit (配合单位)", complete_units)
CityOption = _repeated("--city", "A city or county concerned", complete_cities)
TagOption = _repeated("--tag", "A free tag", complete_tags)
SourceIdOption = _repeated("--source",
                           "A source id from the registry's [sources], e.g. plan-2011")
RelatedOption = _repeated("--related", "The id of another item about the same work", complete_ids)
DueOption = _option("--due", f"The due date. {DATE_FORMS}")
TargetValueOption = _option("--target-value", "Milestones: the target's number, e.g. 700.")
TargetUnitOption = _option("--target-unit", "Milestones: the target's unit as written, e.g. 公里.")
TargetYearOption = _option("--target-year", "Milestones: the year the target is for.")
TargetOpOption = _option("--target-op", f"Milestones: {' '.join(TARGET_OPS)} (default >=).")
# mark
ProgressOption = _option("--progress", "Percentage done, 0–100 (40 or 40%). Without "
                         "--status, 100 means done and 1–99 in_progress.", "-p")
StatusOption = _option("--status", f"Status: {', '.join(STATUSES)}. Default: from --progress, "
                       "else the item's status on the report's date.", "-s",
                       complete=complete_statuses)
NoteOption = _option("--note", "What was reported. Required when progress goes down.", "-n")
ValueOption = _option("--value", "Milestones with a numeric target: the value reached.")
DateOption = _option("--date", f"When it happened (default today). {DATE_FORMS}", "-d")
ReportSourceOption = _option("--source", "Where it was reported, e.g. '人民网 2019-12-20'. "
                             "Default: 'recorded by NAME with circletrack on YYYY-MM-DD' "
                             "(today).")
# add and edit
KindOption = _option("--kind", f"Required: {', '.join(KINDS)}.", "-k", complete=complete_kinds)
IdOption = _option("--id", "The new item's id. Default: the next free "
                   f"{', '.join(f'{p}-' + 'N' * n for p, n in ID_PREFIXES.values())} of its kind.")
CreatedOption = _option("--created", f"When the item entered the record (default today). "
                        f"{DATE_FORMS}")
ReasonOption = _option("--reason", "Why the due date moves; required with --due.")
# log
SinceOption = _option("--since", f"Only reports dated on or after this date. {DATE_FORMS}")
ByFilterOption = _option("--by", "Only reports by someone whose name contains this text.")
LimitOption = _option("--limit", "Show at most this many reports (default: all).", "-n")
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table or json.",
                                           autocompletion=complete_formats("table", "json"))]
LogItemArgument = Annotated[Optional[str], typer.Argument(
    metavar="[ID]", help="Only this item (id, id prefix or title fragment).", show_default=False,
    autocompletion=complete_ids)]

FIELD_NAMES = ("title", "title_en", "category", "content", "requirement", "reading", "lead",
               "support", "cities", "tags", "sources", "related", "due", "created",
               "target_value", "target_unit", "target_year", "target_op")


def _fields(ctx: typer.Context, day: dt.date) -> ItemFields:
    """The item fields among the command's options; a repeatable option not given is None."""
    from ..writes import item_fields

    given = {name: ctx.params.get(name) for name in FIELD_NAMES}
    return item_fields(today=day, **{k: (v or None) if isinstance(v, list) else v
                                     for k, v in given.items()})


def command_label(ctx: typer.Context) -> str:
    """The command as it was run, rebuilt from its parsed options, for the undo journal."""
    words: list[str] = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if param.name == "registry" or value in (None, False, []):
            continue
        for one in value if isinstance(value, list) else [value]:
            flag = [] if param.param_type_name == "argument" else [param.opts[0]]
            words += [*flag, str(one)]
    return f"{ctx.command_path} {shlex.join(words)}".strip()


@command("mark")
def mark_command(
    ctx: typer.Context,
    item: IdArgument,
    progress: ProgressOption = None,
    status: StatusOption = None,
    note: NoteOption = None,
    value: ValueOption = None,
    date: DateOption = None,
    by: ByOption = None,
    source: ReportSourceOption = None,
    registry: RegistryOption = None,
) -> None:
    """Record a progress report: append it to the item's history and update its state.

    Example: circletrack mark rail-hangshao --progress 40 --note "主体完工" --source "杭州日报 2024-05-01"
    """
    from ..render.log import mark_message
    from ..writes import record_report, report_request

    who = current_user() if by is None else by
    request = report_request(today=today(), by=who, progress=progress, status=status,
                             note=note, value=value, date=date, source=source)
    written = update_journaled(registry_location(registry),
                               lambda reg: record_report(reg, item, request), command_label(ctx))
    typer.echo(mark_message(written.result))


@command("add")
def add_command(
    ctx: typer.Context,
    kind: KindOption = None,
    title: TitleOption = None,
    category: CategoryOption = None,
    lead: LeadOption = [],  # noqa: B006  (Typer reads the default; it is never mutated)
    support: SupportOption = [],  # noqa: B006
    cities: CityOption = [],  # noqa: B006
    due: DueOption = None,
    requirement: RequirementOption = None,
    tags: TagOption = [],  # noqa: B006
    item_id: IdOption = None,
    content: ContentOption = None,
    created: CreatedOption = None,
    sources: SourceIdOption = [],  # noqa: B006
    title_en: TitleEnOption = None,
    reading: ReadingOption = None,
    related: RelatedOption = [],  # noqa: B006
    target_value: TargetValueOption = None,
    target_unit: TargetUnitOption = None,
    target_year: TargetYearOption = None,
    target_op: TargetOpOption = None,
    registry: RegistryOption = None,
) -> None:
    """Add a cooperation item, project or milestone (status planned, progress 0).

    Example: circletrack add --kind project --title "杭德城际铁路" --category intercity_rail --due 2026-12-31
    """
    from ..render.log import add_message
    from ..writes import add_item

    day = today()
    values = _fields(ctx, day)
    written = update_journaled(registry_location(registry),
                               lambda reg: add_item(reg, kind, values, day, item_id),
                               command_label(ctx))
    typer.echo(add_message(written.result))


@command("edit")
def edit_command(
    ctx: typer.Context,
    item: IdArgument,
    title: TitleOption = None,
    title_en: TitleEnOption = None,
    category: CategoryOption = None,
    content: ContentOption = None,
    lead: LeadOption = [],  # noqa: B006
    support: SupportOption = [],  # noqa: B006
    cities: CityOption = [],  # noqa: B006
    requirement: RequirementOption = None,
    tags: TagOption = [],  # noqa: B006
    due: DueOption = None,
    reason: ReasonOption = None,
    reading: ReadingOption = None,
    sources: SourceIdOption = [],  # noqa: B006
    related: RelatedOption = [],  # noqa: B006
    target_value: TargetValueOption = None,
    target_unit: TargetUnitOption = None,
    target_year: TargetYearOption = None,
    target_op: TargetOpOption = None,
    by: ByOption = None,
    status: Annotated[Optional[str], typer.Option(hidden=True)] = None,
    progress: Annotated[Optional[str], typer.Option(hidden=True)] = None,
    registry: RegistryOption = None,
) -> None:
    """Change an item's fields; a list option given replaces the whole list ('' clears it).

    Example: circletrack edit coop-05 --due 2012-06-30 --reason "省里延期批复"
    """
    from ..render.log import edit_message
    from ..writes import edit_item

    if status is not None or progress is not None:
        raise UsageError(_("status and progress change only with reports: use "
                           "`circletrack mark`"))
    day = today()
    values, who = _fields(ctx, day), current_user() if by is None else by
    written = update_journaled(
        registry_location(registry),
        lambda reg: edit_item(reg, item, values, today=day, by=who, reason=reason),
        command_label(ctx))
    typer.echo(edit_message(written.result))


@command("undo")
def undo_command(
    show: Annotated[bool, typer.Option("--list", help="List the writes that can be undone, "
                                       "newest first, and change nothing.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Revert the latest mark, add or edit exactly, byte for byte; repeat to go further back.

    Refuses when the registry was changed since by other means. Example: circletrack undo
    """
    from .. import journal
    from ..render.log import journal_lines, undo_message
    from ..store import undo

    location = registry_location(registry)
    if show:
        typer.echo("\n".join(journal_lines(journal.entries(location.path))))
        return
    typer.echo(undo_message(undo(location)))


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
    from ..render.log import log_json, log_table
    from ..writes import parse_count, report_log

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
