"""Commands that change the registry: mark, add, edit, undo.

Every write goes through `storage.update_journaled`: locked, re-read, validated in full,
journaled for `undo`, written to a temporary file, flushed and renamed over the registry.
"""

from __future__ import annotations

import datetime as dt
import shlex
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..base.errors import UsageError
from ..base.i18n import N_, _
from ..model.dates import is_relative
from ..query import filters
from ..storage import current_user, undo, undoable, update_journaled

if TYPE_CHECKING:
    from ..changes.writes import ItemFields

# The renderers, the journal and the write functions are imported inside the commands
# that use them, for start-up speed: `list` or `status` does not pay for loading them.
from .core import RegistryOption, checkout_notice, command, registry_location, warn
from .options import (
    DATE_HELP,
    IdArgument,
    NarrowKindOption,
    complete_ids,
    complete_kinds,
    complete_statuses,
    field_parameters,
    text_option,
    today,
    with_parameters,
)

BY_HELP = N_("Who reports or makes the change. Default: $CIRCLETRACK_USER, else your login "
             "name.")

ByOption = Annotated[Optional[str], typer.Option("--by", help=BY_HELP, show_default=False)]


# mark
ProgressOption = text_option("--progress", "Percentage done, 0–100 (40 or 40%). Without "
                         "--status, 100 means done and 1–99 in progress.", "-p")
StatusOption = text_option("--status", "Status: {statuses}, or its label in either "
                       "language (in progress, 进行中). Default: from --progress; a report "
                       "with neither changes no state.", "-s", complete=complete_statuses)
NoteOption = text_option("--note", "What was reported. Alone, a note changes no state. "
                         "Required when progress goes down.", "-n")
ReopenOption = Annotated[bool, typer.Option(
    "--reopen", help="Let the report reopen an item that is done or cancelled (its own "
                     "state or the one it follows); without it such a report is refused.")]
AsHistoryOption = Annotated[bool, typer.Option(
    "--as-history", help="Keep a report that closes an item, dated before a later report "
                         "that leaves it open, as history: the later one still decides.")]
ValueOption = text_option("--value", "Milestones with a numeric target: the value reached.")
DateOption = text_option("--date", f"When it happened (default today). {DATE_HELP}", "-d")
ReportSourceOption = text_option("--source", "Where it was reported, e.g. '人民网 2019-12-20'. "
                             "Default: 'recorded by NAME with circletrack on YYYY-MM-DD' "
                             "(today).")
# add and edit
KindOption = text_option("--kind", "Required: {kinds}.", "-k", complete=complete_kinds)
IdOption = text_option("--id", "The new item's id. Default: the next free {id_forms} of its "
                         "kind.")
ReasonOption = text_option("--reason", "Why the due date moves; required with --due.")


def _fields(given: dict[str, Any], day: dt.date) -> ItemFields:
    """The item fields among a command's options (see `field_parameters`)."""
    from ..changes.writes import item_fields

    return item_fields(given, day)


def command_label(ctx: typer.Context) -> str:
    """The command as it was run, rebuilt from its parsed options, for the undo journal."""
    words: list[str] = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if param.name == "registry" or value in (None, False, [], ()):
            continue
        if getattr(param, "is_flag", False):
            words.append(param.opts[0])
            continue
        for one in value if isinstance(value, (list, tuple)) else [value]:
            flag = [] if param.param_type_name == "argument" else [param.opts[0]]
            words += [*flag, str(one)]
    return f"{ctx.command_path} {shlex.join(words)}".strip()


@command("mark")
def mark_command(
    ctx: typer.Context,
    items: Annotated[list[str], typer.Argument(
        metavar="ID...", help="One or more ids, unique id prefixes or title fragments: the "
                              "same report is recorded on each, in one write.",
        autocompletion=complete_ids)],
    progress: ProgressOption = None,
    status: StatusOption = None,
    note: NoteOption = None,
    value: ValueOption = None,
    date: DateOption = None,
    by: ByOption = None,
    source: ReportSourceOption = None,
    reopen: ReopenOption = False,
    as_history: AsHistoryOption = False,
    kind: NarrowKindOption = [],
    registry: RegistryOption = None,
) -> None:
    """Record a progress report: append it to each item's history and update its state.

    Example: circletrack mark 杭绍城际 -p 40 --note "主体完工" --source "杭州日报"
    """
    from ..changes.writes import record_report, report_request
    from ..render.messages import mark_message

    who = current_user() if by is None else by
    request = report_request(today=today(), by=who, progress=progress, status=status,
                             note=note, value=value, date=date, source=source)
    kinds = filters.kinds(kind)
    location = registry_location(registry)
    written = update_journaled(
        location, lambda reg: [record_report(reg, text, request, kinds, reopen=reopen,
                                             as_history=as_history) for text in items],
        command_label(ctx))
    for result in written.result:
        typer.echo(mark_message(result, str(location.path)))
    checkout_notice(location)


@command("add")
@with_parameters(field_parameters(on_edit=False))
def add_command(
    ctx: typer.Context,
    kind: KindOption = None,
    item_id: IdOption = None,
    registry: RegistryOption = None,
    **fields: Any,
) -> None:
    """Add a cooperation item, project or milestone (status planned, progress 0).

    Example: circletrack add -k project --title 杭德城际铁路 --category 城际铁路
    """
    from ..changes.writes import add_item
    from ..render.messages import add_message

    day = today()
    values = _fields(fields, day)
    location = registry_location(registry)
    written = update_journaled(location, lambda reg: add_item(reg, kind, values, day, item_id),
                               command_label(ctx))
    typer.echo(add_message(written.result, str(location.path)))
    checkout_notice(location)


@command("edit")
@with_parameters(field_parameters(on_edit=True), before="reason")
def edit_command(
    ctx: typer.Context,
    item: IdArgument,
    reason: ReasonOption = None,
    by: ByOption = None,
    status: Annotated[Optional[str], typer.Option(hidden=True)] = None,
    progress: Annotated[Optional[str], typer.Option(hidden=True)] = None,
    kind: NarrowKindOption = [],
    registry: RegistryOption = None,
    **fields: Any,
) -> None:
    """Change an item's fields; a list option given replaces the whole list ('' clears it).

    Example: circletrack edit coop-05 --due 2012-06-30 --reason "省里延期批复"
    """
    from ..changes.writes import edit_item
    from ..render.messages import earlier_due_warning, edit_message

    if status is not None or progress is not None:
        raise UsageError(_("status and progress change only with reports: use "
                           "`circletrack mark`"))

    day = today()
    values, who = _fields(fields, day), current_user() if by is None else by
    kinds, location = filters.kinds(kind), registry_location(registry)
    written = update_journaled(
        location,
        lambda reg: edit_item(reg, item, values, today=day, by=who, reason=reason, kinds=kinds),
        command_label(ctx))
    due_text = fields.get("due")
    relative = (due_text, day) if isinstance(due_text, str) and is_relative(due_text) else None
    typer.echo(edit_message(written.result, str(location.path), relative))
    warning = earlier_due_warning(written.result)
    if warning is not None and relative is not None:
        warn(warning)
    checkout_notice(location)


@command("undo")
def undo_command(
    show: Annotated[bool, typer.Option("--list", help="List the writes that can be undone, "
                                       "newest first, and change nothing.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Revert the latest mark, add or edit exactly, byte for byte; repeat to go further back.

    Refuses when the registry was changed since by other means. Example: circletrack undo
    """
    from ..render.messages import journal_lines, undo_message

    location = registry_location(registry)
    if show:
        typer.echo("\n".join(journal_lines(undoable(location))))
        return
    typer.echo(undo_message(undo(location), str(location.path)))
