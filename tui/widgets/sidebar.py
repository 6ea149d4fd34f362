"""The sidebar: queues with live counts. Data comes down as :class:`tui.queues.Queue`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from store.text import display_safe

from ..queues import Queue
from .row_format import fit

HEADINGS = {"topic": "Topics", "feed": "Feeds", "search": "Saved searches"}


def prompt(queue: Queue, width: int) -> Content:
    count = "" if queue.count is None else f"{queue.count:,}"
    if count and queue.total is not None:  # a feed: untriaged/all, as the queue lists all
        count = f"{count}/{queue.total:,}"
    detail = f" {queue.detail}" if queue.detail else ""
    mark = "! " if queue.failing else ""
    room = max(width - cell_len(count) - cell_len(mark) - cell_len(detail) - 1, 4)
    label = fit(display_safe(queue.label, one_line=True), room)
    return Content.assemble(
        (mark, "bold $text-error"),
        (label, "$text-error" if queue.failing else ""),
        (detail, "$text-warning"),
        " ",
        (count, "$text-muted"),
    )


class Sidebar(OptionList):
    DEFAULT_CSS = """
    Sidebar { width: 30; border: none; background: $panel; padding: 0;
              scrollbar-size-vertical: 1; }
    Sidebar:focus { background-tint: $foreground 3%; }
    """

    @dataclass
    class Chosen(Message):
        queue: Queue

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False, compact=True)
        self.queues: list[Queue] = []
        self._keys: list[str] = []

    @property
    def _width(self) -> int:
        return max(self.size.width - 3, 12) if self.size.width else 26

    def on_resize(self) -> None:
        if self.queues and self._keys:
            width = self._width
            for q in self.queues:
                self.replace_option_prompt(q.key, prompt(q, width))

    def show(self, queues: Sequence[Queue], current: str | None) -> None:
        """Show ``queues``; only the prompts change when the list of queues is the same."""
        width = self._width
        keys = [q.key for q in queues]
        self.queues = list(queues)
        if keys == self._keys:
            for q in queues:
                self.replace_option_prompt(q.key, prompt(q, width))
            return
        highlighted = self.highlighted_option.id if self.highlighted_option else current
        options: list[Option | None] = []
        kind = "main"
        for q in queues:
            if q.kind != kind and q.kind in HEADINGS:
                kind = q.kind
                options.append(None)
                options.append(Option(Content.styled(HEADINGS[kind], "bold $text-muted"),
                                      disabled=True))
            options.append(Option(prompt(q, width), id=q.key))
        self.set_options(options)
        self._keys = keys
        if highlighted in keys:
            self.highlighted = self.get_option_index(highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        queue = next((q for q in self.queues if q.key == event.option_id), None)
        if queue is not None:
            self.post_message(self.Chosen(queue))
