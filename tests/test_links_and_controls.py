"""Issue 22's two holes, tried as an attacker would: links planted beside the registry
(through git, in a shared group folder, in an output folder) are never followed, and
control characters never reach a terminal (refused on input, reported by `validate`,
escaped on output). Each test runs the installed program against real files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import SHIPPED
from merge_helpers import REGISTRY, git, git_env, make_hub
from program import run

POSIX = os.name == "posix"
pytestmark = pytest.mark.skipif(not POSIX, reason="symbolic links and modes are POSIX here")


def ct(*args: str, registry: Path, env: dict[str, str] | None = None,
       cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run([*args, "--registry", str(registry)], cwd=cwd,
               env={"CIRCLETRACK_LANG": "en", "CIRCLETRACK_USER": "tester", **(env or {})})


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


# Links beside the registry, planted through git


@pytest.fixture
def pulled(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A victim's clone of a hub into which a colleague pushed links beside the registry:
    `projects.toml.lock-holder` → the victim's ~/.bashrc, `projects.toml.journal` → a
    folder of the attacker's choosing. Git's default config (symlinks checked out)."""
    env = git_env(tmp_path / "home")
    bashrc = tmp_path / "home" / ".bashrc"
    bashrc.write_text("alias ll='ls -l'\n", encoding="utf-8")
    bashrc.chmod(0o600)
    hub = make_hub(tmp_path, SHIPPED.read_bytes(), env)
    attacker = tmp_path / "attacker"
    git(["clone", "-q", str(hub), str(attacker)], tmp_path, env)
    for key, value in (("user.name", "mallory"), ("user.email", "m@example.org")):
        git(["config", key, value], attacker, env)
    (attacker / f"{REGISTRY}.lock-holder").symlink_to(os.path.relpath(bashrc, attacker))
    git(["add", "-A"], attacker, env)
    git(["commit", "-q", "-m", "innocent"], attacker, env)
    git(["push", "-q", "origin", "main"], attacker, env)
    victim = tmp_path / "victim"
    git(["clone", "-q", str(hub), str(victim)], tmp_path, env)
    assert (victim / f"{REGISTRY}.lock-holder").is_symlink()
    return victim, bashrc, env


def test_a_lock_note_link_from_git_is_replaced_never_followed(
        pulled: tuple[Path, Path, dict[str, str]]) -> None:
    victim, bashrc, env = pulled
    before = bashrc.read_bytes()
    done = ct("mark", "coop-05", "-p", "10", "--date", "2011-06-01",
              registry=victim / REGISTRY, env=env)
    assert done.returncode == 0, done.stderr
    assert bashrc.read_bytes() == before  # no "user@host pid N" in the victim's .bashrc
    assert bashrc.stat().st_mode & 0o777 == 0o600


def test_a_journal_link_from_git_refuses_the_write(tmp_path: Path,
                                                   pulled: tuple[Path, Path, dict[str, str]],
                                                   ) -> None:
    victim, _bashrc, env = pulled
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (victim / f"{REGISTRY}.journal").symlink_to(elsewhere)
    registry = victim / REGISTRY
    before = registry.read_bytes()
    line = one_line(ct("mark", "coop-05", "-p", "10", registry=registry, env=env), 1)
    assert "is a link" in line and "journal" in line
    assert registry.read_bytes() == before and not list(elsewhere.iterdir())
    assert one_line(ct("undo", registry=registry, env=env), 1) == line


def test_a_journal_entry_that_is_a_link_is_not_read(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    assert ct("mark", "coop-05", "-p", "10", registry=registry).returncode == 0
    (entry,) = (tmp_path / "projects.toml.journal").glob("*.undo")
    secret = tmp_path / "secret"
    secret.write_text("not a registry", encoding="utf-8")
    entry.unlink()
    entry.symlink_to(secret)
    before = registry.read_bytes()
    line = one_line(ct("undo", registry=registry), 1)
    assert "cannot be read" in line
    assert registry.read_bytes() == before


# In a shared setgid folder, as two users


ROOT_ONLY = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                               reason="needs root to act as two users of one group")


@ROOT_ONLY
def test_another_members_link_to_my_private_file_is_never_followed() -> None:
    from test_hardening import ALICE, BOB, GROUP, _as

    tmp = Path(tempfile.mkdtemp(prefix="circletrack-links-"))
    try:
        tmp.chmod(0o755)
        shared, home = tmp / "shared", tmp / "alice"
        shared.mkdir()
        home.mkdir()
        os.chown(shared, ALICE, GROUP)
        shared.chmod(0o2775)
        os.chown(home, ALICE, ALICE)
        home.chmod(0o700)
        secret = home / "secret.txt"
        secret.write_text("alice's own\n", encoding="utf-8")
        os.chown(secret, ALICE, ALICE)
        secret.chmod(0o600)
        registry = shared / "projects.toml"
        shutil.copyfile(SHIPPED, registry)
        os.chown(registry, ALICE, GROUP)
        registry.chmod(0o664)
        # bob, a member of the group, plants the link (as himself)
        planted = subprocess.run(
            [sys.executable, "-c", "import os,sys; os.setgroups([]); os.setgid(int(sys.argv[1]));"
             " os.setuid(int(sys.argv[2])); os.symlink(sys.argv[3], sys.argv[4])",
             str(GROUP), str(BOB), str(secret), str(shared / "projects.toml.lock-holder")],
            capture_output=True, text=True)
        assert planted.returncode == 0, planted.stderr
        caches = tmp / "caches"
        caches.mkdir()
        cache = caches / "alice"
        done = _as(ALICE, registry, cache, "mark", "coop-05", "-p", "10", "--date",
                   "2011-06-01")
        assert done.returncode == 0, done.stderr
        info = secret.stat()
        assert secret.read_text(encoding="utf-8") == "alice's own\n"
        assert (info.st_mode & 0o777, info.st_gid) == (0o600, ALICE)
    finally:
        shutil.rmtree(tmp)


# Output folders: --force never writes through a link


def test_force_never_writes_through_a_planted_link(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "市交通局-2011-12-20.xlsx").symlink_to(victim)
    line = one_line(ct("forms", str(out), "--as-of", "2011-12-20", "--unit", "交通", "--force",
                       registry=registry), 2)
    assert "is a symbolic link; circletrack does not write through links" in line
    (tmp_path / "overdue.csv").symlink_to(victim)
    line = one_line(ct("overdue", "-o", str(tmp_path / "overdue.csv"), "--force",
                       registry=registry), 2)
    assert "is a symbolic link" in line
    assert victim.read_text(encoding="utf-8") == "mine\n"


# Control characters


ESC, BEL, RLO = "\x1b", "\x07", "\u202e"


@pytest.mark.parametrize(("args", "option"), [
    (["mark", "coop-05", "--note", f"a{ESC}[2Jb"], "--note"),
    (["mark", "coop-05", "--note", f"x{BEL}"], "--note"),
    (["edit", "coop-05", "--title", f"x{ESC}]0;owned{BEL}"], "--title"),
    (["edit", "coop-05", "--tag", f"a{RLO}b"], "--tag"),
    (["add", "--kind", "project", "--title", f"新{ESC}[31m"], "--title"),
])
def test_control_characters_are_refused_on_input(tmp_path: Path, args: list[str],
                                                 option: str) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    line = one_line(ct(*args, registry=registry), 2)
    assert line.startswith(f"Error: {option}: holds the control character U+")
    assert ESC not in line and BEL not in line and RLO not in line
    assert registry.read_bytes() == SHIPPED.read_bytes()


def test_a_control_character_in_the_writers_name_is_refused(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    line = one_line(ct("mark", "coop-05", "--note", "ok", registry=registry,
                       env={"CIRCLETRACK_USER": f"x{ESC}[2J"}), 2)
    assert line == ("Error: CIRCLETRACK_USER holds the control character U+001B; set "
                    "CIRCLETRACK_USER to the name writes are recorded as")
    assert registry.read_bytes() == SHIPPED.read_bytes()


def test_a_hand_edited_control_character_is_reported_and_never_printed(tmp_path: Path) -> None:
    registry = tmp_path / "projects.toml"
    text = SHIPPED.read_text(encoding="utf-8").replace(
        'title = "省级产业集聚区规划建设"', 'title = "省级产业集聚区规划建设\\u001b[2J"', 1)
    registry.write_text(text, encoding="utf-8")
    checked = ct("validate", registry=registry)
    assert checked.returncode == 1
    assert "coop-01: title: holds the control character U+001B" in checked.stdout + checked.stderr
    for command in (["list"], ["show", "coop-01"], ["status"], ["overdue"]):
        done = ct(*command, registry=registry)
        assert done.returncode == 1 and ESC not in done.stdout + done.stderr


def test_what_still_reaches_the_terminal_is_escaped(tmp_path: Path) -> None:
    """A value typed on the command line comes back in an error: shown, not acted on."""
    done = ct("show", f"x{ESC}[2J{RLO}y", registry=SHIPPED)
    line = one_line(done, 2)
    assert ESC not in line and RLO not in line
    assert "\\x1b[2J" in line or "\\x1b" in line


def test_a_form_cell_with_a_control_character_is_refused(tmp_path: Path) -> None:
    from form_helpers import fill_csv

    registry = tmp_path / "projects.toml"
    shutil.copyfile(SHIPPED, registry)
    wrote = ct("forms", str(tmp_path / "out"), "--form-lang", "en", "--as-of", "2011-12-20", "--unit", "交通",
               "--format", "csv", registry=registry)
    assert wrote.returncode == 0, wrote.stderr
    on_record = registry.read_bytes()  # (the form put on record)
    (form,) = (tmp_path / "out").glob("*.csv")
    fill_csv(form, {"coop-05": {"new_progress": "40", "report_date": "2011-12-01",
                                "note": f"ok{ESC}[2J"}})
    done = ct("intake", str(form), registry=registry)
    assert done.returncode == 1 and ESC not in done.stdout + done.stderr
    assert "column K (Note): holds the control character U+001B" in done.stderr
    assert registry.read_bytes() == on_record
