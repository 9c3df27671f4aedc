"""The adversarial suite, category 3: malformed registries. Mutants of the shipped file
(chosen ones: types, nesting, numbers, dates, sizes, encodings, links between items, special
files; then random byte and line mutations) each run through validate, list, show, status,
overdue and a mark; every run must succeed on a valid mutant or fail cleanly."""

from __future__ import annotations

import os
import random
import re
import socket
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from adversarial_harness import (
    SHIPPED,
    Case,
    Harness,
    failed_cleanly,
    fingerprint,
    good_write,
    leftovers,
    repro,
    validate_reported,
)

DATA = SHIPPED.read_bytes()
TEXT = DATA.decode("utf-8")
READS = (["validate"], ["list"], ["show", "coop-06"], ["status"], ["overdue", "-f", "csv"])
WRITE = ["mark", "coop-06", "-n", "对抗写入"]


@dataclass
class Mutant:
    """A malformed registry: how it was made, and how to make it in a folder."""

    name: str
    description: str
    build: Callable[[Path], Path]


def _file(data: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / "projects.toml"
        path.write_bytes(data)
        return path
    return build


def _block(text: str, item: str) -> tuple[int, int]:
    """Where an item's table (with its sub-tables) starts and ends in the text."""
    at = text.index(f'\nid = "{item}"\n')
    start = text.rfind("\n[[items]]\n", 0, at + 1) + 1
    end = text.find("\n[[items]]\n", at)
    return start, (end + 1 if end >= 0 else len(text))


def edit(item: str, pattern: str, replacement: str, text: str = TEXT) -> str:
    """The text with the first match of `pattern` (a line regex) in an item's table replaced."""
    start, end = _block(text, item)
    block, hits = re.subn(pattern, lambda _m: replacement, text[start:end], count=1,
                          flags=re.MULTILINE)
    if not hits:
        raise ValueError(f"no {pattern!r} in {item}")
    return text[:start] + block + text[end:]


def _coop(pattern: str, replacement: str) -> bytes:
    return edit("coop-06", pattern, replacement).encode("utf-8")


def _coop_bytes(old: bytes, new: bytes) -> bytes:
    """The shipped bytes with the first `old` inside coop-06's table replaced by `new`."""
    start, end = (len(TEXT[:i].encode("utf-8")) for i in _block(TEXT, "coop-06"))
    block = DATA[start:end]
    if old not in block:
        raise ValueError(f"no {old!r} in coop-06")
    return DATA[:start] + block.replace(old, new, 1) + DATA[end:]


def _add_to(item: str, line: str) -> bytes:
    """An extra key line right after the item's id."""
    return edit(item, rf'^id = "{re.escape(item)}"$', f'id = "{item}"\n{line}').encode()


def _special(kind: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / "projects.toml"
        if kind == "folder":
            path.mkdir()
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "socket":
            server = socket.socket(socket.AF_UNIX)
            server.bind(str(path))
            server.close()
        elif kind == "sparse":
            with open(path, "wb") as handle:
                handle.truncate(300 * 1024 * 1024)
        elif kind == "missing":
            pass
        elif kind == "under-a-file":
            (folder / "file").write_bytes(DATA)
            return folder / "file" / "projects.toml"
        elif kind == "dangling":
            path.symlink_to(folder / "nowhere.toml")
        elif kind == "loop":
            path.symlink_to(path)
        elif kind.startswith("/"):
            if kind.endswith("@link"):
                path.symlink_to(kind[:-5])
            else:
                return Path(kind)
        else:
            raise ValueError(kind)
        return path
    return build


_ITEM_06 = TEXT[slice(*_block(TEXT, "coop-06"))]


def chosen_mutants() -> list[Mutant]:
    """The hand-picked malformed registries."""
    m: list[Mutant] = []

    def add(name: str, description: str, data: bytes) -> None:
        m.append(Mutant(name, description, _file(data)))

    def special(name: str, description: str, kind: str) -> None:
        m.append(Mutant(name, description, _special(kind)))

    # Whole-file shapes and encodings
    add("empty", "an empty file", b"")
    add("blank", "only blank lines and tabs", b"  \n\n\t\n")
    add("schema-only", "only `schema = 2`", b"schema = 2\n")
    add("bom", "a UTF-8 byte-order mark before the shipped text", b"\xef\xbb\xbf" + DATA)
    add("crlf", "the shipped file with CRLF line ends", DATA.replace(b"\n", b"\r\n"))
    add("bom-crlf", "BOM and CRLF", b"\xef\xbb\xbf" + DATA.replace(b"\n", b"\r\n"))
    add("cr-only", "old-Mac CR line ends", DATA.replace(b"\n", b"\r"))
    add("utf16", "the shipped text in UTF-16 (with BOM)", TEXT.encode("utf-16"))
    add("gb18030", "the shipped text saved as GB18030", TEXT.encode("gb18030"))
    title = "钱江通道及接线工程".encode()
    add("latin1-title", "coop-06's title as Latin-1 bytes (caf\\xe9)",
        _coop_bytes(title, b"caf\xe9"))
    for label, junk in (("ff", b"\xff"), ("c328", b"\xc3\x28"), ("surrogate", b"\xed\xa0\x80"),
                        ("overlong", b"\xc0\xaf"), ("above-10ffff", b"\xf4\x90\x80\x80"),
                        ("lone-continuation", b"\x80")):
        add(f"bad-utf8-{label}", f"invalid UTF-8 {junk!r} inside coop-06's title",
            _coop_bytes(title, junk + title))
    add("nul-in-text", "a raw NUL byte inside coop-06's title",
        _coop_bytes(title, title[:6] + b"\x00" + title[6:]))
    add("nul-start", "a NUL byte before everything", b"\x00" + DATA)
    add("control-raw", "a raw \\x01 inside coop-06's title",
        _coop_bytes(title, title[:6] + b"\x01" + title[6:]))
    add("json", "the registry exported as JSON instead of TOML",
        b'[{"id": "coop-06", "kind": "cooperation", "title": "x"}]\n')
    add("binary", "4 KB of random bytes", random.Random(7).randbytes(4096))
    # Schema line
    for value in ("1", "3", '"2"', "2.0", "99999999999999999999", "true"):
        add("schema-" + value.replace('"', "string-"), f"schema = {value}",
            DATA.replace(b"schema = 2\n", f"schema = {value}\n".encode(), 1))
    add("schema-missing", "no schema line", DATA.replace(b"schema = 2\n", b"", 1))
    add("schema-twice", "schema given twice", b"schema = 2\n" + DATA)
    # Wrong types in coop-06
    for name, pattern, replacement in (
            ("id-int", r'^id = "coop-06"$', "id = 6"),
            ("id-list", r'^id = "coop-06"$', 'id = ["a"]'),
            ("id-empty", r'^id = "coop-06"$', 'id = ""'),
            ("id-space", r'^id = "coop-06"$', 'id = "coop 06"'),
            ("id-long", r'^id = "coop-06"$', f'id = "{"c" * 30000}"'),
            ("kind-int", r"^kind = .*$", "kind = 1"),
            ("kind-bogus", r"^kind = .*$", 'kind = "bogus"'),
            ("title-list", r"^title = .*$", "title = []"),
            ("title-empty", r"^title = .*$", 'title = ""'),
            ("category-bool", r"^category = .*$", "category = true"),
            ("category-bogus", r"^category = .*$", 'category = "bogus"'),
            ("lead-string", r'^lead = \[\n    "市交通局",\n\]$', 'lead = "市交通局"'),
            ("lead-nested", r'^lead = \[\n    "市交通局",\n\]$', 'lead = [["市交通局"]]'),
            ("lead-table", r'^lead = \[\n    "市交通局",\n\]$', 'lead = {a = "市交通局"}'),
            ("cities-ints", r"^cities = \[\n(?:    .*\n)*\]$", "cities = [1, 2]"),
            ("cities-mixed", r"^cities = \[\n(?:    .*\n)*\]$", 'cities = ["杭州", 2]'),
            ("created-string", r"^created = .*$", 'created = "2011-02-18"'),
            ("due-bool", r"^due = .*$", "due = true"),
            ("due-datetime", r"^due = .*$", "due = 2011-12-31T10:00:00"),
            ("due-datetime-tz", r"^due = .*$", "due = 2011-12-31T10:00:00+08:00"),
            ("due-time", r"^due = .*$", "due = 10:00:00"),
            ("due-feb-30", r"^due = .*$", "due = 2011-02-30"),
            ("due-month-13", r"^due = .*$", "due = 2011-13-01"),
            ("due-9999", r"^due = .*$", "due = 9999-12-31"),
            ("due-0001", r"^due = .*$", "due = 0001-01-01"),
            ("due-1899", r"^due = .*$", "due = 1899-12-31"),
            ("due-2200", r"^due = .*$", "due = 2200-01-01"),
            ("due-2199", r"^due = .*$", "due = 2199-12-31"),
            ("created-1900", r"^created = .*$", "created = 1900-01-01"),
            ("created-after-due", r"^created = .*$", "created = 2030-01-01"),
            ("status-int", r'^status = "in_progress"$', "status = 3"),
            ("status-bogus", r'^status = "in_progress"$', 'status = "bogus"'),
            ("tags-string", r"^tags = \[\n(?:    .*\n)*\]$", 'tags = "交通"'),
            ("tags-201", r"^tags = \[\n(?:    .*\n)*\]$",
             "tags = [" + ", ".join(f'"t{n}"' for n in range(201)) + "]"),
            ("tags-20000", r"^tags = \[\n(?:    .*\n)*\]$",
             "tags = [" + ", ".join(f'"t{n}"' for n in range(20000)) + "]"),
            ("sources-string", r"^sources = \[\n(?:    .*\n)*\]$", 'sources = "plan-2011"'),
            ("sources-unknown", r"^sources = \[\n(?:    .*\n)*\]$", 'sources = ["nowhere"]'),
            ("tracks-self", r"^tracks = \[\n(?:    .*\n)*\]$", 'tracks = ["coop-06"]'),
            ("tracks-unknown", r"^tracks = \[\n(?:    .*\n)*\]$", 'tracks = ["nowhere"]'),
            ("tracks-string", r"^tracks = \[\n(?:    .*\n)*\]$", 'tracks = "hwy-qianjiang-tongdao"'),
            ("history-date-9999", r"^date = 2011-02-18$", "date = 9999-12-31"),
            ("history-progress-101", r'^status = "in_progress"\n(?=note|by|source|passage)',
             'status = "in_progress"\nprogress = 101\n'),
            ("history-progress-neg", r'^date = 2011-02-18$', "date = 2011-02-18\nprogress = -1"),
            ("history-progress-nan", r'^date = 2011-02-18$', "date = 2011-02-18\nprogress = nan"),
            ("history-progress-float", r'^date = 2011-02-18$',
             "date = 2011-02-18\nprogress = 50.5"),
            ("history-progress-5000-digits", r'^date = 2011-02-18$',
             "date = 2011-02-18\nprogress = 1" + "0" * 5000),
            ("history-progress-2e63", r'^date = 2011-02-18$',
             "date = 2011-02-18\nprogress = 9223372036854775808"),
            ("history-value-inf", r'^date = 2011-02-18$', "date = 2011-02-18\nvalue = inf"),
            ("history-value-1e400", r'^date = 2011-02-18$', "date = 2011-02-18\nvalue = 1e400"),
            ("history-passage-unknown", r"^passage = .*$", 'passage = "nowhere"'),
            ("history-string", r"^\[\[items\.history\]\]\n(?:.+\n)+", 'history = "x"\n'),
            ("content-20001", r"^content = .*$", f'content = "{"长" * 20001}"'),
            ("content-201-lines", r"^content = .*$", 'content = "' + "行\\n" * 200 + '"'),
            ("content-10MB", r"^content = .*$", f'content = "{"x" * 10_000_000}"'),
            ("content-2.5M-newlines", r"^content = .*$",
             'content = """' + "\n" * 2_500_000 + '"""'),
            ("content-escapes", r"^content = .*$",
             'content = "\\u001b[2J\\u0007\\u202e\\u0000 end"'),
            ("content-bad-escape", r"^content = .*$", 'content = "\\ud800"'),
            ("content-unclosed", r"^content = .*$", 'content = "never closed'),
            ("duplicate-key", r"^title = .*$", 'title = "a"\ntitle = "b"'),
            ("unknown-key", r"^title = .*$", 'title = "钱江通道及接线工程"\ncolour = 1'),
            ("array-unclosed", r"^tags = \[\n(?:    .*\n)*\]$", 'tags = [\n    "交通",\n'),
    ):
        add(f"coop-06 {name}", f"in coop-06's table: {_short(pattern)} → {_short(replacement)}",
            _coop(pattern, replacement))
    # Nesting and huge values
    for depth in (50, 1000, 5000, 100_000):
        add(f"nested-array-{depth}", f"coop-06 tags = [[[…]]] {depth} deep",
            _coop(r"^tags = \[\n(?:    .*\n)*\]$", "tags = " + "[" * depth + "]" * depth))
        add(f"nested-table-{depth}", f"coop-06 gets x = {{a = {{a = …}}}} {depth} deep",
            _add_to("coop-06", "x = " + "{a = " * depth + "1" + "}" * depth))
    add("dotted-key-10000", "a top-level dotted key a.a.….a = 1, 10,000 parts",
        DATA.replace(b"schema = 2\n", b"schema = 2\n" + b".".join([b"a"] * 10000)
                     + b" = 1\n", 1))
    add("header-10000", "a table header [x.x.….x] 10,000 parts deep",
        DATA + b"\n[" + b".".join([b"x"] * 10000) + b"]\ny = 1\n")
    for name, value in (("nan", "nan"), ("inf", "inf"), ("-inf", "-inf"), ("1e400", "1e400"),
                        ("5000-digits", "1" + "0" * 5000), ("string", '"4.2"'),
                        ("negative-zero", "-0.0")):
        add(f"target-value-{name}", f"target-2025-gdp's target value = {_short(value)}",
            edit("target-2025-gdp", r"^value = 4\.2$", f"value = {value}").encode())
    add("target-year-huge", "target-2025-gdp's target year = 10**30",
        edit("target-2025-gdp", r"^year = 2025$", "year = " + "1" + "0" * 30).encode())
    add("fact-value-nan", "a fact value = nan in target-2025-gdp",
        edit("target-2025-gdp", r"^value = 24496$", "value = nan").encode())
    # Links between items, duplicates
    add("duplicate-id", "coop-06's table appears twice", DATA + b"\n" + _ITEM_06.encode())
    add("tracks-cycle", "coop-06 tracks hwy-qianjiang-tongdao, which tracks coop-06",
        _add_to("hwy-qianjiang-tongdao", 'tracks = ["coop-06"]'))
    add("same-as-cycle", "ms-mayors-05 same_as coop-30, and coop-30 same_as ms-mayors-05",
        _add_to("coop-30", 'same_as = "ms-mayors-05"'))
    add("same-as-self", "coop-06 same_as coop-06", _add_to("coop-06", 'same_as = "coop-06"'))
    add("items-string", "a top-level `items = 5` besides the tables",
        DATA.replace(b"schema = 2\n", b"schema = 2\nitems = 5\n", 1))
    add("items-empty-table", "an [[items]] with only an id", DATA + b'\n[[items]]\nid = "x"\n')
    add("source-date-string", "hzw-2020's date as a string",
        DATA.replace(b"date = 2020-11-23\n", b'date = "2020-11-23"\n', 1))
    add("header-unclosed", "an unclosed table header", DATA + b"\n[[items]\n")
    add("garbage-line", "a line of punctuation in the middle",
        DATA.replace(b"\n[[items]]\n", b"\n!!! ???\n[[items]]\n", 1))
    # Special files
    special("folder", "a folder as the registry", "folder")
    special("fifo", "a FIFO as the registry", "fifo")
    special("socket", "a Unix socket as the registry", "socket")
    special("dev-zero", "/dev/zero as --registry", "/dev/zero")
    special("dev-null", "/dev/null as --registry", "/dev/null")
    special("link-to-dev-zero", "a symbolic link to /dev/zero", "/dev/zero@link")
    special("dangling-link", "a symbolic link to a missing file", "dangling")
    special("link-loop", "a symbolic link to itself", "loop")
    special("missing", "a registry path that does not exist", "missing")
    special("under-a-file", "a registry path whose folder is a file", "under-a-file")
    special("sparse-300MB", "a 300 MB sparse file of NUL bytes", "sparse")
    return m


def _short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else f"{text[:limit // 2]}…{text[-limit // 3:]} " \
                                           f"({len(text)} chars)"


_KEY_LINE = re.compile(rb"^[a-z_]+ = [^\[{\n].*$", re.MULTILINE)
_WRONG = (b'"text"', b"42", b"-1", b"3.5", b"true", b"2011-01-01", b"[]", b'["a", 1]',
          b"{a = 1}", b'""', b"nan", b"9999-12-31", b"1" + b"0" * 40)


def random_mutant(rng: random.Random, number: int) -> Mutant:
    """A random mutation of the shipped bytes, described exactly enough to redo it."""
    op = rng.choices(("truncate", "flip", "insert", "delete", "dup-line", "drop-line",
                      "swap-lines", "retype"), (20, 15, 10, 15, 10, 15, 5, 20))[0]
    data = bytearray(DATA)
    lines = DATA.splitlines(keepends=True)
    if op == "truncate":
        at = rng.randrange(len(data))
        out, how = bytes(data[:at]), f"cut at byte {at}"
    elif op == "flip":
        spots = sorted(rng.sample(range(len(data)), rng.randint(1, 6)))
        bits = [1 << rng.randrange(8) for _ in spots]
        for spot, bit in zip(spots, bits):
            data[spot] ^= bit
        out, how = bytes(data), "bits flipped at " + ", ".join(
            f"{s} (^{b:#04x})" for s, b in zip(spots, bits))
    elif op == "insert":
        at, junk = rng.randrange(len(data)), rng.randbytes(rng.randint(1, 16))
        out, how = bytes(data[:at] + junk + data[at:]), f"{junk!r} inserted at byte {at}"
    elif op == "delete":
        at, length = rng.randrange(len(data)), rng.randint(1, 64)
        out, how = bytes(data[:at] + data[at + length:]), f"{length} bytes deleted at {at}"
    elif op == "dup-line":
        at = rng.randrange(len(lines))
        out, how = b"".join(lines[:at + 1] + lines[at:]), f"line {at + 1} duplicated"
    elif op == "drop-line":
        at = rng.randrange(len(lines))
        out, how = b"".join(lines[:at] + lines[at + 1:]), f"line {at + 1} dropped"
    elif op == "swap-lines":
        a, b = sorted(rng.sample(range(len(lines)), 2))
        swapped = list(lines)
        swapped[a], swapped[b] = swapped[b], swapped[a]
        out, how = b"".join(swapped), f"lines {a + 1} and {b + 1} swapped"
    else:
        found = list(_KEY_LINE.finditer(DATA))
        hit = rng.choice(found)
        key = hit.group(0).split(b" = ")[0]
        value = rng.choice(_WRONG)
        out = DATA[:hit.start()] + key + b" = " + value + DATA[hit.end():]
        line = DATA.count(b"\n", 0, hit.start()) + 1
        how = f"line {line}: {key.decode()} = {value.decode()[:20]}"
    return Mutant(f"random {op}", f"the shipped file, {how}", _file(out))


def check_mutant(harness: Harness, number: int, mutant: Mutant) -> tuple[Case, bool]:
    """Run the reads and the write on one mutant and judge every run."""
    folder = harness.work / "registries" / f"{number:03d}"
    folder.mkdir(parents=True)
    path = mutant.build(folder)
    case = Case("registries", f"{number:03d} {mutant.name}",
                f"registry = {mutant.description}")
    original = fingerprint(path)
    before = path.read_bytes() if original[0] == "file" and os.path.getsize(path) < 64 << 20 \
        else None
    valid = None
    slow = []
    for args in (*READS, WRITE):
        run = harness.run([*args, "--registry", str(path)])
        where = " ".join(args)
        if args[0] == "validate":
            valid = run.rc == 0
        if run.seconds > 10:
            slow.append(f"{where} {run.seconds:.0f} s")
        problems = []
        if run.rc == 0 and not run.timed_out:
            if "Traceback" in run.text():
                problems.append("a traceback")
            if valid is False:
                problems.append("exit 0 on a registry `validate` rejects")
            if args is WRITE:
                if before is not None:
                    problems += good_write(harness, path, before)
            elif fingerprint(path) != original:
                problems.append("a read changed the registry")
        else:
            problems += validate_reported(run) if args[0] == "validate" else \
                failed_cleanly(run)
            if fingerprint(path) != original:
                problems.append("failed and changed the registry")
            if path.parent.is_dir():
                problems += [f"leftover {n}" for n in leftovers(path)]
        if problems:
            case.problems += [f"`{where}`: {p}" for p in problems]
            case.detail += f"[{where}] {run.excerpt(240)} "
            case.repro = repro(run, setup=f"registry = {mutant.description}")
    if slow:
        case.detail += f"(slow: {', '.join(slow)})"
    if case.problems:
        kept = harness.keep(case.name, path)
        case.repro += f" (input kept in {kept})"
    return case, bool(valid)


def malformed_registries(harness: Harness, rng: random.Random, count: int,
                         jobs: int) -> tuple[list[Case], str]:
    """Category 3: `count` mutants (the chosen ones first, random ones after)."""
    chosen = chosen_mutants()
    if count < len(chosen):
        chosen = rng.sample(chosen, count * 2 // 3)
    mutants = chosen + [random_mutant(rng, n) for n in range(count - len(chosen))]
    done = [0]

    def one(numbered: tuple[int, Mutant]) -> tuple[Case, bool]:
        result = check_mutant(harness, *numbered)
        done[0] += 1
        print(f"  registries: {done[0]}/{len(mutants)}", file=sys.stderr, end="\r")
        return result

    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(one, enumerate(mutants)))
    print(file=sys.stderr)
    cases = [case for case, _ in results]
    valid = sum(1 for _, ok in results if ok)
    slow = [c.name for c in cases if "(slow:" in c.detail]
    note = (f"{len(chosen)} chosen + {count - len(chosen)} random mutants, each through "
            f"{len(READS) + 1} commands ({(len(READS) + 1) * count} runs); {valid} mutants "
            f"valid (`validate` exit 0)"
            + (f"; slow (>10 s): {', '.join(slow)}" if slow else ""))
    return cases, note
