"""Bytes and response headers in, a ParsedFeed out (or ParseError).

JSON Feed goes to the standard library. XML goes to the lxml fast path first and to
feedparser, the reference, when the fast path declines (DOCTYPE or entities,
encoding doubts, unknown formats, anything not well-formed). Never a URL or a path
string: feedparser would open it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .errors import FastPathDeclined, ParseError
from .fastpath import parse_fast
from .fpmap import parse_with_feedparser
from .jsonfeed import looks_like_json, parse_json
from .model import ParsedFeed

__all__ = [
    "FastPathDeclined",
    "ParseError",
    "parse_document",
    "parse_fast",
    "parse_json",
    "parse_with_feedparser",
]


def parse_document(body: bytes, headers: Mapping[str, str]) -> ParsedFeed:
    """Parse one fetched document. Raises ParseError for anything that is not a feed."""
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError("parse_document takes the response body as bytes")
    body = bytes(body)
    if not body.strip():
        raise ParseError("not a feed: empty document")
    headers = {str(k).lower(): str(v) for k, v in headers.items()}
    if looks_like_json(body, headers.get("content-type", "")):
        return parse_json(body)
    try:
        return parse_fast(body, headers)
    except FastPathDeclined as declined:
        reason = str(declined)
    try:
        feed = parse_with_feedparser(body, headers)
    except ParseError:
        raise
    except (RecursionError, ValueError, TypeError, LookupError, UnicodeError) as exc:
        # feedparser is robust, not infallible; a document that breaks it is not a feed we read.
        raise ParseError(f"not a feed: feedparser failed ({type(exc).__name__})") from None
    return replace(feed, warnings=(f"fast path declined: {reason}", *feed.warnings))
