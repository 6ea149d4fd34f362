"""What every command shares: the file's location, opening the store, output helpers."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store.text import display_safe

if TYPE_CHECKING:
    from store import Store


def version() -> str:
    from importlib import metadata

    try:
        return metadata.version("triage")
    except metadata.PackageNotFoundError:
        return "dev"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    folder = user_data_path("triage", appauthor=False)
    folder.mkdir(parents=True, exist_ok=True)  # made on first use; a folder you name is not
    return folder / "triage.db"


@dataclass
class Context:
    db: str | None = None
    _store: Store | None = field(default=None, repr=False)

    @property
    def db_path(self) -> Path:
        return Path(self.db).expanduser() if self.db else default_db_path()

    def store(self, actor: str = "cli") -> Store:
        if self._store is None:
            from store import Store  # not at import: parser workers re-import this module

            self._store = Store(self.db_path, actor=actor)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def fail(message: str) -> int:
    """Print a one-line error (made safe for the terminal) and return exit code 1."""
    line = " ".join(display_safe(message).split())
    print(f"triage: error: {line}", file=sys.stderr)
    return 1


def out(text: str = "") -> None:
    """Print text that may come from a feed: escapes and controls removed."""
    print(display_safe(text))


def out_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def is_tty() -> bool:
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
