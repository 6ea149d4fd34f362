"""Run a TUI in a pseudo-terminal, render its output with pyte, time what the user sees."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parent.parent
BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("Hello from a bare Textual app")

Bare().run()
"""
TRIAGE_APP = """
import sys
from tui.app import TriageApp
TriageApp(sys.argv[1]).run()
"""


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    text: str  # the screen when the pattern showed up
    final: str = ""  # the screen after the ``then`` keys, before quitting


def bare_app_argv() -> list[str]:
    return [sys.executable, "-c", BARE_APP]


def cli_argv(db: Path) -> list[str]:
    """What ``triage --db FILE`` runs."""
    return [sys.executable, "-m", "cli.main", "--db", str(db)]


def app_argv(db: Path) -> list[str]:
    """The app alone, without the command line's imports."""
    return [sys.executable, "-c", TRIAGE_APP, str(db)]


def _env() -> dict[str, str]:
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get(
                   "PYTHONPATH", "")) if p), TRIAGE_CONFIG=os.devnull)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as users run it: with cached bytecode
    return env


def compile_project() -> None:
    """Write the project's bytecode caches, as an install (or a first run) does; the
    bare app's Textual comes from site-packages, already compiled."""
    import compileall

    for package in ("cli", "tui", "store", "feeds"):
        compileall.compile_dir(ROOT / package, quiet=1)


def first_screen(argv: list[str], pattern: str, *, regex: bool = False, cols: int = 120,
                 rows: int = 40, timeout: float = 60.0, then: list[bytes] = (),
                 raw: bytearray | None = None) -> Run:
    """Start ``argv`` in a pty; time until ``pattern`` is on the screen; then send the
    ``then`` keys, quit with q and collect the child's peak RSS. ``raw`` collects every
    byte the app wrote to the terminal."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    screen = pyte.Screen(cols, rows)
    stream = _Recorder(screen, raw)
    matcher = re.compile(pattern if regex else re.escape(pattern))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                            env=_env(), start_new_session=True, close_fds=True)
    os.close(slave)
    seen_at = None
    try:
        while seen_at is None:
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"nothing matching {pattern!r} within {timeout} s")
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            arrived = time.perf_counter()
            try:
                data = os.read(master, 1 << 16)
            except OSError:
                raise RuntimeError("the app exited:\n" + "\n".join(screen.display)) from None
            stream.feed(data)
            if any(matcher.search(line) for line in screen.display):
                seen_at = arrived
        text = "\n".join(screen.display)
        for keys in then:
            os.write(master, keys)
            _drain(master, stream, 0.5)
        _drain(master, stream, 0.3)
        final = "\n".join(screen.display)
        os.write(master, b"q")
        _drain(master, stream, 5.0)  # until the app exits and the pty closes
    finally:
        if not _exited(proc.pid, 2.0):
            os.kill(proc.pid, 9)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = status
        os.close(master)
    return Run(seen_at - start, usage.ru_maxrss / 1024, text, final)


class _Recorder(pyte.ByteStream):
    def __init__(self, screen: pyte.Screen, raw: bytearray | None) -> None:
        super().__init__(screen)
        self.raw = raw

    def feed(self, data: bytes) -> None:
        if self.raw is not None:
            self.raw += data
        super().feed(data)


def _exited(pid: int, seconds: float) -> bool:
    """Wait for ``pid`` to end without reaping it (wait4 collects its rusage later)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is not None:
            return True
        time.sleep(0.02)
    return False


def _drain(master: int, stream: pyte.ByteStream, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                stream.feed(os.read(master, 1 << 16))
            except OSError:
                return
