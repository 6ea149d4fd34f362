"""The store's budget at 100k items (DESIGN.md, "Budget").

    python -m bench.store [--items 100000] [--ingest-items N] [--runs 30]

- ingest: ``Store.ingest`` of ready-made ``IncomingItem`` batches (feed-sized, as a poll
  delivers them) into a fresh file; only the ``ingest`` calls are timed, not the making
  of the items (that is parsing's cost, measured elsewhere). Target >= 5,000 items/s.
  Printed beside it: the average text per item (title + content_text, what FTS5 indexes,
  where most of the ingest time goes) and the slowest single ingest call. Then SQLite's
  own reference on the first ``--ceiling-items`` of those items (:mod:`bench.fts_ceiling`):
  the same ingest without the FTS trigger, and FTS5 alone with the schema's tokenizer.
- a filtered page of 200, a feed page, full-text pages (a word, a phrase) and the
  sidebar's ``Store.counts()``, on a generated file (cached under ``.bench/``): median
  and p95 over ``--runs`` runs after one warm-up. Target <= 20 ms median each.
- the file's size per item.

Prints PASS/FAIL per targeted line and exits 1 when any target fails.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from store import Store
from store.models import IncomingItem

from . import fts_ceiling, generate

INGEST_TARGET = 5_000  # items/s
QUERY_TARGET_MS = 20.0


def _size(path: Path) -> int:
    return sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.exists())


@dataclass
class IngestFigures:
    items: int = 0
    seconds: float = 0.0  # inside Store.ingest only
    text_chars: int = 0  # title + content_text, what FTS5 indexes
    text_bytes: int = 0  # the same in UTF-8 (Cyrillic takes two bytes a letter)
    calls: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.items / self.seconds

    @property
    def slowest_ms(self) -> float:
        return max(self.calls) * 1000


def measure_ingest(n_items: int, seed: int = 1) -> IngestFigures:
    """Ingest ``n_items`` into a fresh file in feed-sized batches, timing ingest alone."""
    path = generate.CACHE / f"ingest-{n_items}.db"
    generate.CACHE.mkdir(parents=True, exist_ok=True)
    generate.remove_file(path)
    figures = IngestFigures()

    def tally(items: list[IncomingItem], seconds: float) -> None:
        figures.items += len(items)
        figures.seconds += seconds
        figures.calls.append(seconds)
        for item in items:
            text = item.title + item.content_text
            figures.text_chars += len(text)
            figures.text_bytes += len(text.encode())

    try:
        generate.build(path, n_items, seed, analyst=False, on_ingest=tally)
    finally:
        generate.remove_file(path)
    return figures


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, p95) in milliseconds over ``runs`` runs after one warm-up."""
    fn()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    return statistics.median(samples), p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=generate.DEFAULT_N,
                        help="items in the file the queries run on (default 100,000)")
    parser.add_argument("--ingest-items", type=int, default=None,
                        help="items to ingest into a fresh file (default: --items)")
    parser.add_argument("--runs", type=int, default=30, help="runs per query (at least 20)")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--ceiling-items", type=int, default=10_000,
                        help="items for the SQLite reference rates (0: skip them)")
    args = parser.parse_args(argv)
    runs = max(20, args.runs)
    failed = False

    def verdict(ok: bool) -> str:
        nonlocal failed
        failed |= not ok
        return "PASS" if ok else "FAIL"

    print(f"store benchmark: {args.items:,} items, {runs} runs per query")
    if not args.skip_ingest:
        n = args.ingest_items or args.items
        ing = measure_ingest(n)
        print(f"{verdict(ing.rate >= INGEST_TARGET)}  ingest {ing.items:,} items in feed-sized"
              f" batches: {ing.rate:,.0f} items/s ({ing.seconds:.1f} s in Store.ingest)"
              f"   target >= {INGEST_TARGET:,} items/s")
        print(f"      average text per item {ing.text_chars / ing.items:,.0f} characters"
              f" ({ing.text_bytes / ing.items / 1024:,.1f} KiB UTF-8) of title + content_text;"
              f" {len(ing.calls):,} ingest calls, slowest {ing.slowest_ms:,.0f} ms")
        if args.ceiling_items:
            ref = fts_ceiling.measure(args.ceiling_items)
            print(f"      SQLite reference, first {ref.items:,} of those items, fresh files:"
                  f" Store.ingest {ref.full:,.0f}/s ({ref.full / ref.fts_alone:.0%} of FTS5"
                  f" alone); without the FTS trigger {ref.without_fts:,.0f}/s; FTS5 alone"
                  f" (same tokenizer, same batches: the ceiling while items_fts is kept by"
                  f" triggers) {ref.fts_alone:,.0f}/s (SQLite {sqlite3.sqlite_version})")

    began = time.perf_counter()
    path = generate.ensure(None, args.items)
    print(f"      file {path.relative_to(generate.ROOT)}"
          f" (ready in {time.perf_counter() - began:.1f} s)")
    with Store(path, actor="bench") as store:
        feed = next(f for f in store.feeds() if f.title == generate.FEED_NAMES[1])
        cases: list[tuple[str, Callable[[], object], bool]] = [
            ("page, no filter", lambda: store.page(""), False),
            ("page '+labor is:unread'", lambda: store.page("+labor is:unread"), True),
            (f"page 'feed:\"{feed.title}\"'", lambda: store.page(f'feed:"{feed.title}"'), True),
            ("page 'feed:Meduza is:unread'", lambda: store.page("feed:Meduza is:unread"), False),
            ("FTS page 'drone'", lambda: store.page("drone"), True),
            ("FTS page '\"shadow fleet\"' (phrase)", lambda: store.page('"shadow fleet"'), True),
            ("FTS page 'санкции'", lambda: store.page("санкции"), False),
            ("FTS page 'zzzqqq' (no match)", lambda: store.page("zzzqqq"), False),
            ("counts() for the sidebar", store.counts, True),
        ]
        for label, fn, targeted in cases:
            median, p95 = timed(fn, runs)
            head = verdict(median <= QUERY_TARGET_MS) if targeted else "    "
            tail = f"   target <= {QUERY_TARGET_MS:.0f} ms median" if targeted else ""
            print(f"{head}  {label:40s} median {median:6.2f} ms   p95 {p95:6.2f} ms{tail}")
        total = store.counts().all
    size = _size(path)
    print(f"      file size {size / 1e6:,.0f} MB: {size / total:,.0f} bytes per item")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
