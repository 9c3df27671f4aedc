"""The adversarial suite, category 2: SIGKILL of a writer at random moments. After each
kill the registry must hold a committed state (the bytes before the write, or exactly the
bytes it makes), validate, and take the next write, which must leave no temporary file and a
consistent journal."""

from __future__ import annotations

import random
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from adversarial_harness import (
    FIRST_REPORT_YEAR,
    SHIPPED,
    USER,
    Case,
    Harness,
    journal_problems,
    leftovers,
    newest_entry,
    random_date,
    sha,
)

#: What the launcher of a kill victim runs: the real entry point, imported before "ready"
#: so the 0-200 ms before the SIGKILL fall in the command's own work, not in start-up.
LAUNCHER = ("import sys\n"
            "from circletrack.cli import main\n"
            "sys.argv = ['circletrack', *sys.argv[1:]]\n"
            "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
            "sys.stdin.readline()\n"
            "main()\n")


@dataclass
class Lane:
    """One registry folder that kills run against, one after another."""

    number: int
    folder: Path
    registry: Path
    delivered: int = 0
    outcomes: Counter[str] | None = None


def kill_lane(harness: Harness, lane: Lane, kills: int, rng: random.Random, ids: list[str],
              max_ms: float, cold_span: float, warm_span: float) -> list[Case]:
    """Category 2, one lane: start a write, SIGKILL it at a random moment, then check the
    registry holds a committed state, validates, and takes the next write."""
    lane.outcomes = Counter()
    registry = lane.registry
    bundled = sha(SHIPPED.read_bytes())
    cases: list[Case] = []
    attempt = 0
    while lane.delivered < kills and attempt < kills * 3:
        attempt += 1
        before = registry.read_bytes()
        op = rng.choices(("mark", "add", "undo", "init"), (45, 20, 20, 15))[0]
        tag = f"advk{lane.number}-{attempt}"
        if op == "mark":
            args = ["mark", rng.choice(ids), "--note", tag, "--date",
                    random_date(rng, FIRST_REPORT_YEAR), "--by", USER, "--source",
                    "adversarial kill"]
        elif op == "add":
            args = ["add", "--kind", "milestone", "--category", "event", "--title",
                    f"对抗杀进程{tag}", "--id", tag, "--created", random_date(rng)]
        elif op == "undo":
            args = ["undo"]
        else:
            args = ["init", "--force", str(registry)]
        if op != "init":
            args += ["--registry", str(registry)]
        newest = newest_entry(registry)
        mode = rng.choices(("short", "whole", "late", "cold"), (30, 25, 30, 15))[0]
        cold = mode == "cold"
        low, high = {"short": (0, max_ms / 1000), "whole": (0, warm_span),
                     "late": (0.6 * warm_span, 1.1 * warm_span), "cold": (0, cold_span)}[mode]
        delay = rng.uniform(low, high)
        if cold:
            victim = harness.spawn(args)
        else:
            victim = harness.spawn(args, raw_argv=[sys.executable, "-c", LAUNCHER, *args],
                                   stdin=subprocess.PIPE)
            assert victim.proc.stdout is not None and victim.proc.stdin is not None
            if victim.proc.stdout.readline() != b"ready\n":
                victim.finish()
                continue
            victim.proc.stdin.write(b"go\n")
            victim.proc.stdin.flush()
        time.sleep(delay)
        finished_first = victim.proc.poll() is not None
        if not finished_first:
            victim.proc.send_signal(signal.SIGKILL)
            lane.delivered += 1
        victim.finish()
        how = ("cold start" if cold else "preloaded") + f", SIGKILL after {delay * 1000:.0f} ms"
        case = Case("kills", f"lane {lane.number} #{attempt}: {op} ({how})",
                    f"a registry whose bytes have sha256 {sha(before)[:12]}…; run "
                    f"`{shlex.join(['circletrack', *args])}` and SIGKILL it after "
                    f"{delay * 1000:.0f} ms" + (" (after the imports)" if not cold else ""))
        after = registry.read_bytes()
        if after == before:
            state = "unchanged"
        else:
            state = "committed"
            expected = _expected_after(harness, lane, op, args, before, newest, bundled)
            if expected is not None and sha(after) != expected:
                case.problems.append(f"the registry ({sha(after)[:12]}) is neither the bytes "
                                     f"before nor those after the write")
        lane.outcomes[("finished before the kill; " if finished_first else "") + state] += 1
        check = harness.validate(registry)
        if check.rc != 0:
            case.problems.append(f"does not validate after the kill: {check.excerpt(200)}")
        nxt = harness.run(["mark", rng.choice(ids), "--note", f"{tag}-next", "--date",
                           random_date(rng, FIRST_REPORT_YEAR), "--registry", str(registry)])
        if nxt.rc != 0:
            case.problems.append(f"the next write failed: {nxt.excerpt(200)}")
        case.problems += [f"after the next write, leftover {n}" for n in leftovers(registry)]
        case.problems += [f"after the next write: {p}" for p in journal_problems(registry)]
        if case.problems:
            case.detail = nxt.excerpt()
            kept = harness.keep(case.name, registry,
                                registry.with_name(registry.name + ".journal"))
            (kept / "before.toml").write_bytes(before)
            case.repro += f" (before/after bytes and journal kept in {kept})"
        cases.append(case)
    return cases


def _expected_after(harness: Harness, lane: Lane, op: str, args: list[str], before: bytes,
                    newest: dict[str, str] | None, bundled: str) -> str | None:
    """The sha256 the registry has once this write is committed."""
    if op == "init":
        return bundled
    if op == "undo":
        return newest.get("sha256_before") if newest else sha(before)
    scratch = lane.folder / "replay"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    copy = scratch / "projects.toml"
    copy.write_bytes(before)
    replay = harness.run([*args[:-1], str(copy)])
    return sha(copy.read_bytes()) if replay.rc == 0 else sha(before)


def calibrate(harness: Harness, ids: list[str]) -> tuple[float, float]:
    """The wall time of one `mark` from a cold start, and from the launcher's "go" (after
    the imports): the spans kills are spread over."""
    folder = harness.work / "calibrate"
    folder.mkdir()
    registry = folder / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    cold, warm = [], []
    for n in range(3):
        args = ["mark", ids[0], "--note", f"calibrate {n}", "--registry", str(registry)]
        cold.append(harness.run(args).seconds)
        victim = harness.spawn(args, raw_argv=[sys.executable, "-c", LAUNCHER, *args],
                               stdin=subprocess.PIPE)
        assert victim.proc.stdout is not None and victim.proc.stdin is not None
        victim.proc.stdout.readline()
        began = time.monotonic()
        victim.proc.stdin.write(b"go\n")
        victim.proc.stdin.flush()
        victim.proc.wait()
        warm.append(time.monotonic() - began)
        victim.finish()
    return sorted(cold)[1] * 1.1, sorted(warm)[1] * 1.1


def kills(harness: Harness, rng: random.Random, total: int, jobs: int, ids: list[str],
          max_ms: float) -> tuple[list[Case], str]:
    """Category 2: `total` SIGKILLs spread over `jobs` independent registries."""
    from concurrent.futures import ThreadPoolExecutor

    cold_span, warm_span = calibrate(harness, ids)
    lanes = []
    for number in range(jobs):
        folder = harness.work / f"kills-{number}"
        folder.mkdir()
        registry = folder / "projects.toml"
        shutil.copyfile(SHIPPED, registry)
        lanes.append(Lane(number, folder, registry))
    shares = [total // jobs + (1 if n < total % jobs else 0) for n in range(jobs)]
    seeds = [rng.randrange(2**32) for _ in lanes]
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda a: kill_lane(harness, a[0], a[1], random.Random(a[2]),
                                                    ids, max_ms, cold_span, warm_span),
                                zip(lanes, shares, seeds)))
    cases = [case for lane_cases in results for case in lane_cases]
    outcomes: Counter[str] = Counter()
    for lane in lanes:
        outcomes.update(lane.outcomes or {})
    note = (f"{sum(lane.delivered for lane in lanes)} SIGKILLs delivered in {len(cases)} "
            f"attempts (after the imports: 30% at 0-{max_ms:.0f} ms, 25% at 0-"
            f"{warm_span * 1000:.0f} ms (the whole command), 30% at {0.6 * warm_span * 1000:.0f}-"
            f"{1.1 * warm_span * 1000:.0f} ms (its end, where it writes); 15% from a cold start "
            f"at 0-{cold_span * 1000:.0f} ms); registry after the kill: "
            + ", ".join(f"{n}× {k}" for k, n in outcomes.most_common()))
    return cases, note
