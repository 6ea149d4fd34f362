"""The follow-up dialog: presets (today, tomorrow, next week) or a date, a note; or
mark the open follow-up done, or clear it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Static

from store.clock import parse_due
from store.models import Followup
from store.text import display_safe

from .. import bindings


@dataclass(frozen=True)
class FollowupChoice:
    action: str  # set | done | clear
    due: dt.date | None = None
    note: str | None = None  # None: leave the note as it is
    clear_due: bool = False  # remove the date the open follow-up had


class FollowupDialog(ModalScreen[FollowupChoice | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = bindings.bindings("followup")

    def __init__(self, title: str, today: dt.date, current: Followup | None = None,
                 bulk: bool = False) -> None:
        super().__init__(classes="dialog-screen")
        self._title, self._today, self._current = title, today, current
        self._bulk = bulk  # several items: done/clear apply to those that have one

    def compose(self) -> ComposeResult:
        current = self._current
        with Vertical(classes="dialog"):
            yield Static(Content(self._title), classes="dialog-title")
            if current is not None:
                due = current.due or "no date"
                yield Static(Content.styled(f"Open follow-up: due {due}", "$text-warning"),
                             classes="dialog-hint")
            with Horizontal(classes="buttons"):
                yield Button("Today", id="fu-today")
                yield Button("Tomorrow", id="fu-tomorrow")
                yield Button("Next week", id="fu-week")
            yield Static(Content("Due"), classes="dialog-hint")
            yield Input(value=(current.due or "") if current else "", id="fu-due",
                        placeholder="today, tomorrow, next week, +3d, fri, 2025-02-01, or empty")
            yield Static(Content("Note"), classes="dialog-hint")
            yield Input(value=display_safe(current.note) if current else "", id="fu-note",
                        placeholder="what to check")
            yield Static(Content(""), id="fu-error", classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Set", id="fu-set", variant="primary")
                yield Button("Done", id="fu-done", disabled=current is None and not self._bulk)
                yield Button("Clear", id="fu-clear", disabled=current is None and not self._bulk)
                yield Button("Cancel", id="fu-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#fu-due", Input).focus()

    def action_preset(self, word: str) -> None:
        due = self.query_one("#fu-due", Input)
        due.value = parse_due(word, self._today).isoformat()
        self.query_one("#fu-note", Input).focus()

    def action_finish(self, action: str) -> None:
        if self._current is None and not self._bulk:
            self._error("this item has no open follow-up")
            return
        self.dismiss(FollowupChoice(action))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _error(self, text: str) -> None:
        self.query_one("#fu-error", Static).update(Content(text))

    def _set(self) -> None:
        text = self.query_one("#fu-due", Input).value.strip()
        note = self.query_one("#fu-note", Input).value.strip()
        due = None
        if text:
            try:
                due = parse_due(text, self._today)
            except ValueError as exc:
                self._error(display_safe(str(exc), one_line=True))
                return
        if self._bulk:  # several items: empty fields leave each item's date and note alone
            self.dismiss(FollowupChoice("set", due, note or None))
            return
        had_due = self._current is not None and self._current.due is not None
        self.dismiss(FollowupChoice("set", due, note, clear_due=due is None and had_due))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._set()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        match event.button.id:
            case "fu-today":
                self.action_preset("today")
            case "fu-tomorrow":
                self.action_preset("tomorrow")
            case "fu-week":
                self.action_preset("next week")
            case "fu-set":
                self._set()
            case "fu-done":
                self.action_finish("done")
            case "fu-clear":
                self.action_finish("clear")
            case _:
                self.action_cancel()
