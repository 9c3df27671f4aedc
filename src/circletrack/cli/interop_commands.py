"""Bringing data in from other registries: import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..base.errors import RegistryNotFound, UsageError
from ..base.i18n import _
from ..changes.interop import items_from_tables, merge_items, parse_export
from ..storage import MAX_REGISTRY_BYTES, update_journaled
from ..storage.files import NotAFile, TooLarge, read_file
from .core import RegistryOption, checkout_notice, command, registry_location
from .options import today


def read_json_file(path: Path) -> str:
    """The text of a JSON file (UTF-8, with or without a byte-order mark). Only a regular
    file is read (a FIFO would wait, /dev/zero would never end), and only one no larger
    than a registry may be (see fileio.read_file)."""
    try:
        return read_file(path, MAX_REGISTRY_BYTES).decode("utf-8-sig")
    except FileNotFoundError:
        raise RegistryNotFound(_("no such file: {path}").format(path=path)) from None
    except (IsADirectoryError, NotAFile) as exc:
        if isinstance(exc, IsADirectoryError) or exc.folder:
            raise UsageError(_("{path} is a folder; name a JSON file").format(
                path=path)) from None
        raise UsageError(_("{path} is not a regular file; name a JSON file").format(
            path=path)) from None
    except TooLarge as exc:
        raise UsageError(_("{path} is too large to import ({size} bytes)").format(
            path=path, size=exc.size)) from None
    except UnicodeDecodeError:
        raise UsageError(_("{path} is not UTF-8 text").format(path=path)) from None


@command("import")
def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE.json",
                                         help="JSON written by `circletrack export --format json` "
                                              "or `list --format json`.")],
    registry: RegistryOption = None,
) -> None:
    """Add or update items from circletrack's own JSON, matching them by id.

    The whole result is validated and written under the lock like every write, and can
    be undone with `circletrack undo`. Derived fields (overdue, updated …) are ignored.
    Example: circletrack import other-office.json
    """
    tables = parse_export(read_json_file(file))
    location = registry_location(registry)
    written = update_journaled(location,
                               lambda data: merge_items(data, items_from_tables(tables, data,
                                                                                today())),
                               f"import {file.name}")
    added, updated, unchanged = written.result
    typer.echo(_("imported {file}: {added} added, {updated} updated, {unchanged} unchanged "
                 "(wrote {path})").format(file=file, added=added, updated=updated,
                                          unchanged=unchanged, path=location.path))
    checkout_notice(location)
