"""Links from feeds: which may be opened, which host they really go to, opening them.

A link is opened only when it is http/https with a host, has no control, format (bidi)
or space characters and does not start with '-'; it is handed to :mod:`webbrowser`
as one argument, never to a shell. Console browsers (lynx, w3m …) are refused: they
would fight the TUI for the terminal.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from store.text import display_safe


def safe_url(url: str | None) -> str | None:
    """The URL if it may be opened: http/https, a host, no controls/whitespace, no '-'."""
    if not url or url.startswith("-") or len(url) > 4096:
        return None
    if any(unicodedata.category(ch)[0] in "CZ" for ch in url):
        return None  # controls, format (bidi) characters, any kind of space
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


def host_of(url: str | None) -> str:
    """The host a link really goes to; IDN hosts also as their ASCII (punycode) form."""
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    host = display_safe(host, one_line=True)
    if host and not host.isascii():
        try:
            return f"{host} ({host.encode('idna').decode('ascii')})"
        except UnicodeError:
            return host
    return host


def open_url(url: str) -> str | None:
    """Open ``url`` in a graphical browser. Returns None, or why it was not opened."""
    import webbrowser

    if safe_url(url) is None:
        return "this link cannot be opened safely"
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return "no web browser found"
    console = isinstance(browser, webbrowser.GenericBrowser) and not isinstance(
        browser, webbrowser.BackgroundBrowser)
    if console:
        return "only a console browser is available; copy the link with y instead"
    try:
        ok = browser.open(url, new=2)
    except (OSError, webbrowser.Error) as exc:
        return f"the browser did not start: {exc}"
    return None if ok else "the browser did not start"
