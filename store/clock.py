"""Times as the file stores them.

Instants are UTC text ``YYYY-MM-DDTHH:MM:SSZ`` everywhere; due dates are the
analyst's local calendar dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt

INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def instant(when: dt.datetime | None = None) -> str:
    """Format an aware datetime (default: now) as the file's UTC instant text."""
    when = utc_now() if when is None else when
    if when.tzinfo is None:
        raise ValueError("naive datetime: instants must carry a timezone")
    return when.astimezone(dt.UTC).strftime(INSTANT_FORMAT)


def parse_instant(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, INSTANT_FORMAT).replace(tzinfo=dt.UTC)


def local_today() -> dt.date:
    return dt.datetime.now().astimezone().date()


def parse_due(text: str, today: dt.date | None = None) -> dt.date:
    """Read a due date: ``YYYY-MM-DD``, ``today``, ``tomorrow``, ``+3d``, ``+2w``, a weekday."""
    today = local_today() if today is None else today
    word = text.strip().lower()
    if word in ("today", "now"):
        return today
    if word == "tomorrow":
        return today + dt.timedelta(days=1)
    if word in ("next week", "nextweek", "week"):
        return today + dt.timedelta(days=7)
    if word.startswith("+") and word[1:-1].isdigit() and word[-1] in "dw":
        n = int(word[1:-1])
        return today + dt.timedelta(days=n * (7 if word[-1] == "w" else 1))
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    for index, name in enumerate(days):
        if len(word) >= 3 and name.startswith(word):
            ahead = (index - today.weekday()) % 7 or 7
            return today + dt.timedelta(days=ahead)
    try:
        return dt.date.fromisoformat(word)
    except ValueError:
        raise ValueError(
            f"cannot read due date {text!r}: use YYYY-MM-DD, today, tomorrow, +3d, +2w or a weekday"
        ) from None
