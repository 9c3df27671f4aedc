"""Hardening: files as people keep them (links, shared folders, leftovers), and hostile input
that fails in one line without a traceback, leaving the registry as it was."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SMALL
from write_helpers import child_env, invoke

from circletrack.storage import Location, journal, load
from circletrack.storage.files import locked

POSIX = os.name == "posix"
ROOT_ONLY = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                               reason="needs root to act as two users of one group")


def one_line_error(result: object, code: int = 2) -> str:
    assert result.exit_code == code, result.output  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output  # type: ignore[attr-defined]
    return lines[0]


# Links


def test_a_symlinked_registry_is_written_through_and_stays_a_link(small_registry: Path,
                                                                   tmp_path: Path) -> None:
    link = tmp_path / "elsewhere" / "link.toml"
    link.parent.mkdir()
    link.symlink_to(small_registry)
    result = invoke(link, "mark", "coop-01", "-p", "20", "--date", "2011-06-01")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and load(Location(small_registry, "option")).get(
        "coop-01").progress == 20  # type: ignore[union-attr]
    assert journal.journal_dir(small_registry).is_dir()
    assert not journal.journal_dir(link).exists()  # the journal sits beside the real file
    assert invoke(link, "undo").exit_code == 0
    assert load(Location(small_registry, "option")).get("coop-01").progress is None  # type: ignore[union-attr]


def test_a_link_and_the_real_path_share_one_lock(small_registry: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(small_registry)
    before = small_registry.read_bytes()
    with locked(small_registry):
        result = invoke(link, "mark", "coop-01", "-p", "20", "--date", "2011-06-01",
                        env={"CIRCLETRACK_LOCK_TIMEOUT": "0.2"})
    line = one_line_error(result, 1)
    assert "locked by another circletrack process (held by" in line and "pid" in line
    assert small_registry.read_bytes() == before


@pytest.mark.skipif(not POSIX, reason="hard links")
def test_a_hard_linked_registry_is_not_split(small_registry: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-name.toml"
    os.link(small_registry, other)
    before = small_registry.read_bytes()
    line = one_line_error(invoke(other, "mark", "coop-01", "-p", "20"), 1)
    assert "has 2 hard links" in line
    assert small_registry.read_bytes() == other.read_bytes() == before


# Shared by a group


GROUP, ALICE, BOB = 4242, 4101, 4102


#: Run circletrack as another user. The interpreter lives under /root here (as in CI), which
#: other users cannot enter, so the child starts as root and runs the same command once on a
#: scratch copy of the registry (which loads every module the command needs), and only then
#: becomes the user and runs it for real: what it reads and writes then is as that user.
BECOME = """
import contextlib, encodings.utf_8_sig, os, shutil, sys, tempfile
from circletrack.cli import main
group, uid, registry, args = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
with tempfile.TemporaryDirectory() as scratch:
    copy = os.path.join(scratch, "warm-up.toml")
    shutil.copyfile(registry, copy)
    sys.argv = ["circletrack", *args, "--registry", copy]
    os.environ["CIRCLETRACK_CACHE"] = "off"  # root must not fill the user's cache folder
    with contextlib.redirect_stdout(open(os.devnull, "w")), \\
            contextlib.redirect_stderr(open(os.devnull, "w")), contextlib.suppress(SystemExit):
        main()
del os.environ["CIRCLETRACK_CACHE"]
os.setgroups([])
os.setgid(group)
os.setuid(uid)
os.umask(0o022)
sys.argv = ["circletrack", *args, "--registry", registry]
main()
"""


def _as(uid: int, registry: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**child_env(), "CIRCLETRACK_USER": f"user{uid}", "CIRCLETRACK_CACHE_DIR": str(cache),
           "HOME": str(cache.parent), "CIRCLETRACK_LANG": "en"}
    return subprocess.run([sys.executable, "-c", BECOME, str(GROUP), str(uid), str(registry),
                           *args], env=env, capture_output=True, text=True, timeout=60,
                          check=False)


@ROOT_ONLY
def test_two_users_of_one_group_write_undo_and_lock_in_turn() -> None:
    import shutil
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(prefix="circletrack-group-"))  # pytest's are root-only
    try:
        tmp_path.chmod(0o755)
        _two_users(tmp_path)
    finally:
        shutil.rmtree(tmp_path)


def _two_users(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chown(shared, ALICE, GROUP)
    shared.chmod(0o2775)  # setgid: new files take the group
    registry = shared / "projects.toml"
    registry.write_text(SMALL, encoding="utf-8")
    os.chown(registry, ALICE, GROUP)
    registry.chmod(0o664)
    caches = {}
    for uid in (ALICE, BOB):
        home = tmp_path / f"home{uid}"
        home.mkdir()
        os.chown(home, uid, GROUP)
        caches[uid] = home / "cache"
    steps = [(ALICE, ("mark", "coop-01", "-p", "10", "--date", "2011-05-01")),
             (BOB, ("mark", "coop-01", "-p", "20", "--date", "2011-06-01")),
             (ALICE, ("mark", "rail-hangshao", "-p", "30", "--date", "2019-01-01")),
             (BOB, ("undo",)),
             (ALICE, ("undo",)),
             (BOB, ("mark", "coop-01", "-p", "40", "--date", "2011-07-01"))]
    for uid, args in steps:
        done = _as(uid, registry, caches[uid], *args)
        assert done.returncode == 0, (uid, args, done.stderr)
    item = load(Location(registry, "option")).get("coop-01")
    assert item is not None and [r.progress for r in item.history] == [10, 40]
    for made in (registry, *journal.journal_dir(registry).iterdir(),
                 registry.with_name("projects.toml.lock")):
        info = made.stat()
        assert info.st_gid == GROUP, made
        assert info.st_mode & 0o060 == 0o060 or made.is_dir(), (made, oct(info.st_mode))


# Leftovers, init --force, damaged journal, the lock's wait


def test_temporary_files_of_a_killed_write_are_removed_by_the_next(small_registry: Path) -> None:
    leftover = small_registry.with_name(f".{small_registry.name}.abcd1234.tmp")
    leftover.write_bytes(b"half a registry")
    unrelated = small_registry.with_name(".report.csv.abcd.tmp")
    unrelated.write_bytes(b"someone else's")
    assert invoke(small_registry, "mark", "coop-01", "-p", "5").exit_code == 0
    assert not leftover.exists() and unrelated.exists()


def test_init_force_locks_journals_and_can_be_undone(small_registry: Path) -> None:
    before = small_registry.read_bytes()
    result = invoke(None, "init", str(small_registry), "--force")
    assert result.exit_code == 0, result.output
    assert small_registry.read_bytes() != before
    assert [e.label for e in journal.entries(small_registry)] == [
        f"init --force {small_registry}"]
    assert invoke(small_registry, "undo").exit_code == 0
    assert small_registry.read_bytes() == before
    with locked(small_registry):
        os.environ["CIRCLETRACK_LOCK_TIMEOUT"] = "0.1"
        try:
            line = one_line_error(invoke(None, "init", str(small_registry), "--force"), 1)
        finally:
            del os.environ["CIRCLETRACK_LOCK_TIMEOUT"]
    assert "locked by another circletrack process" in line


@pytest.mark.skipif(not POSIX, reason="runs the printed line in sh")
@pytest.mark.parametrize("name", ["circle.toml", "my circle's registry.toml"])
def test_init_suggests_a_line_that_works_from_another_folder(tmp_path: Path,
                                                             name: str) -> None:
    from program import SCRIPT, run

    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir(), elsewhere.mkdir()
    result = run(["--lang", "en", "init", name], cwd=work)
    assert result.returncode == 0, result.stderr
    suggestion = result.stdout.splitlines()[-1]
    export = suggestion[suggestion.index("export "):]
    # the user pastes the line into a shell, changes folder, and writes
    script = f'{export}\ncd "$1" && "$2" mark coop-01 -p 5 --source test && "$2" show coop-01'
    done = subprocess.run(["sh", "-c", script, "sh", str(elsewhere), str(SCRIPT)],
                          capture_output=True, text=True, encoding="utf-8",
                          env=child_env())
    assert done.returncode == 0, done.stderr
    assert not list(elsewhere.iterdir())
    (item,) = [i for i in load(Location(work / name, "option")).items if i.id == "coop-01"]
    assert item.history[-1].progress == 5


def test_a_damaged_journal_entry_blocks_writes_and_says_how_to_go_on(
        small_registry: Path) -> None:
    assert invoke(small_registry, "mark", "coop-01", "-p", "5").exit_code == 0
    (entry,) = journal.journal_dir(small_registry).glob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    before = small_registry.read_bytes()
    line = one_line_error(invoke(small_registry, "mark", "coop-01", "-p", "6"), 1)
    assert str(entry) in line and "move it out of the journal folder" in line
    assert small_registry.read_bytes() == before


@pytest.mark.parametrize("value", ["soon", "-1", "1e9"])
def test_a_bad_lock_timeout_is_a_usage_error(small_registry: Path, value: str) -> None:
    line = one_line_error(invoke(small_registry, "mark", "coop-01", "-p", "5",
                                 env={"CIRCLETRACK_LOCK_TIMEOUT": value}), 2)
    assert "CIRCLETRACK_LOCK_TIMEOUT" in line


# --output


@pytest.mark.skipif(not POSIX, reason="FIFOs and devices")
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_output_force_refuses_what_is_not_a_regular_file(small_registry: Path, tmp_path: Path,
                                                         kind: str) -> None:
    target = tmp_path / "fifo"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target = Path("/dev/null")
    line = one_line_error(invoke(small_registry, "export", "-f", "csv", "-o", str(target),
                                 "--force"), 2)
    assert "not a regular file" in line
    assert stat.S_ISFIFO(target.stat().st_mode) or stat.S_ISCHR(target.stat().st_mode)


def test_output_force_never_writes_through_a_link(small_registry: Path,
                                                 tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    result = invoke(small_registry, "export", "-f", "csv", "-o", str(link), "--force")
    line = one_line_error(result, 2)
    assert "is a symbolic link; circletrack does not write through links" in line
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "old"


def test_output_into_a_missing_folder_names_the_file_asked_for(small_registry: Path,
                                                               tmp_path: Path) -> None:
    wanted = tmp_path / "missing" / "x.csv"
    line = one_line_error(invoke(small_registry, "export", "-o", str(wanted)), 1)
    assert str(wanted) in line and ".tmp" not in line


# Hostile registries and imports


@pytest.mark.parametrize(("text", "message"), [
    ("schema = 2\nx = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("schema = 2\nx = " + "1" * 5000 + "\n", "malformed TOML"),
    (SMALL.replace("value = 700", "value = nan"), "target.value: must be a finite number"),
    (SMALL.replace("value = 700", "value = inf"), "target.value: must be a finite number"),
    (SMALL.replace("due = 2025-12-31", "due = 9999-12-31"), "outside the dates a registry holds"),
    (SMALL.replace('id = "coop-01"', 'id = ["a"]'), "id: is required and must be a string"),
])
def test_a_hostile_registry_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()
    for args in (("list",), ("show", "coop-01"), ("mark", "coop-01", "-p", "5")):
        line = one_line_error(invoke(path, *args), 1)
        assert message in line, line
    assert path.read_bytes() == before


@pytest.mark.parametrize(("content", "message"), [
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
    ('[{"id": "x", "kind": "project", "title": "t", "created": "2020-01-01", "facts": '
     '[{"key": "length", "label": "l", "unit": "km", "source": "plan-2011", "value": '
     + "1" * 5000 + "}]}]", "not JSON circletrack can read"),
    ('[{"id": "x", "kind": "milestone", "title": "t", "created": "2020-01-01", '
     '"target": {"value": NaN, "year": 2025}}]', "must be a finite number"),
    ('[{"id": ["a"], "kind": "project", "title": "t", "created": "2020-01-01"}]',
     "is required and must be a string"),
    ('[{"id": "x", "kind": "project", "title": "t", "created": "2020-01-01", '
     '"lead": "市交通局"}]', "lead: must be a list of non-empty strings"),
    ('[{"id": "x", "kind": "project", "title": "t", "created": "2020-01-01", "history": '
     '[{"date": "2020-01-02", "status": "planned", "source": "s", "note": "'
     + "长" * 30000 + '"}]}]', "a field holds at most 20000"),
    ('[{"id": "x", "kind": "project", "title": "t", "created": "2020-01-01", "content": "'
     + "\\n" * 2_500_000 + '"}]', "a field holds at most 200"),
])
def test_a_hostile_import_is_one_line_and_changes_nothing(small_registry: Path, tmp_path: Path,
                                                          content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    before = small_registry.read_bytes()
    line = one_line_error(invoke(small_registry, "import", str(bad)), 2)
    assert message in line, line
    assert small_registry.read_bytes() == before


def test_a_huge_note_is_refused_on_the_command_line(small_registry: Path) -> None:
    before = small_registry.read_bytes()
    line = one_line_error(invoke(small_registry, "mark", "coop-01", "--note", "长" * 20_001), 2)
    assert "--note: is too long" in line
    assert small_registry.read_bytes() == before


def test_far_dates_are_refused_on_input_and_every_exporter_is_total(small_registry: Path) -> None:
    before = small_registry.read_bytes()
    line = one_line_error(invoke(small_registry, "edit", "coop-01", "--due", "9999-12-31",
                                 "--reason", "x"), 2)
    assert "--due: 9999-12-31 is outside the dates a registry holds" in line
    assert small_registry.read_bytes() == before
    assert invoke(small_registry, "edit", "coop-01", "--due", "2199-12-31", "--reason",
                  "the last day a registry holds").exit_code == 0
    for fmt in ("ics", "csv", "json", "md", "taskwarrior"):
        result = invoke(small_registry, "export", "-f", fmt)
        assert result.exit_code == 0, (fmt, result.output)


@pytest.mark.skipif(not POSIX, reason="FIFOs and devices")
@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_fifo_or_a_device_as_the_registry_is_refused(tmp_path: Path, kind: str) -> None:
    path = Path("/dev/zero")
    if kind == "fifo":
        path = tmp_path / "registry.fifo"
        os.mkfifo(path)
    for args in (("list",), ("mark", "coop-01", "-p", "5"), ("validate",)):
        line = one_line_error(invoke(path, *args), 1)
        assert "not a regular file" in line


def test_stdout_that_cannot_encode_chinese(small_registry: Path) -> None:
    env = {**child_env(), "PYTHONIOENCODING": "ascii", "CIRCLETRACK_LANG": "zh"}
    for args in (("show", "coop-01"), ("list",), ("status",), ("mark", "nowhere", "-p", "5")):
        done = subprocess.run([sys.executable, "-m", "circletrack", *args, "--registry",
                               str(small_registry)], env=env, capture_output=True, timeout=60,
                              check=False)
        assert b"Traceback" not in done.stderr, done.stderr
        assert done.returncode == (2 if args[0] == "mark" else 0), done.stderr
    json_out = subprocess.run([sys.executable, "-m", "circletrack", "show", "coop-01", "-f",
                               "json", "--registry", str(small_registry)], env=env,
                              capture_output=True, timeout=60, check=True)
    assert json.loads(json_out.stdout.decode("utf-8"))["title"] == "省级产业集聚区规划建设"


@pytest.mark.skipif(not POSIX, reason="FIFOs and devices")
@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_fifo_or_a_device_to_import_is_refused_at_once(small_registry: Path, tmp_path: Path,
                                                         kind: str) -> None:
    path = Path("/dev/zero")
    if kind == "fifo":
        path = tmp_path / "import.fifo"
        os.mkfifo(path)
    before = small_registry.read_bytes()
    line = one_line_error(invoke(small_registry, "import", str(path)), 2)
    assert line == f"Error: {path} is not a regular file; name a JSON file"
    assert small_registry.read_bytes() == before


def test_an_id_longer_than_64_characters_is_refused(small_registry: Path) -> None:
    before = small_registry.read_bytes()
    line = one_line_error(invoke(small_registry, "add", "--kind", "project", "--title", "x",
                                 "--id", "i" * 30_000), 2)
    assert line.startswith("Error: --id: 'iiii") and "at most 64" in line
    assert len(line) < 300
    assert small_registry.read_bytes() == before
    assert invoke(small_registry, "add", "--kind", "project", "--title", "x",
                  "--id", "i" * 64).exit_code == 0


def test_a_closed_stdout_is_one_line_and_does_nothing(small_registry: Path) -> None:
    before = small_registry.read_bytes()
    for args in (("list",), ("export",), ("mark", "coop-01", "-p", "5")):
        done = subprocess.run(
            ["sh", "-c", f'exec "$0" -m circletrack "$@" --registry "{small_registry}" >&-',
             sys.executable, *args], env=child_env(), capture_output=True, timeout=60)
        assert done.returncode == 1
        assert done.stderr.decode() == "Error: standard output is closed; nothing was done\n"
    assert small_registry.read_bytes() == before


@pytest.mark.parametrize("command", ["overdue", "stale"])
def test_closed_statuses_are_refused_where_they_can_never_match(small_registry: Path,
                                                                command: str) -> None:
    line = one_line_error(invoke(small_registry, command, "--status", "done"), 2)
    assert line.startswith(f"Error: --status: done items are never {command}")
