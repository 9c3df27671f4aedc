"""Run the examples in docs/commands/*.md and compare (or refresh) their printed output.

Each ```console block holds `$ circletrack …` lines, each followed by its output. The
commands of one page run in order, in a fresh temporary folder holding a copy of the
shipped registry as `projects.toml` (CIRCLETRACK_REGISTRY points at it) and the files
of docs/commands/files/, with
NO_COLOR=1, COLUMNS=80 and CIRCLETRACK_USER=coordinator, so the output is what a user
sees in an 80-column terminal. The temporary folder's path is shown as
/home/coordinator/circle (SHOWN_FOLDER), the same on every run. Pages must use --as-of / --date where output depends on
the day.

    python tests/docs_examples.py            # check every page, exit 1 on a difference
    python tests/docs_examples.py --update   # rewrite the outputs from real runs
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "commands"
SHIPPED = ROOT / "data" / "projects.toml"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
ENV = {"NO_COLOR": "1", "COLUMNS": "80", "LINES": "50", "CIRCLETRACK_USER": "coordinator",
       "CIRCLETRACK_REGISTRY": "projects.toml", "CIRCLETRACK_LANG": "en", "LANG": "C.UTF-8"}

#: How a page shows the temporary folder the examples run in.
SHOWN_FOLDER = "/home/coordinator/circle"


@dataclass
class Example:
    """One `$ circletrack …` line and the output the page shows for it."""

    command: str
    shown: str


def examples(text: str) -> list[list[Example]]:
    """The examples of each console block of a page."""
    found = []
    for block in BLOCK.findall(text):
        current: list[Example] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                current.append(Example(line[2:], ""))
            elif current:
                current[-1].shown += line + "\n"
        found.append(current)
    return found


@contextlib.contextmanager
def sandbox() -> Iterator[Path]:
    """A temporary working folder with the registry copy and the docs environment."""
    saved_env = {k: os.environ.get(k) for k in ENV}
    saved_cwd = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        shutil.copyfile(SHIPPED, Path(folder) / "projects.toml")
        for extra in (DOCS / "files").glob("*"):
            shutil.copyfile(extra, Path(folder) / extra.name)
        os.environ.update(ENV)
        os.chdir(folder)
        try:
            yield Path(folder)
        finally:
            os.chdir(saved_cwd)
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def run(command: str) -> str:
    """The combined stdout and stderr of one `circletrack …` command line, run by the
    installed program (tests/program.py) in the sandbox folder, as a user would run it."""
    import subprocess

    from program import SCRIPT

    args = shlex.split(command)
    if not args or args[0] != "circletrack":
        raise ValueError(f"docs example must start with `circletrack`: {command}")
    done = subprocess.run([str(SCRIPT), *args[1:]], env={**os.environ, **ENV,
                                                         "PYTHONUNBUFFERED": "1"},
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=120)
    output = done.stdout.decode("utf-8").replace(str(Path.cwd()), SHOWN_FOLDER)
    if "Traceback (most recent call last)" in output:
        raise AssertionError(f"`{command}` ended in a traceback:\n{output}")
    return output if output.endswith("\n") or not output else output + "\n"


def normalise(text: str) -> str:
    """Trailing spaces are invisible in a page; compare without them."""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def check_page(path: Path, update: bool = False) -> list[str]:
    """Differences between a page's shown outputs and real runs (rewrites them with update)."""
    text = path.read_text(encoding="utf-8")
    differences = []
    actual_blocks = []
    with sandbox():
        for block in examples(text):
            rendered = []
            for example in block:
                actual = run(example.command)
                if normalise(actual) != normalise(example.shown):
                    differences.append(f"{path.name}: `{example.command}` printed:\n{actual}"
                                       f"but the page shows:\n{example.shown}")
                rendered.append(f"$ {example.command}\n"
                                + "\n".join(line.rstrip() for line in actual.splitlines())
                                + ("\n" if actual else ""))
            actual_blocks.append("".join(rendered))
    if update and differences:
        blocks = iter(actual_blocks)
        path.write_text(BLOCK.sub(lambda _m: f"```console\n{next(blocks)}```", text),
                        encoding="utf-8")
    return differences


def main(argv: list[str]) -> int:
    update = "--update" in argv
    pages = sorted(DOCS.glob("*.md"))
    problems = [d for page in pages for d in check_page(page, update)]
    for problem in problems:
        print(problem)
    verb = "updated" if update else "differ"
    print(f"{len(pages)} pages, {len(problems)} examples {verb}")
    return 0 if update or not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
