"""Parse and normalize in worker processes that can be killed at a deadline.

feedparser costs about a millisecond per entry and some inputs blow it up, so the
poller never parses in its own process. :class:`ParserPool` keeps a few spawned
processes (never forked: the TUI is threaded), each behind a ``Pipe``. A request
runs in a thread of the pool's own executor that sends the document and waits with
``poll(deadline)``; the event loop only awaits. On timeout, death (segfault, the
memory limit) or cancellation the worker is killed and replaced, and the caller gets
a :class:`ParseError`: one pathological document costs one error, not the run.

Each worker caps its own address space (``RLIMIT_AS``) before it parses anything, and
lowers its own CPU priority (``nice`` +10): parsing is batch work that fills the cores
the poller's own process leaves idle. That process stores the items, which is the serial
part of a pass, and the analyst's TUI may be running beside a ``--watch`` poller.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from .errors import ParseError
from .parseworker import (
    DEFAULT_MEMORY_LIMIT,
    NICENESS,
    ParseOutcome,
    from_wire,
    parse_and_normalize,
    worker_main,
)

__all__ = [
    "DEFAULT_MEMORY_LIMIT", "NICENESS", "ParseOutcome", "ParserPool", "parse_and_normalize",
]

STARTUP_TIMEOUT = 60.0


# ---- the parent side ------------------------------------------------------------


class _Timeout(Exception):
    pass


class _Worker:
    def __init__(self, ctx: Any, memory_limit: int | None) -> None:
        parent_end, child_end = ctx.Pipe(duplex=True)
        self.process = ctx.Process(
            target=worker_main,
            args=(child_end, memory_limit),
            name="triage-parser",
            daemon=True,
        )
        self.process.start()
        child_end.close()
        self.conn = parent_end
        # Imports happen before "ready", so a document's deadline is its own.
        try:
            ready = parent_end.poll(STARTUP_TIMEOUT) and parent_end.recv()
        except (EOFError, OSError):
            ready = None
        if not ready or ready[0] != "ready":
            self.kill()
            raise ParseError("could not start a parser process")

    def call(self, request: tuple, deadline: float) -> tuple[str, Any]:
        """Blocking: send one document, wait for its reply until the deadline."""
        self.conn.send(request)
        if not self.conn.poll(deadline):
            raise _Timeout
        return self.conn.recv()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self, timeout: float = 2.0) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout)
        self.kill()


class ParserPool:
    """A few spawned parser processes, used from asyncio without blocking the loop."""

    def __init__(
        self,
        size: int | None = None,
        *,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
        start_method: str = "spawn",
    ) -> None:
        self.size = size or max(1, min(2, os.cpu_count() or 1))
        self.memory_limit = memory_limit
        self._ctx = multiprocessing.get_context(start_method)
        self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="triage-parse")
        self._idle: asyncio.Queue[_Worker | None] | None = None
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._warming: set[asyncio.Task] = set()

    async def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        *,
        feed_url: str,
        now: datetime,
        deadline: float = 20.0,
    ) -> ParseOutcome:
        """Parse and normalize one document in a worker; ParseError on any failure."""
        if self._closed:
            raise RuntimeError("ParserPool is closed")
        loop = asyncio.get_running_loop()
        idle = self._ensure_idle()
        worker = await idle.get()
        try:
            if worker is None or not worker.process.is_alive():
                worker = await self._replace(worker)
            request = (bytes(body), dict(headers), feed_url, now)
            kind, payload = await loop.run_in_executor(
                self._executor, worker.call, request, deadline
            )
            if kind == "retire":
                worker = await self._replace(worker)
        except _Timeout:
            worker = await self._replace(worker)
            raise ParseError(f"parse took longer than {deadline:g}s") from None
        except (EOFError, OSError):
            worker = await self._replace(worker)
            raise ParseError("the parser process died (out of memory or crashed)") from None
        except BaseException:  # cancelled mid-parse: its late reply must not reach anyone
            self._retire(worker)
            worker = None
            raise
        finally:
            idle.put_nowait(worker)
        if kind == "ok":
            return from_wire(payload)
        if kind == "error":
            raise ParseError(f"parser failed: {payload}")
        raise ParseError(payload)

    def warm(self) -> None:
        """Start every worker now, in the background, rather than on its first document.

        A worker takes about 0.1 s to start (an interpreter and the parsers' imports);
        started when a pass begins, that overlaps the first fetches. Call from the loop.
        """
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        for _ in range(self.size - len(self._warming)):
            task = loop.create_task(self._warm_one())
            self._warming.add(task)
            task.add_done_callback(self._warming.discard)

    async def _warm_one(self) -> None:
        idle = self._ensure_idle()
        worker = await idle.get()
        try:
            if worker is None or not worker.process.is_alive():
                worker = await self._replace(worker)
        except ParseError:
            worker = None  # could not start: the next parse tries again and reports it
        finally:
            idle.put_nowait(worker)

    # -- workers --------------------------------------------------------------

    def _ensure_idle(self) -> asyncio.Queue[_Worker | None]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(self.size):
                self._idle.put_nowait(None)  # a slot; its worker starts on first use
        return self._idle

    def _start(self) -> _Worker:
        worker = _Worker(self._ctx, self.memory_limit)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker | None) -> None:
        """Forget a worker and kill it in the background."""
        if worker is None:
            return
        with self._lock:
            self._all.discard(worker)
        threading.Thread(target=worker.kill, name="triage-parser-reaper", daemon=True).start()

    async def _replace(self, worker: _Worker | None) -> _Worker:
        self._retire(worker)
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._start)

    # -- closing --------------------------------------------------------------

    def close(self) -> None:
        """Stop every worker (blocking, a few seconds at most)."""
        self._closed = True
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        self._closed = True
        for task in list(self._warming):
            task.cancel()
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    async def __aenter__(self) -> ParserPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
