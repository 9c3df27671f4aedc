"""Where the registry lives, reading its bytes, and whether it may be written."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import RegistryNotFound, RegistryReadOnly
from ..base.i18n import _
from .files import NotAFile, TooLarge, read_file

ENV_REGISTRY = "CIRCLETRACK_REGISTRY"
CHECKOUT_REGISTRY = Path("data") / "projects.toml"


@dataclass(frozen=True)
class Location:
    """A registry path and how it was chosen: option, env, checkout or bundled; or merge,
    for a side of git's merge (a file git wrote, read as a registry is)."""

    path: Path
    origin: str

    @property
    def bundled(self) -> bool:
        """True for the copy shipped inside the package, which is never written."""
        return self.origin == "bundled"

    @property
    def real(self) -> Path:
        """The file itself, symbolic links resolved: writes lock, journal and replace this,
        so a link and the path it points to share one lock and stay a link."""
        return Path(os.path.realpath(self.path))


def bundled_path() -> Path:
    """The registry shipped with the package (or, in a source checkout, the repo's copy)."""
    from importlib import resources

    packaged = resources.files("circletrack") / "data" / "projects.toml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / CHECKOUT_REGISTRY


#: A pyproject.toml larger than this is not circletrack's (the checkout's is 2 KB).
_PROJECT_BYTES = 1 << 20


def _checkout_registry(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / CHECKOUT_REGISTRY
        project = folder / "pyproject.toml"
        if candidate.is_file() and project.is_file():
            with contextlib.suppress(OSError, UnicodeDecodeError):
                if 'name = "circletrack"' in read_file(project, _PROJECT_BYTES).decode("utf-8"):
                    return candidate
    return None


def locate(option: str | Path | None = None, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> Location:
    """Pick the registry: --registry, else $CIRCLETRACK_REGISTRY, else the checkout's, else bundled."""
    environ = os.environ if env is None else env
    if option:
        return Location(Path(option), "option")
    if environ.get(ENV_REGISTRY):
        return Location(Path(environ[ENV_REGISTRY]), "env")
    found = _checkout_registry((cwd or Path.cwd()).resolve())
    if found is not None:
        return Location(found, "checkout")
    return Location(bundled_path(), "bundled")


#: A registry larger than this is not read (10,000 items make about 11 MB).
MAX_REGISTRY_BYTES = 256 * 1024 * 1024


def read_bytes(location: Location) -> bytes:
    """The registry file's bytes, or RegistryNotFound with a hint. Only a regular file is
    read (a FIFO or a device would block or never end), and never more than
    MAX_REGISTRY_BYTES of it (see fileio.read_file)."""
    path = location.path
    try:
        return read_file(path, MAX_REGISTRY_BYTES)
    except FileNotFoundError:
        hint = (_(" (create one with `circletrack init PATH`)")
                if location.origin not in ("bundled", "merge") else "")
        raise RegistryNotFound(_("registry not found: {path}{hint}").format(
            path=path, hint=hint)) from None
    except (IsADirectoryError, NotAFile) as exc:
        if isinstance(exc, IsADirectoryError) or exc.folder:
            raise RegistryNotFound(_("registry path is a folder, not a file: {path}").format(
                path=path)) from None
        raise RegistryNotFound(_("registry is not a regular file: {path}").format(
            path=path)) from None
    except TooLarge as exc:
        raise RegistryNotFound(_("registry is too large to be one: {path} ({size} "
                                 "bytes)").format(path=path, size=exc.size)) from None
    except OSError as exc:
        raise RegistryNotFound(_("cannot read registry {path}: {error}").format(
            path=path, error=exc.strerror or exc)) from None


def check_writable(location: Location) -> None:
    """Refuse a write the registry's origin or permissions rule out, before taking the lock.

    Besides the access checks, a file with no write permission bits at all is refused even
    where the process could write it anyway (root): a read-only registry was made so on
    purpose.
    """
    if location.bundled:
        raise RegistryReadOnly(
            _("the bundled registry ({path}) is read-only; make a writable copy with "
              "`circletrack init PATH` and use it with --registry PATH or CIRCLETRACK_REGISTRY")
            .format(path=location.path))
    path = location.real
    if not path.exists():
        raise RegistryNotFound(_("registry not found: {path}{hint}").format(
            path=location.path, hint=_(" (create one with `circletrack init PATH`)")))
    with contextlib.suppress(OSError):
        links = os.stat(path).st_nlink
        if links > 1:
            raise RegistryReadOnly(_("registry {path} has {count} hard links: replacing it "
                                     "would leave the other names with the old contents; "
                                     "make them symbolic links, then write").format(
                path=location.path, count=links))
    if not os.access(path, os.W_OK):
        raise RegistryReadOnly(_("registry is not writable: {path}").format(path=path))
    if not os.access(path.parent, os.W_OK):
        raise RegistryReadOnly(_("cannot write in the registry's folder: {path}").format(
            path=path.parent))
    with contextlib.suppress(OSError):
        if not path.stat().st_mode & 0o222:
            raise RegistryReadOnly(_("registry is read-only: {path} (it has no write "
                                     "permission; `chmod u+w` it to record changes)").format(
                path=path))
