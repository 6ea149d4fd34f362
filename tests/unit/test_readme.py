"""The README is tested: its commands exist, every subcommand is documented and has help,
and the SQL examples run against a seeded file."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
from clihelp import ROOT, run_cli
from seed import seed

README = (ROOT / "README.md").read_text()


def test_two_commands_near_the_top_exist_in_the_makefile():
    top = README[:2500]
    assert "make demo" in top and "make test" in top
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no {target} target"


def test_ci_runs_the_readme_test_command():
    lines = [ln for ln in (ROOT / ".ci/run").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines[-1].strip() == "make test"


def _subcommands() -> list[str]:
    from cli.main import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def test_every_subcommand_is_in_the_readme_and_has_help():
    commands = _subcommands()
    assert {"items", "tag", "mark", "followup", "undo", "topics", "export"} <= set(commands)
    for name in commands:
        assert f"`triage {name}" in README, f"README does not document triage {name}"
        result = run_cli(name, "--help")
        assert result.returncode == 0 and "usage: triage" in result.stdout, name


def _sql_examples() -> list[str]:
    blocks = re.findall(r"```sql\n(.*?)```", README, re.S)
    statements = []
    for block in blocks:
        for stmt in block.split(";"):
            lines = [ln for ln in stmt.splitlines() if ln.strip() and not ln.startswith("--")]
            if lines:
                statements.append("\n".join(lines))
    return statements


def test_sql_examples_run_against_a_seeded_file(tmp_path):
    path = tmp_path / "triage.db"
    seed(path).close()
    statements = _sql_examples()
    assert len(statements) >= 6
    conn = sqlite3.connect(path)
    results = [conn.execute(s).fetchall() for s in statements]
    untriaged, overdue, per_topic, patriot, trouble, kept = results
    assert len(untriaged) == 10
    assert [r[0] for r in overdue] == [1]
    assert ("labor", "confirmed", 1) in per_topic
    assert [r[0] for r in patriot] == [3]
    assert trouble == []
    assert kept == []


def test_sql_examples_after_a_feed_is_removed(tmp_path):
    """`feeds remove` keeps the touched items under the feed's name; a removed feed is not
    "in trouble" whatever its last fetch said."""
    path = tmp_path / "triage.db"
    store = seed(path)
    desk = store.feeds()[1]  # War Desk: items 1-3 are tagged, read or followed up, 4 is not
    assert desk.title == "War Desk"
    store.conn.execute("UPDATE feeds SET error_count = 3 WHERE id = ?", (desk.id,))
    assert store.remove_feed(desk.id) == (1, 3)
    store.close()
    conn = sqlite3.connect(path)
    untriaged, overdue, _per_topic, _patriot, trouble, kept = (
        conn.execute(s).fetchall() for s in _sql_examples())
    assert ("War Desk", "Drones over a German base") in {(r[2], r[3]) for r in untriaged}
    assert [(r[0], r[3]) for r in overdue] == [(1, "North Korean workers on student visas")]
    assert trouble == []
    assert [(r[0], r[1]) for r in kept] == [(1, "War Desk"), (2, "War Desk"), (3, "War Desk")]
    assert all(r[2] for r in kept)  # removed_at


def test_sqlite_utils_examples_run(tmp_path):
    path = tmp_path / "triage.db"
    seed(path).close()
    exe = shutil.which("sqlite-utils", path=str(ROOT / ".venv/bin")) or shutil.which("sqlite-utils")
    if exe is None:
        exe_cmd = [sys.executable, "-m", "sqlite_utils"]
    else:
        exe_cmd = [exe]
    for line in re.findall(r"^sqlite-utils (.*)$", README, re.M):
        args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', line.split(">")[0])]
        args = [str(path) if a == "triage.db" else a for a in args]
        result = subprocess.run([*exe_cmd, *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (line, result.stderr)
        assert result.stdout.strip()


def test_datasette_example_serves_the_file(tmp_path):
    pytest.importorskip("datasette", reason="datasette is a dev dependency; not installed here")
    path = tmp_path / "triage.db"
    seed(path).close()
    assert "datasette serve --immutable triage.db" in README
    result = subprocess.run(
        [sys.executable, "-m", "datasette", "serve", "--immutable", str(path),
         "--get", "/triage/open_followups.json?_shape=array"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert '"check the visa figures"' in result.stdout


def test_help_without_a_database_touches_nothing(tmp_path):
    result = run_cli("--help", env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d")})
    assert result.returncode == 0
    assert not (tmp_path / "d").exists()
