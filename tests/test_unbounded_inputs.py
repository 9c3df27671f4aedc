"""Issue 22, finding 6, tried with the real thing: inputs without an end (a FIFO with no
writer, /dev/zero, a sparse file over the registry limit). Each case runs the installed
program with a timeout (and, where memory matters, an address-space limit below the
file's size) and must end in one line on stderr and a non-zero exit, the registry byte
for byte as it was.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import SHIPPED
from program import run

from circletrack.store import MAX_REGISTRY_BYTES

POSIX = os.name == "posix"
pytestmark = pytest.mark.skipif(not POSIX, reason="FIFOs, devices and rlimits are POSIX")

#: Every case ends within this (a FIFO read used to wait forever).
TIMEOUT = 60
#: The address space a refusal runs in: well below the 600 MB file and /dev/zero's
#: endless bytes, well above what circletrack needs (about 150 MB).
ADDRESS_SPACE = 400 * 2**20


def limited_memory() -> None:
    """In the child: an address-space limit, so reading a large input whole is a MemoryError
    (a traceback the test sees), never the machine's memory."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def ct(*args: str, registry: Path | None = None, env: dict[str, str | None] | None = None,
       preexec_fn: Callable[[], object] | None = limited_memory,
       cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed circletrack, with a timeout and the memory limit."""
    extra = ["--registry", str(registry)] if registry is not None else []
    return run([*args, *extra], cwd=cwd, timeout=TIMEOUT, preexec_fn=preexec_fn,
               env={"CIRCLETRACK_LANG": "en", "CIRCLETRACK_USER": "tester", **(env or {})})


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The one line on stderr of a run that failed with `code`."""
    assert done.returncode == code, (done.stdout[-500:], done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]
    return lines[0]


def refused(args: Sequence[str], registry: Path, code: int, *, with_registry: bool = True,
            env: dict[str, str | None] | None = None) -> str:
    """Run a command that must be refused; the registry must be unchanged. Its one line."""
    before = registry.read_bytes()
    line = one_line(ct(*args, registry=registry if with_registry else None, env=env), code)
    assert registry.read_bytes() == before
    return line


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A FIFO nobody writes to: opening it to read waits for a writer, reading it never ends."""
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def sparse(tmp_path: Path) -> Path:
    """A 600 MB file (sparse: no disk), over the 256 MB a registry may be."""
    path = tmp_path / "big.toml"
    subprocess.run(["truncate", "-s", "600M", str(path)], check=True)
    assert path.stat().st_size > MAX_REGISTRY_BYTES
    return path


ENDLESS = ["fifo", "zero", "sparse"]


def endless(kind: str, fifo: Path, sparse: Path) -> Path:
    return {"fifo": fifo, "zero": Path("/dev/zero"), "sparse": sparse}[kind]


# Finding 6: inputs without an end


@pytest.mark.parametrize("kind", ENDLESS)
def test_intake_of_an_endless_input_is_refused_at_once(small_registry: Path, fifo: Path,
                                                       sparse: Path, kind: str) -> None:
    path = endless(kind, fifo, sparse)
    line = refused(["intake", str(path)], small_registry, 1 if kind == "sparse" else 2)
    if kind == "sparse":
        assert line == "Error: big.toml: the file is larger than 20 MB; a form is far smaller"
    else:
        assert line == (f"Error: {path} is {'a FIFO' if kind == 'fifo' else 'a device'}, not "
                        f"a form file; name the .xlsx or .csv file a unit sent back")


@pytest.mark.parametrize("kind", ENDLESS)
def test_import_of_an_endless_input_is_refused_at_once(small_registry: Path, fifo: Path,
                                                       sparse: Path, kind: str) -> None:
    path = endless(kind, fifo, sparse)
    line = refused(["import", str(path)], small_registry, 2)
    if kind == "sparse":
        assert line == f"Error: {path} is too large to import (629145600 bytes)"
    else:
        assert line == f"Error: {path} is not a regular file; name a JSON file"


@pytest.mark.parametrize("kind", ENDLESS)
@pytest.mark.parametrize("side", ["base", "ours", "theirs"])
def test_a_merge_with_an_endless_side_is_refused_and_ours_kept(tmp_path: Path, fifo: Path,
                                                              sparse: Path, kind: str,
                                                              side: str) -> None:
    files = {name: tmp_path / f"{name}.toml" for name in ("base", "ours", "theirs")}
    for path in files.values():
        path.write_bytes(SHIPPED.read_bytes())
    files[side] = endless(kind, fifo, sparse)
    ours = files["ours"]
    before = ours.read_bytes() if side != "ours" else None
    line = one_line(ct("merge", *(str(files[n]) for n in ("base", "ours", "theirs"))), 1)
    if kind == "sparse":
        assert line == f"Error: registry is too large to be one: {files[side]} (629145600 bytes)"
    else:
        assert line == f"Error: registry is not a regular file: {files[side]}"
    if before is not None:
        assert ours.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("kind", ENDLESS)
@pytest.mark.parametrize("args", [["list"], ["mark", "coop-01", "-p", "5"], ["validate"]])
def test_an_endless_registry_is_refused_at_once(fifo: Path, sparse: Path, kind: str,
                                                args: list[str]) -> None:
    path = endless(kind, fifo, sparse)
    line = one_line(ct(*args, registry=path), 1)
    assert ("too large" if kind == "sparse" else "not a regular file") in line


def test_a_file_that_grows_past_the_limit_while_read_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from circletrack import fileio

    path = tmp_path / "grows.toml"
    path.write_bytes(b"x" * 30)
    real = os.fstat

    def earlier(fd: int) -> os.stat_result:  # the size fstat saw before 20 bytes came
        info = tuple(real(fd))
        return os.stat_result((*info[:6], 10, *info[7:10]))

    monkeypatch.setattr(fileio.os, "fstat", earlier)
    with pytest.raises(fileio.TooLarge):
        fileio.read_file(path, 25)
    assert fileio.read_file(path, 30) == b"x" * 30
