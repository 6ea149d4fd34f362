"""The pure pieces of the TUI: links, HTML to text, item rows, queues, the writer."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from rich.style import Style

from store.models import Counts, Feed, ItemRow, Topic
from tui import bindings, queues
from tui.links import host_of, safe_url
from tui.render import diff_content, html_to_content, links_section
from tui.widgets.row_format import format_row
from tui.widgets.search_bar import error_content


@pytest.mark.parametrize("url", [
    "https://example.org/a", "http://example.org:8080/a?b=c#d", "HTTPS://EXAMPLE.ORG/",
])
def test_safe_urls(url):
    assert safe_url(url) == url


@pytest.mark.parametrize("url", [
    None, "", "file:///etc/passwd", "javascript:alert(1)", "-https://example.org",
    "https://example.org/a b", "https://example.org/\x1b[2J", "https://exa\u202emple.org",
    "https:///nohost", "ftp://example.org/", "data:text/html,hi", "https://example.org/\t",
    "//example.org/a", "https://example.org/\u00a0",
])
def test_unsafe_urls(url):
    assert safe_url(url) is None


def test_host_comes_first_and_idn_is_spelled_out():
    assert host_of("https://user@Example.org:8443/x") == "example.org"
    assert host_of("https://пример.рф/x") == "пример.рф (xn--e1afmkfd.xn--p1ai)"


def test_html_body_structure_and_numbered_links():
    html = ("<h1>T [b]x[/b]</h1><p>One <a href='https://a.example/1'>a</a> two "
            "<a href='javascript:x'>b</a></p><ul><li>i<ol><li>j</li></ol></li></ul>"
            "<blockquote>q</blockquote><script>alert(1)</script><pre>a\n  b</pre>")
    body, links = html_to_content(html)
    text = body.plain
    assert "T [b]x[/b]" in text and "One a[1] two b[2]" in text
    assert "• i" in text and "  1. j" in text and "▌ q" in text and "alert" not in text
    assert "  a\n    b" in text
    assert links == ["https://a.example/1", "javascript:x"]
    listed = links_section(links).plain
    assert "[1] a.example" in listed and "[2] not openable" in listed


def test_plain_text_fallback_and_size_cap():
    body, links = html_to_content("", "para one\n\npara two \x1b[31m")
    assert body.plain == "para one\n\npara two" and links == []
    body, _ = html_to_content("<p>" + "x " * 200_000 + "</p>")
    assert "more characters not shown" in body.plain


def test_diff_marks_changes():
    text = diff_content("a\nold line\nc", "a\nnew line\nc", "before", "now").plain
    assert "-old line" in text and "+new line" in text


def test_search_error_marks_the_position():
    content = error_content("is:unread fed:x", 11, 'unknown field "fed:"')
    line, caret = content.plain.split("\n")
    assert line == "is:unread fed:x" and caret.index("^") == 10


def _row(**kw) -> ItemRow:
    base = dict(id=1, feed_id=1, feed="Desk", title="A title", url=None,
                sort_at="2025-03-09T08:00:00Z", published_at=None, is_read=False, status="new",
                topics=(("labor", "confirmed"), ("sanctions", "suggested")), due="2025-03-01",
                has_followup=True, revised=True)
    base.update(kw)
    return ItemRow(**base)


def _styles():
    names = ("unread", "read", "done", "meta", "chip", "chip-suggested", "due", "overdue",
             "selected")
    return {n: Style(bold=n == "overdue") for n in names}


def test_row_columns_fit_the_width_and_mark_overdue():
    for width in (40, 80, 120, 200):
        segments = format_row(_row(title="[/] \x1b[2J wide 漢字 title " * 5), width, _styles(),
                              True, dt.date(2025, 3, 10))
        text = "".join(s.text for s in segments)
        assert sum(len(s.text) + sum(1 for c in s.text if "\u4e00" <= c <= "\u9fff")
                   for s in segments) == width, width
        assert "\x1b" not in text and text.startswith("+•")
    segments = format_row(_row(), 120, _styles(), False, dt.date(2025, 3, 10))
    overdue = [s for s in segments if s.text.startswith("⚑")]
    assert overdue[0].style.bold and "sanctions?" in "".join(s.text for s in segments)


def test_queues_from_counts():
    counts = Counts(untriaged=5, unread=4, followups=2, overdue=1, all=9, by_topic={1: 3},
                    by_feed={7: 2})
    feed = Feed(7, 'https://x.example/"feed"', "X", None, None, None, None, None, None, 500,
                "HTTP 500", 3, None, None, "2025-01-01T00:00:00Z")
    found = queues.build(counts, [Topic(1, "hybrid threats", "", "")], [feed], [])
    by_key = {q.key: q for q in found}
    assert by_key["followup"].query == "is:followup sort:due"
    assert by_key["followup"].detail == "1 overdue"
    assert by_key["topic:1"].query == '+"hybrid threats"' and by_key["topic:1"].count == 3
    assert by_key["feed:7"].failing and by_key["feed:7"].query == "feed:#7"


def test_binding_ids_are_unique():
    ids = [k.id for k in bindings.TABLE]
    assert len(ids) == len(set(ids))


def test_writer_runs_jobs_in_order_and_reports_failures(tmp_path):
    from store import Store
    from store.errors import NotFound
    from tui.writer import Writer

    messages, order = [], []
    with Store(tmp_path / "w.db") as store:
        writer = Writer(store, messages.append)
        for n in range(20):
            writer.submit(f"job {n}", lambda s, n=n: order.append((n, threading.get_ident())))

        def fail(s):
            raise NotFound("no item 99")

        writer.submit("bad", fail)
        assert writer.wait_idle(5)
        writer.close()
    assert [n for n, _ in order] == list(range(20))
    assert len({t for _, t in order}) == 1  # one thread
    failed = [m for m in messages if isinstance(m, Writer.Failed)]
    assert [(m.label, m.reason, m.expected) for m in failed] == [("bad", "no item 99", True)]


async def test_an_empty_file_says_how_to_start(tmp_path):
    from tui_helpers import make_app, screen_text, wait_for

    from store import Store

    Store(tmp_path / "empty.db").close()
    app = make_app(tmp_path / "empty.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "No feeds yet" in screen_text(app), 10, "the hint")
        text = screen_text(app)
        assert "triage feeds add" in text and "triage demo" in text
