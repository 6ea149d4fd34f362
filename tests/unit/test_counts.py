"""``feed_counts`` (schema v3) stays equal to a brute-force count of items and item_state
whatever happens to the file: ingest, read/unread, status, undo (which restores rows with
INSERT … ON CONFLICT DO UPDATE and DELETE), feed removal with and without purge (a removed
feed, schema v4, keeps the items the analyst touched but is no sidebar queue), reviving a
removed feed, item deletion, and writes made with plain SQL by someone querying the file."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `pytest` script does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from store import NothingToUndo, Store  # noqa: E402
from store.migrations import fill_feed_counts  # noqa: E402
from store.models import Counts, IncomingItem  # noqa: E402

TODAY = dt.date(2025, 2, 15)
STATE_JOIN = "FROM items i LEFT JOIN item_state s ON s.item_id = i.id"


def brute(conn: sqlite3.Connection) -> Counts:
    """What counts() must say, straight from the tables (never from feed_counts)."""
    q = conn.execute
    return Counts(
        untriaged=q(f"SELECT count(*) {STATE_JOIN} WHERE coalesce(s.status, 'new') = 'new'"  # noqa: S608
                    ).fetchone()[0],
        unread=q(f"SELECT count(*) {STATE_JOIN} WHERE s.read_at IS NULL").fetchone()[0],  # noqa: S608
        followups=q("SELECT count(*) FROM followups WHERE done_at IS NULL").fetchone()[0],
        overdue=q("SELECT count(*) FROM followups WHERE done_at IS NULL AND due < ?",
                  (TODAY.isoformat(),)).fetchone()[0],
        all=q("SELECT count(*) FROM items").fetchone()[0],
        by_topic=dict(q("SELECT topic_id, count(*) FROM item_topics"
                        " WHERE state != 'rejected' GROUP BY topic_id").fetchall()),
        # untriaged per subscribed feed: not the removed feeds' kept items, nor the items
        # an older triage left without a feed (feed_id NULL); both still count in the totals
        by_feed=dict(q(f"SELECT i.feed_id, sum(coalesce(s.status, 'new') = 'new') {STATE_JOIN}"  # noqa: S608
                       " JOIN feeds f ON f.id = i.feed_id WHERE f.removed_at IS NULL"
                       " GROUP BY i.feed_id").fetchall()),
        # all items per subscribed feed (what its queue lists)
        feed_items=dict(q("SELECT i.feed_id, count(*) FROM items i"
                          " JOIN feeds f ON f.id = i.feed_id WHERE f.removed_at IS NULL"
                          " GROUP BY i.feed_id").fetchall()),
    )


def table_rows(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute(
        "SELECT feed_id, items, untriaged, unread FROM feed_counts WHERE items != 0"
        " OR untriaged != 0 OR unread != 0 ORDER BY feed_id")]


def assert_consistent(store: Store) -> None:
    conn = store.conn
    assert store.counts(TODAY) == brute(conn)
    kept = table_rows(conn)
    assert all(n >= 0 and 0 <= u <= n and 0 <= r <= n for _, n, u, r in kept), kept
    conn.execute("SAVEPOINT recount")  # a full recount gives the same rows
    fill_feed_counts(conn)
    assert table_rows(conn) == kept
    conn.execute("ROLLBACK TO recount")
    conn.execute("RELEASE recount")


def make_item(guid: str, version: int = 0) -> IncomingItem:
    title, text = f"Report {guid}", f"Body of report {guid}, version {version}."
    url = f"https://isw.example/{guid}"
    digest = hashlib.sha256(f"{title}\x1f{url}\x1f{text}".encode()).hexdigest()
    return IncomingItem(guid_key=guid, url=url, title=title, author=None,
                        published_at="2025-02-01T10:00:00Z", updated_at=None, summary=None,
                        content_html=f"<p>{text}</p>", content_text=text, content_hash=digest)


class Driver:
    """Random actions on one file, every write path that touches items or item_state."""

    def __init__(self, store: Store, rng: random.Random):
        self.store, self.rng, self.serial = store, rng, 0
        self.feeds = [store.add_feed(f"https://f{k}.example/rss", f"Feed {k}").id
                      for k in range(3)]
        self.removed: list[int] = []  # tombstones: removed without --purge

    def item_ids(self) -> list[int]:
        return [r[0] for r in self.store.conn.execute("SELECT id FROM items ORDER BY id")]

    def some(self, k: int = 6) -> list[int]:
        ids = self.item_ids()
        return self.rng.sample(ids, min(len(ids), self.rng.randint(1, k))) if ids else []

    # -- the actions -------------------------------------------------------------------

    def ingest(self) -> None:
        if not self.feeds:
            self.add_feed()
        feed = self.rng.choice(self.feeds)
        batch = []
        for _ in range(self.rng.randint(1, 8)):
            if self.serial and self.rng.random() < 0.3:  # an item seen before, maybe changed
                batch.append(make_item(f"g{self.rng.randrange(self.serial)}",
                                       self.rng.randint(0, 2)))
            else:
                self.serial += 1
                batch.append(make_item(f"g{self.serial}"))
        self.store.ingest(feed, batch)

    def add_feed(self) -> None:
        self.serial += 1
        self.feeds.append(self.store.add_feed(f"https://n{self.serial}.example/rss").id)

    def read(self) -> None:
        if ids := self.some():
            self.store.mark_read(ids, read=self.rng.random() < 0.6)

    def status(self) -> None:
        if ids := self.some():
            self.store.set_status(ids, self.rng.choice(("new", "triaged", "archived")))

    def tag(self) -> None:
        if ids := self.some():
            self.store.tag(ids, self.rng.choice(("labor", "sanctions")),
                           self.rng.choice(("confirmed", "suggested", "rejected")))

    def followup(self) -> None:
        if ids := self.some(3):
            if self.rng.random() < 0.6:
                self.store.set_followup(ids, TODAY + dt.timedelta(days=self.rng.randint(-5, 5)))
            else:
                self.store.finish_followup(ids, clear=self.rng.random() < 0.5)

    def undo(self) -> None:
        try:
            self.store.undo()
        except NothingToUndo:
            pass

    def remove_feed(self) -> None:
        """Remove a subscribed feed (a tombstone, or purged), or purge a tombstone."""
        if self.removed and (not self.feeds or self.rng.random() < 0.25):
            self.store.remove_feed(self.removed.pop(), purge=True)
        elif self.feeds:
            feed = self.feeds.pop(self.rng.randrange(len(self.feeds)))
            purge = self.rng.random() < 0.5
            self.store.remove_feed(feed, purge=purge)
            if not purge:
                self.removed.append(feed)

    def revive(self) -> None:
        """`feeds add` of a removed feed's URL: the same feed, its kept items with it."""
        if self.removed:
            feed = self.removed.pop(self.rng.randrange(len(self.removed)))
            assert self.store.subscribe(self.store.feed(feed).url) == (self.store.feed(feed), True)
            self.feeds.append(feed)

    def delete_items(self) -> None:
        """By hand, with sqlite3: the foreign keys cascade to item_state."""
        if ids := self.some(3):
            marks = ",".join("?" * len(ids))
            self.store.conn.execute(f"DELETE FROM items WHERE id IN ({marks})", ids)  # noqa: S608

    def sql_state(self) -> None:
        """item_state written by hand: an upsert, an update, a delete."""
        if not (ids := self.some(3)):
            return
        conn, kind = self.store.conn, self.rng.randrange(3)
        for item_id in ids:
            if kind == 0:
                conn.execute(
                    "INSERT INTO item_state(item_id, read_at, status) VALUES (?, ?, ?)"
                    " ON CONFLICT(item_id) DO UPDATE SET read_at = excluded.read_at,"
                    " status = excluded.status",
                    (item_id, self.rng.choice((None, "2025-02-01T00:00:00Z")),
                     self.rng.choice(("new", "triaged", "archived"))))
            elif kind == 1:
                conn.execute("UPDATE item_state SET read_at = CASE WHEN read_at IS NULL"
                             " THEN '2025-02-02T00:00:00Z' END WHERE item_id = ?", (item_id,))
            else:
                conn.execute("DELETE FROM item_state WHERE item_id = ?", (item_id,))

    def move_items(self) -> None:
        """items.feed_id changed by hand (to another feed, or to none)."""
        if (ids := self.some(3)) and self.feeds:
            target = self.rng.choice([*self.feeds, *self.removed, None])
            for item_id in ids:
                # (feed_id, guid_key) is unique: skip an item whose guid the target has
                self.store.conn.execute(
                    "UPDATE OR IGNORE items SET feed_id = ? WHERE id = ?", (target, item_id))

    ACTIONS = (("ingest", 6), ("read", 4), ("status", 4), ("tag", 2), ("followup", 2),
               ("undo", 3), ("remove_feed", 1), ("add_feed", 1), ("delete_items", 1),
               ("sql_state", 2), ("move_items", 1), ("revive", 1))

    def step(self) -> str:
        names, weights = zip(*self.ACTIONS, strict=True)
        name = self.rng.choices(names, weights)[0]
        getattr(self, name)()
        return name


@pytest.mark.parametrize("seed", range(8))
def test_counts_equal_brute_force_after_random_actions(tmp_path: Path, seed: int) -> None:
    with Store(tmp_path / "t.db", actor="alice") as store:
        driver = Driver(store, random.Random(seed))
        done = []
        for _ in range(120):
            done.append(driver.step())
            assert_consistent(store)
        assert {"ingest", "undo", "remove_feed", "delete_items", "revive"} <= set(done)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 60))
def test_counts_equal_brute_force_hypothesis(tmp_path_factory, seed: int, steps: int) -> None:
    path = tmp_path_factory.mktemp("h") / "t.db"
    with Store(path, actor="alice") as store:
        driver = Driver(store, random.Random(seed))
        for _ in range(steps):
            driver.step()
        assert_consistent(store)


def test_counts_by_feed_and_removed_feeds(tmp_path: Path) -> None:
    with Store(tmp_path / "t.db") as store:
        a, b = (store.add_feed(f"https://{n}.example/rss").id for n in "ab")
        ids_a = list(store.ingest(a, [make_item(f"a{k}") for k in range(5)]).new_ids)
        ids_b = list(store.ingest(b, [make_item(f"b{k}") for k in range(3)]).new_ids)
        store.set_status(ids_a[:2], "triaged")
        store.mark_read(ids_a[1:4])
        c = store.counts(TODAY)
        assert (c.all, c.untriaged, c.unread, c.by_feed) == (8, 6, 5, {a: 3, b: 3})
        assert store.remove_feed(a) == (1, 4)  # the 4 touched items stay, with their feed
        c = store.counts(TODAY)  # they count in the totals, and a is no feed queue
        assert (c.all, c.untriaged, c.unread, c.by_feed) == (7, 5, 4, {b: 3})
        rows = dict((r[0], tuple(r[1:])) for r in store.conn.execute("SELECT * FROM feed_counts"))
        assert rows == {a: (4, 2, 1), b: (3, 3, 3)}
        assert sorted(store.item_ids("is:new")) == [*ids_a[2:4], *ids_b]  # in the queues
        store.set_status(ids_a[2:4], "triaged")  # kept items can still be triaged
        assert store.counts(TODAY).untriaged == 3
        store.undo()
        store.set_status(ids_b, "archived")
        assert store.counts(TODAY).by_feed == {b: 0}
        store.undo()
        assert store.counts(TODAY).by_feed == {b: 3}
        store.add_feed("https://a.example/rss")  # revived: a queue again, with its kept items
        assert store.counts(TODAY).by_feed == {a: 2, b: 3}
        assert store.remove_feed(a) == (0, 4)
        # an item an older triage left without a feed (feed_id NULL) counts under feed 0
        store.conn.execute("UPDATE items SET feed_id = NULL WHERE id = ?", (ids_b[0],))
        c = store.counts(TODAY)
        assert (c.all, c.untriaged, c.by_feed) == (7, 5, {b: 2})
        store.remove_feed(b, purge=True)
        store.remove_feed(a, purge=True)
        assert [tuple(r) for r in store.conn.execute("SELECT * FROM feed_counts")] == [
            (0, 1, 1, 1)]
        assert store.feeds(include_removed=True) == []
        assert_consistent(store)
