"""List the translatable messages of circletrack's source, help pages included, as a
gettext template (.pot).

A message is the string literal given to `_()`, `N_()`, `ngettext()` (singular and plural)
or `pgettext()` (context and message) anywhere under src/circletrack. `_()` may also take
a name or a subscript, `_(STATUS_LABELS[status])`: that translates, where it is shown, a
message marked with `N_()` where it was defined. Any other expression (an f-string, a
concatenation, a `.format()` call) is an error: the result could never be found in a
catalogue, so templates are translated first and filled after: `_("{n} items").format(n=…)`.

Help pages are messages too, found where they are written, with no marker:

- the docstring of a function decorated with `@command(…)` (a command's help page);
- the string literal given as `help=` to any call (typer.Option, typer.Argument,
  typer.Typer, a field's `spec`), or as the help argument of `text_option(flag, help)`.
  A help text naming values of the code says `{statuses}`, `{kinds}`, `{target_ops}` or
  `{id_forms}` (cli/helptext.py fills them after translation); a date option's help may
  end with `{DATE_HELP}`, which the help page moves under the options, so the message is
  the text before it. Any other f-string is an error; help built another way (a name, a
  call) is marked with `N_()` where its text is written.

    python tools/extract_messages.py > circletrack.pot    # then merge into the .po by hand
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "circletrack"
#: The marker functions and how many leading arguments are message text.
MARKERS: dict[str, int] = {"_": 1, "N_": 1, "ngettext": 2, "pgettext": 2}
#: Functions taking a help text as a positional argument, and its position.
HELP_ARGUMENTS: dict[str, int] = {"text_option": 1}
#: The decorator (by its name) whose functions' docstrings are help pages.
COMMAND_DECORATOR = "command"
#: What a date option's help ends with (cli/options.py); not part of its message.
DATE_HELP = "DATE_HELP"


@dataclass
class Message:
    """One msgid (with its plural and context, if any) and where the code uses it."""

    msgid: str
    plural: str | None = None
    context: str | None = None
    places: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        """What a catalogue looks the message up by."""
        return self.context, self.msgid


class NotALiteral(ValueError):
    """A marker call whose message is not a plain string literal."""


def _literal(node: ast.expr, where: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise NotALiteral(f"{where}: the message must be a plain string literal, "
                      f"not {ast.unparse(node)}")


def _help_literal(node: ast.expr, where: str) -> str | None:
    """The message of a help argument: a literal, or an f-string's text before a closing
    `{DATE_HELP}`; None for a help built elsewhere (a name, a call: marked where written)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        *text, last = node.values
        if (isinstance(last, ast.FormattedValue) and isinstance(last.value, ast.Name)
                and last.value.id == DATE_HELP
                and all(isinstance(part, ast.Constant) for part in text)):
            return "".join(str(part.value) for part in text  # type: ignore[attr-defined]
                           ).rstrip()
        raise NotALiteral(f"{where}: a help text must be a plain string literal (name the "
                          f"code's values as {{statuses}}…, see helptext), not "
                          f"{ast.unparse(node)}")
    return None


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def help_in(tree: ast.AST, path: str) -> list[Message]:
    """The help texts of one source file: command docstrings and help arguments."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                _decorator_name(d) == COMMAND_DECORATOR for d in node.decorator_list):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                found.append(Message(doc, places=[f"{path}:{node.lineno}"]))
        if not isinstance(node, ast.Call):
            continue
        where = f"{path}:{node.lineno}"
        helps = [k.value for k in node.keywords if k.arg == "help"]
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if name in HELP_ARGUMENTS and len(node.args) > HELP_ARGUMENTS[name]:
            helps.append(node.args[HELP_ARGUMENTS[name]])
        for value in helps:
            text = _help_literal(value, where)
            if text:
                found.append(Message(text, places=[where]))
    return found


def messages_in(path: Path, root: Path = ROOT) -> list[Message]:
    """The messages one source file marks, and its help texts, in file order."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = help_in(tree, path.relative_to(root).as_posix())
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in MARKERS):
            continue
        where = f"{path.relative_to(root).as_posix()}:{node.lineno}"
        if (node.func.id == "_" and len(node.args) == 1
                and isinstance(node.args[0], (ast.Name, ast.Subscript, ast.Attribute))):
            continue  # a message marked with N_() where it was defined
        args = [_literal(arg, where) for arg in node.args[:MARKERS[node.func.id]]]
        if len(args) != MARKERS[node.func.id]:
            raise NotALiteral(f"{where}: {node.func.id}() needs {MARKERS[node.func.id]} "
                              "string arguments")
        if node.func.id == "ngettext":
            found.append(Message(args[0], plural=args[1], places=[where]))
        elif node.func.id == "pgettext":
            found.append(Message(args[1], context=args[0], places=[where]))
        else:
            found.append(Message(args[0], places=[where]))
    return sorted(found, key=lambda m: int(m.places[0].rsplit(":", 1)[1]))


def extract(source: Path = SOURCE) -> dict[tuple[str | None, str], Message]:
    """Every message under `source`, once each, with all the places that use it."""
    merged: dict[tuple[str | None, str], Message] = {}
    for path in sorted(source.rglob("*.py")):
        for message in messages_in(path):
            known = merged.setdefault(message.key, Message(message.msgid, message.plural,
                                                           message.context))
            if message.plural is not None:
                known.plural = message.plural
            known.places += message.places
    return merged


def quote(text: str) -> str:
    """A .po string literal."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\t", "\\t"))
    return f'"{escaped}"'


def pot(messages: dict[tuple[str | None, str], Message]) -> str:
    """The messages as a .pot file with empty translations."""
    parts = ['msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n']
    for message in messages.values():
        lines = [f"#: {' '.join(message.places)}"]
        if message.context is not None:
            lines.append(f"msgctxt {quote(message.context)}")
        lines.append(f"msgid {quote(message.msgid)}")
        if message.plural is not None:
            lines += [f"msgid_plural {quote(message.plural)}", 'msgstr[0] ""']
        else:
            lines.append('msgstr ""')
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(pot(extract()))
