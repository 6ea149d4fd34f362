"""What the fast path borrows from feedparser, so both parsers agree on the details.

feedparser is the reference parser. Where it post-processes every value (dates,
URL joining, cp1252 repair, guessing whether RSS text is HTML) the fast path calls
the same code or a line-for-line copy, rather than a look-alike that drifts.
feedparser is pinned (6.0.14); the parity test notices if an upgrade moves these.
"""

from __future__ import annotations

import html.entities
import re
import time
from datetime import UTC, datetime
from functools import lru_cache

from feedparser.datetimes import _parse_date
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.sanitizer import _HTMLSanitizer
from feedparser.urls import _urljoin, make_safe_absolute_uri

__all__ = [
    "HTML_TYPES",
    "NAMESPACES",
    "fix_text",
    "looks_like_html",
    "make_safe_absolute_uri",
    "map_content_type",
    "parse_date",
    "struct_to_datetime",
    "urljoin",
]

#: namespace URI (lower case) -> feedparser's standard prefix ('' for RSS/Atom itself)
NAMESPACES: dict[str, str] = {k.lower(): v for k, v in _FeedParserMixin.namespaces.items()}
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"}) | HTML_TYPES

_CLOSE_TAG = re.compile(r"</(\w+)>")
_ENTITY = re.compile(r"&#?\w+;")
_TAG_NAME = re.compile(r"</?(\w+)")
_NAMED_ENTITY = re.compile(r"&(\w+);")
_ACCEPTABLE = _HTMLSanitizer.acceptable_elements
_C1 = re.compile("[\x80-\x9f]")


_CACHED_LEN = 2_048  # longer arguments are not cached: a cache must not pin big strings


def urljoin(base: str, uri: str) -> str:
    if len(base or "") + len(uri or "") <= _CACHED_LEN:
        return _cached_urljoin(base, uri)
    return _urljoin(base, uri)


@lru_cache(maxsize=512)  # pure; an RSS guid often repeats the link it follows
def _cached_urljoin(base: str, uri: str) -> str:
    return _urljoin(base, uri)


def map_content_type(value: str) -> str:
    value = value.lower()
    if value in ("text", "plain"):
        return "text/plain"
    if value == "html":
        return "text/html"
    if value == "xhtml":
        return "application/xhtml+xml"
    return value


def looks_like_html(s: str) -> bool:
    """feedparser's guess whether nominally plain RSS text is really HTML."""
    if not (_CLOSE_TAG.search(s) or _ENTITY.search(s)):
        return False
    if any(t.lower() not in _ACCEPTABLE for t in _TAG_NAME.findall(s)):
        return False
    return not any(e not in html.entities.entitydefs for e in _NAMED_ENTITY.findall(s))


def fix_text(s: str) -> str:
    """What feedparser does to every element value: undo UTF-8-read-as-Latin-1, map cp1252."""
    if s.isascii():
        return s
    try:
        s = s.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return s.translate(_cp1252) if _C1.search(s) else s


def struct_to_datetime(value: time.struct_time | tuple | None) -> datetime | None:
    """feedparser's 9-tuples are UTC; make an aware datetime (None when impossible)."""
    if not value:
        return None
    try:
        return datetime(*tuple(value)[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_date(value: str | None) -> datetime | None:
    """A date the way feedparser reads it (RFC 822, W3DTF, ISO 8601 and a few more)."""
    if not value:
        return None
    if len(value) <= _CACHED_LEN:
        return _cached_parse_date(value)
    return _parse_date_uncached(value)


@lru_cache(maxsize=512)  # pure, and the result is immutable; Atom repeats dates
def _cached_parse_date(value: str) -> datetime | None:
    return _parse_date_uncached(value)


def _parse_date_uncached(value: str) -> datetime | None:
    try:
        return struct_to_datetime(_parse_date(value))
    except (ValueError, OverflowError, TypeError, IndexError):
        return None
