"""The detail view of one item (`circletrack show`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..i18n import _, pgettext
from ..labels import category_label, item_title, kind_label
from ..model import Item, Registry, sorted_history
from ..query import days_overdue, is_overdue
from .fitted import status_text
from .widgets import progress_bar


def _fields_grid(item: Item, day: dt.date) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")

    def row(label: str, value: Any) -> None:
        if value not in (None, "", []):
            grid.add_row(label, value)

    row(_("Kind"), kind_label(item.kind))
    row(_("Category"), category_label(item.category))
    if item_title(item) == item.title:
        row(_("English title"), item.title_en)
    else:  # the heading shows the English title, so the title as recorded goes here
        row(_("Chinese title"), item.title)
    row(_("Status"), status_text(item.status))
    row(_("Progress"), progress_bar(item.progress, 20))
    due = None
    if item.due is not None:
        due = Text(item.due.isoformat())
        if is_overdue(item, day):
            due.append(_("  overdue by {days} days").format(days=days_overdue(item, day)),
                       style="red")
    row(_("Due"), due)
    row(_("Original due"), item.original_due.isoformat() if item.original_due else None)
    row(_("Requirement"), item.requirement)
    row(_("Lead"), "、".join(item.lead))
    row(_("Support"), "、".join(item.support))
    row(_("Cities"), "、".join(item.cities))
    row(_("Content"), item.content)
    row(_("Reading"), Text(item.reading, style="italic") if item.reading else None)
    row(_("Tags"), ", ".join(item.tags))
    row(_("Recorded"), item.created.isoformat())
    row(_("Updated"), item.updated.isoformat() if item.updated else None)
    return grid


def _facts_table(item: Item, registry: Registry) -> Table:
    table = Table(title=_("Facts"), title_justify="left", header_style="bold", pad_edge=False)
    for header, justify in ((_("Figure"), "left"), (_("Value"), "right"), (_("Unit"), "left"),
                            (_("Area"), "left"), (_("Year"), "left"), (_("Source"), "left")):
        table.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for fact in item.facts:
        source = registry.sources.get(fact.source)
        label = fact.label + (f" ({fact.note})" if fact.note else "")
        table.add_row(label, f"{fact.value:g}", fact.unit, fact.area or "",
                      str(fact.year or ""), source.publisher if source else fact.source)
    return table


def _history_table(item: Item) -> Table:
    table = Table(title=_("History"), title_justify="left", header_style="bold", pad_edge=False)
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
                      report.note or "", report.by or "", report.source)
    return table


def item_detail(item: Item, registry: Registry, day: dt.date) -> Group:
    """Every field, the facts, the target, the due-date moves and the dated history."""
    parts: list[Any] = [Text.assemble((item.id, "bold cyan"), "  ", (item_title(item), "bold")),
                        _fields_grid(item, day)]
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
        moves = Table(title=_("Due date moves"), title_justify="left", header_style="bold")
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
        parts.append(_history_table(item))
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
