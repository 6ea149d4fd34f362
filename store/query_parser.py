"""The one query language, its grammar: a search string parsed into terms.

:mod:`store.query` compiles the terms to parameterised SQL.

Terms are ANDed; ``A OR B`` binds tighter than the implicit AND::

    word  "a phrase"  prefix*  title:word  text:word     full text (title, content_text)
    -term                    not (any term but sort:)
    +topic  -topic           has / lacks the topic (confirmed or suggested, never rejected)
    feed:NAME  feed:"War Desk"                         feed title or URL contains
    feed:#12                 exactly the feed with id 12 (``triage feeds list``)
    is:unread|read|new|triaged|archived|followup|suggested
    due:overdue  due:today  due:<7d  due:<2w  due:DATE  open follow-up due ...
    @24h  @7d  @2w  @2025-02-01  @2025-02-01..2025-02-10  sort_at within / on / between
    sort:new|old|due         the order, not a filter (the last one wins)

Decisions:

- ``-x`` (unquoted or quoted, no ``*``) means "lacks topic x" when ``topic_key(x)`` names
  one of the ``topics`` passed to :func:`compile_query`, else "not the text x".
- ``+x`` of a topic that does not exist compiles and matches nothing.
- ``due:<7d`` is an open follow-up due on or before today + 7 days, overdue included.
  ``due:DATE`` takes anything :func:`store.clock.parse_due` reads (``tomorrow``, ``fri``).
- ``@7d`` is ``sort_at >= now - 7 days``; ``@DATE`` and ranges are UTC dates, inclusive.
- Only uppercase ``OR`` is an operator; ``or``, ``AND``, ``NOT``, ``NEAR`` are words.
  User text reaches FTS5 only as quoted string literals and SQL only as ``?`` parameters.
- Full-text terms with no letter or digit (``*``, ``-``, ``&``, ``""``) are ignored: the
  index could never match them.
- ``feed:`` folds case for ASCII (SQLite's ``lower``); other scripts match as typed.
- ``feed:#12`` (unquoted ``#`` then ASCII digits, nothing else) is one feed by id, removed
  feeds included (their kept items); the TUI's feed queues use it, since a URL or title
  can contain another's. Anything else unquoted after ``feed:#`` is an error. A quoted
  value is always text: ``feed:"#12"`` is a title or URL containing ``#12``.
- Any ``letters:`` prefix is a field, so ``https://x`` is an unknown field; quote it.
- ``sort:due``: items with an open follow-up by due date first, then by ``sort_at`` desc.
- At most MAX_TERMS terms, to stay well inside SQLite's expression depth limit.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from .clock import parse_due
from .errors import QueryError

FIELDS = ("title", "text", "feed", "is", "due", "sort")
IS_VALUES = ("unread", "read", "new", "triaged", "archived", "followup", "suggested")
SORTS = ("new", "old", "due")
MAX_TERMS = 200  # SQLite's expression depth limit is 1000
_COLUMNS = {"title": "title", "text": "content_text"}


@dataclass(frozen=True)
class FullText:
    value: str
    position: int
    column: str | None = None  # None (both), "title" or "content_text"
    phrase: bool = False
    prefix: bool = False

    @property
    def may_be_topic(self) -> bool:
        return self.column is None and not self.prefix


@dataclass(frozen=True)
class _Word:
    value: str
    position: int


class Topic(_Word):
    """``+value``: has the topic."""


class Feed(_Word):
    """``feed:value``: the feed title or URL contains it."""


@dataclass(frozen=True)
class FeedId:
    """``feed:#id``: exactly the feed with this id."""

    value: int
    position: int


class Is(_Word):
    """``is:value``, one of IS_VALUES."""


class _Sort(_Word):
    pass


class _OrWord(_Word):
    pass


@dataclass(frozen=True)
class Due:
    kind: str  # "overdue" | "within" | "on" (today, tomorrow, a date: anything parse_due reads)
    value: str  # days for "within", the date text for "on"
    position: int


@dataclass(frozen=True)
class Within:
    delta: dt.timedelta
    position: int


@dataclass(frozen=True)
class Between:
    first: dt.date
    last: dt.date
    position: int


@dataclass(frozen=True)
class Not:
    term: Node
    position: int


@dataclass(frozen=True)
class Or:
    terms: tuple[Node, ...]
    position: int


Node = FullText | Topic | Feed | FeedId | Is | Due | Within | Between | Not | Or


@dataclass(frozen=True)
class Query:
    terms: tuple[Node, ...] = ()
    sort: str = "new"


def topic_key(name: str) -> str:
    """Normalise a topic name: casefold, ``-``/``_`` as spaces, spaces collapsed."""
    return " ".join(name.casefold().replace("-", " ").replace("_", " ").split())


@dataclass(frozen=True)
class _Token:
    position: int  # 1-based
    head: str  # the text before a quote ('' for a bare phrase)
    quoted: str | None = None  # the text between the quotes
    star: bool = False  # a '*' right after the closing quote


# Heads a quote continues: '', '-', '+', '-+', 'feed:', '-title:'.
_QUOTE_HEAD = re.compile(r"-?(\+|[A-Za-z]+:)?\Z")
_FIELD = re.compile(r"([A-Za-z]+):(.*)\Z", re.DOTALL)


def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Cc"


def _tokens(text: str) -> Iterator[_Token]:
    i, n = 0, len(text)
    while i < n:
        if _is_space(text[i]):
            i += 1
            continue
        start = i
        while i < n and not _is_space(text[i]) and text[i] != '"':
            i += 1
        head = text[start:i]
        if i < n and text[i] == '"' and _QUOTE_HEAD.match(head):
            close = text.find('"', i + 1)
            if close < 0:
                raise QueryError("unterminated quote", i + 1, 'close it with "')
            star = text.startswith("*", close + 1)
            yield _Token(start + 1, head, text[i + 1 : close], star)
            i = close + 1 + star
        else:
            yield _Token(start + 1, head)


def parse(text: str) -> Query:
    """Parse a query; raise :class:`QueryError` naming the reason and the position."""
    for index, ch in enumerate(text):
        if "\ud800" <= ch <= "\udfff":
            raise QueryError("invalid character", index + 1)
    items: list[Node | _Sort | _OrWord] = []
    for count, token in enumerate(_tokens(text)):
        if count == MAX_TERMS:
            raise QueryError(f"too many terms (at most {MAX_TERMS})", token.position)
        if token.quoted is None and token.head == "OR":
            items.append(_OrWord("OR", token.position))
        elif (term := _term(token)) is not None:
            items.append(term)
    return _fold(items)


def _fold(items: list[Node | _Sort | _OrWord]) -> Query:
    groups: list[list[Node | _Sort]] = []
    pending: _OrWord | None = None
    for item in items:
        if isinstance(item, _OrWord):
            if not groups or pending is not None:
                raise QueryError("OR needs a term on each side", item.position, _OR_HINT)
            pending = item
        elif pending is not None:
            groups[-1].append(item)
            pending = None
        else:
            groups.append([item])
    if pending is not None:
        raise QueryError("OR needs a term on each side", pending.position, _OR_HINT)
    terms: list[Node] = []
    sort = "new"
    for group in groups:
        sorts = [g for g in group if isinstance(g, _Sort)]
        if sorts and len(group) > 1:
            raise QueryError("sort: cannot be combined with OR", sorts[0].position)
        if sorts:
            sort = sorts[0].value
        else:
            terms.append(group[0] if len(group) == 1 else Or(tuple(group), group[0].position))
    return Query(tuple(terms), sort)


_OR_HINT = 'to search for the word, write "OR"'


def _term(token: _Token) -> Node | _Sort | None:
    head, position = token.head, token.position
    negated = head.startswith("-") and (len(head) > 1 or token.quoted is not None)
    if negated:
        head, position = head[1:], position + 1
    term = _positive(token, head, position)
    if term is None or not negated:
        return term
    if isinstance(term, _Sort):
        raise QueryError("sort: cannot be negated", position)
    return Not(term, token.position)


def _has_alnum(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _positive(token: _Token, head: str, position: int) -> Node | _Sort | None:
    if token.quoted is None and not _has_alnum(head):
        return None  # punctuation: '-', '+', '*', '&'
    if head.startswith("+"):
        return _topic(head[1:] if token.quoted is None else token.quoted, position)
    if head.startswith("@") and token.quoted is None:
        return _published(head[1:], position)
    if match := _FIELD.match(head):
        name = match.group(1)
        value = match.group(2) if token.quoted is None else token.quoted
        return _field(name, value, position, token)
    return _fulltext(token, head, position, None)


def _topic(name: str, position: int) -> Topic:
    if not topic_key(name):
        raise QueryError("topic name missing", position, 'write +name or +"two words"')
    return Topic(name, position)


def _fulltext(token: _Token, value: str, position: int, column: str | None) -> FullText | None:
    if token.quoted is not None:
        value, phrase, prefix = token.quoted, True, token.star
    else:
        phrase, prefix = False, value.endswith("*")
        value = value.rstrip("*")
        if column and not value:
            field = "text" if column == "content_text" else column
            raise QueryError(f"{field}: needs a word", position - len(field) - 1)
    if not _has_alnum(value):
        return None
    return FullText(value, position, column, phrase, prefix)


def _field(name: str, value: str, position: int, token: _Token) -> Node | _Sort | None:
    key = name.lower()
    at = position + len(name) + 1  # where the value starts
    if key not in FIELDS:
        close = difflib.get_close_matches(key, FIELDS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}:?" if close else _FIELDS_HINT
        raise QueryError(f'unknown field "{name}:"', position, hint)
    if key in _COLUMNS:
        return _fulltext(token, value, at, _COLUMNS[key])
    if not value.strip():
        raise QueryError(f"{key}: needs a value", position)
    if key == "feed":
        if token.quoted is None and value.startswith("#"):
            return _feed_id(value, at, position)
        return Feed(value, position)
    if key == "due":
        return _due(value, at)
    choices = IS_VALUES if key == "is" else SORTS
    word = value.lower()
    if word not in choices:
        raise QueryError(f'unknown {key}: value "{value}"', at, _choice_hint(key, word, choices))
    return Is(word, position) if key == "is" else _Sort(word, position)


_FIELDS_HINT = "fields are " + " ".join(f + ":" for f in FIELDS) + "; quote text to search it"


def _choice_hint(key: str, word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean {key}:{close[0]}?"
    return "use " + ", ".join(f"{key}:{c}" for c in choices)


_WITHIN = re.compile(r"<(\d{1,5})([dw])\Z")
_DUE_HINT = "use due:overdue, due:today, due:<7d, due:<2w or a date"


def _due(value: str, at: int) -> Due:
    word = value.strip().lower()
    if word == "overdue":
        return Due(word, "", at)
    if match := _WITHIN.match(word):
        days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
        return Due("within", str(days), at)
    try:
        parse_due(word, dt.date(2000, 1, 1))
    except (ValueError, OverflowError):
        raise QueryError(f'cannot read due:"{value}"', at, _DUE_HINT) from None
    return Due("on", word, at)


_FEED_ID = re.compile(r"#([0-9]+)\Z")
_FEED_ID_HINT = 'use feed:#12 (an id from triage feeds list); quote text: feed:"#x"'
_MAX_ID = 2**63 - 1  # SQLite's largest integer


def _feed_id(value: str, at: int, position: int) -> FeedId:
    match = _FEED_ID.match(value)
    if match is None:
        reason = "feed:# needs a feed id" if value == "#" else f'cannot read feed id "{value}"'
        raise QueryError(reason, at, _FEED_ID_HINT)
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > len(str(_MAX_ID)) or int(digits) > _MAX_ID:
        raise QueryError(f'feed id "{value}" is too large', at, _FEED_ID_HINT)
    return FeedId(int(digits), position)


_AGO = re.compile(r"(\d{1,6})([hdw])\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_AT_HINT = "use @24h, @7d, @2w, @YYYY-MM-DD or @YYYY-MM-DD..YYYY-MM-DD"
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def _published(spec: str, position: int) -> Within | Between:
    if match := _AGO.match(spec.lower()):
        delta = dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return Within(delta, position)
    first_text, dots, last_text = spec.partition("..")
    first = _date(first_text, position)
    last = _date(last_text, position) if dots else first
    if last < first:
        raise QueryError(f'date range "@{spec}" ends before it starts', position)
    return Between(first, last, position)


def _date(text: str, position: int) -> dt.date:
    try:
        if _DATE.match(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise QueryError(f'cannot read date "{text}"', position, _AT_HINT)
