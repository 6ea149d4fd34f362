"""One entry as both XML parsers see it, and the one place it becomes a ParsedEntry.

The fast path fills a :class:`RawEntry` while it walks; the feedparser mapping fills
one from feedparser's result. :meth:`RawEntry.build` then makes the same choices for
both: which content wins, what is HTML, what is text to escape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .fpcompat import HTML_TYPES, TEXT_TYPES
from .model import ParsedEntry, text_to_html


@dataclass(slots=True)
class RawEntry:
    id: str | None = None
    id_depth: int | None = None
    link: str | None = None
    title: str | None = None
    title_depth: int | None = None
    title_type: str = "text/plain"
    summary: str | None = None
    summary_depth: int | None = None
    summary_type: str | None = None  # None: copied from a content element
    summary_base: str | None = None
    contents: list[tuple[str, str, str | None]] = field(default_factory=list)
    has_content: bool = False
    published: datetime | None = None
    updated: datetime | None = None
    author: str | None = None

    def build(self) -> ParsedEntry:
        content_html = base = None
        for value, ctype, content_base in self.contents:
            if ctype in TEXT_TYPES and value.strip():
                content_html, base = as_html(value, ctype), content_base
                break
        summary_html = None
        if self.summary:
            ctype = self.summary_type or _first_text_type(self.contents)
            summary_html = as_html(self.summary, ctype)
            if content_html is None:
                base = self.summary_base
        return ParsedEntry(
            id=self.id or None,
            link=self.link or None,
            title=self.title or None,
            title_is_html=self.title_type in HTML_TYPES,
            author=self.author or None,
            published=self.published,
            updated=self.updated,
            summary_html=summary_html or None,
            content_html=content_html or None,
            base=base or None,
        )


def as_html(value: str, ctype: str) -> str:
    return value if ctype in HTML_TYPES else text_to_html(value)


def _first_text_type(contents: list[tuple[str, str, str | None]]) -> str:
    for _value, ctype, _base in contents:
        if ctype in TEXT_TYPES:
            return ctype
    return "text/html"
