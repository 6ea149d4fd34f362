"""Queues: the sidebar's entries, each a name and a query in the query language.

Pure functions over store models, so the sidebar stays a dumb widget and the rules
(which queues exist, what they count) are testable without Textual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from store.models import Counts, Feed, SavedSearch, Topic

UNTRIAGED = "is:new"
FOLLOWUP = "is:followup sort:due"


@dataclass(frozen=True, slots=True)
class Queue:
    key: str  # stable id: untriaged, followup, all, topic:3, feed:7, search:2, adhoc
    label: str  # feed text is raw here; the sidebar makes it display-safe
    query: str
    kind: str  # main | topic | feed | search | adhoc
    count: int | None = None
    detail: str = ""  # e.g. "3 overdue"
    failing: bool = False
    total: int | None = None  # feeds: all their items; ``count`` is the untriaged ones


def _quoted(value: str) -> str:
    return '"' + value.replace('"', " ") + '"'


def topic_query(name: str) -> str:
    return "+" + _quoted(name)


def feed_query(feed: Feed) -> str:
    """Exactly this feed, by id: ``feed:"<url>"`` would also match every feed whose URL or
    title contains this one's (``…/rss`` and ``…/rss/ukraine``), unlike its count."""
    return f"feed:#{feed.id}"


def adhoc(query: str) -> Queue:
    return Queue("adhoc", f"Search: {query}" if query else "Search", query, "adhoc")


def build(
    counts: Counts | None,
    topics: Sequence[Topic],
    feeds: Sequence[Feed],
    searches: Sequence[SavedSearch],
    search_counts: Mapping[int, int] | None = None,
) -> list[Queue]:
    c = counts
    search_counts = search_counts or {}
    out = [
        Queue("untriaged", "Untriaged", UNTRIAGED, "main", c.untriaged if c else None),
        Queue("followup", "Follow-up", FOLLOWUP, "main", c.followups if c else None,
              f"{c.overdue} overdue" if c and c.overdue else ""),
        Queue("all", "All", "", "main", c.all if c else None),
    ]
    out += [
        Queue(f"topic:{t.id}", t.name, topic_query(t.name), "topic",
              c.by_topic.get(t.id, 0) if c else None)
        for t in topics
    ]
    out += [
        Queue(f"feed:{f.id}", f.name, feed_query(f), "feed",
              c.by_feed.get(f.id, 0) if c else None, failing=f.failing,
              total=c.feed_items.get(f.id) if c else None)
        for f in feeds
    ]
    out += [
        Queue(f"search:{s.id}", s.name, s.query, "search", search_counts.get(s.id))
        for s in searches
    ]
    return out


def find(queues: Sequence[Queue], key: str) -> Queue | None:
    return next((q for q in queues if q.key == key), None)
