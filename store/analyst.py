"""The analyst's tables: topics, item topics, read/triage state, follow-ups, searches.

Every write goes through a :class:`~store.journal.Journal` so that it lands in
``events`` and can be undone. Bulk writes commit in chunks under one batch id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from . import db
from .errors import Conflict, InvalidInput, NotFound
from .journal import Journal, new_batch_id
from .models import SavedSearch, Topic
from .query import topic_key

CHUNK = 500
STATUSES = ("new", "triaged", "archived")
TOPIC_STATES = ("suggested", "confirmed", "rejected")


def _clean_name(name: str) -> str:
    from .text import clean_line

    name = clean_line(name)
    if not name:
        raise InvalidInput("a name cannot be empty")
    if len(name) > 80:
        raise InvalidInput("a topic name is at most 80 characters")
    return name


# ---- topics -----------------------------------------------------------------


def topics(conn: sqlite3.Connection) -> list[Topic]:
    rows = conn.execute("SELECT id, name, description, created_at FROM topics ORDER BY id")
    return [Topic(**dict(r)) for r in rows]


def find_topic(conn: sqlite3.Connection, name: str) -> Topic:
    key = topic_key(name)
    for topic in topics(conn):
        if topic_key(topic.name) == key:
            return topic
    raise NotFound(f"no topic {name!r}")


def add_topic(conn: sqlite3.Connection, name: str, description: str, now: str, actor: str) -> Topic:
    name = _clean_name(name)
    with db.write(conn):
        if any(topic_key(t.name) == topic_key(name) for t in topics(conn)):
            raise Conflict(f"topic {name!r} exists already")
        cur = conn.execute(
            "INSERT INTO topics(name, description, created_at) VALUES (?, ?, ?)",
            (name, description, now),
        )
        key = {"id": cur.lastrowid}
        Journal(conn, actor, "topic_add", now).record(
            "topics", key, None, {"id": cur.lastrowid, "name": name, "description": description,
                                  "created_at": now}, topic=name,
        )
    return find_topic(conn, name)


def rename_topic(conn: sqlite3.Connection, old: str, new: str, now: str, actor: str) -> Topic:
    new = _clean_name(new)
    with db.write(conn):
        topic = find_topic(conn, old)
        clash = [t for t in topics(conn) if topic_key(t.name) == topic_key(new) and t.id != topic.id]
        if clash:
            raise Conflict(f"topic {clash[0].name!r} exists already")
        Journal(conn, actor, "topic_rename", now).change(
            "topics", {"id": topic.id}, "UPDATE topics SET name = ? WHERE id = ?",
            (new, topic.id), old=topic.name, new=new,
        )
    return find_topic(conn, new)


def remove_topic(conn: sqlite3.Connection, name: str, force: bool, now: str, actor: str) -> int:
    """Delete a topic. Refuses when items carry it, unless ``force``. Returns items untagged."""
    with db.write(conn):
        topic = find_topic(conn, name)
        rows = conn.execute(
            "SELECT * FROM item_topics WHERE topic_id = ? ORDER BY item_id", (topic.id,)
        ).fetchall()
        if rows and not force:
            raise Conflict(
                f"topic {topic.name!r} is on {len(rows)} item(s); use --force to remove it anyway"
            )
        # Journal in deletion order (tags, then the topic): undo replays it backwards.
        journal = Journal(conn, actor, "topic_remove", now)
        for row in rows:
            journal.record("item_topics", {"item_id": row["item_id"], "topic_id": topic.id},
                           dict(row), None, item_id=row["item_id"], topic=topic.name)
        journal.record("topics", {"id": topic.id}, dict(conn.execute(
            "SELECT * FROM topics WHERE id = ?", (topic.id,)).fetchone()), None, topic=topic.name)
        conn.execute("DELETE FROM topics WHERE id = ?", (topic.id,))
    return len(rows)


# ---- per-item writes, chunked under one batch --------------------------------


def _ids(item_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    if not ids:
        raise InvalidInput("no items given")
    return ids


def check_items(conn: sqlite3.Connection, item_ids: Sequence[int]) -> None:
    ids = _ids(item_ids)
    missing = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        found = {r[0] for r in conn.execute(
            f"SELECT id FROM items WHERE id IN ({marks})", chunk)}  # noqa: S608
        missing += [i for i in chunk if i not in found]
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (" …" if len(missing) > 5 else "")
        raise NotFound(f"no item {shown}")


def bulk(
    conn: sqlite3.Connection,
    item_ids: Sequence[int],
    action: str,
    actor: str,
    now: str,
    apply: Callable[[Journal, int], None],
) -> tuple[str, int]:
    """Apply ``apply`` to each item, committing every ``CHUNK`` items under one batch id."""
    ids = _ids(item_ids)
    check_items(conn, ids)
    batch = new_batch_id()
    changed = 0
    for start in range(0, len(ids), CHUNK):
        with db.write(conn):
            journal = Journal(conn, actor, action, now, batch_id=batch)
            for item_id in ids[start : start + CHUNK]:
                apply(journal, item_id)
            changed += journal.count
    return batch, changed


def set_topic(journal: Journal, item_id: int, topic: Topic, state: str) -> None:
    journal.change(
        "item_topics", {"item_id": item_id, "topic_id": topic.id},
        "INSERT INTO item_topics(item_id, topic_id, state, source, by, at)"
        " VALUES (?, ?, ?, 'analyst', ?, ?)"
        " ON CONFLICT(item_id, topic_id) DO UPDATE SET state = excluded.state,"
        " source = 'analyst', rule_id = NULL, rule_version = NULL, by = excluded.by,"
        " at = excluded.at WHERE item_topics.state != excluded.state",
        (item_id, topic.id, state, journal.actor, journal.at),
        item_id=item_id, topic=topic.name, state=state,
    )


def unset_topic(journal: Journal, item_id: int, topic: Topic) -> None:
    journal.change(
        "item_topics", {"item_id": item_id, "topic_id": topic.id},
        "DELETE FROM item_topics WHERE item_id = ? AND topic_id = ?", (item_id, topic.id),
        item_id=item_id, topic=topic.name,
    )


def set_read(journal: Journal, item_id: int, read: bool) -> None:
    # No row means unread: marking unread only ever updates, never creates a row.
    sql, params = (
        ("INSERT INTO item_state(item_id, read_at) VALUES (?, ?)"
         " ON CONFLICT(item_id) DO UPDATE SET read_at = excluded.read_at"
         " WHERE item_state.read_at IS NULL", (item_id, journal.at)) if read else
        ("UPDATE item_state SET read_at = NULL WHERE item_id = ? AND read_at IS NOT NULL",
         (item_id,))
    )
    journal.change("item_state", {"item_id": item_id}, sql, params, item_id=item_id, read=read)


def set_status(journal: Journal, item_id: int, status: str) -> None:
    if status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
    # No row means new: setting 'new' only ever updates, never creates a row.
    sql, params = (
        ("UPDATE item_state SET status = 'new', status_at = ? WHERE item_id = ?"
         " AND status != 'new'", (journal.at, item_id)) if status == "new" else
        ("INSERT INTO item_state(item_id, status, status_at) VALUES (?, ?, ?)"
         " ON CONFLICT(item_id) DO UPDATE SET status = excluded.status,"
         " status_at = excluded.status_at WHERE item_state.status != excluded.status",
         (item_id, status, journal.at))
    )
    journal.change("item_state", {"item_id": item_id}, sql, params, item_id=item_id,
                   status=status)


def _open_followup(conn: sqlite3.Connection, item_id: int) -> int | None:
    row = conn.execute(
        "SELECT id FROM followups WHERE item_id = ? AND done_at IS NULL", (item_id,)
    ).fetchone()
    return row[0] if row else None


def set_followup(
    journal: Journal, item_id: int, due: str | None, note: str | None, clear_due: bool = False
) -> None:
    """Open a follow-up, or change the open one. ``None`` leaves the due date or the note
    as it is; ``clear_due`` removes the due date (a new follow-up starts without one)."""
    if clear_due and due is not None:
        raise InvalidInput("give a due date or clear it, not both")
    open_id = _open_followup(journal.conn, item_id)
    if open_id is None:
        cur = journal.conn.execute(
            "INSERT INTO followups(item_id, due, note, created_at) VALUES (?, ?, ?, ?)",
            (item_id, due, note or "", journal.at),
        )
        row = dict(journal.conn.execute("SELECT * FROM followups WHERE id = ?",
                                        (cur.lastrowid,)).fetchone())
        journal.record("followups", {"id": cur.lastrowid}, None, row, item_id=item_id,
                       due=due, note=note)
        return
    extra = {"clear_due": True} if clear_due else {}
    journal.change(
        "followups", {"id": open_id},
        "UPDATE followups SET due = CASE WHEN ? THEN NULL ELSE coalesce(?, due) END,"
        " note = coalesce(?, note) WHERE id = ?",
        (int(clear_due), due, note, open_id), item_id=item_id, due=due, note=note, **extra,
    )


def finish_followup(journal: Journal, item_id: int, clear: bool) -> None:
    """Mark the open follow-up done, or (``clear``) delete it; the event keeps its history."""
    open_id = _open_followup(journal.conn, item_id)
    if open_id is None:
        return
    sql = ("DELETE FROM followups WHERE id = ?" if clear
           else "UPDATE followups SET done_at = ? WHERE id = ?")
    params = (open_id,) if clear else (journal.at, open_id)
    journal.change("followups", {"id": open_id}, sql, params, item_id=item_id)


# ---- saved searches ------------------------------------------------------------


def saved_searches(conn: sqlite3.Connection) -> list[SavedSearch]:
    rows = conn.execute("SELECT id, name, query, position FROM saved_searches ORDER BY position, id")
    return [SavedSearch(**dict(r)) for r in rows]


def save_search(conn: sqlite3.Connection, name: str, query: str, now: str, actor: str) -> SavedSearch:
    name = _clean_name(name)
    with db.write(conn):
        row = conn.execute("SELECT id FROM saved_searches WHERE name = ?", (name,)).fetchone()
        journal = Journal(conn, actor, "search_save", now)
        if row:
            journal.change("saved_searches", {"id": row[0]},
                           "UPDATE saved_searches SET query = ? WHERE id = ?", (query, row[0]),
                           name=name, query=query)
        else:
            pos = conn.execute("SELECT coalesce(max(position), 0) + 1 FROM saved_searches").fetchone()[0]
            cur = conn.execute("INSERT INTO saved_searches(name, query, position) VALUES (?, ?, ?)",
                               (name, query, pos))
            journal.record("saved_searches", {"id": cur.lastrowid}, None,
                           {"id": cur.lastrowid, "name": name, "query": query, "position": pos},
                           name=name, query=query)
    return next(s for s in saved_searches(conn) if s.name.casefold() == name.casefold())


def delete_search(conn: sqlite3.Connection, name: str, now: str, actor: str) -> None:
    with db.write(conn):
        row = conn.execute("SELECT * FROM saved_searches WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"no saved search {name!r}")
        Journal(conn, actor, "search_delete", now).change(
            "saved_searches", {"id": row["id"]}, "DELETE FROM saved_searches WHERE id = ?",
            (row["id"],), name=name)
