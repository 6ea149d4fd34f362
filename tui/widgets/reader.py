"""The reader: one item in full. Gets an ItemDetail, shows it; never touches the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from store.models import ItemDetail
from store.text import display_safe

from .. import bindings
from ..links import host_of, safe_url


def _t(value: str | None) -> str:
    """An instant as 'YYYY-MM-DD HH:MM UTC'."""
    if not value:
        return "—"
    return value.replace("T", " ")[:16] + " UTC"


def header(detail: ItemDetail, today: dt.date) -> Content:
    row = detail.row
    safe = lambda v: display_safe(v, one_line=True)  # noqa: E731
    lines = [Content.styled(safe(row.title) or "(no title)", "bold $text-primary")]
    source = safe(row.feed) + (f" · {safe(detail.author)}" if detail.author else "")
    lines.append(Content.assemble(("#", "$text-muted"), (str(row.id), "$text-muted"), "  ",
                                  (source, "$text-secondary")))
    dates = f"Published {_t(row.published_at)}"
    if detail.updated_at:
        dates += f" · updated {_t(detail.updated_at)}"
    dates += f" · seen {_t(detail.first_seen_at)}"
    lines.append(Content.styled(dates, "$text-muted"))
    if row.url:
        ok = safe_url(row.url) is not None
        lines.append(Content.assemble(
            ("Link ", "$text-muted"),
            (host_of(row.url) if ok else "not openable", "bold" if ok else "bold $text-error"),
            "  ", (safe(row.url)[:300], "$text-muted"),
        ))
    status = f"{row.status} · {'read' if row.is_read else 'unread'}"
    lines.append(Content.assemble(("Status ", "$text-muted"), status))
    for topic in detail.topics:
        who = (f"rule #{topic.rule_id} v{topic.rule_version}" if topic.source == "rule"
               else f"{topic.source} {safe(topic.by)}")
        mark, style = {"confirmed": ("✓", "$text-success"), "suggested": ("?", "italic"),
                       "rejected": ("✗", "strike $text-muted")}[topic.state]
        lines.append(Content.assemble(
            ("Topic ", "$text-muted"), (f"{mark} {safe(topic.name)}", style),
            (f"  {topic.state} by {who} at {_t(topic.at)}", "$text-muted"),
        ))
    fu = detail.followup
    if fu is not None:
        overdue = bool(fu.due) and fu.due < today.isoformat()
        due = f"due {fu.due}" if fu.due else "no due date"
        lines.append(Content.assemble(
            ("Follow-up ", "$text-muted"),
            (f"⚑ {due}" + (" (overdue)" if overdue else ""),
             "bold $text-error" if overdue else "$text-warning"),
            (f"  {safe(fu.note)}" if fu.note else ""),
        ))
    if detail.revisions:
        n = len(detail.revisions)
        lines.append(Content.styled(
            f"↻ Revised upstream {n} time{'s' if n > 1 else ''} (last {_t(detail.revisions[0].replaced_at)})"
            " — press D to see what changed", "$text-warning"))
    return Content("\n").join(lines)


class Reader(VerticalScroll, can_focus=True):
    BINDINGS = bindings.bindings("reader")
    DEFAULT_CSS = """
    Reader { padding: 0 1; background: $surface; }
    """

    @dataclass
    class Back(Message):
        pass

    def __init__(self, *, today: dt.date | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.today = today or dt.date.today()
        self.item_id: int | None = None
        self.detail: ItemDetail | None = None
        self.links: list[str] = []

    def compose(self):
        yield Static(Content(""), id="reader-text", markup=False)

    def show(self, detail: ItemDetail) -> None:
        same = self.item_id == detail.row.id
        self.item_id, self.detail = detail.row.id, detail
        from ..render import html_to_content, links_section  # after the first screen

        body, self.links = html_to_content(detail.content_html, detail.content_text)
        rule = Content.styled("─" * 40, "$text-muted")
        parts = [header(detail, self.today), rule, body]
        if self.links:
            parts += [Content(""), links_section(self.links)]
        self.query_one("#reader-text", Static).update(Content("\n").join(parts))
        if not same:
            self.scroll_home(animate=False, immediate=True)

    def show_message(self, text: str) -> None:
        self.item_id, self.detail, self.links = None, None, []
        self.query_one("#reader-text", Static).update(Content(text))

    def action_scroll_down(self) -> None:
        self.scroll_relative(y=1, animate=False)

    def action_scroll_up(self) -> None:
        self.scroll_relative(y=-1, animate=False)

    def action_back(self) -> None:
        self.post_message(self.Back())
