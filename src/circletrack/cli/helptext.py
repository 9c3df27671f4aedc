"""Help pages that read like a man page: every value named by what it is (DATE, UNIT,
FILE), never by its Python type (`<list[str]>`, `<bool>`, which newer Typers print); the
date forms said once per page, under the options; examples kept on their own lines.

`tidy` runs over every command once, just before Click parses the command line (it costs
well under a millisecond); the help texts in the command modules stay plain sentences.

Help is in the language of the run, like every message. The English help texts are the
msgids (tools/extract_messages.py finds command docstrings and `help=` texts where they
are written); `tidy` keeps each one as written and `localize` translates them when a page
is shown (after --lang was read), fills the code's values in ({statuses} …) and sets the
examples apart again; the headings (Usage:, Options: …), Click's own texts and the
[required] and [default: …] notes are translated by the formatter. The value names
(DATE, UNIT, FILE, [OPTIONS] …) stay as they are in both languages: they are what the
usage line and the help sentences refer to, like an option's name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import click

from ..base.cells import cell_len, wrap_cells
from ..base.i18n import LANGUAGES, N_, _, current_language, join, pgettext, set_language
from ..model.dates import ACCEPTED_FORMS
from ..model.records import ID_PREFIXES, KINDS, STATUSES, TARGET_OPS

#: The sentence the date options' help ends with (options.DATE_HELP); `tidy` moves it to
#: one line under the options.
DATE_SENTENCE = f"Accepts {ACCEPTED_FORMS}."

#: What each value is called in help and usage lines, by parameter name.
METAVARS: dict[str, str] = {
    "kind": "KIND", "category": "CATEGORY", "status": "STATUS", "unit": "UNIT",
    "city": "CITY", "tag": "TAG", "search": "TEXT", "group_by": "FIELD", "sort": "FIELD",
    "format_": "FORMAT", "fmt": "FORMAT", "fields": "FIELD,...", "json_fields": "FIELD,...",
    "registry": "FILE", "output": "FILE", "item": "ID", "items": "ID", "item_id": "ID",
    "lang": "zh|en", "lead": "UNIT", "support": "UNIT", "related": "ID", "tracks": "ID",
    "starts": "ID", "same_as": "ID", "deadline_source": "SOURCE", "target_value": "NUMBER",
    "target_year": "YEAR", "target_op": "OP", "progress": "PERCENT", "value": "NUMBER",
    "by": "NAME", "path": "PATH", "within": "DAYS", "days": "DAYS",
}

_EXAMPLE = re.compile(r"^\s*(Examples?:|示例：)\s*(.+)$")

#: Where `tidy` keeps a command's or a parameter's help as written (English, the msgid).
_WRITTEN = "_circletrack_help"
#: The note `tidy` puts under the options of a command with date options.
DATE_NOTE = N_("DATE is any of: {forms}. A month or a year alone means its last day; +30d, "
               "-2w, +3m, -1y count from today.")
#: Texts Click itself gives a help page, by their English.
CLICK_TEXTS: dict[str, str] = {"Show this message and exit.": N_("Show this message and exit.")}
#: Click's section headings, and how a page writes them (with their colon).
HEADINGS: dict[str, str] = {"Options": N_("Options:"), "Arguments": N_("Arguments:"),
                            "Commands": N_("Commands:")}
_EXTRAS = re.compile(r"^(.*)  \[([^\[\]]*)\]$", re.S)


def early_language(args: list[str]) -> None:
    """Take --lang's value at once, wherever it is on the line: Click runs the eager
    options in the order they are given, so `circletrack --help --lang zh` would print
    the help before --lang was read. (An unknown value is left to --lang to refuse.)"""
    end = args.index("--") if "--" in args else len(args)
    value = None
    for at, word in enumerate(args[:end]):
        if word == "--lang" and at + 1 < end:
            value = args[at + 1]
        elif word.startswith("--lang="):
            value = word.split("=", 1)[1]
    if value in LANGUAGES:
        set_language(value)


def help_values() -> dict[str, str]:
    """The values of the code a help text names: `{statuses}` …, filled after translation."""
    return {"{statuses}": join(STATUSES), "{kinds}": join(KINDS),
            "{target_ops}": " ".join(TARGET_OPS),
            "{id_forms}": join(f"{prefix}-" + "N" * digits
                               for prefix, digits in ID_PREFIXES.values())}


def translated(text: str) -> str:
    """A help text in the active language, the code's values filled in."""
    text = _(text)
    if "{" in text:
        for name, value in help_values().items():
            text = text.replace(name, value)
    return text


def metavar_for(param: Any) -> str:
    """The name a value is shown as: by parameter name, else by kind of value."""
    name = param.name or ""
    if name in METAVARS:
        return METAVARS[name]
    type_name = getattr(getattr(param, "type", None), "name", "") or ""
    if type_name in ("integer", "int"):
        return "N"
    if type_name == "path":
        return "DIR" if getattr(param.type, "file_okay", True) is False else "FILE"
    return "TEXT"


def _example_paragraphs(text: str) -> str:
    """`Example: circletrack …` moved to a paragraph of its own that Click does not rewrap
    (a `\\b` paragraph), so an example is one line a user can copy."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.split("\n")
        prose = [line for line in lines if not _EXAMPLE.match(line)]
        examples = [_EXAMPLE.match(line) for line in lines if _EXAMPLE.match(line)]
        if prose and any(line.strip() for line in prose):
            paragraphs.append("\n".join(prose))
        for found in examples:
            assert found is not None
            paragraphs.append(f"\b\n{found.group(1)}\n  {found.group(2).strip()}")
    return "\n\n".join(paragraphs)


def tidy(command: Any) -> None:
    """Give every value a name, say the date forms once, and set examples apart (in the
    active language: `localize` translates again when the page is shown)."""
    dates = False
    for param in getattr(command, "params", []):
        help_text = getattr(param, "help", None) or ""
        flag = getattr(param, "is_flag", False) or getattr(param, "count", False)
        if not flag and help_text.endswith(DATE_SENTENCE):
            help_text = help_text[: -len(DATE_SENTENCE)].rstrip()
            param.metavar = "DATE"
            dates = True
        elif not flag and param.metavar is None:
            param.metavar = metavar_for(param)
        setattr(param, _WRITTEN, help_text)
    setattr(command, _WRITTEN, (command.help, command.epilog, dates))
    localize(command)


def localize(command: Any, ctx: Any = None) -> None:
    """Put the command's help (its text, epilog, every parameter's help and, given the
    context, the help option's) in the active language, from the texts `tidy` kept."""
    written = getattr(command, _WRITTEN, None)
    if written is None:
        return
    text, epilog, dates = written
    for param in getattr(command, "params", []):
        help_text = getattr(param, _WRITTEN, None)
        if help_text:
            param.help = translated(help_text)
    if ctx is not None:
        option = command.get_help_option(ctx)
        if option is not None and option.help in CLICK_TEXTS:
            setattr(option, _WRITTEN, option.help)
        written_help = getattr(option, _WRITTEN, None)
        if written_help:
            option.help = _(CLICK_TEXTS[written_help])
    if text:
        command.help = text if "\b" in text else _example_paragraphs(translated(text))
    if dates:
        note = _(DATE_NOTE).format(forms=ACCEPTED_FORMS)
        command.epilog = f"{epilog}\n\n{note}" if epilog else note


def short_help(command: Any) -> str:
    """The command's first sentence, whole, for the root's list of commands: Click's rule
    in English; in Chinese, up to the first 。 of the first paragraph."""
    if current_language() == "en" or not command.help:
        return str(command.get_short_help_str(limit=10_000))
    first = command.help.split("\n\n", 1)[0]
    flowed = " ".join(first.split())
    end = flowed.find("。")
    return flowed if end < 0 else flowed[: end + 1]


def _extras(text: str) -> str:
    """Click's `[required]` and `[default: …]` after a help text, in the active language."""
    found = _EXTRAS.match(text)
    if found is None or current_language() == "en":
        return text
    parts = []
    for part in found.group(2).split("; "):
        if part == "required":
            part = pgettext("help", "required")
        elif part.startswith("default: "):
            part = pgettext("help", "default: {value}").format(value=part[len("default: "):])
        parts.append(part)
    return f"{found.group(1)}  [{'; '.join(parts)}]"


def wrap_paragraphs(text: str, width: int, indent: str = "", hanging: str | None = None,
                    ) -> list[str]:
    """The text's paragraphs (blank-line separated) wrapped to `width` cells in all, each
    line starting with `indent` (`hanging` for all but the first line, if given); a
    paragraph opening with `\b` keeps its lines as they are, as Click's do."""
    rest = indent if hanging is None else hanging
    prose = current_language() != "en"  # (English pages keep the breaks they always had)
    lines: list[str] = []
    for number, paragraph in enumerate(text.split("\n\n")):
        if number:
            lines.append("")
        if paragraph.startswith("\b"):
            lines += [(indent if not lines else rest) + line
                      for line in paragraph[1:].strip("\n").split("\n")]
            continue
        flowed = " ".join(part.strip() for part in paragraph.split("\n"))
        for line in wrap_cells(flowed, max(width - cell_len(rest), 10), prose=prose):
            lines.append((indent if not lines else rest) + line)
    return lines


class CellFormatter(click.HelpFormatter):
    """Click's help formatter, measuring text in terminal cells: a Chinese character is two
    cells wide, so lines with Chinese in them are wrapped as short as they print. Its
    headings and notes are in the active language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:  # a full-width colon needs no space after it
            usage = _("Usage:")
            prefix = usage if usage.endswith("：") else f"{usage} "
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        shown = _(HEADINGS[heading]) if heading in HEADINGS else f"{heading}:"
        self.write(f"{'':>{self.current_indent}}{shown}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write("\n".join(wrap_paragraphs(text, self.width, indent)) + "\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max((cell_len(name) for name, _ in rows), default=0), col_max) + col_spacing
        for name, text in rows:
            text = _extras(text)
            head = " " * self.current_indent + name
            pad = " " * (self.current_indent + first)
            if not text:
                self.write(head + "\n")
                continue
            lines = wrap_paragraphs(text, self.width - self.current_indent - first, "")
            if cell_len(name) <= first - col_spacing:
                self.write(head + " " * (first - cell_len(name)) + lines[0] + "\n")
                lines = lines[1:]
            else:
                self.write(head + "\n")
            self.write("".join(f"{pad}{line}\n" if line else "\n" for line in lines))


class CellContext(click.Context):
    """A context whose help is laid out by CellFormatter."""

    formatter_class = CellFormatter

    def get_help(self) -> str:
        localize(self.command, self)
        return super().get_help()


def tidy_all(group: Any) -> None:
    """`tidy` the group and each of its commands (once), and lay their help out in cells."""
    if getattr(group, "_circletrack_tidy", False):
        return
    for command in [group, *getattr(group, "commands", {}).values()]:
        tidy(command)
        command.context_class = CellContext
    group._circletrack_tidy = True
