"""The one serial writer: every store write of the TUI goes through here, in order.

A single daemon thread takes jobs from a FIFO queue and runs each against the store on
its own connection. A quick tag-then-untag therefore lands in that order. Reads do not
come here: they run in cancellable workers. Writes cannot be cancelled (a thread cannot
be stopped), so a job always runs to its end; its outcome is posted to the app as a
message. A failed write is never silent: the app shows ``Writer.Failed`` to the user.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from store import Store
from store.errors import StoreError

Job = Callable[[Store], Any]
_STOP = object()


class Note(str):
    """What a job returns when it has something to tell the user (shown as a notice)."""


class Writer:
    @dataclass
    class Applied(Message):
        """A write landed. ``result`` is what the job returned (often a note for the user)."""

        label: str
        result: Any

    @dataclass
    class Failed(Message):
        """A write did not land; ``reason`` is for the user."""

        label: str
        reason: str
        expected: bool  # a StoreError (bad input, nothing to undo), not a bug

    def __init__(self, store: Store, post: Callable[[Message], object]) -> None:
        self._store = store
        self._post = post
        self._queue: queue.Queue[Any] = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        # Started by the first job, not here: the app builds the writer before its first
        # screen, and a thread start there costs that screen a few ms.
        self._thread: threading.Thread | None = None  # guarded by _idle's lock

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, label: str, job: Job) -> None:
        """Queue ``job(store)``; it runs after every job submitted before it."""
        with self._idle:
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="triage-writer",
                                                daemon=True)
                self._thread.start()
        self._queue.put((label, job))

    def wait_idle(self, timeout: float | None = 10.0) -> bool:
        """Block until every submitted job has run (tests, shutdown). False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Finish the queued jobs, then stop the thread."""
        with self._idle:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            entry = self._queue.get()
            if entry is _STOP:
                return
            label, job = entry
            try:
                result = job(self._store)
            except StoreError as exc:
                self._post(self.Failed(label, str(exc), True))
            except Exception as exc:  # noqa: BLE001 - reported to the user, never silent
                self._post(self.Failed(label, f"{type(exc).__name__}: {exc}", False))
            else:
                self._post(self.Applied(label, result))
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()
