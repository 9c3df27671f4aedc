"""Small Rich pieces the renderers share: filled templates, progress bars, one-line cells."""

from __future__ import annotations

import string

from rich.text import Text

from ..base.i18n import _


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


def fit(text: str, width: int) -> Text:
    """One line of at most `width` cells, cut with an ellipsis (CJK counts double)."""
    line = Text(" ".join(text.split()))
    line.truncate(max(width, 1), overflow="ellipsis")
    return line


#: How much of a long text a table shows; `--full` shows all.
SHORT_TEXT = 400


def shorten(text: str, full: bool, hint: str) -> str:
    """A long text cut to SHORT_TEXT characters with a note of what is left out and how to
    see it (`hint`), unless `full`."""
    if full or len(text) <= SHORT_TEXT:
        return text
    return text[:SHORT_TEXT] + " " + _("… ({count} more characters: {hint})").format(
        count=len(text) - SHORT_TEXT, hint=hint)
