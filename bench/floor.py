"""The framework floor: the least a Typer + Rich command costs, for the benchmark to compare with.

    python bench/floor.py table
    python bench/floor.py table-options

A Typer app whose `table` command prints a 30-row Rich table of Chinese titles, units and
dates. It reads no file and imports nothing else: whatever circletrack's read commands take
beyond this is circletrack's own cost. `table-options` prints the same table but declares
the 20 options `circletrack list` has (same types, none given): Typer 0.29 builds a pydantic
validator for every parameter when it parses a command line, so a command's options cost
time even when they are not given. There are several commands, so Typer dispatches a
subcommand, as it does for circletrack.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

ROWS = 30
TITLES = ("杭州至德清城际铁路", "杭绍城际铁路", "杭海城际铁路", "京杭运河二通道", "杭州绕城高速公路西复线",
          "萧山机场T4航站楼")
UNITS = ("市交通局", "市发改委", "市地铁集团", "市规划局", "市港航局")


def _print_table() -> None:
    grid = Table(title="floor", header_style="bold")
    for header in ("ID", "Title", "Lead", "Due", "Status", "%"):
        grid.add_column(header)
    start = dt.date(2011, 12, 31)
    for n in range(ROWS):
        grid.add_row(f"prj-{n:05d}", TITLES[n % len(TITLES)], UNITS[n % len(UNITS)],
                     (start + dt.timedelta(days=97 * n)).isoformat(),
                     ("planned", "in_progress", "done")[n % 3], f"{(n * 7) % 101}%")
    Console().print(grid)


@app.command()
def table() -> None:
    """Print a 30-row table like `circletrack list`."""
    _print_table()


Many = Annotated[list[str], typer.Option(help="Repeatable.")]
Text = Annotated[Optional[str], typer.Option(help="A value.")]
Flag = Annotated[bool, typer.Option(help="A flag.")]


@app.command("table-options")
def table_options(
    kind: Many = [], category: Many = [], status: Many = [], unit: Many = [],  # noqa: B006
    city: Many = [], tag: Many = [], search: Many = [],  # noqa: B006
    due_before: Text = None, due_after: Text = None, sort: Text = None, as_of: Text = None,
    format_: Annotated[str, typer.Option("--format", help="Format.")] = "table",
    overdue: Flag = False, all_: Annotated[bool, typer.Option("--all", help="All.")] = False,
    no_color: Flag = False,
    stale: Annotated[Optional[int], typer.Option(help="Days.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Rows.")] = None,
    registry: Annotated[Optional[str], typer.Option(help="A file.")] = None,
    lang: Text = None, width: Annotated[Optional[int], typer.Option(help="Columns.")] = None,
) -> None:
    """Print the same table, with the 20 options `circletrack list` declares."""
    _print_table()


@app.command()
def version() -> None:
    """Print a version (a second command, so the app is a group like circletrack's)."""
    typer.echo("floor 1")


if __name__ == "__main__":
    app()
