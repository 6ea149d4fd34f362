"""The poll pipeline: due feeds → fetch → parse → normalize → decide → persist.

Fetching runs on one asyncio loop with one shared client. Parsing and normalizing run
in spawned worker processes (:class:`feeds.workers.ParserPool`), so they use every
core and never block fetching. Persisting runs on one writer thread (the store is
synchronous SQLite): ``Store.ingest`` then ``Store.record_fetch``, so the ETag and
Last-Modified are saved only after the items are committed. A 304 costs no parse.

Every feed ends as one ``fetch_log`` row; an error in one feed never stops the pass.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from store import Store
from store.clock import instant, utc_now
from store.errors import DatabaseUnavailable, StoreError
from store.models import Feed

from . import persist
from .errors import FeedError
from .fetch import Fetcher, FetchLimits, FetchResult, Stopped
from .report import FeedResult, PollSummary, Progress
from .schedule import DEFAULT_POLICY, Policy

log = logging.getLogger(__name__)
MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class PollConfig:
    limits: FetchLimits = field(default_factory=FetchLimits)
    policy: Policy = DEFAULT_POLICY
    parse_deadline: float = 20.0  # seconds per document, in a worker that is killed after
    workers: int | None = None  # parser processes; None: the pool default (2, or 1 on one core)
    pending_bytes: int = 8 * MiB  # fetched, not yet persisted; over it, fetching waits


class _Backlog:
    """Bytes fetched and not yet persisted. New fetches wait while it is over budget.

    Fetching is many times faster than parsing; without this, a cold pass would hold
    every body (and then every parsed item) in memory at once.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._room = asyncio.Event()
        self._room.set()

    async def wait_room(self) -> None:
        while self.size >= self.budget:
            await self._room.wait()

    def add(self, n: int) -> None:
        self.size += n
        if self.size >= self.budget:
            self._room.clear()

    def done(self, n: int) -> None:
        self.size -= n
        if self.size < self.budget:
            self._room.set()  # wakes the waiters only when there is room for them


def _weight(parsed) -> int:
    """About how many bytes a parse outcome holds (its text dominates)."""
    total = 0
    for item in parsed.items:
        total += len(item.content_text) + len(item.content_html or "") + len(item.summary or "")
    return total + 500 * len(parsed.items)


class Poller:
    """Polls feeds into a store. Open once, run one or many passes, close.

    ``async with Poller(store) as poller: summary = await poller.run_pass()``
    """

    def __init__(self, store: Store, config: PollConfig | None = None, parsers=None) -> None:
        self.store = store
        self.config = config or PollConfig()
        self._parsers = parsers
        self._own_parsers = parsers is None
        self._fetcher: Fetcher | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="triage-writer")

    async def __aenter__(self) -> Poller:
        if self._parsers is None:
            from .workers import ParserPool

            self._parsers = ParserPool(self.config.workers)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_parsers and self._parsers is not None:
            await self._parsers.aclose()
            self._parsers = None
        self._writer.shutdown(wait=True)

    async def _write(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._writer, fn, *args)

    async def run_pass(
        self, everything: bool = False, progress: Progress | None = None,
        stop: asyncio.Event | None = None, feeds: Sequence[Feed] | None = None,
    ) -> PollSummary:
        """Poll the due feeds (``everything``: all enabled feeds) once."""
        started = time.monotonic()
        summary = PollSummary(started_at=instant())
        if feeds is None:
            feeds = await self._write(self.store.due_feeds, None, everything)
        total = len(feeds)
        if feeds and self._own_parsers:
            self._parsers.warm()  # the workers start while the first fetches wait
        if progress:
            progress(0, total, None)
        backlog = _Backlog(self.config.pending_bytes)
        # A client per pass: its connections are closed when the pass ends (a watcher
        # wakes up minutes later, when keeping them alive would not help).
        async with Fetcher(self.config.limits) as self._fetcher:
            tasks = [asyncio.create_task(self._one(f, backlog, stop)) for f in feeds]
            try:
                await self._collect(tasks, summary, progress)
            finally:
                self._fetcher = None
                for task in tasks:
                    task.cancel()  # only after an error: the rest would run unobserved
                await asyncio.gather(*tasks, return_exceptions=True)
        summary.interrupted = summary.skipped > 0
        summary.duration_s = time.monotonic() - started
        return summary

    @staticmethod
    async def _collect(tasks, summary: PollSummary, progress: Progress | None) -> None:
        for task in asyncio.as_completed(tasks):
            result = await task
            if result is None:
                summary.skipped += 1
                continue
            summary.results.append(result)
            if progress:
                progress(len(summary.results), len(tasks), result)

    async def _one(
        self, feed: Feed, backlog: _Backlog, stop: asyncio.Event | None
    ) -> FeedResult | None:
        try:
            return await self._pipeline(feed, backlog, stop)
        except Stopped:
            return None
        except DatabaseUnavailable:
            raise
        except (FeedError, StoreError) as exc:
            return await self._fail(feed, exc)
        except Exception as exc:  # a bug must cost one feed, not the pass
            log.exception("polling feed %s failed unexpectedly", feed.id)
            return await self._fail(feed, exc)

    async def _pipeline(
        self, feed: Feed, backlog: _Backlog, stop: asyncio.Event | None
    ) -> FeedResult:
        if stop is not None and stop.is_set():
            raise Stopped()
        fetched = await self._fetcher.fetch(feed.url, feed.etag, feed.last_modified, stop,
                                            admit=backlog.wait_room)
        now = utc_now()  # the fetch's time: fetch_log "at", and where the schedule starts
        if fetched.not_modified:
            return await self._write(persist.not_modified, self.store, feed, fetched, now,
                                     self.config.policy)
        size = len(fetched.body or b"")
        backlog.add(size)  # held until persisted: the body, then its parsed items
        try:
            try:
                parsed = await self._parse(fetched, now)
            except Exception as exc:  # ParseError, or a worker that died
                if not isinstance(exc, FeedError):
                    log.exception("parsing feed %s failed unexpectedly", feed.id)
                return await self._fail(feed, exc, fetched, now)
            fetched = replace(fetched, body=None)  # the items replace the body
            backlog.add(_weight(parsed) - size)
            size = _weight(parsed)
            return await self._write(persist.stored, self.store, feed, fetched, parsed, now,
                                     self.config.policy)
        finally:
            backlog.done(size)

    async def _parse(self, fetched: FetchResult, now: dt.datetime):
        return await self._parsers.parse(
            fetched.body, fetched.headers, feed_url=fetched.url, now=now,
            deadline=self.config.parse_deadline,
        )

    async def _fail(
        self, feed: Feed, exc: BaseException, fetched: FetchResult | None = None,
        now: dt.datetime | None = None,
    ) -> FeedResult:
        return await self._write(
            persist.failed, self.store, feed, exc, now or utc_now(), self.config.policy, fetched
        )


async def watch(
    poller: Poller, interval: float, stop: asyncio.Event, everything: bool = False,
    progress: Progress | None = None, report=None,
) -> int:
    """Run passes until ``stop`` is set: each wake-up polls the feeds that are due.

    ``everything`` applies to the first pass only; after that each feed keeps its own
    schedule. ``report(summary)`` is called after each pass. Returns the pass count.
    """
    passes = 0
    while not stop.is_set():
        summary = await poller.run_pass(everything and passes == 0, progress, stop)
        passes += 1
        if report is not None:
            report(summary)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
    return passes


def poll_once(
    store: Store, everything: bool = False, config: PollConfig | None = None,
    progress: Progress | None = None,
) -> PollSummary:
    """One pass from synchronous code (tests, scripts)."""

    async def main() -> PollSummary:
        async with Poller(store, config) as poller:
            return await poller.run_pass(everything, progress)

    return asyncio.run(main())
