"""Behaviour of the Store API on a real file: ingest, analyst actions, undo, topics,
feeds, paging, counts, the documented views, clean text and the time format."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
import re
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `pytest` script does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from seed import analyst_view  # noqa: E402

from store import (  # noqa: E402
    Conflict,
    InvalidInput,
    NotFound,
    NothingToUndo,
    Store,
    StoreError,
)
from store.models import FetchRecord, IncomingItem  # noqa: E402
from store.sources import FeedUpdate  # noqa: E402
from store.text import clean_text, display_safe  # noqa: E402

TODAY = dt.date(2025, 2, 15)
INSTANT = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
ANALYST_TABLES = {"item_topics", "item_state", "followups", "events", "topics",
                  "saved_searches", "topic_rules", "passage_topics"}


def make_item(guid: str, title: str = "", text: str = "", *, published: str | None =
              "2025-02-01T10:00:00Z", url: str | None = None) -> IncomingItem:
    title = title or f"Report {guid}"
    text = text or f"Body of report {guid}."
    url = url or f"https://isw.example/{guid}"
    digest = hashlib.sha256(f"{title}\x1f{url}\x1f{text}".encode()).hexdigest()
    return IncomingItem(
        guid_key=guid, url=url, title=title, author="ISW", published_at=published,
        updated_at=None, summary=text[:40], content_html=f"<p>{text}</p>", content_text=text,
        content_hash=digest,
    )


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "triage.db", actor="alice")
    yield s
    s.close()


@pytest.fixture
def feed(store: Store):
    return store.add_feed("https://isw.example/feed", "ISW Daily")


def ingest_n(store: Store, feed_id: int, n: int, prefix: str = "g") -> list[int]:
    items = [make_item(f"{prefix}{k}", published=f"2025-01-{1 + k % 28:02d}T{k % 24:02d}:00:00Z")
             for k in range(n)]
    return list(store.ingest(feed_id, items).new_ids)


def one(store: Store, sql: str, *params):
    return store.conn.execute(sql, params).fetchone()[0]



# ---- ingest ----------------------------------------------------------------------------


def test_ingest_new_changed_unchanged(store: Store, feed) -> None:
    first = [make_item("a"), make_item("b"), make_item("c")]
    result = store.ingest(feed.id, first)
    assert (result.new, result.updated, result.unchanged) == (3, 0, 0)
    a_id = result.new_ids[0]
    assert [r.title for r in store.rows(result.new_ids)] == ["Report a", "Report b", "Report c"]

    again = store.ingest(feed.id, first)
    assert (again.new, again.updated, again.unchanged, again.new_ids) == (0, 0, 3, ())

    # the analyst works on item a, then it changes upstream
    store.tag([a_id], "labor")
    store.mark_read([a_id])
    store.set_status([a_id], "triaged")
    store.set_followup([a_id], dt.date(2025, 3, 1), "check the visa numbers")
    before = store.item(a_id)
    old_rowid = one(store, "SELECT rowid FROM items WHERE guid_key = 'a'")
    changed = make_item("a", "Report a (corrected)", "13,221 North Koreans entered Russia.")
    result = store.ingest(feed.id, [changed, make_item("b"), make_item("d")], now="2025-02-02T00:00:00Z")
    assert (result.new, result.updated, result.unchanged) == (1, 1, 1)

    after = store.item(a_id)
    assert one(store, "SELECT rowid FROM items WHERE guid_key = 'a'") == old_rowid == a_id
    assert one(store, "SELECT count(*) FROM items") == 4
    assert after.row.title == "Report a (corrected)"
    assert after.content_text == "13,221 North Koreans entered Russia."
    assert after.row.revised and after.first_seen_at == before.first_seen_at
    assert len(after.revisions) == 1
    rev = after.revisions[0]
    assert (rev.title, rev.content_text) == (before.row.title, before.content_text)
    assert rev.replaced_at == "2025-02-02T00:00:00Z"
    old_hash = make_item("a").content_hash
    assert one(store, "SELECT content_hash FROM item_revisions WHERE item_id = ?", a_id) == old_hash
    assert one(store, "SELECT revision_count FROM items WHERE id = ?", a_id) == 1
    # analyst state survives the change
    assert analyst_view(store, a_id) == {
        "topics": {"labor": "confirmed"}, "read": True, "status": "triaged",
        "followup": ("2025-03-01", "check the visa numbers"),
    }
    # the full-text index follows the update (old words gone, new words found)
    fts = "SELECT rowid FROM items_fts WHERE items_fts MATCH ?"
    assert [r[0] for r in store.conn.execute(fts, ("koreans",))] == [a_id]
    assert [r[0] for r in store.conn.execute(fts, ('"report a"',))] == [a_id]
    assert [r[0] for r in store.conn.execute(fts, ('"body of report a"',))] == []
    assert one(store, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'body'") == 3

    # a second change keeps both older versions
    store.ingest(feed.id, [make_item("a", "Report a v3", "third text")])
    assert [r.title for r in store.item(a_id).revisions] == ["Report a (corrected)", "Report a"]


def test_dates_alone_do_not_change_an_item(store: Store, feed) -> None:
    (item_id,) = store.ingest(feed.id, [make_item("x", published="2025-01-01T00:00:00Z")]).new_ids
    moved = dataclasses.replace(make_item("x", published="2025-02-09T09:09:09Z"),
                                updated_at="2025-02-10T00:00:00Z")
    result = store.ingest(feed.id, [moved])
    assert (result.new, result.updated, result.unchanged) == (0, 0, 1)
    row = store.conn.execute("SELECT published_at, updated_at, sort_at, revision_count"
                             " FROM items WHERE id = ?", (item_id,)).fetchone()
    assert tuple(row) == ("2025-01-01T00:00:00Z", None, "2025-01-01T00:00:00Z", 0)
    assert one(store, "SELECT count(*) FROM item_revisions") == 0


def test_same_guid_in_two_feeds_is_two_items(store: Store, feed) -> None:
    other = store.add_feed("https://wardesk.example/rss", "War Desk")
    a = store.ingest(feed.id, [make_item("same")]).new_ids
    b = store.ingest(other.id, [make_item("same")]).new_ids
    assert len(a) == len(b) == 1 and a != b


def test_duplicate_guid_in_one_batch_first_wins(store: Store, feed) -> None:
    result = store.ingest(feed.id, [make_item("d", "first"), make_item("d", "second")])
    assert (result.new, result.updated) == (1, 0)
    assert store.rows(result.new_ids)[0].title == "first"


def test_items_without_a_date_sort_by_first_seen(store: Store, feed) -> None:
    (item_id,) = store.ingest(feed.id, [make_item("n", published=None)],
                              now="2025-02-03T04:05:06Z").new_ids
    row = store.rows([item_id])[0]
    assert row.sort_at == "2025-02-03T04:05:06Z" and row.published_at is None


@pytest.mark.parametrize("variables", [13 * 3, 999, None])
def test_ingest_ids_match_their_items_across_statements(store: Store, feed, variables) -> None:
    """new_ids come from last_insert_rowid() of multi-row INSERTs: they must name the right
    rows in order, however many rows a statement holds (SQLite's variable limit decides),
    across the 500-item transactions, and with another feed's rows taken in between."""
    if variables:
        store.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, variables)
    other = store.add_feed("https://other.example/feed", "Other")
    ingest_n(store, other.id, 7, prefix="o")
    items = [make_item(f"k{n}") for n in range(1_203)]
    result = store.ingest(feed.id, items)
    ingest_n(store, other.id, 5, prefix="p")
    assert result.new == len(result.new_ids) == 1_203
    stored = dict(store.conn.execute(
        "SELECT id, guid_key FROM items WHERE feed_id = ?", (feed.id,)).fetchall())
    assert [stored[i] for i in result.new_ids] == [f"k{n}" for n in range(1_203)]
    second = store.ingest(feed.id, [make_item("k5"), make_item("new-one")])
    assert (second.new, second.unchanged) == (1, 1)
    assert stored.get(second.new_ids[0]) is None
    assert one(store, "SELECT guid_key FROM items WHERE id = ?", second.new_ids[0]) == "new-one"
    fts = one(store, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'k1202'")
    assert fts == 1  # every row of a multi-row statement reached the search index


def test_ingest_never_writes_analyst_tables(store: Store, feed) -> None:
    ids = ingest_n(store, feed.id, 20)
    store.tag(ids[:5], "sanctions")
    store.mark_read(ids[:3])
    store.set_followup(ids[:2], dt.date(2025, 3, 1), "x")
    counts_before = {t: one(store, f"SELECT count(*) FROM {t}") for t in ANALYST_TABLES}  # noqa: S608
    dump_before = {t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()  # noqa: S608
                   for t in ANALYST_TABLES}

    writes: set[tuple[int, str]] = set()

    def authorizer(action, arg1, arg2, dbname, source):
        if action in (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE):
            writes.add((action, arg1))
        return sqlite3.SQLITE_OK

    statements: list[str] = []
    store.conn.set_authorizer(authorizer)
    store.conn.set_trace_callback(statements.append)
    try:
        batch = [make_item(f"g{k}", text=f"changed {k}") for k in range(10)]  # 10 changed
        batch += [make_item(f"g{k}") for k in range(10, 20)]  # 10 unchanged
        batch += [make_item(f"new{k}") for k in range(700)]  # more than one commit
        result = store.ingest(feed.id, batch)
    finally:
        store.conn.set_authorizer(None)
        store.conn.set_trace_callback(None)
    assert result.new == 700 and result.updated == 10

    tables = {table for _, table in writes}
    assert not tables & ANALYST_TABLES, tables
    assert (sqlite3.SQLITE_DELETE, "items") not in writes
    replacing = re.compile(r"\b(REPLACE|OR\s+REPLACE)\s+INTO\s+\"?items\b", re.IGNORECASE)
    assert not [s for s in statements if replacing.search(s)]
    assert sum(s.strip().upper().startswith("BEGIN IMMEDIATE") for s in statements) >= 2
    assert {t: one(store, f"SELECT count(*) FROM {t}") for t in ANALYST_TABLES} == counts_before  # noqa: S608
    assert {t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()  # noqa: S608
            for t in ANALYST_TABLES} == dump_before


# ---- clean text and display ------------------------------------------------------------

STORE_BAD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b", "ab"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("win\r\nmac\rend", "win\nmac\nend"),
        ("bell\x07 esc\x1b[31m del\x7f", "bell esc[31m del"),
        ("c1\x80\x85\x9b\x9fend", "c1end"),
        ("lone \ud800 surrogate \udfff", "lone ? surrogate ?"),
        ("Arabic \u202bمرحبا\u202c and RLO \u202e kept", "Arabic \u202bمرحبا\u202c and RLO \u202e kept"),
        ("Россия и санкции", "Россия и санкции"),
        (b"bytes \xff\xfe ok\x00", "bytes \ufffd\ufffd ok"),
        (None, ""),
    ],
)
def test_clean_text(raw, clean) -> None:
    assert clean_text(raw) == clean
    clean_text(raw).encode("utf-8")  # valid UTF-8


@settings(max_examples=300)
@given(st.text())
def test_clean_text_invariant(raw: str) -> None:
    out = clean_text(raw)
    out.encode("utf-8")
    assert not STORE_BAD.search(out)
    assert "\r" not in out
    assert clean_text(out) == out
    norm = raw.replace("\r\n", "\n").replace("\r", "\n")
    for keep in "\t\n\u202e\u2067":  # tab, newline and bidi controls are kept
        assert out.count(keep) == norm.count(keep)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m text", "red text"),
        ("\x1b[2J\x1b[Hclear", "clear"),
        ("\x9b31mC1 CSI\x9b0m", "C1 CSI"),
        ("before\x1b]52;c;ZWNobyBwd25lZA==\x07after", "beforeafter"),  # OSC 52, BEL
        ("before\x1b]52;c;ZWNobyBwd25lZA==\x1b\\after", "beforeafter"),  # OSC 52, ST
        ("\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\", "click me"),  # OSC 8
        ("\x9d8;;https://evil.example/\x9cC1 link\x9d8;;\x9c", "C1 link"),
        ("\x1bP+q544e\x1b\\dcs", "dcs"),
        ("\x1b7saved\x1b8", "saved"),
        ("title \u202etxt.exe", "title txt.exe"),
        ("\u2066iso\u2069 \u202aemb\u202c", "iso emb"),
        ("nul\x00 bell\x07", "nul bell"),
        ("[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),  # markup is a display concern
    ],
)
def test_display_safe(raw: str, shown: str) -> None:
    assert display_safe(raw) == shown


def test_display_safe_one_line() -> None:
    assert display_safe("a\r\n b\tc\n\x1b[1m d", one_line=True) == "a b c d"
    assert display_safe(None) == "" and display_safe("") == ""


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(
    list("ab ;[]8\\") + ["\x1b", "\x07", "\x9b", "\x9c", "\x9d", "\x90", "\r", "\n", "\t",
                         "\u202e", "\u2066", "\ud800", "\x00", "\x85"])))
def test_display_safe_invariant(raw: str) -> None:
    out = display_safe(raw)
    out.encode("utf-8")
    assert "\x1b" not in out
    assert not STORE_BAD.search(out)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", out)
    assert "\n" not in display_safe(raw, one_line=True)


def test_stored_text_keeps_bidi(store: Store, feed) -> None:
    title = clean_text("تقرير \u202eRLO\u202c\r\nline")
    (item_id,) = store.ingest(feed.id, [make_item("bidi", title, clean_text("x\x00y"))]).new_ids
    d = store.item(item_id)
    assert d.row.title == "تقرير \u202eRLO\u202c\nline"
    assert d.content_text == "xy"


# ---- topics on items -----------------------------------------------------------------


def test_tag_states_and_provenance(store: Store, feed) -> None:
    a, b = ingest_n(store, feed.id, 2)
    store.tag([a], "labor")
    store.tag([a], "Sanctions", state="suggested")
    store.tag([a], "Hybrid-Threats", state="rejected")
    store.tag([b], "hybrid threats")
    d = store.item(a)
    assert {(t.name, t.state, t.source, t.by) for t in d.topics} == {
        ("labor", "confirmed", "analyst", "alice"),
        ("sanctions", "suggested", "analyst", "alice"),
        ("hybrid threats", "rejected", "analyst", "alice"),
    }
    assert all(INSTANT.match(t.at) and t.rule_id is None for t in d.topics)
    # list rows leave rejected topics out
    assert store.rows([a])[0].topics == (("labor", "confirmed"), ("sanctions", "suggested"))
    assert store.rows([b])[0].topics == (("hybrid threats", "confirmed"),)

    store.tag([a], "sanctions")  # suggested -> confirmed
    store.untag([a], "labor")
    assert analyst_view(store, a)["topics"] == {"sanctions": "confirmed", "hybrid threats": "rejected"}
    store.untag([a], "labor")  # untagging twice is harmless


def test_analyst_takes_over_a_rule_suggestion(store: Store, feed) -> None:
    (a,) = ingest_n(store, feed.id, 1)
    labor = store.topic("labor")
    with store.conn:  # what the rules engine will write
        store.conn.execute("BEGIN IMMEDIATE")
        rule = store.conn.execute(
            "INSERT INTO topic_rules(topic_id, query, created_at) VALUES (?, 'visa', ?)",
            (labor.id, store.now())).lastrowid
        store.conn.execute(
            "INSERT INTO item_topics(item_id, topic_id, state, source, rule_id, rule_version, by, at)"
            " VALUES (?, ?, 'suggested', 'rule', ?, 1, 'rule', ?)", (a, labor.id, rule, store.now()))
    assert store.item(a).topics[0].source == "rule"
    store.tag([a], "labor")
    t = store.item(a).topics[0]
    assert (t.state, t.source, t.by, t.rule_id, t.rule_version) == (
        "confirmed", "analyst", "alice", None, None)


def test_tag_refuses_bad_input(store: Store, feed) -> None:
    (a,) = ingest_n(store, feed.id, 1)
    with pytest.raises(NotFound):
        store.tag([a], "no such topic")
    with pytest.raises(NotFound):
        store.tag([a, 999_999], "labor")
    with pytest.raises(InvalidInput):
        store.tag([], "labor")
    with pytest.raises(StoreError):
        store.tag([a], "labor", state="maybe")
    assert store.item(a).topics == ()  # nothing half-done


# ---- read, status, follow-ups ------------------------------------------------------------


def test_read_unread_and_status(store: Store, feed) -> None:
    a, b = ingest_n(store, feed.id, 2)
    store.mark_read([a])
    d = store.item(a)
    assert d.row.is_read and INSTANT.match(d.read_at)
    assert not store.item(b).row.is_read and store.item(b).read_at is None
    store.mark_read([a], read=False)
    assert not store.item(a).row.is_read

    for status in ("triaged", "archived", "new"):
        store.set_status([a, b], status)
        assert {r.status for r in store.rows([a, b])} == {status}
    with pytest.raises(StoreError):
        store.set_status([a], "done")
    status_at = one(store, "SELECT status_at FROM item_state WHERE item_id = ?", a)
    assert INSTANT.match(status_at)


def test_followups_one_open_per_item(store: Store, feed) -> None:
    (a,) = ingest_n(store, feed.id, 1)
    open_count = "SELECT count(*) FROM followups WHERE item_id = ? AND done_at IS NULL"
    store.set_followup([a], dt.date(2025, 3, 1), "ask the desk")
    fu = store.item(a).followup
    assert (fu.due, fu.note, fu.done_at) == ("2025-03-01", "ask the desk", None)
    assert INSTANT.match(fu.created_at)

    store.set_followup([a], dt.date(2025, 3, 5), None)  # new date, note kept
    store.set_followup([a], dt.date(2025, 3, 6), "call back")
    fu = store.item(a).followup
    assert (fu.due, fu.note) == ("2025-03-06", "call back")
    assert one(store, open_count, a) == 1 and one(store, "SELECT count(*) FROM followups") == 1
    assert store.rows([a])[0].due == "2025-03-06" and store.rows([a])[0].has_followup

    store.finish_followup([a])
    assert store.item(a).followup is None and not store.rows([a])[0].has_followup
    done = store.conn.execute("SELECT due, done_at FROM followups WHERE item_id = ?", (a,)).fetchone()
    assert done[0] == "2025-03-06" and INSTANT.match(done[1])

    store.set_followup([a], None, "again, no date")
    assert store.item(a).followup.due is None
    assert one(store, open_count, a) == 1 and one(store, "SELECT count(*) FROM followups") == 2
    store.finish_followup([a], clear=True)
    assert store.item(a).followup is None
    assert one(store, "SELECT count(*) FROM followups") == 1  # the done one stays
    store.finish_followup([a], clear=True)  # nothing open: nothing happens

    actions = [e.action for e in store.events(item_id=a)]
    assert actions == ["followup_clear", "followup", "followup_done", "followup", "followup",
                       "followup"]
    # the schema itself refuses a second open follow-up
    store.set_followup([a], dt.date(2025, 4, 1))
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("INSERT INTO followups(item_id, created_at) VALUES (?, ?)",
                           (a, store.now()))


def test_followup_none_leaves_date_and_note_clear_due_removes_the_date(store: Store, feed) -> None:
    (a,) = ingest_n(store, feed.id, 1)
    store.set_followup([a], dt.date(2025, 3, 1), "ask the desk")
    store.set_followup([a], note="call back")  # `triage followup A --note x` keeps the date
    assert analyst_view(store, a)["followup"] == ("2025-03-01", "call back")
    store.set_followup([a], dt.date(2025, 3, 2))  # a date alone keeps the note
    assert analyst_view(store, a)["followup"] == ("2025-03-02", "call back")
    before = len(store.events(item_id=a))
    store.set_followup([a])  # nothing to change: no event
    assert len(store.events(item_id=a)) == before
    store.set_followup([a], clear_due=True)
    assert analyst_view(store, a)["followup"] == (None, "call back")
    assert json.loads(store.events(limit=1)[0].detail)["clear_due"] is True
    store.undo()
    assert analyst_view(store, a)["followup"] == ("2025-03-02", "call back")
    with pytest.raises(InvalidInput):
        store.set_followup([a], dt.date(2025, 3, 3), clear_due=True)
    store.finish_followup([a])
    store.set_followup([a], clear_due=True)  # a new one starts without a date
    assert analyst_view(store, a)["followup"] == (None, "")


def test_item_detail_reads_one_snapshot(store: Store, feed, monkeypatch) -> None:
    from store import items as items_module

    a, b = ingest_n(store, feed.id, 2)
    with pytest.raises(NotFound):
        store.item(10_000)
    other = Store(store.path)
    real_rows = items_module.rows_by_ids

    def rows_then_delete(conn, ids):
        found = real_rows(conn, ids)
        other.conn.execute("DELETE FROM items WHERE id = ?", (ids[0],))  # another process
        return found

    monkeypatch.setattr(items_module, "rows_by_ids", rows_then_delete)
    try:
        d = store.item(a)  # the item vanished half-way: the snapshot still has it, whole
        assert (d.row.id, d.content_text) == (a, "Body of report g0.")
        assert store.rows([a]) == []  # gone for the next read
        with pytest.raises(NotFound):  # and the next read sees it gone, cleanly
            store.item(a)
        monkeypatch.setattr(items_module, "rows_by_ids", lambda conn, ids: real_rows(conn, [b]))
        with pytest.raises(NotFound):  # a row list without the item's columns: NotFound
            store.item(a)
    finally:
        other.close()


# ---- bulk and undo -----------------------------------------------------------------------


def test_bulk_commits_in_chunks_under_one_batch(store: Store, feed) -> None:
    ids = ingest_n(store, feed.id, 1200)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        batch = store.mark_read(ids)
    finally:
        store.conn.set_trace_callback(None)
    commits = sum(s.strip().upper() == "COMMIT" for s in statements)
    assert commits >= 3, "1,200 items should take several short transactions"
    assert one(store, "SELECT count(DISTINCT batch_id) FROM events WHERE action = 'read'") == 1
    assert one(store, "SELECT count(*) FROM events WHERE batch_id = ?", batch) == 1200
    assert store.counts(TODAY).unread == 0

    tag_batch = store.tag(ids, "labor")
    assert store.counts(TODAY).by_topic[store.topic("labor").id] == 1200

    undone = store.undo()
    assert (undone.batch_id, undone.action, undone.count) == (tag_batch, "tag_confirmed", 1200)
    assert one(store, "SELECT count(*) FROM item_topics") == 0
    undone = store.undo()
    assert (undone.batch_id, undone.count) == (batch, 1200)
    assert store.counts(TODAY).unread == 1200
    assert one(store, "SELECT count(*) FROM item_state") == 0


def test_undo_steps_back_through_history(store: Store, feed) -> None:
    a, b = ingest_n(store, feed.id, 2)
    history = [analyst_view(store, a)]
    store.tag([a, b], "labor")
    history.append(analyst_view(store, a))
    store.tag([a], "labor", state="rejected")
    history.append(analyst_view(store, a))
    store.mark_read([a])
    history.append(analyst_view(store, a))
    store.set_status([a], "triaged")
    history.append(analyst_view(store, a))
    store.set_followup([a], dt.date(2025, 3, 1), "one")
    history.append(analyst_view(store, a))
    store.set_followup([a], dt.date(2025, 3, 2), "two")
    history.append(analyst_view(store, a))
    store.finish_followup([a])
    history.append(analyst_view(store, a))
    store.untag([a], "labor")
    assert analyst_view(store, a)["topics"] == {}

    while history:
        store.undo()
        assert analyst_view(store, a) == history.pop()
    assert analyst_view(store, b) == analyst_view(store, a)  # b's tag went with the first batch too
    with pytest.raises(NothingToUndo):
        store.undo()
    assert one(store, "SELECT count(*) FROM events WHERE action = 'undo'") == 8


def test_undo_of_an_action_made_by_another_front_end(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with Store(path, actor="tui") as tui, Store(path, actor="cli") as cli:
        f = tui.add_feed("https://isw.example/feed")
        a, b = ingest_n(tui, f.id, 2)
        tui.tag([a], "sanctions")
        cli.mark_read([b])
        result = tui.undo()  # the newest action is the CLI's
        assert result.action == "read"
        assert not tui.item(b).row.is_read
        result = cli.undo()  # the TUI's tag
        assert result.action == "tag_confirmed"
        assert cli.item(a).topics == ()
        with pytest.raises(NothingToUndo):
            tui.undo()
        undos = [(e.actor, json.loads(e.detail)["undid_action"])
                 for e in cli.events() if e.action == "undo"]
        assert undos == [("cli", "tag_confirmed"), ("tui", "read")]


def test_undo_skips_items_that_are_gone(store: Store, feed) -> None:
    ids = ingest_n(store, feed.id, 3)
    other = store.add_feed("https://wardesk.example/rss", "War Desk")
    (kept,) = ingest_n(store, other.id, 1, prefix="w")
    store.set_status([*ids, kept], "triaged")
    store.set_status([*ids, kept], "archived")
    store.remove_feed(feed.id, purge=True)  # not an undo step; its items are gone
    result = store.undo()  # archived -> triaged: only the item that is left comes back
    assert (result.action, result.count) == ("archived", 1)
    assert store.rows([kept])[0].status == "triaged"
    assert store.undo().count == 1 and store.rows([kept])[0].status == "new"
    assert store.counts(TODAY).untriaged == 1


def test_a_no_op_is_not_an_undo_step(store: Store, feed) -> None:
    (a,) = ingest_n(store, feed.id, 1)
    store.mark_read([a])
    store.mark_read([a])  # already read: nothing changes, nothing recorded
    assert one(store, "SELECT count(*) FROM events WHERE action = 'read'") == 1
    store.undo()
    assert not store.item(a).row.is_read
    with pytest.raises(NothingToUndo):
        store.undo()


def test_setting_what_is_already_so_leaves_no_trace(store: Store, feed) -> None:
    """Marking a fresh item unread or new changes nothing: no event, no undo step, and
    the item does not count as touched when its feed is removed."""
    a, b = ingest_n(store, feed.id, 2)
    store.tag([b], "labor")
    store.mark_read([a], read=False)
    store.set_status([a], "new")
    assert one(store, "SELECT count(*) FROM item_state") == 0
    assert [e.action for e in store.events() if e.item_id] == ["tag_confirmed"]
    assert store.undo().action == "tag_confirmed"
    store.tag([b], "labor")
    assert store.remove_feed(feed.id) == (1, 1)


# ---- topics --------------------------------------------------------------------------------


def test_topics_seeded_add_rename_conflicts(store: Store) -> None:
    assert [t.name for t in store.topics()] == ["labor", "sanctions", "hybrid threats"]
    assert store.topic("Hybrid-Threats").name == "hybrid threats"
    assert store.topic("HYBRID_threats").name == "hybrid threats"
    cyber = store.add_topic("Cyber", "attacks on networks")
    assert cyber.description == "attacks on networks" and INSTANT.match(cyber.created_at)
    for dup in ("cyber", "CYBER", "Hybrid-Threats", "hybrid  threats", "Labor"):
        with pytest.raises(Conflict):
            store.add_topic(dup)
    with pytest.raises(InvalidInput):
        store.add_topic("   ")

    renamed = store.rename_topic("cyber", "Cyber Ops")
    assert renamed.id == cyber.id and renamed.name == "Cyber Ops"
    assert store.rename_topic("cyber ops", "cyber-ops").name == "cyber-ops"  # own name, new form
    with pytest.raises(Conflict):
        store.rename_topic("cyber-ops", "SANCTIONS")
    with pytest.raises(NotFound):
        store.rename_topic("nope", "whatever")
    assert [t.name for t in store.topics()] == ["labor", "sanctions", "hybrid threats", "cyber-ops"]

    store.undo()  # the second rename
    store.undo()  # the first rename
    assert store.topic("Cyber").id == cyber.id
    store.undo()  # the add
    with pytest.raises(NotFound):
        store.topic("cyber")


def test_remove_topic_in_use_needs_force_and_is_undoable(store: Store, feed) -> None:
    ids = ingest_n(store, feed.id, 3)
    store.add_topic("unused")
    assert store.remove_topic("unused") == 0
    store.tag(ids, "labor")
    store.tag(ids[:1], "labor", state="rejected")
    everything = "SELECT * FROM item_topics ORDER BY item_id"
    before = [tuple(r) for r in store.conn.execute(everything)]
    labor_id = store.topic("labor").id

    with pytest.raises(Conflict, match="force"):
        store.remove_topic("Labor")
    assert store.topic("labor").id == labor_id
    assert store.remove_topic("Labor", force=True) == 3
    with pytest.raises(NotFound):
        store.topic("labor")
    assert one(store, "SELECT count(*) FROM item_topics") == 0
    batch = store.events(limit=1)[0].batch_id
    removed = store.conn.execute("SELECT * FROM events WHERE batch_id = ?", (batch,)).fetchall()
    assert {e["action"] for e in removed} == {"topic_remove"}
    assert len(removed) == 4
    assert sorted(e["item_id"] for e in removed if e["item_id"]) == sorted(ids)

    result = store.undo()
    assert result.action == "topic_remove" and result.count == 4
    assert store.topic("labor").id == labor_id
    assert [tuple(r) for r in store.conn.execute(everything)] == before


# ---- feeds ---------------------------------------------------------------------------------


def test_remove_feed_keeps_touched_items_unless_purge(store: Store, feed) -> None:
    ids = ingest_n(store, feed.id, 6)
    other = store.add_feed("https://wardesk.example/rss", "War Desk")
    (kept_elsewhere,) = ingest_n(store, other.id, 1)
    store.tag([ids[0]], "labor")
    store.mark_read([ids[1]])
    store.set_followup([ids[2]], dt.date(2025, 3, 1))
    store.set_status([ids[3]], "archived")

    assert store.remove_feed(feed.id) == (2, 4)
    assert [f.id for f in store.feeds()] == [other.id]  # no longer subscribed
    left = store.rows(ids)
    assert [r.id for r in left] == ids[:4]
    assert all(r.feed_id == feed.id and r.feed == "ISW Daily" for r in left)  # source kept
    assert analyst_view(store, ids[0])["topics"] == {"labor": "confirmed"}
    assert store.item(ids[2]).followup is not None
    event = json.loads(store.events(limit=1)[0].detail)
    assert (event["deleted"], event["kept"], event["purge"]) == (2, 4, False)
    tombstone = store.feed(feed.id)
    assert tombstone.removed and INSTANT.match(tombstone.removed_at)
    with pytest.raises(Conflict, match="already removed"):
        store.remove_feed(feed.id)

    assert store.remove_feed(other.id, purge=True) == (1, 0)
    assert store.rows([kept_elsewhere]) == []
    with pytest.raises(NotFound):
        store.feed(other.id)


def test_remove_feed_purge_drops_analyst_rows_too(store: Store, feed) -> None:
    ids = ingest_n(store, feed.id, 3)
    store.tag(ids, "labor")
    store.set_followup(ids, dt.date(2025, 3, 1))
    assert store.remove_feed(feed.id, purge=True) == (3, 0)
    for table in ("items", "item_topics", "followups", "item_state"):
        assert one(store, f"SELECT count(*) FROM {table}") == 0  # noqa: S608
    assert json.loads(store.events(limit=1)[0].detail)["purge"] is True


def test_add_feed_validates_and_refuses_duplicates(store: Store, feed) -> None:
    with pytest.raises(Conflict):
        store.add_feed("https://isw.example/feed")
    for bad in ("file:///etc/passwd", "javascript:alert(1)", "https://", "http://a b/"):
        with pytest.raises(InvalidInput):
            store.add_feed(bad)


# ---- reading: pages, counts, views ---------------------------------------------------------


def _walk(store: Store, query: str, limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(10_000):
        page = store.page(query, cursor=cursor, limit=limit)
        seen += [r.id for r in page.rows]
        assert len(page.rows) <= limit
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("paging does not end")


def test_page_walks_every_item_once(store: Store, feed) -> None:
    rng = random.Random(7)
    items = []
    for k in range(537):
        # many ties on sort_at, some without a date
        published = None if k % 11 == 0 else f"2025-01-{rng.randint(1, 5):02d}T00:00:00Z"
        items.append(make_item(f"p{k}", published=published))
    store.ingest(feed.id, items, now="2025-01-03T00:00:00Z")
    newest_first = [r[0] for r in store.conn.execute(
        "SELECT id FROM items ORDER BY sort_at DESC, id DESC")]
    for limit in (1, 7, 50, 200, 1000):
        assert _walk(store, "", limit) == newest_first
    assert _walk(store, "sort:old", 64) == newest_first[::-1]

    store.mark_read(newest_first[::3])
    unread = [i for k, i in enumerate(newest_first) if k % 3]
    assert _walk(store, "is:unread", 25) == unread


def test_page_keyset_is_stable_under_concurrent_ingest(store: Store, feed) -> None:
    store.ingest(feed.id, [make_item(f"s{k}", published=f"2025-01-01T00:{k // 60:02d}:{k % 60:02d}Z")
                           for k in range(300)])
    expected = [r[0] for r in store.conn.execute(
        "SELECT id FROM items ORDER BY sort_at DESC, id DESC")]
    seen: list[int] = []
    page = store.page("", limit=40)
    seen += [r.id for r in page.rows]
    k = 0
    while page.next_cursor:
        # the poller adds newer items (above the cursor) while the analyst scrolls
        store.ingest(feed.id, [make_item(f"late{k}", published="2025-02-01T00:00:00Z")])
        k += 1
        page = store.page("", cursor=page.next_cursor, limit=40)
        seen += [r.id for r in page.rows]
    assert seen == expected


def _activity(store: Store, seed: int = 3) -> list[int]:
    """A file with several feeds and a spread of analyst state."""
    rng = random.Random(seed)
    feeds = [store.add_feed(f"https://f{k}.example/rss", f"Feed {k}") for k in range(4)]
    ids: list[int] = []
    for f in feeds:
        ids += ingest_n(store, f.id, rng.randint(20, 40), prefix=f"f{f.id}-")
    store.add_topic("Energy")
    for topic in ("labor", "sanctions", "hybrid threats", "energy"):
        for state_ in ("confirmed", "suggested", "rejected"):
            store.tag(rng.sample(ids, 8), topic, state=state_)
    store.mark_read(rng.sample(ids, 40))
    store.set_status(rng.sample(ids, 25), "triaged")
    store.set_status(rng.sample(ids, 10), "archived")
    store.set_status(rng.sample(ids, 5), "new")
    store.mark_read(rng.sample(ids, 5), read=False)
    with_followup = rng.sample(ids, 24)
    for k, due in enumerate((dt.date(2025, 2, 1), TODAY, dt.date(2025, 3, 1), None)):
        store.set_followup(with_followup[k * 6 : k * 6 + 6], due, f"note {due}")
    store.finish_followup(with_followup[::5])
    store.finish_followup(with_followup[1::7], clear=True)
    store.remove_feed(feeds[-1].id)  # a removed feed: its kept items stay in the totals
    return ids


def test_counts_match_brute_force(store: Store) -> None:
    _activity(store)
    c = store.counts(TODAY)
    q = store.conn.execute
    state_join = "FROM items i LEFT JOIN item_state s ON s.item_id = i.id"
    assert c.all == q("SELECT count(*) FROM items").fetchone()[0]
    assert c.untriaged == q(f"SELECT count(*) {state_join} WHERE coalesce(s.status, 'new') = 'new'"  # noqa: S608
                            ).fetchone()[0]
    assert c.unread == q(f"SELECT count(*) {state_join} WHERE s.read_at IS NULL").fetchone()[0]  # noqa: S608
    assert c.followups == q("SELECT count(*) FROM followups WHERE done_at IS NULL").fetchone()[0]
    assert c.overdue == q("SELECT count(*) FROM followups WHERE done_at IS NULL AND due < ?",
                          (TODAY.isoformat(),)).fetchone()[0]
    assert c.by_topic == dict(q(
        "SELECT t.id, count(*) FROM topics t JOIN item_topics it ON it.topic_id = t.id"
        " JOIN items i ON i.id = it.item_id WHERE it.state IN ('confirmed', 'suggested')"
        " GROUP BY t.id").fetchall())
    assert c.by_feed == dict(q(
        f"SELECT i.feed_id, sum(coalesce(s.status, 'new') = 'new') {state_join}"  # noqa: S608
        " JOIN feeds f ON f.id = i.feed_id WHERE f.removed_at IS NULL GROUP BY i.feed_id"
    ).fetchall())
    assert set(c.by_feed) == {f.id for f in store.feeds()}  # subscribed feeds only
    assert 0 < c.overdue < c.followups < c.untriaged < c.all
    # and counts agree with the query language
    assert c.unread == len(store.item_ids("is:unread"))
    assert c.untriaged == len(store.item_ids("is:new"))
    assert c.followups == len(store.item_ids("is:followup"))


def test_documented_views(store: Store) -> None:
    _activity(store)
    q = store.conn.execute
    untriaged = {r[0]: bool(r[1]) for r in q("SELECT id, is_read FROM untriaged")}
    rows = store.rows(store.item_ids())
    assert untriaged == {r.id: r.is_read for r in rows if r.status == "new"}

    expect_fu = sorted(
        ((r.due, r.id) for r in rows if r.has_followup), key=lambda x: (x[0] is None, x[0] or "", x[1]))
    got = [(r["due"], r["item_id"]) for r in q("SELECT * FROM open_followups")]
    assert got == expect_fu
    notes = {r["item_id"]: r["note"] for r in q("SELECT * FROM open_followups")}
    assert all(notes[i] == store.item(i).followup.note for i in notes)

    names = {(r["item_id"], r["topic"], r["state"], r["source"], r["by"])
             for r in q("SELECT * FROM item_topic_names")}
    expect_names = {(r.id, t.name, t.state, t.source, t.by)
                    for r in rows for t in store.item(r.id).topics}
    assert names == expect_names and len(names) == one(store, "SELECT count(*) FROM item_topics")

    with_topics = {r["id"]: r for r in q("SELECT * FROM items_with_topics")}
    assert set(with_topics) == {r.id for r in rows}
    for r in rows:
        v = with_topics[r.id]
        assert (v["status"], bool(v["is_read"]), v["title"]) == (r.status, r.is_read, r.title)
        shown = set(v["topics"].split(", ")) if v["topics"] else set()
        assert shown == {name for name, _ in r.topics}
        assert v["feed"] == (None if r.feed_id is None else store.feed(r.feed_id).title)
    kept = [r.id for r in rows if store.feed(r.feed_id).removed]  # _activity removed Feed 3
    assert kept and {with_topics[i]["feed"] for i in kept} == {"Feed 3"}
    assert {r["feed"] for r in q("SELECT feed FROM untriaged")} >= {"Feed 0", "Feed 3"}


def test_every_instant_is_utc_text(store: Store) -> None:
    ids = _activity(store)
    f = store.add_feed("https://late.example/rss")
    store.record_fetch(FetchRecord(f.id, store.now(), 200, 1234, 56, new=1),
                       FeedUpdate(success=True, next_poll_at=store.now(), etag='"x"'))
    store.record_fetch(FetchRecord(f.id, store.now(), None, 0, 5, "ConnectError", "refused"),
                       FeedUpdate(success=False, next_poll_at=store.now()))
    store.ingest(f.id, [make_item("late")])
    store.ingest(f.id, [make_item("late", text="changed")])
    store.rename_topic("energy", "Energy security")
    store.save_search("mine", "+labor is:unread")
    store.undo()
    store.mark_read(ids[:3])

    checked: dict[str, int] = {}
    tables = [r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'items_fts%'"
        " AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        for col in store.conn.execute(f"PRAGMA table_info({table})").fetchall():  # noqa: S608
            name = col["name"]
            if not (name == "at" or name.endswith("_at")):
                continue
            values = [r[0] for r in store.conn.execute(
                f"SELECT {name} FROM {table} WHERE {name} IS NOT NULL")]  # noqa: S608
            bad = [v for v in values if not (isinstance(v, str) and INSTANT.match(v))]
            assert not bad, f"{table}.{name}: {bad[:3]}"
            checked[f"{table}.{name}"] = len(values)
    dues = [r[0] for r in store.conn.execute("SELECT due FROM followups WHERE due IS NOT NULL")]
    assert dues and all(DATE.match(d) for d in dues)
    must_have_values = {
        "feeds.added_at", "feeds.removed_at", "feeds.next_poll_at", "feeds.last_polled_at", "feeds.last_success_at",
        "fetch_log.at", "items.first_seen_at", "items.sort_at", "items.published_at",
        "item_revisions.replaced_at", "topics.created_at", "item_topics.at",
        "item_state.read_at", "item_state.status_at", "followups.created_at",
        "followups.done_at", "events.at",
    }
    assert {k for k, n in checked.items() if n} >= must_have_values
