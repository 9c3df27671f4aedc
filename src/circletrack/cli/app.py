"""The Typer app, shared options, output streams and the one error-to-exit-code handler."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from typer.core import TyperGroup

from .. import __version__
from ..errors import CircletrackError, ExitStatus
from ..store import Location, locate

F = TypeVar("F", bound=Callable[..., Any])

class OneLineErrorGroup(TyperGroup):
    """Click's own errors (bad option, missing argument) as one line on stderr, like ours."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        try:
            result = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                  standalone_mode=False,
                                  windows_expand_args=windows_expand_args, **extra)
        except typer.TyperException as exc:  # Typer's (vendored click's) usage errors
            ctx = getattr(exc, "ctx", None)
            hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
            typer.echo(f"Error: {one_line(exc.format_message())}{hint}", err=True)
            result = exc.exit_code
        except typer.Abort:
            typer.echo("Aborted.", err=True)
            result = int(ExitStatus.ERROR)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    cls=OneLineErrorGroup,
    name="circletrack",
    help="Track the Hangzhou metropolitan circle's cooperation items, projects and milestones.",
    invoke_without_command=True,
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

    from .options import color_disabled

    return Console(no_color=color_disabled(no_color), soft_wrap=False, highlight=False)


def err_console() -> Any:
    """The console for messages on stderr."""
    from rich.console import Console

    from .options import color_disabled

    return Console(stderr=True, highlight=False, no_color=color_disabled(False))


def one_line(message: str) -> str:
    """A message folded onto one line, whatever it contains."""
    return " ".join(message.split())


def fail(message: str, status: int = ExitStatus.ERROR) -> typer.Exit:
    """Print a one-line error on stderr and return the Exit to raise."""
    typer.echo(f"Error: {one_line(message)}", err=True)
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
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Track the Hangzhou metropolitan circle's cooperation items, projects and milestones.

    Example: circletrack status
    """
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(int(ExitStatus.USAGE))
