"""Reading items: ordered id lists, keyset pages, rows by id, one item in full, counts."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence

from . import clock, db
from .errors import NotFound, QueryError
from .models import Counts, Followup, ItemDetail, ItemRow, ItemTopic, Page, Revision
from .query import Compiled, compile_query

_FROM = """
FROM items i
LEFT JOIN item_state s ON s.item_id = i.id
LEFT JOIN feeds f ON f.id = i.feed_id
"""

_ROW_COLS = """
i.id, i.feed_id, coalesce(f.title, f.url, '(removed feed)') AS feed, i.title, i.url,
i.sort_at, i.published_at, s.read_at IS NOT NULL AS is_read,
coalesce(s.status, 'new') AS status, i.revision_count > 0 AS revised
"""


def compile_for(conn: sqlite3.Connection, text: str, today: dt.date | None = None) -> Compiled:
    names = [r[0] for r in conn.execute("SELECT name FROM topics")]
    return compile_query(text, today=today, topics=names)


def ids(conn: sqlite3.Connection, query: str = "", today: dt.date | None = None) -> list[int]:
    """Every matching item id, in the query's order. Cheap enough for 100k items."""
    c = compile_for(conn, query, today)
    try:
        rows = conn.execute(
            f"SELECT i.id {_FROM} WHERE {c.where} ORDER BY {c.order_by}", c.params  # noqa: S608
        ).fetchall()
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot run this query ({exc})", 1) from None
    return [r[0] for r in rows]


def _chunks(values: Sequence[int], size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def rows_by_ids(conn: sqlite3.Connection, item_ids: Sequence[int]) -> list[ItemRow]:
    """Rows for the given ids, in the given order (unknown ids are skipped)."""
    item_ids = list(item_ids)
    if not item_ids:
        return []
    base: dict[int, sqlite3.Row] = {}
    topics: dict[int, list[tuple[str, str]]] = {}
    dues: dict[int, str | None] = {}
    for chunk in _chunks(item_ids):
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(f"SELECT {_ROW_COLS} {_FROM} WHERE i.id IN ({marks})", chunk):  # noqa: S608
            base[r["id"]] = r
        for r in conn.execute(
            f"SELECT it.item_id, t.name, it.state FROM item_topics it JOIN topics t"  # noqa: S608
            f" ON t.id = it.topic_id WHERE it.item_id IN ({marks}) AND it.state != 'rejected'"
            f" ORDER BY t.id",
            chunk,
        ):
            topics.setdefault(r[0], []).append((r[1], r[2]))
        for r in conn.execute(
            f"SELECT item_id, due FROM followups WHERE done_at IS NULL AND item_id IN ({marks})",  # noqa: S608
            chunk,
        ):
            dues[r[0]] = r[1]
    out = []
    for item_id in item_ids:
        r = base.get(item_id)
        if r is None:
            continue
        out.append(
            ItemRow(
                id=r["id"], feed_id=r["feed_id"], feed=r["feed"], title=r["title"], url=r["url"],
                sort_at=r["sort_at"], published_at=r["published_at"], is_read=bool(r["is_read"]),
                status=r["status"], topics=tuple(topics.get(item_id, ())),
                due=dues.get(item_id), has_followup=item_id in dues, revised=bool(r["revised"]),
            )
        )
    return out


def page(
    conn: sqlite3.Connection,
    query: str = "",
    cursor: tuple[str, int] | None = None,
    limit: int = 200,
    today: dt.date | None = None,
) -> Page:
    """One page by keyset (never OFFSET). ``cursor`` is the last row's (sort_at, id)."""
    c = compile_for(conn, query, today)
    where, params = c.where, list(c.params)
    if cursor is not None and c.sort in ("new", "old"):
        op = "<" if c.sort == "new" else ">"
        where = f"({where}) AND (i.sort_at, i.id) {op} (?, ?)"
        params += [cursor[0], cursor[1]]
    sql = f"SELECT i.id, i.sort_at {_FROM} WHERE {where} ORDER BY {c.order_by} LIMIT ?"  # noqa: S608
    try:
        found = conn.execute(sql, [*params, limit + 1]).fetchall()
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot run this query ({exc})", 1) from None
    more = len(found) > limit and c.sort in ("new", "old")
    found = found[:limit]
    rows = rows_by_ids(conn, [r[0] for r in found])
    nxt = (found[-1][1], found[-1][0]) if more and found else None
    return Page(tuple(rows), nxt)


def detail(conn: sqlite3.Connection, item_id: int) -> ItemDetail:
    """One item in full, read from one snapshot (the poller may commit in between)."""
    with db.read(conn):
        return _detail(conn, item_id)


def _detail(conn: sqlite3.Connection, item_id: int) -> ItemDetail:
    rows = rows_by_ids(conn, [item_id])
    r = conn.execute(
        "SELECT i.author, i.updated_at, i.first_seen_at, i.summary, i.content_html,"
        " i.content_text, s.read_at FROM items i LEFT JOIN item_state s ON s.item_id = i.id"
        " WHERE i.id = ?",
        (item_id,),
    ).fetchone()
    if not rows or r is None:
        raise NotFound(f"no item {item_id}")
    topics = tuple(
        ItemTopic(**dict(t))
        for t in conn.execute(
            "SELECT it.topic_id, t.name, it.state, it.source, it.by, it.at, it.rule_id,"
            " it.rule_version FROM item_topics it JOIN topics t ON t.id = it.topic_id"
            " WHERE it.item_id = ? ORDER BY t.id",
            (item_id,),
        )
    )
    fu = conn.execute(
        "SELECT item_id, due, note, created_at, done_at FROM followups"
        " WHERE item_id = ? AND done_at IS NULL",
        (item_id,),
    ).fetchone()
    revisions = tuple(
        Revision(**dict(v))
        for v in conn.execute(
            "SELECT replaced_at, title, url, content_text FROM item_revisions"
            " WHERE item_id = ? ORDER BY id DESC",
            (item_id,),
        )
    )
    return ItemDetail(
        row=rows[0], author=r["author"], updated_at=r["updated_at"],
        first_seen_at=r["first_seen_at"], summary=r["summary"], content_html=r["content_html"],
        content_text=r["content_text"], topics=topics,
        followup=Followup(**dict(fu)) if fu else None, revisions=revisions, read_at=r["read_at"],
    )


def counts(conn: sqlite3.Connection, today: dt.date | None = None) -> Counts:
    """Sidebar counts, all from one snapshot of the file."""
    with db.read(conn):
        return _counts(conn, today)


def _counts(conn: sqlite3.Connection, today: dt.date | None) -> Counts:
    """Per-feed figures come from ``feed_counts`` (kept by triggers, one row per feed),
    the rest from small indexed tables. Every item counts in the totals; ``by_feed`` has
    subscribed feeds only. A removed feed (``feeds.removed_at`` set, schema v4) keeps its
    row for the items the analyst kept, and feed 0 holds the items an older triage left
    without a feed (``items.feed_id`` NULL): neither is a feed queue."""
    today_s = (today or clock.local_today()).isoformat()
    total = untriaged = unread = 0
    by_feed: dict[int, int] = {}
    feed_items: dict[int, int] = {}
    for feed_id, n_items, n_untriaged, n_unread, subscribed in conn.execute(
        "SELECT fc.feed_id, fc.items, fc.untriaged, fc.unread,"
        " f.id IS NOT NULL AND f.removed_at IS NULL"
        " FROM feed_counts fc LEFT JOIN feeds f ON f.id = fc.feed_id WHERE fc.items > 0"
    ):
        total += n_items
        untriaged += n_untriaged
        unread += n_unread
        if subscribed:
            by_feed[feed_id] = n_untriaged
            feed_items[feed_id] = n_items
    fu, overdue = conn.execute(
        "SELECT count(*), coalesce(sum(due < ?), 0) FROM followups WHERE done_at IS NULL",
        (today_s,),
    ).fetchone()
    by_topic = dict(
        conn.execute(
            "SELECT topic_id, count(*) FROM item_topics WHERE state != 'rejected' GROUP BY topic_id"
        ).fetchall()
    )
    return Counts(
        untriaged=untriaged, unread=unread, followups=fu, overdue=overdue, all=total,
        by_topic=by_topic, by_feed=by_feed, feed_items=feed_items,
    )
