"""Connections and transactions.

One connection per thread, configured once: WAL, ``busy_timeout``, foreign keys,
``isolation_level=None`` (we issue ``BEGIN`` ourselves). Writes take
``BEGIN IMMEDIATE`` so that a read-then-write never fails with "database is
locked" when another process committed in between.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from . import clock
from .errors import DatabaseUnavailable, SchemaTooNew, StoreError
from .migrations import migrate

BUSY_TIMEOUT_MS = 10_000
# How long a writer keeps retrying BEGIN IMMEDIATE/COMMIT past busy_timeout.
LOCK_PATIENCE_S = 60.0


def open_connection(path: str | os.PathLike[str]) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            os.fspath(path),
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,  # never shared; closed from any thread,
        )
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"cannot open {path}: {exc}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Switching a fresh file to WAL can report "locked" at once, without waiting
        # for busy_timeout, while another process is setting the same file up.
        mode = _patiently(conn, "PRAGMA journal_mode = WAL")[0]
        if str(mode).lower() != "wal" and str(path) != ":memory:":
            conn.close()
            raise DatabaseUnavailable(f"{path}: cannot switch to WAL (journal mode {mode})")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        if _is_busy(exc):
            raise DatabaseUnavailable(f"{path} stays locked: {exc}") from None
        raise DatabaseUnavailable(f"{path} is not a usable SQLite file: {exc}") from None
    conn.row_factory = sqlite3.Row
    return conn


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _patiently(conn: sqlite3.Connection, sql: str) -> sqlite3.Row:
    """Run one statement, retrying busy errors that SQLite reports without waiting."""
    deadline = time.monotonic() + LOCK_PATIENCE_S
    while True:
        try:
            return conn.execute(sql).fetchone()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextlib.contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolling back on error.

    Busy errors past ``busy_timeout`` are retried for a while, never shown to
    the caller as "database is locked" unless the file stays locked for a minute.
    """
    deadline = time.monotonic() + LOCK_PATIENCE_S
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise DatabaseUnavailable(f"the file stays locked: {exc}") from None
            time.sleep(0.05)
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    while True:
        try:
            conn.execute("COMMIT")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                conn.execute("ROLLBACK")
                raise DatabaseUnavailable(f"cannot commit: {exc}") from None
            time.sleep(0.05)


@contextlib.contextmanager
def read(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction: every SELECT inside sees the same committed state.

    Without it each statement sees the file as it is when it runs, so figures read
    by several statements (sidebar counts) disagree while the poller commits.
    """
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")  # read-only: nothing to write, never busy


class ConnectionPool:
    """One connection per thread on one file, each migrated-and-configured once."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path) if str(path) != ":memory:" else path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        conn = self.get()
        try:
            self._ensure_schema(conn)
        except BaseException:
            self.close()  # a refused file (too new, unusable) keeps no connection open
            raise

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if isinstance(self.path, Path) and not self.path.parent.is_dir():
                # Never made here: a typo in a folder name must not quietly start an empty
                # file somewhere else. (The command line makes its default folder.)
                raise DatabaseUnavailable(
                    f"cannot open {self.path}: the folder {self.path.parent} does not exist")
            conn = open_connection(self.path)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        from .migrations import SCHEMA_VERSION

        try:
            current = _patiently(conn, "PRAGMA user_version")[0]
        except sqlite3.DatabaseError as exc:
            raise DatabaseUnavailable(f"{self.path} is not a usable SQLite file: {exc}") from None
        if current == SCHEMA_VERSION:
            return
        if current > SCHEMA_VERSION:  # refuse without taking the write lock
            raise SchemaTooNew(
                f"this file has schema version {current}; this triage knows up to {SCHEMA_VERSION}"
            )
        try:
            with write(conn):
                migrate(conn, clock.instant())
        except sqlite3.DatabaseError as exc:
            raise DatabaseUnavailable(f"cannot prepare {self.path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


def translate(exc: sqlite3.Error) -> StoreError:
    """Turn an unexpected sqlite3 error into the store's own error."""
    if _is_busy(exc):
        return DatabaseUnavailable(str(exc))
    return StoreError(f"database error: {exc}")
