"""The poller against a real loopback HTTP server: every case ends as a clear result.

Each scripted route (200, 304, redirects, errors, slow, hanging, huge, gzip bomb, not a
feed, truncated, reset) becomes a success or a one-line error in fetch_log and in
`triage feeds list`, and the pass goes on. The huge body and the gzip bomb run through
the real command in a subprocess whose memory is watched (and limited), so a broken
cap fails the test instead of eating the machine.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import threading
import time

import psutil
import pytest
from clihelp import ROOT, run_cli
from loopback import (
    HTML_PAGE,
    Document,
    Loopback,
    MiB,
    gzip_bomb,
    gzipped,
    hang,
    huge,
    redirect,
    reset,
    rss,
    send,
    slow,
    status,
    truncated,
)

from feeds.fetch import FetchLimits
from feeds.poll import PollConfig, poll_once
from store import Store
from store.clock import parse_instant

FAST = PollConfig(limits=FetchLimits(connect_timeout=2, read_timeout=1, deadline=3),
                  parse_deadline=10)
BODY = rss("Desk", [(f"g{n}", f"Report {n}", f"Text of report {n}.") for n in range(3)])


def doc(body: bytes = BODY, **kw) -> Document:
    return Document(body, **kw)


def routes(web: Loopback) -> dict[str, tuple]:
    """path → (route, expected outcome, expected error class or None)."""
    chain = {f"/chain{n}": redirect(302, f"/chain{n + 1}") for n in range(7)}
    five = {f"/five{n}": redirect(307, f"/five{n + 1}") for n in range(1, 5)}
    for path, route in {**chain, **five, "/five5": doc()}.items():
        web.route(path, route)
    for target in ("/t301", "/t308", "/t302"):
        web.route(target, doc())
    return {
        "/ok": (doc(), "ok", None),
        "/gz": (gzipped(BODY), "ok", None),
        "/p301": (redirect(301, "/t301"), "ok", None),
        "/p308": (redirect(308, web.url("/t308")), "ok", None),
        "/p302": (redirect(302, "/t302"), "ok", None),
        "/missing": (status(404), "failed", "HTTPError"),
        "/gone": (status(410), "disabled", "HTTPError"),
        "/busy": (status(429, {"Retry-After": "7200"}), "failed", "HTTPError"),
        "/broken": (status(500), "failed", "HTTPError"),
        "/slow": (slow(BODY, 0.5, 16), "failed", "FetchTimeout"),
        "/hang": (hang(web), "failed", "FetchTimeout"),
        "/loop": (redirect(302, "/loop"), "failed", "RedirectError"),
        "/chain0": (chain["/chain0"], "failed", "RedirectError"),  # 6 redirects and more
        "/five0": (redirect(302, "/five1"), "ok", None),  # exactly 5 redirects
        "/ftp": (redirect(302, "ftp://127.0.0.1/feed"), "failed", "RedirectError"),
        "/html": (lambda h: send(h, 200, HTML_PAGE, "text/html"), "failed", "ParseError"),
        "/half": (truncated(BODY), "failed", "ConnectionFailed"),
        "/reset": (reset, "failed", "ConnectionFailed"),
        "/huge": (huge(200 * MiB), "failed", "TooLarge"),
        "/huge-declared": (huge(200 * MiB, declare_length=True), "failed", "TooLarge"),
        "/bomb": (gzip_bomb(), "failed", "TooLarge"),
        "/cut-xml": (doc(BODY[: len(BODY) * 2 // 3]), "any", "ParseError"),
    }


@pytest.fixture()
def farm(tmp_path):
    with Loopback(ports=2) as web:
        cases = routes(web)
        db = tmp_path / "poll.db"
        with Store(db, actor="cli") as store:
            for path, (route, *_rest) in cases.items():
                store.add_feed(web.route(path, route))
            store.add_feed("http://127.0.0.1:9/refused")  # discard port: nobody listens
        yield web, db, cases


def test_every_case_ends_as_a_clear_result_and_the_pass_goes_on(farm):
    web, db, cases = farm
    started = dt.datetime.now(dt.UTC)
    with Store(db, actor="poller") as store:
        summary = poll_once(store, everything=True, config=FAST)
        feeds = {f.id: f for f in store.feeds()}
        results = {r.feed_id: r for r in summary.results}
        assert len(results) == len(cases) + 1
        for feed_id, result in results.items():
            path = result.url.split(str(web.ports[0]), 1)[-1]
            log = store.fetch_log(feed_id)
            assert len(log) == 1, path  # one fetch_log row per feed
            if path.startswith("http://127.0.0.1:9/"):
                assert result.error_class == "ConnectionFailed"
                continue
            _route, outcome, error_class = cases[path]
            if outcome == "any":
                assert result.outcome == "ok" or result.error_class == error_class, result
            else:
                assert result.outcome == outcome, (path, result)
            if result.failed:
                assert result.error_class == error_class, (path, result)
                assert log[0].error_class == error_class and log[0].error_message
                assert "\n" not in log[0].error_message
                assert feeds[feed_id].last_error
            else:
                assert result.new == 3 or outcome == "any", (path, result)
        by_path = {r.url.rsplit("/", 1)[-1]: r for r in results.values()}
        assert summary.failed == len([r for r in results.values() if r.failed])
        assert summary.items_new >= 15
    assert by_path["busy"].http_status == 429
    retry = parse_instant(by_path["busy"].next_poll_at) - started
    assert retry >= dt.timedelta(hours=2) - dt.timedelta(seconds=5)
    assert by_path["gone"].outcome == "disabled"
    assert by_path["bomb"].bytes < 2 * MiB  # stopped early, not after a gigabyte
    with Store(db) as store:
        urls = {f.url for f in store.feeds()}
    assert web.url("/t301") in urls and web.url("/t308") in urls  # permanent: moved
    assert web.url("/p302") in urls and web.url("/t302") not in urls  # temporary: stays
    listed = run_cli("feeds", "list", "--json", db=db)
    assert listed.returncode == 0, listed.stderr
    status_by_url = {f["url"]: f for f in json.loads(listed.stdout)}
    assert status_by_url[web.url("/gone")]["status"] == "disabled"
    assert status_by_url[web.url("/missing")]["status"] == "failing x1"
    assert "404" in status_by_url[web.url("/missing")]["last_error"]
    assert status_by_url[web.url("/ok")]["status"] == "ok"
    table = run_cli("feeds", "list", db=db)
    assert "disabled" in table.stdout and "FetchTimeout" in table.stdout


def test_failures_back_off_and_never_stop(farm):
    web, db, _cases = farm
    with Store(db, actor="poller") as store:
        for _ in range(2):
            poll_once(store, everything=True, config=FAST)
        missing = next(f for f in store.feeds() if f.url == web.url("/missing"))
        gone = next(f for f in store.feeds() if f.url == web.url("/gone"))
        assert missing.error_count == 2 and missing.disabled_reason is None
        assert missing.next_poll_at is not None
        assert gone.error_count == 1 and "410" in gone.disabled_reason  # not polled again
        assert len(store.fetch_log(gone.id)) == 1


def test_a_permanent_redirect_to_a_url_another_feed_has_is_shown(tmp_path):
    """A 301/308 to a URL that another feed (subscribed, or removed and kept for its items)
    already has cannot move the stored URL (URLs are unique): the old URL stays, and the
    feed's last error says so in `triage feeds list`, while its items are still stored."""
    with Loopback() as web:
        db = tmp_path / "moved.db"
        taken, held = web.route("/taken", doc()), web.route("/held", doc())
        with Store(db, actor="cli") as store:
            a = store.add_feed(web.route("/a", redirect(301, "/taken")))
            b = store.add_feed(taken)
            c = store.add_feed(web.route("/c", redirect(308, held)))
            d = store.add_feed(held)
            store.remove_feed(d.id)
            free = store.add_feed(web.route("/free", redirect(301, "/t301")))
            web.route("/t301", doc())
        polled = run_cli("poll", "--all", "--json", db=db)
        assert polled.returncode == 0, polled.stderr
        results = {r["feed_id"]: r for r in json.loads(polled.stdout)["results"]}
        listed = {f["id"]: f for f in json.loads(run_cli("feeds", "list", "--json", db=db).stdout)}
        table = run_cli("feeds", "list", db=db).stdout
    assert set(results) == {a.id, b.id, c.id, free.id}  # the removed feed is not polled
    for feed, holder, which in ((a, b, "feed"), (c, d, "removed feed")):
        assert (results[feed.id]["outcome"], results[feed.id]["new"]) == ("ok", 3)
        assert results[feed.id]["moved_to"] is None  # the report claims no move
        shown = listed[feed.id]
        assert (shown["url"], shown["status"]) == (feed.url, "ok")  # the old URL, not failing
        assert shown["last_error"] == (f"moved permanently to the URL of {which} {holder.id};"
                                       f" kept the old URL (new: {holder.url})")
        assert f"moved permanently to the URL of {which} {holder.id}; kept the old" in table
    assert results[free.id]["moved_to"] == listed[free.id]["url"] == web.url("/t301")
    assert listed[free.id]["last_error"] is None and listed[b.id]["last_error"] is None


MEMORY_SCRIPT = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 * 1024 ** 3, 3 * 1024 ** 3))
sys.argv = ["triage", "poll", "--all", "--json"]
from cli.main import main
raise SystemExit(main())
"""


def _watch_memory(proc: psutil.Process, peak: list[float], limit_mb: float) -> None:
    while proc.is_running():
        try:
            tree = [proc, *proc.children(recursive=True)]
            rss = sum(p.memory_info().rss for p in tree) / MiB
        except psutil.Error:
            rss = 0.0
        peak[0] = max(peak[0], rss)
        if rss > limit_mb:  # a broken cap: stop it before it eats the machine
            for p in [*proc.children(recursive=True), proc]:
                p.kill()
            return
        time.sleep(0.02)


@pytest.mark.timeout(120)
def test_huge_body_and_gzip_bomb_stay_within_memory(tmp_path):
    assert resource.RLIMIT_AS  # the subprocess limits its address space too
    with Loopback() as web:
        db = tmp_path / "big.db"
        with Store(db) as store:
            for path, route in {"/huge": huge(200 * MiB), "/bomb": gzip_bomb(),
                                "/ok": doc()}.items():
                store.add_feed(web.route(path, route))
        env = {**os.environ, "TRIAGE_DB": str(db), "PYTHONPATH": str(ROOT)}
        popen = subprocess.Popen([sys.executable, "-c", MEMORY_SCRIPT], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak = [0.0]
        watcher = threading.Thread(target=_watch_memory,
                                   args=(psutil.Process(popen.pid), peak, 600))
        watcher.start()
        out, err = popen.communicate(timeout=100)
        watcher.join()
    assert popen.returncode == 0, err
    summary = json.loads(out)
    errors = {r["url"].rsplit("/", 1)[-1]: r["error_class"] for r in summary["results"]}
    assert errors == {"huge": "TooLarge", "bomb": "TooLarge", "ok": None}
    assert peak[0] < 300, f"peak RSS of the poller's process tree: {peak[0]:.0f} MB"


def test_https_with_an_untrusted_certificate_is_a_clear_error(tmp_path):
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with Loopback(tls=context) as web:
        db = tmp_path / "tls.db"
        with Store(db, actor="poller") as store:
            store.add_feed(web.route("/feed", doc()))
            summary = poll_once(store, everything=True, config=FAST)
    [result] = summary.results
    assert result.error_class == "ConnectionFailed"
    assert "CERTIFICATE_VERIFY_FAILED" in result.error_message


def test_a_slow_parse_hits_its_deadline_and_never_blocks_fetching(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_TESTING", "1")  # the spawned parsers honour the sleep header
    config = PollConfig(limits=FAST.limits, parse_deadline=1.5, workers=1)
    with Loopback() as web:
        db = tmp_path / "deadline.db"
        with Store(db, actor="poller") as store:
            store.add_feed(web.route("/stuck", doc(headers={"X-Triage-Test-Sleep": "30"})))
            for n in range(6):
                store.add_feed(web.route(f"/ok{n}", doc()))
            started = time.monotonic()
            summary = poll_once(store, everything=True, config=config)
            elapsed = time.monotonic() - started
    by_path = {r.url.rsplit("/", 1)[-1]: r for r in summary.results}
    assert by_path["stuck"].error_class == "ParseError"
    assert "longer than" in by_path["stuck"].error_message
    assert all(by_path[f"ok{n}"].outcome == "ok" for n in range(6))
    assert len(web.seen("/ok5")) == 1  # fetched while the stuck document was parsing
    assert elapsed < 15  # the worker was killed at the deadline, not waited for
