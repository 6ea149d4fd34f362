"""Small modal screens: a one-line prompt, a scrollable text view, the help screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from store.models import Feed, FetchRecord
from store.text import display_safe

from .. import bindings

CLOSE = [Binding("escape", "close", "Close", id="dialog.close")]


class Prompt(ModalScreen[str | None]):
    """Ask for one line. ``check`` returns an error message or None."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = CLOSE

    def __init__(self, title: str, placeholder: str = "", value: str = "",
                 check: Callable[[str], str | None] | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self._title, self._placeholder, self._value, self._check = title, placeholder, value, check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self._title), classes="dialog-title")
            yield Input(value=self._value, placeholder=self._placeholder, id="prompt-input")
            yield Static(Content(""), id="prompt-error", classes="dialog-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        problem = self._check(value) if self._check else None
        if problem:
            self.query_one("#prompt-error", Static).update(Content(problem))
            return
        self.dismiss(value)

    def action_close(self) -> None:
        self.dismiss(None)


class TextView(ModalScreen[None]):
    """A title and a long Content (a diff, a fetch log), scrollable."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = CLOSE

    def __init__(self, title: str, body: Content) -> None:
        super().__init__(classes="dialog-screen")
        self._title, self._body = title, body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Content(self._title), classes="dialog-title")
            with VerticalScroll(id="text-view"):
                yield Static(self._body, markup=False)
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)


def feed_log(feed: Feed, log: Sequence[FetchRecord]) -> Content:
    """A feed's state and its recent fetches; errors are feed text and stay literal."""
    safe = lambda v: display_safe(str(v) if v is not None else "—", one_line=True)  # noqa: E731
    lines = [
        Content.assemble(("URL ", "$text-muted"), safe(feed.url)),
        Content.assemble(("Last status ", "$text-muted"), safe(feed.last_status),
                         ("  errors in a row ", "$text-muted"), str(feed.error_count)),
        Content.assemble(("Last success ", "$text-muted"), safe(feed.last_success_at),
                         ("  next poll ", "$text-muted"), safe(feed.next_poll_at)),
    ]
    if feed.disabled_reason:
        lines.append(Content.assemble(("Disabled ", "bold $text-error"),
                                      safe(feed.disabled_reason)))
    if feed.last_error:
        lines.append(Content.assemble(("Last error ", "bold $text-error"),
                                      safe(feed.last_error)))
    lines += [Content(""), Content.styled("Recent fetches", "bold")]
    for r in log:
        outcome = (f"{safe(r.error_class)}: {safe(r.error_message)}" if r.error_class
                   else f"+{r.new} new, {r.updated} updated, {r.unchanged} unchanged")
        lines.append(Content.assemble(
            (f"{r.at}  ", "$text-muted"), (f"{safe(r.http_status):>4} ", "bold"),
            (f"{r.bytes:>9,} B {r.duration_ms:>6} ms  ", "$text-muted"),
            (outcome, "$text-error" if r.error_class else ""),
        ))
    if not log:
        lines.append(Content.styled("No fetches yet.", "$text-muted"))
    return Content("\n").join(lines)


def help_content(keymap: dict[str, str], display: Callable[[Binding], str]) -> Content:
    """Every key of the bindings table, by scope, with the user's keymap applied."""
    lines: list[Content] = []
    for scope, title in bindings.SCOPES.items():
        rows = [k for k in bindings.TABLE if k.scope == scope]
        if not rows:
            continue
        if lines:
            lines.append(Content(""))
        lines.append(Content.styled(title, "bold $text-accent"))
        for k in rows:
            key = bindings.effective_key(k, keymap)
            shown = k.key_display if key == k.key and k.key_display else " ".join(
                display(Binding(part, k.action)) for part in key.split(","))
            lines.append(Content.assemble((f"  {shown:<14}", "bold"), f"{k.description:<44}",
                                          (k.id, "$text-muted")))
    lines.append(Content(""))
    lines.append(Content.styled(
        "Remap keys in the config file's [keys] table: binding id = key(s).", "$text-muted"))
    lines.append(Content(""))
    lines.append(Content.styled("Search (/): terms are ANDed", "bold $text-accent"))
    for term, meaning in SEARCH_SYNTAX:
        lines.append(Content.assemble((f"  {term:<40}", "bold"), meaning))
    return Content("\n").join(lines)


SEARCH_SYNTAX = (
    ('word  "a phrase"  prefix*', "full text of title and body"),
    ("title:word  text:word", "only the title / only the body"),
    ("A OR B", "either (binds tighter than AND)"),
    ('-word  -"a phrase"', "not"),
    ('+topic  -topic  +"hybrid threats"', "has / lacks the topic"),
    ('feed:NAME  feed:"War Desk"', "the source's title or URL contains NAME"),
    ("feed:#12", "only feed 12 (ids: triage feeds list; a feed queue)"),
    ("is:unread read new triaged archived", "state (also is:followup, is:suggested)"),
    ("due:overdue  due:today  due:<7d", "open follow-ups by due date"),
    ("@7d  @2025-02-01  @2025-02-01..2025-02-10", "published within / on / between"),
    ("sort:new  sort:old  sort:due", "order (newest first by default)"),
)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [*CLOSE, Binding("q,question_mark", "close", show=False)]

    def __init__(self, body: Content) -> None:
        super().__init__(classes="dialog-screen")
        self._body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Content("Keys"), classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(self._body, markup=False)
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
