"""Where one circletrack command spends its time, by phase, import package or function.

    python bench/phases.py --registry REG.toml -- list              # phases, in percent
    python bench/phases.py --registry REG.toml --importtime -- list # imports by package
    python bench/phases.py --registry REG.toml --cprofile 25 -- list

Phases: the command runs in this process, with thin timers wrapped around the functions
that mark each step of the pipeline (every import, reading the file, tomllib, the
validator, building the dataclasses, the queries, the renderers, Rich's Console.print,
tomli-w, the journal, fsync). Each timer counts its own time only: time spent in another
timed function it calls goes to that one, so the phases add up, and what no timer covers
is "other" (Typer parsing options, glue). The timers cost a few microseconds a call; none
is on a per-item path except where noted. The interpreter's own start-up (`python -c
pass`) is timed separately and added, so the total matches a whole-process run.

--importtime runs `python -X importtime -m circletrack …` and adds up each module's own
import time by top-level package. --cprofile runs the command under cProfile and prints the
functions with the most own time (cProfile slows small Python calls, Rich's most of all,
so use it to name the hot functions, and the phases for the shares).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import importlib._bootstrap as bootstrap  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"
WIDTH = "120"
#: Bytecode goes here, not into the source tree, and is always written: an installed
#: package has its .pyc files, so compiling must not count (PYTHONDONTWRITEBYTECODE off).
PYCACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") \
    / "circletrack-bench" / "pycache"


def bytecode_env(env: dict[str, str]) -> dict[str, str]:
    """`env` with bytecode written to and read from PYCACHE."""
    changed = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    changed["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return changed

#: module → attribute (or Class.method) → phase label. Missing ones are skipped, so the
#: profiler keeps working while the code changes.
TARGETS: dict[str, dict[str, str]] = {
    "circletrack.storage.location": {"read_bytes": "read the file"},
    "circletrack.storage.files": {"atomic_write": "atomic write (write, rename)"},
    "tomllib": {"loads": "TOML parse (tomllib or tomli)"},
    "tomli": {"loads": "TOML parse (tomllib or tomli)"},
    "circletrack.storage.validate": {"validate_document": "validation (checks)",
                             "LineIndex.__init__": "validation (line index for messages)"},
    "circletrack.storage.codec": {"registry_from_document": "dataclass construction",
                                  "registry_to_document": "tomli-w dump (document from "
                                                          "dataclasses)",
                                  "document_bytes": "tomli-w dump (splicing, encoding)"},
    "tomli_w": {"dumps": "tomli-w dump (tomli_w.dumps)"},
    "circletrack.query.select": {"select": "query: as-of replay + filter",
                          "registry_as_of": "query: as-of replay + filter",
                          "sort_items": "query: sort", "resolve": "query: resolve id"},
    "circletrack.query.listings": {"overdue_listing": "query: report listing"},
    "circletrack.query.dashboard": {"dashboard": "query: dashboard figures"},
    "circletrack.changes.writes": {"record_report": "write: apply the change"},
    "circletrack.storage.journal": {"record": "journal (patch, sha256)",
                                    "settle": "journal (patch, sha256)"},
    "circletrack.render.listing_views": {"render_list": "render: build table / text",
                                         "render_overdue": "render: build table / text"},
    "circletrack.render.dashboard": {"dashboard_view": "render: build table / text"},
    "circletrack.render.detail": {"item_detail": "render: build table / text"},
    "circletrack.render.fitted": {"item_table": "render: build table / text"},
    "circletrack.render.formats": {"items_to_json": "render: build table / text"},
    "rich.console": {"Console.print": "Rich: lay out and write (Console.print)"},
    "circletrack.storage.index": {"digest": "index: BLAKE2b of the bytes",
                                  "Index.read": "index: read the rows, build the records",
                                  "Index.sections": "index: items by section (after a pull)",
                                  "Index.write": "index: write the rows"},
    "circletrack.storage.sections": {"reread": "sections: parse the changed ones",
                                     "Splice.after": "write: splice the changed sections"},
    "os": {"fsync": "fsync (file and folder)"},
    "filelock": {"FileLock.acquire": "file lock", "BaseFileLock.acquire": "file lock"},
}
IMPORTS = "imports (all modules: start-up and lazy)"
GC = "cyclic garbage collector pauses"

self_time: dict[str, float] = defaultdict(float)
calls: dict[str, int] = defaultdict(int)
_stack: list[float] = []
_wrappers: dict[int, Callable[..., Any]] = {}
_wrapper_ids: set[int] = set()


def _timed(label: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        _stack.append(0.0)
        try:
            return func(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            inner = _stack.pop()
            self_time[label] += elapsed - inner
            calls[label] += 1
            if _stack:
                _stack[-1] += elapsed

    wrapper.__wrapped__ = func  # type: ignore[attr-defined]
    wrapper.__name__ = getattr(func, "__name__", "wrapper")
    return wrapper


def _rebind(module: Any) -> None:
    """Point a module's names at the wrappers (for `from x import f` done before wrapping)."""
    try:
        names = list(vars(module).items())
    except TypeError:
        return
    for name, value in names:
        wrapper = _wrappers.get(id(value))
        if wrapper is not None:
            setattr(module, name, wrapper)


def _wrap_targets(module: Any) -> None:
    for attr, label in TARGETS.get(module.__name__, {}).items():
        owner, name = module, attr
        if "." in attr:
            cls_name, name = attr.split(".", 1)
            owner = getattr(module, cls_name, None)
        original = getattr(owner, name, None) if owner is not None else None
        if original is None or id(original) in _wrapper_ids:
            continue
        wrapper = _timed(label, original)
        _wrappers[id(original)] = wrapper
        _wrapper_ids.add(id(wrapper))
        setattr(owner, name, wrapper)
    if module.__name__ in TARGETS:
        for loaded in list(sys.modules.values()):
            if getattr(loaded, "__name__", "").startswith(("circletrack", "rich", "tomli")):
                _rebind(loaded)


_gc_started: list[float] = []


def _gc_callback(phase: str, _info: dict[str, Any]) -> None:
    """Count collector pauses as their own phase, not the phase they interrupt."""
    if phase == "start":
        _gc_started.append(time.perf_counter())
    elif _gc_started:
        elapsed = time.perf_counter() - _gc_started.pop()
        self_time[GC] += elapsed
        calls[GC] += 1
        if _stack:
            _stack[-1] += elapsed


def install() -> None:
    """Time every import and collector pause, and wrap the targets as their modules load."""
    import gc

    gc.callbacks.append(_gc_callback)
    original = bootstrap._find_and_load
    timed_import = _timed(IMPORTS, original)

    def find_and_load(name: str, import_: Any) -> Any:
        module = timed_import(name, import_)
        _wrap_targets(module)
        if name.startswith(("circletrack", "rich")):
            _rebind(module)
        return module

    bootstrap._find_and_load = find_and_load
    for name in list(TARGETS):
        if name in sys.modules:
            _wrap_targets(sys.modules[name])


def interpreter_start(python: str, runs: int = 5) -> float:
    """Median wall time of `python -c pass`, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([python, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_command(argv: list[str], out: Path) -> int:
    """Run circletrack in this process with stdout going to a file, as a pipe would."""
    os.environ["COLUMNS"] = WIDTH
    os.environ.setdefault("CIRCLETRACK_USER", "bench")
    saved = sys.stdout
    with open(out, "w", encoding="utf-8") as handle:
        sys.stdout = handle
        try:
            from circletrack.cli import root  # as main() does: commands load on demand

            result = root.app(args=argv, prog_name="circletrack", standalone_mode=False)
        except SystemExit as exc:
            result = exc.code
        finally:
            sys.stdout = saved
    return int(result or 0)


def phases(argv: list[str], python: str, excluded: float = 0.0) -> str:
    """The phase table of one run; `excluded` seconds (the --warm run) are not counted."""
    install()
    out = Path(os.devnull)
    status = run_command(argv, out)
    in_process = time.perf_counter() - STARTED - excluded
    start = interpreter_start(python)
    total = in_process + start
    rows = sorted(self_time.items(), key=lambda kv: -kv[1])
    covered = sum(self_time.values())
    lines = [f"`circletrack {' '.join(argv)}` (exit {status}): {total * 1000:,.0f} ms in all",
             "", "| phase | ms | % | calls |", "|---|---:|---:|---:|",
             f"| interpreter start-up (`python -c pass`) | {start * 1000:,.0f} | "
             f"{start / total:.0%} | |"]
    for label, seconds in rows:
        lines.append(f"| {label} | {seconds * 1000:,.0f} | {seconds / total:.0%} | "
                     f"{calls[label]:,} |")
    other = in_process - covered
    lines.append(f"| other (Typer, option parsing, glue) | {other * 1000:,.0f} | "
                 f"{other / total:.0%} | |")
    return "\n".join(lines)


def importtime(argv: list[str], python: str, top: int) -> str:
    """Each module's own import time, added up by top-level package."""
    import importlib.util

    spec = importlib.util.find_spec("circletrack")
    src = Path(spec.origin).parents[1] if spec and spec.origin else SRC
    env = dict(bytecode_env(dict(os.environ)), COLUMNS=WIDTH, PYTHONPATH=os.pathsep.join(
        filter(None, [str(src), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([python, "-X", "importtime", "-m", "circletrack", *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    by_package: dict[str, int] = defaultdict(int)
    modules = 0
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = (part.strip() for part in line[12:].split("|"))
        module = name.strip()
        head = module.split(".")[0]
        if head == "circletrack":
            head = ".".join(module.split(".")[:2])
        if head in sys.stdlib_module_names or head.startswith("_"):
            head = f"stdlib: {head.lstrip('_')}"
        by_package[head] += int(self_us)
        modules += 1
    total = sum(by_package.values())
    lines = [f"`python -X importtime -m circletrack {' '.join(argv)}`: {modules} modules, "
             f"{total / 1000:,.0f} ms of import time", "",
             "| package | ms | % of imports |", "|---|---:|---:|"]
    ranked = sorted(by_package.items(), key=lambda kv: -kv[1])
    for name, us in ranked[:top]:
        lines.append(f"| {name} | {us / 1000:,.1f} | {us / total:.0%} |")
    rest = sum(us for _name, us in ranked[top:])
    if rest:
        lines.append(f"| {len(ranked) - top} others | {rest / 1000:,.1f} | {rest / total:.0%} |")
    return "\n".join(lines)


def cprofile(argv: list[str], top: int) -> str:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    run_command(argv, Path(os.devnull))
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(top)
    return buffer.getvalue()


def main() -> int:
    """Profile one circletrack command."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registry", required=True, help="the registry file to run on")
    parser.add_argument("--importtime", action="store_true", help="imports by package")
    parser.add_argument("--cprofile", type=int, metavar="N", help="top N functions (cProfile)")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--warm", action="store_true",
                        help="fill circletrack's index first, so the command reads "
                             "from it (else the index is left as it is: use "
                             "CIRCLETRACK_CACHE=off for a cold run)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    args = parser.parse_args()
    argv = [a for a in args.command if a != "--"] + ["--registry", args.registry]
    import importlib.util

    if importlib.util.find_spec("circletrack") is None:  # else: the one on PYTHONPATH
        sys.path.insert(0, str(SRC))
    # Not timed: compile circletrack and run `list --limit 1` once in another process, so
    # every module's bytecode is in PYCACHE (and, with --warm, the index is filled).
    warm_started = time.perf_counter()
    spec = importlib.util.find_spec("circletrack")
    src = Path(spec.origin).parents[1] if spec and spec.origin else SRC
    env = dict(bytecode_env(dict(os.environ)), PYTHONPATH=os.pathsep.join(
        filter(None, [str(src), os.environ.get("PYTHONPATH")])))
    subprocess.run([args.python, "-m", "compileall", "-q", str(src / "circletrack")], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not args.warm:
        env["CIRCLETRACK_CACHE"] = "off"
    subprocess.run([args.python, "-m", "circletrack", "list", "--limit", "1", "--registry",
                    args.registry], env=env, check=True, stdout=subprocess.DEVNULL)
    warm_seconds = time.perf_counter() - warm_started
    sys.dont_write_bytecode = False
    sys.pycache_prefix = str(PYCACHE)
    if args.importtime:
        print(importtime(argv, args.python, 14))
    elif args.cprofile:
        print(cprofile(argv, args.cprofile))
    else:
        print(phases(argv, args.python, warm_seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
