"""Make the filled forms the docs' `intake` examples read (docs/commands/files/): 市交通局's
form as of 2011-12-20, written by `circletrack forms` and filled as the unit would, and a
copy with mistakes. No circletrack command fills a form, so the files are committed;
`tests/test_intake.py` checks that the committed ones hold what this script writes.

    python tests/doc_forms.py     # rewrite docs/commands/files/*.xlsx
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "docs" / "commands" / "files"
SHIPPED = ROOT / "data" / "projects.toml"
UNIT, AS_OF = "市交通局", dt.date(2011, 12, 20)
GOOD = f"{UNIT}-{AS_OF.isoformat()}.xlsx"
BAD = "市交通局-有误.xlsx"

#: What 市交通局 writes in its form (by id, the unit's columns).
FILLED = {
    "coop-05": {"new_progress": 60, "report_date": dt.date(2011, 12, 1),
                "note": "综合交通规划送审", "reported_by": "王工"},
    "coop-08": {"new_status": "blocked", "report_date": dt.date(2011, 12, 16),
                "note": "前期审批受阻"},
    "coop-21": {"new_status": "done", "report_date": dt.date(2011, 12, 20)},
}
#: The same form with mistakes: progress out of range, a date before the item existed.
MISTAKES = {
    "coop-05": {"new_progress": 150, "report_date": dt.date(2011, 12, 1)},
    "coop-21": {"new_status": "done", "report_date": dt.date(2010, 5, 1)},
}


def build(folder: Path) -> dict[str, Path]:
    """Write the two filled forms into `folder`; their paths by name."""
    from form_helpers import fill_xlsx
    from typer.testing import CliRunner

    from circletrack.base.i18n import set_language
    from circletrack.cli import app

    with tempfile.TemporaryDirectory() as scratch:
        registry = Path(scratch) / "projects.toml"
        shutil.copyfile(SHIPPED, registry)
        result = CliRunner().invoke(app, ["--lang", "en", "forms", scratch, "--form-lang", "en", "--as-of",
                                          AS_OF.isoformat(), "--unit", UNIT, "--registry",
                                          str(registry)])
        set_language("en")
        assert result.exit_code == 0, result.output
        blank = Path(scratch) / GOOD
        good = fill_xlsx(blank, FILLED, out=folder / GOOD)
        bad = fill_xlsx(blank, MISTAKES, out=folder / BAD)
    return {GOOD: good, BAD: bad}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "tests"))
    for path in build(FILES).values():
        print(f"wrote {path.relative_to(ROOT)}")
