"""One poller per file: a lock next to the database, and who holds it.

``<db>.poll.lock`` is an OS file lock (``filelock``: released by the kernel when the
process dies, so a crash never leaves a stale lock). ``<db>.poll.json`` beside it
says who holds it (pid, host, since when, once or watching), so a second poller and
the TUI can tell the user.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import filelock

from store.clock import instant


@dataclass(frozen=True, slots=True)
class PollerInfo:
    pid: int | None
    host: str | None
    started_at: str | None
    mode: str | None  # "watch" or "once"

    def describe(self) -> str:
        who = f"pid {self.pid}" if self.pid else "another process"
        if self.host and self.host != socket.gethostname():
            who += f" on {self.host}"
        text = f"{who}"
        if self.mode == "watch":
            text += " (triage poll --watch)"
        if self.started_at:
            text += f", since {self.started_at}"
        return text


class PollerBusy(Exception):  # noqa: N818 - reads as "the poller is busy"
    def __init__(self, info: PollerInfo) -> None:
        super().__init__(f"another poller is already running on this file: {info.describe()}")
        self.info = info


def lock_path(db_path: str | os.PathLike[str]) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".poll.lock")


def info_path(db_path: str | os.PathLike[str]) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".poll.json")


def _read_info(db_path) -> PollerInfo:
    try:
        data = json.loads(info_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return PollerInfo(None, None, None, None)
    if not isinstance(data, dict):
        return PollerInfo(None, None, None, None)
    pid = data.get("pid")
    return PollerInfo(
        pid=pid if isinstance(pid, int) else None,
        host=str(data.get("host") or "") or None,
        started_at=str(data.get("started_at") or "") or None,
        mode=str(data.get("mode") or "") or None,
    )


class PollerLock:
    """``with PollerLock(db, mode="watch"):`` … raises :class:`PollerBusy` when held."""

    # A TUI probing with watcher_running() holds the lock for an instant: wait that out.
    PATIENCE_S = 1.0

    def __init__(self, db_path: str | os.PathLike[str], mode: str = "once") -> None:
        self.db_path = Path(db_path)
        self.mode = mode
        self._lock = filelock.FileLock(lock_path(db_path), timeout=0, thread_local=False)

    def acquire(self) -> PollerInfo:
        try:
            self._lock.acquire(timeout=self.PATIENCE_S)
        except filelock.Timeout:
            raise PollerBusy(_read_info(self.db_path)) from None
        info = PollerInfo(os.getpid(), socket.gethostname(), instant(), self.mode)
        target = info_path(self.db_path)
        tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({**asdict(info), "argv": sys.argv[1:]}), encoding="utf-8")
        os.replace(tmp, target)
        return info

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        with contextlib.suppress(OSError):
            info_path(self.db_path).unlink()
        self._lock.release()

    def __enter__(self) -> PollerInfo:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def watcher_running(db_path: str | os.PathLike[str]) -> PollerInfo | None:
    """Who polls this file right now (``--watch`` or a single pass), or ``None``.

    Cheap and safe to call from the TUI: without a sidecar file, or with one naming a
    dead process on this host, nobody polls. Otherwise the lock itself decides; it is
    taken for an instant only, when the sidecar suggests it is held.
    """
    if not info_path(db_path).exists():
        return None
    info = _read_info(db_path)
    if info.pid and info.host == socket.gethostname() and not _alive(info.pid):
        return None
    probe = filelock.FileLock(lock_path(db_path), timeout=0, thread_local=False)
    try:
        probe.acquire(timeout=0)
    except filelock.Timeout:
        return info
    except OSError:
        return info
    probe.release()
    return None
