"""The benchmark file for ``bench.tui``: 100k items over ~50 feeds, built through the Store.

Deterministic (seeded), several KB of text per item, a few topics and follow-ups.
Reused from ``.bench/`` when it exists with the right size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path

from store import Store
from store.models import IncomingItem

from . import generate

WORDS = (
    "assessment forces offensive sanctions drones base labour migration visas resolution "
    "council security border logistics artillery brigade front line report analysts "
    "evidence satellite imagery supply chain shipping tanker port energy grid cyber "
    "disinformation campaign election pressure negotiation ceasefire corridor reserve "
    "mobilisation training patriot systems airspace incident volunteers contract"
).split()
TOPICS = ("labor", "sanctions", "hybrid threats", "energy", "maritime", "cyber")


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    syllables = ["ka", "ro", "vi", "len", "tor", "mu", "sa", "bel", "dri", "qua", "no", "ste",
                 "pla", "gor", "ni", "xe", "ul", "fa", "tre", "mo"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class _Words:
    """Zipf-distributed filler words, with the domain words at 2% of the slots."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.filler = _vocabulary(rng)
        weights = [1 / (rank + 1) for rank in range(len(self.filler))]
        total, acc = sum(weights), 0.0
        self.cum = []
        for w in weights:
            acc += w / total
            self.cum.append(acc)

    def take(self, n: int) -> list[str]:
        words = self.rng.choices(self.filler, cum_weights=self.cum, k=n)
        for i in range(n):
            if self.rng.random() < 0.02:
                words[i] = self.rng.choice(WORDS)
        return words


def _paragraph(words: _Words, n: int) -> str:
    return " ".join(words.take(n)).capitalize() + "."


def _item(rng: random.Random, words: _Words, feed: int, n: int, when: dt.datetime) -> IncomingItem:
    title = f"{_paragraph(words, rng.randint(5, 11))[:-1]} ({feed}-{n})"
    paras = [_paragraph(words, rng.randint(60, 110)) for _ in range(5)]
    html = f"<h2>{title}</h2>" + "".join(f"<p>{p}</p>" for p in paras)
    html += "<ul><li>first point</li><li>second point</li></ul>"
    html += f'<p>See <a href="https://example.org/{feed}/{n}">the source</a>.</p>'
    text = "\n\n".join([title, *paras, "first point\nsecond point", "See the source."])
    return IncomingItem(
        guid_key=f"bench-{feed}-{n}", url=f"https://feed{feed}.example.org/items/{n}",
        title=title, author=None, published_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        updated_at=None, summary=None, content_html=html, content_text=text,
        content_hash=hashlib.sha1(text.encode()).hexdigest(),
    )


def build(path: Path, items: int = 100_000, feeds: int = 50, seed: int = 7) -> None:
    rng = random.Random(seed)
    words = _Words(rng)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with Store(path, actor="bench") as store:
        existing = {t.name for t in store.topics()}
        for name in TOPICS:
            if name not in existing:
                store.add_topic(name)
        per_feed = items // feeds
        for f in range(feeds):
            feed = store.add_feed(f"https://feed{f}.example.org/rss", f"Bench source {f:02d}")
            batch = [
                _item(rng, words, f, n, start + dt.timedelta(minutes=(n * feeds + f) * 5))
                for n in range(per_feed)
            ]
            store.ingest(feed.id, batch, now="2025-06-01T00:00:00Z")
        ids = store.item_ids("")
        for k, name in enumerate(TOPICS):
            store.tag(ids[k * 7 :: 97][:800], name, "confirmed" if k % 2 else "suggested")
        today = dt.date(2025, 6, 1)
        for k in range(40):
            store.set_followup([ids[k * 13]], today + dt.timedelta(days=k - 10), f"check {k}")
        store.mark_read(ids[::3][:20_000])


def ensure(path: Path, items: int = 100_000) -> Path:
    """Build the file unless a complete one is there already."""
    marker = path.with_suffix(".ok")
    stamp = f"{items} v2"
    if path.exists() and marker.exists() and marker.read_text() == stamp:
        return path
    generate.remove_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build(path, items)
    marker.write_text(stamp)
    return path
