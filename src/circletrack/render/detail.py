"""The detail view of one item (`circletrack show`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..model import Item, Registry, sorted_history
from ..query import days_overdue, is_overdue
from .tables import progress_bar, status_text


def _fields_grid(item: Item, day: dt.date) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")

    def row(label: str, value: Any) -> None:
        if value not in (None, "", []):
            grid.add_row(label, value)

    row("Kind", item.kind)
    row("Category", item.category)
    row("English title", item.title_en)
    row("Status", status_text(item.status))
    row("Progress", progress_bar(item.progress, 20))
    due = None
    if item.due is not None:
        due = Text(item.due.isoformat())
        if is_overdue(item, day):
            due.append(f"  overdue by {days_overdue(item, day)} days", style="red")
    row("Due", due)
    row("Original due", item.original_due.isoformat() if item.original_due else None)
    row("Requirement", item.requirement)
    row("Lead", "、".join(item.lead))
    row("Support", "、".join(item.support))
    row("Cities", "、".join(item.cities))
    row("Content", item.content)
    row("Reading", Text(item.reading, style="italic") if item.reading else None)
    row("Tags", ", ".join(item.tags))
    row("Recorded", item.created.isoformat())
    row("Updated", item.updated.isoformat() if item.updated else None)
    return grid


def _facts_table(item: Item, registry: Registry) -> Table:
    table = Table(title="Facts", title_justify="left", header_style="bold", pad_edge=False)
    for header, justify in (("Figure", "left"), ("Value", "right"), ("Unit", "left"),
                            ("Area", "left"), ("Year", "left"), ("Source", "left")):
        table.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for fact in item.facts:
        source = registry.sources.get(fact.source)
        label = fact.label + (f" ({fact.note})" if fact.note else "")
        table.add_row(label, f"{fact.value:g}", fact.unit, fact.area or "",
                      str(fact.year or ""), source.publisher if source else fact.source)
    return table


def _history_table(item: Item) -> Table:
    table = Table(title="History", title_justify="left", header_style="bold", pad_edge=False)
    for header in ("Date", "Status", "Progress", "Report", "By", "Source"):
        table.add_column(header, overflow="fold", no_wrap=header == "Date")
    for report in sorted_history(item.history):
        progress = f"{report.progress}%" if report.progress is not None else ""
        if report.value is not None:
            progress = f"{progress} value {report.value:g}".strip()
        table.add_row(report.date.isoformat(), status_text(report.status), progress,
                      report.note or "", report.by or "", report.source)
    return table


def item_detail(item: Item, registry: Registry, day: dt.date) -> Group:
    """Every field, the facts, the target, the due-date moves and the dated history."""
    parts: list[Any] = [Text.assemble((item.id, "bold cyan"), "  ", (item.title, "bold")),
                        _fields_grid(item, day)]
    if item.target is not None:
        target = item.target
        line = Text(f"Target: {target.op} {target.value:g} {target.unit} by {target.year}")
        if item.reported_value is not None:
            line.append(f"; latest reported {item.reported_value:g} {target.unit}")
        parts.append(line)
    if item.facts:
        parts.append(_facts_table(item, registry))
    if item.due_changes:
        moves = Table(title="Due date moves", title_justify="left", header_style="bold")
        for header in ("Date", "From", "To", "Reason", "By"):
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
        parts.append(Text("No progress reported.", style="dim"))
    if item.related:
        related = [f"{r} ({other.title})" if (other := registry.get(r)) else r
                   for r in item.related]
        parts.append(Text("Related: " + "; ".join(related)))
    names = [registry.sources[s] for s in item.sources if s in registry.sources]
    if names:
        parts.append(Text("Sources: " + "; ".join(f"{s.publisher} {s.date.isoformat()} 《{s.title}》"
                                                  for s in names), style="dim"))
    return Group(*parts)
