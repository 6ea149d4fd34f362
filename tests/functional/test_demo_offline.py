"""Polling the demo file touches no network: not even a DNS query."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from clihelp import ROOT

WRAPPER = """
import socket, sys
asked = []
real = socket.getaddrinfo
def spy(host, *args, **kwargs):
    asked.append(host)
    return real(host, *args, **kwargs)
socket.getaddrinfo = spy
from feeds.demo import build_demo
build_demo(sys.argv[1])
from cli.main import main
code = main(["--db", sys.argv[1], "poll", "--all", "--quiet"])
print("ASKED", asked)
sys.exit(code)
"""


def test_polling_the_demo_never_resolves_a_name(tmp_path):
    db = tmp_path / "demo.db"
    result = subprocess.run([sys.executable, "-c", WRAPPER, str(db)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "ASKED []" in result.stdout
    rows = sqlite3.connect(db).execute(
        "SELECT error_message FROM fetch_log WHERE error_class IS NOT NULL"
        " AND at = (SELECT max(at) FROM fetch_log)").fetchall()
    assert len(rows) == 8
    assert all(".invalid" in message and "never resolves" in message for (message,) in rows)
