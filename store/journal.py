"""The ``events`` table: an append-only journal of analyst actions, and undo.

Every analyst write snapshots the rows it touches (before and after) into one
event per row, under one batch id. Undo restores the "before" snapshots of the
newest batch not yet undone, in reverse order, and records an ``undo`` event.
Snapshots are keyed by our own table and column names, never by feed strings.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from .errors import NothingToUndo
from .records import UndoResult

# table -> key columns. Only these tables are ever restored by undo.
KEYS: dict[str, tuple[str, ...]] = {
    "item_topics": ("item_id", "topic_id"),
    "item_state": ("item_id",),
    "followups": ("id",),
    "topics": ("id",),
    "saved_searches": ("id",),
}


def new_batch_id() -> str:
    return os.urandom(8).hex()


def snapshot(conn: sqlite3.Connection, table: str, key: dict[str, Any]) -> dict | None:
    cols = KEYS[table]
    where = " AND ".join(f"{c} = ?" for c in cols)
    row = conn.execute(
        f"SELECT * FROM {table} WHERE {where}",  # noqa: S608 - names from KEYS
        [key[c] for c in cols],
    ).fetchone()
    return dict(row) if row is not None else None


@dataclass
class Journal:
    """Collects the events of one action; written in the same transaction as the change."""

    conn: sqlite3.Connection
    actor: str
    action: str
    at: str
    batch_id: str = field(default_factory=new_batch_id)
    count: int = 0

    def record(
        self,
        table: str | None,
        key: dict[str, Any] | None,
        before: dict | None,
        after: dict | None,
        *,
        item_id: int | None = None,
        **extra: Any,
    ) -> None:
        detail: dict[str, Any] = dict(extra)
        if table is not None:
            detail.update(table=table, key=key, before=before, after=after)
        self.conn.execute(
            "INSERT INTO events(at, actor, action, item_id, detail, batch_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (self.at, self.actor, self.action, item_id, json.dumps(detail), self.batch_id),
        )
        self.count += 1

    def change(
        self,
        table: str,
        key: dict[str, Any],
        sql: str,
        params: tuple | list,
        *,
        item_id: int | None = None,
        **extra: Any,
    ) -> bool:
        """Run one write on one row, recording its before/after. False when nothing changed."""
        before = snapshot(self.conn, table, key)
        self.conn.execute(sql, params)
        after = snapshot(self.conn, table, key)
        if before == after:
            return False
        self.record(table, key, before, after, item_id=item_id, **extra)
        return True


def _restore(conn: sqlite3.Connection, table: str, key: dict[str, Any], row: dict | None) -> bool:
    """Put one row back as it was; False when nothing was there to change. A row whose item
    has gone since (a feed removed with --purge) is skipped: undo goes on with the rest."""
    cols = KEYS[table]
    if row is None:
        where = " AND ".join(f"{c} = ?" for c in cols)
        cur = conn.execute(f"DELETE FROM {table} WHERE {where}", [key[c] for c in cols])  # noqa: S608
        return cur.rowcount > 0
    if row.get("item_id") is not None and conn.execute(
        "SELECT 1 FROM items WHERE id = ?", (row["item_id"],)
    ).fetchone() is None:
        return False
    names = list(row)
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in cols)
    conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    conn.execute(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
        f" ON CONFLICT ({', '.join(cols)}) {conflict}",
        [row[n] for n in names],
    )
    return True


def last_undoable_batch(conn: sqlite3.Connection) -> tuple[str, str] | None:
    row = conn.execute(
        """
        SELECT batch_id, action FROM events
        WHERE action != 'undo'
          AND json_extract(detail, '$.table') IS NOT NULL
          AND batch_id NOT IN (
              SELECT json_extract(detail, '$.undid') FROM events WHERE action = 'undo')
        ORDER BY id DESC LIMIT 1
        """
    ).fetchone()
    return (row[0], row[1]) if row else None


def undo_last(conn: sqlite3.Connection, actor: str, at: str) -> UndoResult:
    """Revert the newest batch not yet undone. The caller holds BEGIN IMMEDIATE."""
    found = last_undoable_batch(conn)
    if found is None:
        raise NothingToUndo("nothing to undo")
    batch_id, action = found
    rows = conn.execute(
        "SELECT detail FROM events WHERE batch_id = ? ORDER BY id DESC", (batch_id,)
    ).fetchall()
    count = 0
    for (raw,) in rows:
        detail = json.loads(raw)
        table = detail.get("table")
        if table not in KEYS:
            continue
        count += _restore(conn, table, detail["key"], detail["before"])
    journal = Journal(conn, actor, "undo", at)
    journal.record(None, None, None, None, undid=batch_id, undid_action=action, rows=count)
    return UndoResult(batch_id=batch_id, action=action, count=count)
