"""The ``feeds`` table and ``fetch_log``: subscriptions and their fetch state.

Removing a feed without --purge leaves a tombstone: the row stays with ``removed_at`` set,
so the items the analyst kept still name their source. A removed feed is never polled, is
not listed as a subscription, and comes back (the same id, its kept items with it) when
its URL is added again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import db
from .errors import Conflict, InvalidInput, NotFound
from .journal import Journal
from .models import Feed
from .records import FetchRecord

_FEED_COLS = (
    "id, url, title, site_url, etag, last_modified, next_poll_at, last_polled_at, "
    "last_success_at, last_status, last_error, error_count, disabled_reason, ttl_seconds, added_at,"
    " removed_at"
)


@dataclass(frozen=True, slots=True)
class FeedUpdate:
    """What a fetch learned about its feed. ``None`` leaves a field alone."""

    success: bool
    next_poll_at: str
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    site_url: str | None = None
    new_url: str | None = None
    disabled_reason: str | None = None
    ttl_seconds: int | None = None
    keep_validators: bool = True  # False: clear etag/last_modified


def validate_url(url: str) -> str:
    url = url.strip()
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise InvalidInput(f"not a feed URL (contains spaces or control characters): {url!r}")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidInput(f"not a feed URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidInput(f"not a feed URL (only http and https are polled): {url!r}")
    if not parts.hostname:
        raise InvalidInput(f"not a feed URL (no host): {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise InvalidInput(f"not a feed URL (bad port): {url!r}") from None
    return url


def _feed(row: sqlite3.Row) -> Feed:
    return Feed(**dict(row))


def get(conn: sqlite3.Connection, feed_id: int) -> Feed:
    row = conn.execute(f"SELECT {_FEED_COLS} FROM feeds WHERE id = ?", (feed_id,)).fetchone()  # noqa: S608
    if row is None:
        raise NotFound(f"no feed {feed_id}")
    return _feed(row)


def list_all(conn: sqlite3.Connection, include_removed: bool = False) -> list[Feed]:
    """Subscribed feeds by name; with ``include_removed``, the removed ones after them."""
    where = "" if include_removed else "WHERE removed_at IS NULL"
    rows = conn.execute(
        f"SELECT {_FEED_COLS} FROM feeds {where}"  # noqa: S608
        " ORDER BY removed_at IS NOT NULL, coalesce(title, url) COLLATE NOCASE, id"
    )
    return [_feed(r) for r in rows]


def add(
    conn: sqlite3.Connection, url: str, title: str | None, now: str, actor: str
) -> tuple[Feed, bool]:
    """Subscribe. Returns (the feed, whether it was a removed feed brought back).

    A removed feed with this URL is revived: same id, its kept items with it, a ``title``
    given here replaces the old one. Its schedule, errors, disabled reason and validators
    are reset, so the next poll fetches it in full and brings back the items that the
    remove deleted (the kept ones are matched by guid and updated in place, not doubled).
    """
    url = validate_url(url)
    with db.write(conn):
        row = conn.execute("SELECT id, removed_at FROM feeds WHERE url = ?", (url,)).fetchone()
        if row is not None and row["removed_at"] is None:
            raise Conflict(f"already subscribed: {url}")
        if row is not None:
            feed_id = row["id"]
            conn.execute(
                "UPDATE feeds SET removed_at = NULL, title = coalesce(?, title),"
                " next_poll_at = ?, error_count = 0, last_error = NULL, disabled_reason = NULL,"
                " etag = NULL, last_modified = NULL WHERE id = ?",
                (title, now, feed_id),
            )
            Journal(conn, actor, "feed_revive", now).record(
                None, None, None, None, url=url, feed_id=feed_id, removed_at=row["removed_at"]
            )
        else:
            feed_id = conn.execute(
                "INSERT INTO feeds(url, title, next_poll_at, added_at) VALUES (?, ?, ?, ?)",
                (url, title, now, now),
            ).lastrowid
            Journal(conn, actor, "feed_add", now).record(None, None, None, None, url=url)
    return get(conn, feed_id), row is not None


_TOUCHED = """
    EXISTS (SELECT 1 FROM item_topics WHERE item_id = items.id)
    OR EXISTS (SELECT 1 FROM followups WHERE item_id = items.id)
    OR EXISTS (SELECT 1 FROM item_state WHERE item_id = items.id)
"""


def remove(conn: sqlite3.Connection, feed_id: int, purge: bool, now: str, actor: str) -> tuple[int, int]:
    """Unsubscribe. Returns (items deleted, items kept because the analyst touched them).

    Without ``purge`` the untouched items go and the feed stays as a tombstone
    (``removed_at`` set) that the kept items still point at. With ``purge`` the feed
    row and all its items go, a tombstone's too.
    """
    with db.write(conn):
        feed = get(conn, feed_id)
        if purge:
            kept = 0
            deleted = conn.execute("DELETE FROM items WHERE feed_id = ?", (feed_id,)).rowcount
            conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
        else:
            if feed.removed:
                raise Conflict(f"feed {feed_id} is already removed; --purge deletes it"
                               " and the items kept from it")
            deleted = conn.execute(
                f"DELETE FROM items WHERE feed_id = ? AND NOT ({_TOUCHED})", (feed_id,)  # noqa: S608
            ).rowcount
            kept = conn.execute(
                "SELECT count(*) FROM items WHERE feed_id = ?", (feed_id,)
            ).fetchone()[0]
            conn.execute("UPDATE feeds SET removed_at = ? WHERE id = ?", (now, feed_id))
        Journal(conn, actor, "feed_remove", now).record(
            None, None, None, None, url=feed.url, title=feed.title, purge=purge,
            deleted=deleted, kept=kept, feed_id=feed_id,
        )
    return deleted, kept


def due(conn: sqlite3.Connection, now: str, everything: bool = False) -> list[Feed]:
    """Feeds to poll now (or every polled feed): never a removed or disabled one."""
    if everything:
        where, params = "removed_at IS NULL AND disabled_reason IS NULL", ()
    else:
        where = ("removed_at IS NULL AND disabled_reason IS NULL"
                 " AND (next_poll_at IS NULL OR next_poll_at <= ?)")
        params = (now,)
    rows = conn.execute(
        f"SELECT {_FEED_COLS} FROM feeds WHERE {where} ORDER BY next_poll_at, id", params  # noqa: S608
    )
    return [_feed(r) for r in rows]


def record_fetch(conn: sqlite3.Connection, rec: FetchRecord, update: FeedUpdate) -> str | None:
    """Log one fetch and move the feed's state on, in one transaction.

    A 301/308 (``update.new_url``) moves the stored URL, unless another feed row (subscribed
    or removed) has that URL already: then the old URL stays, and the returned note (also
    the feed's ``last_error`` after a success, so ``feeds list`` shows it) says why.
    """
    note = None
    with db.write(conn):
        if update.new_url:
            holder = conn.execute(
                "SELECT id, removed_at FROM feeds WHERE url = ? AND id != ?",
                (update.new_url, rec.feed_id),
            ).fetchone()
            if holder is not None:
                which = "removed feed" if holder["removed_at"] else "feed"
                note = (f"moved permanently to the URL of {which} {holder['id']}; kept the old"
                        f" URL (new: {update.new_url})")
        conn.execute(
            "INSERT INTO fetch_log(feed_id, at, http_status, bytes, duration_ms, error_class,"
            " error_message, new_count, updated_count, unchanged_count)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rec.feed_id, rec.at, rec.http_status, rec.bytes, rec.duration_ms,
                rec.error_class, rec.error_message, rec.new, rec.updated, rec.unchanged,
            ),
        )
        sets = ["last_polled_at = ?", "last_status = ?", "next_poll_at = ?"]
        params: list = [rec.at, rec.http_status, update.next_poll_at]
        if update.success:
            sets += ["last_success_at = ?", "last_error = ?", "error_count = 0"]
            params += [rec.at, note]
        else:
            sets += ["last_error = ?", "error_count = error_count + 1"]
            params.append(f"{rec.error_class}: {rec.error_message}" if rec.error_class else rec.error_message)
        if not update.keep_validators:
            sets += ["etag = NULL", "last_modified = NULL"]
        for column in ("etag", "last_modified", "title", "site_url", "disabled_reason", "ttl_seconds"):
            value = getattr(update, column)
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(value)
        if update.new_url and note is None:
            sets.append("url = ?")
            params.append(update.new_url)
        conn.execute(f"UPDATE feeds SET {', '.join(sets)} WHERE id = ?", [*params, rec.feed_id])  # noqa: S608
    return note


def enable(conn: sqlite3.Connection, feed_id: int, now: str) -> None:
    with db.write(conn):
        conn.execute(
            "UPDATE feeds SET disabled_reason = NULL, error_count = 0, next_poll_at = ? WHERE id = ?",
            (now, feed_id),
        )


def fetch_log(conn: sqlite3.Connection, feed_id: int, limit: int = 20) -> list[FetchRecord]:
    rows = conn.execute(
        "SELECT feed_id, at, http_status, bytes, duration_ms, error_class, error_message,"
        " new_count AS new, updated_count AS updated, unchanged_count AS unchanged"
        " FROM fetch_log WHERE feed_id = ? ORDER BY id DESC LIMIT ?",
        (feed_id, limit),
    )
    return [FetchRecord(**dict(r)) for r in rows]
