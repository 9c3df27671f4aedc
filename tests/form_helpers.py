"""Helpers for the form tests: writing forms with the CLI, filling them as a unit would
(with openpyxl, or as text for CSV), and reading them with a second reader (calamine)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from write_helpers import TODAY, invoke

from circletrack.office.forms import FORM_COLUMNS, HEADER_ROW

#: Column positions (1-based) by column name, as `forms` writes them.
POSITION: dict[str, int] = {c.name: n for n, c in enumerate(FORM_COLUMNS, 1)}


def pin_office_today(monkeypatch: Any) -> None:
    """Pin the clock of `forms`, `intake` and `bulletin` (and of `mark`) to TODAY."""
    from circletrack.cli import office_commands, write_commands

    monkeypatch.setattr(office_commands, "today", lambda: TODAY)
    monkeypatch.setattr(write_commands, "today", lambda: TODAY)


def write_forms(registry: Path, outdir: Path, *args: str) -> list[Path]:
    """Run `circletrack forms OUTDIR ARGS` with English forms (unless ARGS say otherwise);
    the forms written, in name order."""
    lang = [] if "--form-lang" in args else ["--form-lang", "en"]
    result = invoke(registry, "forms", str(outdir), *lang, *args)
    assert result.exit_code == 0, result.stderr
    return sorted(p for p in outdir.iterdir())


def fill_xlsx(path: Path, rows: Mapping[str, Mapping[str, Any]], out: Path | None = None,
              formats: Mapping[tuple[str, str], str] | None = None) -> Path:
    """Fill a form as a unit does in a spreadsheet: for each id, the values of the unit's
    columns (by column name), written with openpyxl and saved (to `out`, else in place).
    `formats` gives a number format to a cell, by (id, column name)."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    found = set()
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        item_id = sheet.cell(row, POSITION["id"]).value
        if item_id in rows:
            found.add(item_id)
            for name, value in rows[item_id].items():
                cell = sheet.cell(row, POSITION[name])
                cell.value = value
                if formats and (item_id, name) in formats:
                    cell.number_format = formats[(item_id, name)]
    assert found == set(rows), f"not on the form: {set(rows) - found}"
    target = out or path
    workbook.save(target)
    return target


def csv_grid(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    """A CSV form's rows."""
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def fill_csv(path: Path, rows: Mapping[str, Mapping[str, str]], out: Path | None = None,
             encoding: str = "utf-8-sig", delimiter: str = ",") -> Path:
    """Fill a CSV form as text (as a spreadsheet saves it: the encoding and delimiter given)."""
    grid = csv_grid(path)
    for line in grid[HEADER_ROW:]:
        if line and line[0] in rows:
            for name, value in rows[line[0]].items():
                line[POSITION[name] - 1] = value
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(grid)
    target = out or path
    target.write_bytes(buffer.getvalue().encode(encoding))
    return target


def calamine_sheets(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet of a workbook as python-calamine (a second, independent reader) reads it."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def calamine_visibility(path: Path) -> dict[str, str]:
    """Each sheet's visibility as calamine reports it: visible, hidden or veryhidden."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return {s.name: str(s.visible).rsplit(".", 1)[-1].lower() for s in workbook.sheets_metadata}
