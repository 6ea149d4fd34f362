"""ParsedFeed -> IncomingItems: clean text, UTC instants, sanitized HTML, identity, hash.

Pure: no I/O, the clock comes in as ``now``. Choices worth knowing:

- Dates become UTC instants. ``published_at`` falls back to the entry's updated date
  (RSS 1.0 and many Atom feeds only have ``dc:date``/``updated``). A date more than
  two days after ``now`` is dropped (None), not clamped: the item then sorts by when
  it was first seen, and we do not invent a date. Unparseable dates, and dates at or
  before 1970-01-01 (a common "unknown" placeholder), are None too.
- HTML is sanitized by our allow-list (see :mod:`feeds.htmltext`), relative URLs
  resolved against the content's xml:base, else the entry link, else the feed URL.
  ``content_text`` is derived from the sanitized HTML. A title-less entry takes the
  start of its text as title.
- ``summary`` is the entry's own summary as one line of plain text when it also has
  separate content that does not simply start with it, else None.
- Identity (``guid_key``) per feed: the entry id, else its link as written, else
  ``sha256:`` of title and date. Within one document the first holder of a key
  keeps it; later ones get ``key#content_hash``, which is the same on every poll.
- ``content_hash`` is sha256 of title, link and text: a new date alone is no revision.
- Every stored string passes :func:`store.text.clean_text`; lengths are capped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from store.clock import instant
from store.models import IncomingItem
from store.text import clean_text

from .htmltext import html_to_text, is_http_url, sanitize_html, sanitized_to_text
from .model import ParsedEntry, ParsedFeed

__all__ = ["feed_site_url", "feed_title", "normalize", "normalize_entry"]

MAX_TITLE = 1_000
MAX_DERIVED_TITLE = 120
MAX_AUTHOR = 500
MAX_URL = 2_048
MAX_KEY = 1_000
MAX_SUMMARY = 2_000
MAX_HTML_IN = 2_000_000  # characters of raw HTML we sanitize
MAX_TEXT = 1_000_000  # characters of plain text we keep
FUTURE_SLACK = timedelta(days=2)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # and earlier: placeholders, not dates
# An absolute http(s) URL in the plain shape most links have: lower-case scheme, a host
# name, no spaces or controls, no ';' params and no empty '?' or '#'. For these the slow
# path (clean, urljoin, urlsplit) returns the link itself; it is an eighth of the cost.
_PLAIN_ABSOLUTE = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?"
    r"(?:/[^\s?#;\\\x00-\x1f\x7f-\x9f]*)?"
    r"(?:\?[^\s#;\\\x00-\x1f\x7f-\x9f]+)?"
    r"(?:#[^\s\\\x00-\x1f\x7f-\x9f]+)?"
)


def normalize(feed: ParsedFeed, *, feed_url: str, now: datetime) -> list[IncomingItem]:
    """All entries of one document, with unique guid keys, in document order."""
    if now.tzinfo is None:
        raise ValueError("normalize needs an aware 'now'")
    items: list[IncomingItem] = []
    seen: set[str] = set()
    for entry in feed.entries:
        item = normalize_entry(entry, feed_url=feed_url, now=now)
        if item.guid_key in seen:
            key = f"{item.guid_key}#{item.content_hash}"
            if key in seen:
                continue  # the very same entry twice: nothing new to store
            item = replace(item, guid_key=key)
        seen.add(item.guid_key)
        items.append(item)
    return items


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"


def _clean(value: str | None) -> str:
    """:func:`clean_text` for str, without its passes when there is nothing to clean."""
    if not value:
        return ""
    if value.isascii():  # the common case, and a byte-level test is 4× faster
        if value.encode("ascii").translate(None, _PRINTABLE_ASCII):
            return clean_text(value)  # a control character (or \r) to remove
        return value
    # Every character clean_text removes or rewrites (C0 but \t \n, \r, DEL, C1, lone
    # surrogates) is unprintable; with \t and \n set aside, a printable string is clean.
    if value.replace("\n", "").replace("\t", "").isprintable():
        return value
    return clean_text(value)


def _clean_line(value: str | None) -> str:
    """:func:`clean_line`, by way of :func:`_clean`."""
    if not value:
        return ""
    if value.isprintable() and "  " not in value and value[0] != " " and value[-1] != " ":
        return value  # clean, and no whitespace but single inner spaces: nothing to do
    return " ".join(_clean(value).split())


def normalize_entry(entry: ParsedEntry, *, feed_url: str, now: datetime) -> IncomingItem:
    url = absolute_http_url(entry.link, feed_url)
    source_html = entry.content_html or entry.summary_html
    # The content's xml:base, else the entry's link (already an http(s) URL), else the feed's.
    if entry.base and is_http_url(entry.base):
        base = entry.base
    else:
        base = url or (feed_url if feed_url and is_http_url(feed_url) else None)
    content_html = _clean(sanitize_html(source_html[:MAX_HTML_IN], base)) if source_html else ""
    content_text = _clean(sanitized_to_text(content_html))[:MAX_TEXT] if content_html else ""
    summary = _summary(entry, content_text)
    own_title = clean_title(entry.title, is_html=entry.title_is_html)
    title = own_title or derived_title(content_text)
    updated = to_instant(entry.updated, now)
    published = to_instant(entry.published, now) or updated
    content_hash = hashlib.sha256(f"{title}\n{url or ''}\n{content_text}".encode()).hexdigest()
    return IncomingItem(
        guid_key=guid_key(entry, own_title, published),
        url=url,
        title=title,
        author=_clean_line(entry.author)[:MAX_AUTHOR] or None,
        published_at=published,
        updated_at=updated,
        summary=summary,
        content_html=content_html or None,
        content_text=content_text,
        content_hash=content_hash,
    )


def _summary(entry: ParsedEntry, content_text: str) -> str | None:
    """The entry's own summary on one line, unless the content is all there is or says it."""
    if not entry.content_html or not entry.summary_html:
        return None
    if entry.content_html.startswith(entry.summary_html.strip()):
        return None  # a teaser cut from the content, markup and all: a string test is enough
    # Text only, so no sanitizing pass: the converter keeps text nodes, never markup,
    # and skips script/style content.
    text = _clean_line(html_to_text(entry.summary_html[: MAX_SUMMARY * 8]))[:MAX_SUMMARY]
    if not text or _starts_content(content_text, text):
        return None
    return text


def _starts_content(content_text: str, summary_text: str) -> bool:
    """The summary's first 200 characters open the content (on one line)."""
    return _clean_line(content_text[: len(summary_text) * 2]).startswith(summary_text[:200])


def guid_key(entry: ParsedEntry, title: str, published: str | None) -> str:
    key = _clean_line(entry.id) or _clean_line(entry.link)
    if not key:
        key = "sha256:" + hashlib.sha256(f"{title}\n{published or ''}".encode()).hexdigest()
    if len(key) > MAX_KEY:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def clean_title(raw: str | None, *, is_html: bool) -> str:
    if not raw:
        return ""
    text = html_to_text(raw[: MAX_TITLE * 8]) if is_html else raw
    return _clean_line(text)[:MAX_TITLE]


def derived_title(text: str) -> str:
    line = next((ln for ln in text.split("\n") if ln.strip()), "")
    line = _clean_line(line.removeprefix("- "))
    if len(line) <= MAX_DERIVED_TITLE:
        return line
    cut = line[:MAX_DERIVED_TITLE].rsplit(" ", 1)[0] or line[:MAX_DERIVED_TITLE]
    return cut + "…"


def to_instant(when: datetime | None, now: datetime) -> str | None:
    """UTC instant text; None for no date, a date in the far future, or before 1970."""
    if when is None or when.tzinfo is None:
        return None
    try:
        if when > now + FUTURE_SLACK or when <= EPOCH:
            return None
        return instant(when)
    except (OverflowError, ValueError):
        return None


def absolute_http_url(link: str | None, base: str | None) -> str | None:
    """``link`` made absolute against ``base``; only http(s) URLs with a host survive."""
    if not link:
        return None
    if len(link) <= MAX_URL and _PLAIN_ABSOLUTE.fullmatch(link):
        return link
    link = "".join(_clean(link).split("\n")).strip().replace(" ", "%20").replace("\t", "")
    if not link:
        return None
    try:
        url = urljoin(base, link) if base and is_http_url(base) else link
    except ValueError:
        return None
    if len(url) > MAX_URL or not is_http_url(url):
        return None
    return url


def feed_title(feed: ParsedFeed) -> str | None:
    return clean_title(feed.title, is_html=feed.title_is_html) or None


def feed_site_url(feed: ParsedFeed, feed_url: str) -> str | None:
    return absolute_http_url(feed.site_url, feed_url)
