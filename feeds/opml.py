"""OPML subscription lists: read safely, write OPML 2.0. Pure: bytes in, values out.

Reading uses lxml with entity resolution, DTD loading and network access off (an
OPML file from elsewhere is as untrusted as a feed). Every ``<outline>`` with an
``xmlUrl`` counts, at any depth: folders are just nesting.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from store.text import clean_line

from .errors import FeedError

MAX_OPML_BYTES = 20 * 1024 * 1024
# Characters XML 1.0 cannot carry at all (clean text already has no C0 but \t \n).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class OPMLError(FeedError):
    """The file is not an OPML document we can read."""


@dataclass(frozen=True, slots=True)
class Subscription:
    url: str
    title: str | None
    site_url: str | None = None


def read_opml(data: bytes) -> list[Subscription]:
    """Every outline with an ``xmlUrl``, in document order (duplicates included)."""
    if len(data) > MAX_OPML_BYTES:
        raise OPMLError(f"OPML file larger than {MAX_OPML_BYTES // (1024 * 1024)} MiB")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise OPMLError(f"not a readable OPML file: {clean_line(str(exc))}") from None
    dtd = root.getroottree().docinfo.internalDTD if root is not None else None
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise OPMLError("refusing an OPML file that declares XML entities")
    if root is None or etree.QName(root).localname.lower() != "opml":
        raise OPMLError("not an OPML file (the root element is not <opml>)")
    found: list[Subscription] = []
    for outline in root.iter():
        if not isinstance(outline.tag, str) or etree.QName(outline).localname != "outline":
            continue
        attrs = {k.lower(): v for k, v in outline.attrib.items() if isinstance(k, str)}
        url = (attrs.get("xmlurl") or "").strip()
        if not url:
            continue
        title = clean_line(attrs.get("title") or attrs.get("text")) or None
        site = clean_line(attrs.get("htmlurl")) or None
        found.append(Subscription(url=url, title=title, site_url=site))
    return found


def _attr(value: str) -> str:
    return quoteattr(_NOT_XML.sub("", value), {"\n": "&#10;", "\t": "&#9;", "\r": "&#13;"})


def write_opml(subs: Iterable[Subscription], title: str = "triage subscriptions",
               now: dt.datetime | None = None) -> str:
    """An OPML 2.0 document (text; encode as UTF-8)."""
    now = now or dt.datetime.now(dt.UTC)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(_NOT_XML.sub('', title))}</title>",
        f"    <dateCreated>{email.utils.format_datetime(now, usegmt=True)}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    for sub in subs:
        text = sub.title or sub.url
        attrs = f"type=\"rss\" text={_attr(text)} title={_attr(text)} xmlUrl={_attr(sub.url)}"
        if sub.site_url:
            attrs += f" htmlUrl={_attr(sub.site_url)}"
        lines.append(f"    <outline {attrs}/>")
    lines += ["  </body>", "</opml>"]
    return "\n".join(lines) + "\n"
