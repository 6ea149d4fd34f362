import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
for p in (str(HERE), str(ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)

from tui_helpers import seed  # noqa: E402


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "triage.db"
    ids = seed(path)
    return path, ids
