"""The normalizer's shortcuts give exactly what the general code gives.

Three places in ``feeds/`` skip work on the common case to save parser CPU (the cold
import's budget): the plain-text converter for sanitized HTML (no tree parse), plain
absolute links (no urljoin), and the ASCII test in ``_clean``. Each is checked here
against the general code on the third-party corpus and on crafted edge cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import normalize as norm
from feeds.errors import ParseError
from feeds.htmltext import ALLOWED_TAGS, html_to_text, sanitize_html, sanitized_to_text
from feeds.parse import parse_document
from store.text import clean_text

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
BASE = "https://example.org/feed/"


def _corpus_entries():
    if not CORPUS.is_dir():
        pytest.skip(f"feed corpus not found at {CORPUS}")
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or path.suffix not in (".xml", ".rss", ".atom", ".rdf", ""):
            continue
        try:
            feed = parse_document(path.read_bytes()[:3_000_000], {})
        except ParseError:
            continue
        yield from ((path, entry) for entry in feed.entries)


# ---- sanitized HTML to text --------------------------------------------------------------

CRAFTED = [
    "<p>One  <b>two</b>\n three</p><ul><li>a</li><li>b <i>c</i></li></ul>",
    "<p>x<br>y<br><br>z</p><p>a<br> <br>b</p><br><br><br>c",
    "<pre>\nfirst line kept, the opening newline is not</pre><pre>\n\ntwo</pre>",
    "<pre><code>  keep   this\n    indent</code></pre>after <pre>a</pre>b",
    '<a title="x > y" href="https://e.org/?a=1&amp;b=2">quoted &gt; in an attribute</a>',
    "<table><tbody><tr><td colspan=\"2\">a</td><th>b</th></tr><tr><td>c</td></tr></tbody></table>",
    "<dl><dt>term</dt><dd>def</dd></dl><h2>Head</h2><hr>text<figure><figcaption>cap</figcaption></figure>",
    "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &nbsp;non&nbsp;&nbsp;breaking\u00a0 ",
    "<blockquote><p>nested <em><strong>inline</strong></em></p><ol><li><p>para in li</p></li></ol></blockquote>",
    "  \n leading and trailing \t ",
    "plain text, no markup at all",
    "<p>\u200bzero width\u2028line sep\u2003em space</p>",
]


@pytest.mark.parametrize("raw", CRAFTED)
def test_sanitized_text_matches_the_tree_walk_on_crafted_html(raw: str) -> None:
    html = norm._clean(sanitize_html(raw, BASE))
    assert sanitized_to_text(html) == html_to_text(html)


def test_sanitized_text_keeps_the_opening_newline_rule_of_pre() -> None:
    # The sanitizer writes "<pre>\n\nx</pre>" as "<pre>\nx</pre>"; an HTML parser drops
    # that newline again on reading, and the shortcut must too (else a blank first line).
    assert sanitize_html("<pre>\n\nx</pre>", BASE) == "<pre>\nx</pre>"
    for html, text in (("<pre>\nx</pre>", "x"), ("<p>a</p><pre>\n  x\n</pre>", "a\n\n  x"),
                       ("<pre><b>\nbold</b></pre>", "bold")):
        assert sanitized_to_text(html) == html_to_text(html) == text, html


def test_unexpected_markup_goes_to_the_tree_walk() -> None:
    # Not our sanitizer's output: a comment, a bare '<', a tag with non-text content.
    for html in ("<p>a<!-- c -->b</p>", "<p>a < b</p>", "<p>a<script>x()</script>b</p>",
                 "<p>a<svg><text>no</text></svg>b</p>"):
        assert sanitized_to_text(html) == html_to_text(html), html


def test_sanitized_text_matches_the_tree_walk_on_the_corpus() -> None:
    checked = 0
    for path, entry in _corpus_entries():
        for raw in (entry.content_html, entry.summary_html):
            if raw:
                html = norm._clean(sanitize_html(raw[:200_000], BASE))
                assert sanitized_to_text(html) == html_to_text(html), (path, html[:300])
                checked += 1
    assert checked > 3_000


_TAGS = sorted(ALLOWED_TAGS) + ["script", "style", "pre", "li", "td"]


@st.composite
def _html(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "tag", "void", "entity"] if depth < 3 else ["text"]))
        if kind == "text":
            parts.append(draw(st.text(st.sampled_from("ab <>&\n\t\u00a0\r\"'="), max_size=8)))
        elif kind == "entity":
            parts.append(draw(st.sampled_from(["&amp;", "&lt;", "&nbsp;", "&#10;", "&quot;"])))
        elif kind == "void":
            parts.append(draw(st.sampled_from(["<br>", "<hr>", '<img src="x.png" alt="a>b">'])))
        else:
            tag = draw(st.sampled_from(_TAGS))
            attr = draw(st.sampled_from(["", ' title="t>t"', ' colspan="2"', " class=x"]))
            parts.append(f"<{tag}{attr}>{draw(_html(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(_html())
def test_sanitized_text_matches_the_tree_walk_on_generated_html(raw: str) -> None:
    html = norm._clean(sanitize_html(raw, BASE))
    assert sanitized_to_text(html) == html_to_text(html)


# ---- plain absolute links ----------------------------------------------------------------


def _slow_absolute(link: str | None, base: str | None, monkeypatch) -> str | None:
    with monkeypatch.context() as patch:
        patch.setattr(norm, "_PLAIN_ABSOLUTE", _NEVER)
        return norm.absolute_http_url(link, base)


class _Never:
    @staticmethod
    def fullmatch(_text: str) -> None:
        return None


_NEVER = _Never()

LINKS = [
    "https://example.org/a/b?c=1#d", "http://EXAMPLE.org:8080/x", "https://e.org",
    "https://e.org/?", "https://e.org/#", "https://e.org/a;params", "https://e.org/a b",
    "HTTPS://e.org/upper-scheme", "https://user@e.org/", "https://[::1]/v6",
    "https://e.org/\u00e9t\u00e9", "https://e.org/a\tb", "https://e.org/a\nb", "//e.org/x",
    "/relative", "relative", "mailto:x@e.org", "javascript:alert(1)", "https://", "http:///x",
    "https://e.org/" + "a" * 2_100, "https://e.org/\x85", "https://e.org/a\\b",
    "https://e.org/../up", "https://e.org:99999/port", "https://-/dash",
]


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("base", [BASE, "http://example.org/", None, "ftp://x/"])
def test_plain_links_take_the_shortcut_with_the_same_result(link, base, monkeypatch) -> None:
    assert norm.absolute_http_url(link, base) == _slow_absolute(link, base, monkeypatch)


def test_corpus_links_take_the_shortcut_with_the_same_result(monkeypatch) -> None:
    checked = 0
    for _path, entry in _corpus_entries():
        for base in (BASE, "http://example.org/x/"):
            assert norm.absolute_http_url(entry.link, base) == _slow_absolute(
                entry.link, base, monkeypatch), entry.link
            checked += 1
    assert checked > 3_000


# ---- _clean -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "plain ascii\nwith\ttabs", "bell\x07 and nul\x00 and esc\x1b[31m", "cr\r\nlf", "del\x7f",
    "non-ascii \u00e9 \u202e bidi", "c1 \x9b control", "", "\t\n",
])
def test_clean_matches_clean_text(value: str) -> None:
    assert norm._clean(value) == clean_text(value)


@given(st.text())
def test_clean_matches_clean_text_on_any_text(value: str) -> None:
    assert norm._clean(value) == clean_text(value)
