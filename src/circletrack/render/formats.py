"""Machine and paste-able formats: JSON, CSV (Excel-safe) and Markdown. No colour codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

from ..base.cells import cell_len
from ..base.errors import FieldError
from ..base.i18n import _
from ..model.records import Item
from .fields import COLUMNS, Cell, item_json, sheet_value

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def json_array(objects: Sequence[Any]) -> str:
    """A JSON array with one object per line: readable, greppable, and written by the C
    encoder (an indented dump runs the pure-Python one, 3x slower for 10,000 items)."""
    if not objects:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(o, ensure_ascii=False) for o in objects) + "\n]\n"


def select_fields(text: str, fields: Sequence[str]) -> str:
    """JSON output with each item or report object (an object with an "id") cut down to
    `fields`, in that order; groups and other wrappers are kept. A field no object has is
    a FieldError naming the fields there are."""
    document = json.loads(text)
    seen: dict[str, None] = {}

    def pick(node: Any) -> Any:
        if isinstance(node, list):
            return [pick(n) for n in node]
        if isinstance(node, dict) and "id" in node:
            seen.update(dict.fromkeys(node))
            return {f: node.get(f) for f in fields}
        if isinstance(node, dict):
            return {k: pick(v) for k, v in node.items()}
        return node

    picked = pick(document)
    unknown = [f for f in fields if seen and f not in seen]
    if unknown:
        raise FieldError("json", _("unknown field {field!r}; the fields are: {fields}").format(
            field=unknown[0], fields=", ".join(seen)))
    if isinstance(picked, list):
        return json_array(picked)
    return json.dumps(picked, ensure_ascii=False, indent=2) + "\n"


def items_to_json(items: Sequence[Item], day: dt.date) -> str:
    """A JSON array of item objects (see `item_json`), one per line."""
    return json_array([item_json(i, day) for i in items])


def neutralise_cell(text: str) -> str:
    """Prefix a quote to a cell a spreadsheet would run as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def table_rows(items: Sequence[Item], columns: Sequence[str], day: dt.date) -> list[list[str]]:
    """The text of each column for each item."""
    return [[COLUMNS[c].get(item, day) for c in columns] for item in items]


def sheet_rows(items: Sequence[Item], columns: Sequence[str],
               day: dt.date) -> list[list[Cell]]:
    """The spreadsheet cell of each column for each item: numbers and dates as such."""
    return [[sheet_value(c, item, day) for c in columns] for item in items]


def csv_text(cell: Cell) -> str:
    """A cell as CSV text: a date in ISO form (every spreadsheet reads it as a date), a
    number as digits, nothing for empty, text neutralised."""
    if cell is None:
        return ""
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return str(cell)
    return neutralise_cell(str(cell))


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte-order mark, so Excel reads the Chinese correctly
    (LibreOffice too, when its CSV filter is given options: see docs/commands/overdue.md)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise_cell(h) for h in headers])
    for row in rows:
        writer.writerow([csv_text(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(headers: Sequence[str], rows: Sequence[Sequence[Cell]], sheet_name: str) -> bytes:
    """A workbook of one sheet: the header in bold and frozen, text as text (never a
    formula), numbers as numbers, dates as date cells shown yyyy-mm-dd, columns as wide as
    their text (a Chinese character counts as two, up to 50)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"
    widths = [cell_len(h) for h in headers]
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(number, column, value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula, whatever it says
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            text = value.isoformat() if isinstance(value, dt.date) else str(value or "")
            widths[column - 1] = max(widths[column - 1], cell_len(text))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = min(width + 2, 50)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


#: What a Markdown text must not leave as it is. Markdown passes HTML through (and many
#: viewers render it), so `& < >` become entities: a note's `<script>` or `<img onerror>`
#: is shown, never run, and no `<javascript:…>` autolink can form. `[ ]` are escaped, so no
#: `[x](javascript:…)` or `![x](data:…)` link or image can form; `\\` and `|` keep the
#: table's cells apart; a line break would end the table row.
_MD_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "\\\\",
                             "|": "\\|", "[": "\\[", "]": "\\]", "\r": " ", "\n": " "})


def md_cell(text: str) -> str:
    """A Markdown text (a table cell, a heading), shown as it is, never as HTML or a link:
    see `_MD_ESCAPES`."""
    return str(text).translate(_MD_ESCAPES)


def to_markdown(headers: Sequence[str], rows: Sequence[Sequence[str]], heading: str | None) -> str:
    """A Markdown table, with an optional one-line heading above it."""
    lines = [f"**{md_cell(heading)}**", ""] if heading else []
    lines.append("| " + " | ".join(md_cell(h) for h in headers) + " |")
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    lines.extend("| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"
