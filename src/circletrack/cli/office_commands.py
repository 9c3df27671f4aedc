"""The office's weekly round trip with the units: forms out, filled forms in, the bulletin."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..base.cells import shown_text
from ..base.errors import FileExists, FormsRefused, RegistryNotFound, UsageError
from ..base.i18n import _, current_language, in_language, ngettext
from ..model.dates import parse_date, period_start
from ..model.records import CLOSED_STATUSES
from ..office.forms import (
    DEFAULT_WITHIN,
    FORM_LANGUAGES,
    Forms,
    NameTooShort,
    UnitForm,
    form_filenames,
    form_language,
    record_sent,
    resend_forms,
    unanswered,
    unit_forms,
)
from ..render import BULLETIN_FORMATS, FORMS_FORMATS
from ..storage import Location, check_writable, load, update_journaled
from ..storage.files import (
    TEMPORARY_EXTRA_BYTES,
    NotAFile,
    TooLarge,
    check_target,
    name_room,
    read_file,
    write_file,
)
from .core import (
    RegistryOption,
    checkout_notice,
    command,
    fail,
    one_line,
    output_width,
    registry_location,
)
from .listing_commands import OpenStatusOption
from .options import (
    AsOfOption,
    CategoryOption,
    CityOption,
    DueAfterOption,
    DueBeforeOption,
    KindOption,
    SearchOption,
    StatusOption,
    TagOption,
    UnitOption,
    check_choices,
    complete_formats,
    count,
    criteria_from,
    load_as_of,
    optional_date,
    stdout_is_terminal,
    today,
)
from .output import OutputOption, deliver
from .write_commands import command_label

if TYPE_CHECKING:
    from ..office.formfile import FilledForm

# The library's form reader and writer (and openpyxl with them), the bulletin and the
# renderers are imported inside the commands that use them, for start-up speed.

WithinOption = Annotated[str, typer.Option(
    "--within", "-w", metavar="DAYS",
    help="Also send the open items due within DAYS days of the as-of date (besides the "
         "overdue ones).")]
FormsFormatOption = Annotated[str, typer.Option(
    "--format", "-f", help="xlsx (a workbook with drop-downs and checks) or csv.",
    autocompletion=complete_formats(*FORMS_FORMATS))]
FormLangOption = Annotated[str, typer.Option(
    "--form-lang", help="The forms' language: auto (default: a unit named in Chinese gets "
                        "a Chinese form, others the interface language), zh or en.")]
ReplaceOption = Annotated[bool, typer.Option(
    "--force", help="Replace files of the same name already in OUTDIR.")]
ResendOption = Annotated[bool, typer.Option(
    "--resend", help="Write forms only for the units whose last form has not come back, "
                     "each with a reminder in its title row.")]


@command("forms")
def forms_command(
    ctx: typer.Context,
    outdir: Annotated[Path, typer.Argument(
        metavar="OUTDIR", file_okay=False,
        help="The folder to write the forms in (created if missing).")],
    unit: UnitOption = [], within: WithinOption = str(DEFAULT_WITHIN),
    kind: KindOption = [], category: CategoryOption = [], status: OpenStatusOption = [],
    city: CityOption = [], tag: TagOption = [],
    due_before: DueBeforeOption = None, due_after: DueAfterOption = None,
    search: SearchOption = [], format_: FormsFormatOption = "xlsx",
    form_lang: FormLangOption = "auto",
    force: ReplaceOption = False, resend: ResendOption = False, as_of: AsOfOption = None,
    registry: RegistryOption = None,
) -> None:
    """Write one form per responsible unit: its overdue and due-soon items, to fill in.

    Each unit (lead or supporting) with open items overdue or due within --within days
    gets OUTDIR/UNIT-DATE.xlsx: the items, and columns for the new status, progress, date,
    note and reporter. The forms are put on record in the registry (one write `undo` takes
    back), so `intake` and `scorecard` know which came back. Read the filled forms back with
    `circletrack intake`. Example: circletrack forms forms-2024-06-03 --within 30
    """
    (fmt,) = check_choices([format_], FORMS_FORMATS, "--format")
    (language,) = check_choices([form_lang], FORM_LANGUAGES, "--form-lang")
    days = count(within, "--within") or 0
    location = registry_location(registry)
    if not location.bundled:
        check_writable(location)
    data, day = load_as_of(registry, as_of)
    criteria = criteria_from(ctx.params, data.items, day)
    closed = [s for s in criteria.statuses if s in CLOSED_STATUSES]
    if closed:
        raise UsageError(_("--status: {status} items are never sent; use planned, "
                           "in_progress or blocked").format(status=closed[0]))
    forms = unit_forms(data.items, criteria, day, days)
    if resend:
        forms = resend_forms(forms, unanswered(data, day))
    lines, written = _write_forms(outdir, forms, fmt, force, language, resend)
    for line in lines:
        typer.echo(line)
    if written:
        typer.echo(_record_sent(ctx, location, written))


def _record_sent(ctx: typer.Context, location: Location,
                 written: list[tuple[UnitForm, str]]) -> str:
    """Put the forms written on record (one journaled write); the line to say."""
    if location.bundled:
        return _("the forms are not on record: the bundled registry is read-only (make a "
                 "writable copy with `circletrack init PATH`)")
    update_journaled(location, lambda reg: record_sent(reg, written), command_label(ctx))
    return ngettext("{count} form on record in {path}", "{count} forms on record in {path}",
                    len(written)).format(count=len(written), path=location.path)


def _write_forms(outdir: Path, forms: Forms, fmt: str, force: bool, language: str,
                 resend: bool = False) -> tuple[list[str], list[tuple[UnitForm, str]]]:
    """Write every form (each in its language: see forms.form_language), or none when one
    would replace a file unforced or cannot be written by its name; the lines to say, and
    each form written with its file's name."""
    from ..render.forms import render_form, summary_lines, written_line

    paths = _form_paths(outdir, forms, fmt)
    existing = [p for p in paths if p.exists() or p.is_symlink()]
    if existing and not force:
        more = (ngettext(" (and {count} more)", " (and {count} more)", len(existing) - 1)
                .format(count=len(existing) - 1) if len(existing) > 1 else "")
        raise FileExists(_("{path} already exists{more}; use --force to replace it").format(
            path=existing[0], more=more))
    for path in existing:
        check_target(path, replace=True)
    if forms.forms:
        outdir.mkdir(exist_ok=True)
    lines = []
    written = []
    for path, form in zip(paths, forms.forms):
        with in_language(form_language(form.unit, language, current_language())):
            data = render_form(form, fmt)
        write_file(path, data, replace=force)
        lines.append(written_line(str(path), form))
        written.append((form, path.name))
    if resend and not forms.forms:
        return [_("no unit with something to send now has its last form on record still "
                  "out; no form written")], []
    return lines + summary_lines(forms), written


def _form_paths(outdir: Path, forms: Forms, fmt: str) -> list[Path]:
    """Where each form goes: names that fit the file system of OUTDIR (shortened, see
    `forms.form_filename`), every one checked before any is written."""
    if outdir.is_symlink() and not outdir.exists():
        raise UsageError(_("OUTDIR: {path} is a symbolic link to {target}, which does not "
                           "exist; name a folder").format(path=outdir,
                                                          target=os.readlink(outdir)))
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(_("OUTDIR: {path} is a file; name a folder").format(path=outdir))
    longest, deepest = name_room(outdir)
    try:
        names = form_filenames(forms.forms, fmt, longest)
    except NameTooShort:
        raise fail(_("OUTDIR: the file system of {path} takes names of at most {count} "
                     "bytes, too few for a form's name").format(
            path=outdir, count=longest + TEMPORARY_EXTRA_BYTES)) from None
    paths = [outdir / name for name in names]
    for path in paths:
        if len(os.fsencode(path)) + TEMPORARY_EXTRA_BYTES >= deepest:
            raise fail(_("OUTDIR: {path} is longer than the file system takes ({count} "
                         "bytes); name a folder nearer the root").format(path=path,
                                                                         count=deepest))
    return paths


def _read_form(path: Path) -> FilledForm:
    """A filled form file, read with the bounds (see fileio.read_file): only a regular file
    (a FIFO or a device is refused at once) and never more than a form may hold."""
    from ..office.formfile import MAX_FILE_BYTES, oversized_form, read_form

    name = shown_text(path.name)  # (the reports' source: text a registry can hold)
    try:
        return read_form(name, read_file(path, MAX_FILE_BYTES))
    except TooLarge:
        return oversized_form(name)
    except FileNotFoundError:
        raise RegistryNotFound(_("no such file: {path}").format(path=path)) from None
    except (IsADirectoryError, NotAFile) as exc:
        if isinstance(exc, IsADirectoryError) or exc.folder:
            raise UsageError(_("{path} is a folder; name a form file").format(
                path=path)) from None
        raise UsageError(_("{path} is {kind}, not a form file; name the .xlsx or .csv file "
                           "a unit sent back").format(path=path, kind=exc.kind)) from None


@command("intake")
def intake_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE...", dir_okay=False,
        help="Filled forms (.xlsx or .csv) written by `circletrack forms`.")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what would be recorded, and write nothing.")] = False,
    reopen: Annotated[bool, typer.Option(
        "--reopen", help="Let a row reopen an item that is done or cancelled; without it "
                         "such a row is refused.")] = False,
    as_history: Annotated[bool, typer.Option(
        "--as-history", help="Keep a row that closes an item, dated before a later report "
                             "that leaves it open, as history: the later one still "
                             "decides.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Record the reports in filled forms: every row checked first, then one write (or none).

    Shows the reports as a table, then records them all in one write that `circletrack
    undo` takes back; with any problem nothing is written. A report already recorded is
    not recorded again. Example: circletrack intake forms/*.xlsx --dry-run
    """
    from ..office.intake import ReportOptions, preview, record_forms
    from ..render.intake import intake_table, returns_line, summary_line

    forms = [_read_form(path) for path in files]
    location = registry_location(registry)
    if not dry_run:
        check_writable(location)
    day = today()
    options = ReportOptions(reopen=reopen, as_history=as_history)
    seen = preview(load(location), forms, day, options)
    if seen.rows:
        deliver(intake_table(seen, output_width()))
    if seen.problems:
        typer.echo(summary_line(seen))
        for problem in seen.problems:
            typer.echo(_("Error: {message}").format(message=one_line(problem)), err=True)
        raise typer.Exit(1)
    if seen.returns:
        typer.echo(returns_line(seen, dry_run=dry_run))
    if dry_run or not (seen.recorded or seen.returned):
        typer.echo(summary_line(seen, dry_run=dry_run))
        return
    try:
        written = update_journaled(location, lambda reg: record_forms(reg, forms, day, options),
                                   command_label(ctx))
    except FormsRefused as exc:  # the registry changed between the preview and the write
        raise fail(str(exc), exc.exit_status) from None
    typer.echo(summary_line(written.result, path=str(location.path)))
    checkout_notice(location)


@command("bulletin")
def bulletin_command(
    since: Annotated[str, typer.Option(
        "--since", help="The first day of the period (included). Any date form, e.g. "
                        "2024-05-27; an offset counts back from --until and gives a period "
                        "that long: -1w is the seven days ending on --until.",
        show_default=False)],
    until: Annotated[Optional[str], typer.Option(
        "--until", help="The last day of the period (included). Default: today.",
        show_default=False)] = None,
    format_: Annotated[Optional[str], typer.Option(
        "--format", "-f", show_default=False, autocompletion=complete_formats(*BULLETIN_FORMATS),
        help="md (default), html or docx (a Word document); with --output and no "
             "--format, a .html name means html and a .docx name docx.")] = None,
    output: OutputOption = None,
    force: Annotated[bool, typer.Option("--force", help="Let --output replace a file.")]
    = False,
    registry: RegistryOption = None,
) -> None:
    """The office's bulletin (简报) for a period: reports, finished, newly overdue, due soon,
    moved deadlines, and a line per unit.

    The same registry and dates always give the same text. Example: circletrack bulletin
    --since 2024-05-27 --until 2024-06-02 --output bulletin.md
    """
    from ..office.bulletin import weekly_bulletin
    from ..render.bulletin import render_bulletin

    suffix = output.suffix.lower() if output is not None else ""
    implied = {".html": "html", ".htm": "html", ".docx": "docx"}.get(suffix, "md")
    (fmt,) = check_choices([format_ or implied], BULLETIN_FORMATS, "--format")
    if fmt == "docx" and output is None and stdout_is_terminal():
        raise UsageError(_("--format docx: a Word document is not for the terminal; name a "
                           "file with --output, e.g. -o 简报.docx"))
    reference = today()
    data = load(registry_location(registry))
    end = optional_date(until, "until", reference) or reference
    start = period_start(since, end, "since")
    bulletin = weekly_bulletin(data.items, start, end)
    if fmt == "docx":
        from ..render.bulletin_docx import bulletin_docx

        deliver(bulletin_docx(bulletin), output, force)
    else:
        deliver(render_bulletin(bulletin, fmt), output, force)


@command("report")
def report_command(
    ctx: typer.Context,
    kind: KindOption = [], category: CategoryOption = [], status: StatusOption = [],
    unit: UnitOption = [], city: CityOption = [], tag: TagOption = [],
    search: SearchOption = [],
    start: Annotated[str, typer.Option(
        "--from", metavar="DATE", help="First date of the Gantt chart.")] = "2011-01-01",
    end: Annotated[str, typer.Option(
        "--to", metavar="DATE", help="Last date of the Gantt chart.")] = "2035-12-31",
    output: OutputOption = None,
    force: Annotated[bool, typer.Option("--force", help="Let --output replace a file.")]
    = False,
    as_of: AsOfOption = None, registry: RegistryOption = None,
) -> None:
    """The circle at a glance as one HTML page: figures, a Gantt chart, progress, units,
    targets.

    One self-contained file (no script, nothing fetched from the network) in the interface
    language, to open in a browser or print (A4 landscape). Filter like `list`; closed
    items are included. Example: circletrack report --as-of 2020-12-31 -o circle.html
    """
    from ..office.report import circle_report
    from ..render.report import render_report

    data, day = load_as_of(registry, as_of)
    first, last = parse_date(start, day, "start"), parse_date(end, day, "end")
    if first > last:
        raise UsageError(_("--from must not be after --to"))
    criteria = criteria_from(ctx.params, data.items, day, include_closed=True)
    deliver(render_report(circle_report(data.items, criteria, day, first, last,
                                        forms=data.forms)), output, force)
