"""What the parsers hand to normalization: raw-ish values, one shape for every parser.

Text fields are as the parser found them (whitespace stripped, not yet cleaned).
``summary_html`` and ``content_html`` are always HTML: a parser that found plain text
escapes it first (see :func:`text_to_html`). Titles carry a flag saying whether they
hold markup, because an Atom ``type="text"`` title ``a <b> c`` means those characters.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

MAX_ENTRIES = 5_000

ParserName = Literal["fast", "feedparser", "json"]


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    id: str | None = None
    link: str | None = None
    title: str | None = None
    title_is_html: bool = False
    author: str | None = None
    published: datetime | None = None  # aware
    updated: datetime | None = None  # aware
    summary_html: str | None = None
    content_html: str | None = None
    base: str | None = None  # xml:base in effect for the content, if any


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    site_url: str | None
    ttl_minutes: int | None
    entries: tuple[ParsedEntry, ...]
    parser: ParserName
    warnings: tuple[str, ...] = ()
    title_is_html: bool = False


_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, blank lines become paragraphs, newlines ``<br>``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = _BLANK_LINES.split(text)
    return "".join(
        "<p>" + html.escape(p, quote=False).replace("\n", "<br>") + "</p>" for p in paragraphs
    )


def parse_ttl(value: str | None) -> int | None:
    """RSS ``<ttl>`` minutes, or None when absent or not a non-negative integer."""
    if not value:
        return None
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        return None
    return int(value)
