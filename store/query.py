"""The one query language, compiled: parsed terms (:mod:`store.query_parser`) to SQL.

User text reaches FTS5 only as quoted string literals and SQL only as ``?`` parameters.
The grammar and its decisions are documented in :mod:`store.query_parser`.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .clock import local_today, parse_due, utc_now
from .query_parser import (  # noqa: F401 - re-exported: the query language's one door
    FIELDS,
    IS_VALUES,
    MAX_TERMS,
    SORTS,
    Between,
    Due,
    Feed,
    FeedId,
    FullText,
    Is,
    Node,
    Not,
    Or,
    Query,
    Topic,
    Within,
    parse,
    topic_key,
)


@dataclass(frozen=True)
class Compiled:
    where: str  # SQL over i = items, s = item_state (LEFT JOIN), f = feeds (LEFT JOIN)
    params: tuple
    order_by: str
    sort: str  # 'new' | 'old' | 'due'


ORDER_BY = {
    "new": "i.sort_at DESC, i.id DESC",
    "old": "i.sort_at ASC, i.id ASC",
    "due": "coalesce((SELECT min(fu.due) FROM followups fu WHERE fu.item_id = i.id"
    " AND fu.done_at IS NULL), '9999-99-99') ASC, i.sort_at DESC, i.id DESC",
}
# The unary ``+`` keeps SQLite from looking every match up by rowid and sorting them
# all (50 ms for a common word at 100k items): it walks the sort index instead and
# stops at the page's end; a rare word costs one walk of that index (~6 ms at 100k).
_MATCH = "+i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"
_TOPIC = (
    "EXISTS (SELECT 1 FROM item_topics it JOIN topics t ON t.id = it.topic_id"
    " WHERE it.item_id = i.id AND it.state != 'rejected'"
    " AND (lower(replace(replace(t.name, '-', ' '), '_', ' ')) = ?"
    " OR t.name IN (SELECT value FROM json_each(?))))"
)
# Matching feeds first, then their items through items_feed_sort: testing each item's
# feed row instead walks most of the file for a small feed (100+ ms at 100k items).
# A removed feed (schema v4) keeps its row, so "feed:x" still finds the items kept from it.
# The NOT NULL test keeps "-feed:x" true for items left without a feed by an older triage.
_FEED = (
    "(i.feed_id IS NOT NULL AND i.feed_id IN (SELECT fx.id FROM feeds fx WHERE"
    " instr(lower(coalesce(fx.title, '')), lower(?)) > 0 OR instr(coalesce(fx.title, ''), ?) > 0"
    " OR instr(lower(coalesce(fx.url, '')), lower(?)) > 0))"
)
# One feed by id walks items_feed_sort directly. The NOT NULL test, as above, keeps
# "-feed:#12" true for items without a feed (SQL's NOT of NULL is not true).
_FEED_ID = "(i.feed_id IS NOT NULL AND i.feed_id = ?)"
_IS = {
    "unread": "s.read_at IS NULL",
    "read": "s.read_at IS NOT NULL",
    "new": "coalesce(s.status, 'new') = 'new'",
    "triaged": "coalesce(s.status, 'new') = 'triaged'",
    "archived": "coalesce(s.status, 'new') = 'archived'",
    "followup": "EXISTS (SELECT 1 FROM followups fu WHERE fu.item_id = i.id"
    " AND fu.done_at IS NULL)",
    "suggested": "EXISTS (SELECT 1 FROM item_topics it WHERE it.item_id = i.id"
    " AND it.state = 'suggested')",
}
_OPEN_DUE = "EXISTS (SELECT 1 FROM followups fu WHERE fu.item_id = i.id AND fu.done_at IS NULL"
_DUE = {
    "overdue": _OPEN_DUE + " AND fu.due < ?)",
    "on": _OPEN_DUE + " AND fu.due = ?)",
    "within": _OPEN_DUE + " AND fu.due <= ?)",
}


def compile_query(
    text: str | Query,
    *,
    topics: Iterable[str] = (),
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Compiled:
    """Compile a query (text or parsed) against the names of the existing ``topics``.

    ``today`` is the analyst's local date (for ``due:``), ``now`` the instant for ``@7d``.
    """
    query = parse(text) if isinstance(text, str) else text
    now = utc_now() if now is None else now
    compiler = _Compiler(
        topics,
        local_today() if today is None else today,
        now if now.tzinfo else now.replace(tzinfo=dt.UTC),
    )
    where = compiler.terms(query.terms)
    return Compiled(where, tuple(compiler.params), ORDER_BY[query.sort], query.sort)


def _fts_literal(node: FullText) -> str:
    value = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in node.value)
    literal = '"' + value.replace('"', '""') + '"' + ("*" if node.prefix else "")
    return f"{node.column} : {literal}" if node.column else literal


class _Compiler:
    def __init__(self, topics: Iterable[str], today: dt.date, now: dt.datetime):
        self.params: list[object] = []
        self.today, self.now = today, now
        self.topics: dict[str, list[str]] = {}
        for name in topics:
            self.topics.setdefault(topic_key(name), []).append(name)

    def terms(self, terms: tuple[Node, ...]) -> str:
        """AND the terms; the plain full-text ones share one MATCH."""
        fts = [expr for term in terms if (expr := self.fts(term)) is not None]
        parts = []
        if fts:
            self.params.append(" AND ".join(fts))
            parts.append(_MATCH)
        parts += [self.expr(term) for term in terms if self.fts(term) is None]
        return " AND ".join(parts) or "1"

    def fts(self, node: Node) -> str | None:
        """The FTS5 expression of a full-text term or an OR of them, else None."""
        if isinstance(node, FullText):
            return _fts_literal(node)
        if isinstance(node, Or) and all(isinstance(t, FullText) for t in node.terms):
            return "(" + " OR ".join(_fts_literal(t) for t in node.terms) + ")"
        return None

    def expr(self, node: Node) -> str:
        match node:
            case FullText():
                return self.sql(_MATCH, _fts_literal(node))
            case Not(term=FullText(may_be_topic=True) as t) if topic_key(t.value) in self.topics:
                return "NOT " + self.expr(Topic(t.value, t.position))
            case Not(term=term):
                return f"NOT ({self.expr(term)})"
            case Or(terms=terms):
                return "(" + " OR ".join(self.expr(t) for t in terms) + ")"
            case Topic(value=name):
                key = topic_key(name)
                return self.sql(_TOPIC, key, json.dumps(self.topics.get(key, [])))
            case Feed(value=name):
                return self.sql(_FEED, name, name, name)
            case FeedId(value=feed_id):
                return self.sql(_FEED_ID, feed_id)
            case Is(value=value):
                return _IS[value]
            case Due():
                return self.sql(_DUE[node.kind], self.due_date(node).isoformat())
            case Within(delta=delta):
                return self.sql("i.sort_at >= ?", self.since(delta))
            case Between(first=first, last=last):
                return self.sql(
                    "(i.sort_at >= ? AND i.sort_at <= ?)",
                    f"{first.isoformat()}T00:00:00Z",
                    f"{last.isoformat()}T23:59:59Z",
                )
        raise TypeError(f"not a query term: {node!r}")

    def sql(self, fragment: str, *params: object) -> str:
        self.params.extend(params)
        return fragment

    def since(self, delta: dt.timedelta) -> str:
        try:  # isoformat, unlike strftime, pads years before 1000
            when = (self.now - delta).astimezone(dt.UTC)
        except OverflowError:
            return "0000"
        return when.isoformat(timespec="seconds").replace("+00:00", "Z")

    def due_date(self, node: Due) -> dt.date:
        try:
            if node.kind == "within":
                return self.today + dt.timedelta(days=int(node.value))
            if node.kind == "on":
                return parse_due(node.value, self.today)
        except OverflowError:
            return dt.date.max
        return self.today
