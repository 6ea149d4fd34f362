"""The worker process's side of :mod:`feeds.workers`: parse, normalize, reply.

Kept apart from the pool (asyncio, threads) so that a spawned worker imports only what
parsing needs: every worker starts with each pass, and its imports are CPU the pass pays.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

from store.records import IncomingItem

from .errors import ParseError
from .normalize import feed_site_url, feed_title, normalize
from .parse import parse_document

__all__ = [
    "DEFAULT_MEMORY_LIMIT", "NICENESS", "ParseOutcome", "from_wire", "parse_and_normalize",
    "worker_main",
]

DEFAULT_MEMORY_LIMIT = 512 * 1024 * 1024  # bytes of address space per worker
NICENESS = 10  # added to a worker's nice value; bench farm cold pass: 4.1-4.2 s at +0, 3.9-4.0 s at +10
TEST_SLEEP_HEADER = "x-triage-test-sleep"  # honoured only when TRIAGE_TESTING=1
TEST_CRASH_HEADER = "x-triage-test-crash"
TEST_ALLOC_HEADER = "x-triage-test-alloc-mb"


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    title: str | None
    site_url: str | None
    ttl_minutes: int | None
    items: tuple[IncomingItem, ...]
    parser: str
    warnings: tuple[str, ...] = ()


def parse_and_normalize(
    body: bytes, headers: Mapping[str, str], feed_url: str, now: datetime
) -> ParseOutcome:
    """The whole pure middle, in-process: what each worker runs."""
    feed = parse_document(body, headers)
    return ParseOutcome(
        title=feed_title(feed),
        site_url=feed_site_url(feed, feed_url),
        ttl_minutes=feed.ttl_minutes,
        items=tuple(normalize(feed, feed_url=feed_url, now=now)),
        parser=feed.parser,
        warnings=feed.warnings,
    )


# On the wire a ParseOutcome is a plain tuple and each item a tuple of its fields:
# cheaper to pickle and unpickle than frozen dataclasses (no __getstate__/__setstate__).
_ITEM_FIELDS = attrgetter(*(f.name for f in fields(IncomingItem)))


def _to_wire(outcome: ParseOutcome) -> tuple:
    return (
        outcome.title,
        outcome.site_url,
        outcome.ttl_minutes,
        tuple(map(_ITEM_FIELDS, outcome.items)),
        outcome.parser,
        outcome.warnings,
    )


def from_wire(wire: tuple) -> ParseOutcome:
    title, site_url, ttl_minutes, items, parser, warnings = wire
    return ParseOutcome(
        title=title,
        site_url=site_url,
        ttl_minutes=ttl_minutes,
        items=tuple(IncomingItem(*item) for item in items),
        parser=parser,
        warnings=warnings,
    )


# ---- the worker process ---------------------------------------------------------


def _limit_memory(limit: int | None) -> None:
    if not limit:
        return
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the deadline still bounds the worker


def _lower_priority(increment: int) -> None:
    try:
        os.nice(increment)
    except (AttributeError, OSError):
        pass  # not on this platform, or not allowed: the worker runs at normal priority


def _test_hooks(headers: Mapping[str, str]) -> None:
    if os.environ.get("TRIAGE_TESTING") != "1":
        return
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    if TEST_SLEEP_HEADER in lowered:
        time.sleep(float(lowered[TEST_SLEEP_HEADER]))
    if TEST_CRASH_HEADER in lowered:
        os._exit(70)
    if TEST_ALLOC_HEADER in lowered:
        hog = bytearray(int(lowered[TEST_ALLOC_HEADER]) * 1024 * 1024)
        del hog


def _handle(request: tuple) -> tuple[str, Any]:
    body, headers, feed_url, now = request
    try:
        _test_hooks(headers)
        return "ok", _to_wire(parse_and_normalize(body, headers, feed_url, now))
    except ParseError as exc:
        return "parse_error", str(exc)
    except MemoryError:
        return "retire", "not a feed we can read: it needs more memory than a parser may use"
    except RecursionError:
        return "parse_error", "not a feed we can read: nested too deeply"
    except Exception as exc:  # a bug or a surprise: report it, keep serving
        return "error", f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"


def worker_main(conn: Any, memory_limit: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent to handle
    _limit_memory(memory_limit)
    _lower_priority(NICENESS)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        kind, payload = _handle(request)
        try:
            conn.send((kind, payload))
        except MemoryError:
            conn.send(("retire", "not a feed we can read: the result is too large"))
        if kind == "retire":
            return
