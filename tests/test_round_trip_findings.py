"""Issue 22, finding 8: the weekly round trip (forms out, intake, bulletin) and the undo
journal, attacked the way the adversarial run did. Each test runs the installed program
against real files and failed before its fix."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SHIPPED
from program import run

from circletrack.office.forms import UnitForm, form_filename, form_filenames
from circletrack.storage.files import TEMPORARY_EXTRA_BYTES

POSIX = os.name == "posix"
LONG_UNIT = "杭" * 90  # 270 bytes in UTF-8: more than any file system's name allows


def ct(*args: str, registry: Path, env: dict[str, str] | None = None,
       cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run([*args, "--registry", str(registry)], cwd=cwd,
               env={"CIRCLETRACK_LANG": "en", "CIRCLETRACK_USER": "tester", **(env or {})})


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255


# a. Form names too long for the file system


def test_a_unit_name_too_long_for_a_file_name_gets_a_shortened_form(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    assert ct("edit", "coop-05", "--lead", LONG_UNIT, registry=registry).returncode == 0
    assert ct("edit", "coop-11", "--lead", LONG_UNIT + "局", registry=registry).returncode == 0
    out = tmp_path / "out"
    done = ct("forms", str(out), "--as-of", "2020-12-31", "--within", "365", registry=registry)
    assert done.returncode == 0, done.stderr
    written = sorted(out.iterdir())
    assert len(written) == done.stdout.count("wrote ")
    long_ones = [p for p in written if p.name.startswith("杭杭杭")]
    assert len(long_ones) == 2  # two units that begin alike keep a form each
    for path in written:
        assert len(os.fsencode(path.name)) + TEMPORARY_EXTRA_BYTES <= name_max(out)
    from openpyxl import load_workbook

    units = set()
    for path in long_ones:
        assert "~" in path.name and path.name.endswith("-2020-12-31.xlsx")
        workbook = load_workbook(path)
        units.add(workbook.worksheets[0].cell(1, 2).value)
        meta = {row[0]: row[1] for row in workbook["circletrack"].iter_rows(values_only=True)}
        assert meta["unit"] == workbook.worksheets[0].cell(1, 2).value
    assert units == {LONG_UNIT, LONG_UNIT + "局"}  # the form keeps the unit's full name


def test_shortened_names_are_cut_on_a_character_and_stay_apart() -> None:
    day = dt.date(2024, 6, 1)
    names = form_filenames([UnitForm(LONG_UNIT + tail, day, []) for tail in ("甲", "乙")],
                           "xlsx", 100)
    assert len(set(names)) == 2 and all(len(n.encode()) <= 100 for n in names)
    accented = form_filename("e\u0301" * 100, day, "csv", 40)  # never a mark without its e
    assert len(accented.encode()) <= 40 and not accented.startswith("\u0301")
    assert accented.split("~")[0] == "e\u0301" * (len(accented.split("~")[0]) // 2)
    assert form_filename("市交通局", day, "xlsx", 100) == "市交通局-2024-06-01.xlsx"
    assert form_filename("CON.x", day, "xlsx").startswith("_CON.x")  # a Windows device name


@pytest.mark.skipif(not POSIX, reason="POSIX paths and links")
def test_a_form_that_cannot_be_written_stops_the_run_before_any_is(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    out = tmp_path / "out"
    out.mkdir()
    # --force replaces forms, but never writes through a link: the last form's name is one
    (out / "杭报集团-2020-12-31.xlsx").symlink_to(tmp_path / "victim")
    line = one_line(ct("forms", str(out), "--as-of", "2020-12-31", "--within", "365",
                       "--force", registry=registry), 2)
    assert "symbolic link" in line
    assert [p.name for p in out.iterdir()] == ["杭报集团-2020-12-31.xlsx"]
    # a folder so deep that the forms' paths pass the file system's limit
    deep = tmp_path
    while len(os.fsencode(deep)) < 4000:
        deep = deep / ("d" * 200)
    deep.mkdir(parents=True)
    line = one_line(ct("forms", str(deep / "x"), "--as-of", "2020-12-31", "--within", "365",
                       registry=registry), 1)
    assert "longer than the file system takes" in line and not (deep / "x").exists()


# b. A dangling OUTDIR link


@pytest.mark.skipif(not POSIX, reason="symbolic links")
def test_a_dangling_outdir_link_is_one_clear_line(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    line = one_line(ct("forms", str(tmp_path / "dangling"), "--as-of", "2020-12-31",
                       registry=registry), 2)
    assert line == (f"Error: OUTDIR: {tmp_path / 'dangling'} is a symbolic link to "
                    f"{tmp_path / 'nowhere'}, which does not exist; name a folder")
    assert not (tmp_path / "nowhere").exists()


# c. A form whose hidden sheet and title row name different units


def transport_form(tmp_path: Path, registry: Path, *more: str) -> Path:
    """市交通局's form of 2011-12-20 (coop-05 is on it; 市环保局 leads coop-05 too)."""
    out = tmp_path / "forms"
    done = ct("forms", str(out), "--form-lang", "en", "--as-of", "2011-12-20", "--unit", "市交通局", *more,
              registry=registry)
    assert done.returncode == 0, done.stderr
    (form,) = out.iterdir()
    return form


def fill(form: Path, item: str, values: dict[str, object], meta: dict[str, str] | None = None,
         ) -> Path:
    """Fill one row of an .xlsx form, and change keys of its hidden sheet, as openpyxl can."""
    from form_helpers import POSITION
    from openpyxl import load_workbook

    workbook = load_workbook(form)
    sheet = workbook.worksheets[0]
    (row,) = [r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == item]
    for name, value in values.items():
        sheet.cell(row, POSITION[name]).value = value
    for cells in workbook["circletrack"].iter_rows():
        if meta and cells[0].value in meta:
            cells[1].value = meta[cells[0].value]
    workbook.save(form)
    return form


def test_a_hidden_unit_that_differs_from_the_title_is_refused(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    form = fill(transport_form(tmp_path, registry), "coop-05",
                {"new_progress": 40, "report_date": dt.date(2011, 12, 19)},
                meta={"unit": "市环保局"})
    before = registry.read_bytes()
    done = ct("intake", str(form), registry=registry)
    assert done.returncode == 1, (done.stdout, done.stderr)
    problems = done.stderr.strip().splitlines()
    assert len(problems) == 1 and "Traceback" not in done.stderr, done.stderr
    assert form.name in problems[0] and "市交通局" in problems[0] and "市环保局" in problems[0]
    assert registry.read_bytes() == before


# f. Relative dates typed in a form count from the form's date


def reports_of(registry: Path, item: str) -> list[object]:
    from circletrack.storage import Location, load

    found = load(Location(registry, "option")).get(item)
    assert found is not None
    return list(found.history)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_relative_dates_in_a_form_count_from_the_forms_date(tmp_path: Path, fmt: str) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    form = transport_form(tmp_path, registry, "--format", fmt)  # as of 2011-12-20
    rows = {"coop-05": {"new_progress": "40", "report_date": "yesterday"},
            "coop-21": {"new_progress": "30", "report_date": "-2w"}}
    from form_helpers import csv_grid, fill_csv

    if fmt == "csv":
        assert {"coop-05", "coop-21"} <= {line[0] for line in csv_grid(form) if line}
        fill_csv(form, rows)
    else:
        for item, values in rows.items():
            fill(form, item, dict(values))
    done = ct("intake", str(form), registry=registry)
    assert done.returncode == 0, done.stderr
    assert reports_of(registry, "coop-05")[-1].date == dt.date(2011, 12, 19)
    assert reports_of(registry, "coop-21")[-1].date == dt.date(2011, 12, 6)


def test_a_relative_date_in_a_form_without_its_date_is_refused(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    form = transport_form(tmp_path, registry, "--format", "csv")
    from form_helpers import fill_csv

    fill_csv(form, {"coop-05": {"new_progress": "40", "report_date": "yesterday"}})
    text = form.read_bytes().decode("utf-8-sig")
    assert "As of,2011-12-20," in text
    form.write_bytes(("\ufeff" + text.replace("As of,2011-12-20,", "As of,,")).encode())
    before = registry.read_bytes()
    line = one_line(ct("intake", str(form), registry=registry), 1)
    assert "'yesterday' counts from the form's date" in line and "row 3" in line
    assert registry.read_bytes() == before


# d. HTML and links in a note, through the Markdown and HTML bulletins

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"
MORE = " <javascript:alert(2)> ![y](data:text/html,hi) &#60;b&#62;"


def permissive_html(markdown: str) -> str:
    """The Markdown as a viewer that renders raw HTML and every link would show it."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    parser.validateLink = lambda url: True  # (markdown-it would drop javascript: itself)
    return parser.render(markdown)


def test_a_note_never_becomes_html_or_a_link_in_the_bulletin(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    done = ct("mark", "coop-05", "--note", HOSTILE + MORE, "--date", "2011-12-19",
              registry=registry)
    assert done.returncode == 0, done.stderr
    md = ct("bulletin", "--since", "2011-12-13", "--until", "2011-12-20", "--format", "md",
            registry=registry)
    assert md.returncode == 0, md.stderr
    (row,) = [line for line in md.stdout.splitlines() if "alert(1)" in line]
    assert "<" not in row and ">" not in row and "](" not in row.replace("\\](", "")
    shown = permissive_html(md.stdout)
    for bad in ("<script", "<img", "href=\"javascript:", "src=\"data:", "<a ", "<b>"):
        assert bad not in shown, (bad, shown)
    # what the reader sees is the note, as typed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "[x](javascript:alert(1))" in shown and "&amp;#60;b&amp;#62;" in shown
    page = ct("bulletin", "--since", "2011-12-13", "--until", "2011-12-20", "--format",
              "html", registry=registry)
    assert page.returncode == 0, page.stderr
    for bad in ("<script", "<img", "<a ", "<b>"):
        assert bad not in page.stdout, bad
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.stdout


# e. A write that did not land is never listed by `undo --list`


def undo_list(registry: Path) -> list[str]:
    done = ct("undo", "--list", registry=registry)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.fixture
def small_disk(tmp_path: Path):  # noqa: ANN201 - a generator fixture
    """A 2 MB tmpfs of its own (root only), unmounted at the end."""
    if not POSIX or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not allowed here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_write_that_hits_a_full_disk_leaves_no_journal_entry(small_disk: Path) -> None:
    registry = small_disk / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    assert ct("mark", "coop-05", "-p", "5", "--date", "2011-06-01",
              registry=registry).returncode == 0
    (listed,) = undo_list(registry)
    # room for the journal entry (a few KB: what the write replaces), not for the new
    # registry beside the old one
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    (small_disk / "fill").write_bytes(b"\0" * (free - 64 * 1024))
    before = registry.read_bytes()
    line = one_line(ct("mark", "coop-05", "-p", "10", "--date", "2011-07-01",
                       registry=registry), 1)
    assert registry.read_bytes() == before
    assert undo_list(registry) == [listed]
    assert sorted(p.name for p in (small_disk / "projects.toml.journal").iterdir()) == [
        "000001.json", "000001.undo"]
    assert "No space left on device" in line and str(registry) in line
    # room again: the next write and its undo work, and undo takes back the one before
    (small_disk / "fill").unlink()
    assert ct("mark", "coop-05", "-p", "10", "--date", "2011-07-01",
              registry=registry).returncode == 0
    assert len(undo_list(registry)) == 2
    assert ct("undo", registry=registry).returncode == 0
    assert registry.read_bytes() == before and undo_list(registry) == [listed]


def test_a_write_killed_before_it_replaced_the_registry_is_not_listed(tmp_path: Path) -> None:
    from circletrack.storage import journal

    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    assert ct("mark", "coop-05", "-p", "5", "--date", "2011-06-01",
              registry=registry).returncode == 0
    (listed,) = undo_list(registry)
    # what a write killed between its journal entry and the rename leaves behind
    journal.record(registry, registry.read_bytes(), b"never written", "circletrack mark", "x")
    assert len(journal.entries(registry)) == 2
    assert undo_list(registry) == [listed]
