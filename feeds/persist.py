"""The persist stage: turn a fetch (and its parse) into store writes and a FeedResult.

Runs on the poller's single writer thread. The order matters: items are committed
by ``Store.ingest`` first, and only then does ``Store.record_fetch`` save the new
ETag/Last-Modified, so a crash between the two costs a re-download, never a lost
update. The ``*_update`` functions are pure.
"""

from __future__ import annotations

import datetime as dt

from store import Store
from store.clock import instant
from store.models import Feed, FetchRecord
from store.sources import FeedUpdate
from store.text import clean_line

from . import schedule
from .fetch import FetchResult
from .report import DISABLED, FAILED, NOT_MODIFIED, OK, FeedResult

MAX_MESSAGE = 500
MAX_VALIDATOR = 1024


def _validator(value: str | None) -> str | None:
    value = clean_line(value)
    return value if value and len(value) <= MAX_VALIDATOR else None


def error_fields(exc: BaseException) -> tuple[str, str]:
    """(error class, one-line message) for ``fetch_log``."""
    message = clean_line(str(exc)) or type(exc).__name__
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return type(exc).__name__, message


def success_update(
    feed: Feed, fetched: FetchResult, now: dt.datetime, policy: schedule.Policy,
    parsed=None,
) -> FeedUpdate:
    """The feed's new state after a 200 (``parsed`` given) or a 304."""
    ttl = getattr(parsed, "ttl_minutes", None) if parsed is not None else None
    if ttl is None and parsed is None and feed.ttl_seconds:
        ttl = feed.ttl_seconds // 60
    next_at = instant(schedule.after_success(now, fetched.headers, ttl, policy))
    if parsed is None:
        return FeedUpdate(success=True, next_poll_at=next_at, new_url=fetched.permanent_url)
    title = clean_line(parsed.title) or None
    site_url = clean_line(parsed.site_url) or None
    return FeedUpdate(
        success=True,
        next_poll_at=next_at,
        etag=_validator(fetched.headers.get("etag")),
        last_modified=_validator(fetched.headers.get("last-modified")),
        keep_validators=False,  # a response without them clears the old ones
        title=title if title and not feed.title else None,  # a title the user chose stays
        site_url=site_url,
        new_url=fetched.permanent_url,
        ttl_seconds=ttl * 60 if ttl else None,
    )


def failure_update(
    feed: Feed, exc: BaseException, now: dt.datetime, policy: schedule.Policy
) -> FeedUpdate:
    status = getattr(exc, "status", None)
    headers = getattr(exc, "headers", None)
    when = schedule.after_failure(now, feed.error_count + 1, headers, policy)
    return FeedUpdate(
        success=False, next_poll_at=instant(when), disabled_reason=schedule.gone_reason(status)
    )


def not_modified(
    store: Store, feed: Feed, fetched: FetchResult, now: dt.datetime, policy: schedule.Policy
) -> FeedResult:
    update = success_update(feed, fetched, now, policy)
    record = FetchRecord(
        feed_id=feed.id, at=instant(now), http_status=fetched.status, bytes=fetched.wire_bytes,
        duration_ms=fetched.duration_ms,
    )
    kept_url = store.record_fetch(record, update)
    return _result(feed, NOT_MODIFIED, record, update, moved=kept_url is None)


def stored(
    store: Store, feed: Feed, fetched: FetchResult, parsed, now: dt.datetime,
    policy: schedule.Policy,
) -> FeedResult:
    ingested = store.ingest(feed.id, parsed.items, instant(now))
    update = success_update(feed, fetched, now, policy, parsed)
    record = FetchRecord(
        feed_id=feed.id, at=instant(now), http_status=fetched.status, bytes=fetched.wire_bytes,
        duration_ms=fetched.duration_ms, new=ingested.new, updated=ingested.updated,
        unchanged=ingested.unchanged,
    )
    kept_url = store.record_fetch(record, update)  # a note when another feed has the new URL
    return _result(feed, OK, record, update, moved=kept_url is None)


def failed(
    store: Store, feed: Feed, exc: BaseException, now: dt.datetime, policy: schedule.Policy,
    fetched: FetchResult | None = None,
) -> FeedResult:
    """Record a failure: of the fetch (``exc`` is a FetchError) or after it (``fetched``)."""
    error_class, message = error_fields(exc)
    update = failure_update(feed, exc, now, policy)
    source = fetched if fetched is not None else exc
    record = FetchRecord(
        feed_id=feed.id, at=instant(now),
        http_status=getattr(source, "status", None),
        bytes=getattr(source, "wire_bytes", 0),
        duration_ms=getattr(source, "duration_ms", 0),
        error_class=error_class, error_message=message,
    )
    store.record_fetch(record, update)
    outcome = DISABLED if update.disabled_reason else FAILED
    return _result(feed, outcome, record, update)


def _result(
    feed: Feed, outcome: str, record: FetchRecord, update: FeedUpdate, moved: bool = True
) -> FeedResult:
    """``moved`` False: a 301/308 was not followed (the store kept the old URL)."""
    return FeedResult(
        feed_id=feed.id, url=feed.url, name=feed.name, outcome=outcome,
        http_status=record.http_status, bytes=record.bytes, duration_ms=record.duration_ms,
        new=record.new, updated=record.updated, unchanged=record.unchanged,
        error_class=record.error_class, error_message=record.error_message,
        next_poll_at=update.next_poll_at, moved_to=update.new_url if moved else None,
    )
