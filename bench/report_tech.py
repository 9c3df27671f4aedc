"""How to draw `circletrack report`'s Gantt chart: inline SVG from a Jinja2 template against
plain string building and two plotting libraries, measured (docs/performance.md, "Choosing
the report's chart technology").

    pip install plotly matplotlib            # the candidates circletrack does not ship
    python bench/generate.py --sizes 10000 --out-dir /tmp/gen
    python bench/report_tech.py --registry data/projects.toml \
        --registry /tmp/gen/registry-10000.toml --as-of 2026-06-30

For each registry, each way writes one HTML file holding the Gantt chart of every item
(from the same rows, `circletrack.office.report.circle_report`), and the table gives its size,
the median time to make it (loading the registry not included), whether it needs a
script, whether it names anything on the network, whether a row names its item on hover,
and, where Chromium is installed, the pages it prints to (A4 landscape) with the network
disabled. Nothing here is a test: it measures and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import importlib.util
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
if importlib.util.find_spec("circletrack") is None:
    sys.path.insert(0, str(SRC))

from circletrack.base.i18n import set_language  # noqa: E402
from circletrack.office.report import CircleReport, circle_report  # noqa: E402
from circletrack.query.select import Criteria  # noqa: E402
from circletrack.render import report as page  # noqa: E402
from circletrack.storage import load, locate  # noqa: E402

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  '--host-resolver-rules=MAP * ~NOTFOUND', "--no-pdf-header-footer"]


def jinja2_page(report: CircleReport) -> str:
    """What circletrack ships: the whole page (figures, Gantt, charts, tables)."""
    return page.render_report(report)


def plain_strings(report: CircleReport) -> str:
    """The same Gantt SVG as the template draws, built with f-strings and html.escape."""
    e = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Gantt</title></head><body>"]
    for block in (page.gantt_block(g, report) for g in report.groups):
        parts.append(f"<h3>{e(block.heading)}</h3><svg viewBox='0 0 {page.WIDTH} "
                     f"{block.height}' role='img'>")
        for line in block.lines:
            bars = "".join(f"<rect x='{b.x}' y='{line.y + 3}' width='{b.w}' height='10' "
                           f"class='{b.cls}'/>" for b in line.bars)
            ticks = f"<path d='{line.ticks}' class='tick'/>" if line.ticks else ""
            parts.append(f"<g class='row'><title>{e(line.hover)}</title><text x='318' "
                         f"y='{line.y + 12}'>{e(line.id)} {e(line.name)}</text>{bars}{ticks}"
                         f"<text x='856' y='{line.y + 12}'>{e(line.note)}</text></g>")
        parts.append("</svg>")
    parts.append("</body></html>")
    return "\n".join(parts)


GANTT_TEMPLATE = """<!DOCTYPE html><html><head><meta charset='utf-8'><title>Gantt</title></head><body>
{% for block in blocks %}<h3>{{ block.heading }}</h3><svg viewBox='0 0 {{ width }} {{ block.height }}' role='img'>
{% for line in block.lines %}<g class='row'><title>{{ line.hover }}</title><text x='318' y='{{ line.y + 12 }}'>{{ line.id }} {{ line.name }}</text>{% for b in line.bars %}<rect x='{{ b.x }}' y='{{ line.y + 3 }}' width='{{ b.w }}' height='10' class='{{ b.cls }}'/>{% endfor %}{% if line.ticks %}<path d='{{ line.ticks }}' class='tick'/>{% endif %}<text x='856' y='{{ line.y + 12 }}'>{{ line.note }}</text></g>
{% endfor %}</svg>
{% endfor %}</body></html>"""


def jinja2_gantt(report: CircleReport) -> str:
    """The same Gantt SVG as `plain_strings`, from a Jinja2 template (autoescaped)."""
    import jinja2

    template = jinja2.Environment(autoescape=True).from_string(GANTT_TEMPLATE)
    return template.render(blocks=[page.gantt_block(g, report) for g in report.groups],
                           width=page.WIDTH)


def _bars(report: CircleReport) -> list[tuple[str, dt.date, dt.date, str, str]]:
    rows = []
    for group in report.groups:
        for row in group.rows:
            end = row.end if row.end > row.start else row.start + dt.timedelta(days=30)
            rows.append((f"{row.item.id} {row.item.title}", row.start, end,
                         row.item.state.status, page._hover(row, report.day)))
    return rows


COLOURS = {"planned": "#8d949c", "in_progress": "#2f6fbf", "done": "#2e8b3e",
           "blocked": "#e07b00", "cancelled": "#c9ccd1"}


def plotly_page(report: CircleReport) -> str:
    """plotly's offline HTML, its bundle inlined (include_plotlyjs=True): horizontal bars."""
    import plotly.graph_objects as go

    rows = _bars(report)
    figure = go.Figure(go.Bar(
        y=[r[0] for r in rows], x=[(r[2] - r[1]).days * 86_400_000 for r in rows],
        base=[r[1].isoformat() for r in rows], orientation="h",
        marker_color=[COLOURS[r[3]] for r in rows], hovertext=[r[4] for r in rows]))
    figure.update_layout(height=max(400, 16 * len(rows)), xaxis_type="date")
    return figure.to_html(include_plotlyjs=True, full_html=True)


def matplotlib_page(report: CircleReport) -> str:
    """matplotlib's SVG (text kept as text, fonttype none) inlined in a page."""
    import io

    import matplotlib

    matplotlib.use("svg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: the browser's CJK fonts
    warnings.filterwarnings("ignore", "Glyph .* missing")  # its own fonts have no CJK
    rows = _bars(report)
    figure, axes = plt.subplots(figsize=(12, max(3, 0.16 * len(rows))))
    for n, (name, start, end, state, _hover) in enumerate(rows):
        axes.broken_barh([(mdates.date2num(start), (end - start).days)], (n - 0.4, 0.8),
                         color=COLOURS[state])
    axes.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=6)
    axes.xaxis_date()
    axes.invert_yaxis()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = buffer.getvalue()
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Gantt</title></head>"
            f"<body>{svg[svg.index('<svg'):]}</body></html>")


WAYS: dict[str, Callable[[CircleReport], str]] = {
    "Jinja2 template, inline SVG (shipped: the whole page)": jinja2_page,
    "Jinja2 template, inline SVG (the Gantt only)": jinja2_gantt,
    "plain f-strings, inline SVG (the Gantt only)": plain_strings,
    "plotly 7, bundle inlined (the Gantt only)": plotly_page,
    "matplotlib SVG (the Gantt only)": matplotlib_page,
}


def printed_pages(path: Path) -> str:
    """The pages Chromium prints the file to, with the network disabled ('—' without it)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return "—"
    with tempfile.TemporaryDirectory() as profile:
        pdf = Path(profile) / "out.pdf"
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}/p",
                        f"--print-to-pdf={pdf}", "--virtual-time-budget=20000", path.as_uri()],
                       capture_output=True, timeout=600)
        if not pdf.exists():
            return "failed"
        return str(len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes())))


def measure(registry: Path, as_of: dt.date, runs: int) -> list[list[str]]:
    """One table row per way for this registry."""
    items = load(locate(registry)).items
    report = circle_report(items, Criteria(), as_of)
    shown = sum(len(g.rows) for g in report.groups)
    rows = []
    for name, way in WAYS.items():
        try:
            way(report)  # warm-up: imports, template compilation
        except ImportError as missing:
            rows.append([f"{len(items):,}", name, "—", f"not installed ({missing.name})",
                         "", "", "", ""])
            continue
        times = []
        for _run in range(runs if len(items) < 1000 or "matplotlib" not in name else 1):
            began = time.perf_counter()
            text = way(report)
            times.append(time.perf_counter() - began)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "page.html"
            path.write_text(text, encoding="utf-8")
            pages = printed_pages(path)
        size = len(text.encode("utf-8"))
        script = "yes" if re.search(r"<script", text, re.I) else "no"
        network = re.findall(r"""(?:src|href)\s*=\s*["']?(https?:)|url\(\s*["']?https?:""", text)
        hover = "yes" if "<title>" in text.split("<svg", 1)[-1] or "hovertext" in text else "no"
        rows.append([f"{len(items):,} ({shown:,} rows)", name, f"{size / 1e6:.2f} MB",
                     f"{statistics.median(times):.2f} s", script,
                     "yes" if network else "no", hover, pages])
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--registry", type=Path, action="append", required=True)
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    set_language("zh")
    as_of = dt.date.fromisoformat(args.as_of)
    print("| items | way | file | time | script | network | hover | printed pages |")
    print("|---|---|---|---|---|---|---|---|")
    for registry in args.registry:
        for row in measure(registry, as_of, args.runs):
            print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
