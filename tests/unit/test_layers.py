"""Layer hygiene, executed: the poller's commands never import Textual (nor Rich off a TTY)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from clihelp import ROOT

WRAPPER = """
import json, sys
sys.argv = ["triage", *json.loads(sys.argv[1])]
from cli.main import main
try:
    code = main()
except SystemExit as exc:
    code = exc.code
loaded = sorted({m.split(".")[0] for m in sys.modules})
print("\\n@@" + json.dumps({"code": code, "modules": loaded}))
"""


def run_wrapped(args: list[str], db) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRIAGE_DB": str(db)}
    result = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps(args)], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert "@@" in result.stdout, result.stderr
    return json.loads(result.stdout.rsplit("@@", 1)[1])


@pytest.mark.parametrize("args", [
    ["poll"], ["poll", "--all", "--json"], ["feeds", "list"], ["feeds", "list", "--json"],
    ["feeds", "export"],
])
def test_poller_commands_do_not_import_textual_or_rich(tmp_path, args):
    report = run_wrapped(args, tmp_path / "t.db")
    assert report["code"] == 0
    assert "textual" not in report["modules"]
    assert "rich" not in report["modules"]  # no TTY here: no progress bar, no Rich
    assert "feeds" in report["modules"] or args[0] == "feeds"


def test_feeds_package_imports_without_textual_or_rich():
    code = (
        "import sys, feeds.poll, feeds.fetch, feeds.schedule, feeds.lock, feeds.opml, "
        "feeds.persist, feeds.report, feeds.workers\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(bad)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_importtime_of_triage_poll_shows_no_textual(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRIAGE_DB": str(tmp_path / "t.db")}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cli.main", "poll"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")]
    assert "feeds.poll" in imported
    assert not [m for m in imported if m.split(".")[0] == "textual"]
