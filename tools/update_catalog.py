"""Bring the Chinese catalogue in line with the code: drop the messages the code no longer
uses, add the new ones with their translations, then compile the .mo.

    python tools/update_catalog.py                     # list what is missing or unused
    python tools/update_catalog.py --write NEW.json    # apply: NEW.json maps each new
                                                       # msgid to its translation

NEW.json is a JSON object {"msgid": "译文", …}; a message with a context is keyed
"context\\u0004msgid". Nothing is written while a new message lacks a translation, so the
catalogue never holds an untranslated entry.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from compile_catalogs import LOCALE, compile_file, parse_po
from extract_messages import Message, extract, quote

PO = LOCALE / "zh" / "LC_MESSAGES" / "circletrack.po"


def _key(context: str | None, msgid: str) -> str:
    return msgid if context is None else f"{context}\x04{msgid}"


def _blocks(text: str) -> list[str]:
    """The .po text split into entries (blank-line separated), the header first."""
    return [block for block in text.strip("\n").split("\n\n") if block.strip()]


def _block_key(block: str) -> str | None:
    entries = parse_po(block)
    if not entries or not entries[0].msgid:
        return None  # the header, or the leading comment
    return _key(entries[0].context, entries[0].msgid)


def _new_block(message: Message, translation: str) -> str:
    lines = [f"#: {' '.join(sorted({p.rsplit(':', 1)[0] for p in message.places}))}"]
    if "{" in message.msgid:
        lines.append("#, python-brace-format")
    if message.context is not None:
        lines.append(f"msgctxt {quote(message.context)}")
    lines.append(f"msgid {quote(message.msgid)}")
    if message.plural is not None:
        lines += [f"msgid_plural {quote(message.plural)}", f"msgstr[0] {quote(translation)}"]
    else:
        lines.append(f"msgstr {quote(translation)}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    messages = {_key(m.context, m.msgid): m for m in extract().values()}
    blocks = _blocks(PO.read_text(encoding="utf-8"))
    known = {key for key in map(_block_key, blocks) if key is not None}
    unused = sorted(known - set(messages))
    missing = [key for key in messages if key not in known]
    if "--write" not in argv:
        for key in unused:
            print(f"unused:  {key!r}")
        for key in missing:
            print(f"missing: {key!r}")
        return 1 if unused or missing else 0
    translations: dict[str, str] = json.loads(
        Path(argv[argv.index("--write") + 1]).read_text(encoding="utf-8"))
    lacking = [key for key in missing if not translations.get(key)]
    if lacking:
        for key in lacking:
            print(f"no translation given for {key!r}")
        return 1
    kept = [b for b in blocks if _block_key(b) is None or _block_key(b) in messages]
    added = [_new_block(messages[key], translations[key]) for key in missing]
    PO.write_text("\n\n".join(kept + added) + "\n", encoding="utf-8")
    PO.with_suffix(".mo").write_bytes(compile_file(PO))
    print(f"{PO.name}: {len(unused)} removed, {len(added)} added; compiled the .mo")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
