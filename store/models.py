"""Rows the Store API returns: frozen dataclasses, never sqlite3.Row.

The records the poller hands over and the journal's (``IncomingItem``, ``IngestResult``,
``FetchRecord``, ``Event``, ``UndoResult``) live in :mod:`store.records` and are
importable from here too; they are loaded on first use, so the TUI's first screen does
not wait for classes it does not need yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    title: str | None
    site_url: str | None
    etag: str | None
    last_modified: str | None
    next_poll_at: str | None
    last_polled_at: str | None
    last_success_at: str | None
    last_status: int | None
    last_error: str | None
    error_count: int
    disabled_reason: str | None
    ttl_seconds: int | None
    added_at: str
    removed_at: str | None = None  # set by `feeds remove` (a tombstone); None: subscribed

    @property
    def name(self) -> str:
        return self.title or self.url

    @property
    def removed(self) -> bool:
        return self.removed_at is not None

    @property
    def failing(self) -> bool:
        return bool(self.disabled_reason) or self.error_count > 0


@dataclass(frozen=True)
class Topic:
    id: int
    name: str
    description: str
    created_at: str


@dataclass(frozen=True)
class ItemTopic:
    topic_id: int
    name: str
    state: str  # suggested | confirmed | rejected
    source: str  # analyst | rule
    by: str
    at: str
    rule_id: int | None = None
    rule_version: int | None = None


@dataclass(frozen=True)
class Followup:
    item_id: int
    due: str | None  # local date YYYY-MM-DD
    note: str
    created_at: str
    done_at: str | None = None


@dataclass(frozen=True)
class ItemRow:
    """One line of an item list: what a list view or ``triage items`` shows."""

    id: int
    feed_id: int | None
    feed: str
    title: str
    url: str | None
    sort_at: str
    published_at: str | None
    is_read: bool
    status: str  # new | triaged | archived
    topics: tuple[tuple[str, str], ...]  # (name, state), rejected left out
    due: str | None
    has_followup: bool
    revised: bool


@dataclass(frozen=True)
class Revision:
    replaced_at: str
    title: str | None
    url: str | None
    content_text: str | None


@dataclass(frozen=True)
class ItemDetail:
    """Everything the reader shows for one item."""

    row: ItemRow
    author: str | None
    updated_at: str | None
    first_seen_at: str
    summary: str | None
    content_html: str | None
    content_text: str
    topics: tuple[ItemTopic, ...]
    followup: Followup | None
    revisions: tuple[Revision, ...]
    read_at: str | None


@dataclass(frozen=True)
class SavedSearch:
    id: int
    name: str
    query: str
    position: int


@dataclass(frozen=True)
class Page:
    """A page of item rows, newest first by default, and the key to the next one."""

    rows: tuple[ItemRow, ...]
    next_cursor: tuple[str, int] | None


@dataclass(frozen=True)
class Counts:
    """What a sidebar shows."""

    untriaged: int
    unread: int
    followups: int
    overdue: int
    all: int
    by_topic: dict[int, int] = field(default_factory=dict)
    by_feed: dict[int, int] = field(default_factory=dict)  # untriaged per feed
    feed_items: dict[int, int] = field(default_factory=dict)  # all items per feed


_RECORDS = frozenset({"IncomingItem", "IngestResult", "FetchRecord", "Event", "UndoResult"})


def __getattr__(name: str):
    if name in _RECORDS:
        from . import records

        return getattr(records, name)
    raise AttributeError(f"module 'store.models' has no attribute {name!r}")
