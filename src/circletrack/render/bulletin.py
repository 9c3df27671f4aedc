"""The weekly bulletin (简报) as Markdown or as an HTML page.

Both are built from one list of sections (a heading, the column headers, the rows), so
they say the same thing; the HTML escapes every text it holds.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from ..base.i18n import N_, _, current_language
from ..model.labels import event_title, item_title, status_label
from ..model.records import Item
from ..office.bulletin import NO_UNIT, Bulletin
from ..office.forms import OFFICE
from ..query.select import days_overdue
from .formats import md_cell


@dataclass(frozen=True)
class Section:
    """A part of the bulletin: a heading, its table (headers and rows), its count."""

    heading: str
    headers: list[str]
    rows: list[list[str]]
    #: Whether the heading gives the number of rows (not for the units' lines).
    counted: bool = True


def _units(item: Item) -> str:
    return "、".join(item.lead) or "—"


def _iso(day: object) -> str:
    return day.isoformat() if day is not None else ""  # type: ignore[attr-defined]


def sections(bulletin: Bulletin) -> list[Section]:
    """The bulletin's sections in the active language, in order."""
    until = bulletin.until
    return [
        Section(_("Reports recorded"),
                [_("Date"), _("ID"), _("Title"), _("Status"), _("Progress"), _("Note"),
                 _("Reported by")],
                [[_iso(e.report.date), e.item.id, item_title(e.item),
                  status_label(e.report.status),
                  f"{e.report.progress}%" if e.report.progress is not None else "",
                  e.report.note or "", e.report.by or ""] for e in bulletin.reports]),
        Section(_("Items finished"), [_("ID"), _("Title"), _("Lead"), _("Reported done on")],
                [[i.id, event_title(i), _units(i), _iso(i.state.date)]
                 for i in bulletin.finished]),
        Section(_("Newly overdue"), [_("ID"), _("Title"), _("Lead"), _("Due"),
                                     _("Days overdue")],
                [[i.id, event_title(i), _units(i), _iso(i.due), str(days_overdue(i, until))]
                 for i in bulletin.newly_overdue]),
        Section(_("Due in the next {days} days").format(days=bulletin.horizon),
                [_("ID"), _("Title"), _("Lead"), _("Due"), _("Days left")],
                [[i.id, event_title(i), _units(i), _iso(i.due),
                  str((i.due - until).days) if i.due else ""] for i in bulletin.due_soon]),
        Section(_("Deadlines moved"),
                [_("ID"), _("Title"), _("Moved on"), _("From"), _("To"), _("Reason")],
                [[m.item.id, item_title(m.item), _iso(m.change.date), _iso(m.change.from_),
                  _iso(m.change.to), m.change.reason] for m in bulletin.moves]),
        Section(_("By unit"),
                [_("Unit"), _("Reports"), _("Finished"), _("Newly overdue"), _("Overdue"),
                 _("Due soon")],
                [[_(u.unit) if u.unit == NO_UNIT else u.unit, str(u.reports), str(u.finished),
                  str(u.newly_overdue), str(u.overdue), str(u.due_soon)] for u in bulletin.units],
                counted=False),
    ]


TITLE = N_("Bulletin")


def title(bulletin: Bulletin) -> str:
    """`杭州都市圈合作发展协调会办公室 Bulletin, 2024-05-27 to 2024-06-02`."""
    return _("{office} {bulletin}, {since} to {until}").format(
        office=OFFICE, bulletin=_(TITLE), since=bulletin.since.isoformat(),
        until=bulletin.until.isoformat())


def overview(bulletin: Bulletin) -> str:
    """The line under the title: the period's figures at a glance."""
    return _("{reports} reports recorded, {finished} items finished, {newly} newly overdue; "
             "{overdue} items overdue as of {until}, {soon} due in the next {days} days.").format(
        reports=len(bulletin.reports), finished=len(bulletin.finished),
        newly=len(bulletin.newly_overdue), overdue=len(bulletin.overdue),
        until=bulletin.until.isoformat(), soon=len(bulletin.due_soon), days=bulletin.horizon)


def section_heading(section: Section) -> str:
    """A section's heading, with its count of rows where it has one."""
    if not section.counted:
        return section.heading
    return _("{heading} ({count})").format(heading=section.heading, count=len(section.rows))


def bulletin_markdown(bulletin: Bulletin) -> str:
    """The bulletin as Markdown: a title, the overview, one table per section."""
    lines = [f"# {md_cell(title(bulletin))}", "", md_cell(overview(bulletin)), ""]
    for section in sections(bulletin):
        lines += [f"## {md_cell(section_heading(section))}", ""]
        if not section.rows:
            lines += [_("None."), ""]
            continue
        lines.append("| " + " | ".join(md_cell(h) for h in section.headers) + " |")
        lines.append("|" + "|".join("---" for _h in section.headers) + "|")
        lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in section.rows]
        lines.append("")
    return "\n".join(lines)


STYLE = ("body{font-family:sans-serif;margin:2em;color:#222}"
         "table{border-collapse:collapse;margin-bottom:1.5em}"
         "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}"
         "th{background:#eee}")


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["<table>", "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers)
             + "</tr></thead>", "<tbody>"]
    lines += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
              for row in rows]
    return lines + ["</tbody>", "</table>"]


def bulletin_html(bulletin: Bulletin) -> str:
    """The bulletin as a standalone HTML page (UTF-8, every text escaped)."""
    heading = html.escape(title(bulletin))
    lang = "zh-CN" if current_language() == "zh" else "en"
    lines = ["<!DOCTYPE html>", f'<html lang="{lang}">', "<head>", '<meta charset="utf-8">',
             f"<title>{heading}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
             f"<h1>{heading}</h1>", f"<p>{html.escape(overview(bulletin))}</p>"]
    for section in sections(bulletin):
        lines.append(f"<h2>{html.escape(section_heading(section))}</h2>")
        lines += (_html_table(section.headers, section.rows) if section.rows
                  else [f"<p>{html.escape(_('None.'))}</p>"])
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines)


def render_bulletin(bulletin: Bulletin, fmt: str) -> str:
    """The bulletin in a format: md or html (the Word document: `render/bulletin_docx.py`)."""
    return bulletin_html(bulletin) if fmt == "html" else bulletin_markdown(bulletin)
