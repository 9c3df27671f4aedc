"""One listing pipeline (issue 24): `list` is a selection, an order and a view like overdue,
stale, slips and export, so it writes every format to --output, and every listing reads
--format, --json, --output, --sort and --limit the same way, with the same errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import program
import pytest
from form_helpers import calamine_sheets
from icalendar import Calendar
from listing_helpers import csv_rows, run, write_registry

AS_OF = "2012-01-01"

#: Every listing command, with what makes it list several items of the hand-written registry.
LISTINGS: list[list[str]] = [["list", "--all"], ["overdue"], ["stale", "--days", "0"],
                             ["slips"], ["export"]]


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    return write_registry(tmp_path)


def ids(result: Any) -> list[str]:
    assert result.exit_code == 0, result.output
    return [d["id"] for d in json.loads(result.stdout)]


def listed_ids(reports: Path, *args: str) -> list[str]:
    return ids(run("list", *args, "--as-of", AS_OF, "-r", reports, "-f", "json"))


def test_list_output_xlsx_reads_back_with_a_second_reader(reports: Path, tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    result = run("list", "--all", "--as-of", AS_OF, "-r", reports, "-o", path)
    assert result.exit_code == 0, result.output
    assert f"wrote {path}" in result.stderr
    (rows,) = calamine_sheets(path).values()
    header, body = rows[0], rows[1:]
    assert header[0] == "ID" and header[-1] == "As of" and "Progress (%)" in header
    assert [r[0] for r in body] == listed_ids(reports, "--all")
    assert all(r[-1] == dt.date(2012, 1, 1) for r in body)  # a date cell, not text


def test_list_output_csv_is_the_listings_sheet(reports: Path, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    result = run("list", "--all", "--as-of", AS_OF, "-r", reports, "-o", path)
    assert result.exit_code == 0, result.output
    rows = csv_rows(path.read_bytes())
    assert rows[0][:4] == ["ID", "Kind", "Category", "Title"] and rows[0][-1] == "As of"
    assert [r[0] for r in rows[1:]] == listed_ids(reports, "--all")
    # the same bytes as printed
    printed = run("list", "--all", "--as-of", AS_OF, "-r", reports, "-f", "csv")
    assert printed.stdout_bytes == path.read_bytes()


def test_list_output_ics_has_an_event_per_dated_item(reports: Path, tmp_path: Path) -> None:
    path = tmp_path / "list.ics"
    result = run("list", "--all", "--as-of", AS_OF, "-r", reports, "-o", path)
    assert result.exit_code == 0, result.output
    calendar = Calendar.from_ical(path.read_bytes())
    assert "item list" in str(calendar["x-wr-calname"])
    listed = json.loads(run("list", "--all", "--as-of", AS_OF, "-r", reports,
                            "-f", "json").stdout)
    uids = {str(e["uid"]) for e in calendar.walk("VEVENT")}
    assert uids == {f"{d['id']}@circletrack" for d in listed if d["due"]}


def test_list_xlsx_is_refused_on_a_terminal_as_overdue_is(reports: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    import circletrack.cli.listing_commands as commands

    monkeypatch.setattr(commands, "stdout_is_terminal", lambda: True)
    for command in ("list", "overdue"):
        result = run(command, "-f", "xlsx", "-r", reports)
        assert result.exit_code == 2
        assert result.stderr.strip() == (
            f"Error: --format xlsx: a workbook is not for the terminal; name a file with "
            f"--output, e.g. -o {command}.xlsx")


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda a: a[0])
def test_sort_limit_and_json_mean_the_same_in_every_listing(reports: Path,
                                                            listing: list[str]) -> None:
    base = [*listing, "--as-of", AS_OF, "-r", str(reports)]
    every = ids(run(*base, "--sort", "id", "-f", "json"))
    assert len(every) >= 2 and every == sorted(every)
    assert ids(run(*base, "--sort", "-id", "-f", "json")) == sorted(every, reverse=True)
    assert ids(run(*base, "--sort", "id", "--limit", "2", "-f", "json")) == every[:2]
    assert ids(run(*base, "--sort", "id", "--limit", "0", "-f", "json")) == every
    picked = run(*base, "--sort", "id", "--limit", "2", "--json", "id,due")
    assert picked.exit_code == 0, picked.output
    assert [list(d) for d in json.loads(picked.stdout)] == [["id", "due"]] * 2


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda a: a[0])
@pytest.mark.parametrize(("args", "message"), [
    (["--sort", "colour"], "Error: --sort: unknown field 'colour'"),
    (["--limit", "-3"], "Error: --limit: must be 0 or more"),
    (["--limit", "many"], "Error: --limit: 'many' is not a whole number"),
    (["--json", "id,nope"], "Error: --json: unknown field 'nope'"),
    (["--json", "id", "-f", "csv"], "Error: --json: gives JSON, so it does not go with "
                                    "--format csv"),
    (["-f", "xls"], "Error: --format: unknown value 'xls'"),
])
def test_bad_listing_options_give_the_same_one_line_error(reports: Path, listing: list[str],
                                                          args: list[str], message: str) -> None:
    result = run(*listing, *args, "--as-of", AS_OF, "-r", reports)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines


@pytest.mark.parametrize("listing", LISTINGS[:4], ids=lambda a: a[0])
def test_every_listing_writes_every_format_by_suffix(reports: Path, tmp_path: Path,
                                                     listing: list[str]) -> None:
    for suffix in ("csv", "xlsx", "json", "md", "ics"):
        path = tmp_path / f"{listing[0]}.{suffix}"
        result = run(*listing, "--as-of", AS_OF, "-r", reports, "-o", path)
        assert result.exit_code == 0, (suffix, result.output)
        assert path.stat().st_size > 0
    table = run(*listing, "--as-of", AS_OF, "-r", reports, "-o", tmp_path / "x.txt")
    assert table.exit_code == 2
    assert "--output: cannot tell the format from 'x.txt'" in table.stderr


def test_the_installed_program_writes_list_output_and_never_replaces_a_file(
        reports: Path, tmp_path: Path) -> None:
    path = tmp_path / "due.xlsx"
    args = ["list", "--all", "--sort", "due", "--limit", "3", "--as-of", AS_OF,
            "-r", str(reports), "-o", str(path)]
    result = program.run(args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr.strip() == f"wrote {path}"
    (rows,) = calamine_sheets(path).values()
    assert [r[0] for r in rows[1:]] == listed_ids(reports, "--all", "--sort", "due",
                                                  "--limit", "3")
    before = path.read_bytes()
    again = program.run(args)
    assert again.returncode != 0 and len(again.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == before
    forced = program.run([*args[:-2], "--limit", "1", "-o", str(path), "--force"])
    assert forced.returncode == 0, forced.stderr
    (rows,) = calamine_sheets(path).values()
    assert len(rows) == 2


@pytest.mark.parametrize("listing", LISTINGS[:4], ids=lambda a: a[0])
def test_a_table_cut_by_limit_says_how_many_more_in_every_listing(reports: Path,
                                                                 listing: list[str]) -> None:
    every = ids(run(*listing, "--as-of", AS_OF, "-r", reports, "-f", "json"))
    cut = run(*listing, "--limit", "1", "--as-of", AS_OF, "-r", reports)
    assert cut.exit_code == 0, cut.output
    assert (f"1 of {len(every)} items shown; {len(every) - 1} more (--limit 0 shows all)"
            in " ".join(cut.stdout.split()))
    whole = run(*listing, "--limit", "0", "--as-of", AS_OF, "-r", reports)
    assert "more (--limit 0 shows all)" not in whole.stdout
