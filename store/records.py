"""Records the poller hands to the store and the journal hands back.

Frozen dataclasses, like :mod:`store.models` (which re-exports these names).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    id: int
    at: str
    actor: str
    action: str
    item_id: int | None
    detail: str
    batch_id: str


@dataclass(frozen=True)
class UndoResult:
    batch_id: str
    action: str
    count: int  # events reverted


@dataclass(frozen=True)
class IncomingItem:
    """One normalized entry, ready to store. Text fields are already clean."""

    guid_key: str
    url: str | None
    title: str
    author: str | None
    published_at: str | None
    updated_at: str | None
    summary: str | None
    content_html: str | None
    content_text: str
    content_hash: str


@dataclass(frozen=True)
class IngestResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class FetchRecord:
    """What one fetch of one feed did, for ``fetch_log`` and the feed's state."""

    feed_id: int
    at: str
    http_status: int | None
    bytes: int
    duration_ms: int
    error_class: str | None = None
    error_message: str | None = None
    new: int = 0
    updated: int = 0
    unchanged: int = 0
