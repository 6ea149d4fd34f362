"""The Textual app: owns the store, the serial writer, the config and the change watcher."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.worker import get_current_worker

from store import Store
from store.clock import local_today
from store.errors import StoreError
from store.text import display_safe

from . import bindings, links
from .config import Config, actor_name
from .screens.main import MainScreen, ReaderShown

if TYPE_CHECKING:
    from .writer import Writer

ROOT = Path(__file__).resolve().parent.parent


def _provider(name: str):
    """A command palette provider, imported when the palette first opens."""

    def load():
        from . import commands

        return getattr(commands, name)

    load.__name__ = name
    return load


PROVIDERS = {_provider(n) for n in ("ActionsProvider", "TopicsProvider", "FeedsProvider",
                                    "QueuesProvider")}


class TriageApp(App[None]):
    TITLE = "triage"
    BINDINGS = bindings.bindings("app")
    COMMANDS = App.COMMANDS | PROVIDERS
    CSS = "Toast { max-width: 80; }"

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        today: dt.date | None = None,
        config: Config | None = None,
        watch: bool = True,
        store: Store | None = None,
    ) -> None:
        """``store``: one already open on ``db_path`` (the command line opens the file
        first to report problems on one line); the app closes it when it ends."""
        self.config = config or Config()
        super().__init__()
        self.db_path = Path(db_path)
        self._today = today
        self._watch = watch
        self._token: tuple | None = None
        self.set_keymap(self.config.keys)
        self.store = store if store is not None else Store(self.db_path, actor=actor_name())
        self._first_page = self._read_first_page()
        self.writer: Writer | None = None
        self.url_opener: Callable[[str], str | None] = links.open_url
        self.last_reader_item: int | None = None
        self.last_reader_at = 0.0

    def _read_first_page(self):
        """The first rows of the first queue, read before the UI starts (a few ms even at
        100k items), so the first screen already shows items."""
        from .queues import UNTRIAGED
        from .screens.main import FIRST_PAGE

        try:
            return self.store.page(UNTRIAGED, limit=FIRST_PAGE, today=self.today)
        except StoreError:
            return None

    def take_first_page(self):
        page, self._first_page = self._first_page, None
        return page

    @property
    def today(self) -> dt.date:
        """The analyst's local date; fixed when the app was given one (tests)."""
        return self._today or local_today()

    @property
    def main_screen(self) -> MainScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)

    def get_default_screen(self) -> MainScreen:
        from .writer import Writer

        self.writer = Writer(self.store, self.post_message)
        return MainScreen(self.today)

    def on_mount(self) -> None:
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        if self._watch:
            self.set_interval(self.config.refresh_seconds, self.check_changes)

    def on_unmount(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.store.close()

    # ---- writes -----------------------------------------------------------------------

    def on_writer_applied(self, message: Writer.Applied) -> None:
        from .writer import Note

        if isinstance(message.result, Note) and message.result:
            self.notify(display_safe(message.result, one_line=True), markup=False)
        self.check_changes()

    def on_writer_failed(self, message: Writer.Failed) -> None:
        reason = display_safe(message.reason, one_line=True)
        self.notify(f"{message.label} failed: {reason}", severity="error", markup=False,
                    timeout=10)
        self.check_changes()

    # ---- watching the file ------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="watch")
    def check_changes(self) -> None:
        try:
            token = self.store.change_token()
        except StoreError:
            return
        if get_current_worker().is_cancelled:
            return
        if self._token is not None and token != self._token:
            self.call_from_thread(self._changed)
        self._token = token

    def _changed(self) -> None:
        main = self.main_screen
        if main is not None:
            main.refresh_data()

    def on_reader_shown(self, message: ReaderShown) -> None:
        self.last_reader_item, self.last_reader_at = message.item_id, message.at

    # ---- app actions ------------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.dialogs import HelpScreen, help_content

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(help_content(self._keymap, self.get_key_display)))

    def action_poll_now(self) -> None:
        self.poll_now()

    @work(exclusive=True, exit_on_error=False, group="poll")
    async def poll_now(self) -> None:
        held = await asyncio.to_thread(_watcher_running, self.db_path)
        if held:
            self.notify(f"Feeds are being polled already by {display_safe(held, one_line=True)};"
                        " new items appear by themselves.", markup=False)
            return
        self.notify("Polling feeds…", markup=False)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
        try:
            proc = await asyncio.create_subprocess_exec(
                *poll_command(self.db_path), stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
            )
            out, err = await proc.communicate()
        except OSError as exc:
            self.notify(f"Cannot start the poller: {exc}", severity="error", markup=False)
            return
        if proc.returncode == 0:
            self.notify(poll_summary(out), markup=False)
        else:
            lines = display_safe(err.decode("utf-8", "replace")).strip().splitlines()
            last = lines[-1][:300] if lines else f"exit status {proc.returncode}"
            self.notify(f"Poll failed: {last}", severity="error", markup=False, timeout=10)
        self.check_changes()


def poll_command(db_path: Path) -> list[str]:
    return [sys.executable, "-m", "cli.main", "--db", str(db_path), "poll", "--json"]


def poll_summary(stdout: bytes) -> str:
    """One line from `triage poll --json`'s summary, for the notification."""
    import json

    try:
        s = json.loads(stdout.decode("utf-8", "replace"))
        feeds, new, failed = int(s["feeds"]), int(s["items_new"]), int(s["failed"])
    except (ValueError, KeyError, IndexError, TypeError):
        return "Poll finished."
    if feeds == 0:
        return "Poll finished: no feed was due (each feed keeps its own schedule)."
    text = f"Poll finished: {feeds} feed{'s' * (feeds != 1)}, {new} new item{'s' * (new != 1)}"
    return text + (f", {failed} failed (see the feed's errors: E)" if failed else ".")


def _watcher_running(db_path: Path) -> str | None:
    """Who polls this file now (for the message), or None."""
    try:
        from feeds.lock import watcher_running
    except ImportError:
        return None
    try:
        info = watcher_running(db_path)
    except Exception:  # noqa: BLE001 - a broken lock check must not stop a manual poll
        return None
    if info is None:
        return None
    describe = getattr(info, "describe", None)
    return describe() if callable(describe) else "another process"
