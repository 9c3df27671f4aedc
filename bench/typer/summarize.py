"""Merge timings (bench.py output JSONs) and results/features.json into the Markdown table of
REPORT.md.

    python3 summarize.py results/timings-run4.json [results/timings-run2.json]
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def stats(path: str, key: str = "samples") -> dict:
    d = json.loads(Path(path).read_text()).get(key, {})
    out = {}
    for v, cmds in d.items():
        floor = statistics.median(cmds["floor"])
        out[v] = {c: (statistics.median(xs), min(xs), max(xs), statistics.median(xs) / floor)
                  for c, xs in cmds.items()}
    return out


def main() -> None:
    primary = stats(sys.argv[1])
    cpu = stats(sys.argv[1], "cpu")
    other = stats(sys.argv[2]) if len(sys.argv) > 2 else {}
    feats = json.loads((HERE / "results" / "features.json").read_text())
    print("| Typer | click | pydantic | `list` wall median ms (min–max) | × `python -c pass` | "
          "`list` CPU ms, × | repeat run: wall ms, × | `status --table` wall ms, × | "
          "only `list` built: wall ms, × | help OK | completion OK | feature checks failed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for v in list(primary) + [v for v in feats if v not in primary]:
        f = feats.get(v, {})
        if v in primary:
            m, lo, hi, r = primary[v]["list"]
            tm, _, _, tr = primary[v]["table"]
            cell = f"{m:.0f} ({lo:.0f}–{hi:.0f}) | {r:.1f}× | "
            if v in cpu:
                cm, _, _, cr = cpu[v]["list"]
                cell += f"{cm:.0f}, {cr:.1f}× | "
            else:
                cell += "– | "
            if v in other:
                om, _, _, orr = other[v]["list"]
                cell += f"{om:.0f}, {orr:.1f}× | "
            else:
                cell += "– | "
            cell += f"{tm:.0f}, {tr:.1f}× | "
            if "list-one" in primary[v]:
                lm, _, _, lr = primary[v]["list-one"]
                cell += f"{lm:.0f}, {lr:.1f}× | "
            else:
                cell += "– | "
        else:
            cell = "not timed | | | | | | "
        failed = sorted(f.get("checks_failed", {}))
        print(f"| {f.get('typer', v)} | {f.get('click', '?')} | "
              f"{'yes ' + f['pydantic'] if f.get('pydantic', '-') != '-' else 'no'} | {cell}"
              f"{'yes' if f.get('help_ok') else 'NO'} | "
              f"{'yes' if not f.get('completion_failed') else 'NO: ' + ', '.join(sorted(f['completion_failed']))} | "
              f"{', '.join(failed) or '–'} |")
    floors = [primary[v]["floor"][0] for v in primary]
    print(f"\n`python -c pass` medians in the primary run: {min(floors):.1f}–{max(floors):.1f} ms"
          f" wall, {min(cpu[v]['floor'][0] for v in cpu):.1f}–"
          f"{max(cpu[v]['floor'][0] for v in cpu):.1f} ms CPU" if cpu else "")
    if other:
        floors = [other[v]["floor"][0] for v in other]
        print(f"`python -c pass` medians in the repeat run: {min(floors):.1f}–{max(floors):.1f} ms")


if __name__ == "__main__":
    main()
