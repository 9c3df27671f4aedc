"""The root of the command line: --version, --lang, and the default view that bare
`circletrack` shows (what needs attention)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import __version__
from ..base.i18n import LANGUAGES, _, set_language
from ..query.select import Criteria
from .core import RegistryOption, app, handle_errors
from .options import load_as_of
from .output import deliver


def _version(value: bool) -> None:
    if value:
        typer.echo(f"circletrack {__version__}")
        raise typer.Exit()


def _language(value: str | None) -> str | None:
    """--lang: the interface language for this run (the environment's when not given)."""
    if value is not None:
        if value not in LANGUAGES:
            raise typer.BadParameter(_("unknown language {value!r}; use one of {choices}")
                                     .format(value=value, choices=", ".join(LANGUAGES)))
        set_language(value)
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
        help="Interface language: zh (Chinese) or en (English). Default: zh when "
             "CIRCLETRACK_LANG, LC_ALL, LC_MESSAGES or LANG (the first one set) starts with "
             "zh, else en.")] = None,
    registry: RegistryOption = None,
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", show_default=False, metavar="DATE",
        help="See the registry as it stood on this date (default today).")] = None,
    no_color: Annotated[bool, typer.Option(
        "--no-color", help="No colour (also when NO_COLOR is set or output is not a "
                           "terminal).")] = False,
) -> None:
    """Track the Hangzhou metropolitan circle's cooperation items, projects and milestones.

    Without a command: what needs attention (open items overdue or due within 30 days).
    Example: circletrack status  (in Chinese: circletrack --lang zh status)
    """
    if ctx.invoked_subcommand is None:
        attention(registry, as_of, no_color)


@handle_errors
def attention(registry: Path | None, as_of: str | None, no_color: bool) -> None:
    """The default view: open items overdue or due within SOON_DAYS days, as a table."""
    # The listing and its renderer are imported only for the default view, for start-up speed.
    from ..query.listings import SOON_DAYS, attention_listing
    from ..render.listing_views import render_attention

    data, day = load_as_of(registry, as_of)
    listing = attention_listing(data.items, Criteria(), day, SOON_DAYS)
    deliver(render_attention(listing, SOON_DAYS, "table"), no_color=no_color)
