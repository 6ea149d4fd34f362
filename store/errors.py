"""The store's own exceptions. The Store API raises nothing else."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error the store raises."""


class SchemaTooNew(StoreError):
    """The file was written by a newer triage."""


class NotFound(StoreError):
    """An item, topic, feed or search that does not exist."""


class Conflict(StoreError):
    """The change would break a rule of the file (a duplicate name, a topic in use)."""


class InvalidInput(StoreError):
    """A value the store refuses (an empty name, a bad date)."""


class NothingToUndo(StoreError):
    """No action is left to undo."""


class DatabaseUnavailable(StoreError):
    """The file cannot be opened or stays locked."""


class QueryError(StoreError):
    """A query that does not parse. ``position`` is 1-based, in characters."""

    def __init__(self, reason: str, position: int, hint: str | None = None):
        self.reason = reason
        self.position = position
        self.hint = hint
        message = f"{reason} at {position}"
        if hint:
            message += f"; {hint}"
        super().__init__(message)
