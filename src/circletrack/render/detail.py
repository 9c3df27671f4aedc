"""The detail view of one item (`circletrack show`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..base.i18n import _, pgettext
from ..model.labels import item_title
from ..model.records import Item, Registry, item_shown, sorted_history
from ..query.select import days_overdue, is_overdue
from .fields import SHOWN
from .fitted import status_text
from .widgets import progress_bar, shorten


def _due(item: Item, registry: Registry, day: dt.date) -> Text | None:
    if item.due is None:
        return None
    due = Text(item.due.isoformat())
    if is_overdue(item, day):
        due.append(_("  overdue by {days} days").format(days=days_overdue(item, day)),
                   style="red")
    return due


def _deadline(item: Item, registry: Registry, day: dt.date) -> str | None:
    if not item.deadline:
        return None
    source = registry.sources.get(item.deadline_source or "")
    return item.deadline + (f" ({source.publisher.split('(')[0]} {source.date})"
                            if source else "")


#: The rows of `show` whose value is not the listing column's text, by name. The heading
#: shows the English title when the language asks for it, so then the title as recorded
#: has the row (Chinese title), else the English title (English title).
ROWS: dict[str, Callable[[Item, Registry, dt.date], Any]] = {
    "title": lambda i, r, d: i.title if item_title(i) != i.title else None,
    "title_en": lambda i, r, d: i.title_en if item_title(i) == i.title else None,
    "status": lambda i, r, d: state_text(i),
    "progress": lambda i, r, d: progress_text(i),
    "due": _due,
    "requirement": lambda i, r, d: i.requirement,
    "deadline": _deadline,
    "reading": lambda i, r, d: Text(i.reading, style="italic") if i.reading else None,
    "tracks": lambda i, r, d: _linked(i.tracks, r),
    "starts": lambda i, r, d: _linked(i.starts, r),
    "same_as": lambda i, r, d: _linked([i.same_as] if i.same_as else [], r),
    "updated": lambda i, r, d: i.updated.isoformat() if i.updated else None,
}
#: The detail rows, in their order: derived from the item's declarations (model.Item,
#: DERIVED_COLUMNS), each with its label.
DETAIL_ROWS: tuple[tuple[str, str], ...] = tuple(
    (s.name, s.detail_label or s.header)
    for s in sorted((s for s in item_shown() if s.detail), key=lambda s: s.detail))


def _row_value(name: str, item: Item, registry: Registry, day: dt.date) -> Any:
    get = ROWS.get(name)
    return get(item, registry, day) if get is not None else SHOWN[name].get(item, day)


def _fields_grid(item: Item, registry: Registry, day: dt.date) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, label in DETAIL_ROWS:
        value = _row_value(name, item, registry, day)
        if value not in (None, "", []):
            grid.add_row(_(label), value)
    return grid


def _linked(ids: list[str], registry: Registry) -> str:
    return "; ".join(f"{i} ({item_title(other)})" if (other := registry.get(i)) else i
                     for i in ids)


def state_text(item: Item) -> Text:
    """`done, via hwy-qianjiang-tongdao, reported 2018-10-24` (or the item's own report)."""
    state = item.state
    text = status_text(state.status)
    if state.derived:
        via = ", ".join(state.via)
        text.append(_(", via {items}").format(items=via) if state.rule != "same_as"
                    else _(", as {item} (the same event)").format(item=via))
    if state.date is not None:
        text.append(_(", reported {date}").format(date=state.date.isoformat()))
    else:
        text.append(_(", nothing reported"), style="dim")
    return text


def progress_text(item: Item) -> Text:
    """A progress bar with the date the figure was reported, or "— not reported"."""
    state = item.state
    if state.progress is None:
        text = Text(_("— not reported"), style="dim")
        if state.basis == "unknown":
            text.append(_(" ({done} of {count} tracked items done)").format(
                done=state.done, count=state.tracked), style="dim")
        return text
    bar = progress_bar(state.progress, 20)
    if state.basis == "mean":
        bar.append(_(", the mean of {count} tracked items").format(count=state.tracked))
    if state.progress_date is not None:
        bar.append(_(", reported {date}").format(date=state.progress_date.isoformat()))
    return bar


def _passages(item: Item, registry: Registry) -> Table | None:
    cited = list(dict.fromkeys(r.passage for r in sorted_history(item.history) if r.passage))
    if not cited:
        return None
    table = Table(title=_("Quoted passages"), title_justify="left", header_style="bold",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, show_lines=True)
    table.add_column(_("Where"), overflow="fold", ratio=1)
    table.add_column(_("Passage"), overflow="fold", ratio=3)
    for passage_id in cited:
        passage = registry.passages.get(passage_id)
        if passage is None:
            continue
        source = registry.sources.get(passage.source)
        where = (f"{source.publisher.split('(')[0]} {source.date}\n{passage.place}"
                 if source else passage.place)
        table.add_row(where, passage.text)
    return table


def _facts_table(item: Item, registry: Registry) -> Table:
    table = Table(title=_("Facts"), title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header, justify in ((_("Figure"), "left"), (_("Value"), "right"), (_("Unit"), "left"),
                            (_("Area"), "left"), (_("Year"), "left"), (_("Source"), "left")):
        table.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for fact in item.facts:
        source = registry.sources.get(fact.source)
        label = fact.label + (f" ({fact.note})" if fact.note else "")
        table.add_row(label, f"{fact.value:g}", fact.unit, fact.area or "",
                      str(fact.year or ""), source.publisher if source else fact.source)
    return table


def _history_table(item: Item, full: bool) -> Table:
    table = Table(title=_("History"), title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column(_("Date"), overflow="fold", no_wrap=True)
    for header in (_("Status"), _("Progress"), _("Report"), pgettext("report", "By"),
                   _("Source")):
        table.add_column(header, overflow="fold")
    for report in sorted_history(item.history):
        progress = f"{report.progress}%" if report.progress is not None else ""
        if report.value is not None:
            value = _("value {value}").format(value=f"{report.value:g}")
            progress = f"{progress} {value}".strip()
        table.add_row(report.date.isoformat(), status_text(report.status), progress,
                      shorten(report.note or "", full, f"circletrack show {item.id} --full"),
                      report.by or "", report.source)
    return table


def item_detail(item: Item, registry: Registry, day: dt.date, full: bool = False) -> Group:
    """Every field, the facts, the target, the due-date moves and the dated history; notes
    longer than a screenful are cut unless `full`."""
    parts: list[Any] = [Text.assemble((item.id, "bold cyan"), "  ", (item_title(item), "bold")),
                        _fields_grid(item, registry, day)]
    if item.target is not None:
        target = item.target
        line = Text(_("Target: {op} {value} {unit} by {year}").format(
            op=target.op, value=f"{target.value:g}", unit=target.unit, year=target.year))
        if item.reported_value is not None:
            line.append(_("; latest reported {value} {unit}").format(
                value=f"{item.reported_value:g}", unit=target.unit))
        parts.append(line)
    if item.facts:
        parts.append(_facts_table(item, registry))
    if item.due_changes:
        moves = Table(title=_("Due date moves"), title_justify="left", header_style="bold",
                      box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for header in (_("Date"), _("From"), _("To"), _("Reason"),
                       pgettext("due date move", "By")):
            moves.add_column(header, overflow="fold")
        for change in item.due_changes:
            moves.add_row(change.date.isoformat(),
                          change.from_.isoformat() if change.from_ else "",
                          change.to.isoformat() if change.to else "", change.reason,
                          change.by or "")
        parts.append(moves)
    if item.history:
        parts.append(_history_table(item, full))
        passages = _passages(item, registry)
        if passages is not None:
            parts.append(passages)
    else:
        parts.append(Text(_("No progress reported."), style="dim"))
    if item.related:
        related = [f"{r} ({item_title(other)})" if (other := registry.get(r)) else r
                   for r in item.related]
        parts.append(Text(_("Related: {items}").format(items="; ".join(related))))
    names = [registry.sources[s] for s in item.sources if s in registry.sources]
    if names:
        sources = "; ".join(f"{s.publisher} {s.date.isoformat()} 《{s.title}》" for s in names)
        parts.append(Text(_("Sources: {sources}").format(sources=sources), style="dim"))
    return Group(*parts)
