"""New files (reports, registry copies) are written whole or not at all and never clobber."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from circletrack.base.errors import FileExists
from circletrack.storage.files import write_file


def test_new_file_is_written_with_a_shareable_mode(tmp_path: Path) -> None:
    target = tmp_path / "overdue.csv"
    write_file(target, b"a,b\r\n")
    assert target.read_bytes() == b"a,b\r\n"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["overdue.csv"]  # no temporary left


def test_existing_file_is_never_replaced_without_replace(tmp_path: Path) -> None:
    target = tmp_path / "overdue.csv"
    target.write_bytes(b"mine")
    with pytest.raises(FileExists, match="already exists; use --force"):
        write_file(target, b"theirs")
    assert target.read_bytes() == b"mine"
    assert [p.name for p in tmp_path.iterdir()] == ["overdue.csv"]
    write_file(target, b"theirs", replace=True)
    assert target.read_bytes() == b"theirs"


def test_without_hard_links_exclusive_create_still_refuses(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*_args: object) -> None:
        raise OSError("links not supported")

    monkeypatch.setattr(os, "link", no_links)
    fresh = tmp_path / "new.md"
    write_file(fresh, b"# report\n")
    assert fresh.read_bytes() == b"# report\n"
    with pytest.raises(FileExists):
        write_file(fresh, b"other")
    assert fresh.read_bytes() == b"# report\n"
