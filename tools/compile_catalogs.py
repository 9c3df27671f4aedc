"""Compile circletrack's gettext catalogues: every `.po` under src/circletrack/locale to the
`.mo` beside it, in the GNU format the standard library's `gettext` reads.

Pure Python, so a machine without GNU gettext can rebuild them; the output is what
CPython's Tools/i18n/msgfmt.py writes (no hash table, which readers do not need): the
magic number, the counts and offsets, then the msgids sorted by their bytes and their
translations. A context is joined to its msgid with EOT (\\x04), plural forms with NUL.
Fuzzy and untranslated entries are left out, as msgfmt leaves them out.

    python tools/compile_catalogs.py           # write every .mo
    python tools/compile_catalogs.py --check   # exit 1 if a committed .mo is out of date
"""

from __future__ import annotations

import ast
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "circletrack" / "locale"
MAGIC = 0x950412DE


@dataclass
class Entry:
    """One message of a .po file."""

    msgid: str = ""
    context: str | None = None
    plural: str | None = None
    translations: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False

    @property
    def key(self) -> str:
        """The msgid as the .mo stores it: `context\\x04msgid`, `msgid\\x00plural`."""
        key = self.msgid if self.plural is None else f"{self.msgid}\x00{self.plural}"
        return key if self.context is None else f"{self.context}\x04{key}"

    @property
    def value(self) -> str:
        """The translation as the .mo stores it (plural forms joined by NUL)."""
        return "\x00".join(self.translations[n] for n in sorted(self.translations))

    @property
    def translated(self) -> bool:
        """True when every form has a translation (the header counts as translated)."""
        return bool(self.translations) and all(self.translations.values())


class PoSyntaxError(ValueError):
    """A line of a .po file that is not a comment, a keyword or a string."""


def _string(text: str, where: str) -> str:
    if not (text.startswith('"') and text.endswith('"')):
        raise PoSyntaxError(f"{where}: expected a quoted string, found {text!r}")
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        raise PoSyntaxError(f"{where}: cannot read the string {text}") from None
    if not isinstance(value, str):
        raise PoSyntaxError(f"{where}: expected a string, found {text!r}")
    return value


def parse_po(text: str, name: str = "<po>") -> list[Entry]:
    """The entries of a .po file, in file order (the header, msgid "", included)."""
    entries: list[Entry] = []
    entry = Entry()
    started = False
    target: tuple[str, int] | None = None  # which field a continuation line extends

    def finish() -> None:
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if started and target is not None and target[0] == "msgstr":
                finish()  # comments open the next entry
            if line.startswith("#,") and "fuzzy" in (f.strip() for f in line[2:].split(",")):
                entry.fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            if target is None:
                raise PoSyntaxError(f"{where}: a string continues nothing")
            value = _string(line, where)
            kind, index = target
            if kind == "msgstr":
                entry.translations[index] += value
            else:
                setattr(entry, kind, (getattr(entry, kind) or "") + value)
            continue
        value = _string(rest.strip(), where)
        if keyword == "msgctxt":
            if started and target is not None and target[0] == "msgstr":
                finish()
            entry.context, started, target = value, True, ("context", 0)
        elif keyword == "msgid":
            if started and target is not None and target[0] == "msgstr":
                finish()
            entry.msgid, started, target = value, True, ("msgid", 0)
        elif keyword == "msgid_plural":
            entry.plural, target = value, ("plural", 0)
        elif keyword == "msgstr":
            entry.translations[0], target = value, ("msgstr", 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            index = int(keyword[len("msgstr["):-1])
            entry.translations[index], target = value, ("msgstr", index)
        else:
            raise PoSyntaxError(f"{where}: unknown keyword {keyword!r}")
    finish()
    return entries


def compile_mo(entries: list[Entry]) -> bytes:
    """The .mo bytes of the translated, non-fuzzy entries, keys sorted by their UTF-8 bytes."""
    chosen = {e.key.encode("utf-8"): e.value.encode("utf-8") for e in entries
              if e.translated and not (e.fuzzy and e.msgid)}
    keys = sorted(chosen)
    ids = b"".join(key + b"\0" for key in keys)
    strs = b"".join(chosen[key] + b"\0" for key in keys)
    count = len(keys)
    key_start = 7 * 4 + 16 * count  # after the header and both offset tables
    value_start = key_start + len(ids)
    offsets: list[int] = []
    position = 0
    for key in keys:
        offsets += [len(key), key_start + position]
        position += len(key) + 1
    position = 0
    for key in keys:
        offsets += [len(chosen[key]), value_start + position]
        position += len(chosen[key]) + 1
    header = struct.pack("<7I", MAGIC, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, 0)
    return header + struct.pack(f"<{len(offsets)}I", *offsets) + ids + strs


def compile_file(po_path: Path) -> bytes:
    """The .mo bytes of one .po file."""
    return compile_mo(parse_po(po_path.read_text(encoding="utf-8"), str(po_path)))


def catalogues(locale: Path = LOCALE) -> list[Path]:
    """Every .po file under the locale folder."""
    return sorted(locale.rglob("*.po"))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        data = compile_file(po_path)
        if check:
            if not mo_path.is_file() or mo_path.read_bytes() != data:
                stale.append(mo_path)
        else:
            mo_path.write_bytes(data)
            print(f"wrote {mo_path.relative_to(ROOT)}")
    for path in stale:
        print(f"out of date: {path.relative_to(ROOT)} (run python tools/compile_catalogs.py)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
