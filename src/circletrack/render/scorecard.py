"""The scorecard (`circletrack scorecard`) in every format it offers: a terminal table, CSV,
JSON, Markdown and an .xlsx workbook. Each returns a Rich renderable, text or bytes; none
prints.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..base.errors import FieldError
from ..base.i18n import N_, _, ngettext
from ..office.scorecard import FIELDS, Scorecard, UnitScore
from .fields import DERIVED_MARK
from .formats import json_array, to_csv, to_markdown
from .forms import DATE_FORMAT, display_width

# Rich and openpyxl are imported inside the functions that need them, for start-up speed:
# a CSV or JSON scorecard needs neither.
if TYPE_CHECKING:
    from rich.console import RenderableType

#: Each figure's header (English; shown translated).
HEADERS: dict[str, str] = {
    "unit": N_("Unit"), "lead": N_("Leads"), "done": N_("Done"),
    "done_on_time": N_("Done on time"), "done_late": N_("Done late"),
    "overdue": N_("Overdue"), "due_soon": N_("Due soon"), "unreported": N_("Never reported"),
    "median_days_overdue": N_("Median days overdue"), "last_report": N_("Last report"),
    "forms_sent": N_("Forms sent"), "forms_returned": N_("Forms returned"),
    "median_response_days": N_("Median days to return"), "rows_reported": N_("Rows reported"),
    "support": N_("Supports"), "support_overdue": N_("Supported, overdue"),
    "derived": N_("Derived"),
}
#: The terminal's columns (80 cells): the others are in every file format.
TABLE_FIELDS: tuple[str, ...] = ("unit", "lead", "done", "done_late", "overdue", "due_soon",
                                 "unreported", "median_days_overdue", "last_report",
                                 "forms_returned")
#: The terminal's headers: shorter, on two lines where a word is long.
TABLE_HEADERS: dict[str, str] = {
    "unit": N_("Unit"), "lead": N_("Led"), "done": N_("Done"), "done_late": N_("Late"),
    "overdue": N_("Over-\ndue"), "due_soon": N_("Due\nsoon"),
    "unreported": N_("No\nreport"), "forms_returned": N_("Forms\nback"), "median_days_overdue": N_("Median\ndays"),
    "last_report": N_("Last report"),
}


def title(card: Scorecard) -> str:
    """`Scorecard 2011-01-01 to 2011-12-31, as of 2012-06-30 (28 units)`."""
    return ngettext("Scorecard {start} to {end}, as of {date} ({count} unit)",
                    "Scorecard {start} to {end}, as of {date} ({count} units)",
                    len(card.units)).format(start=card.start.isoformat(),
                                            end=card.end.isoformat(),
                                            date=card.day.isoformat(), count=len(card.units))


def notes(card: Scorecard) -> list[str]:
    """What the figures rest on, said under every table: derived states, events counted
    once, what "due soon" means."""
    derived = sum(s.derived for s in card.units)
    lines = [ngettext("Due soon: open and due within {days} day of {date}.",
                      "Due soon: open and due within {days} days of {date}.",
                      card.within).format(days=card.within, date=card.day.isoformat()),
             _("An event recorded by two linked items (same_as) is counted once.")]
    if derived:
        lines.append(ngettext(
            "{mark} {count} item's state is derived from the items it tracks, starts or is "
            "the same as, and counted as derived.",
            "{mark} {count} items' states are derived from the items they track, start or "
            "are the same as, and counted as derived.", derived).format(
            mark=DERIVED_MARK, count=derived))
    return lines


def value(score: UnitScore, name: str) -> Any:
    """A figure as it is (a date, a number, None)."""
    return getattr(score, name)


def text(score: UnitScore, name: str) -> str:
    """A figure as text: ISO dates, `—` for none; a unit's lead count marked when some of
    its items' states are derived."""
    figure = value(score, name)
    if figure is None:
        return "—"
    if isinstance(figure, dt.date):
        return figure.isoformat()
    if name == "lead" and score.derived:
        return f"{figure}{DERIVED_MARK}"
    return str(figure)


def score_json(score: UnitScore) -> dict[str, Any]:
    """One unit's row as JSON: the keys are the figures' names (see FIELDS)."""
    return {name: (figure.isoformat() if isinstance(figure := value(score, name), dt.date)
                   else figure) for name in FIELDS}


def scorecard_json(card: Scorecard, fields: Sequence[str] | None = None) -> str:
    """A JSON array, one object per unit; `fields` (--json) keeps only those keys, in that
    order, and names a key that does not exist with the keys there are."""
    unknown = [f for f in fields or () if f not in FIELDS]
    if unknown:
        raise FieldError("json", _("unknown field {field!r}; the fields are: {fields}").format(
            field=unknown[0], fields=", ".join(FIELDS)))
    rows = [score_json(s) for s in card.units]
    if fields:
        rows = [{f: row[f] for f in fields} for row in rows]
    return json_array(rows)


def scorecard_csv(card: Scorecard) -> bytes:
    """Excel-safe CSV: a header row, then one row per unit, every figure."""
    return to_csv([_(HEADERS[f]) for f in FIELDS],
                  [["" if value(s, f) is None else text(s, f) for f in FIELDS]
                   for s in card.units])


def scorecard_markdown(card: Scorecard) -> str:
    """A Markdown table of every figure under the title, the notes below it."""
    table = to_markdown([_(HEADERS[f]) for f in FIELDS],
                        [[text(s, f) for f in FIELDS] for s in card.units], title(card))
    return table + "\n" + "\n".join(notes(card)) + "\n"


def scorecard_table(card: Scorecard) -> RenderableType:
    """The terminal table: the main figures, one row per unit, the notes as its caption."""
    from rich import box
    from rich.table import Table

    table = Table(title=title(card), title_justify="left", header_style="bold",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0),
                  caption="\n".join(notes(card)), caption_justify="left")
    for name in TABLE_FIELDS:
        header = _(TABLE_HEADERS[name])
        if name == "unit":
            table.add_column(header, overflow="fold", min_width=8)
        else:
            table.add_column(header, justify="right", no_wrap=True,
                             style="bold red" if name == "overdue" else None)
    for score in card.units:
        table.add_row(*(_forms_cell(score) if name == "forms_returned" else text(score, name)
                        for name in TABLE_FIELDS))
    return table


def _forms_cell(score: UnitScore) -> str:
    """`1/2`: forms returned of forms sent; `—` when none was sent."""
    return f"{score.forms_returned}/{score.forms_sent}" if score.forms_sent else "—"


def scorecard_xlsx(card: Scorecard) -> bytes:
    """An .xlsx workbook: the title, the header (frozen), one row per unit with dates as
    date cells and numbers as numbers, the notes below."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Scorecard")
    sheet.cell(1, 1, title(card)).font = Font(bold=True, size=13)
    widths = [display_width(_(HEADERS[f])) for f in FIELDS]
    for number, name in enumerate(FIELDS, 1):
        cell = sheet.cell(2, number, _(HEADERS[name]))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row, score in enumerate(card.units, 3):
        for number, name in enumerate(FIELDS, 1):
            figure = value(score, name)
            cell = sheet.cell(row, number, figure)
            if isinstance(figure, dt.date):
                cell.number_format = DATE_FORMAT
            if isinstance(figure, str):
                cell.data_type = "s"  # text, never a formula
                widths[number - 1] = max(widths[number - 1], display_width(figure))
    for offset, line in enumerate(notes(card)):
        sheet.cell(len(card.units) + 4 + offset, 1, line)
    for number, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(number)].width = min(max(width, 10), 40) + 2
    sheet.freeze_panes = "B3"
    workbook.properties.creator = "circletrack"
    workbook.properties.title = title(card)
    stamp = dt.datetime.combine(card.day, dt.time())
    workbook.properties.created = workbook.properties.modified = stamp
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_scorecard(card: Scorecard, fmt: str,
                     fields: Sequence[str] | None = None) -> RenderableType | str | bytes:
    """The scorecard in one format: table, csv, json, md or xlsx."""
    if fmt == "json":
        return scorecard_json(card, fields)
    if fmt == "csv":
        return scorecard_csv(card)
    if fmt == "md":
        return scorecard_markdown(card)
    if fmt == "xlsx":
        return scorecard_xlsx(card)
    return scorecard_table(card)

