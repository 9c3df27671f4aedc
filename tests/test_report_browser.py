"""The report page in a real browser: Debian's Chromium, headless, with the network
disabled (every host name resolves to nothing) and its network log kept.

The page the installed program writes is loaded from a file: it requests nothing but
itself (the network log says so, and the same check catches a page that does fetch), it
logs nothing to the console, the rendered DOM names every item in range, a screenshot is
not blank, and printing gives A4 landscape pages, as many as expected. Skipped when
Chromium is not installed (Debian: chromium; .ci/run installs it when it can).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SHIPPED
from program import run

from circletrack.office.report import circle_report
from circletrack.query.select import Criteria
from circletrack.storage import load, locate

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="Chromium (Debian package chromium) is not installed")
#: As the machine's notes start Chromium headless here, plus: every host resolves to
#: nothing, so a page that asked the network for anything would get nothing.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0"]
AS_OF = "2020-12-31"
TIMEOUT = 120


def chromium(folder: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Chromium run on `page` with a fresh profile in `folder` and its network log there."""
    assert CHROMIUM is not None
    profile = folder / f"profile-{len(list(folder.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                           f"--log-net-log={profile}.netlog.json", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL)


def requests_of_the_page(folder: Path) -> list[str]:
    """Every URL the pages opened in `folder` asked for, from Chromium's network logs: the
    requests made on behalf of a file: page (Chromium's own background requests are not)."""
    urls = []
    for log in folder.glob("profile-*.netlog.json"):
        text = log.read_text(encoding="utf-8", errors="replace").rstrip().rstrip(",")
        if not text.endswith("}"):
            text += "]}"  # a log cut short at exit: close the events list
        for event in json.loads(text).get("events", []):
            params = event.get("params") or {}
            if "url" in params and "file://" in str(params.get("network_isolation_key", "")):
                urls.append(params["url"])
    return urls


def console_messages(stderr: str) -> list[str]:
    """What the page logged to the console (Chromium prints it with --enable-logging)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("page")
    path = folder / "circle.html"
    done = run(["--lang", "zh", "report", "--as-of", AS_OF, "-o", str(path), "--registry",
                str(SHIPPED)], env={"CIRCLETRACK_CACHE_DIR": str(folder)})
    assert done.returncode == 0, done.stderr
    return path


def test_the_detector_sees_a_page_that_fetches_and_logs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><img src="https://example.com/x.png">'
                   '<script>console.error("boom")</script>', encoding="utf-8")
    done = chromium(tmp_path, bad, "--dump-dom")
    assert "https://example.com/x.png" in requests_of_the_page(tmp_path)
    assert any("boom" in line for line in console_messages(done.stderr))


def test_offline_no_console_errors_and_every_item_in_the_dom(page: Path,
                                                             tmp_path: Path) -> None:
    done = chromium(tmp_path, page, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    assert not console_messages(done.stderr)
    assert [u for u in requests_of_the_page(tmp_path) if not u.startswith("file:")] == []
    dom = done.stdout
    assert "<svg" in dom and "杭州都市圈一览" in dom
    import datetime as dt

    built = circle_report(load(locate(SHIPPED)).items, Criteria(), dt.date.fromisoformat(AS_OF))
    ids = [r.item.id for g in built.groups for r in g.rows]
    missing = [i for i in ids if f">{i}<" not in dom]
    assert not missing, f"not in the rendered page: {missing[:5]}"


def test_a_screenshot_is_not_blank(page: Path, tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "shot.png"
    done = chromium(tmp_path, page, "--window-size=1280,1600", f"--screenshot={shot}")
    assert shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as image:
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 20) or []
        width, height = pixels.size
    assert (width, height) == (1280, 1600)
    white = sum(count for count, colour in colours if colour == (255, 255, 255))
    assert len(colours) > 200, "a page of a few flat colours: did the charts draw?"
    assert white < 0.9 * width * height, "the screenshot is (almost) all white"
    states = {(0x2e, 0x8b, 0x3e), (0x2f, 0x6f, 0xbf), (0x8d, 0x94, 0x9c)}  # done, in progress, planned
    assert states <= {colour for _count, colour in colours}, "the Gantt bars' colours are missing"


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in points of each page of a PDF (its page objects' MediaBox,
    inherited from the page tree where a page has none)."""
    boxes = [tuple(float(v) for v in box.split()[2:4]) for box in
             re.findall(rb"/MediaBox\s*\[\s*([-\d.\s]+)\]", pdf)]
    count = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    return [boxes[0] if boxes else (0.0, 0.0)] * count  # type: ignore[list-item]


def printed(tmp_path: Path, page: Path) -> list[tuple[float, float]]:
    pdf = tmp_path / "page.pdf"
    done = chromium(tmp_path, page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert pdf.exists(), done.stderr[-2000:]
    return pdf_pages(pdf.read_bytes())


def test_a_small_selection_prints_on_three_a4_landscape_pages(tmp_path: Path) -> None:
    """The figures, the Gantt chart and the other charts each start a page; nine intercity
    lines fit on one each."""
    path = tmp_path / "rail.html"
    done = run(["report", "--as-of", AS_OF, "--kind", "project", "--category", "intercity_rail",
                "-o", str(path), "--registry", str(SHIPPED)],
               env={"CIRCLETRACK_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    pages = printed(tmp_path, path)
    assert len(pages) == 3
    width, height = pages[0]
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points


def test_the_shipped_registry_prints_to_a4_landscape_with_every_section(page: Path,
                                                                        tmp_path: Path) -> None:
    pages = printed(tmp_path, page)
    assert 4 <= len(pages) <= 20
    assert all((round(w), round(h)) == (842, 595) for w, h in pages)
