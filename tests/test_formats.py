"""Every report format parses back: CSV the way Excel reads it, JSON, Markdown and iCalendar."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from listing_helpers import (
    ESCAPE_TITLE,
    HOSTILE_TITLES,
    REPORTS,
    csv_rows,
    hostile_items,
    run,
    write_registry,
)

from circletrack.model.records import Report
from circletrack.query.listings import export_listing, overdue_listing
from circletrack.query.select import Criteria
from circletrack.render.fields import item_json
from circletrack.render.ics import item_uid, to_ics
from circletrack.render.listing_views import OVERDUE_COLUMNS, render_export, render_overdue
from circletrack.storage.codec import loads

AS_OF = "2012-01-01"
DAY = dt.date(2012, 1, 1)
#: Overdue in the REPORTS fixture as of 2012-01-01 (coop-c is done; the projects are not due).
FIXTURE_OVERDUE = ["coop-a", "coop-b"]


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """The report fixture plus items whose titles try to be formulas."""
    return write_registry(tmp_path, REPORTS + hostile_items())


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    return write_registry(tmp_path)


def output_of(*args: str | Path) -> bytes:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


# --- CSV ----------------------------------------------------------------------------------


def test_csv_reads_back_with_bom_header_and_iso_dates(reports: Path) -> None:
    rows = csv_rows(output_of("overdue", "--as-of", AS_OF, "-f", "csv", "-r", reports))
    assert rows[0] == ["ID", "Title", "Lead", "Due", "Requirement", "Days overdue",
                       "Progress (%)", "Updated", "Progress reported", "Derived from", "As of"]
    assert [r[0] for r in rows[1:]] == FIXTURE_OVERDUE  # most overdue first
    assert {r[-1] for r in rows[1:]} == {AS_OF}  # the report's date, a column of its own
    first = dict(zip(rows[0], rows[1]))
    assert first["Progress (%)"] == ""  # nobody reported one: empty, never "—"
    assert first["Title"] == "两个牵头单位的事项"
    assert first["Lead"] == "市发改委、市交通运输局"
    assert first["Due"] == "2011-06-30"
    assert first["Requirement"] == "2011年6月底前完成"
    assert first["Days overdue"] == "185"


def test_csv_uses_crlf_rows_and_rfc4180_quoting(hostile: Path) -> None:
    data = output_of("overdue", "--as-of", AS_OF, "-f", "csv", "-r", hostile)
    assert data.count(b"\r\n") >= len(HOSTILE_TITLES) + 3
    assert b'"\'=HYPERLINK(""http://evil"")"' in data  # quotes doubled inside a quoted field


@pytest.mark.parametrize("item_id", sorted(HOSTILE_TITLES))
def test_csv_neutralises_formula_cells(hostile: Path, item_id: str) -> None:
    rows = csv_rows(output_of("overdue", "--as-of", AS_OF, "-f", "csv", "-r", hostile))
    row = dict(zip(rows[0], next(r for r in rows if r[0] == item_id)))
    title = HOSTILE_TITLES[item_id]
    assert row["Title"] == "'" + title
    assert row["Lead"] == "'" + title
    assert row["Requirement"] == "'=HYPERLINK(\"http://evil\")"
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_csv_grouped_has_a_group_column_and_neutralises_it(hostile: Path) -> None:
    rows = csv_rows(output_of("overdue", "--as-of", AS_OF, "-f", "csv", "-g", "unit",
                              "-r", hostile))
    assert rows[0][:2] == ["Group (lead unit)", "ID"]
    groups_of_a = [r[0] for r in rows[1:] if r[1] == "coop-a"]
    assert sorted(groups_of_a) == ["市交通运输局", "市发改委"]
    assert ["(no lead unit)", "coop-b"] == rows[-1][:2]
    assert "'=cmd|' /C calc'!A0" in [r[0] for r in rows]


def test_export_csv_has_the_fuller_column_set_and_every_item(reports: Path) -> None:
    rows = csv_rows(output_of("export", "-f", "csv", "-r", reports))
    header = rows[0]
    for column in ("ID", "Kind", "Content", "Support", "Cities", "Created", "Original due",
                   "Status", "Reports", "Moves", "Tags", "Sources"):
        assert column in header
    assert [r[0] for r in rows[1:]] == ["coop-a", "coop-b", "coop-c", "rail-moved",
                                        "road-moved-done"]


# --- JSON ---------------------------------------------------------------------------------


def test_json_items_are_item_json(reports: Path) -> None:
    data = json.loads(output_of("overdue", "--as-of", AS_OF, "-f", "json", "-r", reports))
    registry = loads(reports.read_bytes())
    expected = [item_json(registry.get(i), DAY) for i in FIXTURE_OVERDUE]  # type: ignore[arg-type]
    assert data == expected
    assert [d["days_overdue"] for d in data] == [185, 1]


def test_json_grouped_is_a_list_of_group_count_items(reports: Path) -> None:
    data = json.loads(output_of("overdue", "--as-of", AS_OF, "-f", "json", "-g", "unit",
                                "-r", reports))
    assert [(g["group"], g["count"]) for g in data] == [
        ("市交通运输局", 1), ("市发改委", 1), ("(no lead unit)", 1)]
    assert all(g["count"] == len(g["items"]) for g in data)
    assert data[0]["items"][0]["id"] == "coop-a"


@pytest.mark.parametrize("command", [("list", "--all"), ("overdue",), ("stale", "--days", "0"),
                                     ("slips",), ("export",), ("log",), ("show", "coop-a")])
def test_json_fields_pick_fields_on_every_command_that_lists(reports: Path,
                                                             command: tuple[str, ...]) -> None:
    fields = "date,id" if command[0] == "log" else "id,title"
    data = json.loads(output_of(*command, "--json", fields, "--as-of", AS_OF, "-r", reports))
    objects = [data] if isinstance(data, dict) else data
    assert objects, "the fixture gives every command something to list"
    assert all(list(o) == fields.split(",") for o in objects)


def test_json_fields_keep_groups_and_name_the_fields_there_are(reports: Path) -> None:
    data = json.loads(output_of("overdue", "--as-of", AS_OF, "-g", "unit", "--json",
                                "due,id", "-r", reports))
    assert data[0]["group"] == "市交通运输局" and data[0]["count"] == 1
    first = data[0]["items"][0]
    assert list(first) == ["due", "id"] and first["id"] == "coop-a"
    bad = run("list", "--json", "id,nope", "-r", reports)
    assert bad.exit_code == 2 and bad.stdout == ""
    assert bad.stderr.startswith("Error: --json: unknown field 'nope'; the fields are: id, ")
    clash = run("overdue", "--json", "id", "--format", "csv", "-r", reports)
    assert clash.exit_code == 2
    assert clash.stderr.strip() == ("Error: --json: gives JSON, so it does not go with "
                                    "--format csv")


def test_log_sorts_by_any_report_field(reports: Path) -> None:
    newest = json.loads(output_of("log", "--format", "json", "-r", reports))
    by_id = json.loads(output_of("log", "--sort", "id", "--format", "json", "-r", reports))
    assert [e["id"] for e in by_id] == sorted(e["id"] for e in newest)
    oldest = json.loads(output_of("log", "--sort", "-date", "--json", "date", "-r", reports))
    assert [e["date"] for e in oldest] == sorted((e["date"] for e in newest), reverse=True)
    ascending = json.loads(output_of("log", "--sort", "date", "--json", "date", "-r", reports))
    assert [e["date"] for e in ascending] == sorted(e["date"] for e in newest)
    assert run("log", "--sort", "due", "-r", reports).exit_code == 2


def test_export_json_has_every_item_field_and_history(reports: Path) -> None:
    data = json.loads(output_of("export", "-r", reports))
    registry = loads(reports.read_bytes())
    assert [d["id"] for d in data] == [i.id for i in registry.items]
    assert {d["status"] for d in data} >= {"done", "planned", "in_progress"}
    moved = next(d for d in data if d["id"] == "rail-moved")
    assert len(moved["due_changes"]) == 2 and len(moved["history"]) == 1
    assert set(moved) == set(item_json(registry.items[0], DAY))


# --- Markdown -----------------------------------------------------------------------------


def md_cells(line: str) -> list[str]:
    """The cells of a Markdown table row, honouring `\\|` escapes."""
    inner = line.strip()[1:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def test_markdown_has_a_heading_and_a_well_formed_table(hostile: Path) -> None:
    text = output_of("overdue", "--as-of", AS_OF, "-f", "md", "-r", hostile).decode()
    lines = text.splitlines()
    assert lines[0] == f"**Overdue items as of {AS_OF} (8)**"
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + 8
    widths = {len(md_cells(line)) for line in table}
    assert widths == {len(OVERDUE_COLUMNS)}, "a | in a title must not add a column"
    escaped = next(line for line in table if line.startswith("| escape-chars "))
    assert md_cells(escaped)[1] == ESCAPE_TITLE.replace("\\", "\\\\")


def test_markdown_grouped_has_one_heading_per_group(reports: Path) -> None:
    text = output_of("overdue", "--as-of", AS_OF, "-f", "md", "-g", "unit",
                     "-r", reports).decode()
    headings = [line for line in text.splitlines() if line.startswith("**")]
    assert headings == [
        f"**Overdue items as of {AS_OF} — Lead unit: 市交通运输局 (1)**",
        f"**Overdue items as of {AS_OF} — Lead unit: 市发改委 (1)**",
        f"**Overdue items as of {AS_OF} — Lead unit: (no lead unit) (1)**",
    ]


def test_markdown_of_nothing_says_so(reports: Path) -> None:
    text = output_of("overdue", "--as-of", "2011-03-01", "-f", "md", "-r", reports).decode()
    assert text == "**Overdue items as of 2011-03-01 (0)**\n\nNone.\n"


# --- iCalendar ----------------------------------------------------------------------------


def events(data: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(data)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_ics_loads_back_with_one_all_day_event_per_item(hostile: Path) -> None:
    data = output_of("overdue", "--as-of", AS_OF, "-f", "ics", "-r", hostile)
    calendar = Calendar.from_ical(data)
    assert str(calendar["version"]) == "2.0" and "circletrack" in str(calendar["prodid"])
    found = events(data)
    ids = FIXTURE_OVERDUE + sorted(HOSTILE_TITLES) + ["escape-chars"]
    assert sorted(found) == sorted(f"overdue-{i}@circletrack" for i in ids)
    event = found["overdue-coop-a@circletrack"]
    # an overdue list is something to chase: each item on the list's day, not its due date
    assert event.decoded("dtstart") == dt.date(2012, 1, 1)
    assert event.decoded("dtend") == dt.date(2012, 1, 2)
    assert event.decoded("dtstamp") == dt.datetime(2012, 1, 1, tzinfo=dt.timezone.utc)
    assert str(event["summary"]) == "coop-a 两个牵头单位的事项 (overdue, due 2011-06-30)"
    description = str(event["description"])
    for text in ("Due: 2011-06-30", "市发改委、市交通运输局", "湖州市政府", "2011年6月底前完成",
                 "progress —", "Overdue by 185 days"):
        assert text in description
    assert {e.decoded("dtstart") for e in found.values()} == {dt.date(2012, 1, 1)}


def test_overdue_ics_sits_on_the_day_of_the_list_and_moves_forward(reports: Path) -> None:
    today = output_of("overdue", "--as-of", AS_OF, "-f", "ics", "-r", reports)
    review = output_of("overdue", "--as-of", "2012-01-09", "-f", "ics", "-r", reports)
    first, later = events(today), events(review)
    assert set(first) <= set(later)
    for uid, event in first.items():
        assert event.decoded("dtstart") == dt.date(2012, 1, 1)
        assert later[uid].decoded("dtstart") == dt.date(2012, 1, 9)
        # a calendar applies the later file's date only when its SEQUENCE is higher
        assert int(later[uid]["sequence"]) > int(event["sequence"])
    chinese = events(output_of("--lang", "zh", "overdue", "--as-of", AS_OF, "-f", "ics", "-r",
                               reports))
    assert "（已逾期，原定 2011-06-30 到期）" in str(chinese["overdue-coop-a@circletrack"]["summary"])


def test_a_calendar_of_due_dates_keeps_them_where_they_are(reports: Path) -> None:
    found = events(output_of("export", "--as-of", AS_OF, "-f", "ics", "-r", reports))
    event = found["coop-a@circletrack"]
    assert event.decoded("dtstart") == dt.date(2011, 6, 30)
    assert str(event["summary"]) == "coop-a 两个牵头单位的事项"


def test_ics_escapes_and_folds_per_rfc5545(hostile: Path) -> None:
    data = output_of("overdue", "--as-of", AS_OF, "-f", "ics", "-r", hostile)
    assert all(len(line) <= 75 for line in data.split(b"\r\n")), "lines fold at 75 octets"
    assert b"\n" not in data.replace(b"\r\n", b"")
    event = events(data)["overdue-escape-chars@circletrack"]
    assert str(event["summary"]).startswith(f"escape-chars {ESCAPE_TITLE} (overdue, due ")


def test_ics_is_reproducible_and_uids_are_stable(reports: Path) -> None:
    first = output_of("overdue", "--as-of", AS_OF, "-f", "ics", "-r", reports)
    again = output_of("overdue", "--as-of", AS_OF, "-f", "ics", "-r", reports)
    later = output_of("overdue", "--as-of", "2012-06-01", "-f", "ics", "-r", reports)
    assert first == again
    assert set(events(first)) == set(events(later))


def test_ics_sequence_counts_due_moves_and_cancelled_items_say_so(reports: Path) -> None:
    registry = loads(reports.read_bytes())
    moved = registry.get("rail-moved")
    assert moved is not None
    moved = replace(moved, history=(*moved.history, Report(date=dt.date(2012, 12, 1),
                                                           status="cancelled", source="test")))
    found = events(to_ics([moved], DAY, "test"))
    event = found[item_uid(moved)]
    assert int(event["sequence"]) == 2
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("dtstart") == dt.date(2013, 6, 30)


def test_ics_grouped_files_events_under_their_groups(reports: Path) -> None:
    registry = loads(reports.read_bytes())
    listing = overdue_listing(registry.items, Criteria(), DAY, "unit")
    data = render_overdue(listing, "ics")
    assert isinstance(data, bytes)
    event = events(data)["overdue-coop-a@circletrack"]
    assert [str(c) for c in event["categories"].cats] == ["市交通运输局", "市发改委"]


def test_export_ics_covers_every_item_with_a_due_date(reports: Path) -> None:
    registry = loads(reports.read_bytes())
    data = render_export(export_listing(registry.items, DAY), "ics")
    assert isinstance(data, bytes)
    assert set(events(data)) == {item_uid(i) for i in registry.items if i.due}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("args", [
    ["list", "--all", "-f", "csv"], ["export", "-f", "csv"], ["stale", "-f", "csv"],
    ["slips", "-f", "csv"], ["overdue", "-f", "csv", "--group-by", "unit"],
    ["overdue", "-f", "csv", "--group-by", "category"],
    ["overdue", "-f", "csv", "--group-by", "city"]])
def test_every_csv_header_is_unique_in_each_language(reports: Path, args: list[str],
                                                     lang: str) -> None:
    header_row = csv_rows(output_of("--lang", lang, *args, "--as-of", AS_OF, "-r", reports))[0]
    assert len(header_row) == len(set(header_row)), header_row
