"""The Typer app, shared options, output streams and the one error-to-exit-code handler."""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import click
import typer
from typer.core import TyperGroup

from ..base.cells import system_text
from ..base.errors import CircletrackError, ExitStatus, FieldError, FieldErrors
from ..base.i18n import N_, _, detect_language, join, set_language
from ..storage import Location, locate
from .helptext import CellContext, early_language, localize, short_help, tidy, tidy_all

# Rich and the option helpers are imported inside the functions that use them, for start-up
# speed: `--version` and `--help` need neither.

F = TypeVar("F", bound=Callable[..., Any])

#: Every command, in the order of an office's week (the order `circletrack --help` lists
#: them in), with the module under circletrack.cli that defines it. A new command is a
#: function in its module and one line here; tests/test_startup.py checks each name
#: against what its module registers, and that no module registers a command not listed.
COMMANDS: dict[str, str] = {
    "list": "listing_commands", "show": "read_commands", "status": "read_commands",
    "overdue": "listing_commands", "stale": "listing_commands", "slips": "listing_commands",
    "timeline": "read_commands", "log": "read_commands",
    "mark": "write_commands", "add": "write_commands", "edit": "write_commands",
    "undo": "write_commands",
    "forms": "office_commands", "intake": "office_commands", "bulletin": "office_commands",
    "report": "office_commands", "scorecard": "listing_commands",
    "export": "listing_commands", "import": "interop_commands",
    "validate": "registry_commands", "init": "registry_commands",
    "merge": "git_commands", "git-setup": "git_commands",
}


class OneLineErrorGroup(TyperGroup):
    """The root group: Click's lazy-loading group (a command's module is imported when the
    command is first asked for, by running it, its help, completion or "did you mean"),
    with Click's own errors as one line on stderr, like ours."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .shells import completion_options

        self.params.extend(completion_options())

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command, in the order of an office's week (see COMMANDS), loaded or not."""
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: Any, name: str) -> Any:
        """The command `name`, its module imported and its Click command built on first use;
        None for a name no module defines."""
        command = self.commands.get(name)
        if command is None and name in COMMANDS:
            command = build_command(name)
            if command is not None:
                self.add_command(command, name)
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """The command named first in `args`; an unknown name is a NoSuchCommand naming the
        nearest commands."""
        name = args[0] if args else ""
        if (name and not name.startswith("-") and not ctx.resilient_parsing
                and self.get_command(ctx, name) is None):
            import difflib

            raise NoSuchCommand(name, difflib.get_close_matches(name, self.list_commands(ctx),
                                                                n=3, cutoff=0.6), ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Each command with its whole first sentence, wrapped rather than cut with '...'."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                localize(command)
                rows.append((name, short_help(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str,
                               complete_var: str | None = None) -> None:
        """Answer the shell's completion request, if this run is one (see shells.py)."""
        from .shells import answer_completion

        answer_completion(self, ctx_args, prog_name, complete_var)

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        # The environment's language until --lang (parsed with the root's options) says otherwise,
        # so even an error in the root's own options is in the user's language.
        set_language(detect_language(os.environ))
        if args is None:
            args = sys.argv[1:]
        args = place_global_options(list(args), set(COMMANDS))
        early_language(args)
        tidy_all(self)
        try:
            result = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                  standalone_mode=False,
                                  windows_expand_args=windows_expand_args, **extra)
        except click.ClickException as exc:  # Click's usage errors, and ours below
            ctx = getattr(exc, "ctx", None)
            hint = (_(" (see: {command} --help)").format(command=ctx.command_path)
                    if ctx is not None else "")
            typer.echo(_("Error: {message}").format(
                message=one_line(usage_message(exc, self)) + hint), err=True)
            result = exc.exit_code
        except typer.Abort:
            typer.echo(_("Aborted."), err=True)
            result = int(ExitStatus.ERROR)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


#: Options a user may give on either side of the command name. Those of the root (the
#: language) move before it; those of the commands move after it.
ROOT_OPTIONS: dict[str, bool] = {"--lang": True}  # name: takes a value
COMMAND_OPTIONS: dict[str, bool] = {"--registry": True, "-r": True, "--as-of": True,
                                    "--no-color": False}


def place_global_options(args: list[str], commands: set[str]) -> list[str]:
    """The arguments with the global options where Click expects them: `circletrack status
    --lang zh` and `circletrack --no-color --registry x.toml status` both work. Nothing
    after `--` moves; with no command name, nothing moves (bare `circletrack` takes them)."""
    end = args.index("--") if "--" in args else len(args)
    command_at = command_index(args, commands)
    if command_at is None:
        return args
    before, after = args[:command_at], args[command_at + 1:end]
    kept, moved = _pick(before, COMMAND_OPTIONS)  # a command's options given before it
    rest, root_words = _pick(after, ROOT_OPTIONS)  # the root's options given after it
    return [*kept, *root_words, args[command_at], *moved, *rest, *args[end:]]


def command_index(args: list[str], commands: set[str]) -> int | None:
    """Where the command's name is in `args` (the global options' values skipped), or None
    when there is none before `--` or before a request for help."""
    end = args.index("--") if "--" in args else len(args)
    i = 0
    while i < end:
        if args[i] in commands:
            return i
        if args[i] in ("--help", "-h"):
            return None
        i += _span(args, i, ROOT_OPTIONS) or _span(args, i, COMMAND_OPTIONS) or 1
    return None


def only_global_options(args: list[str]) -> bool:
    """Whether `args` hold nothing but the root's and the global options (with their
    values): bare `circletrack`, which needs no command."""
    flags = {"--version", "--no-color"}
    i = 0
    while i < len(args):
        taken = (_span(args, i, ROOT_OPTIONS) or _span(args, i, COMMAND_OPTIONS)
                 or (1 if args[i] in flags else 0))
        if not taken:
            return False
        i += taken
    return True


def _pick(words: list[str], known: dict[str, bool]) -> tuple[list[str], list[str]]:
    """The words split into (the others, the `known` options with their values)."""
    others: list[str] = []
    picked: list[str] = []
    i = 0
    while i < len(words):
        taken = _span(words, i, known)
        if taken:
            picked += words[i:i + taken]
            i += taken
        else:
            others.append(words[i])
            i += 1
    return others, picked


def _span(words: list[str], i: int, known: dict[str, bool]) -> int:
    """How many words the option at `i` takes up if it is one of `known`, else 0."""
    name = words[i].split("=", 1)[0]
    if name not in known:
        return 0
    return 1 if "=" in words[i] or not known[name] else min(2, len(words) - i)


_MISSING: dict[str, str] = {"option": N_("Missing option {name}."),
                            "argument": N_("Missing argument {name}.")}


class NoSuchCommand(click.UsageError):
    """A command name the app does not have, with the nearest it does."""

    exit_code = int(ExitStatus.USAGE)

    def __init__(self, name: str, near: list[str], ctx: Any = None) -> None:
        super().__init__(name, ctx)
        self.name, self.near = name, near


class ExtraArguments(click.UsageError):
    """Words a command takes no argument for."""

    exit_code = int(ExitStatus.USAGE)

    def __init__(self, words: list[str], ctx: Any = None) -> None:
        super().__init__(" ".join(words), ctx)
        self.words = words


def usage_message(exc: click.ClickException, group: Any = None) -> str:
    """The message of a usage error in the active language, told apart by the error's type
    and the parameter it names (never by Click's English): an unknown option or command,
    a missing argument or value, extra words. Click's own wording is left only for what
    no circletrack option can raise (a value a Click type refused)."""
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None) or (
        param.get_error_hint(getattr(exc, "ctx", None)) if param else None)
    if isinstance(exc, NoSuchCommand):
        near = (_(" Did you mean {commands}?").format(commands=join(repr(n) for n in exc.near))
                if exc.near else "")
        return _("No such command {name}.").format(name=repr(exc.name)) + near
    if isinstance(exc, ExtraArguments):
        return _("Got unexpected extra argument(s) ({arguments})").format(
            arguments=" ".join(exc.words))
    if "NoSuchOption" in kinds:
        text = _("No such option: {option}").format(option=getattr(exc, "option_name", ""))
        possibilities = getattr(exc, "possibilities", None)
        if possibilities:
            text += _(" (Possible options: {options})").format(
                options=", ".join(sorted(possibilities)))
        return text
    if "BadOptionUsage" in kinds:
        option = getattr(exc, "option_name", "")
        commands = [group, *getattr(group, "commands", {}).values()] if group else []
        flag = any(option in p.opts and getattr(p, "is_flag", False)
                   for command in commands for p in command.params)
        template = (_("Option {option} does not take a value.") if flag
                    else _("Option {option} requires an argument."))
        return template.format(option=repr(option))
    if "MissingParameter" in kinds:
        kind = getattr(exc, "param_type", None) or getattr(param, "param_type_name", None)
        if isinstance(hint, str) and kind in _MISSING:
            return _(_MISSING[kind]).format(name=hint)
    if isinstance(exc, typer.BadParameter) and isinstance(hint, str):
        return _("Invalid value for {option}: {message}").format(option=hint,
                                                                 message=exc.message)
    return exc.format_message()


app = typer.Typer(
    cls=OneLineErrorGroup,
    name="circletrack",
    help="Track the Hangzhou metropolitan circle's cooperation items, projects and milestones.",
    invoke_without_command=True,
    # --install-completion and --show-completion are the root group's own (shells.py): they
    # take the shell's name, and Typer's would look up the shell on every start.
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

def build_command(name: str) -> Any:
    """The Click command `name`, its module imported (which registers it on `app`) and its
    help tidied; None when the module registers no such command."""
    importlib.import_module(f"{__package__}.{COMMANDS[name]}")
    info = next((i for i in app.registered_commands if i.name == name), None)
    if info is None:
        return None
    command = typer.main.get_command_from_info(
        info, pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode)
    tidy(command)
    command.context_class = CellContext
    return command


RegistryOption = Annotated[
    Optional[Path],
    typer.Option(
        "--registry", "-r",
        help="Registry file to use. Default: $CIRCLETRACK_REGISTRY, else data/projects.toml "
             "of the circletrack checkout you are in, else the bundled copy.",
        show_default=False,
    ),
]


def out_console(no_color: bool = False) -> Any:
    """The console for results on stdout (colour off when piped, with NO_COLOR or --no-color)."""
    from rich.console import Console

    from .options import color_disabled

    # color_system=None drops every escape code, bold and italic too (no_color keeps those).
    return Console(color_system=None if color_disabled(no_color) else "auto", soft_wrap=False,
                   highlight=False)


def output_width(no_color: bool = False) -> int:
    """The width results on stdout are laid out in: Rich's, found without importing Rich
    when stdout is piped (see `piped_width`)."""
    width = piped_width()
    return width if width is not None else out_console(no_color).width


def piped_width(environ: Any = None, stream: Any = None) -> int | None:
    """The width Rich's Console would lay stdout out in when it is not a terminal, or None
    when Rich would take it for one (and print colour) or the platform is Windows (where
    Rich's legacy-console rules decide the width). Lets a piped table skip importing Rich,
    with the very bytes Rich would give; tests/test_terminal.py compares the two."""
    environ = os.environ if environ is None else environ
    stream = sys.stdout if stream is None else stream
    if sys.platform == "win32":
        return None
    compatible = environ.get("TTY_COMPATIBLE", "")
    if compatible == "1":
        return None
    if compatible != "0":
        force = environ.get("FORCE_COLOR")
        if force is not None:
            if force != "":
                return None
        else:
            try:
                if stream.isatty():
                    return None
            except (AttributeError, ValueError):
                pass
    columns = environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)  # (0 too, as Rich: then no table fits and Rich lays it out)
    for descriptor in (0, 1, 2):  # as Rich: the first of stdin, stdout, stderr with a size
        try:
            width = os.get_terminal_size(descriptor)[0]
        except (AttributeError, ValueError, OSError):
            continue
        return width or 80
    return 80


def err_console() -> Any:
    """The console for messages on stderr."""
    from rich.console import Console

    from .options import color_disabled

    return Console(stderr=True, highlight=False,
                   color_system=None if color_disabled(False) else "auto")


def one_line(message: str) -> str:
    """A message folded onto one line, whatever it contains."""
    return " ".join(message.split())


def fail(message: str, status: int = ExitStatus.ERROR) -> typer.Exit:
    """Print a one-line error on stderr and return the Exit to raise."""
    typer.echo(_("Error: {message}").format(message=one_line(message)), err=True)
    return typer.Exit(int(status))


def warn(message: str) -> None:
    """Print a one-line warning on stderr; the command goes on and exits 0."""
    typer.echo(_("Warning: {message}").format(message=one_line(message)), err=True)


def checkout_notice(location: Location) -> None:
    """After a write to the registry of a circletrack checkout (found because the command
    ran inside one, not named), say on stderr which file changed and how to go elsewhere:
    the README's examples run there would otherwise change the project's own data."""
    if location.origin == "checkout":
        typer.echo(_("Note: this changed the circletrack checkout's own registry, {path}, "
                     "which git tracks: `git diff` shows the change, `circletrack undo` takes "
                     "it back, and `circletrack init PATH` makes a registry of your own "
                     "(then set CIRCLETRACK_REGISTRY=PATH).").format(path=location.path),
                   err=True)


def handle_errors(func: F) -> F:
    """Map every circletrack error (and OS error) to a one-line message and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FieldErrors as exc:
            raise fail("; ".join(_("{option}: {message}").format(
                option=option_name(p.field), message=p) for p in exc.problems),
                exc.exit_status) from None
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
    """The click context of the running command, or None."""
    return click.get_current_context(silent=True)


def option_name(field: str) -> str:
    """The option of the running command that sets `field` (a parameter name): `--progress`;
    `--target-*` for a group of options (target → target_value …); the field itself when the
    command has no such option."""
    ctx = current_context()
    params = ctx.command.params if ctx is not None else []
    for param in params:
        if param.name == field + "_":  # format_, json_: named so as not to shadow a module
            field = param.name
        if param.name == field and param.param_type_name == "option":
            return next((o for o in param.opts if o.startswith("--")), param.opts[0])
        if param.name == field:
            return (param.metavar or field.upper()).strip("[]")
    grouped = [p for p in params if (p.name or "").startswith(field + "_")]
    if grouped:
        return "--" + field.replace("_", "-") + "-*"
    return field


def command(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """`app.command` with the error handler applied. Extra words are collected (not refused
    by Click in English) and refused here as ExtraArguments."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def checked(*call_args: Any, **call_kwargs: Any) -> Any:
            ctx = current_context()
            if ctx is not None and ctx.args:
                raise ExtraArguments(list(ctx.args), ctx)
            call_kwargs = {name: _as_typed(value) for name, value in call_kwargs.items()}
            if ctx is not None:  # (the filter options are read from ctx.params)
                ctx.params.update({name: _as_typed(value) for name, value in ctx.params.items()})
            return handle_errors(func)(*call_args, **call_kwargs)

        settings = {"allow_extra_args": True, **kwargs.pop("context_settings", {})}
        app.command(*args, context_settings=settings, **kwargs)(checked)
        return func

    return decorate


def _as_typed(value: Any) -> Any:
    """A parameter's value with its text read as the user typed it (UTF-8, even where the
    locale is the C locale: see cells.system_text); paths and other values as they are."""
    if isinstance(value, str):
        return system_text(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, str) for v in value):
        return type(value)(system_text(v) if isinstance(v, str) else v for v in value)
    return value


def registry_location(option: Path | None) -> Location:
    """Where the registry is, from --registry, the environment or the working folder."""
    return locate(option)
