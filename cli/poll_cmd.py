"""`triage poll [--all] [--json] [--quiet] [--watch [--interval 15m]]`.

Exit codes: 0 the pass ran (even if some feeds failed: they are in `feeds list` and
fetch_log), 1 the file is unusable, 2 bad usage, 3 another poller holds the file.
On a terminal a progress bar (stderr); otherwise only the summary (stdout) and the
errors (stderr); ``--json`` a machine-readable summary (one JSON line per pass with
``--watch``); ``--quiet`` errors only. SIGTERM/SIGINT finish the feeds in hand and exit 0.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
from typing import TYPE_CHECKING

from store.text import display_safe

from . import common

if TYPE_CHECKING:  # the poller (asyncio, httpx, lxml) loads only when a poll runs
    import asyncio

    from feeds.report import FeedResult, PollSummary

EXIT_BUSY = 3
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smh]?)\s*$", re.IGNORECASE)
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600}


def interval(text: str) -> float:
    """``30s``, ``15m``, ``1h`` (a bare number is seconds) as seconds."""
    match = _INTERVAL.match(text)
    if not match or int(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"bad interval {text!r}: use e.g. 30s, 15m or 1h")
    return float(int(match.group(1)) * _UNIT[match.group(2).lower()])


def add_parser(sub, parents) -> None:
    poll = sub.add_parser(
        "poll", parents=parents, help="fetch the feeds that are due (from cron, or --watch)",
        description="Fetch the feeds that are due and store their new and changed items. "
        "Exit status: 0 the pass ran (some feeds may have failed), 1 the file is unusable, "
        "2 bad usage, 3 another poller is running on this file.",
    )
    poll.add_argument("--all", action="store_true", help="poll every enabled feed now")
    poll.add_argument("--json", action="store_true", help="print a machine-readable summary")
    poll.add_argument("--quiet", "-q", action="store_true", help="print errors only")
    poll.add_argument("--watch", action="store_true",
                      help="keep running: wake up every --interval and poll the due feeds")
    poll.add_argument("--interval", type=interval, default=None, metavar="TIME",
                      help="how often --watch wakes up: 30s, 15m, 1h (default 15m)")
    poll.set_defaults(func=run_poll)


def run_poll(args, ctx) -> int:
    if args.interval is not None and not args.watch:
        return _usage_error("--interval needs --watch")
    from feeds.lock import PollerBusy, PollerLock

    # The file first: it refuses a folder that does not exist, where taking the lock
    # (filelock) would create it.
    store = ctx.store(actor="poller")
    lock = PollerLock(ctx.db_path, mode="watch" if args.watch else "once")
    try:
        lock.acquire()
    except PollerBusy as exc:
        common.fail(f"{exc}; not starting a second one")
        return EXIT_BUSY
    except OSError as exc:
        return common.fail(f"cannot take the poll lock next to {ctx.db_path}: {exc}")
    try:
        import asyncio

        return asyncio.run(_main(args, store))
    finally:
        lock.release()


def _usage_error(message: str) -> int:
    print(f"triage: error: {message} (see 'triage poll --help')", file=sys.stderr)
    return 2


async def _main(args, store) -> int:
    import asyncio

    from feeds.poll import Poller, watch

    stop = asyncio.Event()
    _install_signals(stop)
    view = _View(args)
    async with Poller(store) as poller:
        if args.watch:
            await watch(poller, args.interval or 900.0, stop, args.all, view.progress,
                        view.report)
        else:
            view.report(await poller.run_pass(args.all, view.progress, stop))
    view.close()
    return 0


def _install_signals(stop: asyncio.Event) -> None:
    import asyncio

    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        stop.set()
        loop.remove_signal_handler(signum)  # a second signal acts as usual

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)


class _View:
    """Progress and summaries, as the output mode wants them."""

    def __init__(self, args) -> None:
        self.args = args
        self.show_bar = common.is_tty() and sys.stderr.isatty() and not (args.json or args.quiet)
        self._bar = None
        self._task = None

    def progress(self, done: int, total: int, result: FeedResult | None) -> None:
        if not self.show_bar:
            return
        if result is None:
            self._start_bar(total)
        elif self._bar is not None:
            self._bar.update(self._task, completed=done)

    def _start_bar(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.close()
        self._bar = Progress("polling", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                             console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("poll", total=total)
        self._bar.start()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def report(self, summary: PollSummary) -> None:
        self.close()
        if self.args.json:
            _print_json(summary, one_line=self.args.watch)
            return
        for result in summary.results:
            if result.failed:
                print(_error_line(result), file=sys.stderr)
        if not self.args.quiet:
            common.out(summary.line())
        sys.stdout.flush()
        sys.stderr.flush()


def _error_line(result: FeedResult) -> str:
    name = display_safe(result.name, one_line=True)
    text = display_safe(result.error, one_line=True)
    return f"feed {result.feed_id} ({name}): {text}"


def _print_json(summary: PollSummary, one_line: bool) -> None:
    if one_line:
        sys.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        common.out_json(summary.as_dict())
