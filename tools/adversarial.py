#!/usr/bin/env python3
"""The adversarial suite: circletrack run as real processes against concurrent writers,
SIGKILLs, malformed registries, bad command lines, bad imports, a hostile environment and
inputs without an end (with numbers and bytes Python cannot read), each against copies of
the shipped registry in a temporary folder. It prints a Markdown table (per category:
cases tried, how many failed cleanly or held, how many did not) and a reproduction for
every case that did not. Not a pytest test: a full run takes minutes.

    python tools/adversarial.py            # the full run (about 15 minutes on 2 cores)
    python tools/adversarial.py --quick    # a small run of every category (about 3 minutes)
    python tools/adversarial.py --only kills,imports --kills 50

Run it with the Python that has circletrack's dependencies (the venv); this tree's `src`
is put first on the children's path. Some hostile-environment cases need root (files of
another uid, a tmpfs for a full disk, dropped capabilities); without root they are skipped
and the table says so. The modules beside this one hold the categories: adversarial_kills,
adversarial_registries, adversarial_inputs (command lines, imports), adversarial_env and
adversarial_cache (the environment), adversarial_unbounded (endless inputs, huge numbers,
bytes not UTF-8), on adversarial_harness (running and judging).
The exit status is 0 when every case was clean, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The library this process imports itself (to plant indexes, parse registries) is this
# tree's, as the children's is: never another checkout's installed in the venv.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from adversarial_harness import (
    FIRST_REPORT_YEAR,
    SHIPPED,
    Case,
    Harness,
    Pending,
    Run,
    failed_cleanly,
    journal_problems,
    print_report,
    random_date,
    repro,
)

CATEGORIES = (
    ("writers", "Concurrent writers"),
    ("kills", "SIGKILL of a writer"),
    ("registries", "Malformed registries"),
    ("cli", "Bad command lines"),
    ("imports", "Bad imports"),
    ("environment", "Hostile environment"),
    ("unbounded", "Endless inputs, huge numbers, bytes not UTF-8"),
)


def item_ids(harness: Harness) -> list[str]:
    """The ids of the shipped registry's items that take reports of their own."""
    run = harness.run(["list", "--format", "json", "--all", "--limit", "0",
                       "--registry", str(SHIPPED)])
    if run.rc != 0:
        raise SystemExit(f"cannot list the shipped registry: {run.excerpt()}")
    return sorted(item["id"] for item in json.loads(run.out) if not item.get("same_as"))


# 1. Concurrent writers


@dataclass
class Writer:
    """One planned concurrent writer and, once it ran, its outcome."""

    op: str
    args: list[str]
    token: str | None
    count: int
    run: Run | None = None


_TOKEN = re.compile(r"advc-add-[0-9]{4}|advc[0-9]{4}")


def plan_writers(rng: random.Random, total: int, ids: list[str], registry: Path) -> list[Writer]:
    """`total` writers: mostly reports (distinct notes and dates), some add, edit and undo."""
    edit_pool = rng.sample(ids, len(ids))
    plans = []
    for k in range(total):
        op = rng.choices(("mark", "add", "edit", "undo"), (70, 12, 12, 6))[0]
        if op == "edit" and not edit_pool:
            op = "mark"
        token: str | None = f"advc{k:04d}"
        count = 1
        if op == "mark":
            items = rng.sample(ids, 2 if rng.random() < 0.15 else 1)
            args = ["mark", *items, "--note", token, "--date",
                    random_date(rng, FIRST_REPORT_YEAR)]
            if rng.random() < 0.3:
                args += ["--by", f"writer {k}"]
            count = len(items)
        elif op == "add":
            token = f"advc-add-{k:04d}"
            args = ["add", "--kind", "project", "--title", f"对抗并发项目{k}", "--category",
                    "road", "--id", token, "--created", random_date(rng)]
        elif op == "edit":
            args = ["edit", edit_pool.pop(), "--title-en", token]
        else:
            args, token = ["undo"], None
        plans.append(Writer(op, [*args, "--registry", str(registry)], token, count))
    return plans


def concurrent_writers(harness: Harness, rng: random.Random, total: int, wave: int,
                       ids: list[str]) -> tuple[list[Case], str]:
    """Category 1: `total` writer processes, `wave` at a time, then the file, the reports
    and the journal checked."""
    folder = harness.work / "writers"
    folder.mkdir()
    registry = folder / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    plans = plan_writers(rng, total, ids, registry)
    for start in range(0, total, wave):
        batch = plans[start:start + wave]
        pending: list[Pending] = [harness.spawn(plan.args) for plan in batch]
        for plan, proc in zip(batch, pending):
            plan.run = proc.finish()
        print(f"  writers: {min(start + wave, total)}/{total}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    text = registry.read_text(encoding="utf-8")
    undone: set[str] = set()
    cases = []
    for plan in plans:
        assert plan.run is not None
        if plan.op == "undo" and plan.run.rc == 0:
            found = _TOKEN.search(plan.run.out.decode("utf-8", "replace"))
            if found:
                undone.add(found.group(0))
    live = {p.token for p in plans if p.token and p.run and p.run.rc == 0} - undone
    for number, plan in enumerate(plans):
        assert plan.run is not None
        run = plan.run
        case = Case("writers", f"writer {number}: {plan.op}", repro(run, setup=(
            "a copy of data/projects.toml written by the other writers of the wave")))
        if run.rc == 0:
            if "Traceback" in run.text():
                case.problems.append("a traceback")
            if plan.op == "undo":
                if not _TOKEN.search(run.out.decode("utf-8", "replace")):
                    case.problems.append("undo did not name a write of this run")
            else:
                assert plan.token is not None
                want = plan.count if plan.token in live else 0
                got = text.count(f'"{plan.token}"')
                if got != want:
                    case.problems.append(f"written (exit 0){' then undone' if not want else ''}"
                                         f", but {plan.token} is in the file {got} times, "
                                         f"not {want}")
        else:
            case.problems += failed_cleanly(run)
            if plan.token and text.count(f'"{plan.token}"'):
                case.problems.append(f"failed, yet {plan.token} is in the file")
        case.detail = run.excerpt() if case.problems else ""
        cases.append(case)
    cases += _writers_final(harness, registry, live)
    outcomes = Counter("wrote" if p.run and p.run.rc == 0 else "failed" for p in plans
                       if p.op != "undo")
    reasons = Counter(_reason(p.run) for p in plans if p.run and p.run.rc != 0)
    undos = sum(1 for p in plans if p.op == "undo" and p.run and p.run.rc == 0)
    ops = Counter(p.op for p in plans)
    note = (f"{total} processes, {wave} at a time ({', '.join(f'{n} {o}' for o, n in ops.items())}); "
            f"{outcomes['wrote']} writes exit 0, {undos} undos took one back; failures: "
            + (", ".join(f"{n}× {r}" for r, n in reasons.most_common()) or "none")
            + "; +3 final checks (validate, undo --list, journal chain)")
    return cases, note


def _reason(run: Run | None) -> str:
    if run is None:
        return "?"
    line = (run.err_lines() or ["(no message)"])[0]
    return re.sub(r"[0-9./]{2,}|advc\S*", "…", line)[:70]


def _writers_final(harness: Harness, registry: Path, live: set[str]) -> list[Case]:
    check = harness.validate(registry)
    validate = Case("writers", "final: circletrack validate", repro(check))
    if check.rc != 0:
        validate.problems.append("the registry does not validate")
        validate.detail = check.excerpt()
    listing = harness.run(["undo", "--list", "--registry", str(registry)])
    undo_list = Case("writers", "final: undo --list", repro(listing))
    if listing.rc != 0 or "Traceback" in listing.text():
        undo_list.problems.append(f"undo --list exit {listing.rc}")
        undo_list.detail = listing.excerpt()
    chain = Case("writers", "final: journal chain and labels",
                 f"inspect {registry.name}.journal/ after the run")
    chain.problems += journal_problems(registry)
    folder = registry.with_name(registry.name + ".journal")
    labels = []
    for meta in sorted(folder.glob("[0-9]*.json")) if folder.is_dir() else []:
        label = json.loads(meta.read_text(encoding="utf-8")).get("label", "")
        found = _TOKEN.search(label)
        if not found or found.group(0) not in live:
            chain.problems.append(f"journal entry {meta.name} is not a live write: {label}")
        labels.append(found.group(0) if found else label)
    if len(labels) != len(set(labels)):
        chain.problems.append("a write is journaled twice")
    if chain.problems:
        harness.keep("writers-final", registry, folder)
    return [validate, undo_list, chain]


# Driving


def main(argv: list[str] | None = None) -> int:
    """Run the chosen categories and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small run of every category")
    parser.add_argument("--only", default="", help="comma-separated categories: "
                        + ", ".join(key for key, _ in CATEGORIES))
    parser.add_argument("--writers", type=int, help="concurrent writer processes (200)")
    parser.add_argument("--wave", type=int, default=8, help="writers started at once (8)")
    parser.add_argument("--kills", type=int, help="SIGKILLs to deliver (300)")
    parser.add_argument("--kill-max-ms", type=float, default=200.0,
                        help="longest wait before a SIGKILL, after the imports (200)")
    parser.add_argument("--mutants", type=int, help="malformed registries (220)")
    parser.add_argument("--jobs", type=int, default=2, help="cases run in parallel (2)")
    parser.add_argument("--seed", type=int, default=20261130, help="random seed")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds before a circletrack process counts as hung (60)")
    parser.add_argument("--memory-limit", type=int, default=2048,
                        help="address-space limit of every circletrack process, in MiB, so a "
                             "runaway read cannot exhaust a shared machine (2048; 0: none)")
    parser.add_argument("--findings", type=Path,
                        help="where inputs of unclean cases are kept (default: a new folder "
                             "in the temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args(argv)
    writers = options.writers or (24 if options.quick else 200)
    kill_count = options.kills or (20 if options.quick else 300)
    mutants = options.mutants or (30 if options.quick else 220)
    chosen = [c for c in options.only.split(",") if c] or [key for key, _ in CATEGORIES]
    unknown = set(chosen) - {key for key, _ in CATEGORIES}
    if unknown:
        parser.error(f"unknown categories: {', '.join(sorted(unknown))}")

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="circletrack-adversarial-"))
    os.chmod(work, 0o755)  # the other-uid cases must be able to reach their folders
    findings = options.findings or Path(tempfile.mkdtemp(prefix="circletrack-findings-"))
    harness = Harness(work, findings, options.timeout, options.memory_limit << 20)
    rng = random.Random(options.seed)
    ids = item_ids(harness)
    cases: list[Case] = []
    notes: dict[str, str] = {}
    stopped: list[str] = []
    import adversarial_env
    import adversarial_inputs
    import adversarial_kills
    import adversarial_registries
    import adversarial_unbounded

    steps: dict[str, Callable[[], tuple[list[Case], str]]] = {
        "writers": lambda: concurrent_writers(harness, rng, writers, options.wave, ids),
        "kills": lambda: adversarial_kills.kills(harness, rng, kill_count, options.jobs, ids,
                                                 options.kill_max_ms),
        "registries": lambda: adversarial_registries.malformed_registries(
            harness, rng, mutants, options.jobs),
        "cli": lambda: adversarial_inputs.bad_command_lines(harness, options.quick,
                                                            options.jobs),
        "imports": lambda: adversarial_inputs.bad_imports(harness, options.quick,
                                                          options.jobs),
        "environment": lambda: adversarial_env.hostile_environment(harness, options.quick),
        "unbounded": lambda: adversarial_unbounded.unbounded_inputs(harness, options.jobs),
    }
    try:
        for key, title in CATEGORIES:
            if key not in chosen:
                continue
            began = time.monotonic()
            print(f"{title} …", file=sys.stderr)
            try:
                found, note = steps[key]()
            except Exception as exc:  # noqa: BLE001 - the other categories still report
                traceback.print_exc()
                stopped.append(key)
                notes[key] = (f"STOPPED by an error of this tool after "
                              f"{time.monotonic() - began:.0f} s: {exc!r}")
                print(f"{title}: stopped by an error of this tool", file=sys.stderr)
                continue
            cases += found
            notes[key] = f"{note} ({time.monotonic() - began:.0f} s)"
            bad = sum(1 for c in found if not c.clean)
            print(f"{title}: {len(found)} tried, {bad} not clean", file=sys.stderr)
    finally:
        if options.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    command = shlex.join(["python", "tools/adversarial.py", *(argv if argv is not None
                                                               else sys.argv[1:])])
    print(print_report(cases, CATEGORIES, notes, time.monotonic() - started, command))
    if stopped:
        print(f"\nStopped by an error of this tool (see stderr): {', '.join(stopped)}")
    if stopped or any(not c.clean for c in cases):
        if findings.is_dir() and any(findings.iterdir()):
            print(f"\nInputs of unclean cases: {findings}")
        return 1
    shutil.rmtree(findings, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
