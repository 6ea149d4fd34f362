"""feedparser, the reference parser: bytes in, a ParsedFeed out, field by field.

feedparser gets bytes (never a string: it would open a URL or a local path) and the
response headers, so a charset in Content-Type counts. Its own sanitizer and URI
rewriting are off: normalization sanitizes with our allow-list for every parser alike.
Only the keys we know are read from its dictionaries; a hostile entry with
thousands of keys costs nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import feedparser

from .entrybuild import RawEntry
from .errors import ParseError
from .fpcompat import HTML_TYPES, TEXT_TYPES, struct_to_datetime
from .model import MAX_ENTRIES, ParsedFeed, parse_ttl

__all__ = ["parse_with_feedparser"]

_HTML_PAGE = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)
_HARMLESS = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
# feedparser rebuilds inline XHTML with an end tag for every element; HTML reads a
# stray </br> as a second line break.
_BR_END = re.compile(r"</br\s*>", re.IGNORECASE)


def parse_with_feedparser(body: bytes, headers: Mapping[str, str]) -> ParsedFeed:
    """Parse with feedparser; ParseError when what it found is not a feed."""
    response_headers = {str(k).lower(): str(v) for k, v in headers.items()}
    result = feedparser.parse(
        body,
        response_headers=response_headers,
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    feed = result.get("feed") if isinstance(result.get("feed"), dict) else {}
    raw_entries = [e for e in result.get("entries") or [] if isinstance(e, dict)]
    title = _str(dict.get(feed, "title"))
    _check_is_feed(body, result, bool(raw_entries), bool(title))
    warnings: list[str] = []
    if result.get("bozo"):
        warnings.append(f"feedparser: {_one_line(result.get('bozo_exception'))}")
    if len(raw_entries) > MAX_ENTRIES:
        warnings.append(f"kept the first {MAX_ENTRIES} of {len(raw_entries)} entries")
    title_detail = dict.get(feed, "title_detail")
    return ParsedFeed(
        title=title,
        site_url=_str(dict.get(feed, "link")),
        ttl_minutes=parse_ttl(_str(dict.get(feed, "ttl"))),
        entries=tuple(_entry(e).build() for e in raw_entries[:MAX_ENTRIES]),
        parser="feedparser",
        warnings=tuple(warnings),
        title_is_html=_type(title_detail) in HTML_TYPES,
    )


def _check_is_feed(body: bytes, result: Any, has_entries: bool, has_title: bool) -> None:
    if has_entries or has_title:
        return
    version = result.get("version") or ""
    exc = result.get("bozo_exception")
    if version and (not result.get("bozo") or isinstance(exc, _HARMLESS)):
        return  # a feed that is empty right now (maybe served with an odd type)
    if _HTML_PAGE.search(body[:4096]):
        raise ParseError("not a feed: looks like an HTML page")
    if result.get("bozo"):
        raise ParseError(f"not a feed: {_one_line(result.get('bozo_exception'))}")
    raise ParseError("not a feed: no RSS or Atom elements found")


def _entry(e: dict) -> RawEntry:
    raw = RawEntry()
    raw.id = _str(dict.get(e, "id"))
    raw.link = _str(dict.get(e, "link"))
    title_detail = dict.get(e, "title_detail")
    raw.title = _str(dict.get(e, "title"))
    raw.title_type = _type(title_detail) or "text/plain"
    raw.title = _fix_xhtml(raw.title, raw.title_type)
    for content in dict.get(e, "content") or []:
        if isinstance(content, dict):
            ctype = _type(content) or "text/plain"
            value = _fix_xhtml(_str(dict.get(content, "value")) or "", ctype)
            raw.contents.append((value, ctype, _str(dict.get(content, "base")) or None))
    raw.summary = _str(dict.get(e, "summary"))
    summary_detail = dict.get(e, "summary_detail")
    if isinstance(summary_detail, dict):
        raw.summary_type = _type(summary_detail) or "text/html"
        raw.summary_base = _str(dict.get(summary_detail, "base")) or None
    else:
        raw.summary_base = next((b for _v, t, b in raw.contents if t in TEXT_TYPES), None)
    raw.summary = _fix_xhtml(raw.summary, raw.summary_type or "")
    raw.published = struct_to_datetime(dict.get(e, "published_parsed"))
    raw.updated = struct_to_datetime(dict.get(e, "updated_parsed"))
    raw.author = _author(e)
    return raw


def _author(e: dict) -> str | None:
    detail = dict.get(e, "author_detail")
    if isinstance(detail, dict):
        name = _str(dict.get(detail, "name")) or _str(dict.get(detail, "email"))
        if name:
            return name
    return _str(dict.get(e, "author"))


def _type(detail: Any) -> str | None:
    if isinstance(detail, dict):
        return _str(dict.get(detail, "type"))
    return None


def _fix_xhtml(value: str | None, ctype: str) -> str | None:
    if value and ctype == "application/xhtml+xml":
        return _BR_END.sub("", value)
    return value


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _one_line(exc: Any) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
