"""Filter values from the command line, checked and turned into what `query.Criteria` holds.

A status, kind or category may be given by its code or by its label in either language,
ignoring width (全角/半角), case and the difference between `_`, `-` and a space; a unit,
city or tag must match something the registry knows (a city's trailing 市 ignored). A value
that names nothing known is a UsageError naming the nearest known values; a known value
that matches no item simply selects nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence

from ..base.errors import FieldError
from ..base.i18n import _, join
from ..model.labels import (
    CATEGORY_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    code_for,
    fold,
    names,
    normalise,
)
from ..model.records import Item
from .select import place_name


def _nearest(text: str, candidates: Iterable[str], count: int = 3) -> list[str]:
    pool = list(dict.fromkeys(candidates))
    by_name = {normalise(c): c for c in pool}
    close = difflib.get_close_matches(normalise(text), list(by_name), n=count, cutoff=0.4)
    return [by_name[c] for c in close]


def _unknown(field: str, text: str, near: Sequence[str], everything: Sequence[str]) -> FieldError:
    hint = (_("did you mean {values}?").format(values=join(near)) if near
            else _("known values: {values}").format(values=join(everything[:12])))
    return FieldError(field, _("nothing is called {value!r}; {hint}").format(value=text,
                                                                             hint=hint))


def _codes(values: Sequence[str], labels: dict[str, str], field: str) -> tuple[str, ...]:
    chosen = []
    for text in values:
        code = code_for(text, labels)
        if code is None:
            everything = [n for c in labels for n in names(c, labels)]
            near = _nearest(text, everything)
            raise _unknown(field, text, near, list(labels))
        chosen.append(code)
    return tuple(dict.fromkeys(chosen))


def statuses(values: Sequence[str], field: str = "status") -> tuple[str, ...]:
    """Status codes from codes or labels (in progress, 进行中 …)."""
    return _codes(values, STATUS_LABELS, field)


def kinds(values: Sequence[str], field: str = "kind") -> tuple[str, ...]:
    """Kind codes from codes or labels (project, 项目 …)."""
    return _codes(values, KIND_LABELS, field)


def categories(values: Sequence[str], field: str = "category") -> tuple[str, ...]:
    """Category codes from codes or labels (transport, 交通共联, intercity rail, 城际铁路 …)."""
    return _codes(values, CATEGORY_LABELS, field)


def _known(values: Sequence[str], known: Iterable[str], field: str,
           key: Callable[[str], str]) -> tuple[str, ...]:
    pool = sorted(set(known))
    keyed = [key(k) for k in pool]
    for text in values:
        wanted = key(text)
        if not wanted or not any(wanted in k for k in keyed):
            raise _unknown(field, text, _nearest(text, pool), pool)
    return tuple(values)


def units(values: Sequence[str], items: Iterable[Item], field: str = "unit") -> tuple[str, ...]:
    """Unit fragments, each matching some lead or supporting unit the registry names."""
    return _known(values, (u for i in items for u in (*i.lead, *i.support)), field, fold)


def cities(values: Sequence[str], items: Iterable[Item], field: str = "city") -> tuple[str, ...]:
    """City fragments, each matching a city the registry names (杭州市 matches 杭州)."""
    return _known(values, (c for i in items for c in i.cities), field, place_name)


def tags(values: Sequence[str], items: Iterable[Item], field: str = "tag") -> tuple[str, ...]:
    """Tags the registry uses (compared folded)."""
    known = {fold(t) for i in items for t in i.tags}
    for text in values:
        if fold(text) not in known:
            pool = sorted({t for i in items for t in i.tags})
            raise _unknown(field, text, _nearest(text, pool), pool)
    return tuple(values)
