"""The weekly bulletin (简报) as a Word document (`bulletin --format docx`), with python-docx.

The same sections as the Markdown and HTML bulletins (`render/bulletin.py`): a title, the
period and its figures, then a heading and a table per section, and page numbers in the
footer. Every run names its fonts for both scripts, the Latin one (w:ascii, w:hAnsi) and
the East Asian one (w:eastAsia), and the styles say the text is Chinese (w:lang
w:eastAsia), so Word and LibreOffice set 宋体/黑体 for the Chinese text instead of falling
back to a Latin font's substitute.
"""

from __future__ import annotations

import datetime as dt
import io
import string
from typing import Any

from ..base.cells import cell_len
from ..base.i18n import _, current_language
from ..office.bulletin import Bulletin
from .bulletin import overview, section_heading, sections, title

#: (Latin, East Asian) fonts: the body, and the headings and table headers.
BODY_FONTS = ("Times New Roman", "SimSun")
HEADING_FONTS = ("Arial", "SimHei")


def _fonts(element: Any, fonts: tuple[str, str]) -> None:
    """Name the Latin and the East Asian font on a run's or a style's properties."""
    from docx.oxml.ns import qn

    properties = element.get_or_add_rPr()
    names = properties.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        names.attrib.pop(qn(theme), None)  # a theme font would win over the names below
    latin, east_asian = fonts
    names.set(qn("w:ascii"), latin)
    names.set(qn("w:hAnsi"), latin)
    names.set(qn("w:cs"), latin)
    names.set(qn("w:eastAsia"), east_asian)


def _run(paragraph: Any, text: str, fonts: tuple[str, str] = BODY_FONTS,
         bold: bool = False) -> Any:
    run = paragraph.add_run(text)
    run.bold = bold
    _fonts(run._r, fonts)
    return run


def _field(paragraph: Any, code: str) -> None:
    """A field (PAGE, NUMPAGES) the word processor fills in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = _run(paragraph, "")
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == code:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {code} "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _page_numbers(footer: Any) -> None:
    """`Page 2 of 5` (第 2 页，共 5 页) in the footer, the numbers as fields."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for literal, name, _spec, _conversion in string.Formatter().parse(
            _("Page {page} of {pages}")):
        if literal:
            _run(paragraph, literal)
        if name is not None:
            _field(paragraph, "PAGE" if name == "page" else "NUMPAGES")


def _styles(document: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    language = "zh-CN" if current_language() == "zh" else "en-US"
    for name, fonts in (("Normal", BODY_FONTS), ("Title", HEADING_FONTS),
                        ("Heading 1", HEADING_FONTS), ("Table Grid", BODY_FONTS)):
        style = document.styles[name]
        _fonts(style.element, fonts)
        properties = style.element.get_or_add_rPr()
        lang = properties.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            properties.append(lang)
        lang.set(qn("w:val"), language)
        lang.set(qn("w:eastAsia"), "zh-CN")
    document.styles["Normal"].font.size = Pt(10.5)  # 五号
    document.styles["Title"].font.size = Pt(18)
    document.styles["Heading 1"].font.size = Pt(14)


#: The width the tables share (A4 landscape less the margins).
TEXT_WIDTH_MM = 257
#: About how wide one terminal cell's worth of text is at 9 pt (a Chinese character, two
#: cells, is 3.2 mm), and the widest column kept whole.
MM_PER_CELL = 1.75
SHORT_MM = 52


def column_widths(headers: list[str], rows: list[list[str]]) -> list[float]:
    """Each column's width in millimetres: a short column (a date, an id, a status) as
    wide as its longest text at 9 pt, the long ones sharing what is left in proportion
    to their texts, so only notes and titles wrap."""
    needs = [max([cell_len(h), *(cell_len(r[n]) for r in rows)]) * MM_PER_CELL + 2.5
             for n, h in enumerate(headers)]
    if sum(needs) <= TEXT_WIDTH_MM:
        return [TEXT_WIDTH_MM * need / sum(needs) for need in needs]
    short = [need if need <= SHORT_MM else None for need in needs]
    left = TEXT_WIDTH_MM - sum(w for w in short if w is not None)
    long_total = sum(need for need, w in zip(needs, short) if w is None)
    return [w if w is not None else left * need / long_total for need, w in zip(needs, short)]


def _table(document: Any, headers: list[str], rows: list[list[str]]) -> None:
    from docx.shared import Mm, Pt

    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.autofit = False
    for cell, header in zip(table.rows[0].cells, headers):
        _run(cell.paragraphs[0], header, HEADING_FONTS, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            _run(cell.paragraphs[0], value)
    widths = [Mm(w) for w in column_widths(headers, rows)]
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width  # Word reads the cells' widths, LibreOffice the grid's
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)


def bulletin_docx(bulletin: Bulletin) -> bytes:
    """The bulletin as a .docx file: title, period, the figures, a table per section,
    page numbers; A4 landscape."""
    # python-docx (and lxml under it) are imported here, for start-up speed: only a Word
    # bulletin pays for them.
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    document = docx.Document()
    _styles(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE  # seven columns of reports need the width
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(20)
    heading = title(bulletin)
    properties = document.core_properties
    properties.title = heading
    properties.language = "zh-CN" if current_language() == "zh" else "en-US"
    properties.author = properties.last_modified_by = "circletrack"
    # dated by its period, not by the clock: the same registry and dates, the same text
    properties.created = properties.modified = dt.datetime.combine(bulletin.until, dt.time())
    properties.revision = 1
    _run(document.add_paragraph(style="Title"), heading, HEADING_FONTS)
    _run(document.add_paragraph(), _("Period: {since} to {until}").format(
        since=bulletin.since.isoformat(), until=bulletin.until.isoformat()), bold=True)
    _run(document.add_paragraph(), overview(bulletin))
    for part in sections(bulletin):
        _run(document.add_paragraph(style="Heading 1"), section_heading(part), HEADING_FONTS)
        if part.rows:
            _table(document, part.headers, part.rows)
        else:
            _run(document.add_paragraph(), _("None."))
    _page_numbers(section.footer)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
