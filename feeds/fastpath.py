"""The fast path: lxml on well-formed RSS 2.0 / Atom 1.0 / RSS 1.0, feedparser's rules.

It reads the same elements feedparser reads for the fields we keep, with the same
precedence (first non-empty title, last date wins, a second ``<description>`` is
content, a ``guid`` doubles as the link, ...), so that both parsers normalize to the
same items. Anything odd raises :class:`FastPathDeclined` and the caller falls back
to feedparser: a DOCTYPE or entity declarations, encoding doubts, an unknown root,
a parse error, markup where text was expected.

The XML parser never resolves entities, loads a DTD, touches the network or lifts
libxml2's size limits.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from lxml import etree

from .entrywalk import Walk, element_name
from .errors import FastPathDeclined
from .model import MAX_ENTRIES, ParsedFeed

__all__ = ["FastPathDeclined", "parse_fast"]

ATOM_NS = "http://www.w3.org/2005/Atom"
RSS10_NS = "http://purl.org/rss/1.0/"
RSS090_NS = "http://my.netscape.com/rdf/simple/0.9/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

_XML_DECL = re.compile(rb"<\?xml\s[^>]*?\bencoding\s*=\s*[\"']\s*([A-Za-z0-9._:\-]+)\s*[\"']")
_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)
_WIDE_BOMS = (codecs.BOM_UTF32_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)


def parse_fast(body: bytes, headers: Mapping[str, str]) -> ParsedFeed:
    """Parse a plain, well-formed RSS/Atom/RDF document, or raise FastPathDeclined."""
    headers = {k.lower(): v for k, v in headers.items()}
    check_encoding(body, headers)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise FastPathDeclined(f"not well-formed XML: {_one_line(exc)}") from None
    if root is None:
        raise FastPathDeclined("no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise FastPathDeclined("document has a DOCTYPE")
    kind = _kind(root)
    walk = Walk(is_atom=kind == "atom10", base=headers.get("content-location", ""))
    walk.run(root)
    entries = tuple(walk.entries)
    warnings = ()
    if walk.entry_count > MAX_ENTRIES:
        warnings = (f"kept the first {MAX_ENTRIES} of {walk.entry_count} entries",)
    return ParsedFeed(
        title=walk.feed_title,
        site_url=walk.feed_link,
        ttl_minutes=walk.feed_ttl,
        entries=entries,
        parser="fast",
        warnings=warnings,
        title_is_html=walk.feed_title_is_html,
    )


def _kind(root: etree._Element) -> str:
    name = element_name(root)
    if name == "rss" and not root.tag.startswith("{"):
        return "rss"  # 0.91 to 2.0: the same elements for what we keep
    if root.tag == f"{{{ATOM_NS}}}feed":
        return "atom10"
    if root.tag == f"{{{RDF_NS}}}RDF":
        if root.find(f"{{{RSS10_NS}}}channel") is not None:
            return "rss10"
        if root.find(f"{{{RSS090_NS}}}channel") is not None:
            return "rss090"
    raise FastPathDeclined(f"unknown root element {root.tag[:80]!r}")


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def _same_in_both(codec: str) -> bool:
    """Single-byte, ASCII-based encodings Python and libxml2/iconv decode alike.

    Multi-byte East Asian codecs differ in a few mappings (Shift_JIS 0x5C, GB2312 read
    as GB18030 by feedparser, ...): those documents go to feedparser.
    """
    return codec in ("utf-8", "ascii", "koi8-r", "koi8-u") or codec.startswith(
        ("iso8859-", "cp125")
    )


def check_encoding(body: bytes, headers: Mapping[str, str]) -> None:
    """Decline when lxml and feedparser could read the bytes as different text."""
    if body.startswith(_WIDE_BOMS) or body[:2] in (b"\x00<", b"<\x00"):
        raise FastPathDeclined("UTF-16/32 document")
    has_bom = body.startswith(codecs.BOM_UTF8)
    head = body[3:200] if has_bom else body[:200]
    match = _XML_DECL.match(head)
    declared = None
    if match:
        declared = _codec(match.group(1).decode("ascii"))
        if declared is None or not _same_in_both(declared):
            raise FastPathDeclined(f"declared encoding {match.group(1)[:40]!r}")
        if has_bom and declared != "utf-8":
            raise FastPathDeclined("UTF-8 byte-order mark but another declared encoding")
    content_type = headers.get("content-type", "")
    charset_match = _CHARSET.search(content_type)
    http = None
    if charset_match:
        http = _codec(charset_match.group(1))
        if http is None or not _same_in_both(http):
            raise FastPathDeclined(f"charset {charset_match.group(1)[:40]!r}")
        if declared and http != declared:
            raise FastPathDeclined(f"charset {http} disagrees with declared {declared}")
    if declared or body.isascii():
        return
    # No declaration and non-ASCII bytes: lxml reads UTF-8, feedparser may not.
    if http not in (None, "utf-8"):
        raise FastPathDeclined(f"undeclared document with charset {http}")
    media = content_type.split(";", 1)[0].strip().lower()
    if http is None and (media.startswith("text/") or (headers and not media)):
        raise FastPathDeclined("undeclared non-ASCII document without a charset")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise FastPathDeclined("undeclared document that is not UTF-8") from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
