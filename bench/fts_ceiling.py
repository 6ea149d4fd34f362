"""What SQLite itself allows for ingest, on the same texts, in the same batches.

``python -m bench.store`` prints these beside the ingest rate, from one run. For the
first ``n`` generated items (the texts the ingest benchmark stores), three rates:

- the whole ``Store.ingest`` path into a fresh file;
- the same path with the FTS5 insert trigger dropped (items table, indexes, counts);
- FTS5 alone: a file holding only an FTS5 table with the schema's tokenizer and merge
  settings, fed (title, content_text) in the same batches, one transaction each.

The last is SQLite's own ceiling for indexing this text on this machine: the store
cannot ingest faster than that while ``items_fts`` is kept by triggers (the schema's
rule), whatever it does around it.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from store import Store
from store.migrations import V1_TABLES, V3_FTS_MERGE
from store.models import IncomingItem

from . import generate

TOKENIZE = "unicode61 remove_diacritics 2"
assert f"tokenize='{TOKENIZE}'" in V1_TABLES, "keep the reference tokenizer the schema's"


@dataclass
class Ceiling:
    items: int
    full: float  # items/s through Store.ingest
    without_fts: float  # items/s with the FTS insert trigger dropped
    fts_alone: float  # items/s into a bare FTS5 table


def _count(batches: list[tuple[int, list[IncomingItem]]]) -> int:
    return sum(len(items) for _feed, items in batches)


def _store_rate(path: Path, batches: list[tuple[int, list[IncomingItem]]], drop_fts: bool) -> float:
    generate.remove_file(path)
    with Store(path, actor="bench") as store:
        feed_ids = [store.add_feed(url, title).id for url, title, _ in generate._feeds()]
        if drop_fts:
            store.conn.execute("DROP TRIGGER items_fts_ai")
        now = store.now()
        seconds = 0.0
        for feed, items in batches:
            began = time.perf_counter()
            store.ingest(feed_ids[feed], items, now=now)
            seconds += time.perf_counter() - began
    generate.remove_file(path)
    return _count(batches) / seconds


def _fts_alone_rate(path: Path, batches: list[tuple[int, list[IncomingItem]]]) -> float:
    generate.remove_file(path)
    conn = sqlite3.connect(os.fspath(path), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"CREATE VIRTUAL TABLE f USING fts5(title, content_text,"
                     f" tokenize='{TOKENIZE}')")
        for name, value in V3_FTS_MERGE:
            conn.execute("INSERT INTO f(f, rank) VALUES (?, ?)", (name, value))
        seconds = 0.0
        for _feed, items in batches:
            rows = [(i.title, i.content_text) for i in items]
            began = time.perf_counter()
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO f(title, content_text) VALUES (?, ?)", rows)
            conn.execute("COMMIT")
            seconds += time.perf_counter() - began
    finally:
        conn.close()
        generate.remove_file(path)
    return _count(batches) / seconds


def measure(n_items: int, seed: int = 1) -> Ceiling:
    """The three rates over the first ``n_items`` generated items."""
    batches = list(generate.batches(n_items, seed, dt.date.today()))
    generate.CACHE.mkdir(parents=True, exist_ok=True)
    path = generate.CACHE / "ceiling.db"
    return Ceiling(
        items=_count(batches),
        full=_store_rate(path, batches, drop_fts=False),
        without_fts=_store_rate(path, batches, drop_fts=True),
        fts_alone=_fts_alone_rate(path, batches),
    )
