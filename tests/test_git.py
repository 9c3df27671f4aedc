"""A registry shared through git: `git-setup`, and merges of real clones of one repository
run by git with circletrack's merge driver, down to a property-based run where each clone
records random reports, edits and new items.

CIRCLETRACK_MERGE_EXAMPLES sets how many cases the property test generates (default 30);
CIRCLETRACK_MERGE_STATS names a file that gets one JSON line per case (for the counts).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import SHIPPED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from merge_helpers import (
    PROGRAM,
    REGISTRY,
    TODAY,
    clone,
    git,
    git_env,
    make_hub,
)
from typer.testing import CliRunner

from circletrack.base.errors import FieldErrors, UnresolvedConflicts
from circletrack.changes.writes import (
    add_item,
    edit_item,
    item_fields,
    record_report,
    report_request,
)
from circletrack.cli import app
from circletrack.model.records import Registry
from circletrack.storage import Location, codec, load, update_journaled

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(not PROGRAM.is_file(),
                       reason=f"no circletrack script beside {PROGRAM.parent} for git to run"),
]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """git's environment for one test, also set for the test process (git-setup runs git)."""
    environment = git_env(tmp_path / "home")
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        monkeypatch.delenv(key)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    return environment


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed circletrack, as a user (or git) runs it."""
    return subprocess.run([str(PROGRAM), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", check=False)


@dataclass
class Ran:
    """A command's exit status and streams, run in this process."""

    returncode: int
    stdout: str
    stderr: str


def cli(args: list[str], clone_path: Path) -> Ran:
    """circletrack on a clone's registry, in this process (much faster than a new one)."""
    result = CliRunner().invoke(app, [*args, "--registry", str(clone_path / REGISTRY)])
    return Ran(result.exit_code, result.stdout, result.stderr)


# git-setup


def test_git_setup_outside_a_repository_is_one_line(tmp_path: Path, env: dict[str, str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    shutil.copyfile(SHIPPED, folder / REGISTRY)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, ["git-setup", "--registry", REGISTRY])
    assert result.exit_code == 1
    assert result.stderr == ("Error: the current folder is not in a git repository: run "
                             "`git init` (or clone the shared repository) and run git-setup "
                             "there\n")


def test_git_setup_registers_the_driver_once(tmp_path: Path, env: dict[str, str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    git(["init", "-q", "-b", "main", str(repo)], tmp_path, env)
    (repo / "data").mkdir()
    shutil.copyfile(SHIPPED, repo / "data" / "projects.toml")
    (repo / ".gitattributes").write_text("*.csv text", encoding="utf-8")  # no final newline
    monkeypatch.chdir(repo / "data")  # the repository's top is found from a subfolder
    monkeypatch.setenv("PATH", f"{PROGRAM.parent}{os.pathsep}{os.environ['PATH']}")
    result = CliRunner().invoke(app, ["git-setup", "--registry", "projects.toml"])
    assert result.exit_code == 0, result.output
    assert (repo / ".gitattributes").read_text(encoding="utf-8") == (
        "*.csv text\n/data/projects.toml merge=circletrack\n")
    config = {key: git(["config", "--get", key], repo, env).stdout.strip()
              for key in ("merge.circletrack.driver", "merge.circletrack.name")}
    assert config["merge.circletrack.driver"] == f"{PROGRAM} merge %O %A %B %P"
    assert config["merge.circletrack.name"].startswith("circletrack")
    assert git(["check-attr", "merge", "--", "data/projects.toml"], repo, env).stdout \
        .strip().endswith("merge: circletrack")
    assert "added `/data/projects.toml merge=circletrack` to .gitattributes" in result.stdout
    # the journal and lock files stay out of git
    (repo / "data" / "projects.toml.journal").mkdir()
    (repo / "data" / "projects.toml.journal" / "000001.json").write_text("{}")
    (repo / "data" / "projects.toml.lock").write_text("")
    status = git(["status", "--porcelain", "--untracked-files=all"], repo, env).stdout
    assert "journal" not in status and ".lock" not in status and "projects.toml" in status
    files = {p: p.read_bytes() for p in (repo / ".gitattributes", repo / ".git" / "config",
                                         repo / ".git" / "info" / "exclude")}
    again = CliRunner().invoke(app, ["git-setup", "--registry", "projects.toml"])
    assert again.exit_code == 0
    assert again.stdout.splitlines()[-1] == f"already set up in {repo}: nothing changed"
    assert {p: p.read_bytes() for p in files} == files


def test_git_setup_without_git_is_one_line(tmp_path: Path, env: dict[str, str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copyfile(SHIPPED, tmp_path / REGISTRY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    result = CliRunner().invoke(app, ["git-setup", "--registry", REGISTRY])
    assert result.exit_code == 1
    assert result.stderr == ("Error: git is not installed (or not on PATH); install git to "
                             "share the registry through a repository\n")


def test_git_setup_refuses_a_registry_outside_the_repository(tmp_path: Path,
                                                              env: dict[str, str],
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    repo = tmp_path / "repo"
    git(["init", "-q", str(repo)], tmp_path, env)
    shutil.copyfile(SHIPPED, tmp_path / REGISTRY)
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["git-setup", "--registry", str(tmp_path / REGISTRY)])
    assert result.exit_code == 2 and "is outside the repository" in result.stderr
    assert not (repo / ".gitattributes").exists()


def test_git_setup_run_as_a_script_registers_its_own_path(tmp_path: Path,
                                                           env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    git(["init", "-q", str(repo)], tmp_path, env)
    shutil.copyfile(SHIPPED, repo / REGISTRY)
    git_folder = str(Path(shutil.which("git") or "/usr/bin/git").parent)
    bare_path = {**env, "PATH": git_folder}  # git, and no circletrack, on PATH
    result = run(["git-setup", "--registry", REGISTRY], repo, bare_path)
    assert result.returncode == 0, result.stderr
    assert git(["config", "merge.circletrack.driver"], repo, env).stdout.strip() == \
        f"{PROGRAM} merge %O %A %B %P"


# Real clones: two coordinators, one repository


@pytest.fixture
def clones(tmp_path: Path, env: dict[str, str]) -> tuple[Path, Path]:
    hub = make_hub(tmp_path, SHIPPED.read_bytes(), env)
    return clone(hub, tmp_path, "hangzhou", env), clone(hub, tmp_path, "shaoxing", env)


def test_two_reports_on_one_item_merge_with_no_conflict_and_undo_refuses(
        clones: tuple[Path, Path], env: dict[str, str]) -> None:
    first, second = clones
    for where, progress in ((first, "40"), (second, "55")):
        done = cli(["mark", "rail-hangshao", "-p", progress, "-d", "2024-05-0" + progress[0]],
                   where)
        assert done.returncode == 0, done.stderr
        git(["commit", "-q", "-am", f"report {progress}"], where, env)
    git(["push", "-q"], first, env)
    pulled = git(["pull", "-q"], second, env, check=False)
    assert pulled.returncode == 0, pulled.stderr
    assert "merged projects.toml with no conflicts" in pulled.stderr
    registry = load(Location(second / REGISTRY, "option"))
    merged = registry.get("rail-hangshao")
    assert merged is not None and merged.progress == 55
    assert [r.progress for r in merged.history][-2:] == [40, 55]
    assert (second / REGISTRY).read_bytes() == codec.dumps(registry)
    assert git(["status", "--porcelain"], second, env).stdout == ""
    refused = cli(["undo"], second)
    assert refused.returncode == 1
    assert "was changed by `circletrack merge` (git pull of " in refused.stderr
    git(["push", "-q"], second, env)
    git(["pull", "-q"], first, env)  # a fast-forward: the first clone has both reports
    assert (first / REGISTRY).read_bytes() == (second / REGISTRY).read_bytes()


def test_a_true_conflict_is_marked_named_and_resolved(clones: tuple[Path, Path],
                                                      env: dict[str, str]) -> None:
    first, second = clones
    for where, title in ((first, "钱江通道(杭州稿)"), (second, "钱江通道(绍兴稿)")):
        assert cli(["edit", "coop-12", "--title", title], where).returncode == 0
        assert cli(["mark", "coop-13", "-p", "30" if where == first else "35", "-d",
                    "2024-05-01"], where).returncode == 0
        git(["commit", "-q", "-am", title], where, env)
    git(["push", "-q"], first, env)
    pulled = git(["pull", "-q"], second, env, check=False)
    assert pulled.returncode != 0
    mine, theirs = (git(["log", "-1", "--format=%h", ref], second, env).stdout.strip()
                    for ref in ("HEAD", "MERGE_HEAD"))
    assert (f"coop-12: title: changed on both sides (ours 钱江通道(绍兴稿) [shaoxing {mine}], "
            f"theirs 钱江通道(杭州稿) [hangzhou {theirs}])") in pulled.stderr
    assert "1 conflict in coop-12" in pulled.stderr
    assert (f"ours is shaoxing's commit {mine} (钱江通道(绍兴稿)); theirs is hangzhou's "
            f"commit {theirs} (钱江通道(杭州稿))") in pulled.stderr
    text = (second / REGISTRY).read_text(encoding="utf-8")
    assert text.count(f'<<<<<<< ours: shaoxing {mine} "钱江通道(绍兴稿)"\n') == 1
    assert text.count(f'>>>>>>> theirs: hangzhou {theirs} "钱江通道(杭州稿)"\n') == 1
    validated = cli(["validate"], second)
    assert validated.returncode == 1
    assert validated.stderr.splitlines()[0].startswith(f"{second / REGISTRY}:")
    assert ": coop-12: unresolved merge conflict" in validated.stderr.splitlines()[0]
    listed = cli(["list"], second)
    assert listed.returncode == 1 and listed.stderr.count("\n") == 1
    # resolve: keep ours' version (the lines up to =======), drop theirs'
    start, middle, end = (text.index(m) for m in ("<<<<<<< ours", "=======\n",
                                                  ">>>>>>> theirs"))
    resolved = (text[:start] + text[start:middle].split("\n", 1)[1]
                + text[end:].split("\n", 1)[1])
    (second / REGISTRY).write_text(resolved, encoding="utf-8")
    assert cli(["validate"], second).returncode == 0
    git(["add", REGISTRY], second, env)
    git(["commit", "-q", "--no-edit"], second, env)
    registry = load(Location(second / REGISTRY, "option"))
    assert registry.get("coop-12").title == "钱江通道(绍兴稿)"  # type: ignore[union-attr]
    assert [r.progress for r in registry.get("coop-13").history][-2:] == [35, 30]  # type: ignore[union-attr]


def test_plain_git_pull_merges_after_git_setup_with_git_defaults(
        tmp_path: Path, env: dict[str, str]) -> None:
    # git's own defaults (no pull.rebase anywhere): git >= 2.27 refuses a pull of divergent
    # branches in a clone git-setup has not set up, and pulls in one it has
    hub = make_hub(tmp_path, SHIPPED.read_bytes(), env)
    assert git(["config", "--get", "pull.rebase"], tmp_path, env, check=False).stdout == ""
    paths = []
    for name in ("hangzhou", "shaoxing"):
        path = tmp_path / name
        git(["clone", "-q", str(hub), str(path)], tmp_path, env)
        for key in ("user.name", "user.email"):
            git(["config", key, name], path, env)
        paths.append(path)
    first, second = paths
    for where, progress in ((first, "40"), (second, "55")):
        assert cli(["mark", "rail-hangshao", "-p", progress, "-d", "2024-05-01"],
                   where).returncode == 0
        git(["commit", "-q", "-am", f"report {progress}"], where, env)
    git(["push", "-q"], first, env)
    refused = git(["pull"], second, env, check=False)
    assert refused.returncode != 0 and "divergent branches" in refused.stderr
    setup = run(["git-setup", "--registry", REGISTRY], second, env)
    assert setup.returncode == 0, setup.stderr
    assert "set pull.rebase in this clone's git config: false" in setup.stdout
    pulled = git(["pull"], second, env, check=False)
    assert pulled.returncode == 0, pulled.stderr
    assert "merged projects.toml with no conflicts" in pulled.stderr
    merged = load(Location(second / REGISTRY, "option")).get("rail-hangshao")
    assert merged is not None and [r.progress for r in merged.history][-2:] == [55, 40]
    again = run(["git-setup", "--registry", REGISTRY], second, env)
    assert "pull.rebase is already set: false" in again.stdout


def test_a_conflict_met_in_a_rebase_names_each_side_by_its_commit(
        clones: tuple[Path, Path], env: dict[str, str]) -> None:
    # with --rebase git swaps the sides: ours is the commit pulled, theirs the clone's own
    first, second = clones
    for where, due in ((first, "2012-03-31"), (second, "2012-06-30")):
        assert cli(["edit", "coop-01", "--due", due, "--reason", "r"], where).returncode == 0
        git(["commit", "-q", "-am", f"coop-01 due {due}"], where, env)
    git(["push", "-q"], first, env)
    own = git(["log", "-1", "--format=%h"], second, env).stdout.strip()
    pulled = git(["pull", "--rebase"], second, env, check=False)
    assert pulled.returncode != 0
    pulled_commit = git(["log", "-1", "--format=%h", "origin/main"], second, env).stdout.strip()
    assert (f"coop-01: due: changed on both sides (ours 2012-03-31 [hangzhou {pulled_commit}], "
            f"theirs 2012-06-30 [shaoxing {own}])") in pulled.stderr
    text = (second / REGISTRY).read_text(encoding="utf-8")
    assert f'<<<<<<< ours: hangzhou {pulled_commit} "coop-01 due 2012-03-31"\n' in text
    assert f'>>>>>>> theirs: shaoxing {own} "coop-01 due 2012-06-30"\n' in text


# Property: random marks, edits and adds in two or three clones, then pull and merge

#: Items the generated operations touch: few, so clones often meet on one item.
POOL = ("coop-05", "coop-12", "coop-11", "rail-hangshao", "hwy-hangchang",
        "ms-commute-circle-2025", "waterway-hangpingshen", "target-2025-rail-circle")
EDITABLE = ("title", "tags", "content", "lead", "due")
STATUSES = ("planned", "in_progress", "done", "blocked", "cancelled")
EXAMPLES = int(os.environ.get("CIRCLETRACK_MERGE_EXAMPLES", "30"))


@dataclass
class Op:
    """One generated operation: what, on which item, and its parameters."""

    kind: str
    item: str = ""
    field: str = ""
    number: int = 0
    status: str = ""
    progress: int | None = None
    day: int = 0
    default_id: bool = False


ops = st.one_of(
    st.builds(Op, kind=st.just("mark"), item=st.sampled_from(POOL),
              status=st.sampled_from(STATUSES), progress=st.none() | st.integers(0, 99),
              day=st.integers(0, 10)),
    st.builds(Op, kind=st.just("edit"), item=st.sampled_from(POOL),
              field=st.sampled_from(EDITABLE), day=st.integers(0, 400)),
    st.builds(Op, kind=st.just("add"), default_id=st.booleans(), day=st.integers(0, 400)),
)


@dataclass
class Applied:
    """What one clone did: the (item, field) pairs it changed and the changes to replay."""

    name: str
    fields: dict[str, set[str]] = field(default_factory=dict)
    changes: list[Any] = field(default_factory=list)


def apply(op: Op, registry: Registry, clone_name: str, number: int) -> tuple[str, set[str]]:
    """Carry out one operation through the library; returns the item and fields it changed
    (marks change no field that can conflict: reports are merged)."""
    token = f"{clone_name}-{number}"
    if op.kind == "mark":
        progress = 100 if op.status == "done" else op.progress
        request = report_request(
            today=TODAY, by=clone_name, status=op.status,
            progress=None if progress is None else str(progress), note=f"report {token}",
            date=(dt.date(2024, 5, 20) + dt.timedelta(days=op.day)).isoformat(),
            source=f"source {token}")
        try:
            record_report(registry, op.item, request)
        except FieldErrors as exc:  # a report that reopens an item, or a back-dated close:
            asked = {p.field for p in exc.problems}  # a coordinator says so explicitly
            record_report(registry, op.item, request, reopen="reopen" in asked,
                          as_history="date" in asked)
        return op.item, set()
    if op.kind == "edit":
        values: dict[str, Any] = {
            "title": {"title": f"title {token}"}, "tags": {"tags": [f"tag {token}"]},
            "content": {"content": f"content {token}"}, "lead": {"lead": [f"unit {token}"]},
            "due": {"due": (dt.date(2030, 1, 1) + dt.timedelta(days=op.day
                                                               + 1000 * (ord(clone_name[0])
                                                                         - 97))).isoformat()},
        }[op.field]
        result = edit_item(registry, op.item, item_fields(values, TODAY), today=TODAY,
                           by=clone_name, reason=f"moved {token}" if op.field == "due" else None)
        return op.item, set(result.changed)
    new = add_item(registry, "project", item_fields({"title": f"new {token}"}, TODAY), TODAY,
                   None if op.default_id else f"x-{token}")
    return new.id, {"*"}


def apply_all(operations: list[Op], registry: Registry, clone_name: str) -> Applied:
    """A clone's operations, in order, on one registry."""
    applied = Applied(clone_name)
    for number, op in enumerate(operations):
        item_id, fields = apply(op, registry, clone_name, number)
        applied.fields.setdefault(item_id, set()).update(fields)
        applied.changes.append((op, number))
    return applied


def replay(base: Registry, clones: list[tuple[str, list[Op]]]) -> Registry:
    """The base with every clone's operations applied, in the order given."""
    for name, operations in clones:
        apply_all(operations, base, name)
    return base


def overlapping(ours: dict[str, set[str]], theirs: dict[str, set[str]]) -> set[str]:
    """The items both sides changed a field of (a field both set, or an id both added)."""
    return {item for item, fields in ours.items() if fields & theirs.get(item, set())}


def union(*sides: dict[str, set[str]]) -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {}
    for side in sides:
        for item, fields in side.items():
            merged.setdefault(item, set()).update(fields)
    return merged


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A hub and three configured clones (remotes relative, so a copy works), made once."""
    folder = tmp_path_factory.mktemp("template")
    environment = git_env(folder / "home")
    saved = {k: os.environ.get(k) for k in environment}
    os.environ.update(environment)  # git-setup (in clone()) runs git in this process
    try:
        hub = make_hub(folder, SHIPPED.read_bytes(), environment)
        for name in ("a", "b", "c"):
            path = clone(hub, folder, name, environment)
            git(["remote", "set-url", "origin", "../hub.git"], path, environment)
        yield folder, environment
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _record(stats: dict[str, Any]) -> None:
    target = os.environ.get("CIRCLETRACK_MERGE_STATS")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(stats) + "\n")


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plans=st.lists(st.lists(ops, min_size=1, max_size=4), min_size=2, max_size=3))
def test_clones_merge_to_both_sets_of_changes_or_name_exactly_the_items_both_changed(
        template: tuple[Path, dict[str, str]], plans: list[list[Op]]) -> None:
    folder, env = template
    base_bytes = SHIPPED.read_bytes()
    names = ["a", "b", "c"][:len(plans)]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "work"
        shutil.copytree(folder, work, symlinks=True, ignore=shutil.ignore_patterns("home"))
        applied: dict[str, Applied] = {}
        for name, plan in zip(names, plans):
            location = Location(work / name / REGISTRY, "option")
            applied[name] = update_journaled(
                location, lambda reg, plan=plan, name=name: apply_all(plan, reg, name),
                f"ops of {name}", user=name).result
            git(["commit", "-q", "--allow-empty", "-am", f"work of {name}"], work / name, env)
        git(["push", "-q", "origin", "main"], work / "a", env)
        # b merges a's work; then (with three clones) c merges b's merge
        merged_fields = applied["a"].fields
        order = [("a", plans[0])]
        merges: list[dict[str, Any]] = []
        for name, plan in list(zip(names, plans))[1:]:
            expected_conflicts = overlapping(applied[name].fields, merged_fields)
            pulled = git(["pull", "-q", "origin", "main"], work / name, env, check=False)
            data = (work / name / REGISTRY).read_bytes()
            if expected_conflicts:
                assert pulled.returncode != 0, pulled.stderr
                with pytest.raises(UnresolvedConflicts) as caught:
                    codec.loads(data)
                named = set(caught.value.names)
                merges.append({"into": name, "expected": sorted(expected_conflicts),
                               "named": sorted(named)})
                _record({"clones": len(plans), "conflict": True, "merges": merges,
                         "exact": named == expected_conflicts})
                assert named == expected_conflicts, pulled.stderr
                return
            assert pulled.returncode == 0, pulled.stderr
            order.insert(0, (name, plan))
            expected = replay(codec.loads(base_bytes), order)
            merged = codec.loads(data)
            assert [i.id for i in merged.items] == [i.id for i in expected.items]
            for got, want in zip(merged.items, expected.items):
                assert got == want, got.id
            assert data == codec.dumps(expected)
            merges.append({"into": name, "expected": [], "named": []})
            merged_fields = union(merged_fields, applied[name].fields)
            git(["push", "-q", "origin", "main"], work / name, env)
        _record({"clones": len(plans), "conflict": False, "merges": merges, "exact": True})
