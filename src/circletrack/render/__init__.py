"""Renderers: they return strings, bytes or Rich objects and never print.

The formats each command can render are declared here, once, without importing a
renderer (so the command line can offer them without paying for Rich at start-up).
"""

from __future__ import annotations

LIST_FORMATS: tuple[str, ...] = ("table", "json", "csv", "md")
SHOW_FORMATS: tuple[str, ...] = ("table", "json")
LOG_FORMATS: tuple[str, ...] = ("table", "json")
OVERDUE_FORMATS: tuple[str, ...] = ("table", "csv", "xlsx", "json", "md", "ics")
STALE_FORMATS: tuple[str, ...] = ("table", "csv", "json", "md")
SLIPS_FORMATS: tuple[str, ...] = ("table", "csv", "json", "md")
EXPORT_FORMATS: tuple[str, ...] = ("json", "csv", "md", "ics", "taskwarrior")
FORMS_FORMATS: tuple[str, ...] = ("xlsx", "csv")
BULLETIN_FORMATS: tuple[str, ...] = ("md", "html", "docx")
SCORECARD_FORMATS: tuple[str, ...] = ("table", "csv", "json", "md", "xlsx")
#: The formats of each command that takes --format (shell completion offers these).
COMMAND_FORMATS: dict[str, tuple[str, ...]] = {
    "list": LIST_FORMATS, "show": SHOW_FORMATS, "log": LOG_FORMATS,
    "overdue": OVERDUE_FORMATS, "stale": STALE_FORMATS, "slips": SLIPS_FORMATS,
    "export": EXPORT_FORMATS, "forms": FORMS_FORMATS, "bulletin": BULLETIN_FORMATS,
    "scorecard": SCORECARD_FORMATS,
}
#: The format `--output FILE` implies when --format is not given.
SUFFIX_FORMATS: dict[str, str] = {".csv": "csv", ".json": "json", ".md": "md",
                                  ".markdown": "md", ".ics": "ics", ".xlsx": "xlsx"}
