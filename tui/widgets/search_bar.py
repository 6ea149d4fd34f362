"""The search bar: an input for the query language and an inline error with the position
marked. The screen checks and runs queries; this widget only edits and shows."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from store.text import display_safe

from .. import bindings


def error_content(query: str, position: int, reason: str) -> Content:
    """The query with the bad spot highlighted, a caret under it, and the reason."""
    query = display_safe(query, one_line=True)
    at = max(min(position - 1, len(query)), 0)
    end = at + 1 if at < len(query) else at
    line = Content.assemble(query[:at], (query[at:end] or " ", "reverse $text-error"),
                            query[end:])
    caret = " " * cell_len(query[:at]) + "^ "
    return Content("\n").join([line, Content.styled(caret + display_safe(reason), "$text-error")])


class SearchBar(Vertical):
    BINDINGS = bindings.bindings("search")
    DEFAULT_CSS = """
    SearchBar { height: auto; display: none; background: $panel; position: absolute;
                offset: 0 0; width: 100%; }
    SearchBar.-open { display: block; }
    SearchBar > Input { border: tall $accent; }
    SearchBar > #search-error { display: none; padding: 0 1; }
    SearchBar > #search-error.-shown { display: block; }
    """

    @dataclass
    class Submitted(Message):
        query: str

    @dataclass
    class Edited(Message):
        query: str

    @dataclass
    class Closed(Message):
        pass

    def compose(self):
        yield Input(placeholder="search: words \"a phrase\" +topic feed:name is:unread due:<7d @7d "
                                "sort:due …", id="search-input")
        yield Static(Content(""), id="search-error", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one("#search-input", Input)

    def open(self, query: str) -> None:
        self.add_class("-open")
        self.input.value = query
        self.input.cursor_position = len(query)
        self.input.focus()

    def action_close(self) -> None:
        self.remove_class("-open")
        self.clear_error()
        self.post_message(self.Closed())

    def show_error(self, query: str, position: int, reason: str) -> None:
        if query != self.input.value:
            return  # an answer about an older text
        error = self.query_one("#search-error", Static)
        error.update(error_content(query, position, reason))
        error.add_class("-shown")

    def clear_error(self) -> None:
        self.query_one("#search-error", Static).remove_class("-shown")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Edited(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value.strip()))
