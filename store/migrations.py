"""Ordered schema migrations. ``PRAGMA user_version`` holds the version.

Never edit a migration once released: add a new one at the end. Each step runs
inside the caller's ``BEGIN IMMEDIATE`` transaction, so a second process that
opens the file at the same time waits and then sees the new version.
"""

from __future__ import annotations

import sqlite3

# Version 1: the tables of DESIGN.md ("The file").
V1_TABLES = """
CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,
    title           TEXT,
    site_url        TEXT,
    etag            TEXT,
    last_modified   TEXT,
    next_poll_at    TEXT,
    last_polled_at  TEXT,
    last_success_at TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    error_count     INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    ttl_seconds     INTEGER,
    added_at        TEXT NOT NULL
);

CREATE TABLE fetch_log (
    id             INTEGER PRIMARY KEY,
    feed_id        INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    at             TEXT NOT NULL,
    http_status    INTEGER,
    bytes          INTEGER,
    duration_ms    INTEGER,
    error_class    TEXT,
    error_message  TEXT,
    new_count      INTEGER NOT NULL DEFAULT 0,
    updated_count  INTEGER NOT NULL DEFAULT 0,
    unchanged_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX fetch_log_feed_at ON fetch_log(feed_id, at);

CREATE TABLE items (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    feed_id       INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
    guid_key      TEXT NOT NULL,
    url           TEXT,
    title         TEXT NOT NULL DEFAULT '',
    author        TEXT,
    published_at  TEXT,
    updated_at    TEXT,
    first_seen_at TEXT NOT NULL,
    sort_at       TEXT NOT NULL,
    summary       TEXT,
    content_html  TEXT,
    content_text  TEXT NOT NULL DEFAULT '',
    content_hash  TEXT NOT NULL,
    revision_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (feed_id, guid_key)
);
CREATE INDEX items_sort ON items(sort_at, id);
CREATE INDEX items_feed_sort ON items(feed_id, sort_at, id);

CREATE TABLE item_revisions (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    replaced_at  TEXT NOT NULL,
    title        TEXT,
    url          TEXT,
    content_html TEXT,
    content_text TEXT,
    content_hash TEXT
);
CREATE INDEX item_revisions_item ON item_revisions(item_id, id);

CREATE TABLE topics (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

CREATE TABLE topic_rules (
    id         INTEGER PRIMARY KEY,
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    query      TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE item_topics (
    item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    topic_id     INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    state        TEXT NOT NULL CHECK (state IN ('suggested', 'confirmed', 'rejected')),
    source       TEXT NOT NULL CHECK (source IN ('analyst', 'rule')),
    rule_id      INTEGER REFERENCES topic_rules(id) ON DELETE SET NULL,
    rule_version INTEGER,
    by           TEXT NOT NULL,
    at           TEXT NOT NULL,
    PRIMARY KEY (item_id, topic_id)
) WITHOUT ROWID;
CREATE INDEX item_topics_topic ON item_topics(topic_id, state, item_id);

CREATE TABLE passage_topics (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    start      INTEGER NOT NULL,
    end        INTEGER NOT NULL,
    rule_id    INTEGER REFERENCES topic_rules(id) ON DELETE SET NULL,
    at         TEXT NOT NULL
);

CREATE TABLE item_state (
    item_id   INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    read_at   TEXT,
    status    TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'triaged', 'archived')),
    status_at TEXT
);
CREATE INDEX item_state_status ON item_state(status, item_id);

CREATE TABLE followups (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    due        TEXT,
    note       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    done_at    TEXT
);
CREATE UNIQUE INDEX followups_one_open ON followups(item_id) WHERE done_at IS NULL;
CREATE INDEX followups_due ON followups(done_at, due);

CREATE TABLE saved_searches (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    query    TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE events (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    item_id  INTEGER,
    detail   TEXT NOT NULL DEFAULT '{}',
    batch_id TEXT NOT NULL
);
CREATE INDEX events_batch ON events(batch_id, id);
CREATE INDEX events_item ON events(item_id, id);

CREATE VIRTUAL TABLE items_fts USING fts5(
    title, content_text,
    content='items', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN
    INSERT INTO items_fts(rowid, title, content_text) VALUES (new.id, new.title, new.content_text);
END;
CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title, content_text)
        VALUES ('delete', old.id, old.title, old.content_text);
END;
CREATE TRIGGER items_fts_au AFTER UPDATE OF title, content_text ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title, content_text)
        VALUES ('delete', old.id, old.title, old.content_text);
    INSERT INTO items_fts(rowid, title, content_text) VALUES (new.id, new.title, new.content_text);
END;
"""

SEED_TOPICS = [
    ("labor", "Labour migration, forced labour, workers sent abroad"),
    ("sanctions", "Sanctions regimes, evasion, UN Security Council resolutions"),
    ("hybrid threats", "Sabotage, drones over bases, disinformation, cyber"),
]

# Version 2: the documented views for people who query the file directly.
V2_VIEWS = """
CREATE VIEW untriaged AS
    SELECT i.id, i.sort_at, f.title AS feed, i.title, i.url,
           s.read_at IS NOT NULL AS is_read
    FROM items i
    LEFT JOIN feeds f ON f.id = i.feed_id
    LEFT JOIN item_state s ON s.item_id = i.id
    WHERE coalesce(s.status, 'new') = 'new';

CREATE VIEW open_followups AS
    SELECT fu.item_id, fu.due, fu.note, fu.created_at, i.title, f.title AS feed, i.url
    FROM followups fu
    JOIN items i ON i.id = fu.item_id
    LEFT JOIN feeds f ON f.id = i.feed_id
    WHERE fu.done_at IS NULL
    ORDER BY fu.due IS NULL, fu.due, fu.item_id;

CREATE VIEW item_topic_names AS
    SELECT i.id AS item_id, i.title, t.name AS topic, it.state, it.source, it.by, it.at
    FROM item_topics it
    JOIN items i ON i.id = it.item_id
    JOIN topics t ON t.id = it.topic_id;

CREATE VIEW items_with_topics AS
    SELECT i.id, i.sort_at, f.title AS feed, i.title, i.url,
           coalesce(s.status, 'new') AS status,
           s.read_at IS NOT NULL AS is_read,
           (SELECT group_concat(t.name, ', ') FROM item_topics it
              JOIN topics t ON t.id = it.topic_id
              WHERE it.item_id = i.id AND it.state != 'rejected') AS topics
    FROM items i
    LEFT JOIN feeds f ON f.id = i.feed_id
    LEFT JOIN item_state s ON s.item_id = i.id;
"""


# Version 3: per-feed counts for the sidebar, kept by triggers, so that counts() reads ~50
# rows instead of scanning items and item_state (25 ms at 100k items; now ~1 ms).
# ``feed_id`` 0 holds the items whose feed was removed (items.feed_id NULL). An item counts
# as untriaged / unread while its item_state row (if any) says status 'new' / read_at NULL.
# The item's state is looked up in item_state, never assumed, so the triggers stay right
# whatever order rows arrive in. Deleting an item is handled BEFORE the row goes (its
# item_state row still exists then); the item_state delete that the cascade makes next
# finds no item and changes nothing. INSERT OR REPLACE on items or item_state would bypass
# the delete triggers (as it already would for items_fts): the store never uses it.
V3_FEED_COUNTS = """
CREATE TABLE feed_counts (
    feed_id   INTEGER PRIMARY KEY,
    items     INTEGER NOT NULL DEFAULT 0,
    untriaged INTEGER NOT NULL DEFAULT 0,
    unread    INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER feed_counts_item_ai AFTER INSERT ON items BEGIN
    INSERT INTO feed_counts(feed_id, items, untriaged, unread)
        VALUES (coalesce(new.feed_id, 0), 1,
            NOT EXISTS (SELECT 1 FROM item_state WHERE item_id = new.id AND status != 'new'),
            NOT EXISTS (SELECT 1 FROM item_state WHERE item_id = new.id AND read_at IS NOT NULL))
        ON CONFLICT(feed_id) DO UPDATE SET items = items + 1,
            untriaged = untriaged + excluded.untriaged, unread = unread + excluded.unread;
END;
CREATE TRIGGER feed_counts_item_bd BEFORE DELETE ON items BEGIN
    UPDATE feed_counts SET items = items - 1,
        untriaged = untriaged
            - NOT EXISTS (SELECT 1 FROM item_state WHERE item_id = old.id AND status != 'new'),
        unread = unread
            - NOT EXISTS (SELECT 1 FROM item_state WHERE item_id = old.id AND read_at IS NOT NULL)
        WHERE feed_id = coalesce(old.feed_id, 0);
END;
CREATE TRIGGER feed_counts_item_au AFTER UPDATE OF id, feed_id ON items
WHEN old.id IS NOT new.id OR old.feed_id IS NOT new.feed_id BEGIN
    UPDATE feed_counts SET items = items - 1,
        untriaged = untriaged
            - NOT EXISTS (SELECT 1 FROM item_state WHERE item_id = old.id AND status != 'new'),
        unread = unread
            - NOT EXISTS (SELECT 1 FROM item_state WHERE item_id = old.id AND read_at IS NOT NULL)
        WHERE feed_id = coalesce(old.feed_id, 0);
    INSERT INTO feed_counts(feed_id, items, untriaged, unread)
        VALUES (coalesce(new.feed_id, 0), 1,
            NOT EXISTS (SELECT 1 FROM item_state WHERE item_id = new.id AND status != 'new'),
            NOT EXISTS (SELECT 1 FROM item_state WHERE item_id = new.id AND read_at IS NOT NULL))
        ON CONFLICT(feed_id) DO UPDATE SET items = items + 1,
            untriaged = untriaged + excluded.untriaged, unread = unread + excluded.unread;
END;
CREATE TRIGGER feed_counts_state_ai AFTER INSERT ON item_state
WHEN new.status != 'new' OR new.read_at IS NOT NULL BEGIN
    UPDATE feed_counts SET untriaged = untriaged - (new.status != 'new'),
        unread = unread - (new.read_at IS NOT NULL)
        WHERE feed_id = (SELECT coalesce(feed_id, 0) FROM items WHERE id = new.item_id);
END;
CREATE TRIGGER feed_counts_state_au AFTER UPDATE ON item_state
WHEN old.item_id IS NOT new.item_id OR (old.status != 'new') IS NOT (new.status != 'new')
     OR (old.read_at IS NULL) IS NOT (new.read_at IS NULL) BEGIN
    UPDATE feed_counts SET untriaged = untriaged + (old.status != 'new'),
        unread = unread + (old.read_at IS NOT NULL)
        WHERE feed_id = (SELECT coalesce(feed_id, 0) FROM items WHERE id = old.item_id);
    UPDATE feed_counts SET untriaged = untriaged - (new.status != 'new'),
        unread = unread - (new.read_at IS NOT NULL)
        WHERE feed_id = (SELECT coalesce(feed_id, 0) FROM items WHERE id = new.item_id);
END;
CREATE TRIGGER feed_counts_state_ad AFTER DELETE ON item_state
WHEN old.status != 'new' OR old.read_at IS NOT NULL BEGIN
    UPDATE feed_counts SET untriaged = untriaged + (old.status != 'new'),
        unread = unread + (old.read_at IS NOT NULL)
        WHERE feed_id = (SELECT coalesce(feed_id, 0) FROM items WHERE id = old.item_id);
END;
CREATE TRIGGER feed_counts_feed_ad AFTER DELETE ON feeds BEGIN
    DELETE FROM feed_counts WHERE feed_id = old.id AND items = 0;
END;
"""

FEED_COUNTS_FILL = """
INSERT INTO feed_counts(feed_id, items, untriaged, unread)
SELECT coalesce(i.feed_id, 0), count(*), sum(coalesce(s.status, 'new') = 'new'),
       sum(s.read_at IS NULL)
FROM items i LEFT JOIN item_state s ON s.item_id = i.id
GROUP BY coalesce(i.feed_id, 0)
"""


def fill_feed_counts(conn: sqlite3.Connection) -> None:
    """Recount ``feed_counts`` from items and item_state (the migration's backfill, and a
    repair for a file whose counts were bypassed). The caller holds a write transaction."""
    conn.execute("DELETE FROM feed_counts")
    conn.execute(FEED_COUNTS_FILL)


def _v1(conn: sqlite3.Connection, now: str) -> None:
    for statement in _split(V1_TABLES):
        conn.execute(statement)
    conn.executemany(
        "INSERT INTO topics(name, description, created_at) VALUES (?, ?, ?)",
        [(name, desc, now) for name, desc in SEED_TOPICS],
    )


def _v2(conn: sqlite3.Connection, now: str) -> None:
    for statement in _split(V2_VIEWS):
        conn.execute(statement)


def _split(script: str) -> list[str]:
    """Split a DDL script into statements, keeping trigger bodies whole."""
    out: list[str] = []
    buf: list[str] = []
    for line in script.splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined and sqlite3.complete_statement(joined):
            out.append(joined)
            buf = []
    if "\n".join(buf).strip():
        raise ValueError("incomplete statement in migration script")
    return out


# FTS5 merge policy (kept in items_fts_config). The poller commits per feed (~35 items), so
# every commit writes a small segment; the default automerge=4 rewrites each posting ~6
# times by 100k items. Merging 16 at a time halves that (ingest at 100k: +25-30% CPU), and
# crisismerge well above it keeps merges incremental: with crisismerge = automerge a whole
# level is merged inside one commit (one ingest call took 1 s instead of < 0.1 s). Query
# times at 100k did not move (~50 segments instead of ~25).
V3_FTS_MERGE = (("automerge", 16), ("crisismerge", 64))


def _v3(conn: sqlite3.Connection, now: str) -> None:
    for statement in _split(V3_FEED_COUNTS):
        conn.execute(statement)
    conn.execute(FEED_COUNTS_FILL)
    for name, value in V3_FTS_MERGE:
        conn.execute("INSERT INTO items_fts(items_fts, rank) VALUES (?, ?)", (name, value))


# Version 4: removing a feed leaves a tombstone. ``feeds.removed_at`` (a UTC instant; NULL
# while subscribed) is set by ``triage feeds remove`` without --purge: the feed row stays,
# so the items the analyst kept keep their feed_id and show the feed's title; the poller
# skips the feed and the sidebar lists no queue for it; ``feeds add`` of its URL revives it.
# Nothing is converted: items that an older triage orphaned (feed_id NULL, their feed row
# deleted) stay as they are, since their source is no longer known. feed_counts still keeps
# them under feed_id 0 and item lists show them as "(removed feed)". The feed_counts
# triggers need no change: a tombstone's items keep their feed_id and their feed_counts row.
def _v4(conn: sqlite3.Connection, now: str) -> None:
    conn.execute("ALTER TABLE feeds ADD COLUMN removed_at TEXT")


MIGRATIONS = [_v1, _v2, _v3, _v4]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, now: str, target: int = SCHEMA_VERSION) -> int:
    """Bring the file up to ``target``. Returns the version found before.

    The caller must hold ``BEGIN IMMEDIATE``: the version is read and raised in the
    same write transaction so that two processes never both apply a step.
    """
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        from .errors import SchemaTooNew

        raise SchemaTooNew(
            f"this file has schema version {found}; this triage knows up to {SCHEMA_VERSION}"
        )
    for version in range(found + 1, target + 1):
        MIGRATIONS[version - 1](conn, now)
        conn.execute(f"PRAGMA user_version = {int(version)}")
    return found
