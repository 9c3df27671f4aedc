"""The adversarial suite, category 7: inputs without an end, and text Python cannot read as a
number or as UTF-8 (issue 22, findings 6 and 7).

- Inputs without an end, each under a small address space (512 MiB, below the 600 MB file):
  a FIFO nobody writes to, /dev/zero and a sparse 600 MB file (over the 256 MB a registry
  may be) as the file `intake` and `import` read, as each side of `merge` (what git runs
  as the registry's merge driver) and as `--registry`.
- Numbers of 5,000 digits (Python's int() refuses more than 4,300 with a ValueError) in
  every option that takes a number and in a filled form's progress cell (a CSV form, and a
  workbook cell of 400 digits, more than a float holds); COLUMNS and LINES such numbers.
- Bytes that are not UTF-8 in the command line (ids, notes, titles, tags), with the parse
  cache warm and the file changed since (the path a `git pull` takes), and in the login
  name; Chinese in the C locale without UTF-8 mode (command line and login name); a date
  whose time zone dateutil warns about.

Every refusal must be clean (see adversarial_harness.failed_cleanly) and leave the
registry, its journal and the files beside it as they were; every accepted run must print
nothing on stderr and leave a valid, journaled registry holding what was asked.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
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
)
from adversarial_inputs import _parallel

FAIL, OK = "fail", "ok"
HUGE = "1" * 5000
#: The address space of the runs that read an input without an end: below the 600 MB
#: file, far above what circletrack needs (about 150 MB).
SMALL_MEMORY = 512 << 20
#: Seconds before a run counts as hung (a FIFO read used to wait forever).
TIMEOUT = 30
NOT_UTF8 = {"CIRCLETRACK_USER": None, "LOGNAME": "\udcff", "USER": "\udcff", "LNAME": None,
            "USERNAME": None}
C_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
OPEN = "coop-17"  # an open item that takes a progress report
MILESTONE = "target-2025-gdp"


@dataclass
class Attempt:
    """A command line ({reg} the registry, {dir} the case's folder; `--registry {reg}` is
    added unless {reg} is in it), what must happen, its environment and preparation, and
    what the registry must hold after an accepted run."""

    name: str
    args: list[str]
    expect: str = FAIL
    over: dict[str, str | None] = field(default_factory=dict)
    memory: int | None = None
    warm: bool = False
    says: str = ""
    holds: str = ""


def _attempts() -> list[Attempt]:
    c: list[Attempt] = []
    # Inputs without an end
    ends = {"a FIFO": "{dir}/fifo", "/dev/zero": "/dev/zero", "a 600 MB sparse file":
            "{dir}/big.toml"}
    for label, path in ends.items():
        for command in ("intake", "import"):
            c.append(Attempt(f"{command} {label}", [command, path], memory=SMALL_MEMORY))
        for side in ("base", "ours", "theirs"):
            c.append(Attempt(f"merge with {label} as {side}",
                             ["merge", *(path if s == side else "{reg}"
                                         for s in ("base", "ours", "theirs"))],
                             memory=SMALL_MEMORY))
    for args in (["list"], ["mark", OPEN, "-p", "5"]):
        c.append(Attempt(f"--registry a 600 MB sparse file: {args[0]}",
                         [*args, "--registry", "{dir}/big.toml"], memory=SMALL_MEMORY))
    # Numbers of 5,000 digits
    for name, args in (("mark --progress", ["mark", OPEN, "--progress", HUGE]),
                       ("mark --progress N%", ["mark", OPEN, "--progress", HUGE + "%"]),
                       ("mark --value", ["mark", MILESTONE, "--value", HUGE]),
                       ("mark --value -N", ["mark", MILESTONE, "--value", "-" + HUGE]),
                       ("edit --target-value", ["edit", MILESTONE, "--target-value", HUGE]),
                       ("add --target-value", ["add", "--kind", "milestone", "--category",
                                               "target", "--title", "对抗目标",
                                               "--target-value", HUGE, "--target-year",
                                               "2025"]),
                       ("list --limit", ["list", "--limit", HUGE]),
                       ("list --stale", ["list", "--stale", HUGE]),
                       ("stale --days", ["stale", "--days", HUGE]),
                       ("status --stale-days", ["status", "--stale-days", HUGE]),
                       ("log --limit", ["log", "--limit", HUGE]),
                       ("forms --within", ["forms", "{dir}/out", "--within", HUGE]),
                       ("intake: a CSV form's progress cell", ["intake", "{dir}/huge.csv"]),
                       ("intake: a workbook's progress cell of 400 digits",
                        ["intake", "{dir}/huge.xlsx"])):
        c.append(Attempt(f"5,000 digits: {name}", args, says="more than 100 digits"))
    for name, value in (("5,000 digits", HUGE), ("²", "²")):
        for variable in ("COLUMNS", "LINES"):
            c.append(Attempt(f"{variable}={name}: list", ["list"], OK, {variable: value}))
    c.append(Attempt("a date in a time zone dateutil warns of: list --as-of",
                     ["list", "--as-of", "2011 Dec 31 10:00 ABC"], OK))
    # Bytes that are not UTF-8, the cache warm and the file changed since
    for name, args, says in (
            ("show \\xff", ["show", "\udcff"], "no item"),
            ("show an id prefix and \\xff", ["show", "coop\udcff"], "no item"),
            ("mark \\xff", ["mark", "\udcff", "-n", "x"], "no item"),
            ("mark --note", ["mark", OPEN, "-n", "bad \udcff byte"], "--note: is not valid"),
            ("mark --by", ["mark", OPEN, "-n", "x", "--by", "\udcfe"], "--by: is not valid"),
            ("mark --source", ["mark", OPEN, "-n", "x", "--source", "\udcfe"],
             "--source: is not valid"),
            ("edit --title", ["edit", OPEN, "--title", "标题\udce4"], "--title: is not valid"),
            ("edit --tag", ["edit", OPEN, "--tag", "\udcff"], "--tag: is not valid"),
            ("add --title", ["add", "--kind", "project", "--category", "road", "--title",
                             "\udcff"], "--title: is not valid"),
            ("list --unit", ["list", "--unit", "\udcff"], "--unit")):
        c.append(Attempt(f"not UTF-8, cache warm: {name}", args, warm=True, says=says))
    c.append(Attempt("import a file named in bytes that are not UTF-8", ["import",
                                                                         "{dir}/\udcfe.json"],
                     OK, holds="对抗改名"))
    for name, args in (("mark", ["mark", OPEN, "-n", "x"]),
                       ("edit", ["edit", OPEN, "--title", "新标题"]),
                       ("add", ["add", "--kind", "project", "--category", "road", "--title",
                                "对抗"]),
                       ("import", ["import", "{dir}/good.json"])):
        c.append(Attempt(f"login name \\xff, CIRCLETRACK_USER unset: {name}", args,
                         over=NOT_UTF8, says="your login name is not valid UTF-8"))
    c.append(Attempt("C locale, no UTF-8 mode: mark a Chinese note", ["mark", OPEN, "-n",
                                                                      "对抗中文报告"],
                     OK, C_LOCALE, holds='note = "对抗中文报告"'))
    c.append(Attempt("C locale, no UTF-8 mode: mark as a Chinese login name",
                     ["mark", OPEN, "-n", "对抗登录名"], OK,
                     {**C_LOCALE, "CIRCLETRACK_USER": None, "LOGNAME": "张对抗",
                      "USER": "张对抗"}, holds='by = "张对抗"'))
    c.append(Attempt("C locale, no UTF-8 mode: show by a Chinese title",
                     ["show", "建立行业协会"], OK, C_LOCALE))
    c.append(Attempt("C locale, no UTF-8 mode: mark a note with \\xff", ["mark", OPEN, "-n",
                                                                        "中文\udcff"],
                     over=C_LOCALE, says="--note: is not valid"))
    return c


def _forms(harness: Harness, folder: Path, registry: Path) -> None:
    """The transport bureau's forms of 2011-12-20, filled with a progress of 5,000 digits
    (CSV) and of 400 (a workbook: more than a float holds, as a spreadsheet may save it)."""
    out = folder / "forms"
    for fmt in ("csv", "xlsx"):
        run = harness.run(["forms", str(out), "-f", fmt, "--as-of", "2011-12-20", "--unit",
                           "市交通局", "--form-lang", "en", "--registry", str(registry)])
        if run.rc != 0:
            raise SystemExit(f"cannot write the forms: {run.excerpt()}")
    (csv_form,) = out.glob("*.csv")
    grid = list(csv.reader(io.StringIO(csv_form.read_bytes().decode("utf-8-sig"),
                                       newline="")))
    header = next(n for n, row in enumerate(grid) if row and row[0] == "ID")
    for row in grid[header + 1:]:
        if row and row[0] == "coop-05":
            row[8], row[9] = HUGE, "2011-12-10"
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(grid)
    (folder / "huge.csv").write_bytes(text.getvalue().encode("utf-8-sig"))
    from openpyxl import load_workbook

    (xlsx_form,) = out.glob("*.xlsx")
    workbook = load_workbook(xlsx_form)
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows():
        if row[0].value == "coop-05":
            row[8].value, row[9].value = 987654321, "2011-12-10"
    workbook.save(folder / "filled.xlsx")
    with zipfile.ZipFile(folder / "filled.xlsx") as source, \
            zipfile.ZipFile(folder / "huge.xlsx", "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info).replace(b">987654321<", b">" + b"7" * 400
                                                            + b"<"))
    shutil.rmtree(out)


def _imports(harness: Harness, folder: Path) -> None:
    """good.json: coop-17 with a new title; the same under a name in bytes not UTF-8."""
    run = harness.run(["show", OPEN, "-f", "json", "--registry", str(SHIPPED)])
    text = "[" + run.out.decode("utf-8") + "]"
    (folder / "good.json").write_text(text.replace("建立行业协会联席会议制度", "对抗导入"),
                                      encoding="utf-8")
    (folder / "\udcfe.json").write_text(text.replace("建立行业协会联席会议制度", "对抗改名"),
                                        encoding="utf-8")


def _warm(harness: Harness, registry: Path) -> None:
    """The index warm for the registry (a canonical write read back), then the file
    changed elsewhere, as by a `git pull`: the next read reparses only the changed item."""
    harness.run(["mark", "coop-05", "-n", "对抗预热", "--registry", str(registry)])
    harness.run(["list", "--registry", str(registry)])
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text.replace("钱江通道及接线工程", "钱江通道及接线工程（改）", 1),
                        encoding="utf-8")
    harness.run(["show", "coop-06", "--registry", str(registry)])


def _state(registry: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    journal = registry.with_name(registry.name + ".journal")
    return fingerprint(registry), tuple(sorted(os.listdir(journal))) if journal.is_dir() else ()


def _run(harness: Harness, number: int, attempt: Attempt) -> Case:
    folder = harness.work / "unbounded" / f"{number:03d}"
    folder.mkdir(parents=True)
    registry = folder / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    os.mkfifo(folder / "fifo")
    with open(folder / "big.toml", "wb") as big:
        big.truncate(600 << 20)
    if any("huge." in a for a in attempt.args):
        _forms(harness, folder, registry)
    if any(".json" in a for a in attempt.args):
        _imports(harness, folder)
    if attempt.warm:
        _warm(harness, registry)

    def fill(word: str) -> str:
        return word.replace("{reg}", str(registry)).replace("{dir}", str(folder))

    args = [fill(a) for a in attempt.args]
    if not any("{reg}" in a or a == "--registry" for a in attempt.args):
        args += ["--registry", str(registry)]
    before, state = registry.read_bytes(), _state(registry)
    run = harness.run(args, over=attempt.over, cwd=folder, timeout=TIMEOUT,
                      memory_limit=attempt.memory)
    limit = f" under `prlimit --as={attempt.memory >> 20}M`" if attempt.memory else ""
    case = Case("unbounded", attempt.name, repro(run, setup=(
        "in a folder holding a copy of data/projects.toml, a FIFO fifo and a 600 MB sparse "
        f"big.toml{limit}" + ("; the index warm, then coop-06's title changed in "
                              "the file" if attempt.warm else ""))))
    said = run.err.decode("utf-8", "replace")
    if attempt.expect == OK:
        if run.rc != 0 or run.timed_out:
            case.problems.append(f"exit {run.rc}{' (hung)' if run.timed_out else ''}")
        if run.err.strip() or "Traceback" in run.text():
            case.problems.append("something on stderr")
        if registry.read_bytes() != before:
            case.problems += good_write(harness, registry, before)
        if attempt.holds and attempt.holds not in registry.read_text(encoding="utf-8"):
            case.problems.append(f"the registry does not hold {attempt.holds}")
    else:
        case.problems += failed_cleanly(run)
        if _state(registry) != state:
            case.problems.append("the registry or its journal changed")
        case.problems += [f"leftover {n}" for n in leftovers(registry)]
        if attempt.says and attempt.says not in said:
            case.problems.append(f"the error does not say {attempt.says!r}")
        if not (folder / "fifo").is_fifo() or (folder / "big.toml").stat().st_size != 600 << 20:
            case.problems.append("the FIFO or the sparse file was replaced")
        if (folder / "out").exists():
            case.problems.append("forms were written")
    if case.problems:
        case.detail = run.excerpt()
    return case


def unbounded_inputs(harness: Harness, jobs: int) -> tuple[list[Case], str]:
    """Category 7 (every case, in the quick run too)."""
    attempts = _attempts()
    one: Callable[[int, object], Case] = lambda n, a: _run(harness, n, a)  # type: ignore[arg-type]
    cases = _parallel(jobs, "unbounded", attempts, one)
    must = sum(1 for a in attempts if a.expect == FAIL)
    return cases, (f"{must} must fail (inputs without an end under "
                   f"{SMALL_MEMORY >> 20} MiB, numbers of 5,000 digits, bytes not UTF-8), "
                   f"{len(attempts) - must} must succeed (C locale, odd COLUMNS)")
