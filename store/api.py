"""``Store``: the facade every front end uses. One method per question or action.

Methods return frozen dataclasses from :mod:`store.models` and raise only
:mod:`store.errors`. A ``Store`` may be used from several threads: each thread
gets its own connection.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from . import clock, db, items
from .errors import Conflict, InvalidInput, StoreError

if TYPE_CHECKING:
    from . import analyst, ingest, journal, sources
    from .models import Counts, Feed, ItemDetail, ItemRow, Page, SavedSearch, Topic
    from .records import Event, FetchRecord, IncomingItem, IngestResult, UndoResult
    from .sources import FeedUpdate


class _OnFirstUse:
    """A submodule imported when first used. The TUI's first screen only reads (``db``,
    ``items``): the write side's imports need not delay it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(f"{__package__}.{self._name}")
        globals()[self._name] = module  # from now on the module itself is found
        return getattr(module, attr)


if not TYPE_CHECKING:
    analyst = _OnFirstUse("analyst")
    ingest = _OnFirstUse("ingest")
    journal = _OnFirstUse("journal")
    sources = _OnFirstUse("sources")

P = ParamSpec("P")
R = TypeVar("R")


def _guard(method: Callable[P, R]) -> Callable[P, R]:
    """Turn stray sqlite3 errors into StoreError: callers catch one family."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            raise db.translate(exc) from exc

    return wrapper


class Store:
    def __init__(self, path: str | os.PathLike[str], actor: str = "analyst"):
        self.path = path
        self.actor = actor
        self._pool = db.ConnectionPool(path)

    @property
    def conn(self) -> sqlite3.Connection:
        return self._pool.get()

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def now() -> str:
        return clock.instant()

    # ---- feeds ----------------------------------------------------------------

    @_guard
    def add_feed(self, url: str, title: str | None = None) -> Feed:
        """Subscribe to ``url`` (or revive the removed feed that has it)."""
        return sources.add(self.conn, url, title, self.now(), self.actor)[0]

    @_guard
    def subscribe(self, url: str, title: str | None = None) -> tuple[Feed, bool]:
        """``add_feed`` that also says whether a removed feed was brought back."""
        return sources.add(self.conn, url, title, self.now(), self.actor)

    @_guard
    def feed(self, feed_id: int) -> Feed:
        return sources.get(self.conn, feed_id)

    @_guard
    def feeds(self, include_removed: bool = False) -> list[Feed]:
        """The subscribed feeds; ``include_removed`` adds the removed ones (tombstones)."""
        return sources.list_all(self.conn, include_removed)

    @_guard
    def remove_feed(self, feed_id: int, purge: bool = False) -> tuple[int, int]:
        """Unsubscribe: (items deleted, items kept). See :func:`store.sources.remove`."""
        return sources.remove(self.conn, feed_id, purge, self.now(), self.actor)

    @_guard
    def enable_feed(self, feed_id: int) -> Feed:
        """Poll a disabled (e.g. 410 Gone) or failing feed again, at the next pass."""
        if self.feed(feed_id).removed:  # NotFound for an unknown id
            raise Conflict(f"feed {feed_id} was removed; adding its URL again subscribes to it")
        sources.enable(self.conn, feed_id, self.now())
        return self.feed(feed_id)

    @_guard
    def due_feeds(self, now: str | None = None, everything: bool = False) -> list[Feed]:
        return sources.due(self.conn, now or self.now(), everything)

    @_guard
    def record_fetch(self, record: FetchRecord, update: FeedUpdate) -> str | None:
        """Log a fetch and update the feed. Returns a note when a permanent redirect could
        not be followed (another feed has the new URL), else None."""
        return sources.record_fetch(self.conn, record, update)

    @_guard
    def fetch_log(self, feed_id: int, limit: int = 20) -> list[FetchRecord]:
        return sources.fetch_log(self.conn, feed_id, limit)

    @_guard
    def ingest(
        self, feed_id: int, incoming: Sequence[IncomingItem], now: str | None = None
    ) -> IngestResult:
        return ingest.ingest(self.conn, feed_id, incoming, now or self.now())

    # ---- reading items --------------------------------------------------------

    @_guard
    def item_ids(self, query: str = "", today: dt.date | None = None) -> list[int]:
        return items.ids(self.conn, query, today)

    @_guard
    def rows(self, item_ids: Sequence[int]) -> list[ItemRow]:
        return items.rows_by_ids(self.conn, item_ids)

    @_guard
    def page(
        self, query: str = "", cursor: tuple[str, int] | None = None, limit: int = 200,
        today: dt.date | None = None,
    ) -> Page:
        return items.page(self.conn, query, cursor, limit, today)

    @_guard
    def item(self, item_id: int) -> ItemDetail:
        return items.detail(self.conn, item_id)

    @_guard
    def counts(self, today: dt.date | None = None) -> Counts:
        return items.counts(self.conn, today)

    @_guard
    def change_token(self) -> tuple:
        """A cheap fingerprint of the file (about 1 ms at 100k items) for front ends that
        watch for changes: it moves when items arrive, change upstream or go, when an
        analyst action lands (``events``), and when feeds are fetched, added or removed."""
        return tuple(self.conn.execute(
            "SELECT (SELECT max(id) FROM items), (SELECT count(*) FROM items),"
            " (SELECT max(id) FROM item_revisions), (SELECT max(id) FROM events),"
            " (SELECT max(id) FROM fetch_log), (SELECT max(id) FROM feeds),"
            " (SELECT count(*) FROM feeds)"
        ).fetchone())

    @_guard
    def check_query(self, query: str) -> None:
        """Raise QueryError when ``query`` does not parse."""
        items.compile_for(self.conn, query)

    # ---- topics ---------------------------------------------------------------

    @_guard
    def topics(self) -> list[Topic]:
        return analyst.topics(self.conn)

    @_guard
    def topic(self, name: str) -> Topic:
        return analyst.find_topic(self.conn, name)

    @_guard
    def add_topic(self, name: str, description: str = "") -> Topic:
        return analyst.add_topic(self.conn, name, description, self.now(), self.actor)

    @_guard
    def rename_topic(self, old: str, new: str) -> Topic:
        return analyst.rename_topic(self.conn, old, new, self.now(), self.actor)

    @_guard
    def remove_topic(self, name: str, force: bool = False) -> int:
        return analyst.remove_topic(self.conn, name, force, self.now(), self.actor)

    # ---- analyst actions on items (each returns its batch id) -----------------

    def _bulk(self, item_ids: Sequence[int], action: str, apply) -> str:
        try:
            batch, _ = analyst.bulk(self.conn, item_ids, action, self.actor, self.now(), apply)
        except sqlite3.Error as exc:
            raise db.translate(exc) from exc
        return batch

    def tag(self, item_ids: Sequence[int], topic: str, state: str = "confirmed") -> str:
        """Put ``topic`` on items as confirmed, suggested or rejected."""
        if state not in analyst.TOPIC_STATES:
            raise StoreError(f"unknown topic state {state!r}")
        t = self.topic(topic)
        return self._bulk(item_ids, f"tag_{state}",
                          lambda j, i: analyst.set_topic(j, i, t, state))

    def untag(self, item_ids: Sequence[int], topic: str) -> str:
        t = self.topic(topic)
        return self._bulk(item_ids, "untag", lambda j, i: analyst.unset_topic(j, i, t))

    def mark_read(self, item_ids: Sequence[int], read: bool = True) -> str:
        return self._bulk(item_ids, "read" if read else "unread",
                          lambda j, i: analyst.set_read(j, i, read))

    def set_status(self, item_ids: Sequence[int], status: str) -> str:
        if status not in analyst.STATUSES:
            raise StoreError(f"unknown status {status!r}")
        return self._bulk(item_ids, status, lambda j, i: analyst.set_status(j, i, status))

    def set_followup(
        self, item_ids: Sequence[int], due: dt.date | None = None, note: str | None = None,
        *, clear_due: bool = False,
    ) -> str:
        """Open a follow-up on each item, or change the open one. ``due=None`` and
        ``note=None`` leave the open follow-up's date and note as they are;
        ``clear_due=True`` removes the date (and cannot be given with a ``due``)."""
        if clear_due and due is not None:
            raise InvalidInput("give a due date or clear it, not both")
        due_s = due.isoformat() if due else None
        return self._bulk(item_ids, "followup",
                          lambda j, i: analyst.set_followup(j, i, due_s, note, clear_due))

    def finish_followup(self, item_ids: Sequence[int], clear: bool = False) -> str:
        return self._bulk(item_ids, "followup_clear" if clear else "followup_done",
                          lambda j, i: analyst.finish_followup(j, i, clear))

    @_guard
    def undo(self) -> UndoResult:
        with db.write(self.conn):
            return journal.undo_last(self.conn, self.actor, self.now())

    @_guard
    def events(self, limit: int = 50, item_id: int | None = None) -> list[Event]:
        where, params = ("WHERE item_id = ?", [item_id]) if item_id is not None else ("", [])
        rows = self.conn.execute(
            f"SELECT id, at, actor, action, item_id, detail, batch_id FROM events {where}"  # noqa: S608
            " ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        from .records import Event

        return [Event(**dict(r)) for r in rows]

    # ---- saved searches ---------------------------------------------------------

    @_guard
    def saved_searches(self) -> list[SavedSearch]:
        return analyst.saved_searches(self.conn)

    @_guard
    def save_search(self, name: str, query: str) -> SavedSearch:
        self.check_query(query)
        return analyst.save_search(self.conn, name, query, self.now(), self.actor)

    @_guard
    def delete_search(self, name: str) -> None:
        analyst.delete_search(self.conn, name, self.now(), self.actor)
