"""A benchmark app shaped like circletrack's CLI (src/circletrack/cli/*.py), for timing Typer.

Same shape as circletrack: a TyperGroup subclass (cls=) overriding main() to turn usage
errors into one line, a callback with an eager --version and an eager --lang (callback,
metavar, autocompletion), rich_markup_mode="rich", pretty_exceptions_enable=False,
-h/--help, and the same 18 commands with the same parameters (Annotated list[str]
repeatable options, Optional[str], Optional[int], Optional[Path] with dir_okay=False, bool
flags, autocompletion callbacks with and without ctx, arguments with metavars, hidden
options, ctx: typer.Context). Every command does trivial work: it prints one line, so a
run measures Typer's start-up (import, building the click command, parsing), not
circletrack. The exception is `status --table`, which prints a 30-row Rich table like
circletrack's read commands (the floor of bench/floor.py).

Run it as `python run.py CMD ...` (run.py imports this module, so its bytecode is cached,
as for an installed console script) or directly as `python app.py CMD ...`.

Portable across Typer 0.12 … 0.29: the only version-dependent part is the class of the
usage errors main() catches (typer.TyperException from 0.27; the vendored click's
ClickException in 0.26; click's ClickException before).
"""

from __future__ import annotations

import gc
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from typer.core import TyperGroup

if hasattr(typer, "TyperException"):  # Typer >= 0.27
    UsageErrorBase: type = typer.TyperException
    ERROR_API = "typer.TyperException"
else:
    try:  # Typer 0.26: vendored click, no TyperException yet
        from typer._click.exceptions import ClickException as UsageErrorBase  # type: ignore
        ERROR_API = "typer._click.exceptions.ClickException"
    except ImportError:  # Typer <= 0.25: click is a dependency
        from click.exceptions import ClickException as UsageErrorBase  # type: ignore
        ERROR_API = "click.ClickException"

__version__ = "0.1.0"
LANGUAGES = ("zh", "en")
KINDS = ("cooperation", "project", "milestone")
STATUSES = ("planned", "in_progress", "done", "blocked", "cancelled", "unknown")
IDS = ("coop-01", "coop-02", "prj-0001", "prj-0002", "ms-001")
UNITS = ("市交通局", "市发改委", "市地铁集团", "市规划局")
CITIES = ("杭州", "湖州", "嘉兴", "绍兴", "衢州", "黄山")
CATEGORIES = ("交通共联", "intercity_rail", "highway", "meeting", "event", "target")
TAGS = ("rail", "water", "tourism")
ACCEPTED_FORMS = "YYYY-MM-DD, YYYY-MM, YYYY, today, -30d, +2w"
DATE_HELP = f"Accepts {ACCEPTED_FORMS}."


class OneLineErrorGroup(TyperGroup):
    """Click's own errors (bad option, missing argument) as one line on stderr."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        try:
            result = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                  standalone_mode=False,
                                  windows_expand_args=windows_expand_args, **extra)
        except UsageErrorBase as exc:
            ctx = getattr(exc, "ctx", None)
            hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
            typer.echo("Error: " + one_line(usage_message(exc)) + hint, err=True)
            result = getattr(exc, "exit_code", 1)
        except typer.Abort:
            typer.echo("Aborted.", err=True)
            result = 1
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


_NO_SUCH_COMMAND = re.compile(
    r"^No such command (?P<name>'[^']*')\.(?: Did you mean (?P<near>.*)\?)?$", re.S)
_EXTRA_ARGUMENTS = re.compile(r"^Got unexpected extra argument\(s\) \((?P<args>.*)\)$", re.S)
_NEEDS_VALUE = re.compile(r"^Option (?P<option>'[^']*') requires an argument\.$", re.S)


def usage_message(exc: Any) -> str:
    """circletrack's usage_message, without the translations."""
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    message = exc.message
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None) or (_error_hint(param, getattr(exc, "ctx", None))
                                                if param is not None else None)
    if "NoSuchOption" in kinds:
        text = f"No such option: {getattr(exc, 'option_name', '')}"
        possibilities = getattr(exc, "possibilities", None)
        if possibilities:
            text += f" (Possible options: {', '.join(sorted(possibilities))})"
        return text
    if "MissingParameter" in kinds:
        kind = getattr(exc, "param_type", None) or getattr(param, "param_type_name", None)
        if not message and isinstance(hint, str) and kind in ("option", "argument"):
            return f"Missing {kind} {hint}."
    elif isinstance(exc, typer.BadParameter) and isinstance(hint, str):
        return f"Invalid value for {hint}: {message}"
    elif found := _NO_SUCH_COMMAND.match(message):
        near = f" Did you mean {found['near']}?" if found["near"] else ""
        return f"No such command {found['name']}.{near}"
    elif found := _NEEDS_VALUE.match(message):
        return f"Option {found['option']} requires an argument."
    elif found := _EXTRA_ARGUMENTS.match(message):
        return f"Got unexpected extra argument(s) ({found['args']})"
    return exc.format_message()


def _error_hint(param: Any, ctx: Any) -> Any:
    try:  # Typer 0.29's vendored click: get_error_hint(self)
        return param.get_error_hint()
    except TypeError:  # click 8: get_error_hint(self, ctx)
        return param.get_error_hint(ctx) if ctx is not None else None


def one_line(message: str) -> str:
    return " ".join(message.split())


app = typer.Typer(
    cls=OneLineErrorGroup,
    name="ctbench",
    help="Track the Hangzhou metropolitan circle's cooperation items, projects and milestones.",
    invoke_without_command=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


# --- completion callbacks: static ones (incomplete only) and "registry" ones (ctx, incomplete)
def _static(values: tuple[str, ...]) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete)]
    return complete


def _from_registry(values: tuple[str, ...]) -> Callable[[typer.Context, str], list[str]]:
    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        _ = ctx.params.get("registry")
        return [v for v in values if v.startswith(incomplete)]
    return complete


complete_ids = _from_registry(IDS)
complete_units = _from_registry(UNITS)
complete_categories = _from_registry(CATEGORIES)
complete_cities = _from_registry(CITIES)
complete_tags = _from_registry(TAGS)
complete_kinds = _static(KINDS)
complete_statuses = _static(STATUSES)


def complete_formats(*formats: str) -> Callable[[str], list[str]]:
    return _static(formats)


RegistryOption = Annotated[Optional[Path], typer.Option(
    "--registry", "-r",
    help="Registry file to use. Default: $CIRCLETRACK_REGISTRY, else data/projects.toml "
         "of the circletrack checkout you are in, else the bundled copy.",
    show_default=False, dir_okay=False)]
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
    "--status", "-s", help=f"Status: {', '.join(STATUSES)} (repeatable).", show_default=False,
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
NoColorOption = Annotated[bool, typer.Option(
    "--no-color", help="No colour (also when NO_COLOR is set or output is not a terminal).")]
ListFormatOption = Annotated[str, typer.Option(
    "--format", "-f", help="table, json, csv or md.",
    autocompletion=complete_formats("table", "json", "csv", "md"))]
TableJsonFormat = Annotated[str, typer.Option(
    "--format", "-f", help="table or json.", autocompletion=complete_formats("table", "json"))]
ReportFormatOption = Annotated[Optional[str], typer.Option(
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
    help="unit, category or city: one section per group, largest first.")]


def _opt(flag: str, help_text: str, *more: str, complete: Any = None) -> Any:
    return Annotated[Optional[str], typer.Option(flag, *more, help=help_text, show_default=False,
                                                 autocompletion=complete)]


def _rep(flag: str, help_text: str, complete: Any = None) -> Any:
    return Annotated[list[str], typer.Option(flag, help=f"{help_text} (repeatable).",
                                             show_default=False, autocompletion=complete)]


TitleOpt = _opt("--title", "The title as the source writes it.")
TitleEnOpt = _opt("--title-en", "An English title.")
CategoryOpt = _opt("--category", "Category: a 2011 plan category.", complete=complete_categories)
ContentOpt = _opt("--content", "The content text (项目内容) or a description.")
RequirementOpt = _opt("--requirement", "The requirement text (进度要求), verbatim.")
ReadingOpt = _opt("--reading", "How an ambiguous source was read.")
LeadOpt = _rep("--lead", "A lead responsible unit (牵头单位)", complete_units)
SupportOpt = _rep("--support", "A supporting unit (配合单位)", complete_units)
CitiesOpt = _rep("--city", "A city or county concerned", complete_cities)
TagsOpt = _rep("--tag", "A free tag", complete_tags)
SourcesOpt = _rep("--source", "A source id from the registry's [sources], e.g. plan-2011")
RelatedOpt = _rep("--related", "The id of another item about the same work", complete_ids)
DueOpt = _opt("--due", f"The due date. {DATE_HELP}")
TargetValueOpt = _opt("--target-value", "Milestones: the target's number, e.g. 700.")
TargetUnitOpt = _opt("--target-unit", "Milestones: the target's unit as written, e.g. 公里.")
TargetYearOpt = _opt("--target-year", "Milestones: the year the target is for.")
TargetOpOpt = _opt("--target-op", "Milestones: >= <= = (default >=).")
ProgressOpt = _opt("--progress", "Percentage done, 0–100.", "-p")
MarkStatusOpt = _opt("--status", f"Status: {', '.join(STATUSES)}.", "-s",
                     complete=complete_statuses)
NoteOpt = _opt("--note", "What was reported.", "-n")
ValueOpt = _opt("--value", "Milestones with a numeric target: the value reached.")
DateOpt = _opt("--date", f"When it happened (default today). {DATE_HELP}", "-d")
ReportSourceOpt = _opt("--source", "Where it was reported, e.g. '人民网 2019-12-20'.")
AddKindOpt = _opt("--kind", f"Required: {', '.join(KINDS)}.", "-k", complete=complete_kinds)
IdOpt = _opt("--id", "The new item's id. Default: the next free id of its kind.")
CreatedOpt = _opt("--created", f"When the item entered the record. {DATE_HELP}")
ReasonOpt = _opt("--reason", "Why the due date moves; required with --due.")
ByOpt = _opt("--by", "Who reports or makes the change.")
SinceOpt = _opt("--since", f"Only reports dated on or after this date. {DATE_HELP}")
ByFilterOpt = _opt("--by", "Only reports by someone whose name contains this text.")
LimitOpt = _opt("--limit", "Show at most this many reports (default: all).", "-n")
LogItemArgument = Annotated[Optional[str], typer.Argument(
    metavar="[ID]", help="Only this item (id, id prefix or title fragment).", show_default=False,
    autocompletion=complete_ids)]


def done(name: str, **values: Any) -> None:
    """The trivial work every command does: one line."""
    given = sorted(k for k, v in values.items() if v not in (None, False, [], ()))
    if os.environ.get("CTBENCH_REPR"):  # for check_features.py: the parsed values
        given = [f"{k}={values[k]!r}" for k in given]
    typer.echo(f"{name}: {' '.join(given) or '-'}")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ctbench {__version__}")
        raise typer.Exit()


def _language(value: Optional[str]) -> Optional[str]:
    if value is not None and value not in LANGUAGES:
        raise typer.BadParameter(f"unknown language {value!r}; use one of {', '.join(LANGUAGES)}")
    return value


def _complete_language(incomplete: str) -> list[str]:
    return [code for code in LANGUAGES if code.startswith(incomplete)]


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    lang: Annotated[Optional[str], typer.Option(
        "--lang", callback=_language, is_eager=True, show_default=False, metavar="zh|en",
        autocompletion=_complete_language,
        help="Interface language: zh (Chinese) or en (English).")] = None,
) -> None:
    """Track the Hangzhou metropolitan circle's cooperation items, projects and milestones.

    Example: ctbench status  (in Chinese: ctbench --lang zh status)
    """
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(2)


@app.command("list")
def list_command(
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],  # noqa: B006
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],  # noqa: B006
    due_before: DueBeforeOption = None, due_after: DueAfterOption = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only items past due.")] = False,
    stale: Annotated[Optional[int], typer.Option(
        "--stale", metavar="DAYS", help="Only open items with no report for DAYS days.",
        show_default=False)] = None,
    search: SearchOption = [],  # noqa: B006
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include done and cancelled items.")]
    = False,
    sort: Annotated[Optional[str], typer.Option(
        "--sort", help="due, progress, id, title, updated or status; -FIELD reverses.",
        show_default=False)] = None,
    limit: Annotated[Optional[int], typer.Option(
        "--limit", "-n", help="At most N rows; 0 for all.", show_default=False)] = None,
    format_: ListFormatOption = "table",
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """List items, open ones by default, filtered and sorted.

    Example: ctbench list --kind cooperation --unit 市交通局 --sort due
    """
    done("list", kind=kind, category=category, status=status, unit=unit, city=city, tag=tag,
         due_before=due_before, due_after=due_after, overdue=overdue, stale=stale,
         search=search, all=all_, sort=sort, limit=limit, as_of=as_of, no_color=no_color,
         registry=registry)


@app.command("show")
def show_command(item_id: IdArgument, format_: TableJsonFormat = "table",
                 as_of: AsOfOption = None, no_color: NoColorOption = False,
                 registry: RegistryOption = None) -> None:
    """Show one item: every field and fact, its due date, progress and dated history."""
    done("show", item_id=item_id, as_of=as_of, registry=registry)


TITLES = ("杭州至德清城际铁路", "杭绍城际铁路", "杭海城际铁路", "京杭运河二通道",
          "杭州绕城高速公路西复线", "萧山机场T4航站楼")


@app.command("status")
def status_command(
    stale_days: Annotated[int, typer.Option("--stale-days", help="Days without a report.")]
    = 90,
    table: Annotated[bool, typer.Option("--table", help="Print a 30-row Rich table.")] = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """The dashboard: counts by status, progress by category, overdue, targets."""
    if not table:
        done("status", stale_days=stale_days, as_of=as_of)
        return
    import datetime as dt

    from rich.console import Console
    from rich.table import Table

    grid = Table(title="status", header_style="bold")
    for header in ("ID", "Title", "Lead", "Due", "Status", "%"):
        grid.add_column(header)
    start = dt.date(2011, 12, 31)
    for n in range(30):
        grid.add_row(f"prj-{n:05d}", TITLES[n % len(TITLES)], UNITS[n % len(UNITS)],
                     (start + dt.timedelta(days=97 * n)).isoformat(),
                     ("planned", "in_progress", "done")[n % 3], f"{(n * 7) % 101}%")
    Console(no_color=no_color, soft_wrap=False, highlight=False).print(grid)


@app.command("timeline")
def timeline_command(
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],  # noqa: B006
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],  # noqa: B006
    search: SearchOption = [],  # noqa: B006
    start: Annotated[str, typer.Option("--from", help="First date shown.")] = "2011-01-01",
    end: Annotated[str, typer.Option("--to", help="Last date shown.")] = "2035-12-31",
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Due dates, milestones and reports on a time axis (2011–2035 by default)."""
    done("timeline", kind=kind, start=start, end=end)


@app.command("overdue")
def overdue_command(
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],  # noqa: B006
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],  # noqa: B006
    due_before: DueBeforeOption = None, due_after: DueAfterOption = None,
    search: SearchOption = [], group_by: GroupByOption = None,  # noqa: B006
    format_: ReportFormatOption = None, output: OutputOption = None, force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Open items past their due date, most overdue first: one list per unit, ready to send."""
    done("overdue", kind=kind, output=output, group_by=group_by)


@app.command("stale")
def stale_command(
    days: Annotated[int, typer.Option("--days", "-d", help="Days without a report.")] = 90,
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],  # noqa: B006
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],  # noqa: B006
    due_before: DueBeforeOption = None, due_after: DueAfterOption = None,
    search: SearchOption = [],  # noqa: B006
    format_: ReportFormatOption = None, output: OutputOption = None, force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Open items with no progress report for --days days, longest silence first."""
    done("stale", days=days, kind=kind)


@app.command("slips")
def slips_command(
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],  # noqa: B006
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],  # noqa: B006
    search: SearchOption = [],  # noqa: B006
    format_: ReportFormatOption = None, output: OutputOption = None, force: ForceOption = False,
    as_of: AsOfOption = None, no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """Items whose due date was moved: first and current due, days slipped, the reasons."""
    done("slips", kind=kind)


@app.command("export")
def export_command(
    format_: ReportFormatOption = None, output: OutputOption = None, force: ForceOption = False,
    as_of: AsOfOption = None, registry: RegistryOption = None,
) -> None:
    """The whole registry, closed items included, for other tools or an archive."""
    done("export", format=format_, output=output)


@app.command("mark")
def mark_command(
    ctx: typer.Context, item: IdArgument, progress: ProgressOpt = None,
    status: MarkStatusOpt = None, note: NoteOpt = None, value: ValueOpt = None,
    date: DateOpt = None, by: ByOpt = None, source: ReportSourceOpt = None,
    registry: RegistryOption = None,
) -> None:
    """Record a progress report on an item."""
    done("mark", item=item, progress=progress, status=status)


@app.command("add")
def add_command(
    ctx: typer.Context, kind: AddKindOpt = None, title: TitleOpt = None,
    category: CategoryOpt = None, lead: LeadOpt = [], support: SupportOpt = [],  # noqa: B006
    cities: CitiesOpt = [], due: DueOpt = None, requirement: RequirementOpt = None,  # noqa: B006
    tags: TagsOpt = [], item_id: IdOpt = None, content: ContentOpt = None,  # noqa: B006
    created: CreatedOpt = None, sources: SourcesOpt = [], title_en: TitleEnOpt = None,  # noqa: B006
    reading: ReadingOpt = None, related: RelatedOpt = [],  # noqa: B006
    target_value: TargetValueOpt = None, target_unit: TargetUnitOpt = None,
    target_year: TargetYearOpt = None, target_op: TargetOpOpt = None,
    registry: RegistryOption = None,
) -> None:
    """Add an item to the registry."""
    done("add", kind=kind, title=title)


@app.command("edit")
def edit_command(
    ctx: typer.Context, item: IdArgument, title: TitleOpt = None, title_en: TitleEnOpt = None,
    category: CategoryOpt = None, content: ContentOpt = None, lead: LeadOpt = [],  # noqa: B006
    support: SupportOpt = [], cities: CitiesOpt = [],  # noqa: B006
    requirement: RequirementOpt = None, tags: TagsOpt = [], due: DueOpt = None,  # noqa: B006
    reason: ReasonOpt = None, reading: ReadingOpt = None, sources: SourcesOpt = [],  # noqa: B006
    related: RelatedOpt = [], target_value: TargetValueOpt = None,  # noqa: B006
    target_unit: TargetUnitOpt = None, target_year: TargetYearOpt = None,
    target_op: TargetOpOpt = None, by: ByOpt = None,
    status: Annotated[Optional[str], typer.Option(hidden=True)] = None,
    progress: Annotated[Optional[str], typer.Option(hidden=True)] = None,
    registry: RegistryOption = None,
) -> None:
    """Change an item's fields (not its status or progress: use mark)."""
    done("edit", item=item, title=title)


@app.command("undo")
def undo_command(
    show: Annotated[bool, typer.Option("--list", help="List the writes that can be undone.")]
    = False,
    registry: RegistryOption = None,
) -> None:
    """Undo the last write."""
    done("undo", show=show)


@app.command("log")
def log_command(
    item: LogItemArgument = None, since: SinceOpt = None, by: ByFilterOpt = None,
    limit: LimitOpt = None, output_format: TableJsonFormat = "table",
    no_color: NoColorOption = False, registry: RegistryOption = None,
) -> None:
    """The progress reports, newest first."""
    done("log", item=item, since=since)


@app.command("validate")
def validate_command(registry: RegistryOption = None) -> None:
    """Check the registry file: schema, ids, references, dates."""
    done("validate", registry=registry)


@app.command("init")
def init_command(
    path: Annotated[Path, typer.Argument(help="Where to write the copy (a file or a folder).")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a copy of the bundled registry to start your own."""
    done("init", path=path, force=force)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE.json", dir_okay=False,
                                         help="A Taskwarrior export file.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change.")] = False,
    by: ByOpt = None, registry: RegistryOption = None,
) -> None:
    """Import progress from a Taskwarrior export."""
    done("import", file=file, dry_run=dry_run)


@app.command("where")
def where_command(registry: RegistryOption = None) -> None:
    """Print the registry path in use."""
    done("where", registry=registry)


@app.command("completion-check")
def completion_check_command(
    shell: Annotated[Optional[str], typer.Option("--shell", help="bash, zsh or fish.",
                                                 autocompletion=complete_formats("bash", "zsh",
                                                                                 "fish"))] = None,
) -> None:
    """Say which shell completion would be installed for."""
    done("completion-check", shell=shell)


def main() -> None:
    gc.disable()
    if os.environ.get("CTBENCH_ONE_COMMAND"):
        # Experiment: build only the command being run (as a lazy group would): drop the other
        # registered commands before Typer builds the click group. Help and completion of the
        # root then show only that command, so this is a measurement, not a feature.
        wanted = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
        names = {c.name for c in app.registered_commands}
        if wanted in names:
            app.registered_commands = [c for c in app.registered_commands if c.name == wanted]
    app(prog_name="ctbench")


if __name__ == "__main__":
    main()
