"""How fast each candidate format for circletrack's index gives back a registry's records.

    python bench/index_formats.py /tmp/circletrack-bench/registry-10000.toml --runs 7

The index (src/circletrack/storage/index.py) keeps each item of a registry so that a read
of the same bytes builds the records without parsing the TOML. This times, in one process
on one registry, what each candidate costs to turn its stored form back into the items
(the median and the fastest of --runs, the garbage collector paused as circletrack pauses
it), and what it
takes on disk:

- the TOML file parsed and validated (`codec.loads`): no index at all;
- pickle of the records (the parse cache before issue 23): can run code when loaded;
- SQLite rows, each item a JSON array of its declared fields, built back by the decoder
  written from the declarations (what circletrack uses);
- the same arrays as one JSON text, as marshal, and as msgpack (if installed), built back
  by the same decoder.

Every candidate's records are compared with the parsed ones before it is timed.
"""

from __future__ import annotations

import argparse
import gc
import json
import marshal
import os
import pickle
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

from circletrack.storage import index  # noqa: E402
from circletrack.storage.codec import loads  # noqa: E402


def timed(function: Callable[[], Any], runs: int) -> tuple[float, float]:
    """The median and the fastest of `runs` timings, in ms (the fastest is what background
    load disturbs least)."""
    times = []
    for _ in range(runs):
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
        gc.enable()
        gc.unfreeze()
    return statistics.median(times) * 1000, min(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("registry", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    data = args.registry.read_bytes()
    registry = loads(data)
    items = registry.items
    arrays = [index._ENCODE_ITEM(item) for item in items]
    rows = [json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in arrays]

    def decoded(plain: list[Any]) -> list[Any]:
        texts: dict[str, str] = {}
        dates: dict[str, Any] = {}
        return [index._DECODE_ITEM(a, texts, dates) for a in plain]

    folder = Path(tempfile.mkdtemp())
    database = folder / "index.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE items (n INTEGER PRIMARY KEY, data TEXT NOT NULL)")
        connection.executemany("INSERT INTO items VALUES (?, ?)", enumerate(rows))

    def from_sqlite() -> list[Any]:
        connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
        try:
            fetched = connection.execute("SELECT data FROM items ORDER BY n").fetchall()
        finally:
            connection.close()
        return decoded([json.loads(text) for (text,) in fetched])

    def from_sqlite_joined() -> list[Any]:
        connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
        try:
            fetched = connection.execute("SELECT data FROM items ORDER BY n").fetchall()
        finally:
            connection.close()
        return decoded(json.loads("[" + ",".join(text for (text,) in fetched) + "]"))

    one_text = "[" + ",".join(rows) + "]"
    marshalled = marshal.dumps(arrays)
    pickled = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
    candidates: list[tuple[str, Callable[[], list[Any]], int, str]] = [
        ("TOML parsed and validated (no index)", lambda: loads(data).items, len(data), "no"),
        ("pickle of the records (the old parse cache)", lambda: pickle.loads(pickled),
         len(pickled), "yes"),
        ("SQLite rows of JSON arrays, each parsed + decoder (chosen)", from_sqlite,
         os.path.getsize(database), "no"),
        ("SQLite rows of JSON arrays, parsed as one text + decoder",
         from_sqlite_joined, os.path.getsize(database), "no"),
        ("one JSON text of the arrays + decoder", lambda: decoded(json.loads(one_text)),
         len(one_text.encode()), "no"),
        ("marshal of the arrays + decoder", lambda: decoded(marshal.loads(marshalled)),
         len(marshalled), "no (but not safe against crafted bytes)"),
    ]
    try:
        import msgpack  # type: ignore[import-not-found]

        packed = msgpack.packb(arrays)
        candidates.append(("msgpack of the arrays + decoder",
                           lambda: decoded(msgpack.unpackb(packed)), len(packed), "no"))
    except ImportError:
        print("(msgpack is not installed: its row is left out)", file=sys.stderr)
    print(f"{len(items):,} items, {len(data):,} bytes of TOML; median of {args.runs} runs\n")
    print("| stored as | build the items, ms (median) | fastest, ms | on disk, MB | "
          "can run code when loaded |")
    print("|---|---:|---:|---:|---|")
    for name, function, size, runs_code in candidates:
        assert function() == items, name
        median, fastest = timed(function, args.runs)
        print(f"| {name} | {median:,.0f} | {fastest:,.0f} | {size / 2**20:.1f} | {runs_code} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
