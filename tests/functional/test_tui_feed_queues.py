"""A feed's queue is that feed only, even when another feed's URL and title extend its own
(…/rss and …/rss/ukraine): what the list shows agrees with the sidebar's counts
(untriaged/all, as the queue lists all of the feed's items)."""

from __future__ import annotations

import re

from tui_helpers import frozen_clock, incoming, make_app, ready, screen_text, settle, wait_for

from store import Store

DESK = ("https://a.example/rss", "Alpha Desk", ["Grid repairs in Kharkiv", "Port of Odesa"])
UKRAINE = ("https://a.example/rss/ukraine", "Alpha Desk Ukraine",
           ["Front line at Pokrovsk", "Drone strike on Kyiv", "Rail link restored"])


def _seed(path) -> dict[str, int]:
    ids = {}
    with frozen_clock(), Store(path, actor="alice") as store:
        for n, (url, title, items) in enumerate((DESK, UKRAINE)):
            feed = store.add_feed(url, title)
            store.ingest(feed.id, [
                incoming(f"{n}-{k}", item, f"2025-03-0{k + 1}T0{n}:00:00Z",
                         url=f"{url}/{k}")
                for k, item in enumerate(items)
            ])
            ids[title] = feed.id
        # One of Alpha Desk's items is triaged: the feed counts 1 untriaged of 2.
        store.set_status([store.page(f"feed:#{ids['Alpha Desk']}").rows[0].id], "triaged")
    return ids


UNTRIAGED = {"Alpha Desk": 1, "Alpha Desk Ukraine": 3}


def _sidebar_count(app, label: str) -> tuple[int, int | None]:
    """The count the sidebar shows beside ``label`` (the sidebar is the left 30 columns):
    (untriaged, all) for a feed, (count, None) for other queues."""
    for line in screen_text(app).splitlines():
        if match := re.fullmatch(rf"\s*{re.escape(label)}\s+(\d+)(?:/(\d+))?\s*", line[:30]):
            return int(match.group(1)), int(match.group(2)) if match.group(2) else None
    raise AssertionError(f"no sidebar line for {label!r}")


async def _open_from_sidebar(pilot, key: str) -> None:
    main = pilot.app.main_screen
    sidebar = main.query_one("#sidebar")
    sidebar.focus()
    sidebar.highlighted = sidebar.get_option_index(key)
    await pilot.press("enter")
    await wait_for(pilot, lambda: main.queue.key == key, what=key)
    await settle(pilot)


async def test_a_feed_queue_lists_only_that_feed_and_matches_its_count(tmp_path):
    path = tmp_path / "triage.db"
    feeds = _seed(path)
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        main = app.main_screen
        for (_url, label, titles), other in ((DESK, UKRAINE), (UKRAINE, DESK)):
            await _open_from_sidebar(pilot, f"feed:{feeds[label]}")
            text = screen_text(app)
            assert f"{label}  {len(titles)} items" in text
            for title in titles:
                assert title in text
            for title in other[2]:
                assert title not in text
            assert _sidebar_count(app, label) == (UNTRIAGED[label], len(main.items.ids))
            assert len(main.items.ids) == len(titles)
            with Store(path) as store:
                assert {r.feed for r in store.rows(main.items.ids)} == {label}

        # Saved as a search, the feed's queue keeps meaning that one feed.
        await pilot.press("S", *"Ukraine only", "enter")
        await settle(pilot)
        await wait_for(pilot, lambda: any(q.key.startswith("search:") for q in main.queues))
        await settle(pilot)
        assert _sidebar_count(app, "Ukraine only") == (len(UKRAINE[2]), None)
