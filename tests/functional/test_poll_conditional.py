"""Re-polling: conditional requests, no parse for a 304, revisions keep analyst state."""

from __future__ import annotations

import datetime as dt

import pytest
from loopback import HTML_PAGE, Document, Loopback, rss

from feeds.poll import PollConfig, Poller, poll_once
from store import Store

FEEDS = 6
ITEMS = 5


def body(feed: int, texts: dict[int, str] | None = None, extra: int = 0) -> bytes:
    texts = texts or {}
    items = [
        (f"f{feed}-g{n}", f"Report {feed}.{n}", texts.get(n, f"Text {feed}.{n}."))
        for n in range(ITEMS + extra)
    ]
    return rss(f"Desk {feed}", items)


@pytest.fixture()
def setup(tmp_path):
    with Loopback(ports=2) as web:
        docs = [Document(body(n)) for n in range(FEEDS)]
        db = tmp_path / "cond.db"
        with Store(db, actor="cli") as store:
            for n, document in enumerate(docs):
                store.add_feed(web.route(f"/f{n}.xml", document))
        yield web, docs, db


def count_items(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM items").fetchone()[0]


def test_unchanged_farm_makes_conditional_requests_and_inserts_nothing(setup):
    web, _docs, db = setup
    with Store(db, actor="poller") as store:
        first = poll_once(store, everything=True)
        assert (first.ok, first.failed, first.items_new) == (FEEDS, 0, FEEDS * ITEMS), [
            r.error for r in first.results]
        etags = {f.id: f.etag for f in store.feeds()}
        assert all(etags.values())
        before = count_items(store)

        class NoParse:
            async def parse(self, *args, **kwargs):
                raise AssertionError("a 304 must cost no parse")

        async def second_pass():
            async with Poller(store, PollConfig(), parsers=NoParse()) as poller:
                return await poller.run_pass(everything=True)

        import asyncio

        second = asyncio.run(second_pass())
        assert (second.not_modified, second.ok, second.failed) == (FEEDS, 0, 0)
        assert second.items_new == 0 and count_items(store) == before
        for feed in store.feeds():
            log = store.fetch_log(feed.id)
            assert log[0].http_status == 304 and log[0].new == 0
            assert feed.etag == etags[feed.id]
    for n in range(FEEDS):
        seen = web.seen(f"/f{n}.xml")
        assert len(seen) == 2
        assert "if-none-match" not in seen[0]
        assert seen[1]["if-none-match"] == etags[n + 1]
        assert seen[1]["if-modified-since"]


def test_changed_item_is_revised_and_keeps_analyst_state(setup):
    _web, docs, db = setup
    with Store(db, actor="poller") as poller_store:
        poll_once(poller_store, everything=True)
    with Store(db, actor="analyst") as desk:
        item_id = desk.item_ids("title:\"Report 0.2\"")[0]
        desk.tag([item_id], "labor")
        desk.set_followup([item_id], dt.date(2026, 12, 1), "check the figures")
    docs[0].set(body(0, {2: "Revised text: 13,221 entered, 7,887 on student visas."}, extra=1))
    with Store(db, actor="poller") as store:
        summary = poll_once(store, everything=True)
        assert (summary.ok, summary.not_modified) == (1, FEEDS - 1)
        assert (summary.items_new, summary.items_updated) == (1, 1)
        detail = store.item(item_id)
        assert "Revised text" in detail.content_text
        assert [r.content_text for r in detail.revisions] == ["Text 0.2."]
        assert [t.name for t in detail.topics] == ["labor"]
        assert detail.followup is not None and detail.followup.note == "check the figures"
        log = store.fetch_log(1)[0]
        assert (log.http_status, log.new, log.updated, log.unchanged) == (200, 1, 1, ITEMS - 1)


def test_validators_are_saved_only_after_a_successful_parse(setup):
    web, docs, db = setup
    with Store(db, actor="poller") as store:
        poll_once(store, everything=True)
        good_etag = store.feed(1).etag
        docs[0].set(HTML_PAGE)  # the publisher breaks the feed
        broken = poll_once(store, everything=True)
        assert broken.failed == 1
        assert store.feed(1).etag == good_etag  # not the broken body's
        poll_once(store, everything=True)
        assert store.feed(1).etag == good_etag
    seen = web.seen("/f0.xml")
    assert seen[-1]["if-none-match"] == good_etag  # so the server sends the body again
    assert [r.http_status for r in Store(db).fetch_log(1)] == [200, 200, 200]
