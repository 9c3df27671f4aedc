"""The real terminal: `status`, `list` and `overdue` at 80, 120, 160 and 200 columns, in
English and Chinese, run as a user runs them.

Three ways, each the real thing: in a pseudo-terminal of that size (what the program
writes to a tty), in tmux (what a terminal emulator shows: a line wider than the window
wraps, and `capture-pane -J` joins it back, so it is caught), and piped (what a script or
a file gets). In each: no line wider than the terminal, every column header whole (never
cut with '…', never broken inside a word), and, piped, no trailing spaces.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
import uuid
from pathlib import Path

import pytest
from program import SCRIPT
from rich.cells import cell_len

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "data" / "projects.toml"
WIDTHS = [80, 120, 160, 200]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")

COMMANDS = {
    "status": ["status"],
    "list": ["list", "--all"],
    "overdue": ["overdue"],
}
#: Header words each table must show whole, by command and language.
HEADERS = {
    ("status", "en"): ["Kind", "planned", "in progress", "done", "blocked", "cancelled",
                       "Items", "Unreported", "Target", "Goal", "Latest"],
    ("status", "zh"): ["类型", "计划中", "进行中", "已完成", "受阻", "已取消", "事项数",
                       "未报进度", "目标", "最新"],
    ("list", "en"): ["ID", "Title", "Lead", "Due", "Status"],
    ("list", "zh"): ["编号", "名称", "牵头单位", "完成时限", "状态"],
    ("overdue", "en"): ["ID", "Title", "Lead", "Due", "Requirement", "Days", "overdue"],
    ("overdue", "zh"): ["编号", "名称", "牵头单位", "完成时限", "进度要求", "逾期天数"],
}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pty and tmux are POSIX")


def argv(command: str, lang: str) -> list[str]:
    return [str(SCRIPT), "--lang", lang, *COMMANDS[command], "--as-of", "2026-11-30",
            "--registry", str(REGISTRY)]


def environment(columns: int | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "NO_COLOR", "CIRCLETRACK_REGISTRY")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", PYTHONIOENCODING="utf-8")
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return env


def in_pty(args: list[str], columns: int, raw: bool = False,
           env: dict[str, str] | None = None) -> str:
    """What the command writes to a terminal `columns` wide (escape codes removed unless
    `raw`), with `env` added to the environment."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
    process = subprocess.Popen(args, stdin=follower, stdout=follower, stderr=follower,
                               env={**environment(), **(env or {})}, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            process.kill()
            raise AssertionError(f"{args} printed nothing for 30 s")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(30) == 0
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return text if raw else ANSI.sub("", text)


def in_tmux(args: list[str], columns: int) -> str:
    """What tmux shows in a window `columns` wide, wrapped lines joined (-J)."""
    socket, signal = f"ct-{uuid.uuid4().hex[:8]}", f"done-{uuid.uuid4().hex[:8]}"
    command = " ".join(f"'{a}'" for a in args) + f"; tmux -L {socket} wait-for -S {signal}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    try:
        subprocess.run([*tmux, "new-session", "-d", "-x", str(columns), "-y", "50",
                        "sh", "-c", command + "; sleep 60"], check=True, env=environment())
        subprocess.run([*tmux, "set-option", "-g", "history-limit", "5000"], check=True)
        subprocess.run([*tmux, "wait-for", signal], check=True, timeout=60)
        time.sleep(0.1)
        shown = subprocess.run([*tmux, "capture-pane", "-p", "-J", "-S", "-", "-E", "-"],
                               check=True, capture_output=True, text=True).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    return shown


def piped(args: list[str], columns: int) -> str:
    result = subprocess.run(args, capture_output=True, env=environment(columns), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode("utf-8")


def cell_slice(line: str, start: int, end: int) -> str:
    """The part of `line` printed in cells start..end (a Chinese character is two)."""
    out, position = [], 0
    for char in line:
        width = cell_len(char)
        if start <= position and position + width <= end:
            out.append(char)
        position += width
    return "".join(out)


def header_lines(text: str) -> list[str]:
    """The column headers of each table: what is printed just above each rule (────),
    in the rule's own columns, so a table beside another is read on its own."""
    lines = text.split("\n")
    found = []
    for number, line in enumerate(lines):
        for rule in re.finditer("─{3,}", line):
            start = cell_len(line[:rule.start()])
            end = start + cell_len(rule.group())
            for above in (number - 1, number - 2):
                part = cell_slice(lines[above], start, end) if above >= 0 else ""
                if not part.strip() or "─" in part:
                    break
                found.append(part)
    return found


#: A record of a table too narrow for its ids: `    Header: value`.
RECORD_FIELD = re.compile(r"^    (\S[^:：]*): ")


def record_ids(text: str) -> list[str]:
    """The lines of a record layout that start a record: an id alone on its line."""
    return [line for line in text.split("\n") if re.fullmatch(r"[a-z0-9][a-z0-9-]*", line)]


def check(text: str, command: str, lang: str, columns: int, where: str) -> None:
    lines = text.rstrip("\n").split("\n")
    assert len(lines) > 5, f"{where}: printed almost nothing:\n{text}"
    wide = [(cell_len(line), line) for line in lines if cell_len(line.rstrip()) > columns]
    assert not wide, f"{where}: lines wider than {columns} cells: {wide[:3]}"
    if command != "status" and not header_lines(text):  # records: ids whole, fields named
        from circletrack.storage import Location, load

        ids = {i.id for i in load(Location(REGISTRY, "option")).items}
        shown = record_ids(text)
        assert shown and set(shown) <= ids, f"{where}: not whole ids: {set(shown) - ids}"
        labels = {m.group(1) for line in lines if (m := RECORD_FIELD.match(line))}
        for header in HEADERS[(command, lang)][1:3]:
            assert header in labels, f"{where}: no field {header!r} in {labels}"
        return
    heads = header_lines(text)
    assert heads, f"{where}: no table header found:\n{text[:2000]}"
    assert not any("…" in line for line in heads), f"{where}: a cut header: {heads}"
    words = " ".join(" ".join(line.split()) for line in heads)
    for header in HEADERS[(command, lang)]:
        assert header in words, f"{where}: header {header!r} is not whole in {heads}"


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_in_a_terminal(command: str, lang: str, columns: int) -> None:
    if not SCRIPT.exists():
        pytest.skip(f"the circletrack script is not installed beside {sys.executable}")
    check(in_pty(argv(command, lang), columns), command, lang, columns,
          f"pty {columns} {lang} {command}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_in_tmux(command: str, lang: str, columns: int) -> None:
    if not SCRIPT.exists():
        pytest.skip(f"the circletrack script is not installed beside {sys.executable}")
    check(in_tmux(argv(command, lang), columns), command, lang, columns,
          f"tmux {columns} {lang} {command}")


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_piped(command: str, lang: str, columns: int) -> None:
    if not SCRIPT.exists():
        pytest.skip(f"the circletrack script is not installed beside {sys.executable}")
    text = piped(argv(command, lang), columns)
    check(text, command, lang, columns, f"piped {columns} {lang} {command}")
    padded = [line for line in text.split("\n") if line != line.rstrip()]
    assert not padded, f"trailing spaces when piped: {padded[:3]}"
    assert "\x1b[" not in text, "escape codes when piped"


@pytest.mark.parametrize("how", ["NO_COLOR=1", "--no-color", "colour"])
def test_colour_in_a_terminal_and_how_to_turn_it_off(how: str) -> None:
    """The installed program in a real terminal: a table in colour, none with NO_COLOR set
    (to anything) or --no-color, before or after the command."""
    if not SCRIPT.exists():
        pytest.skip(f"the circletrack script is not installed beside {sys.executable}")
    args = [*argv("list", "en"), *(["--no-color"] if how == "--no-color" else [])]
    env = {"NO_COLOR": "1"} if how == "NO_COLOR=1" else {}
    shown = in_pty(args, 120, raw=True, env=env)
    colours = [code for code in re.findall(r"\x1b\[([0-9;]*)m", shown) if code not in ("", "0")]
    assert "coop-01" in ANSI.sub("", shown)
    if how == "colour":
        assert any(code.split(";")[0] in {"31", "32", "33", "34", "35", "36"}
                   or code.startswith("38;") for code in colours), shown[:400]
    else:
        assert not colours, f"{how}: escape codes {sorted(set(colours))[:5]}"


def lead_cells(text: str, lead: str, due: str) -> list[str]:
    """What each line shows in the Lead column of every table (between the Lead and Due
    headers), non-empty only."""
    cells, span = [], None
    if not header_lines(text):  # records: the value after `Lead: ` and the lines under it
        label, taking = f"    {lead}: ", False
        for line in text.split("\n"):
            if line.startswith(label):
                cells.append(line[len(label):].strip())
                taking = True
            elif taking and line.startswith(" " * (len(label) + 1)):
                cells.append(line.strip())
            else:
                taking = False
        return cells
    for line in text.split("\n"):
        if lead in line and due in line:  # a header line: where the column is now
            start = cell_len(line[:line.index(lead)])
            span = (start, cell_len(line[:line.index(due)]))
            continue
        if span is not None and "─" not in line:
            part = cell_slice(line, *span).strip()
            if part:
                cells.append(part)
    return cells


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("command", [["list", "--all"], ["overdue", "--group-by", "unit"]])
def test_unit_names_are_never_cut_across_lines(command: list[str], lang: str,
                                               columns: int) -> None:
    from circletrack.render.fitted import UNIT_CAP
    from circletrack.storage import Location, load

    units = {u for i in load(Location(REGISTRY, "option")).items for u in (*i.lead, *i.support)}
    whole = {u for u in units if cell_len(u) + 2 <= UNIT_CAP}  # fits the column: never cut
    args = [str(SCRIPT), "--lang", lang, *command, "--as-of", "2026-11-30", "--registry",
            str(REGISTRY)]
    shown = in_tmux(args, columns)
    lead, due = ("牵头单位", "完成时限") if lang == "zh" else ("Lead", "Due")
    cells = lead_cells(shown, lead, due)
    assert cells, shown[:2000]
    for cell in cells:
        for part in filter(None, cell.split("、")):
            if part in units or any(part in u for u in units - whole):
                continue  # a whole unit, or a piece of a name too long for any column
            cut = [u for u in whole if u.startswith(part) or u.endswith(part)]
            assert not cut, f"{columns} {lang}: {part!r} is a cut {cut}"


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_grouped_listing_has_one_set_of_column_widths(lang: str, columns: int) -> None:
    args = [str(SCRIPT), "--lang", lang, "overdue", "--group-by", "unit", "--as-of",
            "2026-11-30", "--registry", str(REGISTRY)]
    shown = in_tmux(args, columns)
    lines = shown.split("\n")
    rules = [n for n, line in enumerate(lines) if line.startswith("───")]
    if not rules:  # too narrow for the ids: every section is records
        assert len(record_ids(shown)) > 3
        return
    assert len(rules) > 3
    assert len({lines[n - 1].rstrip() for n in rules}) == 1, [lines[n - 1] for n in rules]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_log_keeps_ids_and_numbers_whole(lang: str, columns: int) -> None:
    """`log` in tmux: every id in its column is whole on one line, the table is no wider
    than the terminal, and no number of a note is split across two lines (`将于20` / `20年`),
    as the item tables keep them (issue 25, item 2)."""
    from circletrack.storage import Location, load

    ids = {item.id for item in load(Location(REGISTRY, "option")).items}
    args = [str(SCRIPT), "--lang", lang, "log", "--as-of", "2026-11-30", "--registry",
            str(REGISTRY)]
    shown = in_tmux(args, columns)
    lines = shown.split("\n")
    assert max(cell_len(line) for line in lines) <= columns
    note = "报告内容" if lang == "zh" else "Note"
    header = next(n for n, line in enumerate(lines) if line.startswith(("Date", "日期")))
    id_start = cell_len(lines[header][:lines[header].index("ID" if lang == "en" else "编号")])
    note_start = cell_len(lines[header][:lines[header].index(note)])
    body = [line for line in lines[header + 2:] if line.strip()]
    rows = 0
    previous = ""
    for line in body:
        shown_id = cell_slice(line, id_start, id_start + 40).split(" ")[0]
        if re.match(r"\d{4}-\d{2}-\d{2}", line):  # a report's first line
            rows += 1
            assert shown_id in ids, f"{columns} {lang}: {shown_id!r} is not a whole id"
            previous = cell_slice(line, note_start, columns).rstrip()
            continue
        assert not shown_id, f"{columns} {lang}: an id folded: {line!r}"
        continued = cell_slice(line, note_start, columns).strip()
        assert not (re.search(r"\d$", previous) and re.match(r"\d", continued)), (
            f"{columns} {lang}: a number split: {previous[-12:]!r} / {continued[:12]!r}")
        previous = continued
    assert rows >= 20
