"""Removing a feed leaves a tombstone (schema v4): the kept items keep their source, the
feed is neither polled nor listed, adding its URL again revives it, and a poll that was in
flight when it was removed stores nothing for it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `pytest` script does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from store import Conflict, Store  # noqa: E402
from store.models import FetchRecord, IncomingItem  # noqa: E402
from store.sources import FeedUpdate  # noqa: E402

TODAY = dt.date(2025, 2, 15)
URL = "https://isw.example/feed"


def make_item(guid: str, text: str = "") -> IncomingItem:
    title, url = f"Report {guid}", f"https://isw.example/{guid}"
    text = text or f"Body of report {guid}."
    digest = hashlib.sha256(f"{title}\x1f{url}\x1f{text}".encode()).hexdigest()
    return IncomingItem(guid_key=guid, url=url, title=title, author=None,
                        published_at="2025-02-01T10:00:00Z", updated_at=None, summary=None,
                        content_html=f"<p>{text}</p>", content_text=text, content_hash=digest)


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "triage.db", actor="alice")
    yield s
    s.close()


def _fail(store: Store, feed_id: int, **update) -> None:
    store.record_fetch(
        FetchRecord(feed_id, "2025-02-01T00:00:00Z", 410, 0, 5, "HTTPError", "HTTP 410 Gone"),
        FeedUpdate(success=False, next_poll_at="2025-02-02T00:00:00Z", **update),
    )


def test_a_removed_feed_keeps_its_name_and_is_not_polled(store: Store) -> None:
    feed = store.add_feed(URL, "ISW Daily")
    other = store.add_feed("https://wardesk.example/rss", "War Desk")
    ids = list(store.ingest(feed.id, [make_item(f"g{k}") for k in range(4)]).new_ids)
    store.tag(ids[:1], "labor")
    store.set_followup(ids[1:2], TODAY)
    assert store.remove_feed(feed.id) == (2, 2)

    assert [f.id for f in store.feeds()] == [other.id]
    assert [(f.id, f.removed) for f in store.feeds(include_removed=True)] == [
        (other.id, False), (feed.id, True)]
    assert [f.id for f in store.due_feeds(everything=True)] == [other.id]
    assert [f.id for f in store.due_feeds(now="2999-01-01T00:00:00Z")] == [other.id]
    # the kept items: in All, their topic and the follow-up queue, under the feed's title
    assert sorted(store.item_ids()) == ids[:2]
    assert store.item_ids("+labor") == ids[:1] and store.item_ids("is:followup") == ids[1:2]
    assert {r.feed for r in store.rows(ids)} == {"ISW Daily"}
    assert sorted(store.item_ids('feed:"ISW Daily"')) == ids[:2]  # still found by source
    c = store.counts(TODAY)
    assert (c.all, c.untriaged, c.followups, c.by_feed) == (2, 2, 1, {})
    with pytest.raises(Conflict, match="was removed"):
        store.enable_feed(feed.id)


def test_adding_a_removed_feeds_url_revives_it(store: Store) -> None:
    feed = store.add_feed(URL)
    other = store.add_feed("https://wardesk.example/rss")
    ids = list(store.ingest(feed.id, [make_item(f"g{k}") for k in range(3)]).new_ids)
    store.mark_read(ids[:1])
    _fail(store, feed.id, disabled_reason="HTTP 410 Gone: removed by the publisher")
    store.record_fetch(FetchRecord(feed.id, "2025-02-01T00:00:00Z", 200, 10, 5),
                       FeedUpdate(success=True, next_poll_at="2025-02-01T01:00:00Z",
                                  etag='"v1"', title="ISW Daily", keep_validators=False))
    store.remove_feed(feed.id)

    with pytest.raises(Conflict, match="already subscribed"):
        store.add_feed(other.url)
    back, revived = store.subscribe(URL)
    assert revived and back.id == feed.id and not back.removed
    assert back.title == "ISW Daily"  # what was learned stays; no title given
    assert (back.error_count, back.last_error, back.disabled_reason, back.etag) == (
        0, None, None, None)  # a full fetch at the next pass brings the deleted items back
    assert {f.id for f in store.due_feeds()} == {feed.id, other.id}  # polled at the next pass
    assert store.events(limit=1)[0].action == "feed_revive"
    # the next poll matches the kept item by guid: updated in place, never doubled
    result = store.ingest(feed.id, [make_item(f"g{k}") for k in range(3)])
    assert (result.new, result.unchanged) == (2, 1)
    assert store.counts(TODAY).by_feed[feed.id] == 3
    with pytest.raises(Conflict, match="already subscribed"):
        store.add_feed(URL)

    store.remove_feed(feed.id)
    again = store.add_feed(URL, "My title")
    assert again.id == feed.id and again.title == "My title"


def test_a_removed_feed_gains_no_items_from_a_poll_in_flight(store: Store) -> None:
    feed = store.add_feed(URL)
    store.remove_feed(feed.id)  # while its fetch was on the wire
    assert store.ingest(feed.id, [make_item("late")]).new == 0
    assert store.item_ids() == []


def test_purge_removes_a_tombstone_for_good(store: Store) -> None:
    feed = store.add_feed(URL)
    ids = list(store.ingest(feed.id, [make_item("g1"), make_item("g2")]).new_ids)
    store.tag(ids, "labor")
    assert store.remove_feed(feed.id) == (0, 2)
    assert store.remove_feed(feed.id, purge=True) == (2, 0)
    assert store.feeds(include_removed=True) == [] and store.item_ids() == []
    assert [json.loads(e.detail)["purge"] for e in store.events(limit=2)] == [True, False]
    fresh, revived = store.subscribe(URL)  # nothing left to revive: a new subscription
    assert not revived and store.events(limit=1)[0].action == "feed_add"
    assert store.item_ids() == []


def test_a_permanent_redirect_to_a_taken_url_is_noted(store: Store) -> None:
    a = store.add_feed("https://a.example/rss")
    b = store.add_feed("https://b.example/rss")
    gone = store.add_feed("https://c.example/rss")
    store.remove_feed(gone.id)

    def moved(to: str) -> str | None:
        return store.record_fetch(FetchRecord(a.id, "2025-02-01T00:00:00Z", 200, 10, 5),
                                  FeedUpdate(success=True, next_poll_at="2025-02-01T01:00:00Z",
                                             new_url=to))

    note = moved(b.url)
    assert note == (f"moved permanently to the URL of feed {b.id}; kept the old URL"
                    f" (new: {b.url})")
    kept = store.feed(a.id)
    assert (kept.url, kept.last_error, kept.error_count) == (a.url, note, 0)
    assert f"the URL of removed feed {gone.id}; kept the old URL" in moved(gone.url)
    assert moved("https://new.example/rss") is None
    assert (store.feed(a.id).url, store.feed(a.id).last_error) == ("https://new.example/rss", None)
