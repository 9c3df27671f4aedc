"""Shell completion as a user gets it: the installed `circletrack`, its completion installed
with `circletrack --install-completion SHELL` into a fresh home folder, a real interactive
bash, zsh or fish inside tmux, keys typed and TAB pressed, the screen read back.

Each shell is skipped, saying why, where it (or tmux) is not installed; CI installs them
(.ci/run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHIPPED
from program import SCRIPT

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="tmux and these shells are POSIX"),
    pytest.mark.skipif(shutil.which("tmux") is None,
                       reason="tmux is not installed (Debian package tmux)"),
]

SHELLS = ["bash", "zsh", "fish"]


class Screen:
    """One interactive shell in a tmux session of its own, 160 columns wide."""

    def __init__(self, shell: str, home: Path) -> None:
        self.shell = shell
        self.socket = f"ct-{uuid.uuid4().hex[:8]}"
        self.tmux = ["tmux", "-L", self.socket, "-f", "/dev/null"]
        self.env = {
            "HOME": str(home), "PATH": f"{SCRIPT.parent}{os.pathsep}{os.environ['PATH']}",
            "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "CIRCLETRACK_REGISTRY": str(SHIPPED), "CIRCLETRACK_LANG": "en",
            "CIRCLETRACK_CACHE_DIR": os.environ.get("CIRCLETRACK_CACHE_DIR", str(home / "c")),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "PS1": "$ ",
        }
        program = {"bash": ["bash", "-i"], "zsh": ["zsh", "-i"],
                   "fish": ["fish", "-i", "--private"]}[shell]
        subprocess.run([*self.tmux, "new-session", "-d", "-x", "160", "-y", "40",
                        "env", "-i", *(f"{k}={v}" for k, v in self.env.items()), *program],
                       check=True)
        self.wait_for_prompt()

    def screen(self) -> str:
        return subprocess.run([*self.tmux, "capture-pane", "-p", "-J"], check=True,
                              capture_output=True, text=True).stdout

    def wait_for(self, wanted: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if wanted in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{wanted!r} did not appear; the screen shows:\n{shown}")

    def wait_for_prompt(self) -> None:
        self.type("printf 'READY-%s\\n' 42", enter=True)  # the screen shows 42 once it ran
        self.wait_for("READY-42")
        subprocess.run([*self.tmux, "send-keys", "-l", "clear"], check=True)
        subprocess.run([*self.tmux, "send-keys", "Enter"], check=True)
        deadline = time.monotonic() + 10
        while "READY" in self.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)

    def type(self, text: str, enter: bool = False) -> None:
        """Type `text` and wait until the shell shows it: a TAB that arrives while keys are
        still pending is typeahead, for which zsh skips its completion listing."""
        subprocess.run([*self.tmux, "send-keys", "-l", text], check=True)
        self.wait_for(text.rstrip())
        time.sleep(0.2)
        if enter:
            subprocess.run([*self.tmux, "send-keys", "Enter"], check=True)

    def tab(self, times: int = 1) -> None:
        for _ in range(times):
            subprocess.run([*self.tmux, "send-keys", "Tab"], check=True)
            time.sleep(0.2)

    def line(self) -> str:
        """The line the cursor is on (what has been typed and completed so far)."""
        y = subprocess.run([*self.tmux, "display-message", "-p", "#{cursor_y}"], check=True,
                           capture_output=True, text=True).stdout.strip()
        return self.screen().splitlines()[int(y)] if y.isdigit() else ""

    def cancel(self) -> None:
        """Leave the line (and any completion menu) and start on a clear screen."""
        subprocess.run([*self.tmux, "send-keys", "C-c"], check=True)
        time.sleep(0.3)
        subprocess.run([*self.tmux, "send-keys", "-l", "clear"], check=True)
        subprocess.run([*self.tmux, "send-keys", "Enter"], check=True)
        deadline = time.monotonic() + 10
        while "circletrack" in self.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


@pytest.fixture(params=SHELLS)
def shell(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Screen]:
    name = request.param
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (Debian package {name})")
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    # The installation a user makes, into this home folder.
    installed = subprocess.run([str(SCRIPT), "--install-completion", name],
                               env={**os.environ, "HOME": str(home),
                                    "XDG_CONFIG_HOME": str(home / ".config")},
                               capture_output=True, text=True, timeout=60)
    assert installed.returncode == 0, installed.stderr
    assert "completion installed in" in installed.stdout
    screen = Screen(name, home)
    try:
        yield screen
    finally:
        screen.close()


def completed(screen: Screen, typed: str, wanted: str, tabs: int = 1) -> None:
    """Type `typed`, press TAB, and find `wanted` on the screen."""
    screen.type(typed)
    screen.tab(tabs)
    try:
        screen.wait_for(wanted)
    finally:
        screen.cancel()


def test_command_names_complete(shell: Screen) -> None:
    completed(shell, "circletrack stat", "circletrack status")


def test_item_ids_complete(shell: Screen) -> None:
    completed(shell, "circletrack show rail-hangs", "circletrack show rail-hangshao")


def test_units_complete_in_chinese(shell: Screen) -> None:
    completed(shell, "circletrack list --unit 市交", "circletrack list --unit 市交通局", tabs=2)


def test_statuses_and_formats_complete(shell: Screen) -> None:
    completed(shell, "circletrack list --status in_pro", "--status in_progress")
    completed(shell, "circletrack overdue --format ic", "--format ics")


def test_every_command_is_offered(shell: Screen) -> None:
    shell.type("circletrack ")
    shell.tab(2)
    try:
        shown = shell.wait_for("git-setup")
        for name in ("bulletin", "intake", "overdue", "undo"):
            assert name in shown, shown
        assert "Error" not in shown
        if shell.shell != "bash":  # zsh and fish show each command's help beside it
            assert "The office's bulletin" in shown, shown
    finally:
        shell.cancel()


def test_files_are_left_to_the_shell(shell: Screen, tmp_path: Path) -> None:
    (shell_home := Path(shell.env["HOME"])).joinpath("returned-forms.xlsx").write_bytes(b"x")
    shell.type(f"cd {shell_home}", enter=True)
    time.sleep(0.3)
    completed(shell, "circletrack intake retu", "circletrack intake returned-forms.xlsx")
