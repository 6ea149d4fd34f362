"""The one door to the SQLite file. Nothing outside this package writes SQL.

``Store`` is loaded on first use: a process that needs only ``store.models`` or
``store.text`` (a parser worker, say) does not pay for the whole API's imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import (
    Conflict,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    NothingToUndo,
    QueryError,
    SchemaTooNew,
    StoreError,
)

if TYPE_CHECKING:
    from .api import Store

__all__ = [
    "Store",
    "StoreError",
    "Conflict",
    "DatabaseUnavailable",
    "InvalidInput",
    "NotFound",
    "NothingToUndo",
    "QueryError",
    "SchemaTooNew",
]


def __getattr__(name: str):
    if name == "Store":
        from .api import Store

        return Store
    raise AttributeError(f"module 'store' has no attribute {name!r}")
