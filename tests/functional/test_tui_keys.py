"""One pilot test per key of the bindings table, asserting on the store where a key writes.

``test_every_binding_is_tested`` checks that each binding id appears in this file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from tui_helpers import TODAY, make_app, ready, screen_text, settle, wait_for

from store import Store


@contextlib.asynccontextmanager
async def running(db, **kwargs):
    path, ids = db
    app = make_app(path, **kwargs)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        with Store(path) as store:
            yield pilot, app, app.main_screen, store, ids


def topics_of(store: Store, item_id: int) -> dict[str, str]:
    return {t.name: t.state for t in store.item(item_id).topics}


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


# ---- list movement: "list.down" "list.up" "list.page_down" "list.page_up" "list.first" "list.last"


async def test_cursor_keys_move_and_reader_follows(db):
    async with running(db) as (pilot, app, main, store, ids):
        order = main.items.ids
        await press(pilot, "j")
        assert main.items.cursor_id == order[1] == app.last_reader_item
        await press(pilot, "down", "down")
        assert main.items.cursor_id == order[3]
        await press(pilot, "k")
        assert main.items.cursor_id == order[2]
        await press(pilot, "up")
        assert main.items.cursor_id == order[1] == app.last_reader_item
        await press(pilot, "end")
        assert main.items.cursor_id == order[-1] == app.last_reader_item
        await press(pilot, "home")
        assert main.items.cursor_id == order[0]
        await press(pilot, "G")
        assert main.items.cursor_id == order[-1]
        await press(pilot, "g")
        assert main.items.cursor_id == order[0]
        await press(pilot, "pagedown")
        assert main.items.cursor_id == order[-1]  # fewer items than a page
        await press(pilot, "pageup")
        assert main.items.cursor_id == order[0]


# ---- selection: "list.select" "list.select_all" "list.clear_selection"


async def test_space_selects_and_bulk_archive_acts_on_selection(db):
    async with running(db) as (pilot, app, main, store, ids):
        first, second = main.items.ids[:2]
        await press(pilot, "space", "space")
        assert main.items.selected == {first, second}
        assert "2 selected" in screen_text(app)
        await press(pilot, "e")
        assert store.rows([first])[0].status == "archived"
        assert store.rows([second])[0].status == "archived"
        await press(pilot, "escape")
        assert main.items.selected == set()


async def test_star_selects_the_whole_queue(db):
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "*")
        assert main.items.selected == set(main.items.ids)
        await press(pilot, "m")
        assert {r.status for r in store.rows(store.item_ids("is:triaged"))} == {"triaged"}
        assert store.item_ids("is:new") == []


# ---- item actions ----------------------------------------------------------------------


async def test_enter_opens_marks_read_and_reader_keys(db):
    # "item.open" "reader.down" "reader.up" "reader.back"
    async with running(db) as (pilot, app, main, store, ids):
        assert not store.rows([ids["nk"]])[0].is_read
        await press(pilot, "enter")
        assert store.rows([ids["nk"]])[0].is_read
        assert app.focused is main.reader
        await press(pilot, "j", "j")
        assert main.reader.scroll_y >= 0
        await press(pilot, "k")
        await press(pilot, "escape")
        assert app.focused is main.items


async def test_r_toggles_read(db):
    # "item.read"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "r")
        assert store.rows([ids["nk"]])[0].is_read
        await press(pilot, "r")
        assert not store.rows([ids["nk"]])[0].is_read


async def test_e_and_a_archive_m_triages(db):
    # "item.archive" "item.triaged"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "e")
        assert store.rows([ids["nk"]])[0].status == "archived"
        assert main.items.cursor_id == ids["drones"]  # the next item moved up
        await press(pilot, "a")
        assert store.rows([ids["drones"]])[0].status == "archived"
        await press(pilot, "m")
        assert store.rows([ids["unsc"]])[0].status == "triaged"


async def test_u_undoes_the_last_action(db):
    # "app.undo"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "1")
        assert "labor" not in topics_of(store, ids["nk"])  # it was confirmed: toggled off
        await press(pilot, "u")
        assert topics_of(store, ids["nk"])["labor"] == "confirmed"


async def test_digits_toggle_topics_in_order(db):
    # "item.topic1" … "item.topic9"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "j")  # drones: hybrid threats suggested
        await press(pilot, "1")
        assert topics_of(store, ids["drones"])["labor"] == "confirmed"
        await press(pilot, "2")
        assert topics_of(store, ids["drones"])["sanctions"] == "confirmed"
        await press(pilot, "3")  # suggested -> confirmed
        assert topics_of(store, ids["drones"])["hybrid threats"] == "confirmed"
        await press(pilot, "3")  # confirmed -> off
        assert "hybrid threats" not in topics_of(store, ids["drones"])
        for key in "456789":  # no such topics: a warning, no write
            await press(pilot, key)
        assert set(topics_of(store, ids["drones"])) == {"labor", "sanctions"}


async def test_quick_tag_then_untag_lands_in_order(db):
    async with running(db) as (pilot, app, main, store, ids):
        await pilot.press("j", "1", "1", "1")  # no waiting between the presses
        await settle(pilot)
        assert topics_of(store, ids["drones"])["labor"] == "confirmed"
        actions = [e.action for e in reversed(store.events(limit=3))]
        assert actions == ["tag_confirmed", "untag", "tag_confirmed"]


async def test_a_failed_write_is_reported_not_silent(db):
    async with running(db) as (pilot, app, main, store, ids):
        store.untag([ids["nk"]], "labor")
        store.remove_topic("labor")  # another process removes it; the screen still lists it
        await press(pilot, "1")
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors and "no topic" in errors[0] and errors[0].startswith("topic labor failed")


async def test_c_confirms_and_x_rejects_suggested(db):
    # "item.confirm" "item.reject"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "c")
        assert topics_of(store, ids["nk"])["sanctions"] == "confirmed"
        await press(pilot, "j", "x")
        assert topics_of(store, ids["drones"])["hybrid threats"] == "rejected"


async def test_t_topic_picker_toggles_creates_and_applies(db):
    # "item.topics" "picker.toggle" "picker.toggle_list" "picker.apply"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "t")
        assert type(app.screen).__name__ == "TopicPicker"
        await press(pilot, *"sanc", "enter")  # filter, toggle sanctions on
        await press(pilot, *"drone strikes", "enter")  # no match: creates it
        await press(pilot, "tab", "space")  # the list: toggle labor (first) off
        await press(pilot, "ctrl+s")
        assert type(app.screen).__name__ == "MainScreen"
        topics = topics_of(store, ids["nk"])
        assert topics["sanctions"] == "confirmed"
        assert topics["drone strikes"] == "confirmed"
        assert "labor" not in topics


async def test_picker_escape_cancels(db):
    # "picker.cancel"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "t", *"cyber", "enter", "escape")
        assert type(app.screen).__name__ == "MainScreen"
        assert [t.name for t in store.topics()] == ["labor", "sanctions", "hybrid threats"]


async def test_f_followup_presets_set_done_clear(db):
    # "item.followup" "followup.today" "followup.tomorrow" "followup.week" "followup.set"
    # "followup.done" "followup.clear" "followup.cancel"
    async with running(db) as (pilot, app, main, store, ids):
        nk = ids["nk"]
        await press(pilot, "f", "ctrl+t", *"check sources", "enter")
        fu = store.item(nk).followup
        assert fu.due == TODAY.isoformat() and fu.note == "check sources"
        await press(pilot, "f", "ctrl+n", "enter")
        assert store.item(nk).followup.due == (TODAY + dt.timedelta(days=1)).isoformat()
        await press(pilot, "f", "ctrl+l", "enter")
        assert store.item(nk).followup.due == (TODAY + dt.timedelta(days=7)).isoformat()
        await press(pilot, "f", "ctrl+g")
        assert store.item(nk).followup is None
        assert "followup_done" in [e.action for e in store.events(limit=1)]
        await press(pilot, "j", "f", "ctrl+r")  # drones: clear its follow-up
        assert store.item(ids["drones"]).followup is None
        await press(pilot, "f", "escape")
        assert store.item(ids["drones"]).followup is None


async def test_followup_typed_date_and_bad_date(db):
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "f", *"someday", "enter")
        assert type(app.screen).__name__ == "FollowupDialog"  # stays, shows the error
        assert "cannot read due date" in screen_text(app)
        await press(pilot, *["backspace"] * 7, *"2025-04-01", "enter")
        assert store.item(ids["nk"]).followup.due == "2025-04-01"


async def test_o_opens_links_and_y_copies(db):
    # "item.open_link" "item.copy_link"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "o", "enter")  # no number: the item's own link
        await press(pilot, "o", "2", "enter")
        await press(pilot, "o", "3", "enter")  # javascript: refused
        await wait_for(pilot, lambda: len(app.opened_urls) == 2)
        assert app.opened_urls == ["https://wardesk.example.org/nk",
                                   "https://un.example.int/res/2397"]
        await press(pilot, "y")
        assert app.clipboard == "https://wardesk.example.org/nk"


async def test_D_shows_what_changed_and_E_shows_feed_errors(db):
    # "item.changes" "item.feed_error" "dialog.close"
    async with running(db) as (pilot, app, main, store, ids):
        main.items.move_to_id(ids["grid"])
        await settle(pilot)
        await press(pilot, "D")
        text = screen_text(app)
        assert "What changed in item" in text and "+Energy grid sabotage. Two cables were cut." in text
        await press(pilot, "escape")
        main.open_queue(next(q for q in main.queues if q.key == f"feed:{ids['broken']}"))
        await settle(pilot)
        await press(pilot, "E")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TextView")
        assert "503 Service Unavailable" in screen_text(app)


async def test_n_goes_to_the_next_untriaged_item(db):
    # "item.next_untriaged"
    async with running(db) as (pilot, app, main, store, ids):
        all_queue = next(q for q in main.queues if q.key == "all")
        main.open_queue(all_queue)
        await settle(pilot)
        main.items.move_to_id(ids["front"])
        await settle(pilot)
        await press(pilot, "n")
        assert main.items.cursor_id == ids["ports"]  # the next new one after front (read)
        await press(pilot, "n")
        assert main.items.cursor_id == ids["visas"]


async def test_search_runs_shows_errors_inline_and_saves(db):
    # "app.search" "search.run" "search.close" "app.save_search"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "slash", *"fed:war")
        await wait_for(pilot, lambda: "did you mean feed:" in screen_text(app))
        text = screen_text(app)
        assert "^ unknown field" in text
        await press(pilot, *["backspace"] * 7, *"+labor", "enter")
        assert main.items.ids == [ids["nk"]]
        await press(pilot, "ctrl+s", *"Labor queue", "enter")
        assert [(s.name, s.query) for s in store.saved_searches()] == [("Labor queue", "+labor")]
        await press(pilot, "S", *"Again", "enter")
        assert len(store.saved_searches()) == 2
        await press(pilot, "slash", "escape")
        assert app.focused is main.items


async def test_sidebar_enter_opens_a_queue_and_tab_moves_focus(db):
    # "sidebar.open" "app.next_pane"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "shift+tab")
        assert app.focused is main.query_one("#sidebar")
        await press(pilot, "down", "enter")  # Follow-up
        await wait_for(pilot, lambda: main.queue.key == "followup")
        await settle(pilot)
        assert main.items.ids == [ids["drones"], ids["unsc"]]  # by due date
        assert app.focused is main.items  # choosing a queue goes to its items
        await press(pilot, "tab")
        assert app.focused is main.reader
        await press(pilot, "tab")
        assert app.focused is main.query_one("#sidebar")


async def test_help_lists_every_key(db):
    # "app.help"
    from tui import bindings

    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        body = app.screen.query_one("#help-body Static").render().plain  # type: ignore[union-attr]
        for key in bindings.TABLE:
            assert key.id in body and key.description in body
        assert "Search (/)" in body and "due:overdue" in body and "feed:NAME" in body
        assert "feed:#12" in body and "only feed 12" in body
        await press(pilot, "escape")
        assert type(app.screen).__name__ == "MainScreen"


async def test_keymap_from_config_remaps(db):
    from tui.config import Config

    async with running(db, config=Config(keys={"item.archive": "z"})) as (
            pilot, app, main, store, ids):
        await press(pilot, "z")
        assert store.rows([ids["nk"]])[0].status == "archived"


async def test_ctrl_p_palette_runs_actions(db):
    # "app.palette"
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "ctrl+p")
        assert type(app.screen).__name__ == "CommandPalette"
        await press(pilot, *"Tag as sanctions")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        await settle(pilot)
        assert topics_of(store, ids["nk"])["sanctions"] == "confirmed"


async def test_p_polls_in_a_subprocess(db, monkeypatch):
    # "app.poll"
    import sys

    import tui.app

    assert tui.app.poll_command(Path("x.db"))[1:] == [
        "-m", "cli.main", "--db", "x.db", "poll", "--json"]
    assert tui.app.poll_summary(b'{"feeds": 0, "items_new": 0, "failed": 0}').endswith(
        "no feed was due (each feed keeps its own schedule).")
    assert tui.app.poll_summary(b'{\n  "feeds": 3,\n  "items_new": 12,\n  "failed": 1\n}\n') == (
        "Poll finished: 3 feeds, 12 new items, 1 failed (see the feed's errors: E)")
    marker = Path(db[0]).with_suffix(".polled")
    monkeypatch.setattr(tui.app, "poll_command", lambda path: [
        sys.executable, "-c", f"open({str(marker)!r}, 'w').write('ok')"])
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "p")
        await wait_for(pilot, marker.exists, 10, "the poll subprocess")
        monkeypatch.setattr(tui.app, "_watcher_running", lambda path: "pid 42 (triage poll --watch)")
        await press(pilot, "p")
        await wait_for(pilot, lambda: any("already by pid 42" in n.message
                                          for n in app._notifications))


async def test_q_quits(db):
    # "app.quit"
    async with running(db) as (pilot, app, main, store, ids):
        await pilot.press("q")
        await pilot.pause(0.1)
        assert app._exit


def test_every_binding_is_tested():
    from tui import bindings

    source = Path(__file__).read_text()
    missing = [k.id for k in bindings.TABLE if f'"{k.id}"' not in source
               and not (k.id.startswith("item.topic") and '"item.topic1"' in source)]
    assert missing == []


async def test_followup_date_can_be_removed_and_bulk_keeps_notes(db):
    async with running(db) as (pilot, app, main, store, ids):
        await press(pilot, "j", "f", *["backspace"] * 10, "enter")  # drones: empty the date
        fu = store.item(ids["drones"]).followup
        assert fu.due is None and fu.note == "check the base name"
        await press(pilot, "space", "space", "f", *"2025-04-02", "enter")  # drones + unsc
        assert store.item(ids["drones"]).followup.due == "2025-04-02"
        assert store.item(ids["unsc"]).followup.note == "compare with panel report"
