"""The registry's three-way merge: the rules, the conflict file, `validate` and the read
commands on it, the merge command, and undo after a merge."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from merge_helpers import USER, add, changed, edit, mark
from typer.testing import CliRunner

from circletrack.base.errors import ConflictError, RegistryInvalid, UnresolvedConflicts
from circletrack.cli import app
from circletrack.model.records import current_state
from circletrack.storage import Location, codec, journal, load, undo
from circletrack.sync.merge import (
    ADDED_BOTH,
    CHANGED_BOTH,
    DELETED_OURS,
    DELETED_THEIRS,
    INVALID,
    UNREADABLE,
    merge_registries,
)

MARKERS = re.compile(r"^(<<<<<<< ours|=======|>>>>>>> theirs)$", re.M)


@pytest.fixture(scope="module")
def base() -> bytes:
    """The shipped registry's bytes."""
    from conftest import SHIPPED

    return SHIPPED.read_bytes()


def item(data: bytes, item_id: str):  # noqa: ANN201 - an Item
    found = codec.loads(data).get(item_id)
    assert found is not None, item_id
    return found


def test_reports_on_different_items_merge_cleanly_and_canonically(base: bytes) -> None:
    ours = changed(base, lambda r: mark(r, "coop-12", progress="40", date="2024-05-01"))
    theirs = changed(base, lambda r: mark(r, "rail-hangshao", progress="50", date="2024-05-02"))
    result = merge_registries(base, ours, theirs)
    assert result.clean and result.readable
    assert (result.from_ours, result.from_theirs) == (1, 1)
    assert result.data == codec.dumps(codec.loads(result.data))  # canonical
    assert codec.problems_in(result.data) == []
    assert item(result.data, "coop-12").progress == 40
    assert item(result.data, "rail-hangshao").progress == 50
    # applying both changes to one file gives the same bytes
    both = changed(base, lambda r: mark(r, "coop-12", progress="40", date="2024-05-01"),
                   lambda r: mark(r, "rail-hangshao", progress="50", date="2024-05-02"))
    assert result.data == both


def test_reports_on_one_item_are_all_kept_in_date_order_and_state_follows(base: bytes) -> None:
    ours = changed(base, lambda r: mark(r, "coop-12", progress="60", note="ours, later",
                                        date="2024-05-10"))
    theirs = changed(base,
                     lambda r: mark(r, "coop-12", progress="30", note="theirs", date="2024-05-01"),
                     lambda r: mark(r, "coop-12", status="blocked", note="theirs, same day",
                                    date="2024-05-10"))
    result = merge_registries(base, ours, theirs)
    assert result.clean
    merged = item(result.data, "coop-12")
    notes = [r.note for r in merged.history if r.date.year == 2024]
    # one date: base's reports, then ours', then theirs'
    assert notes == ["theirs", "ours, later", "theirs, same day"]
    assert (merged.status, merged.progress) == current_state(merged.history) == ("blocked", 60)


def test_a_report_both_sides_added_is_kept_once(base: bytes) -> None:
    ours = changed(base, lambda r: mark(r, "coop-12", progress="40", note="n", by="王芳"))
    theirs = changed(base, lambda r: mark(r, "coop-12", progress="40", note="n", by="李明",
                                          source="another source"))
    result = merge_registries(base, ours, theirs)
    assert result.clean
    reports = [r for r in item(result.data, "coop-12").history if r.note == "n"]
    assert len(reports) == 1 and reports[0].by == "王芳"
    assert result.data == ours


def test_a_field_changed_on_one_side_takes_that_value(base: bytes) -> None:
    ours = changed(base, lambda r: edit(r, "coop-12", title="ours title"))
    theirs = changed(base, lambda r: edit(r, "coop-12", tags=["theirs tag"]))
    result = merge_registries(base, ours, theirs)
    assert result.clean
    merged = item(result.data, "coop-12")
    assert (merged.title, merged.tags) == ("ours title", ("theirs tag",))


def test_the_same_change_on_both_sides_is_taken_once(base: bytes) -> None:
    ours = changed(base, lambda r: edit(r, "coop-12", title="same"))
    result = merge_registries(base, ours, ours)
    assert result.clean and result.data == ours


def test_two_changes_of_one_field_are_a_conflict_marked_around_that_item_only(
        base: bytes) -> None:
    ours = changed(base, lambda r: edit(r, "coop-12", title="ours title"),
                   lambda r: mark(r, "coop-13", progress="20", note="ours on coop-13"))
    theirs = changed(base, lambda r: edit(r, "coop-12", title="theirs title", tags=["t"]),
                     lambda r: mark(r, "coop-12", progress="35", note="theirs on coop-12"))
    result = merge_registries(base, ours, theirs)
    assert not result.clean
    assert [(c.key, c.field, c.reason) for c in result.conflicts] == [
        ("coop-12", "title", CHANGED_BOTH)]
    assert {c.key for c in result.conflicts if c.kind == "item"} == {"coop-12"}
    text = result.data.decode("utf-8")
    assert MARKERS.findall(text) == ["<<<<<<< ours", "=======", ">>>>>>> theirs"]
    start, middle, end = (text.index(m) for m in ("<<<<<<< ours\n", "=======\n",
                                                  ">>>>>>> theirs\n"))
    ours_part, theirs_part = text[start:middle], text[middle:end]
    assert ours_part.count("[[items]]") == theirs_part.count("[[items]]") == 1
    assert 'id = "coop-12"' in ours_part and 'title = "ours title"' in ours_part
    assert 'title = "theirs title"' in theirs_part
    # both versions hold what merged cleanly: theirs' tag and report on the item
    for part in (ours_part, theirs_part):
        assert '"t"' in part and "theirs on coop-12" in part
    # everything else is merged: ours' report on coop-13
    assert "ours on coop-13" in text[end:] or "ours on coop-13" in text[:start]
    # keeping either version gives a valid registry
    for keep in (ours_part, theirs_part):
        resolved = text[:start] + keep.split("\n", 1)[1] + text[end:].split("\n", 1)[1]
        resolved = resolved.replace("=======\n", "")
        assert codec.problems_in(resolved.encode("utf-8")) == []


def test_due_moves_of_both_sides_are_kept_and_two_new_dates_conflict(base: bytes) -> None:
    ours = changed(base, lambda r: edit(r, "coop-12", due="2025-06-30", reason="ours"))
    same = changed(base, lambda r: edit(r, "coop-12", due="2025-06-30", reason="theirs"))
    result = merge_registries(base, ours, same)
    assert result.clean
    merged = item(result.data, "coop-12")
    assert [m.reason for m in merged.due_changes] == ["ours", "theirs"]
    assert str(merged.due) == "2025-06-30" and str(merged.original_due) == "2011-12-31"
    other = changed(base, lambda r: edit(r, "coop-12", due="2026-01-31", reason="theirs"))
    result = merge_registries(base, ours, other)
    assert [(c.key, c.field, c.reason) for c in result.conflicts] == [
        ("coop-12", "due", CHANGED_BOTH)]
    one_side = changed(base, lambda r: edit(r, "coop-12", title="t"))
    assert item(merge_registries(base, ours, one_side).data, "coop-12").due_changes[0].reason \
        == "ours"


def test_items_added_on_either_side_are_kept_ours_first(base: bytes) -> None:
    ours = changed(base, lambda r: add(r, item_id="prj-ours", title="ours new"))
    theirs = changed(base, lambda r: add(r, item_id="prj-theirs-1", title="theirs 1"),
                     lambda r: add(r, item_id="prj-theirs-2", title="theirs 2"))
    result = merge_registries(base, ours, theirs)
    assert result.clean
    ids = [i.id for i in codec.loads(result.data).items]
    assert ids[-3:] == ["prj-ours", "prj-theirs-1", "prj-theirs-2"]


def test_one_id_added_on_both_sides_with_different_content_is_a_conflict(base: bytes) -> None:
    ours = changed(base, lambda r: add(r, title="ours new"))
    theirs = changed(base, lambda r: add(r, title="theirs new"))
    result = merge_registries(base, ours, theirs)
    new_id = codec.loads(ours).items[-1].id
    assert [(c.key, c.field, c.reason) for c in result.conflicts] == [
        (new_id, "title", ADDED_BOTH)]


def _without(item_id: str):  # noqa: ANN202 - a change
    def remove(registry) -> None:  # noqa: ANN001
        registry.items = [i for i in registry.items if i.id != item_id]
    return remove


def test_deleted_on_one_side_and_changed_on_the_other_is_a_conflict(base: bytes) -> None:
    deleted = changed(base, _without("coop-22a"))
    edited = changed(base, lambda r: edit(r, "coop-22a", title="changed"))
    result = merge_registries(base, deleted, edited)
    assert [(c.key, c.field, c.reason) for c in result.conflicts] == [
        ("coop-22a", "title", DELETED_OURS)]
    text = result.data.decode("utf-8")
    assert "<<<<<<< ours\n=======\n[[items]]\nid = \"coop-22a\"" in text
    result = merge_registries(base, edited, deleted)
    assert [c.reason for c in result.conflicts] == [DELETED_THEIRS]
    # deleted on one side, left alone on the other: deleted
    untouched = changed(base, lambda r: mark(r, "coop-12", progress="10"))
    result = merge_registries(base, deleted, untouched)
    assert result.clean and codec.loads(result.data).get("coop-22a") is None


def test_sources_merge_by_key_and_field(base: bytes) -> None:
    from circletrack.model.records import Source

    def source(key: str, title: str):  # noqa: ANN202 - a change
        def put(registry) -> None:  # noqa: ANN001
            registry.sources[key] = Source(id=key, title=title, publisher="p",
                                           date=codec.loads(base).sources["plan-2011"].date)
        return put

    ours = changed(base, source("ours-src", "a"))
    theirs = changed(base, source("theirs-src", "b"))
    result = merge_registries(base, ours, theirs)
    assert result.clean
    assert {"ours-src", "theirs-src"} <= set(codec.loads(result.data).sources)
    result = merge_registries(base, changed(base, source("plan-2011", "ours")),
                              changed(base, source("plan-2011", "theirs")))
    assert ("source", "plan-2011", "title") in {(c.kind, c.key, c.field)
                                                for c in result.conflicts}
    text = result.data.decode("utf-8")
    assert "<<<<<<< ours\n[sources.plan-2011]\n" in text
    with pytest.raises(UnresolvedConflicts) as caught:
        codec.loads(result.data)
    assert caught.value.names == ["source plan-2011"]


def test_a_merge_that_would_be_invalid_is_a_conflict(base: bytes) -> None:
    # ours makes coop-03 the same event as coop-01 (it may then hold no reports of its
    # own); theirs records a report on coop-03: each is valid, together they are not.
    ours = changed(base, lambda r: edit(r, "coop-03", same_as="coop-01"))
    theirs = changed(base, lambda r: mark(r, "coop-03", progress="10"))
    assert codec.problems_in(ours) == [] and codec.problems_in(theirs) == []
    result = merge_registries(base, ours, theirs)
    assert not result.clean
    assert {(c.key, c.field, c.reason) for c in result.conflicts} == {
        ("coop-03", "history", INVALID)}
    text = result.data.decode("utf-8")
    start, end = text.index("<<<<<<< ours\n"), text.index(">>>>>>> theirs\n")
    assert 'same_as = "coop-01"' in text[start:end] and "progress = 10" in text[start:end]
    with pytest.raises(UnresolvedConflicts) as caught:
        codec.loads(result.data)
    assert caught.value.names == ["coop-03"]


def test_an_unreadable_side_is_a_conflict_and_ours_is_left_as_it_was(base: bytes) -> None:
    ours = changed(base, lambda r: mark(r, "coop-12", progress="10"))
    result = merge_registries(base, ours, b"schema = [")
    assert not result.clean and not result.readable
    assert result.data == ours
    assert [(c.key, c.reason) for c in result.conflicts] == [("theirs", UNREADABLE)]
    assert "malformed TOML" in result.conflicts[0].detail


def test_an_empty_base_merges_two_added_registries(base: bytes) -> None:
    result = merge_registries(b"", base, changed(base, lambda r: mark(r, "coop-12",
                                                                       progress="10")))
    assert result.clean and item(result.data, "coop-12").progress == 10


def test_the_result_is_canonical_whether_or_not_ours_was(base: bytes, tmp_path: Path) -> None:
    from circletrack.storage.index import digest

    ours = changed(base, lambda r: mark(r, "coop-12", progress="40"))
    theirs = changed(base, lambda r: edit(r, "rail-hangshao", title="杭绍城际"))
    full = codec.dumps(codec.loads(merge_registries(base, ours, theirs).data))
    # hand-edited ours: a comment and blank lines circletrack would not write
    hand = ours.replace(b"\n[[items]]\n", b"\n\n# by hand\n[[items]]\n", 1)
    assert merge_registries(base, hand, theirs).data == full
    # ours known canonical (circletrack wrote it here): only changed tables re-serialised
    from circletrack.storage import update_journaled
    from circletrack.storage.index import Index

    registry = tmp_path / "projects.toml"
    registry.write_bytes(base)
    update_journaled(Location(registry, "option"),
                     lambda r: mark(r, "coop-12", progress="40"), "mark", user=USER)
    ours = registry.read_bytes()
    index = Index.of(registry)
    assert index is not None
    known = index.read(digest(ours))
    assert known is not None and known.canonical and known.registry == codec.loads(ours)
    assert merge_registries(base, ours, theirs, registry).data == full


def test_messages_are_in_chinese_with_lang_zh(tmp_path: Path, base: bytes) -> None:
    files = [tmp_path / f"{n}.toml" for n in ("base", "ours", "theirs")]
    files[0].write_bytes(base)
    files[1].write_bytes(changed(base, lambda r: edit(r, "coop-12", title="甲")))
    files[2].write_bytes(changed(base, lambda r: edit(r, "coop-12", title="乙")))
    result = CliRunner().invoke(app, ["--lang", "zh", "merge", *map(str, files)])
    assert result.exit_code == 1
    assert "coop-12：title：双方都改了（ours 甲，theirs 乙）" in result.stderr
    listed = CliRunner().invoke(app, ["--lang", "zh", "list", "--registry", str(files[1])])
    assert "有未解决的合并冲突" in listed.stderr


def test_one_report_changes_only_a_few_lines_of_the_file(base: bytes) -> None:
    after = changed(base, lambda r: mark(r, "coop-10", progress="40", note="主体推进"))
    diff = [line for line in difflib.unified_diff(base.decode().splitlines(),
                                                  after.decode().splitlines(), n=0, lineterm="")
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert 1 <= len(diff) <= 10, diff


# A file left with conflict markers


def test_conflict_regions_name_the_item_a_text_conflict_starts_inside() -> None:
    from conftest import SMALL

    text = SMALL.replace('progress = 25\n', '<<<<<<< HEAD\nprogress = 30\n=======\n'
                         'progress = 35\n>>>>>>> origin/main\n', 1)
    regions = codec.conflict_regions(text)
    assert [(r.names) for r in regions] == [("rail-hangshao",)]
    with pytest.raises(UnresolvedConflicts) as caught:
        codec.loads(text.encode())
    assert caught.value.names == ["rail-hangshao"]
    assert "unresolved merge conflicts in rail-hangshao" in str(caught.value)


@pytest.fixture
def conflict_file(tmp_path: Path, base: bytes) -> Path:
    ours = changed(base, lambda r: edit(r, "coop-12", title="ours"),
                   lambda r: edit(r, "rail-hangshao", tags=["ours"]))
    theirs = changed(base, lambda r: edit(r, "coop-12", title="theirs"),
                     lambda r: edit(r, "rail-hangshao", tags=["theirs"]))
    path = tmp_path / "projects.toml"
    path.write_bytes(merge_registries(base, ours, theirs).data)
    return path


def test_validate_names_each_item_in_conflict(conflict_file: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--registry", str(conflict_file)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.split(": ")[1] for line in lines[:-1]] == ["coop-12", "rail-hangshao"]
    assert "unresolved merge conflicts in coop-12, rail-hangshao" in lines[-1]
    assert "malformed" not in result.stderr


@pytest.mark.parametrize("command", [["list"], ["show", "coop-01"], ["status"],
                                     ["mark", "coop-01", "-p", "5"]])
def test_every_command_refuses_a_file_in_conflict_in_one_line(conflict_file: Path,
                                                              command: list[str]) -> None:
    before = conflict_file.read_bytes()
    result = CliRunner().invoke(app, [*command, "--registry", str(conflict_file)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "has unresolved merge conflicts in coop-12, rail-hangshao" in result.stderr
    assert "circletrack validate" in result.stderr and "git add" in result.stderr
    assert conflict_file.read_bytes() == before


# The command, and undo after it


def test_merge_command_writes_over_ours_and_exits_by_conflict(tmp_path: Path,
                                                              base: bytes) -> None:
    files = {name: tmp_path / f"{name}.toml" for name in ("base", "ours", "theirs")}
    files["base"].write_bytes(base)
    files["ours"].write_bytes(changed(base, lambda r: edit(r, "coop-12", title="ours")))
    files["theirs"].write_bytes(changed(base, lambda r: mark(r, "coop-12", progress="9")))
    args = ["merge", *(str(files[n]) for n in ("base", "ours", "theirs"))]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "with no conflicts" in result.stderr
    merged = load(Location(files["ours"], "option")).get("coop-12")
    assert merged is not None and (merged.title, merged.progress) == ("ours", 9)
    files["theirs"].write_bytes(changed(base, lambda r: edit(r, "coop-12", title="theirs")))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "coop-12: title: changed on both sides (ours ours, theirs theirs)" in result.stderr
    assert "1 conflict in coop-12" in result.stderr


def test_merge_command_on_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["merge", str(tmp_path / "a"), str(tmp_path / "b"),
                                      str(tmp_path / "c")])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr == f"Error: registry not found: {tmp_path / 'a'}\n"


def test_undo_after_a_merge_refuses_naming_the_merge(tmp_path: Path, base: bytes,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    registry = Path("projects.toml")
    registry.write_bytes(base)
    runner = CliRunner()
    env = {"CIRCLETRACK_USER": USER}
    assert runner.invoke(app, ["mark", "coop-12", "-p", "20", "-d", "2024-01-01",
                               "--registry", str(registry)], env=env).exit_code == 0
    # what git does: the driver merges into a temporary OURS, then git copies it over
    for name, data in (("base", base), ("theirs", changed(base, lambda r: mark(
            r, "coop-13", progress="30")))):
        Path(f"{name}.toml").write_bytes(data)
    Path("ours.toml").write_bytes(registry.read_bytes())
    result = runner.invoke(app, ["merge", "base.toml", "ours.toml", "theirs.toml",
                                 str(registry)], env={**env, "GIT_REFLOG_ACTION": "pull",
                                                      "GITHEAD_" + "a" * 40: "origin/main"})
    assert result.exit_code == 0, result.output
    registry.write_bytes(Path("ours.toml").read_bytes())
    before = registry.read_bytes()
    result = runner.invoke(app, ["undo", "--registry", str(registry)])
    assert result.exit_code == 1
    assert "was changed by `circletrack merge` (git pull of origin/main, " in result.stderr
    assert "undo only takes back circletrack's own writes" in result.stderr
    assert registry.read_bytes() == before
    with pytest.raises(ConflictError):
        undo(Location(registry, "option"))
    notes = journal.merge_notes(registry)
    assert [n.sha256 for n in notes] == [journal.sha256(before)]


def test_undo_with_an_empty_journal_after_a_merge_names_it(tmp_path: Path, base: bytes) -> None:
    registry = tmp_path / "projects.toml"
    registry.write_bytes(base)
    journal.record_merge(registry, base, "git merge of topic")
    result = CliRunner().invoke(app, ["undo", "--registry", str(registry)])
    assert result.exit_code == 1
    assert "last changed by `circletrack merge` (git merge of topic" in result.stderr


def test_merge_notes_are_bounded_and_damaged_lines_skipped(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    for number in range(5):
        journal.record_merge(registry, str(number).encode(), f"m{number}", keep=3)
    with (journal.journal_dir(registry) / journal.MERGES_FILE).open("a") as handle:
        handle.write("not json\n")
    assert [n.label for n in journal.merge_notes(registry)] == ["m2", "m3", "m4"]


def test_an_invalid_merge_never_reads_as_valid(base: bytes) -> None:
    with pytest.raises(RegistryInvalid):
        codec.loads(b"<<<<<<< ours\n=======\n>>>>>>> theirs\n")
