"""Every key of the app in one table.

Each row has an id (what a user keymap in the config file remaps), a default key, the
action it runs, a description and the scope (which screen or widget owns it). The
footer, the help screen and the keymap all come from this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class Key:
    id: str
    key: str
    action: str
    description: str
    scope: str
    show: bool = False  # in the footer
    key_display: str | None = None
    priority: bool = False
    bind: bool = True  # False: the key is handled by a widget; the row documents it
    short: str = ""  # the footer's label, when the description is too long for it


SCOPES = {
    "app": "Everywhere",
    "list": "Item list",
    "main": "Items (the highlighted item, or the selection)",
    "reader": "Reader",
    "sidebar": "Queues",
    "picker": "Topic picker",
    "followup": "Follow-up dialog",
    "search": "Search bar",
}

TABLE: tuple[Key, ...] = (
    Key("app.quit", "q", "quit", "Quit", "app", show=True),
    Key("app.help", "question_mark", "help", "Help: every key", "app", show=True, short="Help",
        key_display="?"),
    Key("app.palette", "ctrl+p", "command_palette", "Command palette", "app", show=True,
        short="Palette",
        priority=True),
    Key("app.poll", "p", "poll_now", "Poll feeds now", "app"),
    Key("list.down", "j,down", "cursor_down", "Next item", "list", key_display="j/↓"),
    Key("list.up", "k,up", "cursor_up", "Previous item", "list", key_display="k/↑"),
    Key("list.page_down", "pagedown", "page_down", "Page down", "list"),
    Key("list.page_up", "pageup", "page_up", "Page up", "list"),
    Key("list.first", "home,g", "first", "First item", "list"),
    Key("list.last", "end,G", "last", "Last item", "list"),
    Key("list.select", "space", "toggle_select", "Select / unselect item", "list"),
    Key("list.select_all", "asterisk", "select_all", "Select every item in the queue", "list",
        key_display="*"),
    Key("list.clear_selection", "escape", "clear_selection", "Clear the selection", "list"),
    Key("item.open", "enter", "open_item", "Open in the reader (marks read)", "main",
        show=True, short="Open"),
    Key("item.next_untriaged", "n", "next_untriaged", "Next untriaged item", "main", show=True,
        short="Next new"),
    Key("item.topics", "t", "pick_topics", "Topics… (pick, filter, create)", "main", show=True,
        short="Topics"),
    *(
        Key(f"item.topic{n}", str(n), f"toggle_topic({n - 1})", f"Toggle topic {n}", "main")
        for n in range(1, 10)
    ),
    Key("item.confirm", "c", "confirm_suggested", "Confirm suggested topics", "main"),
    Key("item.reject", "x", "reject_suggested", "Reject suggested topics", "main"),
    Key("item.followup", "f", "followup", "Follow-up… (due date, note, done, clear)", "main",
        show=True, short="Follow-up"),
    Key("item.archive", "e,a", "archive", "Archive", "main", show=True, key_display="e"),
    Key("item.triaged", "m", "triaged", "Mark triaged", "main"),
    Key("item.read", "r", "toggle_read", "Read / unread", "main"),
    Key("item.open_link", "o", "open_link", "Open a link (the item's, or one by number)",
        "main"),
    Key("item.copy_link", "y", "copy_link", "Copy link", "main"),
    Key("item.changes", "D", "show_changes", "What changed upstream", "main"),
    Key("item.feed_error", "E", "feed_error", "Feed errors and fetch log", "main"),
    Key("app.undo", "u", "undo", "Undo", "main", show=True),
    Key("app.search", "slash", "search", "Search", "main", show=True, key_display="/"),
    Key("app.save_search", "ctrl+s,S", "save_search", "Save the queue's query as a search",
        "main", key_display="^s/S"),
    Key("app.next_pane", "tab", "", "Next pane (queues, list, reader)", "main", bind=False),
    Key("reader.down", "j,down", "scroll_down", "Scroll down", "reader"),
    Key("reader.up", "k,up", "scroll_up", "Scroll up", "reader"),
    Key("reader.back", "escape", "back", "Back to the list", "reader"),
    Key("sidebar.open", "enter", "", "Open the queue", "sidebar", bind=False),
    Key("picker.apply", "ctrl+s", "apply", "Apply", "picker", show=True),
    Key("picker.cancel", "escape", "cancel", "Cancel", "picker", show=True),
    Key("picker.toggle", "enter", "", "Toggle the topic, or create it", "picker", bind=False),
    Key("picker.toggle_list", "space", "", "Toggle the highlighted topic", "picker",
        bind=False),
    Key("followup.today", "ctrl+t", "preset('today')", "Due today", "followup", show=True),
    Key("followup.tomorrow", "ctrl+n", "preset('tomorrow')", "Due tomorrow", "followup",
        show=True),
    Key("followup.week", "ctrl+l", "preset('next week')", "Due next week", "followup",
        show=True),
    Key("followup.set", "enter", "", "Set the due date and note", "followup", bind=False),
    Key("followup.done", "ctrl+g", "finish('done')", "Mark done", "followup", show=True),
    Key("followup.clear", "ctrl+r", "finish('clear')", "Clear it", "followup", show=True),
    Key("followup.cancel", "escape", "cancel", "Cancel", "followup", show=True),
    Key("search.run", "enter", "", "Run the search", "search", bind=False),
    Key("search.close", "escape", "close", "Close the search bar", "search"),
)

BY_ID = {k.id: k for k in TABLE}


def bindings(scope: str) -> list[Binding]:
    """Textual bindings for one scope; ids let the app keymap remap them."""
    return [
        Binding(k.key, k.action, k.short or k.description, show=k.show, key_display=k.key_display,
                priority=k.priority, id=k.id)
        for k in TABLE
        if k.scope == scope and k.bind
    ]


def effective_key(key: Key, keymap: Mapping[str, str]) -> str:
    return keymap.get(key.id, key.key)


def unknown_ids(keymap: Mapping[str, str]) -> list[str]:
    return sorted(set(keymap) - set(BY_ID))
