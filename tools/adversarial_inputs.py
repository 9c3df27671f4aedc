"""The adversarial suite, categories 4 and 5: bad command lines and bad import files, each run
against a fresh copy of the shipped registry. A case expected to fail must fail cleanly and
change nothing (registry, journal); a case marked "any" may also succeed, and then a write
must leave a valid, journaled registry."""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from adversarial_harness import (
    SHIPPED,
    Case,
    Harness,
    Run,
    failed_cleanly,
    fingerprint,
    good_write,
    leftovers,
    ran_cleanly,
    repro,
)

FAIL, ANY = "fail", "any"
LONG = "长" * 30_000
MANY_LINES = "行\n" * 250


@dataclass
class Line:
    """A command line: its words ({reg} the registry, {dir} the case's folder; without
    {reg}, `--registry {reg}` is added at the end), what must happen, extra environment."""

    name: str
    args: list[str]
    expect: str = FAIL
    env: dict[str, str | None] | None = None


def _lines() -> list[Line]:
    """The bad command lines."""
    c: list[Line] = []

    def bad(name: str, *args: str, expect: str = FAIL,
            env: dict[str, str | None] | None = None) -> None:
        c.append(Line(name, list(args), expect, env))

    # Unknown commands and options, missing and extra arguments
    bad("unknown command", "frobnicate")
    bad("near-miss command", "lis")
    bad("unknown option", "list", "--frobnicate")
    bad("unknown root option", "--frob", "list")
    bad("unknown short option", "list", "-Z")
    bad("mark without id", "mark", "-p", "5")
    bad("show without id", "show")
    bad("edit without id", "edit", "--title", "x")
    bad("extra argument", "list", "extra")
    bad("status extra argument", "status", "coop-06")
    bad("unknown language", "--lang", "xx", "status")
    bad("--lang without value", "--lang")
    bad("--registry without value", "list", "--registry")
    bad("--registry empty", "list", "--registry", "")
    bad("--registry= empty", "list", "--registry=")
    bad("mark --registry empty with the env naming the real one", "mark", "coop-17", "-p", "5",
        "--registry", "", env={"CIRCLETRACK_REGISTRY": "{reg}"})
    # Dates
    for option in ("--as-of", "--due-before", "--due-after"):
        bad(f"list {option} not a date", "list", option, "notadate")
        bad(f"list {option} 30 February", "list", option, "2011-02-30")
    bad("list --as-of empty", "list", "--as-of", "")
    bad("list --as-of control characters", "list", "--as-of", "\x1b[31m\x01")
    bad("list --as-of 0001-01-01", "list", "--as-of", "0001-01-01", expect=ANY)
    bad("list --as-of 9999-12-31", "list", "--as-of", "9999-12-31", expect=ANY)
    bad("list --as-of +99999y", "list", "--as-of", "+99999y", expect=ANY)
    bad("list --as-of -9999999d", "list", "--as-of", "-9999999d", expect=ANY)
    bad("status --as-of +9999999999999999999d", "status", "--as-of", "+9999999999999999999d",
        expect=ANY)
    bad("mark --date 30 February", "mark", "coop-06", "-n", "x", "--date", "2011-02-30")
    bad("mark --date empty", "mark", "coop-06", "-n", "x", "--date", "")
    bad("mark --date 9999-12-31", "mark", "coop-06", "-n", "x", "--date", "9999-12-31")
    bad("mark --date 1899-12-31", "mark", "coop-06", "-n", "x", "--date", "1899-12-31")
    bad("mark --date +1000y", "mark", "coop-06", "-n", "x", "--date", "+1000y")
    bad("mark --date month 13", "mark", "coop-06", "-n", "x", "--date", "2011年13月")
    bad("log --since not a date", "log", "--since", "soon")
    bad("timeline --from not a date", "timeline", "--from", "bogus")
    bad("timeline --to 30 February", "timeline", "--to", "2011-02-30")
    bad("timeline --from after --to", "timeline", "--from", "2030-01-01", "--to", "2011-01-01",
        expect=ANY)
    bad("add --due 9999-12-31", "add", "--kind", "project", "--title", "远期", "--category",
        "road", "--due", "9999-12-31")
    bad("add --created 0001-01-01", "add", "--kind", "project", "--title", "远古", "--category",
        "road", "--created", "0001-01-01")
    bad("edit --due 9999-12-31", "edit", "coop-06", "--due", "9999-12-31", "--reason", "x")
    bad("edit --due without --reason", "edit", "coop-06", "--due", "2030-01-01")
    # Numbers
    for value in ("101", "-1", "abc", "50.5", "", "1e2", "99999999999999999999999", "=5"):
        bad(f"mark -p {value!r}", "mark", "coop-06", "-p", value)
    bad("mark -p=5 (short option with =)", "mark", "coop-06", "-p=5")
    for value in ("abc", "nan", "inf", "-inf", "1e999", ""):
        bad(f"mark --value {value!r}", "mark", "target-2025-gdp", "--value", value)
    bad("list -n -1", "list", "-n", "-1")
    bad("list -n abc", "list", "-n", "abc")
    bad("list -n huge", "list", "-n", "99999999999999999999", expect=ANY)
    bad("list --stale -5", "list", "--stale", "-5")
    bad("list --stale huge", "list", "--stale", "99999999999999999999", expect=ANY)
    bad("stale -d huge", "stale", "-d", "99999999999999999999", expect=ANY)
    bad("stale -d -5", "stale", "-d", "-5")
    bad("status --stale-days abc", "status", "--stale-days", "abc")
    bad("status --stale-days -1", "status", "--stale-days", "-1")
    bad("log -n -3", "log", "-n", "-3")
    milestone = ["add", "--kind", "milestone", "--category", "target", "--title", "对抗目标"]
    bad("add --target-value abc", *milestone, "--target-value", "abc", "--target-year", "2025")
    bad("add --target-value nan", *milestone, "--target-value", "nan", "--target-year", "2025")
    bad("add --target-year 99999", *milestone, "--target-value", "5", "--target-year", "99999")
    bad("add --target-year -5", *milestone, "--target-value", "5", "--target-year", "-5")
    bad("add --target-op =>", *milestone, "--target-value", "5", "--target-year", "2025",
        "--target-op", "=>")
    bad("add a target on a project", "add", "--kind", "project", "--title", "对抗", "--category",
        "road", "--target-value", "5", "--target-year", "2025")
    bad("edit a target onto a cooperation item", "edit", "coop-06", "--target-value", "5",
        "--target-year", "2025")
    # Choices
    for args in (("list", "-k", "bogus"), ("list", "-s", "bogus"), ("list", "--sort", "bogus"),
                 ("list", "--sort", "-bogus"), ("list", "-f", "xml"), ("list", "-c", "bogus"),
                 ("overdue", "-g", "bogus"), ("overdue", "-f", "pdf"), ("export", "-f", "xls"),
                 ("show", "coop-06", "-f", "csv"), ("log", "-f", "csv"),
                 ("mark", "coop-06", "-s", "bogus"), ("stale", "-s", "done")):
        bad(" ".join(args), *args)
    bad("add --kind bogus", "add", "--kind", "bogus", "--title", "x")
    bad("add --category bogus", "add", "--kind", "project", "--title", "x", "--category", "bogus")
    bad("edit --category bogus", "edit", "coop-06", "--category", "bogus")
    # Ids and titles
    for value in ("nowhere", "", "   ", "杭", "coop", "coop-06\x1b", "\udcff", "x" * 100_000):
        bad(f"show {value[:20]!r}", "show", value)
    bad("mark unknown id", "mark", "nowhere", "-p", "5")
    bad("mark ambiguous title", "mark", "杭", "-p", "5")
    bad("mark one unknown among several", "mark", "coop-06", "nowhere", "-p", "5")
    bad("mark an item that takes no reports (same_as)", "mark", "ms-mayors-05", "-p", "5")
    bad("mark with the wrong --kind", "mark", "coop-06", "-k", "project", "-p", "5")
    bad("mark with nothing to record", "mark", "coop-06")
    bad("edit unknown id", "edit", "nowhere", "--title", "x")
    bad("edit with nothing to change", "edit", "coop-06")
    bad("edit --title empty", "edit", "coop-06", "--title", "")
    bad("edit --tracks itself", "edit", "coop-06", "--tracks", "coop-06")
    bad("edit --tracks unknown", "edit", "coop-06", "--tracks", "nowhere")
    bad("edit --same-as itself", "edit", "coop-06", "--same-as", "coop-06")
    bad("edit --source unknown", "edit", "coop-06", "--source", "nowhere")
    bad("edit --deadline-source unknown", "edit", "coop-06", "--deadline-source", "nowhere")
    bad("edit tracks into a cycle", "edit", "hwy-qianjiang-tongdao", "--tracks", "coop-06")
    project = ["add", "--kind", "project", "--category", "road"]
    bad("add without --kind", "add", "--title", "x")
    bad("add without --title", "add", "--kind", "project", "--category", "road")
    bad("add --id taken", *project, "--title", "x", "--id", "coop-06")
    bad("add --id empty", *project, "--title", "x", "--id", "")
    bad("add --id with a space", *project, "--title", "x", "--id", "bad id")
    bad("add --id 30000 chars", *project, "--title", "x", "--id", "i" * 30_000)
    bad("add --source unknown", *project, "--title", "x", "--source", "nowhere")
    bad("add --related unknown", *project, "--title", "x", "--related", "nowhere")
    bad("add --tracks unknown", *project, "--title", "x", "--tracks", "nowhere")
    bad("add --same-as unknown", *project, "--title", "x", "--same-as", "nowhere")
    bad("add --title 30000 chars", *project, "--title", LONG)
    bad("add --title 250 lines", *project, "--title", MANY_LINES)
    bad("add --title empty", *project, "--title", "")
    bad("undo with nothing to undo", "undo")
    bad("undo --list with an unknown option", "undo", "--list", "--bogus")
    bad("log unknown id", "log", "nowhere")
    # Texts
    bad("mark --note 30000 chars", "mark", "coop-06", "-n", LONG)
    bad("mark --note 250 lines", "mark", "coop-06", "-n", MANY_LINES)
    bad("mark --note empty only", "mark", "coop-06", "-n", "")
    bad("mark --by 30000 chars", "mark", "coop-06", "-n", "x", "--by", LONG)
    bad("mark --source 30000 chars", "mark", "coop-06", "-n", "x", "--source", LONG)
    bad("mark --note with terminal escapes", "mark", "coop-06", "-n",
        "\x1b]0;pwned\x07\x1b[2J\u202e", expect=ANY)
    bad("mark --note invalid UTF-8", "mark", "coop-06", "-n", "bad \udcff byte")
    bad("mark --by empty", "mark", "coop-06", "-n", "x", "--by", "", expect=ANY)
    bad("list -q regex characters", "list", "-q", "[(*", expect=ANY)
    bad("list -q 100000 chars", "list", "-q", "q" * 100_000, expect=ANY)
    bad("list --city control character", "list", "--city", "\x01", expect=ANY)
    # Repeated options and -- tricks
    bad("mark -p repeated", "mark", "coop-17", "-p", "5", "-p", "6", expect=ANY)
    bad("list -f repeated", "list", "-f", "json", "-f", "csv", expect=ANY)
    bad("mark -- -p 5", "mark", "--registry", "{reg}", "--", "-p", "5")
    bad("mark -- coop-06 -p 5", "mark", "--registry", "{reg}", "--", "coop-06", "-p", "5")
    bad("show -- --help", "show", "--registry", "{reg}", "--", "--help")
    bad("mark options after -- as ids", "mark", "coop-17", "-p", "5", "--registry", "{reg}", "--",
        "--registry", "/etc/passwd")
    # Files to write
    bad("export -o existing file", "export", "-o", "{dir}/exists.csv")
    bad("export -o a folder", "export", "-o", "{dir}/sub")
    bad("export -o into a missing folder", "export", "-o", "{dir}/missing/x.csv")
    bad("export -o a FIFO --force", "export", "-o", "{dir}/fifo", "--force")
    bad("export -o /dev/null --force", "export", "-o", "/dev/null", "--force")
    bad("export -o empty", "export", "-o", "", expect=ANY)
    bad("overdue -f ics -o x.csv", "overdue", "-f", "ics", "-o", "{dir}/x.csv", expect=ANY)
    bad("init into a missing folder", "init", "{dir}/missing/x.toml")
    bad("init over the registry without --force", "init", "{reg}")
    bad("init /dev/null --force", "init", "/dev/null", "--force")
    bad("init a FIFO --force", "init", "{dir}/fifo", "--force")
    bad("import a missing file", "import", "{dir}/nowhere.json")
    bad("import a folder", "import", "{dir}/sub")
    bad("import /dev/zero", "import", "/dev/zero")
    bad("import a FIFO", "import", "{dir}/fifo")
    return c


def _fresh_case(harness: Harness, kind: str, number: int) -> tuple[Path, Path]:
    folder = harness.work / kind / f"{number:03d}"
    folder.mkdir(parents=True)
    registry = folder / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    (folder / "exists.csv").write_text("keep me\n")
    (folder / "sub").mkdir()
    os.mkfifo(folder / "fifo")
    return folder, registry


def _state(registry: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    journal = registry.with_name(registry.name + ".journal")
    return fingerprint(registry), tuple(sorted(os.listdir(journal))) if journal.is_dir() else ()


def judge(harness: Harness, case: Case, run: Run, expect: str, registry: Path,
          before: bytes, state: tuple[tuple[str, ...], tuple[str, ...]], folder: Path) -> None:
    """Fill in a case's problems from a run (see the module's docstring)."""
    if run.rc == 0 and not run.timed_out and expect == ANY:
        case.problems += ran_cleanly(run)
        wrote = registry.read_bytes() != before
        if wrote:
            case.problems += good_write(harness, registry, before)
        case.remarks.append("accepted (exit 0" + (", wrote the registry)" if wrote else ")"))
    else:
        case.problems += failed_cleanly(run)
        now = _state(registry)
        if now[0] != state[0]:
            case.problems.append("the registry changed")
        if now[1] != state[1]:
            case.problems.append("the journal changed")
        case.problems += [f"leftover {n}" for n in leftovers(registry)]
        if (folder / "exists.csv").read_text() != "keep me\n":
            case.problems.append("an existing file was replaced")
    if not (folder / "fifo").exists() or not (folder / "fifo").is_fifo():
        case.problems.append("the FIFO beside the registry was replaced")
    if case.problems:
        case.detail = run.excerpt()


def _run_line(harness: Harness, number: int, line: Line) -> Case:
    folder, registry = _fresh_case(harness, "cli", number)

    def fill(word: str) -> str:
        return word.replace("{reg}", str(registry)).replace("{dir}", str(folder))

    args = [fill(a) for a in line.args]
    if not any("{reg}" in a for a in line.args) and "--registry" not in line.args \
            and "--registry=" not in line.args and line.args[:1] != ["init"]:
        args += ["--registry", str(registry)]
    over = {k: (fill(v) if v is not None else None) for k, v in (line.env or {}).items()}
    before, state = registry.read_bytes(), _state(registry)
    run = harness.run(args, over=over, cwd=folder)
    case = Case("cli", f"{line.name}{' (may succeed)' if line.expect == ANY else ''}",
                repro(run, setup="in a folder holding a copy of data/projects.toml, "
                      "exists.csv, a folder sub/ and a FIFO fifo"))
    judge(harness, case, run, line.expect, registry, before, state, folder)
    return case


def _parallel(jobs: int, label: str, work: Sequence[object],
              one: Callable[[int, object], Case]) -> list[Case]:
    done = [0]

    def step(numbered: tuple[int, object]) -> Case:
        case = one(*numbered)
        done[0] += 1
        print(f"  {label}: {done[0]}/{len(work)}", file=sys.stderr, end="\r")
        return case

    with ThreadPoolExecutor(jobs) as pool:
        cases = list(pool.map(step, enumerate(work)))
    print(file=sys.stderr)
    return cases


def bad_command_lines(harness: Harness, quick: bool, jobs: int) -> tuple[list[Case], str]:
    """Category 4."""
    lines = _lines()
    if quick:
        lines = lines[::6]
    cases = _parallel(jobs, "command lines", lines,
                      lambda n, line: _run_line(harness, n, line))  # type: ignore[arg-type]
    must = sum(1 for line in lines if line.expect == FAIL)
    return cases, (f"{must} must fail, {len(lines) - must} may succeed (then: exit 0, "
                   f"a valid journaled registry)")


# 5. Imports


def _item(**changes: object) -> dict[str, object]:
    """A valid new item (coop-06's fields under a new id) with some fields changed; a value
    of ... removes the field."""
    item = copy.deepcopy(_BASE)
    for key, value in changes.items():
        if value is ...:
            item.pop(key, None)
        else:
            item[key] = value
    return item


_BASE: dict[str, object] = {}


def _history(**changes: object) -> list[dict[str, object]]:
    report: dict[str, object] = {"date": "2012-01-01", "status": "in_progress", "progress": None,
                                 "value": None, "note": "对抗导入", "by": "adversary",
                                 "source": "adversarial import", "passage": None}
    report.update(changes)
    return [report]


def _deep(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def _imports() -> list[tuple[str, bytes, str]]:
    """(name, file bytes, expect) for every bad import."""
    def js(value: object) -> bytes:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")

    def one(**changes: object) -> bytes:
        return js([_item(**changes)])

    milestone = _item(id="adv-imp-ms", kind="milestone", category="target", tracks=[],
                      target={"value": 5, "unit": "公里", "year": 2025, "op": ">=",
                              "scope": None})
    base = js([_item()])
    c: list[tuple[str, bytes, str]] = [
        ("not JSON", b"not json at all\n", FAIL),
        ("empty file", b"", FAIL),
        ("TOML instead of JSON", SHIPPED.read_bytes(), FAIL),
        ("a BOM before a valid file", b"\xef\xbb\xbf" + base, ANY),
        ("an object, not an array", js(_item()), FAIL),
        ("an array of strings", b'["a", "b"]', FAIL),
        ("an array of numbers", b"[1, 2]", FAIL),
        ("null", b"null", FAIL),
        ("[null]", b"[null]", FAIL),
        ("[[]]", b"[[]]", FAIL),
        ("[[[…]]] 100,000 deep", _deep(100_000).encode(), FAIL),
        ("tags nested 5,000 deep", base.replace(b'"tags": [', b'"tags": ['
                                                + _deep(5000).encode() + b", ", 1), FAIL),
        ("a 5,000-digit progress", base.replace(b'"progress": null', b'"progress": 1'
                                                + b"0" * 5000, 1), FAIL),
        ("progress NaN", base.replace(b'"progress": null', b'"progress": NaN', 1), FAIL),
        ("history progress Infinity", one(history=_history(progress=float("inf"))), FAIL),
        ("target value NaN", js([dict(milestone, target=dict(milestone["target"],  # type: ignore[arg-type]
                                                             value=float("nan")))]), FAIL),
        ("target value -Infinity", js([dict(milestone, target=dict(milestone["target"],  # type: ignore[arg-type]
                                                                   value=float("-inf")))]), FAIL),
        ("target value 1e400", js([milestone]).replace(b'"value": 5', b'"value": 1e400'), FAIL),
        ("target year 99999", js([dict(milestone, target=dict(milestone["target"],  # type: ignore[arg-type]
                                                              year=99999))]), FAIL),
        ("target a string", js([dict(milestone, target="x")]), FAIL),
        ("due 9999-12-31", one(due="9999-12-31"), FAIL),
        ("due 0001-01-01", one(due="0001-01-01"), FAIL),
        ("due 2011-02-30", one(due="2011-02-30"), FAIL),
        ("due an integer", one(due=20111231), FAIL),
        ("created null", one(created=None), FAIL),
        ("history date 9999-12-31", one(history=_history(date="9999-12-31")), FAIL),
        ("a 10 MB note", one(history=_history(note="注" * 10_000_000)), FAIL),
        ("a 10 MB content", one(content="x" * 10_000_000), FAIL),
        ("a note of 2.5 million newlines", one(history=_history(note="\n" * 2_500_000)), FAIL),
        ('"lead": "市交通局"', one(lead="市交通局"), FAIL),
        ('"id": ["a"]', one(id=["a"]), FAIL),
        ('"id": 5', one(id=5), FAIL),
        ('"id": ""', one(id=""), FAIL),
        ('"id": null', one(id=None), FAIL),
        ("no id", one(id=...), FAIL),
        ("duplicate ids in the file", js([_item(), _item(title="另一个")]), FAIL),
        ("unknown source", one(sources=["nowhere"]), FAIL),
        ("unknown tracked item", one(tracks=["nowhere"]), FAIL),
        ("unknown passage in a report", one(history=_history(passage="nowhere")), FAIL),
        ("a link cycle between two new items",
         js([_item(id="adv-imp-a", tracks=["adv-imp-b"]),
             _item(id="adv-imp-b", tracks=["adv-imp-a"])]), FAIL),
        ("an item tracking itself", one(tracks=["adv-imp-1"]), FAIL),
        ("a same_as cycle", js([_item(id="adv-imp-a", same_as="adv-imp-b", history=[]),
                                _item(id="adv-imp-b", same_as="adv-imp-a", history=[])]), FAIL),
        ("same_as with reports of its own", one(same_as="coop-06"), FAIL),
        ("kind bogus", one(kind="bogus"), FAIL),
        ("status bogus", one(status="bogus"), FAIL),
        ("status a number", one(status=3), FAIL),
        ("category bogus", one(category="bogus"), FAIL),
        ("history a string", one(history="x"), FAIL),
        ("a report missing its status", one(history=[{"date": "2012-01-01"}]), FAIL),
        ("report progress 101", one(history=_history(progress=101)), FAIL),
        ('report progress "50"', one(history=_history(progress="50")), FAIL),
        ('"tags": "交通"', one(tags="交通"), FAIL),
        ("cities numbers", one(cities=[1, 2]), FAIL),
        ("201 tags", one(tags=[f"t{n}" for n in range(201)]), FAIL),
        ("title 20,001 characters", one(title="长" * 20_001), FAIL),
        ("title empty", one(title=""), FAIL),
        ("due_changes garbage", one(due_changes=[{"from": "x"}]), FAIL),
        ("a fact value NaN", one(facts=[{"key": "other", "label": "x", "value": float("nan"),
                                         "unit": "%", "area": None, "year": 2017,
                                         "source": "plan-2011", "note": None}]), FAIL),
        ("invalid UTF-8", base.replace("对抗导入".encode(), b"\xff\xfe", 1), FAIL),
        ("UTF-16", json.dumps([_item()], ensure_ascii=False).encode("utf-16"), ANY),
        ("a lone surrogate escape in the title", base.replace(
            json.dumps(_BASE["title"], ensure_ascii=False).encode(), b'"\\ud800"', 1), ANY),
        ("a NUL escape in the title", base.replace(
            json.dumps(_BASE["title"], ensure_ascii=False).encode(), b'"a\\u0000b"', 1), ANY),
        ("an unknown key", one(colour=1), ANY),
        ("duplicate keys in one object", base.replace(b'{"id": "adv-imp-1"',
                                                      b'{"id": "adv-imp-x", "id": "adv-imp-1"',
                                                      1), ANY),
    ]
    return c


def _load_base(harness: Harness) -> None:
    run = harness.run(["show", "coop-06", "--format", "json", "--registry", str(SHIPPED)])
    item = json.loads(run.out)
    for derived in ("overdue", "days_overdue", "updated", "effective"):
        item.pop(derived, None)
    item.update(id="adv-imp-1", title="对抗导入项目", tracks=[], history=_history())
    _BASE.clear()
    _BASE.update(item)


def _run_import(harness: Harness, number: int, spec: tuple[str, bytes, str]) -> Case:
    name, data, expect = spec
    folder, registry = _fresh_case(harness, "imports", number)
    source = folder / "import.json"
    source.write_bytes(data)
    before, state = registry.read_bytes(), _state(registry)
    run = harness.run(["import", str(source), "--registry", str(registry)], cwd=folder)
    case = Case("imports", f"{name}{' (may succeed)' if expect == ANY else ''}",
                repro(run, setup="a copy of data/projects.toml"))
    judge(harness, case, run, expect, registry, before, state, folder)
    if case.problems:
        kept = harness.keep(f"import-{name}", source)
        case.repro += f" (import.json kept in {kept})"
    return case


def bad_imports(harness: Harness, quick: bool, jobs: int) -> tuple[list[Case], str]:
    """Category 5."""
    _load_base(harness)
    control_folder, control_registry = _fresh_case(harness, "imports", 999)
    good = control_folder / "good.json"
    good.write_bytes(json.dumps([_item()], ensure_ascii=False).encode())
    control = harness.run(["import", str(good), "--registry", str(control_registry)])
    if control.rc != 0:
        raise SystemExit(f"the control import failed, the cases would mean nothing: "
                         f"{control.excerpt()}")
    specs = _imports()
    if quick:
        specs = specs[::5]
    cases = _parallel(jobs, "imports", specs,
                      lambda n, s: _run_import(harness, n, s))  # type: ignore[arg-type]
    must = sum(1 for s in specs if s[2] == FAIL)
    return cases, (f"{must} must fail, {len(specs) - must} may succeed; control: a valid "
                   f"item imports (exit 0)")
