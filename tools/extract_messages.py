"""List the translatable messages of circletrack's source, as a gettext template (.pot).

A message is the string literal given to `_()`, `N_()`, `ngettext()` (singular and plural)
or `pgettext()` (context and message) anywhere under src/circletrack. `_()` may also take
a name or a subscript, `_(STATUS_LABELS[status])`: that translates, where it is shown, a
message marked with `N_()` where it was defined. Any other expression (an f-string, a
concatenation, a `.format()` call) is an error: the result could never be found in a
catalogue, so templates are translated first and filled after: `_("{n} items").format(n=…)`.

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


def messages_in(path: Path, root: Path = ROOT) -> list[Message]:
    """The messages one source file marks, in file order."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
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
