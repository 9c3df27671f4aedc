"""The overdue list as a spreadsheet, opened by a real LibreOffice Calc (headless, a
throwaway profile): the CSV through Calc's CSV filter, the .xlsx as it is. Chinese text
must arrive whole, progress and days as numbers, dates as dates, the as-of date in its own
column.

Measured with LibreOffice 7.4 (see docs/commands/overdue.md): `soffice --convert-to xlsx
overdue.csv` with no filter options reads any CSV as Windows-1252, whatever its byte-order
mark (UTF-8 or UTF-16) or the locale; given CSV filter options (even character set 0,
"system"), it honours the UTF-8 byte-order mark. Skipped when `soffice` is not installed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from program import run
from write_helpers import ROOT

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (`soffice`) is not "
                                                        "installed")

SHIPPED = ROOT / "data" / "projects.toml"
AS_OF = "2012-01-01"
#: The filter options docs/commands/overdue.md gives: comma, double quote, UTF-8, line 1.
CSV_OPTIONS = "CSV:44,34,76,1"


def calc_convert(source: Path, outdir: Path, profile: Path, infilter: str | None) -> Path:
    """`source` opened by LibreOffice Calc and saved as .xlsx in `outdir`."""
    command = [str(SOFFICE), f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--convert-to", "xlsx", "--outdir", str(outdir), str(source)]
    if infilter is not None:
        command[3:3] = [f"--infilter={infilter}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "HOME": str(profile.parent)})
    converted = outdir / (source.stem + ".xlsx")
    assert done.returncode == 0 and converted.is_file(), done.stderr
    return converted


def calamine_rows(path: Path) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[object]]]:
    folder = tmp_path_factory.mktemp("sheets")
    registry = folder / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    marked = run(["mark", "coop-05", "--progress", "40", "--date", "2011-12-01", "--source",
                  "test", "--registry", str(registry)], env={"CIRCLETRACK_USER": "tester"})
    assert marked.returncode == 0, marked.stderr
    for name in ("overdue.csv", "overdue.xlsx"):
        done = run(["--lang", "zh", "overdue", "--group-by", "unit", "--as-of", AS_OF,
                    "-o", name, "--registry", str(registry)], cwd=folder)
        assert done.returncode == 0, done.stderr
    profile = folder / "profile"
    return {"csv": calamine_rows(calc_convert(folder / "overdue.csv", folder / "from-csv",
                                              profile, CSV_OPTIONS)),
            "xlsx": calamine_rows(calc_convert(folder / "overdue.xlsx", folder / "from-xlsx",
                                               profile, None)),
            "written": calamine_rows(folder / "overdue.xlsx")}


@pytest.mark.parametrize("kind", ["csv", "xlsx", "written"])
def test_calc_reads_the_overdue_sheet_with_numbers_dates_and_chinese(
        sheets: dict[str, list[list[object]]], kind: str) -> None:
    rows = sheets[kind]
    header, body = rows[0], rows[1:]
    assert header[:3] == ["分组（牵头单位）", "编号", "名称"] and header[-1] == "截至"
    column = {name: n for n, name in enumerate(header)}
    assert {"进度（%）", "逾期天数", "完成时限", "进度报告日期"} <= set(column)
    assert all(row[-1] == dt.date(2012, 1, 1) for row in body)  # the as-of day, a date
    assert "市交通局" in {row[0] for row in body}
    coop = next(row for row in body if row[1] == "coop-05")
    assert coop[2] == "出台并实施综合交通、环境保护、旅游发展专项规划"
    assert coop[column["完成时限"]] == dt.date(2011, 12, 31)
    days = [row[column["逾期天数"]] for row in body]
    assert all(isinstance(d, float) and d > 0 for d in days)  # numbers: they sum and sort
    assert coop[column["进度（%）"]] == 40.0  # a number, not "40%"
    assert coop[column["进度报告日期"]] == dt.date(2011, 12, 1)
    progress = [row[column["进度（%）"]] for row in body]
    assert all(p == "" or isinstance(p, float) for p in progress)
    assert not any(isinstance(p, str) and p for p in progress)
