"""Check, per venv, that the features circletrack uses work with that Typer (+ click).

    python3 check_features.py [VENV_NAME ...]      (default: every venv under venvs/)

Writes results/features.json and results/help/<venv>-{root,list,overdue}.txt (help at
COLUMNS=80, not a terminal, as a pipe sees it). Prints one line per venv.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENVS = HERE / "venvs"
RESULTS = HERE / "results"
HELP = RESULTS / "help"


def run(py: Path, args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("_CTBENCH")}
    e.update({"COLUMNS": "80", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb"})
    e.pop("FORCE_COLOR", None)
    e.update(env or {})
    p = subprocess.run([str(py), str(HERE / "run.py"), *args], capture_output=True, text=True,
                       env=e, cwd=HERE, timeout=60)
    return p.returncode, p.stdout, p.stderr


def zsh(py: Path, line: str) -> tuple[int, str, str]:
    return run(py, [], {"_CTBENCH_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line})


def bash(py: Path, words: str, cword: int) -> tuple[int, str, str]:
    return run(py, [], {"_CTBENCH_COMPLETE": "complete_bash", "COMP_WORDS": words,
                        "COMP_CWORD": str(cword)})


CHECKS = {
    # name: (args or completion spec, predicate on (rc, out, err))
    "command": (["list", "--kind", "project"], lambda rc, o, e: rc == 0 and o == "list: kind\n"),
    "list_options": (["list", "-k", "a", "-k", "b", "--city", "杭州", "--stale", "3", "-a",
                      "--registry", "x.toml", "--due-before", "2020"],
                     lambda rc, o, e: rc == 0 and o.strip() ==
                     "list: all=True city=['杭州'] due_before='2020' kind=['a', 'b'] "
                     "registry=PosixPath('x.toml') stale=3"),
    "defaults": (["list"], lambda rc, o, e: rc == 0 and o.strip() == "list: -"),
    "version_eager": (["--version", "list", "--bogus"],
                      lambda rc, o, e: rc == 0 and o == "ctbench 0.1.0\n"),
    "bad_option": (["list", "--bogus"],
                   lambda rc, o, e: rc == 2 and e.strip() ==
                   "Error: No such option: --bogus (see: ctbench list --help)"),
    "bad_int": (["list", "--stale", "abc"],
                lambda rc, o, e: rc == 2 and e.startswith("Error: Invalid value for '--stale'")
                and e.count("\n") == 1),
    "dir_okay_false": (["list", "--registry", "/tmp"],
                       lambda rc, o, e: rc == 2 and "is a directory" in e),
    "missing_arg": (["show"], lambda rc, o, e: rc == 2 and
                    e.strip() == "Error: Missing argument 'ID'. (see: ctbench show --help)"),
    "no_such_command": (["lst"], lambda rc, o, e: rc == 2 and
                        e.strip() == "Error: No such command 'lst'. Did you mean 'list'? "
                                     "(see: ctbench --help)"),
    "bad_lang": (["--lang", "xx", "list"], lambda rc, o, e: rc == 2 and
                 "Invalid value for '--lang': unknown language 'xx'" in e),
    "hidden_option": (["edit", "x", "--status", "done"],
                      lambda rc, o, e: rc == 0 and o.strip() == "edit: item"),
    "root_no_command": ([], lambda rc, o, e: rc == 2 and "Commands" in o),
}
COMPLETIONS = {
    "zsh_static": (lambda py: zsh(py, "ctbench list --kind p"), "project"),
    "zsh_ctx": (lambda py: zsh(py, "ctbench list --unit 市交"), "市交通局"),
    "zsh_argument": (lambda py: zsh(py, "ctbench show prj"), "prj-0001"),
    "zsh_lang": (lambda py: zsh(py, "ctbench --lang z"), "zh"),
    "bash_command": (lambda py: bash(py, "ctbench li", 1), "list"),
    "bash_option": (lambda py: bash(py, "ctbench list --ki", 2), "--kind"),
    "show_completion": (lambda py: run(py, ["--show-completion", "bash"]), "_CTBENCH_COMPLETE"),
}


def check(venv: Path) -> dict:
    py = venv / "bin" / "python"
    res: dict = {"venv": venv.name}
    ver = subprocess.run([str(py), "-c", "import typer, importlib.metadata as m;"
                          "print(typer.__version__);"
                          "import sys\ntry: print(m.version('click'))\nexcept Exception: "
                          "print('vendored')\ntry: print(m.version('pydantic'))\n"
                          "except Exception: print('-')"],
                         capture_output=True, text=True)
    res["typer"], res["click"], res["pydantic"] = (ver.stdout.split() + ["?"] * 3)[:3]
    api = subprocess.run([str(py), "-c", "import sys; sys.path.insert(0, '.'); import app; "
                          "print(app.ERROR_API)"], capture_output=True, text=True, cwd=HERE)
    res["error_api"] = api.stdout.strip() or api.stderr.strip().splitlines()[-1:]
    fails: dict[str, str] = {}
    for name, (args, ok) in CHECKS.items():
        rc, o, e = run(py, args, {"CTBENCH_REPR": "1"} if name == "list_options" else None)
        if not ok(rc, o, e):
            fails[name] = f"rc={rc} out={o[-300:]!r} err={e[-300:]!r}"
    res["checks_failed"] = fails
    cfails: dict[str, str] = {}
    for name, (call, want) in COMPLETIONS.items():
        rc, o, e = call(py)
        if rc != 0 or want not in o:
            cfails[name] = f"rc={rc} out={o[-200:]!r} err={e[-300:]!r}"
    res["completion_failed"] = cfails
    HELP.mkdir(parents=True, exist_ok=True)
    helps = {}
    for page, args in (("root", ["--help"]), ("list", ["list", "--help"]),
                       ("overdue", ["overdue", "--help"]), ("add", ["add", "--help"])):
        rc, o, e = run(py, args)
        (HELP / f"{venv.name}-{page}.txt").write_text(o + (f"\n[stderr]\n{e}" if e else ""))
        helps[page] = {"rc": rc, "lines": o.count("\n"),
                       "max_width": max((len(line) for line in o.splitlines()), default=0),
                       "rich_panels": "╭─ Options" in o or "╭─ Commands" in o,
                       "type_markers": sorted({w for w in ("<list[str]>", "TEXT", "INTEGER",
                                                           "FILE", "PATH", "<str>", "<int>",
                                                           "<path>", "<bool>")
                                               if w in o}),
                       "stderr": e.strip()[-300:]}
    res["help"] = helps
    res["help_ok"] = all(h["rc"] == 0 and h["rich_panels"] and not h["stderr"]
                         for h in helps.values())
    return res


def main() -> None:
    names = sys.argv[1:] or sorted(p.name for p in VENVS.iterdir()
                                   if (p / "bin").is_dir() and p.name.startswith("t"))
    RESULTS.mkdir(exist_ok=True)
    out_file = RESULTS / "features.json"
    results = json.loads(out_file.read_text()) if out_file.exists() else {}
    for name in names:
        r = check(VENVS / name)
        results[name] = r
        print(f"{name:20} typer {r['typer']:7} click {r['click']:9} pydantic {r['pydantic']:7} "
              f"checks failed: {sorted(r['checks_failed']) or '-'}  completion failed: "
              f"{sorted(r['completion_failed']) or '-'}  help ok: {r['help_ok']} "
              f"markers {r['help']['list']['type_markers']}", flush=True)
    out_file.write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
