"""Time circletrack against Taskwarrior on the same synthetic data, side by side.

    python bench/run.py --sizes 100,1000,10000 --runs 7 --output docs/performance-results.md

For each size the runner generates (or reuses from its cache) a registry and the same
items as a Taskwarrior import file (bench/generate.py), imports them once into a
Taskwarrior data folder kept in the cache, and copies both into a temporary folder. Each
operation is then run as a whole process, circletrack and `task` alternately, a warm-up
run and --runs timed runs each; the table gives the median wall time, the ratio
circletrack / task and each tool's peak memory. A write restores both tools' data before
every run, outside the timing, so every run does the same work.

circletrack runs with its parse cache in a folder of the temporary work folder
(CIRCLETRACK_CACHE_DIR), so the warm-up fills it and the timed runs read from it, as a
user's repeated commands would; the rows marked "no parse cache" run with
CIRCLETRACK_CACHE=off, the cost of the first read after the file changed.

Wall time: time.perf_counter() from just before the process is started to just after it
is reaped. Peak memory: the maximum resident set size GNU time reports (`/usr/bin/time -f
%M`, KiB) for the command it starts. GNU time forks the command from its own small
process; timing it straight from this Python process would not do, since Linux charges a
child started with vfork (as subprocess does) the parent's peak as well. Without GNU time
the runner falls back to os.wait4()'s ru_maxrss and says so in the report.

The benchmark asserts nothing: it measures and reports.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
#: The circletrack source folder that is timed (--src): on PYTHONPATH for every
#: circletrack process, and for bench/generate.py, which runs as its own process.
SRC = ROOT / "src"
DEFAULT_SEED = 2011  # bench/generate.py's

#: Both tools draw tables this wide: Rich reads $COLUMNS, Taskwarrior rc.defaultwidth.
WIDTH = 120
TASKRC = """\
# Written by circletrack's bench/run.py for an isolated benchmark data folder.
data.location={data}
confirmation=off
verbose=nothing
hooks=off
color=off
detection=off
defaultwidth={width}
news.version=2.6.0
gc=on
uda.progress.type=numeric
uda.progress.label=Progress
"""


@dataclass(frozen=True)
class Probe:
    """The item shown and marked (from bench/generate.py's probe-N.json)."""

    item_id: str
    uuid: str
    progress: int


@dataclass(frozen=True)
class Operation:
    """One benchmarked operation: circletrack's arguments and Taskwarrior's equivalent."""

    name: str
    subcommand: str
    circletrack: Callable[[Probe], list[str]]
    task: Callable[[Probe, int], list[str]]
    write: bool = False
    read: bool = True
    env: tuple[tuple[str, str], ...] = ()  # extra environment for circletrack
    #: A write starts from the registry as circletrack last wrote it (True) or as generated,
    #: i.e. as if edited by hand or by another tool (False).
    after_own_write: bool = True
    #: Each run reads the registry just after a `git pull` brought one item changed by a
    #: colleague: the cache knows the bytes before the pull (this machine's last write).
    pulled: bool = False


OPERATIONS: tuple[Operation, ...] = (
    Operation("overdue", "overdue", lambda p: ["overdue"], lambda p, n: ["overdue"]),
    Operation("list", "list", lambda p: ["list"], lambda p, n: ["list"]),
    Operation("list --limit 50", "list", lambda p: ["list", "--limit", "50"],
              lambda p, n: ["list", "limit:50"]),
    Operation("list --format json", "list", lambda p: ["list", "--format", "json"],
              lambda p, n: ["status:pending", "export"]),
    Operation("status", "status", lambda p: ["status"], lambda p, n: ["summary"]),
    Operation("show ID", "show", lambda p: ["show", p.item_id], lambda p, n: [str(n), "info"]),
    Operation("mark ID --progress N", "mark",
              lambda p: ["mark", p.item_id, "--progress", str(p.progress)],
              lambda p, n: [str(n), "modify", f"progress:{p.progress}"], write=True, read=False),
)
NO_CACHE = (("CIRCLETRACK_CACHE", "off"),)
#: The same operations with circletrack's parse cache off: the first run after a change.
COLD_OPERATIONS: tuple[Operation, ...] = (
    dataclasses.replace(OPERATIONS[-1], name="mark ID --progress N (file edited elsewhere)",
                        after_own_write=False),
    *(dataclasses.replace(op, name=f"{op.name} (no parse cache)", env=NO_CACHE, read=False,
                          after_own_write=False)
      for op in OPERATIONS if op.name in ("overdue", "list", "mark ID --progress N")),
    dataclasses.replace(OPERATIONS[0], name="overdue (after a pull changed one item)",
                        read=False, pulled=True),
)
TASK_EQUIVALENT = {
    "overdue": "`task overdue`",
    "list": "`task list`",
    "list --limit 50": "`task list limit:50`",
    "list --format json": "`task status:pending export`",
    "status": "`task summary`",
    "show ID": "`task N info`",
    "mark ID --progress N": "`task N modify progress:P` (a numeric UDA)",
}


@dataclass
class Sample:
    """One timed run."""

    seconds: float
    peak_kib: int
    returncode: int
    lines: int
    size: int


@dataclass
class Series:
    """The runs of one tool for one operation at one size."""

    samples: list[Sample] = field(default_factory=list)
    note: str | None = None  # "not available", "failed: …"

    @property
    def ok(self) -> bool:
        return self.note is None and bool(self.samples)

    @property
    def median_ms(self) -> float:
        return statistics.median(s.seconds for s in self.samples) * 1000

    @property
    def min_ms(self) -> float:
        return min(s.seconds for s in self.samples) * 1000

    @property
    def max_ms(self) -> float:
        return max(s.seconds for s in self.samples) * 1000

    @property
    def peak_mb(self) -> float:
        return max(s.peak_kib for s in self.samples) / 1024

    @property
    def output(self) -> str:
        """Lines and size of the last run's output, to check both tools did the same work."""
        if not self.ok:
            return "—"
        last = self.samples[-1]
        return f"{last.lines:,} ({last.size / 1024:,.0f} KB)"


@dataclass
class Row:
    size: int
    operation: Operation
    circletrack: Series
    task: Series


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def gnu_time() -> str | None:
    """/usr/bin/time if it is GNU time (it can write %M, the peak RSS, to a file)."""
    path = shutil.which("time", path="/usr/bin:/bin:/usr/local/bin")
    if path is None:
        return None
    found = subprocess.run([path, "--version"], capture_output=True, text=True)
    return path if "GNU" in found.stdout + found.stderr else None


GNU_TIME = gnu_time()


def measure(command: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[Sample, str]:
    """Run one process with stdout to a file (not a terminal); its wall time and peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        wrapped = [GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *command] if GNU_TIME \
            else list(command)
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss
        if GNU_TIME:
            reported = Path(rss.name).read_text().split()
            peak = int(reported[-1]) if reported and reported[-1].isdigit() else 0
        out.seek(0)
        output = out.read()
        err.seek(0)
        message = err.read().decode("utf-8", "replace").strip()
    return Sample(elapsed, peak, proc.returncode, output.count(b"\n"), len(output)), message


# Data: generated registries and imported Taskwarrior folders, cached by content.


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def generated(python: str, size: int, seed: int, cache: Path) -> tuple[Path, Path, Probe]:
    """registry-N.toml, taskwarrior-N.json and the probe item, generated once per input.

    The key covers what decides the bytes: the generator, circletrack's model and codec,
    tomli-w's version, the seed and the size.
    """
    # The data is made by this repository's generator and codec whatever --src times (an
    # older snapshot's modules may be named otherwise; the bytes are the same registry).
    env = circletrack_env(cache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                      os.environ.get("PYTHONPATH")]))
    tomli_w = subprocess.run([python, "-c", "import importlib.metadata as m; "
                                            "print(m.version('tomli-w'))"],
                             capture_output=True, text=True, env=env).stdout.strip()
    inputs = [BENCH / "generate.py", ROOT / "src" / "circletrack" / "model" / "records.py",
              ROOT / "src" / "circletrack" / "storage" / "codec.py"]
    key = _digest(*(p.read_bytes() for p in inputs), f"{seed}:{size}:{tomli_w}".encode())
    folder = cache / f"gen-{size}-{key}"
    manifest = folder / f"probe-{size}.json"
    if not manifest.is_file():
        log(f"  generating {size} items …")
        tmp = Path(tempfile.mkdtemp(prefix=f".gen-{size}-", dir=cache))
        subprocess.run([python, str(BENCH / "generate.py"), "--sizes", str(size), "--seed",
                        str(seed), "--out-dir", str(tmp)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    probe = Probe(**json.loads(manifest.read_text()))
    return folder / f"registry-{size}.toml", folder / f"taskwarrior-{size}.json", probe


def write_taskrc(folder: Path, data: Path) -> Path:
    rc = folder / "taskrc"
    rc.write_text(TASKRC.format(data=data, width=WIDTH), encoding="utf-8")
    return rc


def task_env(rc: Path, data: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(TASKRC=str(rc), TASKDATA=str(data))
    return env


def imported(task: str, version: str, import_file: Path, probe: Probe,
             cache: Path) -> tuple[Path, int]:
    """A Taskwarrior data folder holding the import file's tasks (imported once, cached)."""
    key = _digest(import_file.read_bytes(), version.encode())
    folder = cache / f"tw-{import_file.stem}-{key}"
    manifest = folder / "probe.json"
    if not manifest.is_file():
        tmp = Path(tempfile.mkdtemp(prefix=".tw-", dir=cache))
        data = tmp / "data"
        data.mkdir()
        env = task_env(write_taskrc(tmp, data), data)
        log(f"  importing {import_file.name} into Taskwarrior (once; cached) …")
        started = time.perf_counter()
        subprocess.run([task, "import", str(import_file)], env=env, cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        subprocess.run([task, "list"], env=env, cwd=tmp, check=True,  # garbage-collect once
                       stdout=subprocess.DEVNULL)
        found = subprocess.run([task, "_get", f"{probe.uuid}.id"], env=env, cwd=tmp,
                               check=True, capture_output=True, text=True).stdout.strip()
        (tmp / "probe.json").write_text(json.dumps({"id": int(found),
                                                    "import_seconds": round(seconds, 2)}))
        (tmp / "taskrc").unlink()
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    return folder / "data", int(json.loads(manifest.read_text())["id"])


# The runs.


@dataclass
class Setup:
    """Everything one size's runs need: commands, environments, and how to reset a write."""

    size: int
    probe: Probe
    task_id: int | None
    work: Path
    registry: Path
    pristine_registry: Path
    task_data: Path | None
    pristine_task_data: Path | None
    ct_env: dict[str, str]
    tw_env: dict[str, str] | None

    own_write: Path | None = None
    pulled: Path | None = None

    def _mark(self, command: list[str], registry: Path, below: int,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`circletrack mark` on the probe item, to `below` points under the progress the
        timed `mark` sets."""
        return subprocess.run([*command, "mark", self.probe.item_id, "--progress",
                               str(max(self.probe.progress - below, 1)), "--registry",
                               str(registry)], env=env or self.ct_env, cwd=self.work,
                              capture_output=True, text=True)

    def prepare_own_write(self, command: list[str]) -> None:
        """Make the registry as circletrack itself writes it: one `mark` on the probe item
        (to 4 points below what the timed `mark` sets), kept as the start of later writes.
        circletrack's cache then knows these bytes are its own, as after any of its writes."""
        target = self.work / "after-own-write.toml"
        shutil.copyfile(self.pristine_registry, target)
        result = self._mark(command, target, 4)
        if result.returncode == 0:
            self.own_write = target
        else:
            log(f"    preparing a circletrack-written registry failed: {result.stderr[-200:]}")

    def prepare_pulled(self, command: list[str]) -> None:
        """This machine writes the registry (a `mark`), so its cache knows those bytes; a
        colleague marks the probe item again on a copy, with a cache of their own; the
        copy's bytes are what each run of a `pulled` operation finds (see reset_pulled)."""
        self.reset()
        mine = self._mark(command, self.registry, 2)
        theirs = self.work / "theirs.toml"
        shutil.copyfile(self.registry, theirs)
        other = {**self.ct_env, "CIRCLETRACK_CACHE_DIR": str(self.work / "their-cache")}
        pulled = self._mark(command, theirs, 1, other)
        if mine.returncode or pulled.returncode:
            log(f"    preparing a pulled change failed: {(mine.stderr + pulled.stderr)[-200:]}")
            return
        cache = Path(self.ct_env["CIRCLETRACK_CACHE_DIR"])
        shutil.rmtree(self.work / "cache-before-pull", ignore_errors=True)
        shutil.copytree(cache, self.work / "cache-before-pull", symlinks=True)
        self.pulled = theirs

    def reset_pulled(self) -> None:
        """The registry as the pull left it, and the cache as before the pull."""
        assert self.pulled is not None
        cache = Path(self.ct_env["CIRCLETRACK_CACHE_DIR"])
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(self.work / "cache-before-pull", cache, symlinks=True)
        shutil.copyfile(self.pulled, self.registry)

    def reset(self, after_own_write: bool = False) -> None:
        """Put both tools' data back (before each run of a write): the registry as generated,
        or as circletrack's preparatory write left it."""
        source = self.own_write if after_own_write and self.own_write else self.pristine_registry
        shutil.copyfile(source, self.registry)
        for leftover in self.registry.parent.glob(self.registry.name + ".*"):
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        if self.task_data is not None and self.pristine_task_data is not None:
            shutil.rmtree(self.task_data, ignore_errors=True)
            shutil.copytree(self.pristine_task_data, self.task_data)


#: Where circletrack's and the floor's bytecode goes (set from --cache-dir). An installed
#: package has .pyc files; with PYTHONDONTWRITEBYTECODE set (as in some sandboxes) a source
#: checkout would be compiled again on every run, so the runner turns that off and keeps
#: the bytecode out of the source tree.
PYCACHE: Path | None = None


def circletrack_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CIRCLETRACK_")
           and k not in ("NO_COLOR", "PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE")}
    if PYCACHE is not None:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.update(COLUMNS=str(WIDTH), LINES="50", CIRCLETRACK_USER="bench",
               CIRCLETRACK_CACHE_DIR=str(work / "circletrack-cache"))
    return env


def run_operation(op: Operation, setup: Setup, args: argparse.Namespace,
                  available: dict[str, bool], task: str | None,
                  extras: Sequence[tuple[Series, list[str], dict[str, str]]] = ()) -> Row:
    """Warm up, then time circletrack and task alternately, `args.runs` times each.

    `extras` (the framework floors, at the smallest size) join the rotation, so they are
    timed under the same background load as the commands they are compared with.
    """
    ct_series, tw_series = Series(), Series()
    ct_cmd = [*args.circletrack_cmd, *op.circletrack(setup.probe), "--registry",
              str(setup.registry)]
    tw_cmd = [task, *op.task(setup.probe, setup.task_id or 0)] if task else None
    if not available.get(op.subcommand, False):
        ct_series.note = "not available"
    elif op.pulled and setup.pulled is None:
        ct_series.note = "could not be prepared"
    if tw_cmd is None or setup.tw_env is None:
        tw_series.note = "task not installed"
    contenders = [(ct_series, ct_cmd, {**setup.ct_env, **dict(op.env)})]
    if tw_cmd is not None and setup.tw_env is not None:
        contenders.append((tw_series, tw_cmd, setup.tw_env))
    contenders = [c for c in contenders if c[0].note is None]
    if contenders:
        contenders += [c for c in extras if c[0].note is None]
    for round_ in range(-args.warmup, args.runs):  # negative rounds are warm-ups
        order = contenders if round_ % 2 == 0 else contenders[::-1]
        for series, command, env in order:
            if series.note is not None:
                continue
            if op.write and series in (ct_series, tw_series):
                setup.reset(op.after_own_write)
            if op.pulled and series is ct_series:
                setup.reset_pulled()
            sample, stderr = measure(command, env, setup.work)
            if sample.returncode != 0:
                first = stderr.splitlines()[-1] if stderr else f"exit {sample.returncode}"
                series.note = f"failed (exit {sample.returncode}): {first[:80]}"
                log(f"    {shlex.join(command)} → {series.note}")
                continue
            if round_ >= 0:
                series.samples.append(sample)
    if op.write or op.pulled:
        setup.reset()
    return Row(setup.size, op, ct_series, tw_series)


def subcommand_available(prefix: list[str], env: dict[str, str], cwd: Path,
                         subcommand: str) -> bool:
    result = subprocess.run([*prefix, subcommand, "--help"], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return result.returncode == 0


#: The registry as shipped, timed against `python -c pass` (target ≤ 8×), and the item
#: its `show` and `mark` rows use.
SHIPPED = ROOT / "data" / "projects.toml"
SHIPPED_PROBE = Probe("coop-05", "", 50)
SHIPPED_OPS = ("status", "list", "show ID", "overdue", "mark ID --progress N")
SHIPPED_TARGET = 8.0


def time_shipped(args: argparse.Namespace, work: Path,
                 available: dict[str, bool]) -> tuple[list[Row], Series]:
    """The read commands and `mark` on the shipped registry, each in rotation with
    `python -c pass`, so the ratio is taken under the same load."""
    folder = work / "shipped"
    folder.mkdir()
    env = circletrack_env(work)
    setup = Setup(0, SHIPPED_PROBE, None, folder, folder / "registry.toml", SHIPPED, None,
                  None, env, None)
    setup.reset()
    setup.prepare_own_write(args.circletrack_cmd)
    floor = Series()
    extras = [(floor, [args.python, "-c", "pass"], env)]
    rows = []
    for op in OPERATIONS:
        if op.name in SHIPPED_OPS:
            row = run_operation(op, setup, args, available, None, extras)
            rows.append(row)
            log(f"  {op.name:<40} circletrack {_ms(row.circletrack):>10} ms")
    return rows, floor


def shipped_lines(rows: list[Row], floor: Series) -> list[str]:
    if not rows or not floor.ok:
        return []
    lines = [f"The registry as shipped ({SHIPPED.relative_to(ROOT)}), each command timed in "
             f"rotation with `python -c pass` ({floor.median_ms:.0f} ms here); "
             f"target ≤ {SHIPPED_TARGET:g}×.", "",
             "| operation | circletrack ms | × `python -c pass` | peak MB | target |",
             "|---|---:|---:|---:|---|"]
    for row in rows:
        ct = row.circletrack
        if not ct.ok:
            lines.append(f"| `{row.operation.name}` | {_cell(_ms(ct))} | — | — | — |")
            continue
        times = ct.median_ms / floor.median_ms
        lines.append(f"| `{row.operation.name}` | {ct.median_ms:,.0f} | {times:.1f}× | "
                     f"{ct.peak_mb:.0f} | {'met' if times <= SHIPPED_TARGET else 'not met'} |")
    return lines


FLOOR = "floor: Typer + Rich, 30-row table"
FLOOR_OPTIONS = "floor with the 20 options `list` declares"


def floor_commands(args: argparse.Namespace) -> dict[str, list[str]]:
    """Bare `python -c pass` and the two framework floors of bench/floor.py."""
    return {
        "python -c pass": [args.python, "-c", "pass"],
        FLOOR: [args.python, str(BENCH / "floor.py"), "table"],
        FLOOR_OPTIONS: [args.python, str(BENCH / "floor.py"), "table-options"],
    }


def time_floor(args: argparse.Namespace, work: Path) -> dict[str, Series]:
    """The floors timed on their own first; more runs join the smallest size's reads."""
    env = circletrack_env(work)
    commands = floor_commands(args)
    result: dict[str, Series] = {}
    for label, command in commands.items():
        series = Series()
        for round_ in range(-args.warmup, args.runs):
            sample, stderr = measure(command, env, work)
            if sample.returncode != 0:
                series.note = f"failed: {stderr[-80:]}"
                break
            if round_ >= 0:
                series.samples.append(sample)
        result[label] = series
        if series.ok:
            log(f"  {label}: {series.median_ms:.0f} ms, {series.peak_mb:.1f} MB")
    return result


# The report.


def _ms(series: Series) -> str:
    return f"{series.median_ms:,.0f}" if series.ok else (series.note or "—")


def _cell(value: str) -> str:
    return value.replace("|", "\\|")


def machine_lines(args: argparse.Namespace, task_version: str | None, started: dt.datetime,
                  load: tuple[str, str]) -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    python = subprocess.run([args.python, "-c", "import sys; print(sys.version.split()[0])"],
                            capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                           capture_output=True, text=True).stdout.strip()
    tree = _digest(*(p.relative_to(SRC).as_posix().encode() + b"\0" + p.read_bytes()
                     for p in sorted(SRC.rglob("*.py"))))[:12]
    versions = subprocess.run(
        [args.python, "-c", "import importlib.metadata as m; print(', '.join("
                            "f'{p} {m.version(p)}' for p in ('typer', 'rich', 'tomli-w')))"],
        capture_output=True, text=True).stdout.strip()
    return [
        f"- date: {started:%Y-%m-%d %H:%M} UTC",
        f"- command: `{shlex.join(['python', *sys.argv])}`",
        f"- machine: {os.cpu_count()} cores (`nproc`), {cpu}, {platform.system()} "
        f"{platform.release()}; load average {load[0]} at start, {load[1]} at the end",
        f"- Python {python} ({versions}); circletrack "
        + (f"at {commit}{' with uncommitted changes under src/' if dirty else ''}"
           if SRC == ROOT / "src" else f"from {SRC} (--src; the repository is at {commit})")
        + f"; src/**/*.py content hash {tree}; run as "
          f"`{shlex.join(args.circletrack_cmd_display)}`",
        f"- Taskwarrior {task_version or 'not installed'}",
        f"- {args.warmup} warm-up and {args.runs} timed runs per tool and operation, "
        "circletrack and task alternating; medians. Output goes to a file (not a terminal), "
        f"both tools {WIDTH} columns wide; Python bytecode cached (PYTHONPYCACHEPREFIX in the "
        "runner's cache), as for an installed package. Peak memory: "
        + ("GNU time's %M (maximum resident set, KiB)." if GNU_TIME else
           "os.wait4() ru_maxrss (GNU time not found: this includes the runner's own peak)."),
    ]


def results_table(rows: list[Row]) -> list[str]:
    lines = [
        "| items | operation | circletrack ms | task ms | ratio ct/task | circletrack peak MB "
        "| task peak MB | circletrack min–max ms | output ct / task: lines (KB) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ct, tw = row.circletrack, row.task
        ratio = f"{ct.median_ms / tw.median_ms:.1f}×" if ct.ok and tw.ok else "—"
        lines.append("| " + " | ".join([
            f"{row.size:,}", f"`{row.operation.name}`", _cell(_ms(ct)), _cell(_ms(tw)), ratio,
            f"{ct.peak_mb:.0f}" if ct.ok else "—", f"{tw.peak_mb:.0f}" if tw.ok else "—",
            f"{ct.min_ms:,.0f}–{ct.max_ms:,.0f}" if ct.ok else "—",
            f"{ct.output} / {tw.output}",
        ]) + " |")
    return lines


def floor_lines(floor: dict[str, Series], rows: list[Row]) -> list[str]:
    lines = ["| process | median ms | min ms | peak MB |", "|---|---:|---:|---:|"]
    for label, series in floor.items():
        lines.append(f"| {label} | {_ms(series)} | "
                     f"{f'{series.min_ms:,.0f}' if series.ok else '—'} | "
                     f"{f'{series.peak_mb:.0f}' if series.ok else '—'} |")
    base = floor.get(FLOOR)
    options = floor.get(FLOOR_OPTIONS)
    smallest = min((r.size for r in rows), default=None)
    if base is None or not base.ok or smallest is None:
        return lines
    with_options = options is not None and options.ok
    lines += ["", f"Read commands at {smallest:,} items against the floor "
                  f"({base.median_ms:.0f} ms); target ≤ 1.15×. \"min ratio\" divides the fastest "
                  "runs, which background load disturbs least; the last column compares with "
                  "the floor that declares `list`'s options, to show what Typer's option "
                  "handling alone costs.", "",
              "| operation | circletrack ms | × floor | within 1.15× | min ratio "
              "| × floor with options |",
              "|---|---:|---:|---|---:|---:|"]
    for row in rows:
        if row.size != smallest or not row.operation.read:
            continue
        if row.circletrack.ok:
            times = row.circletrack.median_ms / base.median_ms
            second = (f"{row.circletrack.median_ms / options.median_ms:.2f}×"
                      if with_options and options is not None else "—")
            lines.append(f"| `{row.operation.name}` | {row.circletrack.median_ms:,.0f} | "
                         f"{times:.2f}× | {'met' if times <= 1.15 else 'not met'} | "
                         f"{row.circletrack.min_ms / base.min_ms:.2f}× | {second} |")
        else:
            lines.append(f"| `{row.operation.name}` | {_cell(_ms(row.circletrack))} | — | — "
                         "| — | — |")
    return lines


def target_lines(rows: list[Row], floor: dict[str, Series]) -> list[str]:
    def find(size: int, name: str) -> Row | None:
        return next((r for r in rows if r.size == size and r.operation.name == name), None)

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    lines = []
    sizes = sorted({r.size for r in rows})
    big = max(sizes, default=0)
    for name in ("overdue", "list"):
        row = find(big, name)
        if row and row.circletrack.ok and row.task.ok:
            ratio = row.circletrack.median_ms / row.task.median_ms
            lines.append(f"- `{name}` at {big:,} items ≤ 0.6× Taskwarrior: {ratio:.1f}× "
                         f"({row.circletrack.median_ms:,.0f} ms vs {row.task.median_ms:,.0f} ms)"
                         f" — {verdict(ratio <= 0.6)}")
        elif row:
            lines.append(f"- `{name}` at {big:,} items ≤ 0.6× Taskwarrior: "
                         f"{row.circletrack.note or row.task.note}")
    for name, equivalent in (("mark ID --progress N", "`task N modify`"),
                             ("mark ID --progress N (file edited elsewhere)", "`task N modify`"),
                             ("show ID", "`task N info`")):
        row = find(big, name)
        if row and row.circletrack.ok and row.task.ok:
            ratio = row.circletrack.median_ms / row.task.median_ms
            lines.append(f"- `{name}` at {big:,} items ≤ 1.0× {equivalent}: {ratio:.1f}× "
                         f"({row.circletrack.median_ms:,.0f} ms vs {row.task.median_ms:,.0f} ms)"
                         f" — {verdict(ratio <= 1.0)}")
    for name in ("overdue (after a pull changed one item)", "overdue (no parse cache)",
                 "list (no parse cache)"):
        row, task_overdue = find(big, name), find(big, "overdue")
        if row and row.circletrack.ok and task_overdue and task_overdue.task.ok:
            ratio = row.circletrack.median_ms / task_overdue.task.median_ms
            lines.append(f"- `{name}` (the first read after the file changed) at {big:,} items "
                         f"≤ 1.0× `task overdue`: {ratio:.1f}× "
                         f"({row.circletrack.median_ms:,.0f} ms vs "
                         f"{task_overdue.task.median_ms:,.0f} ms) — {verdict(ratio <= 1.0)}")
    over = [(r.circletrack.peak_mb / r.task.peak_mb, r) for r in rows
            if r.size == big and r.circletrack.ok and r.task.ok]
    if over:
        worst_ratio, worst = max(over, key=lambda pair: pair[0])
        lines.append(f"- peak memory of every command at {big:,} items ≤ Taskwarrior's for the "
                     f"same operation: worst `{worst.operation.name}` "
                     f"{worst.circletrack.peak_mb:.0f} MB vs {worst.task.peak_mb:.0f} MB "
                     f"({worst_ratio:.1f}×) — {verdict(worst_ratio <= 1.0)}")
    base = floor.get(FLOOR)
    small = min(sizes, default=0)
    reads = [r for r in rows if r.size == small and r.operation.read and r.circletrack.ok]
    if base is not None and base.ok and reads:
        worst = max(reads, key=lambda r: r.circletrack.median_ms)
        times = worst.circletrack.median_ms / base.median_ms
        lines.append(f"- every read command at {small:,} items within 1.15× the floor: slowest "
                     f"`{worst.operation.name}` {times:.2f}× ({worst.circletrack.median_ms:,.0f}"
                     f" ms vs {base.median_ms:.0f} ms) — {verdict(times <= 1.15)}")
    if len(sizes) >= 3:
        # The fixed cost (start-up) is estimated by the smallest size's fastest run, and the
        # growth compared on what each size adds to it: (big - small) / (mid - small) is
        # (big - small) / (mid - small) in items when the cost per item is constant.
        small, mid = sizes[0], sizes[-2]
        linear = (big - small) / (mid - small)
        lines.append(f"- growth {mid:,} → {big:,} items, linear being ×{linear:.1f} in what each "
                     f"size adds to the {small:,}-item time (fastest runs):")
        for op in (*OPERATIONS, *COLD_OPERATIONS):
            a, b, c = find(small, op.name), find(mid, op.name), find(big, op.name)
            if not (a and b and c and a.circletrack.ok and b.circletrack.ok
                    and c.circletrack.ok):
                continue
            added_mid = b.circletrack.min_ms - a.circletrack.min_ms
            added_big = c.circletrack.min_ms - a.circletrack.min_ms
            if added_mid < 50:
                lines.append(f"  - `{op.name}`: {mid:,} items add {added_mid:.0f} ms to "
                             f"{small:,} items, too little to tell")
                continue
            growth = added_big / added_mid
            lines.append(f"  - `{op.name}`: ×{growth:.1f} ({added_mid:,.0f} ms → "
                         f"{added_big:,.0f} ms) — {verdict(growth <= linear * 1.1)}")
    return lines


def report(args: argparse.Namespace, rows: list[Row], floor: dict[str, Series],
           task_version: str | None, started: dt.datetime, load: tuple[str, str],
           shipped: tuple[list[Row], Series] = ([], Series())) -> str:
    out = ["# circletrack vs Taskwarrior: results", "",
           "Written by `bench/run.py`; see docs/performance.md for what the numbers mean.", ""]
    out += machine_lines(args, task_version, started, load)
    out += ["", "## Results", ""] + results_table(rows)
    out += ["", "Taskwarrior's equivalents: " + "; ".join(
        f"`{k}` ↔ {v}" for k, v in TASK_EQUIVALENT.items()) + ".",
        "Piped, `circletrack list` renders every open item (the 50-row cut applies only in a "
        "terminal); `list --limit 50` is the terminal case. A write restores both tools' "
        "data before each run (outside the timing): `mark` starts from the registry as "
        "circletrack last wrote it (one earlier `mark` on the same item), \"file edited "
        "elsewhere\" from the generated file, as after a hand edit. circletrack's parse cache is warm "
        "(filled by the warm-up run) except in the rows marked \"no parse cache\" "
        "(CIRCLETRACK_CACHE=off)."]
    if shipped[0]:
        out += ["", "## The shipped registry", ""] + shipped_lines(*shipped)
    out += ["", "## Framework floor", ""] + floor_lines(floor, rows)
    targets = target_lines(rows, floor)
    if shipped[0] and shipped[1].ok:
        worst = max((r for r in shipped[0] if r.circletrack.ok),
                    key=lambda r: r.circletrack.median_ms, default=None)
        if worst is not None:
            times = worst.circletrack.median_ms / shipped[1].median_ms
            targets.insert(0, f"- every read command and `mark` on the shipped registry ≤ "
                              f"{SHIPPED_TARGET:g}× `python -c pass`: slowest "
                              f"`{worst.operation.name}` {times:.1f}× "
                              f"({worst.circletrack.median_ms:,.0f} ms vs "
                              f"{shipped[1].median_ms:.0f} ms) — "
                              f"{'**met**' if times <= SHIPPED_TARGET else '**not met**'}")
    out += ["", "## Targets", ""] + targets
    return "\n".join(out) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    global SRC, PYCACHE
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="comma-separated item counts (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per tool (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--ops", default=None,
                        help="only these operations, comma-separated names (default: all): "
                             + ", ".join(op.name for op in OPERATIONS))
    parser.add_argument("--no-cold", dest="cold", action="store_false",
                        help="leave out the rows with circletrack's parse cache off")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--src", type=Path, default=SRC,
                        help="the circletrack source folder to time (default: %(default)s); "
                             "e.g. a frozen copy while others edit src/")
    parser.add_argument("--output", type=Path, help="also write the Markdown report here")
    parser.add_argument("--raw", type=Path, help="also write every sample as JSON here")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter that runs circletrack (default: this one)")
    parser.add_argument("--circletrack-cmd", default=None,
                        help="how to start circletrack, e.g. 'circletrack' for the console "
                             "script (default: PYTHON -m circletrack, with src/ on PYTHONPATH)")
    parser.add_argument("--task", default=shutil.which("task"),
                        help="the Taskwarrior binary (default: task on PATH)")
    parser.add_argument("--no-task", action="store_true", help="time circletrack only")
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME")
                                     or Path.home() / ".cache") / "circletrack-bench",
                        help="generated registries and imported Taskwarrior data "
                             "(default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument("--no-shipped", dest="shipped", action="store_false",
                        help="leave out the shipped registry's rows")
    args = parser.parse_args(argv)
    if args.circletrack_cmd:
        args.circletrack_cmd = shlex.split(args.circletrack_cmd)
        args.circletrack_cmd_display = args.circletrack_cmd
    else:
        args.circletrack_cmd = [args.python, "-m", "circletrack"]
        args.circletrack_cmd_display = ["python", "-m", "circletrack"]
    if args.no_task:
        args.task = None
    SRC = args.src.resolve()
    PYCACHE = args.cache_dir.resolve() / "pycache"
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the Markdown report."""
    args = parse_args(argv)
    started_at = time.perf_counter()
    started = dt.datetime.now(dt.timezone.utc)
    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    sizes = [int(s) for s in args.sizes.split(",")]
    wanted = None if args.ops is None else [o.strip() for o in args.ops.split(",")]
    chosen = [op for op in (*OPERATIONS, *COLD_OPERATIONS)
              if (wanted is None and (args.cold or not op.env)) or (wanted and op.name in wanted)]
    task_version = None
    if args.task:
        task_version = subprocess.run([args.task, "--version"], capture_output=True,
                                      text=True).stdout.strip() or None
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="circletrack-bench-"))
    rows: list[Row] = []
    try:
        ct_env = circletrack_env(work)
        subprocess.run([args.python, "-m", "compileall", "-q", str(SRC / "circletrack")],
                       env=ct_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        available = {op.subcommand: subcommand_available(args.circletrack_cmd, ct_env, work,
                                                         op.subcommand)
                     for op in (*chosen, *OPERATIONS)}
        for name, ok in available.items():
            if not ok:
                log(f"circletrack {name}: not available (its --help fails); rows are skipped")
        log("framework floor …")
        floor = time_floor(args, work)
        shipped: tuple[list[Row], Series] = ([], Series())
        if args.shipped:
            log("shipped registry:")
            shipped = time_shipped(args, work, available)
        for size in sizes:
            log(f"{size:,} items:")
            registry, import_file, probe = generated(args.python, size, args.seed,
                                                     args.cache_dir)
            folder = work / str(size)
            folder.mkdir()
            pristine_task = task_id = tw_env = task_data = None
            if args.task:
                pristine_task, task_id = imported(args.task, task_version or "", import_file,
                                                  probe, args.cache_dir)
                task_data = folder / "task-data"
                shutil.copytree(pristine_task, task_data)
                tw_env = task_env(write_taskrc(folder, task_data), task_data)
            setup = Setup(size, probe, task_id, folder, folder / "registry.toml", registry,
                          task_data, pristine_task, ct_env, tw_env)
            setup.reset()
            if any(op.pulled for op in chosen) and available.get("mark"):
                setup.prepare_pulled(args.circletrack_cmd)
                setup.reset()
            if any(op.write and op.after_own_write for op in chosen) and available.get("mark"):
                setup.prepare_own_write(args.circletrack_cmd)
            floor_env = circletrack_env(work)
            extras = [(floor[label], command, floor_env)
                      for label, command in floor_commands(args).items()
                      if label in (FLOOR, FLOOR_OPTIONS)] if size == min(sizes) else []
            for op in chosen:
                row = run_operation(op, setup, args, available, args.task,
                                    extras if op.read else ())
                rows.append(row)
                ct, tw = row.circletrack, row.task
                log(f"  {op.name:<40} circletrack {_ms(ct):>14} ms   task {_ms(tw):>10} ms")
    finally:
        if args.keep:
            log(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = report(args, rows, floor, task_version, started, (load_start, load_end), shipped)
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        log(f"wrote {args.output}")
    if args.raw:
        raw = {"floor": {k: [dataclasses.asdict(x) for x in v.samples] for k, v in floor.items()},
               "rows": [{"size": r.size, "operation": r.operation.name,
                         "circletrack": [dataclasses.asdict(x) for x in r.circletrack.samples],
                         "circletrack_note": r.circletrack.note,
                         "task": [dataclasses.asdict(x) for x in r.task.samples],
                         "task_note": r.task.note} for r in rows]}
        args.raw.write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {args.raw}")
    log(f"benchmark took {time.perf_counter() - started_at:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
