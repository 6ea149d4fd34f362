"""Schema versions: every older file upgrades with its data, newer files are refused,
two processes racing to create a file both succeed, and a non-SQLite file is refused."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `pytest` script does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from store import DatabaseUnavailable, SchemaTooNew, Store, db  # noqa: E402
from store.migrations import MIGRATIONS, SCHEMA_VERSION, SEED_TOPICS, migrate  # noqa: E402

NOW = "2025-02-01T00:00:00Z"


def build_at_version(path: Path, version: int) -> None:
    """A file as an older triage left it: only the first ``version`` migrations ran."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        for number, step in enumerate(MIGRATIONS[:version], start=1):
            step(conn, NOW)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
        if version >= 1:
            fill_v1(conn)
    finally:
        conn.close()


def fill_v1(conn: sqlite3.Connection) -> None:
    """Some analyst work, written with nothing but the version-1 tables."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO feeds(id, url, title, added_at) VALUES (1, 'https://isw.example/f',"
                 " 'ISW', ?)", (NOW,))
    for k in (1, 2, 3):
        conn.execute(
            "INSERT INTO items(id, feed_id, guid_key, title, content_text, first_seen_at, sort_at,"
            " content_hash) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
            (k, f"g{k}", f"Item {k}", f"North Korean workers {k}", NOW, NOW, f"h{k}"),
        )
    conn.execute("INSERT INTO item_revisions(item_id, replaced_at, title, content_hash)"
                 " VALUES (1, ?, 'Old title', 'h0')", (NOW,))
    conn.execute("INSERT INTO item_topics(item_id, topic_id, state, source, by, at)"
                 " VALUES (1, 1, 'confirmed', 'analyst', 'alice', ?)", (NOW,))
    conn.execute("INSERT INTO item_state(item_id, read_at, status, status_at)"
                 " VALUES (2, ?, 'triaged', ?)", (NOW, NOW))
    conn.execute("INSERT INTO followups(item_id, due, note, created_at)"
                 " VALUES (3, '2025-03-01', 'ask', ?)", (NOW,))
    conn.execute("INSERT INTO events(at, actor, action, item_id, detail, batch_id)"
                 " VALUES (?, 'alice', 'read', 2, '{}', 'b1')", (NOW,))
    conn.execute("COMMIT")


def schema(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    finally:
        conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def fresh_schema(tmp_path: Path) -> list[tuple]:
    path = tmp_path / "fresh.db"
    Store(path).close()
    return schema(path)


def test_an_empty_file_becomes_current(tmp_path: Path, fresh_schema) -> None:
    path = tmp_path / "empty.db"
    path.write_bytes(b"")  # version 0: a zero-byte file
    with Store(path) as store:
        assert [t.name for t in store.topics()] == [name for name, _ in SEED_TOPICS]
        assert store.counts().all == 0
        assert store.conn.execute("SELECT count(*) FROM untriaged").fetchone()[0] == 0
    assert user_version(path) == SCHEMA_VERSION
    assert schema(path) == fresh_schema


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_every_older_version_upgrades_keeping_data(tmp_path: Path, version: int,
                                                   fresh_schema) -> None:
    path = tmp_path / f"v{version}.db"
    build_at_version(path, version)
    assert user_version(path) == version
    with Store(path, actor="bob") as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        if version >= 1:
            counts = store.counts()
            assert (counts.all, counts.untriaged, counts.unread, counts.by_feed) == (3, 2, 2, {1: 2})
            one = store.item(1)
            assert [(t.name, t.state, t.by) for t in one.topics] == [("labor", "confirmed", "alice")]
            assert [r.title for r in one.revisions] == ["Old title"]
            two = store.item(2)
            assert two.row.is_read and two.row.status == "triaged"
            three = store.item(3)
            assert (three.followup.due, three.followup.note) == ("2025-03-01", "ask")
            assert [e.action for e in store.events()] == ["read"]
            # the views of later versions see the old data
            assert [r[0] for r in store.conn.execute("SELECT id FROM untriaged ORDER BY id")] == [1, 3]
            assert [r[0] for r in store.conn.execute("SELECT item_id FROM open_followups")] == [3]
            # and the file keeps working
            store.tag([2], "sanctions")
            assert store.undo().action == "tag_confirmed"
        assert len(store.topics()) == len(SEED_TOPICS)  # seeded once, not again
        assert dict(store.conn.execute("SELECT k, v FROM items_fts_config").fetchall()) == {
            "version": 4, "automerge": 16, "crisismerge": 64}
    assert schema(path) == fresh_schema
    with Store(path) as again:  # opening a current file changes nothing
        assert again.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert schema(path) == fresh_schema


def test_a_v2_file_with_data_gets_right_counts(tmp_path: Path) -> None:
    """v3 backfills feed_counts from what a v2 triage left: several feeds, items whose feed
    was removed, read and triaged items; then the triggers keep it right."""
    path = tmp_path / "v2.db"
    build_at_version(path, 2)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO feeds(id, url, added_at) VALUES (2, 'https://b.example/f', ?)",
                     (NOW,))
        for k in range(4, 14):
            feed = (1, 2, None)[k % 3]
            conn.execute(
                "INSERT INTO items(id, feed_id, guid_key, first_seen_at, sort_at, content_hash)"
                " VALUES (?, ?, ?, ?, ?, ?)", (k, feed, f"g{k}", NOW, NOW, f"h{k}"))
        conn.executemany("INSERT INTO item_state(item_id, read_at, status) VALUES (?, ?, ?)",
                         [(4, NOW, "new"), (5, None, "archived"), (6, NOW, "triaged"),
                          (7, None, "new")])
        conn.execute("COMMIT")
    finally:
        conn.close()
    with Store(path) as store:
        q = store.conn.execute
        join = "FROM items i LEFT JOIN item_state s ON s.item_id = i.id"
        c = store.counts()
        assert c.all == 13 == q("SELECT count(*) FROM items").fetchone()[0]
        assert c.untriaged == q(f"SELECT count(*) {join} WHERE coalesce(s.status, 'new') = 'new'"  # noqa: S608
                                ).fetchone()[0] == 10
        assert c.unread == q(f"SELECT count(*) {join} WHERE s.read_at IS NULL").fetchone()[0] == 10  # noqa: S608
        assert c.by_feed == {1: 4, 2: 4}
        assert [tuple(r) for r in q("SELECT * FROM feed_counts ORDER BY feed_id")] == [
            (0, 3, 2, 3), (1, 6, 4, 4), (2, 4, 4, 3)]
        store.mark_read([9, 10])
        store.set_status([12], "triaged")
        assert store.remove_feed(2) == (1, 3)  # 4, 7 and 10 have state rows: kept
        c = store.counts()
        assert (c.all, c.untriaged, c.unread, c.by_feed) == (12, 8, 7, {1: 3})


def test_a_v3_file_with_an_orphaned_item_upgrades_to_v4(tmp_path: Path) -> None:
    """v4 adds feeds.removed_at. A v3 triage deleted a removed feed's row and set its kept
    items' feed_id to NULL: such an item stays as it is (shown as "(removed feed)", counted
    under feed 0). The other feeds are subscribed, and the next remove leaves a tombstone."""
    path = tmp_path / "v3.db"
    build_at_version(path, 3)
    conn = sqlite3.connect(path, isolation_level=None)
    try:  # as a v3 triage left it: feed 2 polled, feed 1 fine, item 4 orphaned by a remove
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO feeds(id, url, title, added_at, next_poll_at, last_polled_at)"
                     " VALUES (2, 'https://b.example/f', 'B Monitor', ?, ?, ?)", (NOW, NOW, NOW))
        for k, feed in ((4, None), (5, 2), (6, 2)):
            conn.execute(
                "INSERT INTO items(id, feed_id, guid_key, title, first_seen_at, sort_at,"
                " content_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (k, feed, f"g{k}", f"Item {k}", NOW, NOW, f"h{k}"))
        conn.execute("INSERT INTO item_topics(item_id, topic_id, state, source, by, at)"
                     " VALUES (4, 2, 'confirmed', 'analyst', 'alice', ?)", (NOW,))
        conn.execute("INSERT INTO item_state(item_id, read_at, status) VALUES (5, ?, 'new')",
                     (NOW,))
        conn.execute("COMMIT")
    finally:
        conn.close()
    with Store(path, actor="bob") as store:
        q = store.conn.execute
        assert q("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        assert [(f.id, f.removed_at) for f in store.feeds()] == [(2, None), (1, None)]
        orphan = store.item(4)
        assert (orphan.row.feed_id, orphan.row.feed) == (None, "(removed feed)")
        assert [t.name for t in orphan.topics] == ["sanctions"]
        c = store.counts()
        assert (c.all, c.untriaged, c.unread, c.by_feed) == (6, 5, 4, {1: 2, 2: 2})
        assert [f.id for f in store.due_feeds(everything=True)] == [1, 2]

        assert store.remove_feed(2) == (1, 1)  # 6 untouched: deleted; 5 was read: kept
        assert [f.id for f in store.feeds()] == [1]
        assert store.feed(2).removed_at is not None
        assert [f.id for f in store.due_feeds(everything=True)] == [1]
        assert store.rows([5])[0].feed == "B Monitor"  # a v4 remove keeps the source
        assert store.item(4).row.feed == "(removed feed)"  # the v3 orphan is unchanged
        c = store.counts()
        assert (c.all, c.untriaged, c.unread, c.by_feed) == (5, 4, 3, {1: 2})
        assert [tuple(r) for r in q("SELECT * FROM feed_counts ORDER BY feed_id")] == [
            (0, 1, 1, 1), (1, 3, 2, 2), (2, 1, 1, 0)]
        assert [r[0] for r in q("SELECT feed FROM untriaged WHERE id IN (4, 5) ORDER BY id")
                ] == [None, "B Monitor"]


def test_migrate_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    Store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        assert migrate(conn, NOW) == SCHEMA_VERSION
        conn.execute("COMMIT")
        assert conn.execute("SELECT count(*) FROM topics").fetchone()[0] == len(SEED_TOPICS)
    finally:
        conn.close()


def test_a_newer_file_is_refused_and_left_alone(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "new.db"
    with Store(path) as store:
        store.add_feed("https://isw.example/feed")
        store.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = schema(path)
    opened: list[sqlite3.Connection] = []
    real_open = db.open_connection

    def tracking(p):
        opened.append(real_open(p))
        return opened[-1]

    monkeypatch.setattr(db, "open_connection", tracking)
    with pytest.raises(SchemaTooNew, match=f"version {SCHEMA_VERSION + 1}"):
        Store(path)
    assert opened
    for conn in opened:  # the refused file keeps no connection open
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            conn.execute("SELECT 1")
    assert user_version(path) == SCHEMA_VERSION + 1
    assert schema(path) == before


@pytest.mark.parametrize(
    "content",
    [b"this is not a database, just some text\n" * 200, b"SQLite format 3\x00" + b"\xff" * 4080],
    ids=["text", "bad-header"],
)
def test_a_non_sqlite_file_is_refused_clearly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(DatabaseUnavailable) as info:
        Store(path)
    message = str(info.value)
    assert str(path) in message
    assert "not a usable SQLite file" in message or "not a database" in message
    assert path.read_bytes() == content  # never overwritten


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match="cannot open"):
        Store(tmp_path)


RACER = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from store import Store
path, go = sys.argv[2], sys.argv[3]
while not os.path.exists(go):
    time.sleep(0.001)
with Store(path) as store:
    version = store.conn.execute("PRAGMA user_version").fetchone()[0]
    topics = len(store.topics())
print(version, topics)
"""


@pytest.mark.parametrize("round_", range(4))
def test_processes_racing_on_a_fresh_file(tmp_path: Path, round_: int) -> None:
    path = tmp_path / "race.db"
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen([sys.executable, "-c", RACER, str(ROOT), str(path), str(go)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(3)
    ]
    time.sleep(0.5)  # let the interpreters start and wait at the line
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert out.split() == [str(SCHEMA_VERSION), str(len(SEED_TOPICS))]
    assert user_version(path) == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM topics").fetchone()[0] == len(SEED_TOPICS)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
