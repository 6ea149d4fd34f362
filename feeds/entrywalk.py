"""Walk an lxml tree the way feedparser's handlers see it, for the fields we keep.

feedparser is event-driven: it keeps a depth counter, an ``xml:base`` stack and a
few flags, and its rules for which element wins depend on them. :class:`Walk`
replays the same start/end events over the lxml tree and applies the same rules to
the handful of elements that feed our fields (id, link, title, summary/content,
dates, author). Elements it does not emulate but feedparser treats specially make it
decline. Values go through :func:`fpcompat.fix_text`, as feedparser's do.
"""

from __future__ import annotations

import base64
import binascii
import copy
import html
import re

from lxml import etree

from .entrybuild import RawEntry
from .errors import FastPathDeclined
from .fpcompat import (
    HTML_TYPES,
    NAMESPACES,
    TEXT_TYPES,
    fix_text,
    looks_like_html,
    make_safe_absolute_uri,
    map_content_type,
    parse_date,
    urljoin,
)
from .model import MAX_ENTRIES, ParsedEntry, parse_ttl

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
XHTML_TYPE = "application/xhtml+xml"

ENTRY_TAGS = frozenset({"item", "entry"})
ID_TAGS = frozenset({"guid", "id"})
TITLE_TAGS = frozenset({"title", "dc:title", "media:title"})
DESCRIPTION_TAGS = frozenset({"description", "dc:description", "media:description"})
SUMMARY_TAGS = frozenset({"summary", "itunes:summary"})
CONTENT_TAGS = {"content": "text/plain", "content:encoded": "text/html", "fullitem": "text/html"}
BODY_TAGS = frozenset({"body", "xhtml:body"})  # inline XHTML content (no "has content" flag)
PUBLISHED_TAGS = frozenset({"pubdate", "published", "issued", "dcterms:issued"})
UPDATED_TAGS = frozenset({"updated", "modified", "lastbuilddate", "dc:date", "dcterms:modified"})
AUTHOR_TAGS = frozenset({"author", "managingeditor", "dc:author", "dc:creator", "itunes:author"})
# feedparser gives these a meaning we do not replay: let it handle the document.
DECLINE_TAGS = frozenset({"abstract", "image", "textinput"})

_EMAIL = re.compile(
    r"(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|"
    r"(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"
)
_LINK_ENTITY = re.compile(r"&([A-Za-z0-9_]+);")
_names: dict[tuple[str, str | None], str] = {}


def element_name(el: etree._Element) -> str:
    """feedparser's name for an element: standard prefix (or the document's) + lower local."""
    key = (el.tag, el.prefix)
    name = _names.get(key)
    if name is None:
        tag = el.tag
        if tag[0] == "{":
            ns, _, local = tag[1:].partition("}")
            ns = ns.lower()
            prefix = "" if "backend.userland.com/rss" in ns else NAMESPACES.get(ns)
            if prefix is None:
                prefix = el.prefix or ""
        else:
            prefix, local = "", tag
        local = local.lower()
        name = f"{prefix.lower()}:{local}" if prefix else local
        if len(_names) < 10_000:
            _names[key] = name
    return name


def _attrs(el: etree._Element) -> dict[str, str]:
    out = {k.lower(): v for k, v in el.attrib.items() if k[0] != "{"}
    for key in ("rel", "type"):
        if key in out:
            out[key] = out[key].lower()
    return out


def text_of(el: etree._Element) -> str:
    """The text of an element that should hold only text (markup means: decline)."""
    if not len(el):  # no children at all (the common case): its text is all there is
        return (el.text or "").strip()
    for child in el:
        if isinstance(child.tag, str):
            raise FastPathDeclined(f"markup inside <{element_name(el)}>")
    return "".join(el.itertext()).strip()


def xhtml_inner(el: etree._Element) -> str:
    """Atom ``type="xhtml"``: the markup inside the wrapping div, namespaces dropped."""
    children = [c for c in el if isinstance(c.tag, str)]
    target = el
    if (
        len(children) == 1
        and etree.QName(children[0]).localname == "div"
        and not (el.text or "").strip()
        and not (children[0].tail or "").strip()
    ):
        target = children[0]
    parts = [html.escape(target.text or "", quote=False)]
    for child in target:
        if not isinstance(child.tag, str):
            parts.append(html.escape(child.tail or "", quote=False))
            continue
        clone = copy.deepcopy(child)
        for node in clone.iter(etree.Element):
            node.tag = etree.QName(node).localname
            for key in [k for k in node.attrib if k[0] == "{"]:
                del node.attrib[key]
        etree.cleanup_namespaces(clone)
        parts.append(etree.tostring(clone, encoding="unicode", method="html", with_tail=True))
    return "".join(parts).strip()


class Walk:
    """Replays feedparser's event rules over one document."""

    def __init__(self, *, is_atom: bool, base: str = "") -> None:
        self.is_atom = is_atom
        self.depth = 0
        self.base = base
        self.base_stack: list[str] = []
        self.title_depth = -1
        self.entry: RawEntry | None = None
        self.entry_el: etree._Element | None = None
        self.feed_el: etree._Element | None = None
        self.entries: list[ParsedEntry] = []  # the first MAX_ENTRIES
        self.entry_count = 0
        self.feed_title: str | None = None
        self.feed_title_is_html = False
        self.feed_link: str | None = None
        self.feed_ttl: int | None = None

    def run(self, root: etree._Element) -> None:
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, el in walker:
            if not isinstance(el.tag, str):
                continue
            if event == "start":
                if self._start(el):
                    walker.skip_subtree()
            else:
                self._end(el)

    # -- events ------------------------------------------------------------

    def _start(self, el: etree._Element) -> bool:
        """Handle a start tag; True means its subtree was consumed here."""
        self.depth += 1
        xml_base = el.get(XML_BASE) or el.get("base")
        if xml_base:
            if self.base:
                self.base = make_safe_absolute_uri(self.base, xml_base) or self.base
            else:
                self.base = urljoin(self.base, xml_base)
        self.base_stack.append(self.base)
        name = element_name(el)
        if self.entry is not None:
            return self._entry_child(el, name)
        if name in ENTRY_TAGS:
            self.entry = RawEntry()
            self.entry_el = el
            self.title_depth = -1
            about = el.get(RDF_ABOUT)
            if about:
                self.entry.id = about
            return False
        if name in ("channel", "feed"):
            self.feed_el = el
        elif self.feed_el is not None and el.getparent() is self.feed_el:
            return self._feed_child(el, name)
        return False

    def _end(self, el: etree._Element) -> None:
        if el is self.entry_el and self.entry is not None:
            self.entry_count += 1
            if len(self.entries) < MAX_ENTRIES:
                self.entries.append(self.entry.build())
            self.entry = None
            self.entry_el = None
        if self.base_stack:
            self.base_stack.pop()
            if self.base_stack and self.base_stack[-1]:
                self.base = self.base_stack[-1]
        self.depth -= 1

    # -- feed level ----------------------------------------------------------

    def _feed_child(self, el: etree._Element, name: str) -> bool:
        if name in ("title", "dc:title") and not self.feed_title:
            self.feed_title, ctype = self._typed_value(el, "text/plain")
            self.feed_title_is_html = ctype in HTML_TYPES
        elif name == "link":
            attrs = _attrs(el)
            href = _href(attrs)
            if href is not None:
                if _is_alternate_html(attrs):
                    self.feed_link = urljoin(self.base, href)
            else:
                value = text_of(el)
                self.feed_link = fix_text(urljoin(self.base, value) if value else value)
        elif name == "ttl":
            self.feed_ttl = parse_ttl(text_of(el))
        return True

    # -- entry level ---------------------------------------------------------

    def _entry_child(self, el: etree._Element, name: str) -> bool:
        entry = self.entry
        assert entry is not None
        if name in ENTRY_TAGS:
            raise FastPathDeclined("an entry inside an entry")
        if name in DECLINE_TAGS:
            raise FastPathDeclined(f"<{name}> inside an entry")
        if name == "source":
            self.title_depth = -1
        elif name in ID_TAGS:
            self._id(el, entry)
        elif name == "link":
            self._link(el, entry)
        elif name in TITLE_TAGS:
            self._title(el, entry, name)
        elif name in DESCRIPTION_TAGS:
            self._summary_or_content(el, entry, "text/html")
        elif name in SUMMARY_TAGS:
            self._summary_or_content(el, entry, "text/plain")
        elif name in CONTENT_TAGS:
            self._content(el, entry, CONTENT_TAGS[name])
        elif name in BODY_TAGS:
            self._content(el, entry, XHTML_TYPE, flag=False)
        elif name in PUBLISHED_TAGS:
            entry.published = parse_date(fix_text(text_of(el)))
        elif name in UPDATED_TAGS:
            entry.updated = parse_date(fix_text(text_of(el)))
        elif name in AUTHOR_TAGS:
            self._author(el, entry)
        else:
            return False
        return True

    def _id(self, el: etree._Element, entry: RawEntry) -> None:
        is_link = _attrs(el).get("ispermalink", "true") == "true"
        value = text_of(el)
        if value and is_link:
            value = urljoin(self.base, value)
        value = fix_text(value)
        if entry.id_depth is None or self.depth <= entry.id_depth:
            entry.id = value
            entry.id_depth = self.depth
        if is_link and entry.link is None:
            entry.link = value

    def _link(self, el: etree._Element, entry: RawEntry) -> None:
        attrs = _attrs(el)
        href = _href(attrs)
        if href is not None:
            if _is_alternate_html(attrs):
                entry.link = urljoin(self.base, href)
            return
        value = text_of(el)
        if value:
            value = urljoin(self.base, value)
        value = fix_text(value).replace("&amp;", "&")
        entry.link = _LINK_ENTITY.sub(r"&\g<1>", value)

    def _typed_value(self, el: etree._Element, default: str) -> tuple[str, str]:
        attrs = _attrs(el)
        ctype = map_content_type(attrs.get("type", default))
        if ctype == XHTML_TYPE:
            value = xhtml_inner(el)
        else:
            value = text_of(el)
            if attrs.get("mode") == "base64" or not _is_textual(ctype):
                value = _maybe_base64(value)
        if not self.is_atom and ctype == "text/plain" and looks_like_html(value):
            ctype = "text/html"
        return fix_text(value), ctype

    def _title(self, el: etree._Element, entry: RawEntry, name: str) -> None:
        value, ctype = self._typed_value(el, "text/plain")
        before = self.title_depth
        if not (-1 < self.title_depth <= self.depth):
            if entry.title_depth is None or self.depth <= entry.title_depth:
                entry.title = value
                entry.title_depth = self.depth
            entry.title_type = ctype
        if value:
            self.title_depth = self.depth
        if name == "media:title":
            self.title_depth = before

    def _summary_or_content(self, el: etree._Element, entry: RawEntry, default: str) -> None:
        if entry.summary is not None and not entry.has_content:
            self._content(el, entry, "text/plain")
            return
        value, ctype = self._typed_value(el, default)
        if entry.summary_depth is None or self.depth <= entry.summary_depth:
            entry.summary = value
            entry.summary_depth = self.depth
            entry.summary_base = self.base or None
        entry.summary_type = ctype

    def _content(
        self, el: etree._Element, entry: RawEntry, default: str, *, flag: bool = True
    ) -> None:
        entry.has_content = entry.has_content or flag
        value, ctype = self._typed_value(el, default)
        entry.contents.append((value, ctype, self.base or None))
        if ctype in TEXT_TYPES and entry.summary is None:
            entry.summary = value
            entry.summary_base = self.base or None

    def _author(self, el: etree._Element, entry: RawEntry) -> None:
        if entry.author is not None:
            return
        if any(isinstance(c.tag, str) for c in el):
            name = email = None
            for child in el:
                if not isinstance(child.tag, str):
                    continue
                child_name = element_name(child).rpartition(":")[2]
                if child_name == "name" and name is None:
                    name = fix_text("".join(child.itertext()).strip())
                elif child_name == "email" and email is None:
                    email = fix_text("".join(child.itertext()).strip())
            entry.author = name or email
            return
        entry.author = author_name(fix_text(text_of(el)))


def author_name(text: str) -> str | None:
    """feedparser's split of ``joe@example.com (Joe Bloggs)`` into the name (or the email)."""
    match = _EMAIL.search(text)
    if not match:
        return text or None
    email = match.group(0)
    name = text.replace(email, "").replace("()", "").replace("<>", "").replace("&lt;&gt;", "")
    name = name.strip()
    if name and name[0] == "(":
        name = name[1:]
    if name and name[-1] == ")":
        name = name[:-1]
    return name.strip() or email


def _is_textual(ctype: str) -> bool:
    return ctype.startswith("text/") or ctype.endswith(("+xml", "/xml"))


def _maybe_base64(value: str) -> str:
    """feedparser decodes non-text content as base64, keeping the text when that fails."""
    try:
        return base64.decodebytes(value.encode("utf-8")).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value


def _href(attrs: dict[str, str]) -> str | None:
    href = attrs.get("url", attrs.get("uri", attrs.get("href")))
    if href:
        return href
    return attrs.get("href")


def _is_alternate_html(attrs: dict[str, str]) -> bool:
    rel = attrs.get("rel", "alternate")
    ctype = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html")
    return rel == "alternate" and map_content_type(ctype) in HTML_TYPES
