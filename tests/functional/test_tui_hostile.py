"""Feed text is hostile: it is shown literally, clicking it does nothing, and no escape
sequence or C1 control from it reaches the terminal."""

from __future__ import annotations

import re

import pyte
from tui_helpers import incoming, make_app, ready, screen_ansi, screen_text, settle, wait_for

from store import Store

TITLES = [
    "[@click=app.quit]x[/]",
    "[/]",
    "[link=file:///etc/passwd]y[/link]",
    "clip \x1b]52;c;ZXZpbA==\x07 end",
    "wipe \x1b[2J end",
    "csi \x9b31m red",
    "bidi \u202eevil\u202c txt",
]
LITERAL = ["[@click=app.quit]x[/]", "[/]", "[link=file:///etc/passwd]y[/link]", "clip end",
           "wipe end", "csi red", "bidi evil txt"]
HOSTILE_HTML = (
    "<p>[@click=app.quit]body[/] \x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\</p>"
    "<p><a href='file:///etc/passwd'>local</a> <a href='javascript:alert(1)'>js</a>"
    " <a href='-https://opt.example/'>dash</a></p><pre>\x1b[31mred\x1b[0m \x9b2J</pre>"
)
SGR = re.compile(r"\x1b\[[0-9;]*[mH]")  # colours and cursor moves: ours


def _seed(path):
    with Store(path, actor="mallory") as store:
        feed = store.add_feed("https://evil.example/rss", "[b]Evil[/b] \x1b[5mfeed")
        items = [
            incoming(f"h{n}", title, f"2025-03-0{n + 1}T10:00:00Z", html=HOSTILE_HTML,
                     url="https://evil.example/x\x1b[2J")
            for n, title in enumerate(TITLES)
        ]
        store.ingest(feed.id, items, now="2025-03-09T12:00:00Z")


def _check_output(ansi: str) -> None:
    rest = SGR.sub("", ansi)
    assert "\x1b" not in rest, repr(rest[rest.index("\x1b") - 20 : rest.index("\x1b") + 20])
    assert not re.search(r"[\x80-\x9f\x07\u202a-\u202e\u2066-\u2069]", rest)
    assert "ZXZpbA==" not in ansi or "52;" not in ansi


async def test_hostile_titles_are_literal_and_harmless(tmp_path):
    path = tmp_path / "evil.db"
    _seed(path)
    app = make_app(path)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        text = screen_text(app)
        for literal in LITERAL:
            assert literal in text, literal
        assert "[b]Evil[/b] feed" in text
        _check_output(screen_ansi(app))

        # A real terminal emulator sees the same: the text, no title, no clipboard, no wipe.
        screen = pyte.Screen(140, 40)
        stream = pyte.Stream(screen)
        stream.feed(screen_ansi(app))
        shown = "\n".join(screen.display)
        for literal in LITERAL[:3]:
            assert literal in shown
        assert screen.title == ""

        # Click every line of the list and the reader's title: nothing runs.
        items = app.main_screen.items
        for y in range(len(TITLES)):
            await pilot.click(items, offset=(40, y))
            await settle(pilot)
            assert app.is_running and not app._exit
            await pilot.click(app.main_screen.reader, offset=(3, 0))
            await settle(pilot)
            assert app.is_running and not app._exit
            _check_output(screen_ansi(app))
        text = screen_text(app)
        assert "not openable" in text  # file:, javascript: and '-' links are refused
        await pilot.press("o", "1", "enter")
        await settle(pilot)
        await pilot.press("o", "3", "enter")
        await settle(pilot)
        assert app.opened_urls == []  # neither file: nor a URL with an escape opens
        await pilot.press("y")
        assert app.clipboard == ""


async def test_hostile_names_in_palette_and_sidebar(tmp_path):
    path = tmp_path / "evil.db"
    _seed(path)
    app = make_app(path)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p", *"Evil")
        await wait_for(pilot, lambda: "Go to feed [b]Evil[/b] feed" in screen_text(app))
        _check_output(screen_ansi(app))
        await pilot.press("enter")
        await settle(pilot)
        assert app.main_screen.queue.kind == "feed"
        assert len(app.main_screen.items.ids) == len(TITLES)
        assert app.is_running


def test_hostile_text_in_a_real_terminal(tmp_path):
    """The real driver in a pty: the bytes the terminal gets carry none of the feed's
    escapes, and a terminal emulator (pyte) shows the titles literally."""
    from bench.tui_pty import app_argv, first_screen

    path = tmp_path / "evil.db"
    _seed(path)
    raw = bytearray()
    run = first_screen(app_argv(path), "[@click=app.quit]x[/]", cols=140, rows=40,
                       then=[b"j", b"j", b"\r"], raw=raw)
    assert "[link=file:///etc/passwd]y[/link]" in run.final
    assert "bidi evil txt" in run.final and "wipe end" in run.final
    data = bytes(raw)
    assert b"ZXZpbA==" not in data  # the OSC 52 clipboard payload
    assert b"\x1b[5m" not in data  # the feed title's blink
    assert b"\xc2\x9b" not in data and b"\x9b31m" not in data  # C1 CSI, as UTF-8 or raw
    assert "\u202e".encode() not in data
    assert b"\x1b]8;;https://evil.example" not in data  # the body's OSC 8 link
