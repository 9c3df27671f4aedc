"""Rich renderables for the read commands: the list table and the pieces they share."""

from __future__ import annotations

import string

from rich.text import Text

from .fitted import STATUS_STYLES, status_text  # noqa: F401  (shared by every renderer)

LIST_COLUMNS: tuple[str, ...] = ("id", "category", "title", "lead", "due", "status",
                                 "progress", "updated")
#: Below this many columns the list leaves out category and updated, so titles stay readable.
NARROW_WIDTH = 110
LIST_COLUMNS_NARROW: tuple[str, ...] = ("id", "title", "lead", "due", "progress", "status")


def fill(template: str, **parts: str | Text) -> Text:
    """A translated template with its `{name}` fields filled, keeping the style of Text parts.

    `fill(_("{overdue}, {stale}"), overdue=Text("3 overdue", style="red"), stale="…")`: the
    order of the parts is the translation's, the styles are the caller's.
    """
    text = Text()
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        text.append(literal)
        if name is not None:
            part = parts[name]
            text.append(part if isinstance(part, Text) else str(part))
    return text


def progress_bar(percent: float, width: int = 10) -> Text:
    """A bar of block characters, readable without colour: `██████░░░░  60%`."""
    filled = round(max(0.0, min(100.0, percent)) / 100 * width)
    bar = Text("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {percent:3.0f}%")
    return bar
