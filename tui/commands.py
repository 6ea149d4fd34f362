"""Command palette providers, one per domain. They call app and screen actions, and show
names from the file as literal text (the stock fuzzy highlighter would parse markup)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from store.text import display_safe

from . import bindings

if TYPE_CHECKING:
    from .app import TriageApp

Entry = tuple[str, Callable[[], object], str]


def safe_highlight(matcher: Matcher, text: str) -> Content:
    """Like ``Matcher.highlight`` but the candidate is plain text, never markup."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize("bold underline", offset, offset + 1)
    return content


class _Base(Provider):
    """Subclasses list (text, callback, help); text may come from the file."""

    def entries(self) -> Iterable[Entry]:
        raise NotImplementedError

    @property
    def triage(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self.entries():
            if (score := matcher.match(text)) > 0:
                yield Hit(score, safe_highlight(matcher, text), callback, text=text,
                          help=help_text)

    async def discover(self) -> Hits:
        for text, callback, help_text in self.entries():
            yield DiscoveryHit(Content(text), callback, text=text, help=help_text)


class ActionsProvider(_Base):
    """Every item and app action of the bindings table, poll now included."""

    def entries(self) -> Iterable[Entry]:
        main = self.triage.main_screen
        for key in bindings.TABLE:
            if not key.bind or key.scope not in ("main", "app") or key.action in (
                    "command_palette", "quit") or key.id.startswith("item.topic"):
                continue
            target = self.triage if key.scope == "app" else main
            if target is None:
                continue
            yield key.description, partial(target.run_action, key.action), f"key: {key.id}"


class TopicsProvider(_Base):
    def entries(self) -> Iterable[Entry]:
        main = self.triage.main_screen
        if main is None:
            return
        for topic in main.topics:
            name = display_safe(topic.name, one_line=True)
            yield f"Tag as {name}", partial(main.tag_as, topic.name), "confirm this topic"
            yield f"Remove topic {name}", partial(main.untag_as, topic.name), "untag"


class FeedsProvider(_Base):
    def entries(self) -> Iterable[Entry]:
        main = self.triage.main_screen
        if main is None:
            return
        for queue in main.queues:
            if queue.kind == "feed":
                label = display_safe(queue.label, one_line=True)
                note = "failing: E shows the error" if queue.failing else "feed"
                yield f"Go to feed {label}", partial(main.open_queue, queue), note


class QueuesProvider(_Base):
    def entries(self) -> Iterable[Entry]:
        main = self.triage.main_screen
        if main is None:
            return
        for queue in main.queues:
            if queue.kind != "feed":
                label = display_safe(queue.label, one_line=True)
                yield f"Go to {label}", partial(main.open_queue, queue), display_safe(
                    queue.query, one_line=True) or "every item"

