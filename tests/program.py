"""The program users run, for the tests that must run it: the `circletrack` console script
installed beside the Python running the tests (the README's test command installs it).

Every test of the suite runs one copy of the code: in-process tests import the
`circletrack` this Python finds, and the script installed with it runs that same copy
(tests/conftest.py checks so at the start of the run). Nothing puts `src/` on a path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

#: The console script, as pip installed it beside this Python.
SCRIPT = Path(sys.executable).parent / ("circletrack.exe" if os.name == "nt" else "circletrack")


def run(args: Sequence[str], *, env: Mapping[str, str | None] | None = None,
        input: str | None = None, cwd: Path | str | None = None, timeout: float = 120,
        address_space: int | None = None, preexec_fn: Callable[[], object] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    """`circletrack ARGS` run by the installed console script, its output as text; `env` is
    added to this process's environment (None removes a variable). `address_space` (bytes,
    POSIX only) caps the process's memory (RLIMIT_AS), so a read that grows without bound
    fails instead of taking the machine; `preexec_fn` runs in the child before the program
    (to set another resource limit)."""
    if address_space is not None:
        if preexec_fn is not None:
            raise ValueError("give address_space or preexec_fn, not both")
        preexec_fn = lambda: _cap_address_space(address_space)  # noqa: E731
    merged = {**os.environ, **(env or {})}
    return subprocess.run([str(SCRIPT), *args],
                          env={k: v for k, v in merged.items() if v is not None},
                          input=input, cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, preexec_fn=preexec_fn,
                          stdin=None if input is not None else subprocess.DEVNULL)


def _cap_address_space(size: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def run_main(args: Sequence[str], *, env: Mapping[str, str] | None = None,
             prologue: str = "", epilogue: str = "", cwd: Path | str | None = None,
             ) -> subprocess.CompletedProcess[str]:
    """`main()` of the installed package run in a fresh Python with ARGS, as the console
    script runs it, with `prologue` run before it and `epilogue` after it (even when main
    exits), e.g. to print which modules the run imported."""
    script = ("import sys\n"
              "sys.argv = ['circletrack', *sys.argv[1:]]\n"
              f"{prologue}\n"
              "from circletrack.cli import main\n"
              "try:\n    main()\n"
              f"finally:\n    pass\n    {epilogue}\n")
    return subprocess.run([sys.executable, "-c", script, *args],
                          env={**os.environ, **(env or {})}, cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", stdin=subprocess.DEVNULL, timeout=120)
