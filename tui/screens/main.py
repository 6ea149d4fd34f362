"""The main screen: queues, the item list and the reader.

Reads run in exclusive thread workers that post one result message each; writes go
through the app's serial writer (see :mod:`tui.screens.actions`). When the file changes
(the app watches a cheap change token), the id list is fetched again and the cursor
stays on the same item.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from store.errors import QueryError, StoreError
from store.models import ItemDetail, ItemRow, Topic
from store.text import display_safe

from .. import bindings, queues
from ..queues import Queue
from ..widgets.item_list import ItemList
from ..widgets.key_bar import KeyBar
from ..widgets.reader import Reader
from ..widgets.sidebar import Sidebar
from .actions import ItemActions

FIRST_PAGE = 120


GETTING_STARTED = """No feeds yet. To fill this desk:

  triage feeds add https://example.org/feed.xml    subscribe to a feed
  triage feeds import subscriptions.opml           or to every feed in an OPML file
  p                                                then poll now (or run: triage poll)

To look around first, quit (q) and run: triage demo
Press ? for every key."""


class MainScreen(ItemActions, Screen):
    CSS_PATH = "main.tcss"
    BINDINGS = bindings.bindings("main")

    @dataclass
    class QueueLoaded(Message):
        query: str
        ids: list[int]
        rows: Sequence[ItemRow]
        complete: bool

    @dataclass
    class RowsLoaded(Message):
        rows: list[ItemRow]
        generation: int
        asked: tuple[int, ...]

    @dataclass
    class ItemLoaded(Message):
        item_id: int
        detail: ItemDetail | None

    @dataclass
    class SidebarLoaded(Message):
        queues: list[Queue]
        topics: list[Topic]

    @dataclass
    class SearchReady(Message):
        query: str
        rows: Sequence[ItemRow]
        bar: Widget

    @dataclass
    class Failed(Message):
        what: str
        reason: str

    def __init__(self, today: dt.date) -> None:
        super().__init__()
        self.today = today
        self.queue: Queue = Queue("untriaged", "Untriaged", queues.UNTRIAGED, "main")
        self.queues: list[Queue] = []
        self.topics: list[Topic] = []
        self._reset_pending = True
        self._complete = False
        self.shown: tuple[str, float] | None = None
        self.completed: tuple[str, float] | None = None
        self._rows_painted = threading.Event()
        self._refresh_again = False
        self._loading = True
        self._painted = self._first_paint_scheduled = False
        self._items: ItemList | None = None
        self._reader: Reader | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield Sidebar(id="sidebar")
            with Vertical(id="center"):
                yield Static(Content(""), id="list-title", markup=False)
                yield ItemList(today=self.today, id="items")
                yield Reader(today=self.today, id="reader")
        yield KeyBar(("app", "main"), id="keys")

    @property
    def items(self) -> ItemList:
        if self._items is None:
            self._items = self.query_one(ItemList)
        return self._items

    @property
    def complete(self) -> bool:
        """The queue's full id list is shown (the scrollbar is exact)."""
        return self._complete

    @property
    def reader(self) -> Reader:
        if self._reader is None:
            self._reader = self.query_one(Reader)
        return self._reader

    def on_mount(self) -> None:
        self.items.focus()
        first = self.app.take_first_page()
        if first is None:
            self.load_queue(self.queue.query, True)
            return
        ids = [r.id for r in first.rows]
        done = len(ids) < FIRST_PAGE
        self.on_main_screen_queue_loaded(self.QueueLoaded(self.queue.query, ids, first.rows,
                                                          done))
        if not done:
            self.load_queue(self.queue.query, False, after_paint=True)

    def _first_paint_done(self) -> None:
        """The first items are on screen: now the rest (counts, the reader)."""
        self._painted = True
        self.app.check_changes()  # the file's change token, from now on
        self.load_sidebar()
        if self.items.cursor_id is not None:
            self.load_item(self.items.cursor_id)

    # ---- queue ------------------------------------------------------------------------

    def open_queue(self, queue: Queue) -> None:
        self.queue = queue
        self._reset_pending = True
        self._complete = False
        self._loading = True
        self._rows_painted.clear()
        self._update_title()
        self.load_queue(queue.query, True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue")
    def load_queue(self, query: str, reset: bool, after_paint: bool = False) -> None:
        store, worker = self.app.store, get_current_worker()
        if after_paint:
            self._rows_painted.wait(0.25)
        try:
            if reset:
                page = store.page(query, limit=FIRST_PAGE, today=self.today)
                if worker.is_cancelled:
                    return
                ids = [r.id for r in page.rows]
                done = len(ids) < FIRST_PAGE
                self.post_message(self.QueueLoaded(query, ids, page.rows, done))
                if done:
                    return
                # Let the first rows reach the screen before the full id list (which is
                # CPU-heavy at 100k items) competes with the painting for the GIL.
                self._rows_painted.wait(0.25)
                if worker.is_cancelled:
                    return
            ids = store.item_ids(query, today=self.today)
        except QueryError as exc:
            self.post_message(self.Failed("query", f"{exc.reason} at {exc.position}"))
            return
        except StoreError as exc:
            self.post_message(self.Failed("queue", str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(self.QueueLoaded(query, ids, (), True))

    def on_main_screen_queue_loaded(self, message: QueueLoaded) -> None:
        if message.query != self.queue.query:
            return
        if self._reset_pending:  # when the first rows are painted (benchmarks read it)
            self.call_after_refresh(self._painted_rows, message.query)
        items = self.items
        items.set_ids(message.ids, reset=self._reset_pending)
        self._reset_pending = False
        self._complete = message.complete
        self._loading = not message.complete
        if message.complete:
            self.completed = (message.query, time.perf_counter())  # benchmarks read this
        if message.complete and self._refresh_again:
            self._refresh_again = False
            self.call_later(self.refresh_data)
        if message.rows:
            items.add_rows(message.rows, items.generation)
        if not message.ids:
            self.reader.show_message("No items in this queue.")
        self._update_title()
        if not self._painted and not self._first_paint_scheduled:
            self._first_paint_scheduled = True
            # After the first frame, give the driver's writer thread a moment to put it
            # on the terminal before the rest of the start-up work competes for the GIL.
            self.call_after_refresh(self.set_timer, 0.1, self._first_paint_done)

    def _painted_rows(self, query: str) -> None:
        self.shown = (query, time.perf_counter())
        self._rows_painted.set()

    def _update_title(self) -> None:
        items = self.items
        count = f"{len(items.ids):,}" + ("" if self._complete else "+")
        parts = [(display_safe(self.queue.label, one_line=True), "bold"),
                 (f"  {count} items", "$text-muted")]
        if items.selected:
            parts.append((f"  {len(items.selected):,} selected", "bold $text-success"))
        self.query_one("#list-title", Static).update(Content.assemble(*parts), layout=False)

    @on(ItemList.SelectionChanged)
    def _selection_changed(self) -> None:
        self._update_title()

    @on(ItemList.NeedRows)
    def _need_rows(self, message: ItemList.NeedRows) -> None:
        self.fetch_rows(message.ids, message.generation)

    @work(thread=True, exit_on_error=False, group="rows")
    def fetch_rows(self, ids: tuple[int, ...], generation: int) -> None:
        try:
            rows = self.app.store.rows(ids)
        except StoreError as exc:
            self.post_message(self.Failed("rows", str(exc)))
            rows = []
        self.post_message(self.RowsLoaded(rows, generation, ids))

    def on_main_screen_rows_loaded(self, message: RowsLoaded) -> None:
        self.items.add_rows(message.rows, message.generation, message.asked)

    # ---- reader -----------------------------------------------------------------------

    @on(ItemList.Highlighted)
    def _highlighted(self, message: ItemList.Highlighted) -> None:
        if message.item_id is not None and self._painted:
            self.load_item(message.item_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="item")
    def load_item(self, item_id: int) -> None:
        try:
            detail = self.app.store.item(item_id)
        except StoreError:
            detail = None
        if not get_current_worker().is_cancelled:
            self.post_message(self.ItemLoaded(item_id, detail))

    def on_main_screen_item_loaded(self, message: ItemLoaded) -> None:
        if message.item_id != self.items.cursor_id:
            return
        if message.detail is None:
            self.reader.show_message(f"Item #{message.item_id} is gone.")
        elif message.detail != self.reader.detail:  # a refresh that changed nothing: no repaint
            self.reader.show(message.detail)
        self.call_after_refresh(
            lambda: self.app.post_message(ReaderShown(message.item_id, time.perf_counter())))

    @on(ItemList.Opened)
    def _opened(self, message: ItemList.Opened) -> None:
        self.action_open_item()

    @on(Reader.Back)
    def _back(self) -> None:
        self.items.focus()

    # ---- sidebar ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="sidebar")
    def load_sidebar(self) -> None:
        store = self.app.store
        try:
            counts = store.counts(today=self.today)
            topics, feeds, searches = store.topics(), store.feeds(), store.saved_searches()
            found = queues.build(counts, topics, feeds, searches)
            self.post_message(self.SidebarLoaded(found, topics))
            if searches and len(searches) <= 12:
                sizes = {s.id: len(store.item_ids(s.query, today=self.today)) for s in searches}
                found = queues.build(counts, topics, feeds, searches, sizes)
                if not get_current_worker().is_cancelled:
                    self.post_message(self.SidebarLoaded(found, topics))
        except StoreError as exc:
            self.post_message(self.Failed("sidebar", str(exc)))

    def on_main_screen_sidebar_loaded(self, message: SidebarLoaded) -> None:
        if message.queues == self.queues and message.topics == self.topics:
            return
        self.queues, self.topics = message.queues, message.topics
        self.query_one(Sidebar).show(message.queues, self.queue.key)
        if not self.items.ids and not any(q.kind == "feed" for q in message.queues):
            self.reader.show_message(GETTING_STARTED)
        fresh = queues.find(message.queues, self.queue.key)
        if fresh is not None and fresh.label != self.queue.label and fresh.query == self.queue.query:
            self.queue = fresh
            self._update_title()

    @on(Sidebar.Chosen)
    def _chosen(self, message: Sidebar.Chosen) -> None:
        self.open_queue(message.queue)
        self.items.focus()

    def on_main_screen_failed(self, message: Failed) -> None:
        if message.what in ("query", "queue"):
            self._loading = False  # nothing more is coming for this queue
        self.notify(display_safe(f"{message.what}: {message.reason}", one_line=True),
                    severity="error", markup=False)

    # ---- the file changed --------------------------------------------------------------

    def refresh_data(self) -> None:
        """Fetch ids, rows, counts and the open item again; keep cursor and selection.

        While the last id list is still being read (100k items while a poller imports),
        one more refresh is remembered instead of piling up threads."""
        if self._loading:
            self._refresh_again = True
            return
        self._loading = True
        self.load_queue(self.queue.query, self._reset_pending)
        self.items.invalidate()
        self.load_sidebar()
        if self.items.cursor_id is not None:
            self.load_item(self.items.cursor_id)

    # ---- search -----------------------------------------------------------------------

    @property
    def search_bar(self):
        from ..widgets.search_bar import SearchBar

        found = self.query(SearchBar)
        if found:
            return found.first()
        bar = SearchBar(id="search")
        self.query_one("#center").mount(bar)  # last: drawn over the list
        return bar

    def action_search(self) -> None:
        query = self.queue.query if self.queue.kind == "adhoc" else ""
        bar = self.search_bar
        self.call_after_refresh(bar.open, query)

    def on_search_bar_edited(self, message) -> None:
        self.check_query(message.query, self.search_bar)

    @work(thread=True, exclusive=True, exit_on_error=False, group="check")
    def check_query(self, query: str, bar) -> None:
        try:
            self.app.store.check_query(query)
        except QueryError as exc:
            reason = exc.reason + (f"; {exc.hint}" if exc.hint else "")
            self.app.call_from_thread(bar.show_error, query, exc.position, reason)
        except StoreError:
            return
        else:
            self.app.call_from_thread(bar.clear_error)

    def on_search_bar_submitted(self, message) -> None:
        self.run_search(message.query, self.search_bar)

    @work(thread=True, exclusive=True, exit_on_error=False, group="check")
    def run_search(self, query: str, bar) -> None:
        """Check the query and read its first rows in one go: the screen then changes
        once (bar closed, results in) instead of twice."""
        store = self.app.store
        try:
            store.check_query(query)
            page = store.page(query, limit=FIRST_PAGE, today=self.today)
        except QueryError as exc:
            reason = exc.reason + (f"; {exc.hint}" if exc.hint else "")
            self.app.call_from_thread(bar.show_error, query, exc.position, reason)
            return
        except StoreError as exc:
            self.post_message(self.Failed("search", str(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.SearchReady(query, page.rows, bar))

    def on_main_screen_search_ready(self, message: SearchReady) -> None:
        bar, query, rows = message.bar, message.query, message.rows
        bar.clear_error()
        bar.remove_class("-open")
        self.queue = queues.adhoc(query)
        self._reset_pending, self._complete, self._loading = True, False, True
        self._rows_painted.clear()
        ids = [r.id for r in rows]
        done = len(ids) < FIRST_PAGE
        self.on_main_screen_queue_loaded(self.QueueLoaded(query, ids, rows, done))
        self.items.focus()
        if not done:
            self.load_queue(query, False, after_paint=True)

    def on_search_bar_closed(self) -> None:
        self.items.focus()


@dataclass
class ReaderShown(Message):
    """Posted to the app when the reader shows an item (benchmarks and tests wait on it)."""

    item_id: int
    at: float  # time.perf_counter() when the reader was updated
