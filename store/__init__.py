"""The one door to the SQLite file. Nothing outside this package writes SQL."""

from .api import Store
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
