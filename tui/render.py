"""Feed HTML to terminal text, safe links, and revision diffs. Pure functions.

The body comes in as sanitized HTML (``content_html``); we walk it with selectolax and
build a :class:`textual.content.Content` directly from text and styles, so nothing from
the feed is ever parsed as markup. Every text node goes through ``display_safe``.
Links are listed by number at the end; opening one goes through :func:`safe_url`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from textual.content import Content

from store.text import display_safe

from .links import host_of, safe_url

MAX_HTML = 300_000  # characters of HTML rendered; the rest is cut with a note
_SPACES = re.compile(r"\s+")
_BULLET = re.compile(r"(?:\d+\. |• )$")
BLOCKS = {"p", "div", "section", "article", "header", "footer", "main", "figure", "figcaption",
          "table", "tr", "dl", "dt", "dd", "aside", "details", "summary", "center"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SKIP = {"script", "style", "head", "title", "noscript", "template", "svg", "math", "iframe"}
INLINE_STYLE = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
                "code": "$text-warning", "kbd": "$text-warning", "mark": "reverse", "s": "strike",
                "del": "strike", "sup": "", "sub": ""}


@dataclass
class _Builder:
    lines: list[Content] = field(default_factory=list)
    spans: list[tuple[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    prefix: str = ""
    prefix_style: str = ""

    def text(self, value: str, style: str = "") -> None:
        if value:
            self.spans.append((value, style))

    def flush(self, block_style: str = "", keep_space: bool = False) -> None:
        if not self.spans:
            return
        if keep_space:
            parts = self.spans
        else:
            parts, last_space = [], True
            for value, style in self.spans:
                value = _SPACES.sub(" ", value)
                if last_space:
                    value = value.lstrip(" ")
                if value:
                    parts.append((value, style))
                    last_space = value.endswith(" ")
            if parts:
                parts[-1] = (parts[-1][0].rstrip(" "), parts[-1][1])
        self.spans = []
        if not any(v for v, _ in parts):
            return
        line = Content.assemble((self.prefix, self.prefix_style), *parts)
        if block_style:
            line = line.stylize(block_style)
        self.lines.append(line)

    def gap(self) -> None:
        if self.lines and self.lines[-1].plain != "":
            self.lines.append(Content(""))


def _walk(node, b: _Builder, style: str = "", pre: bool = False, depth: int = 0) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            text = display_safe(child.text_content or "")
            b.text(text.expandtabs(4) if pre else text, style)
        elif tag in SKIP or tag == "-comment":
            continue
        elif tag == "br":
            b.flush(keep_space=pre)
        elif tag in HEADINGS:
            b.flush()
            b.gap()
            _walk(child, b, "bold", pre, depth)
            b.flush("bold $text-accent" + (" underline" if tag in ("h1", "h2") else ""))
            b.gap()
        elif tag in ("ul", "ol"):
            b.flush()
            _list(child, b, ordered=tag == "ol", depth=depth)
            if depth == 0:
                b.gap()
        elif tag == "blockquote":
            b.flush()
            saved = (b.prefix, b.prefix_style)
            b.prefix, b.prefix_style = b.prefix + "▌ ", "$text-muted"
            _walk(child, b, style + " italic", pre, depth)
            b.flush()
            b.prefix, b.prefix_style = saved
            b.gap()
        elif tag == "pre":
            b.flush()
            for line in display_safe(child.text(deep=True) or "").expandtabs(4).split("\n"):
                b.lines.append(Content.assemble((b.prefix, b.prefix_style),
                                                ("  " + line, "$text-warning")))
            b.gap()
        elif tag == "a":
            href = (child.attributes.get("href") or "").strip()
            _walk(child, b, style + " underline", pre, depth)
            if href:
                b.links.append(href)
                b.text(f"[{len(b.links)}]", "$text-accent")
        elif tag == "img":
            alt = display_safe(child.attributes.get("alt") or "", one_line=True)
            b.text(f"[image{': ' + alt if alt else ''}]", "$text-muted")
        elif tag == "hr":
            b.flush()
            b.lines.append(Content.styled("─" * 20, "$text-muted"))
        elif tag in ("td", "th"):
            _walk(child, b, style + (" bold" if tag == "th" else ""), pre, depth)
            b.text(" │ ", "$text-muted")
        elif tag in BLOCKS:
            b.flush()
            _walk(child, b, style, pre, depth)
            b.flush()
            if tag in ("p", "table", "figure"):
                b.gap()
        else:
            extra = INLINE_STYLE.get(tag, "")
            _walk(child, b, f"{style} {extra}".strip(), pre, depth)


def _list(node, b: _Builder, ordered: bool, depth: int) -> None:
    number = 0
    saved = (b.prefix, b.prefix_style)
    base = _BULLET.sub(lambda m: " " * len(m.group()), saved[0]) if depth else saved[0]
    for child in node.iter(include_text=False):
        if child.tag != "li":
            continue
        number += 1
        bullet = f"{number}. " if ordered else "• "
        b.prefix = base + bullet
        b.prefix_style = "$text-accent"
        _walk(child, b, "", False, depth + 1)
        b.flush()
    b.prefix, b.prefix_style = saved


def html_to_content(html: str | None, fallback_text: str = "") -> tuple[Content, list[str]]:
    """The body as Content, and the body's links in the order they are numbered."""
    b = _Builder()
    if html and html.strip():
        from selectolax.lexbor import LexborHTMLParser

        cut = len(html) - MAX_HTML
        tree = LexborHTMLParser(html[:MAX_HTML])
        if tree.body is not None:
            _walk(tree.body, b)
            b.flush()
        if cut > 0:
            b.lines.append(Content.styled(f"… ({cut:,} more characters not shown)", "italic"))
    if not b.lines and fallback_text:
        for para in display_safe(fallback_text[:MAX_HTML]).split("\n\n"):
            b.lines.append(Content(para.strip()))
            b.gap()
    while b.lines and b.lines[-1].plain == "":
        b.lines.pop()
    return Content("\n").join(b.lines), b.links


def links_section(links: list[str]) -> Content:
    """The numbered list of links at the end of the body; the host comes first."""
    lines = [Content.styled("Links", "bold")]
    for n, href in enumerate(links, 1):
        ok = safe_url(href) is not None
        host = host_of(href) if ok else "not openable"
        lines.append(Content.assemble(
            (f"[{n}] ", "$text-accent"), (host, "bold" if ok else "$text-error"), "  ",
            (display_safe(href, one_line=True)[:300], "$text-muted"),
        ))
    return Content("\n").join(lines)


def diff_content(old: str, new: str, old_label: str, new_label: str) -> Content:
    """A unified diff of two texts, + and - lines coloured; feed text stays literal."""
    import difflib

    diff = difflib.unified_diff(
        display_safe(old).splitlines(), display_safe(new).splitlines(),
        fromfile=old_label, tofile=new_label, lineterm="", n=2,
    )
    lines = []
    for line in diff:
        if line.startswith(("+++", "---")):
            lines.append(Content.styled(line, "bold"))
        elif line.startswith("+"):
            lines.append(Content.styled(line, "$text-success"))
        elif line.startswith("-"):
            lines.append(Content.styled(line, "$text-error"))
        elif line.startswith("@@"):
            lines.append(Content.styled(line, "$text-accent"))
        else:
            lines.append(Content(line))
    return Content("\n").join(lines) if lines else Content("No difference in the text.")
