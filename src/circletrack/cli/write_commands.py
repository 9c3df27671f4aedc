"""Commands that change the registry: mark, add, edit, undo.

Every write goes through `store.update_journaled`: locked, re-read, validated in full,
journaled for `undo`, written to a temporary file, flushed and renamed over the registry.
"""

from __future__ import annotations

import datetime as dt
import shlex
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..errors import UsageError
from ..i18n import _
from ..model import ID_PREFIXES, KINDS, STATUSES, TARGET_OPS
from ..store import current_user, update_journaled

if TYPE_CHECKING:
    from ..writes import ItemFields

# The renderers, the journal and the write functions are imported inside the commands
# that use them, so that `list` or `status` does not pay for loading them.
from .app import RegistryOption, command, registry_location
from .options import (
    DATE_HELP,
    IdArgument,
    complete_categories,
    complete_cities,
    complete_ids,
    complete_kinds,
    complete_statuses,
    complete_tags,
    complete_units,
    repeated_option,
    text_option,
    today,
)

BY_HELP = "Who reports or makes the change. Default: $CIRCLETRACK_USER, else your login name."

ByOption = Annotated[Optional[str], typer.Option("--by", help=BY_HELP, show_default=False)]


# The item field options shared by add and edit; the parameter names are item_fields' keywords.
TitleOption = text_option("--title", "The title as the source writes it.")
TitleEnOption = text_option("--title-en", "An English title.")
CategoryOption = text_option("--category", "Category: a 2011 plan category such as 交通共联 for "
                         "cooperation items, intercity_rail, highway … for projects, "
                         "meeting, event or target for milestones.",
                         complete=complete_categories)
ContentOption = text_option("--content", "The content text (项目内容) or a description.")
RequirementOption = text_option("--requirement", "The requirement text (进度要求), verbatim.")
ReadingOption = text_option("--reading", "How an ambiguous source was read.")
LeadOption = repeated_option("--lead", "A lead responsible unit (牵头单位)", complete_units)
SupportOption = repeated_option("--support", "A supporting unit (配合单位)", complete_units)
CityOption = repeated_option("--city", "A city or county concerned", complete_cities)
TagOption = repeated_option("--tag", "A free tag", complete_tags)
SourceIdOption = repeated_option("--source",
                           "A source id from the registry's [sources], e.g. plan-2011")
RelatedOption = repeated_option("--related", "The id of another item about the same work", complete_ids)
DueOption = text_option("--due", f"The due date. {DATE_HELP}")
TargetValueOption = text_option("--target-value", "Milestones: the target's number, e.g. 700.")
TargetUnitOption = text_option("--target-unit", "Milestones: the target's unit as written, e.g. 公里.")
TargetYearOption = text_option("--target-year", "Milestones: the year the target is for.")
TargetOpOption = text_option("--target-op", f"Milestones: {' '.join(TARGET_OPS)} (default >=).")
# mark
ProgressOption = text_option("--progress", "Percentage done, 0–100 (40 or 40%). Without "
                         "--status, 100 means done and 1–99 in_progress.", "-p")
StatusOption = text_option("--status", f"Status: {', '.join(STATUSES)}. Default: from --progress, "
                       "else the item's status on the report's date.", "-s",
                       complete=complete_statuses)
NoteOption = text_option("--note", "What was reported. Required when progress goes down.", "-n")
ValueOption = text_option("--value", "Milestones with a numeric target: the value reached.")
DateOption = text_option("--date", f"When it happened (default today). {DATE_HELP}", "-d")
ReportSourceOption = text_option("--source", "Where it was reported, e.g. '人民网 2019-12-20'. "
                             "Default: 'recorded by NAME with circletrack on YYYY-MM-DD' "
                             "(today).")
# add and edit
KindOption = text_option("--kind", f"Required: {', '.join(KINDS)}.", "-k", complete=complete_kinds)
IdOption = text_option("--id", "The new item's id. Default: the next free "
                   f"{', '.join(f'{p}-' + 'N' * n for p, n in ID_PREFIXES.values())} of its kind.")
CreatedOption = text_option("--created", f"When the item entered the record (default today). "
                        f"{DATE_HELP}")
ReasonOption = text_option("--reason", "Why the due date moves; required with --due.")
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
    from ..render.messages import mark_message
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
    from ..render.messages import add_message
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
    from ..render.messages import edit_message
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
    from ..render.messages import journal_lines, undo_message
    from ..store import undo

    location = registry_location(registry)
    if show:
        typer.echo("\n".join(journal_lines(journal.entries(location.path))))
        return
    typer.echo(undo_message(undo(location)))
