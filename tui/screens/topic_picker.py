"""The topic picker: a multi-select list of topics; type to filter; Enter on a name that
matches nothing creates the topic. Returns what to add, remove and create."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from store.query import topic_key
from store.text import clean_line, display_safe

from .. import bindings


@dataclass(frozen=True)
class PickerResult:
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    create: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.add or self.remove or self.create)


@dataclass
class _Choice:
    name: str
    state: str | None  # confirmed (on every target), suggested, mixed, None
    checked: bool = field(default=False)


class TopicPicker(ModalScreen[PickerResult | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = bindings.bindings("picker")

    def __init__(self, names: Sequence[str], states: Mapping[str, str], title: str) -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._choices = [_Choice(n, states.get(n), states.get(n) == "confirmed") for n in names]
        self._initial = {c.name for c in self._choices if c.checked}
        self._created: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self._title), classes="dialog-title")
            yield Input(placeholder="type to filter; Enter toggles, or creates a new topic",
                        id="picker-filter")
            yield SelectionList[str](id="picker-list")
            yield Static(Content.styled("? = suggested (not yet confirmed)  ~ = on some of the items",
                                        "$text-muted"), classes="dialog-hint")
            with Horizontal(classes="buttons"):
                yield Button("Apply", id="picker-apply", variant="primary")
                yield Button("Cancel", id="picker-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self._fill("")

    @property
    def _list(self) -> SelectionList[str]:
        return self.query_one("#picker-list", SelectionList)

    def _visible(self, text: str) -> list[_Choice]:
        key = topic_key(text)
        return [c for c in self._choices if key in topic_key(c.name)]

    def _fill(self, text: str) -> None:
        options = []
        for c in self._visible(text):
            mark = {"suggested": " ?", "mixed": " ~"}.get(c.state or "", "")
            prompt = Content.assemble(display_safe(c.name, one_line=True),
                                      (mark, "italic $text-muted"))
            options.append(Selection(prompt, c.name, c.checked))
        sl = self._list
        with sl.prevent(SelectionList.SelectedChanged):
            sl.clear_options()
            sl.add_options(options)
        if options:
            sl.highlighted = 0

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        chosen = set(self._list.selected)
        for option in self._list.options:
            value = option.value  # type: ignore[attr-defined]
            for c in self._choices:
                if c.name == value:
                    c.checked = value in chosen

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = clean_line(event.value)
        if not text:
            self.action_apply()
            return
        exact = [c for c in self._choices if topic_key(c.name) == topic_key(text)]
        matches = exact or self._visible(text)
        if matches:
            sl = self._list
            index = sl.highlighted or 0
            target = matches[0]
            if not exact and 0 <= index < sl.option_count:
                value = sl.get_option_at_index(index).value  # type: ignore[attr-defined]
                target = next(c for c in self._choices if c.name == value)
            target.checked = not target.checked
        else:
            self._choices.append(_Choice(text, None, True))
            self._created.append(text)
        event.input.value = ""
        self._fill("")

    def action_apply(self) -> None:
        checked = {c.name for c in self._choices if c.checked}
        created = [n for n in self._created if n in checked]
        self.dismiss(PickerResult(
            add=tuple(n for n in (c.name for c in self._choices)
                      if n in checked and n not in self._initial and n not in created),
            remove=tuple(n for n in (c.name for c in self._choices)
                         if n in self._initial and n not in checked),
            create=tuple(created),
        ))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "picker-apply":
            self.action_apply()
        else:
            self.action_cancel()
