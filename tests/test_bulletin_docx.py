"""`bulletin --format docx`: the 简报 as a Word document, written by the installed program,
read back with python-docx (title, period, a table per section, page-number fields, the
East Asian font on the runs and styles), and converted to PDF by LibreOffice Writer
headless (skipped where Writer is not installed: Debian's libreoffice-writer-nogui;
.ci/run installs it when it can)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import SHIPPED
from docx.oxml.ns import qn
from program import SCRIPT, run

from circletrack.base.i18n import set_language
from circletrack.office.bulletin import weekly_bulletin
from circletrack.render.bulletin import sections
from circletrack.storage import load, locate

PERIOD = ["--since", "2020-11-17", "--until", "2020-11-23"]
SOFFICE = shutil.which("soffice")


def writer_installed() -> bool:
    """LibreOffice with Writer (calc-nogui alone cannot open a .docx)."""
    if SOFFICE is None:
        return False
    home = Path(SOFFICE).resolve().parent.parent
    return (home / "share" / "registry" / "writer.xcd").exists()


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("docx")
    made = {}
    for lang, name in (("zh", "简报.docx"), ("en", "bulletin.docx")):
        path = folder / name
        done = run(["--lang", lang, "bulletin", *PERIOD, "-o", str(path), "--registry",
                    str(SHIPPED)], env={"CIRCLETRACK_CACHE_DIR": str(folder)})
        assert done.returncode == 0, done.stderr
        made[lang] = path
    return made


def test_read_back_title_period_sections_and_tables(documents: dict[str, Path]) -> None:
    document = docx.Document(str(documents["zh"]))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "杭州都市圈合作发展协调会办公室工作简报（2020-11-17 至 2020-11-23）"
    assert "本期：2020-11-17 至 2020-11-23" in texts
    set_language("zh")
    try:
        expected = sections(weekly_bulletin(load(locate(SHIPPED)).items,
                                            *(__import__("datetime").date.fromisoformat(d)
                                              for d in ("2020-11-17", "2020-11-23"))))
    finally:
        set_language("en")
    with_rows = [s for s in expected if s.rows]
    assert len(document.tables) == len(with_rows)
    for section, table in zip(with_rows, document.tables):
        assert [c.text for c in table.rows[0].cells] == section.headers
        assert [[c.text for c in row.cells] for row in table.rows[1:]] == section.rows
    finished = document.tables[1]
    assert "coop-09" in [row.cells[0].text for row in finished.rows]


def test_east_asian_fonts_are_named_on_runs_and_styles(documents: dict[str, Path]) -> None:
    document = docx.Document(str(documents["zh"]))
    for style in ("Normal", "Heading 1", "Title"):
        fonts = document.styles[style].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) in ("SimSun", "SimHei"), style
        assert fonts.get(qn("w:ascii")) and fonts.get(qn("w:eastAsiaTheme")) is None
    runs = [r for p in document.paragraphs for r in p.runs if r.text]
    runs += [r for t in document.tables for row in t.rows for c in row.cells
             for p in c.paragraphs for r in p.runs if r.text]
    assert runs
    for r in runs:
        assert r._r.rPr.rFonts.get(qn("w:eastAsia")) in ("SimSun", "SimHei")
    assert document.sections[0].page_width > document.sections[0].page_height  # landscape


def test_page_numbers_are_fields_in_the_footer(documents: dict[str, Path]) -> None:
    with zipfile.ZipFile(documents["en"]) as archive:
        footers = [archive.read(n).decode() for n in archive.namelist()
                   if re.match(r"word/footer\d*\.xml", n)]
    assert any(" PAGE " in f and " NUMPAGES " in f and "Page " in f for f in footers)


def test_docx_is_chosen_by_the_suffix_and_refused_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "week.DOCX"
    done = run(["bulletin", *PERIOD, "-o", str(path), "--registry", str(SHIPPED)],
               env={"CIRCLETRACK_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert zipfile.is_zipfile(path)
    command = [str(SCRIPT), "bulletin", *PERIOD, "--format", "docx", "--registry", str(SHIPPED)]
    piped = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL,
                           env={**os.environ, "CIRCLETRACK_CACHE_DIR": str(tmp_path)})
    assert piped.returncode == 0 and piped.stdout.startswith(b"PK")  # `> week.docx` works
    if sys.platform != "win32":
        import pty

        leader, follower = pty.openpty()
        done = subprocess.run(command, stdout=follower, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=60,
                              env={**os.environ, "CIRCLETRACK_CACHE_DIR": str(tmp_path)})
        os.close(follower)
        os.close(leader)
        assert done.returncode == 2
        assert done.stderr.decode().startswith("Error: --format docx: a Word document")


@pytest.mark.skipif(not writer_installed(),
                    reason="LibreOffice Writer (Debian package libreoffice-writer-nogui) is "
                           "not installed")
def test_libreoffice_converts_it_to_pdf(documents: dict[str, Path], tmp_path: Path) -> None:
    assert SOFFICE is not None
    out = tmp_path / "pdf"
    command = [SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
               "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(out),
               *map(str, documents.values())]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "HOME": str(tmp_path)}, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("LibreOffice did not convert the bulletin in 180 s")
    for path in documents.values():
        pdf = out / (path.stem + ".pdf")
        assert pdf.exists(), output.decode(errors="replace")
        data = pdf.read_bytes()
        pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
        assert 2 <= pages <= 6, pages
        assert b"/FontName" in data and re.search(rb"CJK|Sim|Hei|Song|Ming", data), \
            "no CJK font embedded: the Chinese text fell back to a font without it"
