"""`triage poll` and `triage feeds …` run as a user runs them: subprocesses, a real file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from clihelp import ROOT, run_cli
from loopback import Document, Loopback, rss, slow
from seed import incoming

from feeds.lock import watcher_running
from feeds.opml import read_opml
from store import Store

BODY = rss("Desk", [(f"g{n}", f"Report {n}", f"Text {n}.") for n in range(4)])


def start_poll(db, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TRIAGE_DB": str(db), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "cli.main", "poll", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def fetches(db) -> int:
    with Store(db) as store:
        return store.conn.execute("SELECT count(*) FROM fetch_log").fetchone()[0]


@pytest.fixture()
def web():
    with Loopback() as server:
        yield server


def test_poll_once_summary_json_and_quiet(tmp_path, web):
    db = tmp_path / "p.db"
    with Store(db) as store:
        store.add_feed(web.route("/ok", Document(BODY)))
        store.add_feed(web.url("/missing"))
    plain = run_cli("poll", db=db)
    assert plain.returncode == 0, plain.stderr
    assert "polled 2 feeds" in plain.stdout and "1 failed" in plain.stdout
    assert "404" in plain.stderr and plain.stderr.count("\n") == 1
    quiet = run_cli("poll", "--all", "--quiet", db=db)
    assert quiet.returncode == 0 and quiet.stdout == ""
    assert "404" in quiet.stderr
    as_json = run_cli("poll", "--all", "--json", db=db)
    summary = json.loads(as_json.stdout)
    assert (summary["feeds"], summary["not_modified"], summary["failed"]) == (2, 1, 1)
    nothing_due = run_cli("poll", "--json", db=db)
    assert json.loads(nothing_due.stdout)["feeds"] == 0  # the 200 is not due again yet


def test_poll_on_an_unusable_file_exits_non_zero(tmp_path):
    bad = tmp_path / "not.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    result = run_cli("poll", db=bad)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("triage: error:")


def test_watch_exits_cleanly_on_sigterm_after_the_feed_in_hand(tmp_path, web):
    db = tmp_path / "w.db"
    with Store(db) as store:
        store.add_feed(web.route("/slow", slow(BODY, delay=0.1, chunk=len(BODY) // 15)))
    proc = start_poll(db, "--watch", "--interval", "1s", "--all")
    try:
        wait_for(lambda: web.seen("/slow"))  # the fetch is in hand (about 1.5 s long)
        info = watcher_running(db)
        assert info is not None and info.pid == proc.pid and info.mode == "watch"
        second = run_cli("poll", db=db)
        assert second.returncode == 3
        assert f"pid {proc.pid}" in second.stderr and "--watch" in second.stderr
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "polled 1 feed in" in out and "4 new items" in out
    with Store(db) as store:
        log = store.fetch_log(1)
    assert len(log) == 1 and log[0].http_status == 200 and log[0].new == 4
    assert watcher_running(db) is None
    assert run_cli("poll", db=db).returncode == 0  # the lock is free again


def test_watch_wakes_up_on_its_interval(tmp_path, web):
    db = tmp_path / "w2.db"
    with Store(db) as store:
        store.add_feed(web.route("/ok", Document(BODY)))
    proc = start_poll(db, "--watch", "--interval", "1s", "--json")
    try:
        wait_for(lambda: fetches(db) >= 1)
        time.sleep(2.5)  # two more wake-ups: the feed is not due, nothing is fetched
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    passes = [json.loads(line) for line in out.splitlines()]
    assert len(passes) >= 2 and passes[0]["ok"] == 1 and passes[-1]["feeds"] == 0
    assert fetches(db) == 1


def test_feeds_add_rejects_bad_urls_on_one_line(tmp_path):
    db = tmp_path / "a.db"
    for url in ("ftp://example.org/feed", "file:///etc/passwd", "not a url", "http://"):
        result = run_cli("feeds", "add", url, db=db)
        assert result.returncode == 1, url
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("triage: error:")
    ok = run_cli("feeds", "add", "https://example.org/feed.xml", db=db)
    assert ok.returncode == 0 and "added feed 1" in ok.stdout
    again = run_cli("feeds", "add", "https://example.org/feed.xml", db=db)
    assert again.returncode == 1 and "already" in again.stderr


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>mine</title></head><body>
  <outline text="War">
    <outline text="War Desk" type="rss" xmlUrl="https://wardesk.example.org/feed.xml"/>
    <outline text="Sub">
      <outline text="ISW &amp; co" type="rss" xmlUrl="https://isw.example.org/rss"
               htmlUrl="https://isw.example.org/"/>
    </outline>
  </outline>
  <outline text="Dup" xmlUrl="https://wardesk.example.org/feed.xml"/>
  <outline text="Bad" xmlUrl="javascript:alert(1)"/>
  <outline text="Already" xmlUrl="https://known.example.org/atom"/>
</body></opml>
"""


def test_opml_import_export_round_trip(tmp_path):
    db = tmp_path / "o.db"
    with Store(db) as store:
        store.add_feed("https://known.example.org/atom", "Known")
        for url in ("https://isw.example.org/rss", "https://gone.example.org/rss"):
            store.remove_feed(store.add_feed(url, "Removed").id)  # neither exported nor known
    path = tmp_path / "in.opml"
    path.write_text(OPML, encoding="utf-8")
    imported = run_cli("feeds", "import", str(path), db=db)
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 feeds" in imported.stdout
    assert "(1 of them re-subscribed after a remove)" in imported.stdout
    assert "2 duplicates skipped" in imported.stdout and "1 invalid" in imported.stdout
    exported = run_cli("feeds", "export", db=db)
    assert exported.returncode == 0
    assert '<opml version="2.0">' in exported.stdout
    subs = read_opml(exported.stdout.encode())
    assert {s.url: s.title for s in subs} == {
        "https://known.example.org/atom": "Known",
        "https://wardesk.example.org/feed.xml": "War Desk",
        "https://isw.example.org/rss": "ISW & co",
    }
    again = tmp_path / "again.db"
    (tmp_path / "out.opml").write_text(exported.stdout, encoding="utf-8")
    reimported = run_cli("feeds", "import", str(tmp_path / "out.opml"), db=again)
    assert "imported 3 feeds" in reimported.stdout
    assert run_cli("feeds", "export", db=again).stdout.split("<body>")[1] == \
        exported.stdout.split("<body>")[1]
    broken = tmp_path / "broken.opml"
    broken.write_text("<opml><body>", encoding="utf-8")
    failed = run_cli("feeds", "import", str(broken), db=db)
    assert failed.returncode == 1 and failed.stderr.count("\n") == 1


def test_feeds_remove_keeps_touched_items_unless_purge(tmp_path):
    db = tmp_path / "r.db"
    with Store(db, actor="analyst") as store:
        one = store.add_feed("https://one.example.org/feed")
        two = store.add_feed("https://two.example.org/feed")
        for feed in (one, two):
            store.ingest(feed.id, [incoming(f"{feed.id}-{n}", f"T{n}", "x", None) for n in range(3)])
        touched = store.item_ids(f"feed:{one.url}")[:1] + store.item_ids(f"feed:{two.url}")[:1]
        store.tag(touched, "labor")
    kept = run_cli("feeds", "remove", str(one.id), db=db)
    assert kept.returncode == 0, kept.stderr
    assert "2 items deleted, 1 kept" in kept.stdout
    assert f"'triage feeds add {one.url}' subscribes to it again" in kept.stdout
    purged = run_cli("feeds", "remove", str(two.id), "--purge", db=db)
    assert "3 items deleted, 0 kept" in purged.stdout
    items = json.loads(run_cli("items", "--json", db=db).stdout)
    assert [(i["id"], i["feed"]) for i in items] == [(touched[0], one.url)]  # source kept
    with Store(db) as store:
        assert store.item_ids() == [touched[0]]
        assert store.feeds() == []
        assert [e.action for e in store.events(limit=2)] == ["feed_remove", "feed_remove"]
    listed = run_cli("feeds", "list", db=db)
    assert listed.stdout.strip() == (
        "no feeds yet: add one with 'triage feeds add URL' (1 removed: 'triage feeds list --all')")
    again = run_cli("feeds", "remove", str(one.id), db=db)
    assert again.returncode == 1 and "already removed; --purge" in again.stderr
    gone = run_cli("feeds", "remove", str(one.id), "--purge", db=db)
    assert gone.returncode == 0 and f"purged feed {one.id}" in gone.stdout
    assert "1 items deleted, 0 kept" in gone.stdout
    assert run_cli("items", db=db).stdout == ""
    missing = run_cli("feeds", "remove", "99", db=db)
    assert missing.returncode == 1 and "no feed 99" in missing.stderr


def test_feeds_enable_turns_a_gone_feed_back_on(tmp_path):
    from store.models import FetchRecord
    from store.sources import FeedUpdate

    db = tmp_path / "t.db"
    with Store(db) as store:
        feed = store.add_feed("https://gone.example.org/feed.xml", "Gone Gazette")
        store.record_fetch(
            FetchRecord(feed.id, "2026-11-01T00:00:00Z", 410, 0, 5, "HTTPError", "HTTP 410 Gone"),
            FeedUpdate(success=False, next_poll_at="2026-11-02T00:00:00Z",
                       disabled_reason="HTTP 410 Gone: the publisher removed this feed"),
        )
    listed = run_cli("feeds", "list", "--json", db=db)
    assert json.loads(listed.stdout)[0]["disabled_reason"]
    enabled = run_cli("feeds", "enable", str(feed.id), db=db)
    assert enabled.returncode == 0, enabled.stderr
    assert "it was disabled: HTTP 410 Gone" in enabled.stdout
    with Store(db) as store:
        again = store.feed(feed.id)
        assert again.disabled_reason is None and again.error_count == 0
        assert [f.id for f in store.due_feeds()] == [feed.id]
    missing = run_cli("feeds", "enable", "99", db=db)
    assert missing.returncode == 1 and missing.stderr.strip() == "triage: error: no feed 99"


def test_a_removed_feed_is_not_polled_and_adding_it_again_revives_it(tmp_path, web):
    """The whole round trip as a user does it: poll, tag, remove (the tagged item stays,
    under the feed's name), list, poll (the removed feed is not fetched), add the URL again
    (re-subscribed, not a duplicate), poll (the deleted items come back, none doubled)."""
    db = tmp_path / "revive.db"
    url = web.route("/desk", Document(BODY))
    assert run_cli("feeds", "add", url, db=db).stdout.startswith("added feed 1:")
    assert run_cli("poll", db=db).returncode == 0
    items = json.loads(run_cli("items", "--json", db=db).stdout)
    assert [i["feed"] for i in items] == ["Desk"] * 4
    assert run_cli("tag", "labor", str(items[0]["id"]), db=db).returncode == 0

    removed = run_cli("feeds", "remove", "1", db=db)
    assert "removed feed 1 (Desk): 3 items deleted, 1 kept" in removed.stdout
    assert [(i["id"], i["feed"]) for i in json.loads(run_cli("items", "--json", db=db).stdout)
            ] == [(items[0]["id"], "Desk")]
    assert json.loads(run_cli("items", "--json", "--", "+labor", db=db).stdout)[0]["feed"] == "Desk"
    assert json.loads(run_cli("feeds", "list", "--json", db=db).stdout) == []
    listed = json.loads(run_cli("feeds", "list", "--all", "--json", db=db).stdout)
    assert [(f["id"], f["status"]) for f in listed] == [(1, "removed")] and listed[0]["removed_at"]
    table = run_cli("feeds", "list", "--all", db=db).stdout.splitlines()
    assert table[1].split()[:3] == ["1", "Desk", "removed"]
    enable = run_cli("feeds", "enable", "1", db=db)
    assert enable.returncode == 1 and "was removed" in enable.stderr

    requests = len(web.seen("/desk"))
    polled = json.loads(run_cli("poll", "--all", "--json", db=db).stdout)
    assert polled["feeds"] == 0 and len(web.seen("/desk")) == requests  # never fetched

    revived = run_cli("feeds", "add", url, db=db)
    assert revived.returncode == 0, revived.stderr
    assert revived.stdout.startswith(f"re-subscribed to removed feed 1 (Desk): {url}")
    assert [f["status"] for f in json.loads(run_cli("feeds", "list", "--json", db=db).stdout)
            ] == ["ok"]
    polled = json.loads(run_cli("poll", "--json", db=db).stdout)  # due at once
    assert (polled["feeds"], polled["items_new"]) == (1, 3)
    after = json.loads(run_cli("items", "--json", db=db).stdout)
    assert sorted(i["id"] for i in after)[0] == items[0]["id"] and len(after) == 4
    assert {i["feed"] for i in after} == {"Desk"}
    duplicate = run_cli("feeds", "add", url, db=db)
    assert duplicate.returncode == 1 and "already subscribed" in duplicate.stderr
