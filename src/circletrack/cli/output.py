"""Where a command's result goes: stdout (a table through Rich, a machine format as bytes)
or a file given with --output, written atomically and never over another file unforced."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..base.errors import UsageError
from ..base.i18n import _
from ..render import SUFFIX_FORMATS
from ..storage.files import write_file
from .core import err_console, out_console, piped_width
from .options import check_choices, complete_command_formats

FormatOption = Annotated[Optional[str], typer.Option(
    "--format", "-f", show_default=False, autocompletion=complete_command_formats,
    help="Output format. Default: from the --output file's suffix (.csv .xlsx .json .md .ics), "
         "else the table.")]
OutputOption = Annotated[Optional[Path], typer.Option(
    "--output", "-o", show_default=False, metavar="FILE",
    help="Write to this file (atomically) instead of stdout; refuses to replace an existing "
         "file without --force.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Let --output replace a file.")]
JsonOption = Annotated[Optional[str], typer.Option(
    "--json", metavar="FIELD,...", show_default=False,
    help="JSON with only these fields of each item, e.g. id,title,due (implies --format "
         "json); a field that does not exist is named with the fields there are.")]


def json_fields(text: str | None, format_: str | None) -> list[str] | None:
    """The fields --json names (None without --json); --json goes with no --format but
    json (or the table default it replaces)."""
    if text is None:
        return None
    if format_ not in (None, "json", "table"):
        raise UsageError(_("--json: gives JSON, so it does not go with --format {format}")
                         .format(format=format_))
    fields = [f.strip() for f in text.split(",") if f.strip()]
    if not fields:
        raise UsageError(_("--json: name the fields, e.g. --json id,title,due"))
    return list(dict.fromkeys(fields))


def emit(text: str | bytes) -> None:
    """Write a machine format to stdout unchanged (bytes keep their BOM)."""
    stream = typer.get_binary_stream("stdout")
    stream.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    stream.flush()


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


def write_output(path: Path, data: bytes, force: bool) -> Path:
    """Write a report file atomically; never replace an existing file unless forced, and
    never write through a link (see fileio.write_file). Returns the file written."""
    if path.is_dir():
        raise UsageError(_("--output: {path} is a folder; name a file").format(path=path))
    return write_file(path, data, replace=force)


def show(rendered: object, no_color: bool = False) -> None:
    """Print a Rich renderable on stdout: as laid out for a terminal, or, piped or written
    to a file, without the spaces Rich pads lines with. A table that lays itself out as
    text (`plain`) is printed without Rich, which is then not even imported when the
    width is known without it (`piped_width`: start-up speed)."""
    console = None
    width = piped_width()
    if width is None:  # a terminal, or a platform where only Rich can tell the width
        console = out_console(no_color)
        if console.is_terminal:
            console.print(rendered)
            return
        width = console.width
    plain = getattr(rendered, "plain", None)
    text = plain(width) if callable(plain) else None
    if text is not None:
        emit(text)
        return
    console = console or out_console(no_color)
    with console.capture() as captured:
        console.print(rendered)
    lines = captured.get().split("\n")
    emit("\n".join(line.rstrip() for line in lines))


def deliver(rendered: object, output: Path | None = None, force: bool = False,
            no_color: bool = False, fields: list[str] | None = None) -> None:
    """Print a rendered result, or write it to --output and say so on stderr; with
    `fields` (--json), JSON cut down to those fields."""
    if fields is not None and isinstance(rendered, str):
        # Only --json needs it: imported here for start-up speed.
        from ..render.formats import select_fields

        rendered = select_fields(rendered, fields)
    if output is None:
        if isinstance(rendered, (str, bytes)):
            emit(rendered)
        else:
            show(rendered, no_color)
        return
    if not isinstance(rendered, (str, bytes)):
        raise UsageError(_("--output: the table is for the terminal; choose another --format"))
    write_output(output, rendered if isinstance(rendered, bytes) else rendered.encode(), force)
    err_console().print(_("wrote {path}").format(path=output), markup=False, soft_wrap=True)
