"""Shared test set-up. Helper modules in tests/ (seed, clihelp, ...) import by name."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
for folder in (str(ROOT), str(TESTS)):
    if folder not in sys.path:
        sys.path.insert(0, folder)

CORPUS = ROOT.parent / "shared" / "corpus"
