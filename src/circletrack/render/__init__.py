"""Renderers: they return strings, bytes or Rich objects and never print.

The formats each command can render are declared here, once, without importing a
renderer (so the command line can offer them without paying for Rich at start-up).
"""

from __future__ import annotations

#: Every listing (list, overdue, stale, slips) in every format: one pipeline, one renderer
#: per format (render/listing_views.py).
LISTING_FORMATS: tuple[str, ...] = ("table", "csv", "xlsx", "json", "md", "ics")
LIST_FORMATS = OVERDUE_FORMATS = STALE_FORMATS = SLIPS_FORMATS = LISTING_FORMATS
SHOW_FORMATS: tuple[str, ...] = ("table", "json")
LOG_FORMATS: tuple[str, ...] = ("table", "json")
#: The export: no table (it is for other tools), and Taskwarrior's import JSON.
EXPORT_FORMATS: tuple[str, ...] = ("json", "csv", "xlsx", "md", "ics", "taskwarrior")
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
