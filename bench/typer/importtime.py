"""`python -X importtime` per venv: the top import costs of the measured command, whether Rich
(and pydantic) are imported when no help is printed, and the cost of rich.console / rich.table
/ rich.text alone and on top of what the app already imported.

    python3 importtime.py [--runs 7] [--venvs a,b,...]

Medians over --runs runs of each module's cumulative import time (µs, as -X importtime gives
it). Writes results/importtime.json and results/importtime.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)$")
TOP_PACKAGES = ("typer", "click", "rich", "pydantic", "pydantic_core", "annotated_types",
                "typing_extensions", "typing_inspection", "shellingham", "annotated_doc",
                "inspect", "typing", "enum", "pathlib", "gettext", "difflib", "datetime",
                "subprocess", "platform", "shutil", "dataclasses", "json", "decimal",
                "uuid", "ipaddress", "colorsys", "fractions", "zoneinfo")
DEFAULT = ["t0.29.2", "t0.28.0", "t0.27.3", "t0.26.8", "t0.25.1", "t0.24.2", "t0.23.2",
           "t0.22.0", "t0.20.1", "t0.17.5", "t0.16.1-click8.1", "t0.15.4", "t0.12.5-click8.1"]


def importtime(py: Path, argv: list[str]) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, depth) for each import line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("_CTBENCH")}
    env.update({"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
    p = subprocess.run([str(py), "-X", "importtime", *argv], capture_output=True, text=True,
                       env=env, cwd=HERE)
    rows = []
    for line in p.stderr.splitlines():
        m = LINE.match(line)
        if m:
            rows.append((m[4], int(m[1]), int(m[2]), len(m[3]) // 2))
    return rows


def summarise(py: Path, argv: list[str], runs: int) -> dict:
    cum: dict[str, list[int]] = defaultdict(list)
    selfs: dict[str, list[int]] = defaultdict(list)
    totals, counts = [], []
    modules: set[str] = set()
    for _ in range(runs):
        rows = importtime(py, argv)
        totals.append(sum(s for _, s, _, _ in rows))
        counts.append(len(rows))
        for name, s, c, depth in rows:
            modules.add(name)
            selfs[name].append(s)
            cum[name].append(c)
    med = {k: statistics.median(v) for k, v in cum.items()}
    # per top-level package: sum of the self times of its modules (no double counting)
    by_pkg: dict[str, float] = defaultdict(float)
    for name, xs in selfs.items():
        by_pkg[name.split(".")[0]] += statistics.median(xs)
    return {
        "total_ms": statistics.median(totals) / 1000, "modules": int(statistics.median(counts)),
        "top_cumulative_ms": sorted(((k, v / 1000) for k, v in med.items()),
                                    key=lambda kv: -kv[1])[:25],
        "by_package_self_ms": {k: round(v / 1000, 1) for k, v in
                               sorted(by_pkg.items(), key=lambda kv: -kv[1])[:20]},
        "rich_modules": sorted(m for m in modules if m == "rich" or m.startswith("rich.")),
        "pydantic_loaded": any(m.startswith("pydantic") for m in modules),
        "click_loaded": any(m == "click" or m.startswith("click.") for m in modules),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--venvs", default=",".join(DEFAULT))
    args = ap.parse_args()
    out: dict = {}
    lines: list[str] = []
    for v in args.venvs.split(","):
        py = HERE / "venvs" / v / "bin" / "python"
        res = {
            "list": summarise(py, ["run.py", "list", "--kind", "project"], args.runs),
            "help": summarise(py, ["run.py", "list", "--help"], 3),
            "table": summarise(py, ["run.py", "status", "--table"], args.runs),
        }
        out[v] = res
        r = res["list"]
        first = len(lines)
        lines.append(f"== {v}: `run.py list --kind project`: {r['modules']} modules, "
                     f"self times sum {r['total_ms']:.1f} ms; rich imported: "
                     f"{len(r['rich_modules'])} modules; pydantic: {r['pydantic_loaded']}; "
                     f"`list --help` imports {len(res['help']['rich_modules'])} rich modules; "
                     f"`status --table` {res['table']['modules']} modules, "
                     f"{res['table']['total_ms']:.1f} ms")
        lines.append("   by package (self ms): " + ", ".join(
            f"{k} {x}" for k, x in list(r["by_package_self_ms"].items())[:12]))
        lines.append("   top cumulative (ms): " + ", ".join(
            f"{k} {x:.1f}" for k, x in r["top_cumulative_ms"][:12]))
        if r["rich_modules"]:
            lines.append("   rich modules at start-up: " + " ".join(r["rich_modules"]))
        print("\n".join(lines[first:]), flush=True)
    # Rich alone, in one venv (rich 15.0.0 everywhere), standalone and after the app's imports
    py = HERE / "venvs" / args.venvs.split(",")[0] / "bin" / "python"
    rich: dict = {}
    for mod in ("rich", "rich.text", "rich.console", "rich.table", "rich.markdown",
                "rich.panel"):
        r = summarise(py, ["-c", f"import {mod}"], args.runs)
        rich[mod] = {"alone_ms": dict(r["top_cumulative_ms"]).get(mod, 0.0),
                     "modules": r["modules"]}
    for v in args.venvs.split(","):
        pyv = HERE / "venvs" / v / "bin" / "python"
        code = ("import sys; sys.path.insert(0, '.'); import app; "
                "import rich.text; import rich.console; import rich.table")
        after: dict[str, list[float]] = {m: [] for m in ("rich.text", "rich.console",
                                                          "rich.table")}
        for _ in range(args.runs):
            rows = importtime(pyv, ["-c", code])
            # only what is imported after `import app` finished (its row comes last)
            rows = rows[max(i for i, r in enumerate(rows) if r[0] == "app") + 1:]
            for mod in after:  # cumulative after the app (0 when already imported by typer)
                vals = [c for name, s, c, d in rows if name == mod]
                after[mod].append(vals[0] / 1000 if vals else 0.0)
        after = {k: round(statistics.median(x), 1) for k, x in after.items()}
        rich.setdefault("after_app", {})[v] = after
    out["rich"] = rich
    lines.append("== rich 15.0.0 alone (cumulative ms, median): " + ", ".join(
        f"{k} {x['alone_ms']:.1f} ({x['modules']} modules in the process)"
        for k, x in rich.items() if k != "after_app"))
    lines.append("== rich.text / rich.console / rich.table on top of the app's imports "
                 "(medians; 0 = already imported by Typer):")
    for v, a in rich["after_app"].items():
        lines.append(f"   {v}: " + ", ".join(f"{k} {x}" for k, x in a.items()))
    print("\n".join(lines[-(2 + len(rich['after_app'])):]))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "importtime.json").write_text(json.dumps(out, indent=1))
    (HERE / "results" / "importtime.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
