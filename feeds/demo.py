"""The demo file: bundled sample feeds, stored through the real pipeline, with analyst work.

``build_demo(path)`` makes a fresh SQLite file that looks like a desk in use: eight
invented sources (RSS 2.0, Atom, JSON Feed; English, Russian, Arabic), ~150 items over
three and a half weeks, one item revised upstream, one feed failing, some items tagged,
read, triaged or archived, follow-ups due today, soon and overdue, and saved searches.

Everything goes the way a poll would: bytes and headers into
:func:`feeds.parse.parse_document`, then :func:`feeds.normalize.normalize`, then
``Store.ingest`` and ``Store.record_fetch`` -- synchronously, in-process, with no
network. The only liberty taken is time: all dates move by one offset so that the
newest item is a few minutes old, so the demo always looks fresh.

The feed URLs end in ``.invalid`` (RFC 6761): a poll of the demo file fails fast on
DNS and never reaches anyone's server. The content is invented; the data files say so.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from store import Store
from store.clock import instant, parse_instant
from store.models import FetchRecord, IncomingItem
from store.sources import FeedUpdate

from .normalize import feed_site_url, normalize
from .parse import parse_document

__all__ = ["DEMO_FEEDS", "DemoFeed", "build_demo", "demo_documents"]

DATA = "demo_data"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
JSON_FEED = "application/feed+json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class DemoFeed:
    file: str
    url: str
    title: str
    content_type: str
    earlier: str | None = None  # an earlier document of the same feed, stored first
    failing: bool = False  # the feed whose recent fetches failed


DEMO_FEEDS: tuple[DemoFeed, ...] = (
    DemoFeed("war-desk-daily.xml", "https://wardesk.example.invalid/feed.xml",
             "War Desk Daily", RSS, earlier="war-desk-daily.earlier.xml"),
    DemoFeed("baltic-security-monitor.atom.xml", "https://baltic-monitor.example.invalid/atom.xml",
             "Baltic Security Monitor", ATOM, failing=True),
    DemoFeed("eastern-labour-observatory.xml", "https://labour-observatory.example.invalid/rss",
             "Eastern Labour Observatory", RSS),
    DemoFeed("sanctions-tracker.atom.xml", "https://sanctions-tracker.example.invalid/feed.atom",
             "Sanctions Tracker", ATOM),
    DemoFeed("hybrid-threats-review.xml", "https://hybrid-review.example.invalid/feed/",
             "Hybrid Threats Review", RSS),
    DemoFeed("osint-notebook.json", "https://osint-notebook.example.invalid/feed.json",
             "OSINT Notebook", JSON_FEED),
    DemoFeed("obzor-rynka-truda.xml", "https://rynok-truda.example.invalid/rss.xml",
             "Обзор рынка труда", RSS),
    DemoFeed("energy-security-ar.atom.xml", "https://energy-security-ar.example.invalid/atom.xml",
             "نشرة الطاقة والأمن", ATOM),
)

EXTRA_TOPICS = (
    ("energy", "Strikes on energy infrastructure, oil and gas revenue, grids"),
    ("frontline", "Changes of control, assaults, strikes on cities"),
    ("cyber", "Intrusions, wipers, denial of service, hacktivists"),
    ("elections", "Influence operations and vote buying around elections"),
)

WD, BA, EL, ST = ("War Desk Daily", "Baltic Security Monitor", "Eastern Labour Observatory",
                  "Sanctions Tracker")
HR, OS, RU, AR = ("Hybrid Threats Review", "OSINT Notebook", "Обзор рынка труда",
                  "نشرة الطاقة والأمن")

# Items that start tagged, as an analyst left them: (topic, state, feed, title fragment).
# Most items are left untagged: that is the work the demo invites.
TAGS = (
    ("labor", "confirmed", EL, "13,221 North Korean arrivals"),
    ("sanctions", "confirmed", EL, "13,221 North Korean arrivals"),
    ("labor", "confirmed", EL, "Construction sites in Primorsky Krai"),
    ("labor", "confirmed", EL, "The Alabuga model"),
    ("hybrid threats", "suggested", EL, "The Alabuga model"),
    ("labor", "confirmed", WD, "Kremlin widens recruitment of foreign labour"),
    ("labor", "confirmed", RU, "Студенты из КНДР"),
    ("sanctions", "suggested", RU, "Студенты из КНДР"),
    ("labor", "confirmed", OS, "Tracking North Korean workers"),
    ("labor", "suggested", EL, "Vocational students on the production line"),
    ("labor", "suggested", RU, "Новые правила для мигрантов"),
    ("labor", "suggested", WD, "Central Asian migrants face new registration rules"),
    ("labor", "suggested", AR, "العمال الكوريون الشماليون"),
    ("sanctions", "suggested", AR, "العمال الكوريون الشماليون"),
    ("sanctions", "confirmed", ST, "UNSCR 2397 and the DPRK workers"),
    ("labor", "confirmed", ST, "UNSCR 2397 and the DPRK workers"),
    ("sanctions", "confirmed", ST, "Designations tracker"),
    ("sanctions", "confirmed", ST, "Export controls: microelectronics"),
    ("sanctions", "confirmed", WD, "New EU package targets tankers"),
    ("sanctions", "confirmed", BA, "Estonia boards shadow-fleet tanker"),
    ("hybrid threats", "confirmed", BA, "Estonia boards shadow-fleet tanker"),
    ("sanctions", "confirmed", OS, "Ship-tracking notebook"),
    ("sanctions", "suggested", ST, "Ship-to-ship transfers off Greece"),
    ("sanctions", "suggested", AR, "أسطول الظل"),
    ("sanctions", "suggested", WD, "Russia adapts shipping routes"),
    ("sanctions", "suggested", BA, "Shadow-fleet tankers anchor for weeks"),
    ("hybrid threats", "confirmed", WD, "Drone sightings over Bundeswehr training area"),
    ("hybrid threats", "confirmed", HR, "Drones over Grafenwöhr"),
    ("hybrid threats", "confirmed", BA, "Second cable fault in a month"),
    ("hybrid threats", "confirmed", BA, "GPS interference report"),
    ("hybrid threats", "confirmed", HR, "Sabotage by proxy"),
    ("hybrid threats", "confirmed", WD, "Shadow-fleet tanker held in the Baltic"),
    ("sanctions", "confirmed", WD, "Shadow-fleet tanker held in the Baltic"),
    ("hybrid threats", "suggested", BA, "Latvia arrests two"),
    ("hybrid threats", "suggested", HR, "GPS spoofing at sea"),
    ("hybrid threats", "suggested", OS, "Mapping GPS interference"),
    ("hybrid threats", "suggested", BA, "Recruitment posters appear near Latvian schools"),
    ("energy", "confirmed", WD, "Overnight strike targets gas production"),
    ("energy", "confirmed", WD, "refinery in the Saratov region"),
    ("energy", "confirmed", AR, "الضربات الأوكرانية على المصافي"),
    ("energy", "suggested", BA, "Baltic states complete synchronisation"),
    ("energy", "suggested", OS, "Refinery strikes: measuring damage"),
    ("frontline", "confirmed", WD, "Russian forces press Pokrovsk"),
    ("frontline", "confirmed", OS, "Geolocating the Stepove footage"),
    ("frontline", "confirmed", WD, "Chasiv Yar: Russian forces consolidate"),
    ("frontline", "suggested", OS, "new trenches west of Pokrovsk"),
    ("cyber", "confirmed", WD, "Cyberattack disrupts Ukrainian railway"),
    ("cyber", "suggested", HR, "Cyber reconnaissance against European water utilities"),
    ("elections", "confirmed", WD, "Moldova reports pro-Kremlin influence campaign"),
    ("elections", "suggested", HR, "Election interference: Germany"),
)

# Items the analyst has worked on, found by feed and a piece of their title.
FLAGSHIP = (WD, "North Korean arrivals in Russia rose sharply")
FLAGSHIP_TOPICS = ("labor", "sanctions", "hybrid threats")
FOLLOWUPS = (  # (feed, title fragment, days from today or None, note)
    (*FLAGSHIP, 0, "Check 13,221 and 7,887 against the MVD's own migration figures "
     "before they go into the weekly brief."),
    (WD, "Stepove", 0, "Revised upstream: the capture claim was withdrawn. "
     "Re-check control of Stepove before citing."),
    (BA, "Gotland incident", 2,
     "Ask the coast-guard contact for the carrier's AIS track over the cable."),
    (ST, "UNSCR 2397 and the DPRK workers", 6,
     "Draft the legal paragraph for the quarterly sanctions note."),
    (HR, "Drones over Grafenwöhr", -1,
     "Compare the sightings map with the Bundeswehr's published figures."),
    (EL, "Labour inspectors find 'students'", -4,
     "The inspectorate removed its report: save the archived copy and cite that."),
    (RU, "Студенты из КНДР", None,
     "Pull the regional breakdown for the labour team."),
)
READ = (  # read, and left at that
    (OS, "Counting Russian armour losses"),
    (ST, "Diamonds: G7 traceability"),
    (EL, "Ukrainian refugees and the European labour market"),
    (BA, "Baltic Sentry, three months in"),
    (AR, "الغاز الطبيعي المسال"),
)
TRIAGED = (
    FLAGSHIP,
    (HR, "How to read an attribution statement"),
    (ST, "Designations tracker"),
    (OS, "Geolocating the Stepove footage"),
    (EL, "13,221 North Korean arrivals in 2024"),
)
ARCHIVED = (
    (OS, "Open-source tools for tracking sanctions evasion"),
    (ST, "Sanctions and aviation"),
    (HR, "Espionage arrests in Europe"),
)
SAVED_SEARCHES = (
    ("Labour & sanctions", "+labor OR +sanctions"),
    ("Due this week", "due:<7d sort:due"),
    ("Baltic hybrid", '+"hybrid threats" feed:Baltic'),
)

FRESHNESS = dt.timedelta(minutes=7)  # how old the newest item looks after the shift
NEXT_POLL = dt.timedelta(hours=6)


def demo_documents() -> Iterable[tuple[DemoFeed, str, bytes]]:
    """(feed, file name, bytes) of every bundled document, earlier versions first."""
    folder = resources.files(__package__).joinpath(DATA)
    for feed in DEMO_FEEDS:
        for name in (feed.earlier, feed.file):
            if name:
                yield feed, name, folder.joinpath(name).read_bytes()


@dataclass(slots=True)
class _Doc:
    feed: DemoFeed
    body: bytes
    items: list[IncomingItem]
    site_url: str | None
    ttl_minutes: int | None
    earlier: bool


def build_demo(path: str | os.PathLike[str], *, now: dt.datetime | None = None) -> None:
    """Create the demo file at ``path``, which must not exist yet (or be empty).

    ``now`` (aware; default: the current time) anchors everything: the newest item
    is a few minutes older than it, follow-ups are relative to its local date.
    """
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        raise FileExistsError(f"will not build the demo over an existing file: {path}")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    today = now.astimezone().date()

    docs = _parse_all(now)
    shift = _offset(docs, now)
    for doc in docs:
        doc.items = [_shifted(item, shift) for item in doc.items]

    with Store(path, actor="demo") as store:
        ids = _ingest(store, docs, now)
        for name, description in EXTRA_TOPICS:
            store.add_topic(name, description)
        _analyst_work(store, docs, ids, today)


# ---- parse and shift ------------------------------------------------------------------


def _parse_all(now: dt.datetime) -> list[_Doc]:
    docs = []
    for feed, name, body in demo_documents():
        parsed = parse_document(body, {"content-type": feed.content_type})
        items = normalize(parsed, feed_url=feed.url, now=now)
        docs.append(_Doc(feed, body, items, feed_site_url(parsed, feed.url),
                         parsed.ttl_minutes, name == feed.earlier))
    return docs


def _offset(docs: list[_Doc], now: dt.datetime) -> dt.timedelta:
    newest = max(parse_instant(i.published_at) for d in docs for i in d.items if i.published_at)
    offset = (now - FRESHNESS) - newest
    return dt.timedelta(minutes=offset // dt.timedelta(minutes=1))  # whole minutes


def _move(value: str | None, shift: dt.timedelta) -> str | None:
    return instant(parse_instant(value) + shift) if value else None


def _shifted(item: IncomingItem, shift: dt.timedelta) -> IncomingItem:
    # Dates are not part of content_hash, so the item stays the same item.
    return replace(item, published_at=_move(item.published_at, shift),
                   updated_at=_move(item.updated_at, shift))


# ---- ingest and fetch state ------------------------------------------------------------


def _ingest(store: Store, docs: list[_Doc], now: dt.datetime) -> dict[tuple[str, str], int]:
    """Store every document as a poll would; returns (feed title, item url) -> item id."""
    feed_ids = {f.url: store.add_feed(f.url, f.title).id for f in DEMO_FEEDS}
    new_ids: list[int] = []
    for n, doc in enumerate(docs):
        feed_id = feed_ids[doc.feed.url]
        newest = max(parse_instant(i.published_at) for i in doc.items)
        if doc.earlier:
            at = newest + dt.timedelta(minutes=23)  # picked up by a poll that afternoon
        elif doc.feed.failing:
            at = newest + dt.timedelta(minutes=9)  # its last good fetch
        else:
            at = now - dt.timedelta(minutes=4 + 2 * n)
        result = store.ingest(feed_id, doc.items, instant(at))
        new_ids += result.new_ids
        store.record_fetch(
            FetchRecord(
                feed_id=feed_id, at=instant(at), http_status=200, bytes=len(doc.body),
                duration_ms=90 + len(doc.body) // 900, new=result.new,
                updated=result.updated, unchanged=result.unchanged,
            ),
            FeedUpdate(
                success=True, next_poll_at=instant(at + NEXT_POLL),
                etag='"' + hashlib.sha256(doc.body).hexdigest()[:20] + '"',
                last_modified=email.utils.format_datetime(newest, usegmt=True),
                keep_validators=False, site_url=doc.site_url,
                ttl_seconds=doc.ttl_minutes * 60 if doc.ttl_minutes else None,
            ),
        )
        if doc.feed.failing:
            _fail(store, feed_id, at, now)
    by_feed = {f.id: f.title for f in store.feeds()}
    return {(by_feed[r.feed_id], r.url): r.id for r in store.rows(new_ids) if r.url}


def _fail(store: Store, feed_id: int, last_good: dt.datetime, now: dt.datetime) -> None:
    """Three failed fetches in a row between the last good one and now, backing off."""
    gap = now - last_good
    for share, retry in ((0.3, 20), (0.6, 40), (0.85, 80)):
        at = (last_good + gap * share).replace(microsecond=0)
        store.record_fetch(
            FetchRecord(feed_id=feed_id, at=instant(at), http_status=503, bytes=412,
                        duration_ms=1840, error_class="HTTPError",
                        error_message="HTTP 503 Service Unavailable"),
            FeedUpdate(success=False, next_poll_at=instant(at + dt.timedelta(minutes=retry))),
        )


# ---- analyst work ---------------------------------------------------------------------


def _analyst_work(
    store: Store, docs: list[_Doc], ids: dict[tuple[str, str], int], today: dt.date
) -> None:
    latest: dict[tuple[str, str], IncomingItem] = {}
    for doc in docs:  # the later document of a feed wins: it holds the revised text
        for item in doc.items:
            if item.url:
                latest[(doc.feed.title, item.url)] = item
    entries = sorted(
        ((key, item) for key, item in latest.items() if key in ids),
        key=lambda pair: (pair[1].published_at or "", ids[pair[0]]), reverse=True,
    )

    def find(feed: str, fragment: str) -> int:
        for (title, _), item in entries:
            if title == feed and fragment in item.title:
                return ids[(title, item.url)]
        raise LookupError(f"demo data has no item {fragment!r} in {feed!r}")

    flagship = find(*FLAGSHIP)
    for topic in FLAGSHIP_TOPICS:
        store.tag([flagship], topic, "confirmed")
    groups: dict[tuple[str, str], list[int]] = {}
    for topic, state, feed, fragment in TAGS:
        groups.setdefault((topic, state), []).append(find(feed, fragment))
    for (topic, state), item_ids in groups.items():  # one batch per topic and state
        store.tag(item_ids, topic, state)

    store.mark_read([find(*k) for k in READ + TRIAGED + ARCHIVED])
    store.set_status([find(*k) for k in TRIAGED], "triaged")
    store.set_status([find(*k) for k in ARCHIVED], "archived")
    for feed, fragment, days, note in FOLLOWUPS:
        due = None if days is None else today + dt.timedelta(days=days)
        store.set_followup([find(feed, fragment)], due, note)
    for name, query in SAVED_SEARCHES:
        store.save_search(name, query)
