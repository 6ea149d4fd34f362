"""A realistic triage file of N items, built through ``Store.ingest`` (the real path).

~50 feeds (some in Russian or Ukrainian), titles and several KB of text per item drawn
from a deterministic vocabulary (English, Cyrillic, and rarer made-up words so the index
has a long tail), dates spread over ~2 years, ~10% of items with topics, some follow-ups,
some read and triaged. The same ``seed`` and ``today`` give the same file.

    python -m bench.generate [N] [--path FILE] [--seed 1]

:func:`ensure` keeps one file per size under ``.bench/`` (gitignored) and reuses it
while it has the right number of items and the current schema.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from store import Store, StoreError
from store.migrations import SCHEMA_VERSION
from store.models import IncomingItem

DEFAULT_N = 100_000
N_FEEDS = 50
SPAN_DAYS = 730
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench"
# Bump when the generated content changes, so cached files are rebuilt.
GENERATOR_VERSION = 1

ENGLISH = """
the of and to in a is that for on with as was by at from it be are this which or an has
have not were their its but been they more after also one two three new first would other
than about over into some there could can all its most them said year years under during
against between while will because since before those these only both many where through
report assessment analysis forces troops front line offensive defensive positions advance
advanced attack attacks strike strikes missile missiles drone drones air defense defence
artillery shelling brigade battalion regiment division command commander general ministry
minister government president kremlin moscow kyiv kharkiv donetsk luhansk zaporizhzhia
kherson crimea bakhmut avdiivka pokrovsk kursk belgorod black sea fleet port grain export
exports import imports sanctions sanction evasion export controls dual use components chips
microelectronics shipping tanker tankers shadow fleet oil gas price cap revenue budget
economy economic inflation labor labour workers worker migrants migration visa visas student
students korean koreans north pyongyang china chinese iran iranian shahed factory factories
production industrial defense industry recruitment mobilization conscription volunteers
casualties losses equipment tanks vehicles armored infantry units unit reserves rotation
logistics supply supplies ammunition shells rounds stockpile stockpiles warehouse depot
bridge railway rail road corridor border crossing checkpoint territory territories occupied
occupation civilians civilian humanitarian evacuation energy grid power plant substation
infrastructure cyber hackers malware disinformation propaganda narrative narratives
information operation operations influence campaign campaigns election elections hybrid
threat threats sabotage saboteurs arson explosion espionage intelligence service services
agents agent detained arrested suspected suspects investigation prosecutors court sentence
germany german poland polish baltic lithuania latvia estonia finland nato alliance members
member summit meeting talks negotiations ceasefire agreement deal proposal security council
resolution united nations un envoy ambassador statement spokesperson official officials
sources source according reportedly confirmed unconfirmed footage imagery satellite geolocated
claimed claims denied likely unlikely assess assessed continue continued continues remain
remains significant limited marginal gains tactical operational strategic objectives
objective pressure capacity capability capabilities training trained patriot systems system
base airbase airfield aircraft helicopter helicopters fighter jets bomber bombers glide bombs
weapons weapon deliveries package aid assistance funding billion million percent week month
day days weeks months today yesterday recent recently early late mid january february march
april may june july august september october november december spring summer autumn winter
"""
CYRILLIC = """
и в не на что с по к за из о от у для как это так но же все он она они мы вы был была
были будет может между после перед через против также который которые россия россии
украина украины україна україни росія росії москва київ санкции санкцій санкції война
війна фронт наступление наступ оборона оборона армия армії войска військ бригада батальйон
дроны дрони беспилотники ракеты ракети удар удари обстрел обстріл позиции позиції
рабочие робітники мигранты мігранти визы візи студенты студенти северная корея кндр
китай иран заводы заводи производство виробництво экономика економіка нефть нафта газ
энергетика енергетика мост міст железная дорога залізниця граница кордон переговоры
перемовини соглашение угода резолюция резолюція совет безпеки безопасности оон нато
германия німеччина польща польша диверсия диверсія разведка розвідка шпионаж пропаганда
дезинформация дезінформація кибератака кібератака выборы вибори город місто область
області район району село сел жители жителі гражданские цивільні эвакуация евакуація
"""
LATIN_SYLLABLES = "ka ri to mo ne sa li vo de ra ki po zu ta me lo ni ve sto grad ov in ska".split()
CYRILLIC_SYLLABLES = "ка ри то мо не са ли во де ра ки по зу та ме ло ни ве сто град ов ин ска".split()
FEED_NAMES = [
    "ISW Daily Assessment", "War Desk", "Kyiv Independent", "Meduza", "The Insider",
    "OSINT Roundup", "Sanctions Monitor", "Labour Migration Watch", "Hybrid CoE", "RUSI Commentary",
    "Carnegie Politika", "Українська правда", "Радио Свобода", "Новая газета Европа", "Оборона и безопасность",
    "Baltic Security Brief", "Black Sea News", "Energy Grid Tracker", "Cyber Threat Notes",
    "Disinfo Observatory", "Korea Pro Desk", "China–Russia Trade", "Shipping & Shadow Fleet",
    "Defense Industry Daily", "Frontline Maps", "Polish Radar", "Nordic Defence Review",
    "Arms Control Wonk", "Эхо Кавказа", "Економічна правда", "Sudoplatov Files", "Kremlin Watch",
    "Belarus Monitor", "Moldova Matters", "Caucasus Desk", "Central Asia Bulletin",
    "Donbas Diary", "Crimea Platform", "Port of Odesa", "Hromadske", "Ліга.Новини",
    "Verstka", "Mediazona", "Re: Russia", "Riddle", "Foreign Policy Research",
    "European Council on Foreign Relations", "Chatham House", "Jamestown Eurasia", "Militarnyi",
]
EXTRA_TOPICS = ("energy", "cyber", "disinformation")


def _vocabulary(rng: random.Random, syllables: list[str], base: str, extra: int) -> list[str]:
    words = list(dict.fromkeys(base.split()))
    made: set[str] = set()
    while len(made) < extra:
        made.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return words + sorted(made - set(words))


def _zipf(n: int) -> list[float]:
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / rank
        out.append(total)
    return out


class _Text:
    """Sentence pools, one per language; items are built from sentences plus unique bits."""

    def __init__(self, rng: random.Random):
        self.pools = {
            "en": self._pool(rng, _vocabulary(rng, LATIN_SYLLABLES, ENGLISH, 12_000), 30_000),
            "ru": self._pool(rng, _vocabulary(rng, CYRILLIC_SYLLABLES, CYRILLIC, 8_000), 15_000),
        }
        self.words = {
            "en": _vocabulary(random.Random(2), LATIN_SYLLABLES, ENGLISH, 0),
            "ru": _vocabulary(random.Random(3), CYRILLIC_SYLLABLES, CYRILLIC, 0),
        }

    @staticmethod
    def _pool(rng: random.Random, vocab: list[str], count: int) -> list[str]:
        cum = _zipf(len(vocab))
        out = []
        for _ in range(count):
            words = rng.choices(vocab, cum_weights=cum, k=rng.randint(8, 24))
            out.append(" ".join(words).capitalize() + ".")
        return out

    def body(self, rng: random.Random, lang: str, size: int) -> list[str]:
        pool = self.pools[lang if rng.random() > 0.05 else ("ru" if lang == "en" else "en")]
        paragraphs, length = [], 0
        while length < size:
            sentences = rng.sample(pool, rng.randint(3, 7))
            if rng.random() < 0.3:  # figures and names that make items distinct
                sentences.append(f"{rng.randint(100, 20_000):,} people, case {rng.randint(1, 10**6)}.")
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            length += len(paragraph) + 2
        return paragraphs

    def title(self, rng: random.Random, lang: str) -> str:
        words = rng.sample(self.words[lang], rng.randint(5, 11))
        return " ".join(words).capitalize()


def _feeds() -> list[tuple[str, str, str]]:
    out = []
    for k, name in enumerate(FEED_NAMES[:N_FEEDS]):
        lang = "ru" if any("а" <= ch <= "я" or ch in "іїєґ" for ch in name.lower()) else "en"
        out.append((f"https://feed{k:02d}.example/rss", name, lang))
    return out


def batches(
    n_items: int, seed: int = 1, today: dt.date | None = None
) -> Iterator[tuple[int, list[IncomingItem]]]:
    """Feed-sized batches ``(feed index, items)`` in roughly the order a poller sees them."""
    rng = random.Random(seed)
    text = _Text(random.Random(seed + 1))
    feeds = _feeds()
    end = dt.datetime.combine(today or dt.date.today(), dt.time(), dt.UTC)
    start = end - dt.timedelta(days=SPAN_DAYS)
    span = int((end - start).total_seconds())
    stamps = sorted(rng.randrange(span) for _ in range(n_items))
    weights = [1 + (k % 7) ** 2 for k in range(len(feeds))]  # some feeds are much busier
    pending: dict[int, list[IncomingItem]] = {}
    limits: dict[int, int] = {}
    for number, offset in enumerate(stamps):
        feed = rng.choices(range(len(feeds)), weights=weights)[0]
        url_base, _, lang = feeds[feed]
        when = (start + dt.timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")
        title = text.title(rng, lang)
        paragraphs = text.body(rng, lang, rng.randint(1_500, 5_000))
        content_text = "\n\n".join(paragraphs)
        url = f"{url_base.removesuffix('/rss')}/{when[:10]}/{number}"
        html = "".join(f"<p>{p}</p>" for p in paragraphs)
        digest = hashlib.sha256(f"{title}\x1f{url}\x1f{content_text}".encode()).hexdigest()
        pending.setdefault(feed, []).append(IncomingItem(
            guid_key=f"urn:bench:{seed}:{number}", url=url, title=title,
            author=None if number % 3 else "Staff", published_at=when, updated_at=None,
            summary=content_text[:200], content_html=html, content_text=content_text,
            content_hash=digest,
        ))
        limit = limits.setdefault(feed, rng.randint(10, 60))
        if len(pending[feed]) >= limit:
            yield feed, pending.pop(feed)
            limits.pop(feed)
    for feed in sorted(pending):
        yield feed, pending[feed]


def build(
    path: str | os.PathLike[str], n_items: int, seed: int = 1, *,
    analyst: bool = True, today: dt.date | None = None,
    on_ingest: Callable[[list[IncomingItem], float], None] | None = None,
) -> None:
    """Build the file at ``path`` (which must not exist yet).

    ``on_ingest(items, seconds)`` is told about every ``Store.ingest`` call (the batch and
    the time it took), so a benchmark can time ingest alone, without the text generation.
    """
    today = today or dt.date.today()
    with Store(path, actor="bench") as store:
        feed_ids = [store.add_feed(url, title).id for url, title, _ in _feeds()]
        now = store.now()
        for feed, items in batches(n_items, seed, today):
            began = time.perf_counter()
            store.ingest(feed_ids[feed], items, now=now)
            if on_ingest:
                on_ingest(items, time.perf_counter() - began)
        if analyst:
            _analyst_work(store, random.Random(seed + 2), today)


def _analyst_work(store: Store, rng: random.Random, today: dt.date) -> None:
    ids = store.conn.execute("SELECT id FROM items ORDER BY id").fetchall()
    ids = [r[0] for r in ids]
    for name in EXTRA_TOPICS:
        store.add_topic(name)
    topics = [t.name for t in store.topics()]
    tags: dict[tuple[str, str], list[int]] = {}
    for item_id in rng.sample(ids, len(ids) // 10):
        for topic in rng.sample(topics, rng.choice((1, 1, 1, 2, 3))):
            state = rng.choices(("confirmed", "suggested", "rejected"), (70, 25, 5))[0]
            tags.setdefault((topic, state), []).append(item_id)
    for (topic, state), tagged in sorted(tags.items()):
        store.tag(tagged, topic, state=state)
    older = ids[: int(len(ids) * 0.8)]  # the analyst is behind on the newest fifth
    store.mark_read(rng.sample(older, int(len(ids) * 0.35)))
    store.set_status(rng.sample(older, int(len(ids) * 0.20)), "triaged")
    store.set_status(rng.sample(older, int(len(ids) * 0.05)), "archived")
    followed = rng.sample(ids, max(1, len(ids) // 200))
    by_due: dict[dt.date | None, list[int]] = {}
    for item_id in followed:
        due = None if rng.random() < 0.1 else today + dt.timedelta(days=rng.randint(-30, 60))
        by_due.setdefault(due, []).append(item_id)
    for due, group in sorted(by_due.items(), key=lambda kv: (kv[0] is None, kv[0] or today)):
        store.set_followup(group, due, "check this")
    store.finish_followup(followed[::10])


def generate(path: str | os.PathLike[str], n_items: int = DEFAULT_N, seed: int = 1) -> None:
    """Write a fresh file of ``n_items`` items at ``path`` (replacing one that is there)."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    for p in (path, partial):
        _remove(p)
    path.parent.mkdir(parents=True, exist_ok=True)
    build(partial, n_items, seed)
    os.replace(partial, path)
    _meta(path).write_text(json.dumps(
        {"items": n_items, "seed": seed, "generator": GENERATOR_VERSION,
         "schema": SCHEMA_VERSION}))


def ensure(path: str | os.PathLike[str] | None = None, n: int = DEFAULT_N,
           seed: int = 1) -> Path:
    """A generated file of ``n`` items: the cached one when it fits, else a new one."""
    path = Path(path) if path is not None else CACHE / f"items-{n}-seed{seed}.db"
    found = _fits(path, n, seed)
    if found is not None and found < SCHEMA_VERSION:
        found = _upgrade(path, found)
    if found != SCHEMA_VERSION:
        generate(path, n, seed)
    return path


def _fits(path: Path, n: int, seed: int) -> int | None:
    """The schema version of a cached file that has the right items, else None."""
    try:
        meta = json.loads(_meta(path).read_text())
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            count = conn.execute("SELECT count(*) FROM items").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except (OSError, ValueError, sqlite3.Error):
        return None
    fits = (count == n and 1 <= version <= SCHEMA_VERSION and meta.get("seed") == seed
            and meta.get("generator") == GENERATOR_VERSION)
    return version if fits else None


def _upgrade(path: Path, version: int) -> int | None:
    """Bring a cached file of an older schema up to date the way triage does: by opening
    it (the migrations run, the data stays). None when that fails (then it is rebuilt)."""
    try:
        with Store(path, actor="bench") as store:
            version = store.conn.execute("PRAGMA user_version").fetchone()[0]
        meta = json.loads(_meta(path).read_text())
        _meta(path).write_text(json.dumps({**meta, "schema": version}))
    except (OSError, ValueError, StoreError):
        return None
    return version


def _meta(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def remove_file(path: Path) -> None:
    """A SQLite file and its -wal and -shm, where they exist."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _remove(path: Path) -> None:
    remove_file(path)
    _meta(path).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=DEFAULT_N)
    parser.add_argument("--path", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    path = ensure(args.path, args.n, args.seed)
    print(f"{path}: {args.n:,} items ({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
