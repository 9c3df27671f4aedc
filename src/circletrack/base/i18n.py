"""The interface language: gettext catalogues, the choice of language, and the marker functions.

The messages in the code are English and serve as the gettext msgids; the Chinese catalogue
is `locale/zh/LC_MESSAGES/circletrack.po` (compiled to `.mo` by `tools/compile_catalogs.py`).
`_()` translates when it is called, with the language `set_language` chose for this run;
strings defined at import time are marked with `N_()` and translated where they are shown.
Dynamic messages are templates filled after translation: `_("no item {text!r}").format(…)`.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

DOMAIN = "circletrack"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGES: tuple[str, ...] = ("en", "zh")
DEFAULT_LANGUAGE = "en"
#: Checked in this order: the first that is set and non-empty decides.
LANGUAGE_VARIABLES: tuple[str, ...] = ("CIRCLETRACK_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def detect_language(env: Mapping[str, str]) -> str:
    """`zh` when the first language variable set in `env` starts with `zh`, else `en`."""
    for name in LANGUAGE_VARIABLES:
        value = (env.get(name) or "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return DEFAULT_LANGUAGE


@lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of a language (English, the language of the msgids, needs none)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language],
                               fallback=True)


class _Active:
    """The language of this run: set once per command-line invocation by `set_language`."""

    language: str = DEFAULT_LANGUAGE
    catalogue: gettext.NullTranslations = gettext.NullTranslations()


def set_language(language: str) -> None:
    """Make `language` (one of LANGUAGES) the language every later `_()` translates into."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
    _Active.language = language
    _Active.catalogue = translations(language)


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Translate into `language` inside the block (a file for someone else: a unit's form),
    then into this run's language again."""
    before = _Active.language
    set_language(language)
    try:
        yield
    finally:
        set_language(before)


def current_language() -> str:
    """The language `_()` translates into now."""
    return _Active.language


def _(message: str) -> str:
    """The message in the active language."""
    return _Active.catalogue.gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext name
    """Mark a message for translation where it is shown; returns it unchanged."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural message for `count`, in the active language."""
    return _Active.catalogue.ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """The message in the active language, where the same English word needs context."""
    return _Active.catalogue.pgettext(context, message)


def join(parts: Iterable[str]) -> str:
    """Parts of a list joined as the active language writes a list: `a, b` or `a、b`."""
    # Translators: the separator between the parts of a list of names.
    return _(", ").join(parts)
