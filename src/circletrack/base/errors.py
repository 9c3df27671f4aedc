"""Typed errors. Library code raises these; the CLI maps them to exit codes in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from .i18n import _, join, ngettext


class ExitStatus(IntEnum):
    """Every exit code circletrack uses."""

    OK = 0
    ERROR = 1
    USAGE = 2


class CircletrackError(Exception):
    """Base class: a problem the user can act on, shown as one line."""

    exit_status: ExitStatus = ExitStatus.ERROR


class UsageError(CircletrackError):
    """Bad input on the command line (an unknown id, a value out of range)."""

    exit_status = ExitStatus.USAGE


class FieldError(UsageError):
    """A value that is wrong for one field (progress, due, a filter …). The message is worded
    for any caller; the command line puts the option's name in front (`--progress: …`), a
    form its sheet, row and column."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class FieldErrors(UsageError):
    """Several fields wrong at once (a report's progress, status and date): every problem
    is said together, so a form or a command line is put right in one round. The command
    line names each field's option; a form its sheet, row and column."""

    def __init__(self, problems: list[FieldError]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class AlreadyRecorded(UsageError):
    """The report asked for is already in the item's history (same date, status, progress,
    value and note); nothing was recorded. `intake` counts these instead of failing.
    `report` is the report as it would have been recorded."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class FormsRefused(CircletrackError):
    """Filled forms with problems (a bad cell, an edited id, a damaged file); nothing was
    written. Carries every problem, each worded with its file, sheet, row and column."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        first = problems[0] if problems else _("the forms cannot be read")
        more = (ngettext(" (and {count} more problem)", " (and {count} more problems)",
                         count - 1).format(count=count - 1) if count > 1 else "")
        super().__init__(first + more)


class RegistryNotFound(CircletrackError):
    """The registry file does not exist or cannot be read."""


class RegistryReadOnly(CircletrackError):
    """A write was asked of a registry that may not or cannot be written."""


class FileExists(CircletrackError):
    """A file would be replaced and the user did not say it may be (--force)."""


class LockTimeout(CircletrackError):
    """Another process held the registry lock for too long."""


class ConflictError(CircletrackError):
    """The registry changed in a way that makes the request unsafe (e.g. undo)."""


@dataclass(frozen=True)
class Problem:
    """One validation problem, located as precisely as the file allows."""

    message: str
    line: int | None = None
    item_id: str | None = None
    field: str | None = None

    def format(self, path: str | None = None) -> str:
        """`path:line: id: field: message`, leaving out the parts that are unknown."""
        parts = []
        if path is not None:
            parts.append(f"{path}:{self.line}" if self.line else path)
        elif self.line:
            parts.append(_("line {line}").format(line=self.line))
        if self.item_id:
            parts.append(self.item_id)
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class RegistryInvalid(CircletrackError):
    """The registry (or a change to it) breaks the schema; carries every problem."""

    def __init__(self, problems: list[Problem], path: str | None = None) -> None:
        self.problems = problems
        self.path = path
        count = len(problems)
        first = problems[0].format(path) if problems else _("invalid registry")
        more = (ngettext(" (and {count} more problem)", " (and {count} more problems)",
                         count - 1).format(count=count - 1) if count > 1 else "")
        super().__init__(first + more)


class UnresolvedConflicts(RegistryInvalid):
    """The registry holds git's conflict markers: a merge left entries to resolve by hand.
    `names` are the items (or sources, passages) inside the marked regions, in file order."""

    def __init__(self, problems: list[Problem], names: list[str], path: str | None = None) -> None:
        super().__init__(problems, path)
        self.names = names
        where = path or _("the registry")
        self.args = (_("{path} has unresolved merge conflicts in {names}: keep one version of "
                       "each between the <<<<<<< and >>>>>>> lines, check with `circletrack "
                       "validate`, then `git add` the file and commit").format(
            path=where, names=join(names) or _("its head (schema, sources, passages)")),)


class GitError(CircletrackError):
    """git is missing, or the folder is not in a git repository, or a git command failed."""


class ImportInvalid(RegistryInvalid):
    """Items from a file (an import, a form) that break the schema; nothing was written."""

    exit_status = ExitStatus.USAGE
