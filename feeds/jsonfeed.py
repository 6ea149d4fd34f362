"""JSON Feed 1.0 / 1.1 with the standard library, read field by field.

Only the fields we keep are looked up; values of the wrong type are ignored, never
coerced blindly (an integer ``id`` becomes its decimal string, as the spec asks).
A document nested deeply enough to exhaust the recursion limit is a ParseError.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from .errors import ParseError
from .fpcompat import parse_date
from .model import MAX_ENTRIES, ParsedEntry, ParsedFeed, text_to_html

__all__ = ["looks_like_json", "parse_json"]

JSON_TYPES = ("application/feed+json", "application/json")
VERSION_PREFIXES = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
KNOWN_VERSIONS = ("1", "1.1")


def looks_like_json(body: bytes, content_type: str) -> bool:
    """JSON when the body starts with ``{`` (after a BOM and whitespace) or says so and isn't XML."""
    start = body[3:64] if body.startswith(b"\xef\xbb\xbf") else body[:64]
    start = start.lstrip()
    if start.startswith(b"{"):
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media in JSON_TYPES and not start.startswith(b"<")


def parse_json(body: bytes) -> ParsedFeed:
    try:
        data = json.loads(body)
    except RecursionError:
        raise ParseError("not a feed: JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"not a feed: invalid JSON ({_one_line(exc)})") from None
    if not isinstance(data, dict):
        raise ParseError("not a feed: JSON that is not a JSON Feed object")
    version = _str(data.get("version"))
    if not version or not version.startswith(VERSION_PREFIXES):
        raise ParseError("not a feed: JSON without a JSON Feed version")
    warnings: list[str] = []
    if version.rpartition("/")[2] not in KNOWN_VERSIONS:
        warnings.append(f"unknown JSON Feed version {version[:80]!r}")
    items = data.get("items")
    if not isinstance(items, list):
        items = []
        warnings.append("JSON Feed without an items list")
    if len(items) > MAX_ENTRIES:
        warnings.append(f"kept the first {MAX_ENTRIES} of {len(items)} entries")
    entries = tuple(_item(item) for item in items[:MAX_ENTRIES] if isinstance(item, dict))
    return ParsedFeed(
        title=_str(data.get("title")),
        site_url=_str(data.get("home_page_url")),
        ttl_minutes=None,
        entries=entries,
        parser="json",
        warnings=tuple(warnings),
    )


def _item(item: dict[str, Any]) -> ParsedEntry:
    content_html = _str(item.get("content_html"))
    if not content_html:
        text = _str(item.get("content_text"))
        content_html = text_to_html(text) if text else None
    summary = _str(item.get("summary"))
    return ParsedEntry(
        id=_id(item.get("id")),
        link=_str(item.get("url")) or _str(item.get("external_url")),
        title=_str(item.get("title")),
        title_is_html=False,
        author=_author(item),
        published=_date(item.get("date_published")),
        updated=_date(item.get("date_modified")),
        summary_html=text_to_html(summary) if summary else None,
        content_html=content_html or None,
    )


def _id(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _author(item: dict[str, Any]) -> str | None:
    authors = item.get("authors")
    candidates = authors if isinstance(authors, list) else []
    single = item.get("author")
    if not candidates and isinstance(single, dict):
        candidates = [single]
    for author in candidates[:50]:
        if isinstance(author, dict):
            name = _str(author.get("name"))
            if name:
                return name
    return None


def _date(value: Any) -> datetime | None:
    text = _str(value)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return parse_date(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
