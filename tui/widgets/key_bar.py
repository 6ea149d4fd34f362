"""A one-line key bar for the main screen, drawn from the bindings table.

Cheaper than Textual's Footer (one widget instead of one per key), which matters for
the time to the first screen; the modal screens keep the stock Footer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from .. import bindings


def key_bar_content(scopes: Sequence[str], keymap: Mapping[str, str],
                    display: Callable[[Binding], str]) -> Content:
    parts: list[Content] = []
    for k in bindings.TABLE:
        if not (k.show and k.bind and k.scope in scopes):
            continue
        key = bindings.effective_key(k, keymap)
        shown = k.key_display if key == k.key and k.key_display else display(
            Binding(key.split(",")[0], k.action))
        parts.append(Content.assemble((f" {shown} ", "bold $text-accent"),
                                      (k.short or k.description) + " "))
    return Content("").join(parts)


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, scopes: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._scopes = tuple(scopes)

    def on_mount(self) -> None:
        app = self.app
        self.update(key_bar_content(self._scopes, app._keymap, app.get_key_display))
