"""Time start-up per venv, interleaved: every round runs every (venv, command) once, in a
shuffled order, so load changes on the shared machine hit every candidate alike.

    python3 bench.py [--rounds 40] [--warmup 3] [--venvs a,b,...] [--out results/timings.json]

Commands per venv (stdout and stderr to /dev/null, not a terminal):
  floor   python -c pass                         (the same venv's interpreter)
  list    python run.py list --kind project      (20-option command, prints one line)
  status  python run.py status                   (5-option command, prints one line)
  table   python run.py status --table           (the same, printing a 30-row Rich table)
  list-one  as list, with CTBENCH_ONE_COMMAND=1: only `list` is built (experiment; opt-in)
Wall time = time.perf_counter() around spawn + wait; CPU time = the child's user + system
time from os.wait4 (less sensitive to other processes on the machine). Writes every sample to --out and prints
a table of medians.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMMANDS = {
    "floor": ["-c", "pass"],
    "list": [str(HERE / "run.py"), "list", "--kind", "project"],
    "status": [str(HERE / "run.py"), "status"],
    "table": [str(HERE / "run.py"), "status", "--table"],
    # experiment, not in the default set: only the invoked command is built (app.py main())
    "list-one": [str(HERE / "run.py"), "list", "--kind", "project"],
}
EXTRA_ENV = {"list-one": {"CTBENCH_ONE_COMMAND": "1"}}
# working venvs (check_features.py); t0.12.5 with click 8.5 is broken and left out
DEFAULT = ["t0.29.2", "t0.28.0", "t0.27.3", "t0.26.8", "t0.25.1", "t0.24.2", "t0.24.2-click8.4",
           "t0.24.2-click8.3", "t0.24.2-click8.2", "t0.23.2", "t0.22.0", "t0.20.1", "t0.17.5",
           "t0.16.1-click8.1", "t0.15.4", "t0.12.5-click8.1"]


def once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall ms, CPU ms = user + system of the child, from wait4: robust to other load)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                         cwd=HERE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{argv} exited {p.returncode}")
    return dt * 1000, (ru.ru_utime + ru.ru_stime) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--venvs", default=",".join(DEFAULT))
    ap.add_argument("--commands", default="floor,list,status,table")
    ap.add_argument("--out", default=str(HERE / "results" / "timings.json"))
    args = ap.parse_args()
    venvs = args.venvs.split(",")
    cmds = args.commands.split(",")
    env = {k: v for k, v in os.environ.items() if not k.startswith("_CTBENCH")}
    env.update({"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
    jobs = [(v, c) for v in venvs for c in cmds]
    argvs = {(v, c): [str(HERE / "venvs" / v / "bin" / "python"), *COMMANDS[c]] for v, c in jobs}
    envs = {(v, c): {**env, **EXTRA_ENV.get(c, {})} for v, c in jobs}
    for _ in range(args.warmup):
        for job in jobs:
            once(argvs[job], envs[job])
    samples: dict[str, dict[str, list[float]]] = {v: {c: [] for c in cmds} for v in venvs}
    cpu: dict[str, dict[str, list[float]]] = {v: {c: [] for c in cmds} for v in venvs}
    rng = random.Random(1)
    load: list[float] = []
    start = time.time()
    for r in range(args.rounds):
        order = jobs[:]
        rng.shuffle(order)
        for v, c in order:
            wall, cpu_ms = once(argvs[(v, c)], envs[(v, c)])
            samples[v][c].append(wall)
            cpu[v][c].append(cpu_ms)
        load.append(os.getloadavg()[0])
    meta = {"rounds": args.rounds, "warmup": args.warmup, "seconds": round(time.time() - start),
            "loadavg_1min_min_max": [min(load), max(load)], "nproc": os.cpu_count(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"meta": meta, "samples": samples, "cpu": cpu},
                                          indent=0))
    print(json.dumps(meta))
    print(f"{'venv':20}" + "".join(f"{c:>22}" for c in cmds))
    for v in venvs:
        cells = []
        floor = statistics.median(samples[v]["floor"]) if "floor" in samples[v] else None
        for c in cmds:
            xs = samples[v][c]
            m = statistics.median(xs)
            ratio = f" {m / floor:4.1f}x" if floor and c != "floor" else ""
            cells.append(f"{m:7.1f} ({min(xs):5.1f}-{max(xs):5.1f}){ratio}")
        print(f"{v:20}" + "".join(f"{x:>22}" for x in cells))
    print("CPU time (user + system), median ms and × the floor's:")
    for v in venvs:
        cf = statistics.median(cpu[v]["floor"]) if "floor" in cpu[v] else None
        print(f"{v:20}" + "".join(
            f"{statistics.median(cpu[v][c]):16.1f}" + (f" {statistics.median(cpu[v][c]) / cf:4.1f}x"
                                                       if cf and c != "floor" else "      ")
            for c in cmds))


if __name__ == "__main__":
    main()
