"""Shared by the TUI tests: a small seeded file, the app on it, waiting, screen text."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import io
from pathlib import Path
from unittest import mock

from rich.console import Console

from store import Store
from store.models import FetchRecord, IncomingItem
from store.sources import FeedUpdate

TODAY = dt.date(2025, 3, 10)
SEEDED_AT = dt.datetime(2025, 3, 9, 12, 0, tzinfo=dt.UTC)

BODY = """
<h2>Labour flows</h2>
<p>In 2024, <strong>13,221</strong> North Koreans entered Russia, 7,887 of them on
student visas. See <a href="https://wardesk.example.org/report">the report</a> and
<a href="https://un.example.int/res/2397">Resolution 2397</a>.</p>
<ul><li>labour migration</li><li>sanctions breach</li></ul>
<blockquote><p>Workers are sent abroad under cover of study.</p></blockquote>
<p>Unsafe: <a href="javascript:alert(1)">click</a></p>
"""


def incoming(key: str, title: str, published: str, text: str = "", html: str | None = None,
             url: str | None = None) -> IncomingItem:
    text = text or f"{title}. Body text about {title.lower()}."
    return IncomingItem(
        guid_key=key, url=url or f"https://wardesk.example.org/{key}", title=title,
        author="Desk", published_at=published, updated_at=None, summary=None,
        content_html=html if html is not None else f"<p>{text}</p>", content_text=text,
        content_hash=hashlib.sha1((title + text).encode()).hexdigest(),
    )


@contextlib.contextmanager
def frozen_clock(at: dt.datetime = SEEDED_AT):
    with mock.patch("store.clock.utc_now", return_value=at):
        yield


def seed(path: Path) -> dict[str, int]:
    """Three feeds (one failing), eight items with topics, follow-ups, a revision."""
    ids: dict[str, int] = {}
    now = "2025-03-09T12:00:00Z"
    with frozen_clock(), Store(path, actor="alice") as store:
        war = store.add_feed("https://wardesk.example.org/rss", "War Desk")
        tank = store.add_feed("https://thinktank.example.net/feed", "Think Tank Weekly")
        broken = store.add_feed("https://broken.example.com/rss", "Broken Feed")
        rows = [
            (war, "nk", "North Koreans entered Russia in 2024", "2025-03-09T08:00:00Z", BODY),
            (war, "drones", "Drones over a German base", "2025-03-08T09:30:00Z", None),
            (tank, "unsc", "Sanctions breach: UNSC Resolution 2397", "2025-03-07T10:00:00Z", None),
            (tank, "grid", "Energy grid sabotage in the Baltic", "2025-03-06T11:00:00Z", None),
            (war, "front", "Front line assessment, day 1111", "2025-03-05T07:00:00Z", None),
            (tank, "ports", "Shadow fleet tankers in Baltic ports", "2025-03-04T06:00:00Z", None),
            (war, "cyber", "Cyber attack on a water utility", "2025-03-03T05:00:00Z", None),
            (tank, "visas", "Student visas as a labour channel", "2025-03-02T04:00:00Z", None),
        ]
        for feed, key, title, published, html in rows:
            result = store.ingest(feed.id, [incoming(key, title, published, html=html)], now=now)
            ids[key] = result.new_ids[0]
        # A revision upstream: same guid, new text.
        store.ingest(tank.id, [incoming("grid", "Energy grid sabotage in the Baltic",
                                        "2025-03-06T11:00:00Z",
                                        text="Energy grid sabotage. Two cables were cut.")],
                     now=now)
        store.tag([ids["nk"]], "labor", "confirmed")
        store.tag([ids["nk"]], "sanctions", "suggested")
        store.tag([ids["unsc"]], "sanctions", "confirmed")
        store.tag([ids["drones"], ids["grid"]], "hybrid threats", "suggested")
        store.set_followup([ids["drones"]], dt.date(2025, 3, 5), "check the base name")
        store.set_followup([ids["unsc"]], dt.date(2025, 3, 12), "compare with panel report")
        store.mark_read([ids["front"], ids["cyber"]], True)
        store.set_status([ids["cyber"]], "archived")
        store.record_fetch(
            FetchRecord(feed_id=broken.id, at=now, http_status=503, bytes=0, duration_ms=120,
                        error_class="HTTPStatusError", error_message="503 Service Unavailable"),
            FeedUpdate(success=False, next_poll_at="2025-03-09T13:00:00Z"),
        )
        ids.update(war=war.id, tank=tank.id, broken=broken.id)
    return ids


def make_app(path: Path, **kwargs):
    from tui.app import TriageApp
    from tui.config import Config

    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("config", Config())
    kwargs.setdefault("watch", False)
    app = TriageApp(path, **kwargs)
    app.opened_urls = []
    app.url_opener = lambda url: app.opened_urls.append(url)
    return app


async def wait_for(pilot, predicate, timeout: float = 5.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.01)


def _busy(app) -> bool:
    return any(w.is_running or w.state.name == "PENDING" for w in app.workers)


async def settle(pilot, timeout: float = 5.0) -> None:
    """Wait until queued writes landed and the screen fetched what they changed."""
    app = pilot.app
    await asyncio.to_thread(app.writer.wait_idle, timeout)
    await pilot.pause(0.02)
    await wait_for(pilot, lambda: not _busy(app), timeout, "workers")
    await pilot.pause(0.02)
    await wait_for(pilot, lambda: not _busy(app), timeout, "workers")


async def ready(pilot, timeout: float = 5.0) -> None:
    """Wait for the first queue, the sidebar and the reader."""
    app = pilot.app
    await wait_for(pilot, lambda: app.main_screen is not None and app.main_screen.queues,
                   timeout, "sidebar")
    main = app.main_screen
    await wait_for(pilot, lambda: main.items.ids and main.complete, timeout, "queue")
    await wait_for(pilot, lambda: app.last_reader_item == main.items.cursor_id, timeout,
                   "reader")
    await settle(pilot, timeout)


def screen_text(app, *, styles: bool = False) -> str:
    """The screen after a full repaint; ``styles`` keeps the escape sequences."""
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      record=True, width=app.size.width, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text(styles=styles)


def screen_ansi(app) -> str:
    """What the terminal would receive for a full repaint, escape sequences included."""
    return screen_text(app, styles=True)
