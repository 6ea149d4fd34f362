"""The item list: a Line-API view over an ordered list of item ids.

It holds every id of the queue (cheap even at 100k) and a small LRU cache of rows. A
line whose row is not cached renders as a placeholder and the widget asks for the rows
of the window around the viewport (``NeedRows``); the screen fetches them and hands them
back with :meth:`ItemList.add_rows`. Home, End, PageDown and the scrollbar reach every
item without ever paging through the others.

The widget never talks to the store: data comes down, messages go up.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.models import ItemRow

from .. import bindings
from .row_format import format_row

CACHE_SIZE = 4096


class ItemList(ScrollView, can_focus=True):
    BINDINGS = bindings.bindings("list")
    COMPONENT_CLASSES = {
        "item-list--cursor",
        "item-list--cursor-blurred",
        "item-list--unread",
        "item-list--read",
        "item-list--done",
        "item-list--meta",
        "item-list--chip",
        "item-list--chip-suggested",
        "item-list--due",
        "item-list--overdue",
        "item-list--selected",
        "item-list--placeholder",
    }
    DEFAULT_CSS = """
    ItemList { background: $surface; overflow-x: hidden; }
    ItemList > .item-list--cursor { background: $accent 40%; }
    ItemList > .item-list--cursor-blurred { background: $panel-lighten-2; }
    ItemList > .item-list--unread { text-style: bold; color: $foreground; }
    ItemList > .item-list--read { color: $foreground 85%; }
    ItemList > .item-list--done { color: $foreground 45%; }
    ItemList > .item-list--meta { color: $text-muted; }
    ItemList > .item-list--chip { color: $text-accent; }
    ItemList > .item-list--chip-suggested { color: $text-muted; text-style: italic; }
    ItemList > .item-list--due { color: $text-warning; }
    ItemList > .item-list--overdue { color: $text-error; text-style: bold reverse; }
    ItemList > .item-list--selected { color: $text-success; text-style: bold; }
    ItemList > .item-list--placeholder { color: $text-disabled; }
    """

    @dataclass
    class Highlighted(Message):
        item_id: int | None

    @dataclass
    class Opened(Message):
        item_id: int

    @dataclass
    class NeedRows(Message):
        ids: tuple[int, ...]
        generation: int

    @dataclass
    class SelectionChanged(Message):
        count: int

    def __init__(self, *, today: dt.date | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ids: list[int] = []
        self.cursor = 0
        self.selected: set[int] = set()
        self.today = today or dt.date.today()
        self._rows: OrderedDict[int, tuple[int, ItemRow | None]] = OrderedDict()
        self._line_styles: dict[str, Style] | None = None
        self._generation = 0
        self._pending: dict[int, int] = {}
        self._request_scheduled = False
        self._announced: int | None = None

    # ---- data in ---------------------------------------------------------------------

    @property
    def cursor_id(self) -> int | None:
        return self.ids[self.cursor] if 0 <= self.cursor < len(self.ids) else None

    @property
    def generation(self) -> int:
        """Rows fetched before the last :meth:`invalidate` are shown but fetched again."""
        return self._generation

    def row(self, item_id: int) -> ItemRow | None:
        entry = self._rows.get(item_id)
        return entry[1] if entry else None

    def set_ids(self, ids: Sequence[int], *, reset: bool = False) -> None:
        """Show a new id list. Unless ``reset``, the cursor stays on the same item, on the
        same screen line, and the selection keeps the ids that are still listed."""
        old_id, old_index = self.cursor_id, self.cursor
        self.ids = list(ids)
        self.virtual_size = Size(0, len(self.ids))
        if reset:
            self.selected.clear()
            self.cursor = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        else:
            index = self._index_of(old_id) if old_id is not None else None
            self.cursor = index if index is not None else min(old_index, max(len(self.ids) - 1, 0))
            if self.selected:
                present = set(self.ids)
                self.selected &= present
            shift = self.cursor - old_index
            if shift:
                self.scroll_to(y=self.scroll_y + shift, animate=False, immediate=True)
        self._scroll_cursor_into_view()
        self.refresh()
        self._announce()
        self.post_message(self.SelectionChanged(len(self.selected)))

    def _index_of(self, item_id: int) -> int | None:
        guess = self.cursor
        if 0 <= guess < len(self.ids) and self.ids[guess] == item_id:
            return guess
        try:
            return self.ids.index(item_id)
        except ValueError:
            return None

    def add_rows(self, rows: Iterable[ItemRow], generation: int, asked: Iterable[int] = ()) -> None:
        asked = list(asked)
        for item_id in asked:
            if self._pending.get(item_id) == generation:
                del self._pending[item_id]
        for item_id in asked:  # asked for but gone from the file: remember that
            self._rows[item_id] = (generation, None)
        for row in rows:
            self._rows[row.id] = (generation, row)
            self._rows.move_to_end(row.id)
        while len(self._rows) > CACHE_SIZE:
            self._rows.popitem(last=False)
        self.refresh()

    def invalidate(self) -> None:
        """The file changed: keep showing the rows we have, but fetch them again."""
        self._generation += 1
        self._schedule_request()

    # ---- cursor ------------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        if not self.ids:
            return
        index = max(0, min(index, len(self.ids) - 1))
        if index != self.cursor:
            self.refresh_line(self.cursor)
            self.cursor = index
            self.refresh_line(index)
        self._scroll_cursor_into_view()
        self._announce()

    def move_to_id(self, item_id: int) -> bool:
        index = self._index_of(item_id)
        if index is not None:
            self.move_to(index)
        return index is not None

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height or 1
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def _announce(self) -> None:
        current = self.cursor_id
        if current != self._announced:
            self._announced = current
            self.post_message(self.Highlighted(current))

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_page_down(self) -> None:
        step = max(self.scrollable_content_region.height - 1, 1)
        self.scroll_to(y=self.scroll_y + step, animate=False, immediate=True)
        self.move_to(self.cursor + step)

    def action_page_up(self) -> None:
        step = max(self.scrollable_content_region.height - 1, 1)
        self.scroll_to(y=self.scroll_y - step, animate=False, immediate=True)
        self.move_to(self.cursor - step)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.ids) - 1)

    # ---- selection ---------------------------------------------------------------------

    def action_toggle_select(self) -> None:
        current = self.cursor_id
        if current is None:
            return
        self.selected.symmetric_difference_update({current})
        self.refresh_line(self.cursor)
        self.post_message(self.SelectionChanged(len(self.selected)))
        self.move_to(self.cursor + 1)

    def action_select_all(self) -> None:
        self.selected = set(self.ids)
        self.refresh()
        self.post_message(self.SelectionChanged(len(self.selected)))

    def action_clear_selection(self) -> None:
        if self.selected:
            self.selected.clear()
            self.refresh()
            self.post_message(self.SelectionChanged(0))

    def targets(self) -> list[int]:
        """What an action applies to: the selection in list order, else the cursor item."""
        if self.selected:
            return [i for i in self.ids if i in self.selected]
        return [self.cursor_id] if self.cursor_id is not None else []

    # ---- mouse -------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = round(self.scroll_y) + offset.y
        if 0 <= index < len(self.ids):
            self.move_to(index)
            if event.chain >= 2 and self.cursor_id is not None:
                self.post_message(self.Opened(self.cursor_id))

    # ---- rendering ---------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(0, len(self.ids))
        self._scroll_cursor_into_view()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._schedule_request()

    def render_lines(self, crop):
        self._line_styles = self._styles
        try:
            return super().render_lines(crop)
        finally:
            self._line_styles = None

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self.ids):
            return Strip.blank(width, base)
        item_id = self.ids[index]
        entry = self._rows.get(item_id)
        if entry is None or entry[0] != self._generation:
            self._schedule_request()
        if entry is None or entry[1] is None:
            style = self.get_component_rich_style("item-list--placeholder", partial=True)
            text = f"  #{item_id} …" if entry is None else f"  #{item_id} (removed)"
            segments = [Segment(text, base + style)]
        else:
            styles = self._line_styles or self._styles
            segments = format_row(entry[1], width, styles, item_id in self.selected, self.today)
        strip = Strip(segments).crop_extend(0, width, base)
        if index == self.cursor:
            name = "item-list--cursor" if self.has_focus else "item-list--cursor-blurred"
            strip = Strip(Segment.apply_style(
                strip, post_style=Style(bgcolor=self.get_component_rich_style(name).bgcolor)),
                strip.cell_length)
        return strip

    @property
    def _styles(self) -> dict[str, Style]:
        base = self.rich_style
        get = self.get_component_rich_style
        return {
            name: base + get(f"item-list--{name}", partial=True)
            for name in ("unread", "read", "done", "meta", "chip", "chip-suggested", "due",
                         "overdue", "selected")
        }

    def on_focus(self) -> None:
        self.refresh_line(self.cursor)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor)

    def _schedule_request(self) -> None:
        if not self._request_scheduled:
            self._request_scheduled = True
            self.call_later(self._request_rows)

    def _request_rows(self) -> None:
        self._request_scheduled = False
        if not self.ids:
            return
        height = max(self.scrollable_content_region.height, 20)
        top = round(self.scroll_y)
        start, end = max(top - height, 0), min(top + 3 * height, len(self.ids))
        gen = self._generation
        wanted = []
        for item_id in self.ids[start:end]:
            entry = self._rows.get(item_id)
            if (entry is None or entry[0] != gen) and self._pending.get(item_id) != gen:
                wanted.append(item_id)
        if wanted:
            for item_id in wanted:
                self._pending[item_id] = gen
            self.post_message(self.NeedRows(tuple(wanted), gen))

    def rows_failed(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            self._pending.pop(item_id, None)
