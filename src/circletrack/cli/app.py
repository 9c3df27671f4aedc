"""The Typer app, shared options, output streams and the one error-to-exit-code handler."""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from typer.core import TyperGroup

from .. import __version__
from ..errors import CircletrackError, ExitStatus, FieldError
from ..i18n import LANGUAGES, N_, _, detect_language, set_language
from ..store import Location, locate

# Rich and the option helpers are imported inside the functions that use them, for start-up
# speed: `--version` and `--help` need neither.

F = TypeVar("F", bound=Callable[..., Any])

class OneLineErrorGroup(TyperGroup):
    """Click's own errors (bad option, missing argument) as one line on stderr, like ours."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        # The environment's language until --lang (parsed with the root's options) says otherwise,
        # so even an error in the root's own options is in the user's language.
        set_language(detect_language(os.environ))
        try:
            result = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                  standalone_mode=False,
                                  windows_expand_args=windows_expand_args, **extra)
        except typer.TyperException as exc:  # Typer's (vendored click's) usage errors
            ctx = getattr(exc, "ctx", None)
            hint = (_(" (see: {command} --help)").format(command=ctx.command_path)
                    if ctx is not None else "")
            typer.echo(_("Error: {message}").format(
                message=one_line(usage_message(exc)) + hint), err=True)
            result = exc.exit_code
        except typer.Abort:
            typer.echo(_("Aborted."), err=True)
            result = int(ExitStatus.ERROR)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


_NO_SUCH_COMMAND = re.compile(
    r"^No such command (?P<name>'[^']*')\.(?: Did you mean (?P<near>.*)\?)?$", re.S)
_EXTRA_ARGUMENTS = re.compile(r"^Got unexpected extra argument\(s\) \((?P<args>.*)\)$", re.S)
_NEEDS_VALUE = re.compile(r"^Option (?P<option>'[^']*') requires an argument\.$", re.S)
_MISSING: dict[str, str] = {"option": N_("Missing option {name}."),
                            "argument": N_("Missing argument {name}.")}


def usage_message(exc: typer.TyperException) -> str:
    """The message of one of Click's usage errors, in the active language where it is one of
    the common ones (an unknown option or command, a missing or invalid value); Click's
    own English otherwise, and for the detail a parameter type gives (`'x' is not a valid
    integer`). Typer exports only BadParameter, so the others are told apart by class name."""
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    message = exc.message
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None) or (param.get_error_hint() if param else None)
    if "NoSuchOption" in kinds:
        text = _("No such option: {option}").format(option=getattr(exc, "option_name", ""))
        possibilities = getattr(exc, "possibilities", None)
        if possibilities:
            text += _(" (Possible options: {options})").format(
                options=", ".join(sorted(possibilities)))
        return text
    if "MissingParameter" in kinds:
        kind = getattr(exc, "param_type", None) or getattr(param, "param_type_name", None)
        if not message and isinstance(hint, str) and kind in _MISSING:
            return _(_MISSING[kind]).format(name=hint)
    elif isinstance(exc, typer.BadParameter) and isinstance(hint, str):
        return _("Invalid value for {option}: {message}").format(option=hint, message=message)
    elif found := _NO_SUCH_COMMAND.match(message):
        near = (_(" Did you mean {commands}?").format(commands=found["near"])
                if found["near"] else "")
        return _("No such command {name}.").format(name=found["name"]) + near
    elif found := _NEEDS_VALUE.match(message):
        return _("Option {option} requires an argument.").format(option=found["option"])
    elif found := _EXTRA_ARGUMENTS.match(message):
        return _("Got unexpected extra argument(s) ({arguments})").format(
            arguments=found["args"])
    return exc.format_message()


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
    typer.echo(_("Error: {message}").format(message=one_line(message)), err=True)
    return typer.Exit(int(status))


def handle_errors(func: F) -> F:
    """Map every circletrack error (and OS error) to a one-line message and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FieldError as exc:
            raise fail(_("{option}: {message}").format(option=option_name(exc.field),
                                                       message=exc), exc.exit_status) from None
        except CircletrackError as exc:
            raise fail(str(exc), exc.exit_status) from None
        except OSError as exc:
            target = f": {exc.filename}" if exc.filename else ""
            raise fail(f"{exc.strerror or exc}{target}") from None

    return wrapper  # type: ignore[return-value]


def current_context() -> Any:
    """The click context of the running command, or None (Typer 0.29 vendors click)."""
    try:
        from click import get_current_context
    except ImportError:  # pragma: no cover - a Typer that vendors click
        from typer._click.globals import get_current_context  # type: ignore[no-redef]
    return get_current_context(silent=True)


def option_name(field: str) -> str:
    """The option of the running command that sets `field` (a parameter name): `--progress`;
    `--target-*` for a group of options (target → target_value …); the field itself when the
    command has no such option."""
    ctx = current_context()
    params = ctx.command.params if ctx is not None else []
    for param in params:
        if param.name == field and param.param_type_name == "option":
            return next((o for o in param.opts if o.startswith("--")), param.opts[0])
        if param.name == field:
            return (param.metavar or field.upper()).strip("[]")
    grouped = [p for p in params if (p.name or "").startswith(field + "_")]
    if grouped:
        return "--" + field.replace("_", "-") + "-*"
    return field


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
) -> None:
    """Track the Hangzhou metropolitan circle's cooperation items, projects and milestones.

    Example: circletrack status  (in Chinese: circletrack --lang zh status)
    """
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(int(ExitStatus.USAGE))
