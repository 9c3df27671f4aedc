"""Help pages that read like a man page: every value named by what it is (DATE, UNIT,
FILE), never by its Python type (`<list[str]>`, `<bool>`, which newer Typers print); the
date forms said once per page, under the options; examples kept on their own lines.

`tidy` runs over every command once, just before Click parses the command line (it costs
well under a millisecond); the help texts in the command modules stay plain sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import click

from ..base.cells import cell_len, wrap_cells
from ..model.dates import ACCEPTED_FORMS

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

_EXAMPLE = re.compile(r"^\s*(Examples?:)\s*(.+)$")


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
    """Give every value a name, say the date forms once, and set examples apart."""
    dates = False
    for param in getattr(command, "params", []):
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            continue
        help_text = getattr(param, "help", None) or ""
        if help_text.endswith(DATE_SENTENCE):
            param.help = help_text[: -len(DATE_SENTENCE)].rstrip()
            param.metavar = "DATE"
            dates = True
        elif param.metavar is None:
            param.metavar = metavar_for(param)
    if command.help and "\b" not in command.help:
        command.help = _example_paragraphs(command.help)
    if dates:
        note = (f"DATE is any of: {ACCEPTED_FORMS}. A month or a year alone means its last "
                "day; +30d, -2w, +3m, -1y count from today.")
        command.epilog = f"{command.epilog}\n\n{note}" if command.epilog else note


def wrap_paragraphs(text: str, width: int, indent: str = "", hanging: str | None = None,
                    ) -> list[str]:
    """The text's paragraphs (blank-line separated) wrapped to `width` cells in all, each
    line starting with `indent` (`hanging` for all but the first line, if given); a
    paragraph opening with `\b` keeps its lines as they are, as Click's do."""
    rest = indent if hanging is None else hanging
    lines: list[str] = []
    for number, paragraph in enumerate(text.split("\n\n")):
        if number:
            lines.append("")
        if paragraph.startswith("\b"):
            lines += [(indent if not lines else rest) + line
                      for line in paragraph[1:].strip("\n").split("\n")]
            continue
        flowed = " ".join(part.strip() for part in paragraph.split("\n"))
        for line in wrap_cells(flowed, max(width - cell_len(rest), 10)):
            lines.append((indent if not lines else rest) + line)
    return lines


class CellFormatter(click.HelpFormatter):
    """Click's help formatter, measuring text in terminal cells: a Chinese character is two
    cells wide, so lines with Chinese in them are wrapped as short as they print."""

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write("\n".join(wrap_paragraphs(text, self.width, indent)) + "\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max((cell_len(name) for name, _ in rows), default=0), col_max) + col_spacing
        for name, text in rows:
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


def tidy_all(group: Any) -> None:
    """`tidy` the group and each of its commands (once), and lay their help out in cells."""
    if getattr(group, "_circletrack_tidy", False):
        return
    for command in [group, *getattr(group, "commands", {}).values()]:
        tidy(command)
        command.context_class = CellContext
    group._circletrack_tidy = True
