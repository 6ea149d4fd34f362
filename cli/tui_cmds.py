"""`triage` (no command) and `triage demo`: the commands that open the TUI.

Textual is imported inside the handlers only, so the other commands never load it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from . import common


def add_parsers(sub, parents) -> None:
    """Register `demo`."""
    demo = sub.add_parser(
        "demo", parents=parents,
        help="open the TUI on a fresh demo file built from bundled sample feeds (offline)",
        description="Build a demo file from the bundled sample feeds (no network) and open "
                    "the TUI on it. The file is temporary unless --keep PATH is given.",
    )
    demo.add_argument("--keep", metavar="PATH",
                      help="build the demo file at PATH and keep it (PATH must not exist)")
    demo.set_defaults(func=run_demo)


def _open(db_path: Path, store=None) -> int:
    from tui.config import ConfigError, load

    try:
        config = load()
    except ConfigError as exc:
        return common.fail(str(exc))
    from tui.app import TriageApp

    TriageApp(db_path, config=config, store=store).run()
    return 0


def run_tui(args, ctx) -> int:
    """The TUI on the chosen file (``--db``, ``$TRIAGE_DB`` or the default)."""
    from tui.config import actor_name

    # Opens (and migrates) the file, or fails with a one-line reason before the TUI
    # starts; the app then uses this store (one open, not two) and closes it.
    store = ctx.store(actor=actor_name())
    return _open(Path(store.path), store)


def run_demo(args, ctx) -> int:
    from feeds.demo import build_demo

    if args.keep:
        path = Path(args.keep).expanduser()
        if path.exists():
            return common.fail(f"{path} exists already; --keep wants a new file")
        build_demo(path)
        return _open(path)
    folder = tempfile.mkdtemp(prefix="triage-demo-")
    path = Path(folder) / "demo.db"
    try:
        build_demo(path)
        return _open(path)
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{path}{suffix}")
        with contextlib.suppress(OSError):
            os.rmdir(folder)
