"""The poller and a front end write the same file at the same time, as separate OS
processes. Every analyst edit must land, the file must stay whole, and no "database is
locked" (or any other error) may ever reach either caller.

The child processes run this very file (``runpy``) with a role: ``poller``, ``analyst``
or ``reader``. The analyst's edits come from a seeded plan, so the test computes the
expected final state from the same plan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the `pytest` script does not put the project on sys.path
    sys.path.insert(0, str(ROOT))


from store import Store  # noqa: E402
from store.models import IncomingItem  # noqa: E402

SHARED = 60  # items the analyst edits and the poller keeps revising
EDITS = 600
SEED = 20250215
MIN_ROUNDS = 10
TOPICS = ("labor", "sanctions", "hybrid threats")
STATES = ("confirmed", "suggested", "rejected")
STATUSES = ("new", "triaged", "archived")
DUES = (None, "2025-02-10", "2025-03-01", "2025-04-15")
WORDS = ("drone base sanctions resolution workers visa Patriot battalion logistics Russia "
         "Україна Росія санкції робітники дрони").split()


# ---- what the processes do ---------------------------------------------------------------


def item(guid: str, version: int, rng: random.Random | None = None) -> IncomingItem:
    rng = rng or random.Random(f"{guid}/{version}")
    text = " ".join(rng.choice(WORDS) for _ in range(300)) + f" version {version}"
    title = f"Item {guid} v{version}"
    url = f"https://desk.example/{guid}"
    return IncomingItem(
        guid_key=guid, url=url, title=title, author=None,
        published_at=f"2025-01-{1 + int(hashlib.md5(guid.encode()).hexdigest(), 16) % 28:02d}"
                     "T12:00:00Z",
        updated_at=None, summary=None, content_html=f"<p>{text}</p>", content_text=text,
        content_hash=hashlib.sha256(f"{title}\x1f{url}\x1f{text}".encode()).hexdigest(),
    )


def plan(shared_ids: list[int], n: int = EDITS, seed: int = SEED) -> list[tuple]:
    rng = random.Random(seed)
    ops: list[tuple] = []
    for k in range(n):
        targets = rng.sample(shared_ids, rng.choice((1, 1, 1, 2, 5)))
        kind = rng.choice(("tag", "tag", "untag", "read", "unread", "status", "followup",
                           "followup", "done", "clear"))
        if kind == "tag":
            ops.append((kind, targets, rng.choice(TOPICS), rng.choice(STATES)))
        elif kind == "untag":
            ops.append((kind, targets, rng.choice(TOPICS)))
        elif kind == "status":
            ops.append((kind, targets, rng.choice(STATUSES)))
        elif kind == "followup":
            ops.append((kind, targets, rng.choice(DUES), rng.choice((None, f"note {k}"))))
        else:
            ops.append((kind, targets))
    return ops


def apply(store: Store, op: tuple) -> None:
    kind, targets, *args = op
    if kind == "tag":
        store.tag(targets, args[0], state=args[1])
    elif kind == "untag":
        store.untag(targets, args[0])
    elif kind in ("read", "unread"):
        store.mark_read(targets, read=kind == "read")
    elif kind == "status":
        store.set_status(targets, args[0])
    elif kind == "followup":
        due = dt.date.fromisoformat(args[0]) if args[0] else None
        store.set_followup(targets, due, args[1])
    else:
        store.finish_followup(targets, clear=kind == "clear")


def expected(ops: list[tuple], shared_ids: list[int]) -> dict[int, dict]:
    model = {i: {"topics": {}, "read": False, "status": "new", "followup": None}
             for i in shared_ids}
    for kind, targets, *args in ops:
        for i in targets:
            m = model[i]
            if kind == "tag":
                m["topics"][args[0]] = args[1]
            elif kind == "untag":
                m["topics"].pop(args[0], None)
            elif kind in ("read", "unread"):
                m["read"] = kind == "read"
            elif kind == "status":
                m["status"] = args[0]
            elif kind == "followup":  # None leaves the open follow-up's date / note as is
                old_due, old_note = m["followup"] or (None, "")
                m["followup"] = (old_due if args[0] is None else args[0],
                                 old_note if args[1] is None else args[1])
            else:
                m["followup"] = None
    return model



def wait_for(path: str) -> None:
    while not os.path.exists(path):
        time.sleep(0.002)


def run_poller(path: str, go: str, stop: str) -> dict:
    with Store(path, actor="poller") as store:
        shared_feed, stream_feed = (f.id for f in sorted(store.feeds(), key=lambda f: f.id))
        version = dict.fromkeys(range(SHARED), 0)
        totals = {"rounds": 0, "new": 0, "updated": 0, "unchanged": 0, "round_ends": []}
        wait_for(go)
        rnd = 0
        while rnd < MIN_ROUNDS or not os.path.exists(stop):
            rnd += 1
            rng = random.Random(rnd)
            fresh = [item(f"b{rnd}-{k}", 0, rng) for k in range(40)]
            for k in version:
                if (k + rnd) % 3 == 0:  # a third of the shared items change each round
                    version[k] = rnd
            revised = [item(f"a{k}", v) for k, v in version.items()]
            for feed_id, batch in ((stream_feed, fresh), (shared_feed, revised)):
                result = store.ingest(feed_id, batch)
                totals["new"] += result.new
                totals["updated"] += result.updated
                totals["unchanged"] += result.unchanged
            totals["rounds"] = rnd
            totals["round_ends"].append(time.time())
        totals["versions"] = version
        return totals


def run_analyst(path: str, go: str, stop: str) -> dict:
    with Store(path, actor="analyst") as store:
        shared_ids = sorted(r.id for r in store.rows(store.item_ids())
                            if r.feed_id == store.feeds()[0].id)
        ops = plan(shared_ids)
        wait_for(go)
        start = time.time()
        for op in ops:
            apply(store, op)
            time.sleep(0.001)  # a fast typist, so the edits spread over the poller's rounds
        return {"ops": len(ops), "start": start, "end": time.time()}


def run_reader(path: str, go: str, stop: str) -> dict:
    reads = inconsistent = 0
    with Store(path, actor="reader") as store:
        wait_for(go)
        while not os.path.exists(stop):
            c = store.counts()
            # every item has a feed here, so per-feed untriaged counts add up to the total
            if sum(c.by_feed.values()) != c.untriaged or c.unread > c.all:
                inconsistent += 1
            page = store.page("is:unread", limit=50)
            store.page("", cursor=page.next_cursor, limit=50)
            reads += 1
    return {"reads": reads, "inconsistent": inconsistent}


def child_main(argv: list[str]) -> int:
    role, path, go, stop = argv
    runner = {"poller": run_poller, "analyst": run_analyst, "reader": run_reader}[role]
    print(json.dumps(runner(path, go, stop)))
    return 0


CHILD = (
    "import runpy, sys\n"
    "ns = runpy.run_path(sys.argv[1], run_name='concurrency_child')\n"
    "sys.exit(ns['child_main'](sys.argv[2:]))\n"
)


# ---- the test ------------------------------------------------------------------------------


def test_poller_and_analyst_write_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    go, stop = tmp_path / "go", tmp_path / "stop"
    with Store(path) as store:
        shared_feed = store.add_feed("https://desk.example/shared", "Shared")
        stream_feed = store.add_feed("https://desk.example/stream", "Stream")
        assert shared_feed.id < stream_feed.id
        store.ingest(shared_feed.id, [item(f"a{k}", 0) for k in range(SHARED)])
        shared_ids = sorted(store.item_ids())

    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def spawn(role: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", CHILD, __file__, role, str(path), str(go), str(stop)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )

    started = time.monotonic()
    procs = {role: spawn(role) for role in ("poller", "analyst", "reader")}
    time.sleep(0.5)  # interpreters up and waiting
    go.touch()
    results: dict[str, dict] = {}
    try:
        out, err = procs["analyst"].communicate(timeout=50)
        results["analyst"] = (procs["analyst"].returncode, out, err)
    finally:
        stop.touch()
        for role in ("poller", "reader"):
            out, err = procs[role].communicate(timeout=30)
            results[role] = (procs[role].returncode, out, err)
    assert time.monotonic() - started < 60

    reports = {}
    for role, (code, out, err) in results.items():
        assert "locked" not in err.lower() and "locked" not in out.lower(), (role, err)
        assert code == 0, f"{role} failed:\n{err}"
        reports[role] = json.loads(out.strip().splitlines()[-1])
    analyst, poller, reader = reports["analyst"], reports["poller"], reports["reader"]
    assert analyst["ops"] >= 300
    during = [t for t in poller["round_ends"] if analyst["start"] <= t <= analyst["end"]]
    assert len(during) >= 5, "the poller should have been writing while the analyst was"
    assert poller["updated"] > 0 and poller["new"] > 0
    assert reader["reads"] > 0 and reader["inconsistent"] == 0, reader

    from seed import analyst_view  # here, not at the top: the child processes run this file

    with Store(path) as store:
        ops = plan(shared_ids)
        want = expected(ops, shared_ids)
        for item_id in shared_ids:
            assert analyst_view(store, item_id) == want[item_id], item_id
        q = store.conn.execute
        assert q("SELECT count(*) FROM items").fetchone()[0] == SHARED + poller["new"]
        assert q("SELECT count(*) FROM item_revisions").fetchone()[0] == poller["updated"]
        assert q("SELECT sum(revision_count) FROM items").fetchone()[0] == poller["updated"]
        versions = {f"a{k}": v for k, v in poller["versions"].items()}
        for row in q("SELECT guid_key, title, content_hash FROM items WHERE feed_id = ?",
                     (1,)):
            assert row["content_hash"] == item(row["guid_key"], versions[row["guid_key"]]).content_hash
        assert {r[0] for r in q("SELECT DISTINCT actor FROM events")} == {"analyst"}
        assert q("SELECT count(DISTINCT batch_id) FROM events").fetchone()[0] <= len(ops)
        assert q("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert q("PRAGMA foreign_key_check").fetchall() == []
        assert q("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    finally:
        conn.close()
