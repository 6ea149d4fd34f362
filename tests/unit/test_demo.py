"""The demo file: bundled feeds through the real pipeline, fresh dates, analyst work."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from feeds.demo import DEMO_FEEDS, build_demo, demo_documents
from store import Store
from store.clock import parse_instant

NOW = dt.datetime(2026, 5, 14, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path, now=NOW)
    store = Store(path)
    yield store
    store.close()


def _today() -> dt.date:
    return NOW.astimezone().date()


def test_volume_and_feeds(demo):
    assert len(demo.item_ids("")) >= 150
    feeds = demo.feeds()
    assert len(feeds) >= 6
    # The host is what DNS would see: every one is under .invalid, so a poll never connects.
    assert all(urlsplit(f.url).hostname.endswith(".invalid") for f in feeds)


def test_dates_span_three_weeks_and_end_now(demo):
    rows = demo.rows(demo.item_ids(""))
    published = [parse_instant(r.published_at) for r in rows if r.published_at]
    assert len(published) == len(rows)
    assert max(published) - min(published) >= dt.timedelta(days=21)
    assert NOW - dt.timedelta(hours=1) <= max(published) <= NOW


def test_topics_confirmed_and_suggested(demo):
    states = {state for r in demo.rows(demo.item_ids("")) for _, state in r.topics}
    assert {"confirmed", "suggested"} <= states
    assert len(demo.item_ids("+labor")) >= 3
    assert len(demo.item_ids("+sanctions")) >= 3
    assert len(demo.item_ids('+"hybrid threats"')) >= 3
    assert demo.item_ids("is:suggested")


def test_followups_today_future_overdue(demo):
    today = _today()
    dues = [dt.date.fromisoformat(r.due) for r in demo.rows(demo.item_ids("is:followup")) if r.due]
    assert any(d == today for d in dues)
    assert any(d > today for d in dues)
    assert any(d < today for d in dues)
    assert demo.item_ids("due:overdue", today=today)
    assert demo.item_ids("due:today", today=today)


def test_read_triaged_archived(demo):
    assert demo.item_ids("is:read")
    assert demo.item_ids("is:triaged")
    assert demo.item_ids("is:archived")
    assert demo.item_ids("is:unread")


def test_exactly_one_feed_failing(demo):
    failing = [f for f in demo.feeds() if f.failing]
    assert len(failing) == 1
    feed = failing[0]
    assert feed.error_count == 3
    assert "503" in feed.last_error
    assert feed.last_success_at is not None  # it worked before, and its items are there
    assert demo.item_ids(f'feed:"{feed.title}"')
    log = demo.fetch_log(feed.id)
    assert [r.http_status for r in log] == [503, 503, 503, 200]
    for other in demo.feeds():
        if other.id != feed.id:
            assert other.last_status == 200 and other.last_error is None


def test_one_item_revised(demo):
    revised = [r for r in demo.rows(demo.item_ids("")) if r.revised]
    assert len(revised) == 1
    detail = demo.item(revised[0].id)
    assert len(detail.revisions) == 1
    assert detail.revisions[0].title != detail.row.title


def test_saved_search(demo):
    searches = {s.name: s.query for s in demo.saved_searches()}
    assert searches["Labour & sanctions"] == "+labor OR +sanctions"
    assert demo.item_ids(searches["Labour & sanctions"])


def test_hostile_items_stored_literally_and_sanitized(demo):
    ids = demo.item_ids('feed:"Hybrid Threats Review"')
    details = [demo.item(i) for i in ids]
    titles = [d.row.title for d in details]
    assert any("[bold]not markup[/bold]" in t for t in titles)
    html = "".join(d.content_html or "" for d in details)
    for active in ("<script", "href=\"javascript:", "onerror=", "onclick=", "<iframe", "<form"):
        assert active not in html
    assert any("\u202e" in t for t in titles)  # kept in storage; display neutralises it


def test_rtl_and_cyrillic_sources(demo):
    titles = [r.title for r in demo.rows(demo.item_ids(""))]
    assert any("\u0400" <= ch <= "\u04ff" for t in titles for ch in t)
    assert any("\u0600" <= ch <= "\u06ff" for t in titles for ch in t)


def test_deterministic(demo, tmp_path):
    other = tmp_path / "again.db"
    build_demo(other, now=NOW + dt.timedelta(days=3))
    with Store(other) as store:
        assert len(store.item_ids("")) == len(demo.item_ids(""))
        assert [f.url for f in store.feeds()] == [f.url for f in demo.feeds()]


def test_refuses_to_overwrite(tmp_path):
    path = tmp_path / "taken.db"
    path.write_text("not a demo")
    with pytest.raises(FileExistsError):
        build_demo(path)


def test_rejects_naive_now(tmp_path):
    with pytest.raises(ValueError):
        build_demo(tmp_path / "x.db", now=dt.datetime(2026, 1, 1))


def test_every_bundled_document_is_used():
    names = {name for _, name, _ in demo_documents()}
    assert len(names) == len(DEMO_FEEDS) + sum(1 for f in DEMO_FEEDS if f.earlier)
    assert any(n.endswith(".json") for n in names)


def test_demo_does_not_import_textual(tmp_path):
    code = (
        "import sys; from feeds.demo import build_demo; "
        f"build_demo({str(tmp_path / 'd.db')!r}); "
        "assert 'textual' not in sys.modules and 'rich' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
