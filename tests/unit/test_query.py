"""The query language against a real file: query text -> the item ids it finds."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.db import ConnectionPool
from store.errors import QueryError
from store.query import (
    Compiled,
    Feed,
    FeedId,
    FullText,
    Not,
    Or,
    Query,
    compile_query,
    parse,
    topic_key,
)

NOW = dt.datetime(2025, 2, 15, 12, 0, 0, tzinfo=dt.UTC)
TODAY = dt.date(2025, 2, 15)
ALL = [1, 2, 3, 4, 5, 6]

FEEDS = [  # id, url, title, removed_at: feed 3's URL starts with feed 1's; 3 is removed
    (1, "https://isw.example/feed", "ISW Daily", None),
    (2, "https://wardesk.example/rss", "War Desk", None),
    (3, "https://isw.example/feed/kyiv", None, "2025-02-01T00:00:00Z"),
]
# id, feed, title, text, published_at, first_seen_at
ITEMS = [
    (1, 1, "North Korean workers in Russia",
     "13,221 North Koreans entered Russia in 2024, 7,887 of them on student visas.",
     "2025-02-10T08:00:00Z", "2025-02-10T09:00:00Z"),
    (2, 1, "Sanctions breach: Resolution 2397",
     "The transfer breaches UN Security Council Resolution 2397.",
     "2025-02-01T12:00:00Z", "2025-02-01T13:00:00Z"),
    (3, 2, "Drones over a German base",
     "Suspected Russian drones flew over the base where Ukrainians trained on Patriot systems.",
     "2025-01-20T06:00:00Z", "2025-01-20T07:00:00Z"),
    (4, 2, "Россия и санкции", "Новые санкции против России. Café naïve",
     "2025-02-14T09:00:00Z", "2025-02-14T10:00:00Z"),
    (5, 3, "Weekly roundup",
     "Nothing about labor or labour here; just NEAR(a b) and punctuation: ^ ' {x} \"quotes\"",
     None, "2025-02-15T10:00:00Z"),
    (6, None, "Orphan item", "Labour market report",
     "2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z"),
]
# topics beyond the seeded labor (1), sanctions (2), hybrid threats (3)
TOPICS = [(4, "Война"), (5, "orphan")]
ITEM_TOPICS = [
    (1, 1, "confirmed"), (1, 2, "suggested"), (2, 2, "confirmed"), (3, 3, "confirmed"),
    (4, 2, "rejected"), (4, 4, "suggested"), (5, 5, "confirmed"), (6, 1, "rejected"),
]
ITEM_STATE = [  # item, read_at, status
    (1, "2025-02-11T00:00:00Z", "triaged"),
    (2, None, "archived"),
    (3, "2025-02-11T00:00:00Z", "new"),
]
FOLLOWUPS = [  # item, due, done_at
    (1, "2025-02-10", None),  # overdue
    (2, "2025-02-15", None),  # today
    (3, "2025-02-20", None),  # within 7 days
    (4, "2025-02-27", None),  # within 2 weeks
    (5, "2025-02-12", "2025-02-13T00:00:00Z"),  # done: not open
    (6, None, None),  # open, no due date
]


def _fill(conn: sqlite3.Connection) -> None:
    now = "2025-01-01T00:00:00Z"
    conn.executemany(
        "INSERT INTO feeds(id, url, title, removed_at, added_at) VALUES (?, ?, ?, ?, ?)",
        [(*f, now) for f in FEEDS],
    )
    conn.executemany(
        "INSERT INTO items(id, feed_id, guid_key, title, content_text, published_at,"
        " first_seen_at, sort_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'h')",
        [(i, f, f"g{i}", t, x, p, s, p or s) for i, f, t, x, p, s in ITEMS],
    )
    conn.executemany(
        "INSERT INTO topics(id, name, created_at) VALUES (?, ?, ?)",
        [(*t, now) for t in TOPICS],
    )
    conn.executemany(
        "INSERT INTO item_topics(item_id, topic_id, state, source, by, at)"
        " VALUES (?, ?, ?, 'analyst', 'me', ?)",
        [(*t, now) for t in ITEM_TOPICS],
    )
    conn.executemany(
        "INSERT INTO item_state(item_id, read_at, status) VALUES (?, ?, ?)", ITEM_STATE
    )
    conn.executemany(
        "INSERT INTO followups(item_id, due, created_at, done_at) VALUES (?, ?, ?, ?)",
        [(i, d, now, done) for i, d, done in FOLLOWUPS],
    )


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    pool = ConnectionPool(tmp_path_factory.mktemp("query") / "triage.db")
    connection = pool.get()
    _fill(connection)
    yield connection
    pool.close()


def _topic_names(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM topics")]


FROM = (
    "FROM items i LEFT JOIN item_state s ON s.item_id = i.id"
    " LEFT JOIN feeds f ON f.id = i.feed_id"
)


def _run(conn: sqlite3.Connection, compiled: Compiled) -> list[int]:
    where, order = compiled.where, compiled.order_by
    sql = f"SELECT i.id {FROM} WHERE {where} ORDER BY {order}"  # noqa: S608
    return [r[0] for r in conn.execute(sql, compiled.params)]


def ids(conn: sqlite3.Connection, text: str, topics: list[str] | None = None) -> list[int]:
    names = _topic_names(conn) if topics is None else topics
    return _run(conn, compile_query(text, topics=names, today=TODAY, now=NOW))


CASES = {
    # empty and full text
    "": ALL,
    "   ": ALL,
    "russia": [1],
    "RUSSIA": [1],
    "russia*": [1, 3],
    '"student visas"': [1],
    '"visas student"': [],
    '"student vis"*': [1],
    "North Koreans": [1],
    "title:drones": [3],
    "text:drones": [3],
    "title:workers": [1],
    "text:workers": [],
    'title:"German base"': [3],
    "TITLE:resolution": [2],
    "text:resol*": [2],
    # Cyrillic, case folding, diacritics
    "Россия": [4],
    "россия": [4],
    "САНКЦИИ": [4],
    "росси*": [4],
    "cafe naive": [4],
    # OR binds tighter than AND; chains; mixed kinds
    "resolution OR drones": [2, 3],
    "resolution OR drones russia*": [3],
    "resolution OR drones OR workers": [1, 2, 3],
    "+labor OR feed:war": [1, 3, 4],
    "is:unread OR is:triaged +sanctions": [1, 2],
    "russia* OR resolution -drones": [1, 2],
    # negation
    "-russia": [2, 3, 4, 5, 6],
    '-"student visas"': [2, 3, 4, 5, 6],
    "-russia*": [2, 4, 5, 6],
    "-title:drones": [1, 2, 4, 5, 6],
    "-feed:isw": [3, 4, 6],
    "-is:triaged": [2, 3, 4, 5, 6],
    "-due:overdue": [2, 3, 4, 5, 6],
    "-@7d": [2, 3, 6],
    "-+labor": [2, 3, 4, 5, 6],
    # topics: confirmed or suggested, never rejected; name equivalence
    "+labor": [1],
    "+sanctions": [1, 2],
    "+hybrid-threats": [3],
    '+"hybrid threats"': [3],
    "+Hybrid_Threats": [3],
    '+"HYBRID   threats"': [3],
    "+война": [4],
    "+ВОЙНА": [4],
    "+nonexistent": [],
    # -x: lacks topic x when x is a topic, else not the text
    "-labor": [2, 3, 4, 5, 6],
    "-orphan": [1, 2, 3, 4, 6],
    "-hybrid-threats": [1, 2, 4, 5, 6],
    '-"hybrid threats"': [1, 2, 4, 5, 6],
    "-labour": [1, 2, 3, 4],
    # feeds: title or URL contains, case-insensitive; removed feeds' kept items too
    "feed:isw": [1, 2, 5],
    "feed:ISW": [1, 2, 5],
    'feed:"https://isw.example/feed"': [1, 2, 5],  # feed 3's URL contains feed 1's
    'feed:"War Desk"': [3, 4],
    "feed:wardesk.example": [3, 4],
    "feed:kyiv": [5],
    "feed:%": [],
    "feed:_": [],
    # feed:#id: exactly one feed, whatever the URLs and titles contain
    "feed:#1": [1, 2],
    "feed:#2": [3, 4],
    "feed:#3": [5],  # removed: its kept items
    "FEED:#001": [1, 2],
    "feed:#0": [],
    "feed:#99": [],
    "feed:#9223372036854775807": [],
    "-feed:#1": [3, 4, 5, 6],  # 6 has no feed: not in feed 1
    "-feed:#1 -feed:#2": [5, 6],
    "feed:#1 OR feed:#3": [1, 2, 5],
    "feed:#2 OR russia": [1, 3, 4],
    "russia* feed:#2": [3],
    "russia* -feed:#2": [1],
    "feed:#1 is:unread": [2],
    "feed:#1 feed:#2": [],
    'feed:"#1"': [],  # quoted: text, and no title or URL contains "#1"
    '-feed:"#1"': [1, 2, 3, 4, 5, 6],
    # is:
    "is:unread": [2, 4, 5, 6],
    "is:read": [1, 3],
    "is:new": [3, 4, 5, 6],
    "is:triaged": [1],
    "is:archived": [2],
    "is:followup": [1, 2, 3, 4, 6],
    "is:suggested": [1, 4],
    "IS:READ": [1, 3],
    # due:
    "due:overdue": [1],
    "due:today": [2],
    "due:<7d": [1, 2, 3],
    "due:<2w": [1, 2, 3, 4],
    "due:<0d": [1, 2],
    "due:2025-02-20": [3],
    "due:tomorrow": [],
    "due:+5d": [3],
    # @ published
    "@7d": [1, 4, 5],
    "@24h": [5],
    "@2w": [1, 2, 4, 5],
    "@999999w": ALL,
    "@2025-02-01": [2],
    "@2024-12-31": [6],
    "@2025-02-01..2025-02-10": [1, 2],
    "@2025-01-01..2025-01-31": [3],
    # sort is not a filter
    "sort:old": ALL,
    "sort:due is:unread": [2, 4, 5, 6],
    # words that are operators elsewhere are just words here
    "or": [5],
    "AND": [5],
    "NEAR(a": [5],
    "NEAR(a b)": [5],
    "labor or": [5],
    '"punctuation:" ^': [5],
    "{x}": [5],
    "'": ALL,
    "- + * & --": ALL,
    '""': ALL,
    "'; DROP TABLE items; --": [],
    "x'); DROP TABLE items; --": [],
}


@pytest.mark.parametrize(("text", "expected"), list(CASES.items()))
def test_query_finds(conn: sqlite3.Connection, text: str, expected: list[int]) -> None:
    assert sorted(ids(conn, text)) == expected
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == len(ITEMS)


def test_minus_is_text_when_no_such_topic(conn: sqlite3.Connection) -> None:
    assert sorted(ids(conn, "-labor", topics=[])) == [1, 2, 3, 4, 6]  # 5 says "labor"
    assert sorted(ids(conn, "-orphan", topics=[])) == [1, 2, 3, 4, 5]  # 6 says "Orphan"
    assert ids(conn, "+labor", topics=[]) == [1]  # ASCII names still match in SQL


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("", [5, 4, 1, 2, 3, 6]),
        ("sort:new", [5, 4, 1, 2, 3, 6]),
        ("sort:old", [6, 3, 2, 1, 4, 5]),
        ("sort:due", [1, 2, 3, 4, 5, 6]),
        ("sort:old sort:new", [5, 4, 1, 2, 3, 6]),
    ],
)
def test_sort(conn: sqlite3.Connection, text: str, order: list[int]) -> None:
    assert ids(conn, text) == order


def test_compiled_shape() -> None:
    empty = compile_query("", today=TODAY, now=NOW)
    assert (empty.where, empty.params, empty.sort) == ("1", (), "new")
    assert compile_query("sort:old", now=NOW).order_by == "i.sort_at ASC, i.id ASC"
    compiled = compile_query('a "b c" d* title:e', now=NOW)
    assert compiled.params == ('"a" AND "b c" AND "d"* AND title : "e"',)
    assert compile_query('x"y"', now=NOW).params == ('"x" AND "y"',)  # x, then a phrase
    odd = Query((FullText('a"b', 1, "title", prefix=True),))  # never reaches FTS as syntax
    assert compile_query(odd, now=NOW).params == ('title : "a""b"*',)


def test_feed_id_parses_and_compiles_to_a_parameter() -> None:
    assert parse("feed:#12").terms == (FeedId(12, 1),)
    assert parse("-feed:#12").terms == (Not(FeedId(12, 2), 1),)
    assert parse("a feed:#1 OR feed:#2").terms[1] == Or((FeedId(1, 3), FeedId(2, 14)), 3)
    assert parse('feed:"#12"').terms == (Feed("#12", 1),)  # quoted: text
    assert parse('feed:"#12 Desk"').terms == (Feed("#12 Desk", 1),)
    compiled = compile_query("feed:#12", now=NOW)
    assert compiled.params == (12,) and "12" not in compiled.where
    assert "i.feed_id = ?" in compiled.where


def test_feed_id_walks_the_feed_index(conn: sqlite3.Connection) -> None:
    compiled = compile_query("feed:#2", now=NOW)
    sql = f"SELECT i.id {FROM} WHERE {compiled.where} ORDER BY {compiled.order_by}"  # noqa: S608
    plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, compiled.params))
    assert "items_feed_sort" in plan


def test_topic_key() -> None:
    assert topic_key("Hybrid-Threats") == topic_key(' hybrid   threats ') == "hybrid threats"
    assert topic_key("hybrid_threats") == "hybrid threats"
    assert topic_key("ВОЙНА") == "война"


def test_parse_structure() -> None:
    query = parse("a OR b c sort:due")
    assert query.sort == "due"
    assert len(query.terms) == 2


@pytest.mark.parametrize(
    ("text", "position", "needle"),
    [
        ("fed:x", 1, "did you mean feed:?"),
        ("russia tilte:x", 8, "did you mean title:?"),
        ("zzz:x", 1, "fields are"),
        ("is:foo", 4, "is:"),
        ("is:unred", 4, "did you mean is:unread?"),
        ("is:", 1, "is: needs a value"),
        ("due:soon", 5, "due:overdue"),
        ("due:<7y", 5, "due:"),
        ("sort:sideways", 6, "sort:new"),
        ("@2025-13-01", 1, "@YYYY-MM-DD"),
        ("@yesterday", 1, "@7d"),
        ("@2025-02-10..2025-02-01", 1, "ends before it starts"),
        ('a "unterminated', 3, "unterminated quote"),
        ('feed:"War', 6, "unterminated quote"),
        ("a OR", 3, "OR needs a term"),
        ("OR b", 1, "OR needs a term"),
        ("a OR OR b", 6, "OR needs a term"),
        ("title:", 1, "title: needs a word"),
        ("x text:", 3, "text: needs a word"),
        ("feed:", 1, "feed: needs a value"),
        ("feed:#", 6, "feed:# needs a feed id at 6; use feed:#12"),
        ("feed:#x", 6, 'cannot read feed id "#x"'),
        ("feed:#12x", 6, 'quote text: feed:"#x"'),
        ("feed:#-1", 6, "cannot read feed id"),
        ("feed:#1.5", 6, "cannot read feed id"),
        ("feed:#١٢", 6, "cannot read feed id"),  # digits, but not ASCII ones
        ("feed:#99999999999999999999", 6, 'feed id "#99999999999999999999" is too large'),
        ("feed:#9223372036854775808", 6, "too large"),  # SQLite's largest integer + 1
        ("a -feed:#12x", 9, "cannot read feed id"),
        ("x OR feed:#", 11, "feed:# needs a feed id"),
        ('+""', 1, "topic name missing"),
        ("-sort:old", 2, "cannot be negated"),
        ("a OR sort:old", 6, "cannot be combined with OR"),
        ("x \ud800", 3, "invalid character"),
    ],
)
def test_errors(text: str, position: int, needle: str) -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(text, today=TODAY, now=NOW)
    assert caught.value.position == position
    assert needle in str(caught.value)


def test_error_message_format() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("fed:x")
    assert str(caught.value) == 'unknown field "fed:" at 1; did you mean feed:?'
    assert caught.value.reason == 'unknown field "fed:"'
    assert caught.value.hint == "did you mean feed:?"
    with pytest.raises(QueryError) as caught:
        compile_query("-feed:#x")
    assert str(caught.value) == (
        'cannot read feed id "#x" at 7; use feed:#12 (an id from triage feeds list);'
        ' quote text: feed:"#x"')


def test_too_many_terms() -> None:
    with pytest.raises(QueryError):
        parse("a " * 1000)
    assert len(parse("a OR " * 99 + "a").terms) == 1


def test_longest_query_runs(conn: sqlite3.Connection) -> None:
    text = "-feed:zzz OR -due:today " * 66  # 198 terms, none of them full text
    assert sorted(ids(conn, text)) == ALL


HOSTILE = [
    "'; DROP TABLE items; --", '"', "NEAR(a b)", "title:", "text:", "*", "-", "+", "OR",
    "OR OR", "AND", "NOT", "^", ":", "'", "(", ")", "{", "}", "@", "@7d", "..", "feed:",
    "is:read", "due:<7d", "sort:due", "+labor", "-labor", "-orphan", "Россия", "\x00", "\u0301",
    "feed:#", "feed:#1", "feed:#3", "-feed:#2", "#", "#1", "2025-02-01", "title:a*", '""',
    '"a', "-+", "+-", "col:", "\\", "%", "_", "\t", "\u202e",
]
FRAGMENTS = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.text(max_size=40),
    st.lists(FRAGMENTS, max_size=8).map(" ".join),
    st.lists(FRAGMENTS, max_size=8).map("".join),
))
def test_any_text_compiles_or_raises_query_error(conn: sqlite3.Connection, text: str) -> None:
    names = _topic_names(conn)
    try:
        compiled = compile_query(text, topics=names, today=TODAY, now=NOW)
    except QueryError as exc:
        assert exc.position >= 1
        return
    found = _run(conn, compiled)  # never a sqlite3 error
    assert set(found) <= set(ALL)
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == len(ITEMS)
