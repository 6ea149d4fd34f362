"""A few deterministic screenshots: fixed size, the seeded file, a frozen "today".

Update with ``pytest tests/functional/test_tui_snapshots.py --snapshot-update`` and look
at the SVGs in ``__snapshots__/`` before accepting them.
"""

from __future__ import annotations

import asyncio

from textual.widgets import Input
from tui_helpers import make_app, ready, settle

SIZE = (120, 36)


def _before(*keys: str):
    async def run(pilot) -> None:
        await ready(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
        await asyncio.sleep(0.05)
        await pilot.pause()

    return run


def test_main_screen(db, snap_compare):
    assert snap_compare(make_app(db[0]), terminal_size=SIZE, run_before=_before())


def test_reader_focused_on_a_revised_item(db, snap_compare):
    assert snap_compare(make_app(db[0]), terminal_size=SIZE,
                        run_before=_before("j", "j", "j", "enter"))


def test_topic_picker(db, snap_compare):
    assert snap_compare(make_app(db[0]), terminal_size=SIZE, run_before=_before("t"))


def test_followup_dialog(db, snap_compare):
    assert snap_compare(make_app(db[0]), terminal_size=SIZE, run_before=_before("j", "f"))


def test_help_screen(db, snap_compare):
    assert snap_compare(make_app(db[0]), terminal_size=SIZE, run_before=_before("question_mark"))
