"""Clean text for storage, and safe text for display.

Storage: valid UTF-8, no NUL, no C0 controls but ``\\t`` and ``\\n`` (``\\r\\n`` and
``\\r`` become ``\\n``), no C1 controls. Bidi controls are kept: right-to-left
sources need them.

Display: :func:`display_safe` additionally removes terminal escape sequences and
neutralises bidi overrides, so nothing from a feed can steer the terminal.
It is the one function every front end passes feed text through.
"""

from __future__ import annotations

import re

# C0 except \t \n, DEL, C1.
_STORE_BAD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Escape sequences: CSI, OSC (to BEL or ST), DCS/SOS/PM/APC strings, and 2-byte ESC x.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]                 # CSI
  | \x9b[0-?]*[ -/]*[@-~]                   # 8-bit CSI
  | (?:\x1b\]|\x9d).*?(?:\x07|\x1b\\|\x9c)  # OSC ... BEL/ST (OSC 8 links, OSC 52 clipboard)
  | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]).*?(?:\x1b\\|\x9c)  # DCS SOS PM APC strings
  | \x1b[ -/]*[0-~]                         # other ESC sequences
    """,
    re.VERBOSE | re.DOTALL,
)
# Bidi embedding/override/isolate controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"\r\n?")


def clean_text(value: str | bytes | None) -> str:
    """Text fit for the file: see the module docstring."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    # Lone surrogates cannot be encoded as UTF-8: replace them.
    value = value.encode("utf-8", errors="replace").decode("utf-8")
    value = _NEWLINES.sub("\n", value)
    return _STORE_BAD.sub("", value)


def clean_line(value: str | None) -> str:
    """Clean text on one line (titles, names): whitespace runs become one space."""
    return " ".join(clean_text(value).split())


def display_safe(value: str | None, *, one_line: bool = False) -> str:
    """Text safe to put on a terminal: no escapes, no controls, bidi overrides neutralised."""
    if not value:
        return ""
    value = _ESCAPES.sub("", value)
    value = clean_text(value)
    value = value.replace("\x1b", "")
    value = _BIDI.sub("", value)
    if one_line:
        value = " ".join(value.split())
    return value
