"""The TUI's settings: a typed object read from TOML.

The file is ``$TRIAGE_CONFIG`` if set, else ``config.toml`` in the user config folder
(platformdirs). Everything is optional::

    theme = "textual-dark"
    refresh_seconds = 1.0      # how often the app checks the file for changes

    [keys]                     # binding id = key(s); see the help screen (?) for ids
    "item.archive" = "e"
    "list.down" = "j,down,ctrl+n"

Unknown keys or bad values raise ConfigError with a one-line reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import bindings


class ConfigError(Exception):
    """The config file cannot be used; the message says why, on one line."""


@dataclass(frozen=True)
class Config:
    theme: str = "textual-dark"
    refresh_seconds: float = 1.0
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None


def actor_name() -> str:
    """Who the TUI's edits are recorded as in ``events``: the login name."""
    import getpass

    try:
        return getpass.getuser() or "analyst"
    except (KeyError, OSError):
        return "analyst"


def default_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("triage", appauthor=False) / "config.toml"


def config_path() -> Path:
    env = os.environ.get("TRIAGE_CONFIG")
    return Path(env).expanduser() if env else default_path()


def load(path: Path | None = None) -> Config:
    """Read the config file; a missing or empty file means the defaults."""
    path = config_path() if path is None else path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    if not raw.strip():
        return Config(path=path)  # nothing to parse: no TOML parser to load before the UI
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return from_dict(data, path)


def from_dict(data: dict[str, Any], path: Path | None = None) -> Config:
    where = f"{path}: " if path else ""
    unknown = sorted(set(data) - {"theme", "refresh_seconds", "keys"})
    if unknown:
        raise ConfigError(f"{where}unknown setting {unknown[0]!r}")
    theme = data.get("theme", Config.theme)
    if not isinstance(theme, str) or not theme:
        raise ConfigError(f"{where}theme must be a theme name")
    refresh = data.get("refresh_seconds", Config.refresh_seconds)
    if isinstance(refresh, bool) or not isinstance(refresh, int | float) or not 0.2 <= refresh <= 60:
        raise ConfigError(f"{where}refresh_seconds must be a number from 0.2 to 60")
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(
        isinstance(v, str) and v.strip() for v in keys.values()
    ):
        raise ConfigError(f"{where}[keys] maps binding ids to key names, e.g. \"item.archive\" = \"e\"")
    bad = bindings.unknown_ids(keys)
    if bad:
        raise ConfigError(f"{where}unknown binding id {bad[0]!r} in [keys] (see ? in the app)")
    return Config(theme=theme, refresh_seconds=float(refresh),
                  keys={k: v.replace(" ", "") for k, v in keys.items()}, path=path)
