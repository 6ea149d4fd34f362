"""The file changes under the app: new items appear without moving the cursor, and edits
made while another writer ingests are never lost."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tui_helpers import incoming, make_app, ready, settle, wait_for

from store import Store
from tui.config import Config


async def test_new_items_appear_and_the_cursor_stays(db):
    path, ids = db
    with Store(path) as store:  # enough items to scroll
        store.ingest(ids["tank"], [incoming(f"old{n}", f"Older report {n}",
                                            f"2025-01-{n + 1:02d}T00:00:00Z")
                                   for n in range(30)], now="2025-03-09T12:00:00Z")
    app = make_app(path, watch=True, config=Config(refresh_seconds=0.2))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        main = app.main_screen
        await pilot.press(*["j"] * 20, "space")  # select the 21st item, cursor on the 22nd
        await settle(pilot)
        assert main.items.scroll_y > 0
        cursor, selected = main.items.cursor_id, set(main.items.selected)
        screen_row = main.items.cursor - round(main.items.scroll_y)
        before = len(main.items.ids)
        with Store(path, actor="poller") as other:  # another process, in effect
            other.ingest(ids["war"], [
                incoming(f"new{n}", f"Fresh report {n}", f"2025-03-10T0{n}:00:00Z")
                for n in range(5)
            ], now="2025-03-10T09:00:00Z")
        await wait_for(pilot, lambda: len(main.items.ids) == before + 5, 2.5, "new items")
        await settle(pilot)
        assert main.items.cursor_id == cursor
        assert main.items.selected == selected
        assert main.items.cursor - round(main.items.scroll_y) == screen_row
        assert app.last_reader_item == cursor


INGEST_LOOP = """
import pathlib, sys, time
sys.path[:0] = sys.argv[3:5]
from tui_helpers import incoming
from store import Store
path, feed, stop = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[5])
with Store(path, actor="poller") as other:
    n = 0
    while not stop.exists():
        batch = [incoming(f"bg{n}-{k}", f"Background {n}-{k}", "2025-02-01T00:00:00Z")
                 for k in range(20)]
        other.ingest(feed, batch, now="2025-03-10T09:00:00Z")
        n += 1
        time.sleep(0.005)  # a poller parses between commits
print(n * 20)
"""


async def test_edits_are_not_lost_while_another_process_ingests(db, tmp_path):
    path, ids = db
    stop = tmp_path / "stop"
    here = Path(__file__).resolve().parent
    app = make_app(path, watch=True, config=Config(refresh_seconds=0.2))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        main = app.main_screen
        tagged = []
        poller = subprocess.Popen(
            [sys.executable, "-c", INGEST_LOOP, str(path), str(ids["tank"]),
             str(here.parent.parent), str(here), str(stop)],
            stdout=subprocess.PIPE, text=True)
        try:
            await wait_for(pilot, lambda: len(main.items.ids) > 60, 10, "ingest under way")
            for _ in range(6):
                tagged.append(main.items.cursor_id)
                await pilot.press("2", "j")  # toggle sanctions, next item
                await pilot.pause(0.05)
            await pilot.press("k", "m")  # and mark the last one triaged
            assert await asyncio.to_thread(app.writer.wait_idle, 20)
        finally:
            stop.touch()
            out, _ = poller.communicate(timeout=30)
        ingested = int(out.strip())
        await settle(pilot)
    assert ingested >= 60
    with Store(path) as store:
        for item_id in tagged:
            state = dict(store.rows([item_id])[0].topics).get("sanctions")
            # unsc had sanctions confirmed already: the toggle removed it
            expected = None if item_id == ids["unsc"] else "confirmed"
            assert state == expected, item_id
        assert store.rows([tagged[-1]])[0].status == "triaged"
        assert len(store.item_ids("")) == 8 + ingested


async def test_the_list_is_virtual_and_reaches_every_item(tmp_path):
    from tui_helpers import screen_text

    path = tmp_path / "big.db"
    with Store(path) as store:
        feed = store.add_feed("https://big.example/rss", "Big")
        store.ingest(feed.id, [incoming(f"b{n}", f"Report number {n:05d}",
                                        f"2024-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}T00:00:00Z")
                               for n in range(6000)], now="2025-03-09T12:00:00Z")
        order = store.item_ids("is:new")
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        items = app.main_screen.items
        assert items.ids == order  # every id, in the queue's order
        asked: list[int] = []
        original = app.main_screen.fetch_rows

        def spy(ids, generation):
            asked.append(len(ids))
            return original(ids, generation)

        app.main_screen.fetch_rows = spy
        await pilot.press("end")
        await settle(pilot)
        assert items.cursor_id == order[-1] and app.last_reader_item == order[-1]
        last = items.row(order[-1]).title
        assert last in screen_text(app)
        items.scroll_to(y=3000, animate=False, immediate=True)  # what the scrollbar does
        await settle(pilot)
        text = screen_text(app)
        assert items.row(order[3000]).title in text and "…" not in text.split("\n")[3]
        await pilot.press("home")
        await settle(pilot)
        assert items.cursor_id == order[0]
        assert max(asked) <= 200 and sum(asked) < 1000  # windows, never the whole list
