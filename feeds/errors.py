"""Errors the feed pipeline raises. Every message is one line a user can read."""

from __future__ import annotations


class FeedError(Exception):
    """Base class for anything that goes wrong with one feed."""


class ParseError(FeedError):
    """The document is not a feed we can read (HTML page, empty, broken beyond repair)."""


class FastPathDeclined(Exception):  # noqa: N818 - a decision, not an error
    """The fast parser will not vouch for this document; feedparser reads it instead."""
