"""Shell completion: the script each shell needs (`--show-completion SHELL`,
`--install-completion SHELL`) and the answer to each request a script makes.

The scripts and the way they pass the command line are Typer's (bash, zsh, fish,
PowerShell); Typer is pinned below 0.25 (pyproject.toml), so its completion module is a
known one. Typer's completion classes are registered with Click only when a shell asks
(the variable `_CIRCLETRACK_COMPLETE` is set), so an ordinary run pays nothing for them.

A value completed as a file or folder (`--output`, `--registry`, intake's FILE...) is
left to the shell, which knows the file system better: Click would answer with the
typed text itself, and bash would then complete `ret<TAB>` to `ret `. With no answer,
bash falls back to file names (`complete -o default`), zsh runs `_files` and fish
offers files.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ..base.i18n import _

#: The shells a script exists for.
SHELLS: tuple[str, ...] = ("bash", "zsh", "fish", "powershell", "pwsh")
#: The value of an option given without a shell: the shell circletrack runs in.
_DETECT = "detect"


def completion_options() -> list[click.Option]:
    """The root's --install-completion [SHELL] and --show-completion [SHELL]."""
    return [
        click.Option(["--install-completion"], is_flag=False, flag_value=_DETECT,
                     default=None, metavar="[SHELL]", expose_value=False, is_eager=True,
                     callback=_install,
                     help="Install completion for SHELL (bash, zsh, fish or powershell; "
                          "default: the shell you are in), then open a new shell."),
        click.Option(["--show-completion"], is_flag=False, flag_value=_DETECT,
                     default=None, metavar="[SHELL]", expose_value=False, is_eager=True,
                     callback=_show,
                     help="Print the completion script for SHELL (default: the shell you "
                          "are in), to install by hand."),
    ]


def _shell(value: str, param: click.Parameter) -> str:
    """The shell an option names, or the one circletrack runs in."""
    if value != _DETECT:
        if value not in SHELLS:
            raise click.BadParameter(_("unknown shell {value!r}; use one of {choices}").format(
                value=value, choices=", ".join(SHELLS)), param=param)
        return value
    import shellingham

    try:
        name = str(shellingham.detect_shell()[0]).lower()
    except shellingham.ShellDetectionFailure:
        name = ""
    if name not in SHELLS:
        raise click.UsageError(_("cannot tell which shell this is{found}; name it, e.g. "
                                 "--show-completion bash (one of {choices})").format(
            found=f" ({name})" if name else "", choices=", ".join(SHELLS)))
    return name


def _names(ctx: click.Context) -> tuple[str, str]:
    """The program's name and the variable its completion requests come in."""
    prog = ctx.find_root().info_name or "circletrack"
    return prog, "_{}_COMPLETE".format(prog.replace("-", "_").upper())


#: zsh's script. `--install-completion zsh` puts it on $fpath as `_PROG`, which zsh autoloads
#: on the first TAB: the file then runs as the body of `_PROG`, so it defines `_PROG` anew
#: (the next TAB calls that directly) and completes at once. Typer's script, and Click's,
#: define a function of another name instead: the first TAB completes, the second runs the
#: file again and only registers that function, and completes nothing. Sourced (`eval
#: "$(circletrack --show-completion zsh)"`), it registers `_PROG` with compdef.
_ZSH = """\
#compdef {prog}

{function}() {{
  eval $(env _TYPER_COMPLETE_ARGS="${{words[1,$CURRENT]}}" {variable}=complete_zsh {prog})
}}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  {function} "$@"
else
  compdef {function} {prog}
fi"""


def completion_script(prog: str, variable: str, shell: str) -> str:
    """The script that makes `shell` ask `prog` for completions."""
    from typer._completion_shared import get_completion_script

    if shell == "zsh":
        function = "_" + "".join(c for c in prog if c.isalnum() or c in "_-")
        return _ZSH.format(prog=prog, function=function, variable=variable)
    return get_completion_script(prog_name=prog, complete_var=variable, shell=shell)


def install_script(prog: str, variable: str, shell: str) -> Path:
    """Install the completion script where `shell` reads it at start (the places Typer's
    `--install-completion` uses), and return the path written."""
    script = completion_script(prog, variable, shell)
    home = Path.home()
    if shell == "bash":
        target = home / ".bash_completions" / f"{prog}.sh"
        _add_line(home / ".bashrc", f"source '{target}'")
    elif shell == "zsh":
        target = home / ".zfunc" / f"_{prog}"
        _add_line(home / ".zshrc", "fpath+=~/.zfunc; autoload -Uz compinit; compinit")
    elif shell == "fish":
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        target = config / "fish" / "completions" / f"{prog}.fish"
    else:
        from typer._completion_shared import install

        return install(shell=shell, prog_name=prog, complete_var=variable)[1]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(script + "\n", encoding="utf-8")
    return target


def _add_line(rc: Path, line: str) -> None:
    """Append `line` to a shell's start-up file unless it holds it already."""
    text = rc.read_text(encoding="utf-8") if rc.is_file() else ""
    if line not in text.splitlines():
        with rc.open("a", encoding="utf-8") as handle:
            handle.write(("" if not text or text.endswith("\n") else "\n") + line + "\n")


def _show(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    prog, variable = _names(ctx)
    click.echo(completion_script(prog, variable, _shell(value, param)))
    ctx.exit(0)


def _install(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    prog, variable = _names(ctx)
    shell = _shell(value, param)
    path = install_script(prog, variable, shell)
    click.echo(_("{shell} completion installed in {path}; it works in shells started from "
                 "now on.").format(shell=shell, path=path))
    ctx.exit(0)


def answer_completion(cli: click.Command, ctx_args: Any, prog_name: str,
                      complete_var: str | None) -> None:
    """When the shell asks for completions, answer and exit; otherwise return."""
    variable = complete_var or "_{}_COMPLETE".format(prog_name.replace("-", "_").upper())
    instruction = os.environ.get(variable)
    if not instruction:
        return
    _register()
    from typer.completion import shell_complete

    sys.exit(shell_complete(cli, ctx_args, prog_name, variable, instruction))


def _register() -> None:
    """Typer's completion classes, each leaving files and folders to the shell."""
    from click.shell_completion import add_completion_class
    from typer import _completion_classes as typer_classes

    for name, bases in (("bash", (typer_classes.BashComplete,)),
                        ("zsh", (_ZshQuotes, typer_classes.ZshComplete)),
                        ("fish", (typer_classes.FishComplete,)),
                        ("powershell", (typer_classes.PowerShellComplete,)),
                        ("pwsh", (typer_classes.PowerShellComplete,))):
        add_completion_class(type(f"{bases[-1].__name__}Files", (_ShellFiles, *bases), {}),
                             name)


class _ShellFiles:
    """Completions without the file and folder placeholders Click adds (see the module)."""

    def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
        from .helptext import early_language, localize

        early_language(args)  # `circletrack --lang zh --no-c<TAB>`: described in Chinese
        group = self.cli  # type: ignore[attr-defined]
        for command in [group, *getattr(group, "commands", {}).values()]:
            localize(command)  # (a command loaded later is tidied in this language)
        found = super().get_completions(args, incomplete)  # type: ignore[misc]
        return [item for item in found if item.type not in ("file", "dir")]


class _ZshQuotes:
    """An apostrophe in a value or its help ("the office's bulletin") kept: Typer doubles
    it, which only zsh's RC_QUOTES option reads as one; '\\'' reads so everywhere."""

    def format_completion(self, item: Any) -> str:
        return super().format_completion(item).replace("''", "'\\''")  # type: ignore[misc]
