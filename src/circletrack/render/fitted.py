"""One table of items for every command, fitted to the console when it is printed.

Rich measures a run of Chinese characters as one unbreakable word and, once the fixed
columns fill the line, squeezes every column alike, cutting ids and statuses. Here the
no-wrap columns (ids, dates, numbers, statuses) keep their width and the room left is
shared among the text columns by weight, in even widths (a Chinese character takes two
cells). A long table (a piped `list` of thousands of items) is laid out line by line
without Rich's per-cell measuring, which otherwise takes most of the command's time.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# Rich is imported inside the methods that print to a terminal, for start-up speed: a
# table piped or written to a file is laid out as text (`ItemTable.plain`) without it.
if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.segment import Segment
    from rich.style import Style
    from rich.text import Text

from ..base.cells import cell_len, wrap_cells, wrap_words
from ..base.i18n import _
from ..model.labels import status_label
from ..model.records import Item
from ..query.select import is_overdue
from .fields import COLUMNS, DERIVED_MARK, header

STATUS_STYLES: dict[str, str] = {
    "planned": "blue",
    "in_progress": "yellow",
    "done": "green",
    "blocked": "bold red",
    "cancelled": "dim",
}
#: Columns that never wrap (by their width policy, see model.WIDTH_POLICIES); ids stay whole
#: so they can be copied into the next command.
NO_WRAP: frozenset[str] = frozenset(n for n, c in COLUMNS.items()
                                    if c.width in ("fixed", "yields"))
#: Columns of units (or cities) joined by 、: they break only between units, and are never
#: narrower than their widest unit, so a unit's name is never cut (市交通/局).
UNIT_COLUMNS: frozenset[str] = frozenset(n for n, c in COLUMNS.items() if c.width == "units")
UNIT_SEPARATOR = "、"
#: The widest a unit column is kept for one unit (six Chinese characters and a 、, or
#: seven): a longer name (杭州西湖风景名胜区管委会(市园文局)) wraps rather than squeeze
#: every title.
UNIT_CAP = 14


def wrap_column(name: str, text: str, width: int) -> list[str]:
    """A cell's lines in its column: units whole in a unit column (see UNIT_COLUMNS)."""
    return wrap_cells(text, width, UNIT_SEPARATOR if name in UNIT_COLUMNS else "")


#: The no-wrap columns that give way before titles get narrow: an id may fold.
YIELDING: frozenset[str] = frozenset(n for n, c in COLUMNS.items() if c.width == "yields")
#: Narrowest a text column gets (in cells), and how the spare room is shared.
MIN_WIDTHS: dict[str, int] = {n: c.min_width for n, c in COLUMNS.items()
                              if c.min_width is not None}
WRAP_WEIGHTS: dict[str, int] = {n: c.weight for n, c in COLUMNS.items()}
#: Shorter headers where a terminal table is short of room (the same in every language).
SHORT_HEADERS: dict[str, str] = {"progress": "%"}
#: Above this many rows the table is laid out without Rich's Table.
FAST_ROWS = 300
GAP = 2


def table_width(widths: Sequence[int]) -> int:
    """The cells a row of columns this wide takes, with GAP between them."""
    return sum(widths) + GAP * (len(widths) - 1)


def fit(natural: Sequence[int], wrapping: Sequence[bool], floors: Sequence[int],
        weights: Sequence[int], width: int, yielding: Sequence[bool] | None = None,
        hard: Sequence[int] | None = None) -> list[int]:
    """Column widths that fit `width` cells with GAP between columns.

    Columns that do not wrap keep their natural width; the rest share what is left by
    weight, never below their floor, in even widths. If the floors do not fit, the
    `yielding` no-wrap columns (the id; by default every no-wrap column) give way first,
    down to 8 cells (a long id folds onto a second line), so that titles keep a readable
    width; only then do text floors drop to 6 cells, never below their `hard` floor (the
    widest word of a header, which never breaks). Dates and numbers never fold.
    """
    hard = hard if hard is not None else [0] * len(natural)
    yielding = yielding if yielding is not None else [not w for w in wrapping]
    widths = list(natural)
    room = width - GAP * (len(natural) - 1)
    fixed = sum(w for w, wraps in zip(natural, wrapping) if not wraps)
    wrap_cols = [i for i, wraps in enumerate(wrapping) if wraps]
    if sum(natural) <= room:
        return widths
    spare = room - fixed
    floors = list(floors)
    need = sum(min(natural[i], floors[i]) for i in wrap_cols)
    while spare < need:  # ids and other no-wrap columns fold before titles get narrow
        widest = max((i for i in range(len(natural))
                      if yielding[i] and not wrapping[i] and widths[i] > 8),
                     key=lambda i: widths[i], default=None)
        if widest is None:
            break
        widths[widest] -= 1
        spare += 1
    if spare < need:  # then text goes down to three Chinese characters a line
        floors = [max(min(f, 6), hard[i]) if wrapping[i] else f for i, f in enumerate(floors)]
        need = sum(min(natural[i], floors[i]) for i in wrap_cols)
    total = sum(weights[i] for i in wrap_cols) or 1
    for i in wrap_cols:
        floor = min(natural[i], floors[i])
        share = max(floor, min(natural[i], spare * weights[i] // total))
        even = share // 2 * 2
        widths[i] = share if share == natural[i] or even < floor else even
    left = spare - sum(widths[i] for i in wrap_cols)
    while left < 0:  # the floors kept pushed the shares over: the widest above its floor gives
        over = [i for i in wrap_cols if widths[i] > min(natural[i], floors[i])]
        if not over:
            break
        widest = max(over, key=lambda i: widths[i] - floors[i])
        widths[widest] -= 1
        left += 1
    for i in sorted(wrap_cols, key=lambda i: -weights[i]):
        grow = max(0, min(left, natural[i] - widths[i]))
        widths[i] += grow
        left -= grow
    return widths




def _unit_parts(text: str) -> list[str]:
    """The units of a cell, each with the separator after it (as it is laid out)."""
    parts = text.split(UNIT_SEPARATOR)
    return [p + UNIT_SEPARATOR for p in parts[:-1]] + parts[-1:]


def fold_id(text: str, width: int) -> str:
    """An id too wide for its column, folded after a hyphen where one fits (`hwy-qianjiang-`
    / `tongdao`), else at the width; lines joined by newlines, as both layouts print them."""
    lines = []
    while cell_len(text) > width:
        cut = text.rfind("-", 0, width)
        cut = cut + 1 if cut > 0 else width
        lines.append(text[:cut])
        text = text[cut:]
    return "\n".join([*lines, text])


@functools.lru_cache(maxsize=64)
def _style(definition: str) -> Style:
    from rich.style import Style

    return Style.parse(definition)


def _pad(text: str, width: int, justify: str) -> str:
    gap = max(0, width - cell_len(text))
    return " " * gap + text if justify == "right" else text + " " * gap


@dataclass(frozen=True)
class ItemTable:
    """Rows of cell texts under headers, with a style per cell, fitted when printed."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    styles: Sequence[Sequence[str | None]] = ()
    title: str | None = None
    caption: str | None = None
    headers: Sequence[str] = field(default=())
    #: Columns left out, in this order, while the table cannot fit the console otherwise.
    droppable: Sequence[str] = ()
    #: The rows the widths are measured on, when not only this table's: the sections of a
    #: grouped listing share their columns' widths.
    shape: Sequence[Sequence[str]] = ()

    @property
    def _shape(self) -> Sequence[Sequence[str]]:
        return self.shape or self.rows

    @functools.cached_property
    def _measure(self) -> Callable[[str], int]:
        """cell_len, remembered for this table: the widths, the folding and the layout
        measure each cell of up to 10,000 rows again and again, and most values repeat
        (units, dates, statuses)."""
        measured: dict[str, int] = {}

        def measure(text: str) -> int:
            width = measured.get(text)
            if width is None:
                width = measured[text] = cell_len(text)
            return width

        return measure

    def _headers(self) -> list[str]:
        return list(self.headers) or [SHORT_HEADERS.get(c) or header(c) for c in self.columns]

    def fitting(self, max_width: int) -> ItemTable:
        """This table, or the same without its droppable columns while it cannot fit."""
        table = self
        for name in self.droppable:
            if table._fits(max_width) or name not in table.columns:
                break
            keep = [i for i, c in enumerate(table.columns) if c != name]
            table = ItemTable(
                tuple(table.columns[i] for i in keep), [[r[i] for i in keep] for r in table.rows],
                [[s[i] for i in keep] for s in table.styles], table.title, table.caption,
                [table.headers[i] for i in keep] if table.headers else (), (),
                [[r[i] for i in keep] for r in table.shape])
        return table

    def _fits(self, max_width: int) -> bool:
        widths = self.widths(max_width)
        heads = self._headers()
        words = [max(cell_len(w) for w in h.split()) if h.split() else 0 for h in heads]
        whole = [max([0, *(self._measure(row[i]) for row in self._shape)])
                 if name in YIELDING else 0 for i, name in enumerate(self.columns)]
        floors = [min(MIN_WIDTHS.get(name, 0), max([0, *(self._measure(row[i])
                                                          for row in self._shape)]))
                  for i, name in enumerate(self.columns)]
        # a droppable column goes before an id folds or a text gets narrower than its floor
        return (table_width(widths) <= max_width
                and all(w >= n for w, n in zip(widths, words))
                and all(w >= n for w, n in zip(widths, whole))
                and all(w >= f for w, f in zip(widths, floors)))

    def widths(self, max_width: int) -> list[int]:
        """The width of each column in a console `max_width` cells wide.

        When the headers do not fit beside each other, the no-wrap columns narrow to their
        values and their headers wrap between words ("Days / overdue"); a header never
        breaks inside a word.
        """
        heads = self._headers()
        measure = self._measure
        values = [max([0, *(measure(row[i]) for row in self._shape)])
                  for i in range(len(heads))]
        natural = [max(cell_len(h), v) for h, v in zip(heads, values)]
        wrapping = [c not in NO_WRAP for c in self.columns]
        floors = [max(MIN_WIDTHS.get(c, 6), *(cell_len(w) for w in h.split()))
                  for c, h in zip(self.columns, heads)]
        weights = [WRAP_WEIGHTS.get(c, 1) for c in self.columns]
        if table_width(natural) > max_width:
            natural = [n if wraps else max(v, *(cell_len(w) for w in h.split()))
                       for n, v, h, wraps in zip(natural, values, heads, wrapping)]
        hard = [max(cell_len(w) for w in h.split()) if h.split() else 0 for h in heads]
        for i, name in enumerate(self.columns):  # a unit's name is never cut
            if name in UNIT_COLUMNS:
                hard[i] = max([hard[i], *(min(measure(part), UNIT_CAP)
                                          for row in self._shape
                                          for part in _unit_parts(row[i]))])
                floors[i] = max(floors[i], hard[i])
        return fit(natural, wrapping, floors, weights, max_width,
                   [c in YIELDING for c in self.columns], hard)

    def as_records(self, max_width: int) -> bool:
        """Whether the table is shown as records (one field a line): when, its droppable
        columns gone, an id would still fold, since a folded id cannot be copied back."""
        widths = self.widths(max_width)
        return any(name in YIELDING and any(self._measure(row[i]) > width
                                            for row in self._shape)
                   for i, (name, width) in enumerate(zip(self.columns, widths)))

    def records(self, max_width: int) -> str:
        """The rows as records: the id on a line of its own, then each other field that
        has a value as `Header: value`, indented, wrapped as its column wraps."""
        heads = [header(c) for c in self.columns]
        lines = list(wrap_words(self.title, max_width)) if self.title else []
        for row in self.rows:
            lines.append(row[0])
            for name, head, text in zip(self.columns[1:], heads[1:], row[1:]):
                if not text:
                    continue
                label = f"    {head}: "
                room = max(max_width - cell_len(label), 12)
                parts = [line for piece in text.split("\n")
                         for line in wrap_column(name, piece, room)]
                lines.append(label + parts[0])
                lines.extend(" " * cell_len(label) + part for part in parts[1:])
        if self.caption:
            lines.extend(wrap_words(self.caption, max_width))
        return "".join(line.rstrip() + "\n" for line in lines)

    def _folded(self, widths: Sequence[int]) -> Sequence[Sequence[str]]:
        """The rows with ids too wide for their column folded (see `fold_id`)."""
        narrow = [i for i, (name, width) in enumerate(zip(self.columns, widths))
                  if name in YIELDING and any(self._measure(row[i]) > width
                                              for row in self.rows)]
        if not narrow:
            return self.rows
        return [[fold_id(text, widths[i]) if i in narrow else text
                 for i, text in enumerate(row)] for row in self.rows]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        narrower = self.fitting(options.max_width) if self.droppable else self
        if narrower is not self:  # it has no droppable columns left: this recurses once
            yield from narrower.__rich_console__(console, options)
            return
        if self.as_records(options.max_width):
            from rich.text import Text

            yield Text(self.records(options.max_width).rstrip("\n"))
            return
        widths = self.widths(options.max_width)
        rows = self._folded(widths)
        fits = table_width(widths) <= options.max_width
        if len(self.rows) > FAST_ROWS and fits:  # else Rich crops a too-narrow console
            yield from self._fast(widths, options.max_width, rows)
            return
        width = self._rule_width(widths, options.max_width)
        title, caption = (None if text is None else "\n".join(wrap_words(text, width))
                          for text in (self.title, self.caption))
        table = Table(title=title, caption=caption, title_justify="left",
                      header_style="bold", box=box.SIMPLE_HEAD, show_edge=False,
                      pad_edge=False, collapse_padding=True)
        for name, heading, width in zip(self.columns, self._headers(), widths):
            column = COLUMNS[name]
            table.add_column(heading, justify=column.justify, width=width,  # type: ignore[arg-type]
                             overflow="fold")
        for number, row in enumerate(rows):
            styles = self.styles[number] if self.styles else ()
            cells = ["\n".join(wrap_column(name, text, width))
                     for name, text, width in zip(self.columns, row, widths)]
            table.add_row(*(Text(text, style=styles[i] or "") if styles else text
                            for i, text in enumerate(cells)))
        yield table

    def _layout(self, widths: list[int], max_width: int, rows: Sequence[Sequence[str]],
                ) -> Iterable[tuple[list[str], Sequence[str | None]]]:
        """The table line by line, each line as its cells (to be joined by GAP spaces) and
        a style for each: the same layout as the Rich path."""
        yield from self._head(widths, max_width)
        right = self._right()
        for number, row in enumerate(rows):
            styles = self.styles[number] if self.styles else [None] * len(row)
            for cells in self._row_lines(row, widths, right):
                yield cells, styles
        yield from self._tail(widths, max_width)

    def _rule_width(self, widths: Sequence[int], max_width: int) -> int:
        return min(max_width, table_width(widths))

    def _right(self) -> list[bool]:
        return [COLUMNS[c].justify == "right" for c in self.columns]

    def _head(self, widths: Sequence[int], max_width: int,
              ) -> Iterable[tuple[list[str], Sequence[str | None]]]:
        """The title (wrapped to the table's width, as Rich wraps it), headers and rule."""
        rule_width = self._rule_width(widths, max_width)
        if self.title:
            for line in wrap_words(self.title, rule_width):
                yield [line], [None]
        justify = [COLUMNS[c].justify for c in self.columns]
        for line in self._lines(self._headers(), widths, justify, " " * GAP):
            yield [line.rstrip()], ["bold"]
        yield ["─" * rule_width], [None]

    def _tail(self, widths: Sequence[int], max_width: int,
              ) -> Iterable[tuple[list[str], Sequence[str | None]]]:
        """The caption, centred under the table."""
        rule_width = self._rule_width(widths, max_width)
        if self.caption:
            for line in wrap_words(self.caption, rule_width):
                yield [_pad(line, (rule_width + cell_len(line)) // 2, "right")], [None]

    def _row_lines(self, row: Sequence[str], widths: Sequence[int],
                   right: Sequence[bool]) -> list[list[str]]:
        """A row's lines, each as its cells padded to their widths: one line unless a cell
        wraps. Each text is measured once for the whole table (`_measure`); a cell that
        fits (nearly all of them) takes the short way."""
        measure = self._measure
        cells: list[str] = []
        wrapped: dict[int, list[str]] | None = None  # the cells that take several lines
        for i, (text, width, flush) in enumerate(zip(row, widths, right)):
            name = self.columns[i]
            used = measure(text)
            if used <= width and "\n" not in text:
                cells.append(" " * (width - used) + text if flush
                             else text + " " * (width - used))
                continue
            padded = [" " * (width - measure(line)) + line if flush
                      else line + " " * (width - measure(line))
                      for line in wrap_column(name, text, width)]
            cells.append(padded[0])
            if len(padded) > 1:
                wrapped = wrapped or {}
                wrapped[i] = padded
        if wrapped is None:
            return [cells]
        height = max(len(lines) for lines in wrapped.values())
        return [cells, *([wrapped[i][depth] if i in wrapped and depth < len(wrapped[i])
                          else " " * width for i, width in enumerate(widths)]
                         for depth in range(1, height))]

    def _fast(self, widths: list[int], max_width: int,
              rows: Sequence[Sequence[str]]) -> Iterable[Segment]:
        """The same layout as the Rich path, one line at a time."""
        from rich.segment import Segment

        gap = Segment(" " * GAP)
        for cells, styles in self._layout(widths, max_width, rows):
            for i, (text, style) in enumerate(zip(cells, styles)):
                if i:
                    yield gap
                yield Segment(text, _style(style) if style else None)
            yield Segment.line()

    def plain(self, max_width: int) -> str | None:
        """The table as plain text lines (no colour, no trailing spaces), for output that
        goes to a pipe or a file: the lines Rich would print, without pushing every cell
        through Rich (ten times faster for 10,000 rows, and no Rich table to build for a
        short one). None for a table too narrow for its columns: Rich lays it out (and
        crops it)."""
        narrower = self.fitting(max_width) if self.droppable else self
        if narrower is not self:
            return narrower.plain(max_width)
        if self.as_records(max_width):
            return self.records(max_width)
        widths = self.widths(max_width)
        if table_width(widths) > max_width:
            return None
        gap, right = " " * GAP, self._right()
        lines = [gap.join(cells).rstrip() for cells, _ in self._head(widths, max_width)]
        for row in self._folded(widths):  # (what _layout gives, without the styles)
            lines.extend(gap.join(cells).rstrip()
                         for cells in self._row_lines(row, widths, right))
        lines.extend(gap.join(cells).rstrip() for cells, _ in self._tail(widths, max_width))
        return "".join(line + "\n" for line in lines)

    @staticmethod
    def _lines(cells: Sequence[str], widths: Sequence[int], justify: Sequence[str],
               gap: str) -> list[str]:
        wrapped = [wrap_cells(text, width) for text, width in zip(cells, widths)]
        height = max(len(c) for c in wrapped)
        wrapped = [[""] * (height - len(c)) + c for c in wrapped]  # headers sit on the rule
        return [gap.join(_pad(c[d] if d < len(c) else "", w, j)
                         for c, w, j in zip(wrapped, widths, justify))
                for d in range(max(len(c) for c in wrapped))]


@dataclass(frozen=True)
class ItemTables:
    """Tables printed one after another (a listing grouped by unit, category or city), as
    Rich's Group prints them; piped, laid out as text like each table."""

    tables: Sequence[ItemTable]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.tables

    def plain(self, max_width: int) -> str | None:
        """The tables as plain text (see `ItemTable.plain`), or None where one of them
        needs Rich."""
        parts = [table.plain(max_width) for table in self.tables]
        return None if any(p is None for p in parts) else "".join(parts)  # type: ignore[arg-type]


def status_text(status: str | None) -> Text:
    """A status (the machine value) in the active language, in its colour."""
    from rich.text import Text

    return Text(status_label(status), style=STATUS_STYLES.get(status, "") if status else "dim")


def derived_legend(items: Sequence[Item], columns: Sequence[str]) -> str | None:
    """What the marks of a table's status and progress mean, when a row has a derived one:
    `*` derived, `—` nothing reported."""
    if not {"status", "progress"} & set(columns) or not any(i.state.derived for i in items):
        return None
    return _("{mark}: derived from the items it tracks or records the same event as "
             "(`circletrack show ID` names them); —: no progress reported").format(
        mark=DERIVED_MARK)


def item_table(items: Sequence[Item], day: dt.date, columns: Sequence[str],
               title: str | None = None, caption: str | None = None,
               droppable: Sequence[str] = (),
               shape_items: Sequence[Item] | None = None) -> ItemTable:
    """One row per item: statuses in colour, overdue due dates in red; `droppable` columns
    are left out, in that order, where the console is too narrow for all."""
    legend = derived_legend(items, columns)
    if legend:
        caption = _("{caption}; {legend}").format(caption=caption, legend=legend) \
            if caption else legend
    rows = [[COLUMNS[c].get(item, day) for c in columns] for item in items]
    styles = [[STATUS_STYLES.get(item.state.status) if c == "status"
               else "red" if c == "due" and is_overdue(item, day)
               else COLUMNS[c].style for c in columns] for item in items]
    shape = ([[COLUMNS[c].get(item, day) for c in columns] for item in shape_items]
             if shape_items is not None else ())
    return ItemTable(tuple(columns), rows, styles, title, caption, droppable=tuple(droppable),
                     shape=shape)
