"""Every corpus file, served over loopback HTTP and polled once into one file.

No crash, no hang, every feed ends stored or with an error, and no stored text
holds a control character other than tab and newline. The feedparser cases' own
``Header:`` lines (in their comment blocks) are sent as response headers; the
``Expect:`` expressions are never evaluated.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest
from loopback import Loopback, send

from feeds.fetch import FetchLimits
from feeds.poll import PollConfig, poll_once
from store import Store

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
HEADER = re.compile(rb"^[ \t]*Header:[ \t]*([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*?)[ \t\r]*$",
                    re.MULTILINE)
BAD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
PORTS = 8


def corpus_files() -> list[Path]:
    return sorted(
        p for p in CORPUS.rglob("*")
        if p.is_file() and p.name not in ("LICENSE.txt", "README.md", ".gitattributes")
    )


def headers_of(data: bytes) -> dict[str, str]:
    """The ``Header:`` lines of a feedparser case, as response headers (parsed, not run)."""
    found: dict[str, str] = {}
    head = data[:4096]
    for name, value in HEADER.findall(head):
        found[name.decode("latin-1")] = value.decode("latin-1")
    return found


def route_for(path: Path):
    def handler(h) -> None:
        data = path.read_bytes()
        headers = headers_of(data) if "feedparser" in path.parts else {}
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        rest = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        send(h, 200, data, ctype, rest)

    return handler


def text_columns(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    columns = []
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'items_fts%'"
    ).fetchall()
    for (table,) in tables:
        for row in conn.execute(f"PRAGMA table_info({table})"):
            if "TEXT" in (row[2] or "").upper():
                columns.append((table, row[1]))
    return columns


@pytest.mark.timeout(180)
def test_corpus_sweep(tmp_path):
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (the shared feed corpus is not checked out)")
    files = corpus_files()
    assert len(files) > 2000
    db = tmp_path / "sweep.db"
    with Loopback(ports=PORTS) as web:
        with Store(db, actor="cli") as store:
            for n, path in enumerate(files):
                web.route(f"/c/{n}", route_for(path))
                store.add_feed(web.url(f"/c/{n}", n % PORTS))
        config = PollConfig(limits=FetchLimits(per_origin=4, read_timeout=5, deadline=10),
                            parse_deadline=5)
        started = time.monotonic()
        with Store(db, actor="poller") as store:
            summary = poll_once(store, everything=True, config=config)
        elapsed = time.monotonic() - started
    assert len(summary.results) == len(files)
    assert elapsed < 120, f"sweep took {elapsed:.0f} s"
    errors = {r.error_class for r in summary.results if r.failed}
    assert errors <= {"ParseError"}, errors  # every failure is the parser's clear verdict
    assert summary.ok > len(files) * 0.8, summary.line()
    conn = sqlite3.connect(db)
    undecided = conn.execute(
        "SELECT count(*) FROM feeds WHERE last_success_at IS NULL AND last_error IS NULL"
    ).fetchone()[0]
    assert undecided == 0
    assert conn.execute("SELECT count(DISTINCT feed_id) FROM fetch_log").fetchone()[0] == len(files)
    dirty = []
    for table, column in text_columns(conn):
        query = f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'  # noqa: S608
        for (value,) in conn.execute(query):
            if isinstance(value, str) and BAD.search(value):
                dirty.append((table, column, value[:80]))
    assert not dirty, dirty[:10]
    print(f"\ncorpus sweep: {summary.line()}")
