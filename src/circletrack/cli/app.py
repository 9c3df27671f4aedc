"""The Typer app, shared options, output streams and the one error-to-exit-code handler."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer

from .. import __version__
from ..errors import CircletrackError, ExitStatus
from ..store import Location, locate

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="circletrack",
    help="Track the Hangzhou metropolitan circle's cooperation items, projects and milestones.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

RegistryOption = Annotated[
    Optional[Path],
    typer.Option(
        "--registry", "-r",
        help="Registry file to use. Default: $CIRCLETRACK_REGISTRY, else data/projects.toml "
             "of the circletrack checkout you are in, else the bundled copy.",
        show_default=False,
        dir_okay=False,
    ),
]


def out_console(no_color: bool = False) -> Any:
    """The console for results on stdout (colour off when piped, with NO_COLOR or --no-color)."""
    from rich.console import Console

    return Console(no_color=no_color or bool(os.environ.get("NO_COLOR")), soft_wrap=False,
                   highlight=False)


def err_console() -> Any:
    """The console for messages on stderr."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, no_color=bool(os.environ.get("NO_COLOR")))


def fail(message: str, status: int = ExitStatus.ERROR) -> typer.Exit:
    """Print a one-line error on stderr and return the Exit to raise."""
    err_console().print(f"Error: {message}", markup=False, soft_wrap=True)
    return typer.Exit(int(status))


def handle_errors(func: F) -> F:
    """Map every circletrack error (and OS error) to a one-line message and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CircletrackError as exc:
            raise fail(str(exc), exc.exit_status) from None
        except OSError as exc:
            target = f": {exc.filename}" if exc.filename else ""
            raise fail(f"{exc.strerror or exc}{target}") from None

    return wrapper  # type: ignore[return-value]


def command(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """`app.command` with the error handler applied."""

    def decorate(func: F) -> F:
        app.command(*args, **kwargs)(handle_errors(func))
        return func

    return decorate


def registry_location(option: Path | None) -> Location:
    """Where the registry is, from --registry, the environment or the working folder."""
    return locate(option)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"circletrack {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Track the Hangzhou metropolitan circle's cooperation items, projects and milestones.

    Example: circletrack validate
    """
