"""Issue 22, findings 6 and 7, tried with the real thing: inputs without an end (a FIFO with
no writer, /dev/zero, a sparse file over the registry limit) and text Python cannot turn
into a number or into UTF-8 (more than 4,300 digits, bytes that are not UTF-8 in the
command line or the login name, the C locale). Each case runs the installed program with a
timeout (and, where memory matters, an address-space limit below the file's size) and
must end in one line on stderr and a non-zero exit, the registry byte for byte as it was.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import SHIPPED
from form_helpers import POSITION, fill_csv, fill_xlsx
from program import run

from circletrack.model.records import MAX_DIGITS
from circletrack.storage import MAX_REGISTRY_BYTES, Location, load

POSIX = os.name == "posix"
pytestmark = pytest.mark.skipif(not POSIX, reason="FIFOs, devices and rlimits are POSIX")

#: More digits than Python's int() reads (4,300): what `int()` refused with a traceback.
HUGE = "1" * 5000
#: Every case ends within this (a FIFO read used to wait forever).
TIMEOUT = 60
#: The address space a refusal runs in: well below the 600 MB file and /dev/zero's
#: endless bytes, well above what circletrack needs (about 150 MB).
ADDRESS_SPACE = 400 * 2**20


def limited_memory() -> None:
    """In the child: an address-space limit, so reading a large input whole is a MemoryError
    (a traceback the test sees), never the machine's memory."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def ct(*args: str, registry: Path | None = None, env: dict[str, str | None] | None = None,
       preexec_fn: Callable[[], object] | None = limited_memory,
       cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed circletrack, with a timeout and the memory limit."""
    extra = ["--registry", str(registry)] if registry is not None else []
    return run([*args, *extra], cwd=cwd, timeout=TIMEOUT, preexec_fn=preexec_fn,
               env={"CIRCLETRACK_LANG": "en", "CIRCLETRACK_USER": "tester", **(env or {})})


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The one line on stderr of a run that failed with `code`."""
    assert done.returncode == code, (done.stdout[-500:], done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]
    return lines[0]


def refused(args: Sequence[str], registry: Path, code: int, *, with_registry: bool = True,
            env: dict[str, str | None] | None = None) -> str:
    """Run a command that must be refused; the registry must be unchanged. Its one line."""
    before = registry.read_bytes()
    line = one_line(ct(*args, registry=registry if with_registry else None, env=env), code)
    assert registry.read_bytes() == before
    return line


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A FIFO nobody writes to: opening it to read waits for a writer, reading it never ends."""
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def sparse(tmp_path: Path) -> Path:
    """A 600 MB file (sparse: no disk), over the 256 MB a registry may be."""
    path = tmp_path / "big.toml"
    subprocess.run(["truncate", "-s", "600M", str(path)], check=True)
    assert path.stat().st_size > MAX_REGISTRY_BYTES
    return path


ENDLESS = ["fifo", "zero", "sparse"]


def endless(kind: str, fifo: Path, sparse: Path) -> Path:
    return {"fifo": fifo, "zero": Path("/dev/zero"), "sparse": sparse}[kind]


# Finding 6: inputs without an end


@pytest.mark.parametrize("kind", ENDLESS)
def test_intake_of_an_endless_input_is_refused_at_once(small_registry: Path, fifo: Path,
                                                       sparse: Path, kind: str) -> None:
    path = endless(kind, fifo, sparse)
    line = refused(["intake", str(path)], small_registry, 1 if kind == "sparse" else 2)
    if kind == "sparse":
        assert line == "Error: big.toml: the file is larger than 20 MB; a form is far smaller"
    else:
        assert line == (f"Error: {path} is {'a FIFO' if kind == 'fifo' else 'a device'}, not "
                        f"a form file; name the .xlsx or .csv file a unit sent back")


@pytest.mark.parametrize("kind", ENDLESS)
def test_import_of_an_endless_input_is_refused_at_once(small_registry: Path, fifo: Path,
                                                       sparse: Path, kind: str) -> None:
    path = endless(kind, fifo, sparse)
    line = refused(["import", str(path)], small_registry, 2)
    if kind == "sparse":
        assert line == f"Error: {path} is too large to import (629145600 bytes)"
    else:
        assert line == f"Error: {path} is not a regular file; name a JSON file"


@pytest.mark.parametrize("kind", ENDLESS)
@pytest.mark.parametrize("side", ["base", "ours", "theirs"])
def test_a_merge_with_an_endless_side_is_refused_and_ours_kept(tmp_path: Path, fifo: Path,
                                                              sparse: Path, kind: str,
                                                              side: str) -> None:
    files = {name: tmp_path / f"{name}.toml" for name in ("base", "ours", "theirs")}
    for path in files.values():
        path.write_bytes(SHIPPED.read_bytes())
    files[side] = endless(kind, fifo, sparse)
    ours = files["ours"]
    before = ours.read_bytes() if side != "ours" else None
    line = one_line(ct("merge", *(str(files[n]) for n in ("base", "ours", "theirs"))), 1)
    if kind == "sparse":
        assert line == f"Error: registry is too large to be one: {files[side]} (629145600 bytes)"
    else:
        assert line == f"Error: registry is not a regular file: {files[side]}"
    if before is not None:
        assert ours.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("kind", ENDLESS)
@pytest.mark.parametrize("args", [["list"], ["mark", "coop-01", "-p", "5"], ["validate"]])
def test_an_endless_registry_is_refused_at_once(fifo: Path, sparse: Path, kind: str,
                                                args: list[str]) -> None:
    path = endless(kind, fifo, sparse)
    line = one_line(ct(*args, registry=path), 1)
    assert ("too large" if kind == "sparse" else "not a regular file") in line


def test_a_file_that_grows_past_the_limit_while_read_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from circletrack.storage import files as fileio

    path = tmp_path / "grows.toml"
    path.write_bytes(b"x" * 30)
    real = os.fstat

    def earlier(fd: int) -> os.stat_result:  # the size fstat saw before 20 bytes came
        info = tuple(real(fd))
        return os.stat_result((*info[:6], 10, *info[7:10]))

    monkeypatch.setattr(fileio.os, "fstat", earlier)
    with pytest.raises(fileio.TooLarge):
        fileio.read_file(path, 25)
    assert fileio.read_file(path, 30) == b"x" * 30


# Finding 7: numbers of more than 4,300 digits


@pytest.mark.parametrize("args", [
    ["mark", "coop-01", "--progress", HUGE],
    ["mark", "coop-01", "--progress", HUGE + "%"],
    ["mark", "target-2025-rail", "--value", HUGE],
    ["mark", "target-2025-rail", "--value", "-" + HUGE],
    ["edit", "target-2025-rail", "--target-value", HUGE],
    ["add", "--kind", "milestone", "--category", "target", "--title", "x", "--target-value",
     HUGE, "--target-year", "2025"],
    ["list", "--limit", HUGE],
    ["list", "--stale", HUGE],
    ["stale", "--days", HUGE],
    ["status", "--stale-days", HUGE],
    ["log", "--limit", HUGE],
    ["forms", "{out}", "--within", HUGE],
], ids=lambda args: " ".join(a if len(a) < 20 else f"<{len(a)} chars>" for a in args))
def test_a_number_of_5000_digits_is_refused_in_one_line(small_registry: Path, tmp_path: Path,
                                                        args: list[str]) -> None:
    words = [a.replace("{out}", str(tmp_path / "forms")) for a in args]
    line = refused(words, small_registry, 2)
    assert line.endswith(f": the number has more than {MAX_DIGITS} digits"), line
    assert not (tmp_path / "forms").exists()


def test_a_number_of_101_digits_is_refused_and_of_100_read(small_registry: Path) -> None:
    line = refused(["mark", "target-2025-rail", "--value", "9" * (MAX_DIGITS + 1)],
                   small_registry, 2)
    assert line == f"Error: --value: the number has more than {MAX_DIGITS} digits"
    # (100 digits: read, then refused for what it is, a progress far over 100)
    line = refused(["mark", "coop-01", "--progress", "0" * 4000 + "9" * MAX_DIGITS],
                   small_registry, 2)
    assert "must be a whole number from 0 to 100" in line


def _form(tmp_path: Path, registry: Path, fmt: str) -> Path:
    done = ct("forms", str(tmp_path / "forms"), "-f", fmt, "--form-lang", "en", "--as-of", "2011-12-20",
              registry=registry)
    assert done.returncode == 0, done.stderr
    (form,) = (tmp_path / "forms").iterdir()
    return form


def test_a_form_progress_cell_of_5000_digits_is_refused(small_registry: Path,
                                                        tmp_path: Path) -> None:
    form = fill_csv(_form(tmp_path, small_registry, "csv"),
                    {"coop-01": {"new_progress": HUGE, "report_date": "2011-12-10"}})
    line = refused(["intake", str(form)], small_registry, 1)
    assert line.endswith(f"column I (New progress): the number has more than {MAX_DIGITS} "
                         f"digits"), line


def _with_cell(form: Path, marker: int, digits: str) -> Path:
    """The workbook with the number `marker` in its sheet replaced by `digits`, as a
    spreadsheet may save it (openpyxl cannot write an integer float() cannot hold)."""
    out = form.with_name("patched.xlsx")
    with zipfile.ZipFile(form) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data.replace(f">{marker}<".encode(), f">{digits}<".encode()))
    return out


@pytest.mark.parametrize("column, problem", [
    ("new_progress", f"the number has more than {MAX_DIGITS} digits"),
    # (openpyxl makes a date serial it cannot read an error, and warned of it on stderr)
    ("report_date", "cannot read '#VALUE!' as a date"),
])
def test_a_workbook_number_float_cannot_hold_is_refused(small_registry: Path, tmp_path: Path,
                                                        column: str, problem: str) -> None:
    marker = 987654321
    other = {"new_progress": {"report_date": "2011-12-10"}, "report_date": {"note": "x"}}
    form = fill_xlsx(_form(tmp_path, small_registry, "xlsx"),
                     {"coop-01": {column: marker, **other[column]}})
    line = refused(["intake", str(_with_cell(form, marker, "7" * 400))], small_registry, 1)
    assert f"column {chr(64 + POSITION[column])}" in line and problem in line, line


@pytest.mark.parametrize("value", [HUGE, "²", "0123456789"])
def test_a_terminal_size_int_cannot_read_is_ignored(small_registry: Path, value: str) -> None:
    done = ct("list", registry=small_registry, env={"COLUMNS": value, "LINES": value})
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "coop-01" in done.stdout


#: Every function of the package that calls int(), and why what it reads is short: Python's
#: int() refuses text of more than 4,300 digits with a ValueError (and is slow below that).
BOUNDED_INTS = {
    "model/records.py:whole_number": "at most MAX_DIGITS digits, checked first",
    "changes/writes.py:parse_year": "four digits (a pattern)",
    "changes/writes.py:next_id": "digits of an id, at most MAX_ID characters",
    "model/dates.py:_read_date": "\\d{1,4}, \\d{4}, \\d{1,2} (patterns); ValueError caught",
    "storage/journal.py:applied": "a patch's JSON header of at most a line; ValueError caught",
    "office/xlsxscan.py:_row_number": "a row's r attribute of at most 30 characters",
    "office/formfile.py:_metadata": "ValueError caught (the hidden sheet's row numbers)",
    "office/formfile.py:_number_text": "a finite float",
    "office/formfile.py:_short_chinese_date": "two digits, one or two (a pattern)",
    "office/formfile.py:_serial": "a float from 1 to MAX_SERIAL",
    "storage/codec.py:_decode_error": "tomllib's own line number",
    "storage/journal.py:_numbers": "a journal file's name (at most 255 bytes)",
    "storage/index.py:write": "the index's own count (str(len(items)) when written); any "
                              "error caught, the index removed (test_index: a huge count)",
    "storage/validate.py:line": "an index the validator wrote into a path",
    "cli/core.py:piped_width": "COLUMNS, which main() drops when int() cannot read it",
    "cli/core.py:fail": "an exit status",
    "office/scorecard.py:_median": "a whole median of counts of days (a number, not text)",
}


def test_every_int_call_is_on_bounded_text() -> None:
    """A new int() (where a user's text may reach it) is looked at here first."""
    import ast

    src = Path(__file__).resolve().parents[1] / "src" / "circletrack"
    found: set[str] = set()
    for path in sorted(src.rglob("*.py")):
        name = path.relative_to(src).as_posix()

        class Calls(ast.NodeVisitor):
            def __init__(self) -> None:
                self.function = "<module>"

            def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
                outer, self.function = self.function, node.name
                self.generic_visit(node)
                self.function = outer

            def visit_Call(self, node: ast.Call) -> None:
                argument = node.args[0] if node.args else None
                exit_status = (isinstance(argument, ast.Attribute)
                               and isinstance(argument.value, ast.Name)
                               and argument.value.id == "ExitStatus")
                if isinstance(node.func, ast.Name) and node.func.id == "int" and not exit_status:
                    found.add(f"{name}:{self.function}")
                self.generic_visit(node)

        Calls().visit(ast.parse(path.read_text(encoding="utf-8")))
    assert found == set(BOUNDED_INTS), (sorted(found - set(BOUNDED_INTS)),
                                        sorted(set(BOUNDED_INTS) - found))


def test_a_csv_form_written_by_hand_reads_back(small_registry: Path, tmp_path: Path) -> None:
    """(The control for the form cases: the same form with a plain progress is recorded.)"""
    form = _form(tmp_path, small_registry, "csv")
    grid = list(csv.reader(io.StringIO(form.read_bytes().decode("utf-8-sig"), newline="")))
    assert any(row and row[0] == "coop-01" for row in grid)
    fill_csv(form, {"coop-01": {"new_progress": "40", "report_date": "2011-12-10"}})
    done = ct("intake", str(form), registry=small_registry)
    assert done.returncode == 0, done.stderr
    assert load(Location(small_registry, "option")).get("coop-01").progress == 40  # type: ignore[union-attr]


# Finding 7: text that is not UTF-8


def _warm_and_changed(registry: Path) -> None:
    """Leave the index warm for `registry` (a canonical write read back), then change
    the file elsewhere, as a `git pull` does: the next command reads it from the index's
    objects and parses only the changed item (storage.sections.reread), and a write splices."""
    assert ct("mark", "coop-01", "-n", "first", registry=registry).returncode == 0
    assert ct("list", registry=registry).returncode == 0
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text.replace("杭绍城际铁路", "杭绍城际铁路（改）"), encoding="utf-8")
    assert ct("show", "rail-hangshao", registry=registry).returncode == 0


@pytest.mark.parametrize("args, message", [
    (["show", "\udcff"], "Error: no item '\\udcff'"),
    (["show", "coop\udcff"], "Error: no item 'coop\\udcff'; did you mean coop-01?"),
    (["mark", "\udcff", "-n", "x"], "Error: no item '\\udcff'"),
    (["mark", "coop-01", "-n", "bad \udcff byte"], "Error: --note: is not valid UTF-8 text "
     "(it holds \\xff); type it again in a UTF-8 terminal or file"),
    (["mark", "coop-01", "-n", "x", "--by", "\udcfe"], "Error: --by: is not valid UTF-8 text "
     "(it holds \\xfe); type it again in a UTF-8 terminal or file"),
    (["edit", "coop-01", "--title", "标题\udce4"], "Error: --title: is not valid UTF-8 text "
     "(it holds \\xe4); type it again in a UTF-8 terminal or file"),
    (["add", "--kind", "project", "--category", "road", "--title", "\udcff"],
     "Error: --title: is not valid UTF-8 text (it holds \\xff); type it again in a UTF-8 "
     "terminal or file"),
    (["add", "--kind", "project", "--category", "road", "--title", "x", "--tag", "\udcff"],
     "Error: --tag: is not valid UTF-8 text (it holds \\xff); type it again in a UTF-8 "
     "terminal or file"),
], ids=["show", "show-prefix", "mark-id", "note", "by", "title", "add-title", "tag"])
def test_bytes_that_are_not_utf8_in_the_command_line_with_a_warm_cache(
        small_registry: Path, args: list[str], message: str) -> None:
    _warm_and_changed(small_registry)
    assert refused(args, small_registry, 2) == message


def test_an_import_with_a_lone_surrogate_is_refused(small_registry: Path,
                                                    tmp_path: Path) -> None:
    done = ct("show", "coop-01", "-f", "json", registry=small_registry)
    source = tmp_path / "surrogate.json"
    source.write_text("[" + done.stdout.replace("省级产业集聚区规划建设", "\\ud800") + "]",
                      encoding="utf-8")
    line = refused(["import", str(source)], small_registry, 2)
    assert "coop-01: title: is not valid UTF-8 text (it holds U+D800)" in line, line


def test_a_file_named_in_bytes_that_are_not_utf8_is_journaled(small_registry: Path,
                                                               tmp_path: Path) -> None:
    done = ct("show", "coop-01", "-f", "json", registry=small_registry)
    named = tmp_path / "\udcfe.json"
    named.write_text("[" + done.stdout.replace("省级产业集聚区规划建设", "改") + "]",
                     encoding="utf-8")
    assert ct("import", str(named), registry=small_registry).returncode == 0
    listed = ct("undo", "--list", registry=small_registry)
    assert listed.returncode == 0 and "import \ufffd.json" in listed.stdout, listed.stdout


NO_LOGIN = {"CIRCLETRACK_USER": None, "LOGNAME": "\udcff", "USER": "\udcff", "LNAME": None,
            "USERNAME": None}


@pytest.mark.parametrize("args", [["mark", "coop-01", "-n", "x"], ["edit", "coop-01",
                                                                    "--title", "新"]])
def test_a_login_name_that_is_not_utf8_stops_a_write_in_one_line(small_registry: Path,
                                                                 args: list[str]) -> None:
    line = refused(args, small_registry, 2, env=NO_LOGIN)
    assert line == ("Error: your login name is not valid UTF-8; set CIRCLETRACK_USER to the "
                    "name writes are recorded as")


C_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
            "PYTHONIOENCODING": None}


def test_the_c_locale_reads_chinese_from_the_command_line_and_login(small_registry: Path,
                                                                    tmp_path: Path) -> None:
    env = {**C_LOCALE, "CIRCLETRACK_USER": None, "LOGNAME": "张三", "USER": "张三"}
    done = ct("mark", "coop-01", "-n", "中文报告", registry=small_registry, env=env)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    report = load(Location(small_registry, "option")).get("coop-01").history[-1]  # type: ignore[union-attr]
    assert (report.note, report.by) == ("中文报告", "张三")
    shown = ct("show", "省级产业", "-f", "json", registry=small_registry, env=C_LOCALE)
    assert shown.returncode == 0 and '"id": "coop-01"' in shown.stdout, shown.stderr
    line = refused(["mark", "coop-01", "-n", "中文\udcff"], small_registry, 2, env=C_LOCALE)
    assert line.startswith("Error: --note: is not valid UTF-8 text (it holds \\xff)")
