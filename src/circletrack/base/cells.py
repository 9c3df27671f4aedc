"""Text measured in terminal cells: a Chinese character takes two, and lines break the
way Chinese text breaks (禁则). Used by the tables and by the help pages, so it imports
only Rich's cell widths, not its consoles or tables (`--help` stays quick). Also what no
text may hold (control characters, bytes that are not UTF-8), and the command line and
the environment read as UTF-8 whatever the locale."""

from __future__ import annotations

import re
import unicodedata

from rich.cells import cell_len as _rich_cell_len
from rich.cells import get_character_cell_size

__all__ = ["NO_LINE_END", "NO_LINE_START", "cell_len", "wrap_cells", "wrap_words"]

_SPACE = re.compile(r"\s")


def cell_len(text: str) -> int:
    """The width of `text` in terminal cells (printable ASCII is as wide as it is long)."""
    return len(text) if text.isascii() and text.isprintable() else _rich_cell_len(text)

#: Chinese line-breaking rules (禁则): closing punctuation never starts a line, opening
#: punctuation never ends one; the character before moves down with it instead.
NO_LINE_START = frozenset("、，。；：！？）」』”’》〉】〕…,.;:!?)]%")
NO_LINE_END = frozenset("（「『“‘《〈【〔([")


def _in_word(char: str) -> bool:
    """Part of a run that must not break: an id, a number, a date, an English word."""
    return char.isascii() and not char.isspace()


def wrap_cells(text: str, width: int, separators: str = "", prose: bool = False) -> list[str]:
    """Lines of at most `width` cells: words break at spaces, Chinese anywhere except
    before closing or after opening punctuation; a newline in the text always breaks.
    A run of ASCII (an id, a number, a date: `hwy-raocheng-west`, `2020`, `2.0`) moves to
    the next line whole where it fits on one; with `separators` (`、` for a list of units)
    the text breaks only after one of them where a part fits on a line. With `prose`
    (running text, as in help pages) a line that ends in Chinese breaks there, not back
    at the last space, so a Chinese sentence with an English word in it fills its lines."""
    if "\n" in text:
        return [line for part in text.split("\n")
                for line in wrap_cells(part, width, separators, prose)]
    if cell_len(text) <= width:
        return [text]
    if separators:
        return _wrap_parts(text, width, separators)
    lines: list[str] = []
    line: list[str] = []
    used = 0
    last_space = -1
    run_start = -1  # where the ASCII run the line ends with starts
    for char in text:
        size = get_character_cell_size(char)
        if used + size > width and line:
            run = len(line) - run_start if run_start >= 0 else 0
            cut = _chinese_cut(line, char) if prose else None
            if cut is not None:
                lines.append("".join(line[:cut]).rstrip())
                line = line[cut:]
            elif not _SPACE.match(char) and last_space > 0:
                lines.append("".join(line[:last_space]).rstrip())
                line = line[last_space + 1:]
            elif (_in_word(char) and run_start > 0
                  and sum(get_character_cell_size(c) for c in line[run_start:]) + size <= width
                  and run < len(line)):
                lines.append("".join(line[:run_start]).rstrip())  # 2020 never breaks
                line = line[run_start:]
            elif (_in_word(char) and run_start >= 0
                  and "-" in line[run_start:-1]):  # an id longer than a line: after a hyphen
                cut = len(line) - line[::-1].index("-")
                lines.append("".join(line[:cut]).rstrip())
                line = line[cut:]
            elif (char in NO_LINE_START and run_start > 0
                  and sum(get_character_cell_size(c) for c in line[run_start:]) + size <= width):
                lines.append("".join(line[:run_start]).rstrip())  # `cancelled，` moves down
                line = line[run_start:]                           # whole, with its comma
            elif len(line) > 1 and (char in NO_LINE_START or line[-1] in NO_LINE_END):
                lines.append("".join(line[:-1]).rstrip())  # 、 never starts a line,
                line = line[-1:]                           # 《 never ends one
            else:
                lines.append("".join(line).rstrip())
                line = []
            used = sum(get_character_cell_size(c) for c in line)
            last_space = -1
            run_start = 0 if line and all(_in_word(c) for c in line) else -1
            if _SPACE.match(char) and not line:
                continue
        if _in_word(char):
            if run_start < 0:
                run_start = len(line)
        else:
            run_start = -1
        line.append(char)
        used += size
        if _SPACE.match(char):
            last_space = len(line) - 1
    if line:
        lines.append("".join(line))
    return lines


def _chinese_cut(line: list[str], char: str) -> int | None:
    """Where a line of running text breaks when `char` no longer fits: between the last two
    Chinese characters that allow it (、，。） never start a line, （ never ends one), counted
    back from `char`; None when the line does not end in Chinese."""
    following = char
    for at in range(len(line), 0, -1):
        before = line[at - 1]
        if get_character_cell_size(following) != 2:
            return None
        if (following not in NO_LINE_START and before not in NO_LINE_END
                and (get_character_cell_size(before) == 2 or before in NO_LINE_START)):
            return at
        following = before
    return None


def _wrap_parts(text: str, width: int, separators: str) -> list[str]:
    """Lines of whole parts (each ending with its separator), folded only where one part
    is wider than a line."""
    parts = re.findall(f"[^{re.escape(separators)}]*[{re.escape(separators)}]?", text)
    lines: list[str] = []
    line = ""
    for part in filter(None, parts):
        if cell_len(line + part) <= width:
            line += part
            continue
        if line:
            lines.append(line)
        *full, line = wrap_cells(part, width) if cell_len(part) > width else [part]
        lines.extend(full)
    if line:
        lines.append(line)
    return lines


def wrap_words(text: str, width: int) -> list[str]:
    """Lines of at most `width` cells broken only between words, as Rich wraps a table's
    title: a heading keeps a unit's name whole where it fits on a line. A word wider than
    a line is folded by `wrap_cells`."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        joined = f"{line} {word}" if line else word
        if cell_len(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        *full, line = wrap_cells(word, width) if cell_len(word) > width else [word]
        lines.extend(full)
    if line or not lines:
        lines.append(line)
    return lines


#: Characters a terminal acts on instead of showing, or that reorder the text around them:
#: C0 controls but tab and line feed (ESC starts `ESC[2J`, OSC titles and links; BEL, CR,
#: backspace), DEL, C1 controls, and the bidirectional marks, embeddings, overrides and
#: isolates (U+202E turns `mroF.xlsx` into a name that reads `xslx.Form`). No field of a
#: registry, no form cell and no command-line value holds them.
CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def control_character(text: str) -> str | None:
    """The first control character in `text` as `U+001B`, or None."""
    found = CONTROL_CHARACTERS.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def escape_controls(text: str) -> str:
    """`text` with each control character written as a visible escape (`\\x1b`, `\\u202e`),
    so printing it can neither move the cursor, clear the screen nor reorder a line."""
    if not CONTROL_CHARACTERS.search(text):
        return text
    return CONTROL_CHARACTERS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"),
                                  text)


#: A lone surrogate: no character of any text a file can hold. Python makes one of each
#: byte it cannot decode in a command line or the environment (U+DC80 to U+DCFF, the
#: byte's escape), and JSON can write one (`"\ud800"`).
_SURROGATE = re.compile("[\ud800-\udfff]")
_BYTE_ESCAPE = re.compile("[\udc80-\udcff]")
#: A control character or a lone surrogate: one scan finds whether a text holds either
#: (the validator asks of every text; almost none holds one).
CONTROL_OR_SURROGATE = re.compile(CONTROL_CHARACTERS.pattern[:-1] + "\ud800-\udfff]")


def system_text(text: str) -> str:
    """A command-line word or an environment variable, read as UTF-8.

    Python decodes them with the locale's encoding, and where that cannot decode UTF-8
    (the C locale: ASCII) each byte of 中 becomes an escape (U+DC80 to U+DCFF). The bytes
    are put back and read as UTF-8: 中 is 中 again, and what was text already is unchanged.
    Bytes that are not UTF-8 stay escapes, for `undecodable` to name."""
    if not _BYTE_ESCAPE.search(text):
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no byte's escape: leave it to be named
        return text


def undecodable(text: str) -> str | None:
    """The first thing in `text` that is not a character, or None: a byte that is not UTF-8
    (as Python escapes it) as `\\xff`, a lone surrogate as `U+D800`."""
    found = _SURROGATE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"


def shown_text(text: str) -> str:
    """`text` to show or keep as a label (a file's name in an undo entry or as the source
    of a form's reports): read as UTF-8 (see `system_text`), each byte that is not UTF-8
    then replaced by U+FFFD (�), so it can be written in a UTF-8 file."""
    text = system_text(text)
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def fold(text: str) -> str:
    """Text as compared when finding an item or a filter value: NFKC (full-width letters,
    digits and brackets become their ASCII forms), case folded, outer spaces removed."""
    return unicodedata.normalize("NFKC", text).casefold().strip()
