"""A small seeded file for tests: two feeds, a dozen items, a few tags and follow-ups."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from store import Store
from store.models import IncomingItem

TODAY = dt.date(2026, 11, 26)


def incoming(key: str, title: str, text: str, published: str | None,
             url: str | None = None) -> IncomingItem:
    digest = hashlib.sha256(f"{title}\n{url}\n{text}".encode()).hexdigest()
    return IncomingItem(
        guid_key=key, url=url or f"https://example.org/{key}", title=title, author=None,
        published_at=published, updated_at=None, summary=None,
        content_html=f"<p>{text}</p>", content_text=text, content_hash=digest,
    )


def seed(path: Path) -> Store:
    store = Store(path, actor="seed")
    desk = store.add_feed("https://wardesk.example.org/feed.xml", "War Desk")
    osint = store.add_feed("https://osint.example.org/atom", "OSINT Notebook")
    store.ingest(desk.id, [
        incoming("d1", "North Korean workers on student visas",
                 "13,221 North Koreans entered Russia in 2024, 7,887 of them on student visas.",
                 "2026-11-20T08:00:00Z"),
        incoming("d2", "Resolution 2397 breached",
                 "The arrivals breach UN Security Council Resolution 2397.",
                 "2026-11-21T08:00:00Z"),
        incoming("d3", "Drones over a German base",
                 "Suspected Russian drones flew over a base where Ukrainians trained on Patriot.",
                 "2026-11-22T08:00:00Z"),
        incoming("d4", "Обзор: рынок труда", "Россия привлекает рабочих из КНДР.",
                 "2026-11-23T08:00:00Z"),
    ])
    store.ingest(osint.id, [
        incoming(f"o{n}", f"OSINT note {n}", f"Satellite imagery note number {n}.",
                 f"2026-11-{10 + n:02d}T12:00:00Z")
        for n in range(1, 9)
    ])
    store.tag([1], "labor")
    store.tag([2], "sanctions")
    store.tag([3], "hybrid threats", "suggested")
    store.mark_read([1, 2])
    store.set_status([2], "triaged")
    store.set_followup([1], TODAY - dt.timedelta(days=2), "check the visa figures")
    store.set_followup([3], TODAY + dt.timedelta(days=3), "ask about the base")
    return store


def analyst_view(store: Store, item_id: int) -> dict:
    """The analyst's state of one item, as plain values tests can compare."""
    d = store.item(item_id)
    return {
        "topics": {t.name: t.state for t in d.topics},
        "read": d.row.is_read,
        "status": d.row.status,
        "followup": (d.followup.due, d.followup.note) if d.followup else None,
    }
