"""The poller's pure rules (what a fetch changes in the feed's state) and the poll lock."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from feeds import lock, persist
from feeds.fetch import FetchResult, HTTPError
from feeds.schedule import Policy
from feeds.workers import ParseOutcome
from store.clock import parse_instant
from store.models import Feed

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def feed(**kw) -> Feed:
    values = dict(
        id=1, url="https://a.example/feed", title=None, site_url=None, etag='"old"',
        last_modified="Mon, 01 Jan 2024 00:00:00 GMT", next_poll_at=None, last_polled_at=None,
        last_success_at=None, last_status=None, last_error=None, error_count=0,
        disabled_reason=None, ttl_seconds=None, added_at="2026-11-01T00:00:00Z",
    )
    values.update(kw)
    return Feed(**values)


def outcome(**kw) -> ParseOutcome:
    values = dict(title="Desk", site_url="https://a.example/", ttl_minutes=None, items=(),
                  parser="fast")
    values.update(kw)
    return ParseOutcome(**values)


def test_200_replaces_validators_and_moves_on_permanent_redirect():
    fetched = FetchResult(url="https://b.example/feed", status=200,
                          headers={"etag": '"new"'}, body=b"x",
                          permanent_url="https://b.example/feed")
    update = persist.success_update(feed(), fetched, NOW, Policy(), outcome(ttl_minutes=120))
    assert update.success and update.etag == '"new"' and update.last_modified is None
    assert update.keep_validators is False  # a missing Last-Modified clears the old one
    assert update.new_url == "https://b.example/feed"
    assert update.ttl_seconds == 7200
    assert parse_instant(update.next_poll_at) - NOW == dt.timedelta(hours=2)
    assert update.title == "Desk"


def test_a_title_the_user_chose_stays():
    fetched = FetchResult(url="u", status=200, body=b"x")
    update = persist.success_update(feed(title="Mine"), fetched, NOW, Policy(), outcome())
    assert update.title is None


def test_304_keeps_validators_and_uses_the_stored_ttl():
    fetched = FetchResult(url="u", status=304)
    update = persist.success_update(feed(ttl_seconds=3 * 3600), fetched, NOW, Policy())
    assert update.keep_validators and update.etag is None
    assert parse_instant(update.next_poll_at) - NOW == dt.timedelta(hours=3)


def test_failures_count_up_and_410_disables():
    error = HTTPError("HTTP 429 Too Many Requests", status=429, headers={"retry-after": "3600"})
    update = persist.failure_update(feed(error_count=2), error, NOW, Policy())
    assert not update.success and update.disabled_reason is None
    assert parse_instant(update.next_poll_at) - NOW >= dt.timedelta(hours=1)
    gone = persist.failure_update(feed(), HTTPError("HTTP 410 Gone", status=410), NOW, Policy())
    assert "410" in gone.disabled_reason


def test_error_fields_are_one_bounded_line():
    name, message = persist.error_fields(ValueError("a\nb\x1b[31m " + "x" * 2000))
    assert name == "ValueError"
    assert "\n" not in message and "\x1b" not in message and len(message) <= persist.MAX_MESSAGE


def test_lock_refuses_a_second_poller_and_says_who(tmp_path):
    db = tmp_path / "t.db"
    assert lock.watcher_running(db) is None
    first = lock.PollerLock(db, mode="watch")
    first.PATIENCE_S = 0.1
    with first:
        info = lock.watcher_running(db)
        assert info is not None and info.pid == os.getpid() and info.mode == "watch"
        second = lock.PollerLock(db)
        second.PATIENCE_S = 0.1
        with pytest.raises(lock.PollerBusy) as busy:
            second.acquire()
        assert f"pid {os.getpid()}" in str(busy.value) and "--watch" in str(busy.value)
    assert lock.watcher_running(db) is None
    assert not lock.info_path(db).exists()


def test_a_stale_sidecar_from_a_dead_process_is_ignored(tmp_path):
    db = tmp_path / "t.db"
    lock.info_path(db).write_text(json.dumps(
        {"pid": 2**22 + 12345, "host": os.uname().nodename, "started_at": "x", "mode": "watch"}))
    assert lock.watcher_running(db) is None
    lock.info_path(db).write_text("not json")
    assert lock.watcher_running(db) is None  # and the lock itself is free
    with lock.PollerLock(db):
        pass


async def test_fetches_wait_while_the_backlog_is_over_budget_and_resume_with_room():
    import asyncio

    from feeds.poll import _Backlog

    backlog = _Backlog(budget=100)
    await backlog.wait_room()  # empty: no wait
    backlog.add(150)
    admitted: list[int] = []

    async def fetch(n: int) -> None:
        await backlog.wait_room()
        admitted.append(n)

    waiters = [asyncio.create_task(fetch(n)) for n in range(5)]
    await asyncio.sleep(0.01)
    backlog.done(30)  # 120 left: still over budget, nobody is let through
    await asyncio.sleep(0.01)
    assert admitted == []
    backlog.done(40)  # 80 left: room, every waiting fetch goes on
    await asyncio.gather(*waiters)
    assert sorted(admitted) == [0, 1, 2, 3, 4]
    backlog.add(50)  # over budget again: a new fetch waits
    late = asyncio.create_task(fetch(9))
    await asyncio.sleep(0.01)
    assert 9 not in admitted
    backlog.done(50)
    await late
    assert admitted[-1] == 9
