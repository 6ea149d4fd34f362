"""The analyst commands, run as a user runs them: a subprocess on a real file."""

from __future__ import annotations

import csv
import io
import json

import pytest
from clihelp import run_cli
from seed import seed

from store import Store


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "t.db"
    seed(path).close()
    return path


def test_items_lists_matches_item_number_first(db):
    result = run_cli("items", "--", "+labor", db=db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].split()[0] == "1"
    assert "North Korean workers" in lines[0]


def test_items_negated_topic_after_double_dash(db):
    result = run_cli("items", "--json", "--", "-labor", "feed:War", db=db)
    assert result.returncode == 0, result.stderr
    assert sorted(r["id"] for r in json.loads(result.stdout)) == [2, 3, 4]


def test_bad_query_is_one_line_with_position(db):
    result = run_cli("items", "fed:x", db=db)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "at 1" in result.stderr and "feed:" in result.stderr
    assert "Traceback" not in result.stderr


def test_tag_refuses_unknown_topic_unless_create(db):
    refused = run_cli("tag", "shadow fleet", "2", db=db)
    assert refused.returncode == 1 and "--create" in refused.stderr
    created = run_cli("tag", "shadow fleet", "2", "--create", db=db)
    assert created.returncode == 0, created.stderr
    with Store(db) as store:
        topics = {t.name: t.state for t in store.item(2).topics}
    assert topics["shadow fleet"] == "confirmed"


def test_tag_remove_and_reject_then_undo(db):
    assert run_cli("tag", "labor", "1", "--remove", db=db).returncode == 0
    assert run_cli("tag", "Hybrid-Threats", "3", "--reject", db=db).returncode == 0
    with Store(db) as store:
        assert [t.name for t in store.item(1).topics] == []
        assert store.item(3).topics[0].state == "rejected"
    undo = run_cli("undo", db=db)
    assert undo.returncode == 0 and "tag rejected" in undo.stdout
    with Store(db) as store:
        assert store.item(3).topics[0].state == "suggested"


def test_mark_sets_status_and_read(db):
    assert run_cli("mark", "5", "6", "archived", db=db).returncode == 0
    assert run_cli("mark", "5", "read", db=db).returncode == 0
    with Store(db) as store:
        rows = {r.id: r for r in store.rows([5, 6])}
    assert rows[5].status == rows[6].status == "archived"
    assert rows[5].is_read and not rows[6].is_read


def test_mark_unknown_item_fails_cleanly(db):
    result = run_cli("mark", "999", "read", db=db)
    assert result.returncode == 1 and "no item 999" in result.stderr


def test_followup_set_done_clear(db):
    assert run_cli("followup", "4", "--due", "2026-12-01", "--note", "call", db=db).returncode == 0
    with Store(db) as store:
        fu = store.item(4).followup
    assert (fu.due, fu.note) == ("2026-12-01", "call")
    assert run_cli("followup", "4", "--done", db=db).returncode == 0
    with Store(db) as store:
        assert store.item(4).followup is None
    again = run_cli("followup", "4", "--clear", db=db)
    assert again.returncode == 1 and "no open follow-up" in again.stderr


def test_followup_note_keeps_date_and_due_none_clears_it(db):
    assert run_cli("followup", "4", "--due", "2026-12-01", db=db).returncode == 0
    noted = run_cli("followup", "4", "--note", "ring the embassy", db=db)
    assert noted.returncode == 0 and "due 2026-12-01 — ring the embassy" in noted.stdout
    cleared = run_cli("followup", "4", "--due", "none", db=db)
    assert cleared.returncode == 0 and "no due date" in cleared.stdout
    with Store(db) as store:
        fu = store.item(4).followup
    assert (fu.due, fu.note) == (None, "ring the embassy")


def test_followup_bad_date(db):
    result = run_cli("followup", "4", "--due", "someday", db=db)
    assert result.returncode == 1 and "YYYY-MM-DD" in result.stderr


def test_topics_commands(db):
    assert run_cli("topics", "add", "Energy", db=db).returncode == 0
    dup = run_cli("topics", "add", "energy", db=db)
    assert dup.returncode == 1 and "exists" in dup.stderr
    assert run_cli("topics", "rename", "energy", "energy security", db=db).returncode == 0
    in_use = run_cli("topics", "remove", "labor", db=db)
    assert in_use.returncode == 1 and "--force" in in_use.stderr
    assert run_cli("topics", "remove", "labor", "--force", db=db).returncode == 0
    listed = run_cli("topics", "list", "--json", db=db)
    names = [t["name"] for t in json.loads(listed.stdout)]
    assert names == ["sanctions", "hybrid threats", "energy security"]


def test_export_formats(db):
    md = run_cli("export", "--", "+labor", db=db)
    assert md.returncode == 0
    assert "## 1. North Korean workers" in md.stdout and "follow-up: due" in md.stdout
    data = json.loads(run_cli("export", "--format", "json", "--", "is:followup", db=db).stdout)
    assert {d["id"] for d in data} == {1, 3}
    rows = list(csv.DictReader(io.StringIO(run_cli("export", "--format", "csv", db=db).stdout)))
    assert len(rows) == 12 and rows[0]["id"]


def test_db_option_before_or_after_command(tmp_path, db):
    before = run_cli("--db", str(db), "items", "--limit", "1")
    after = run_cli("items", "--db", str(db), "--limit", "1")
    assert before.returncode == after.returncode == 0
    assert before.stdout == after.stdout != ""


def test_feed_text_cannot_reach_the_terminal(tmp_path):
    from seed import incoming

    path = tmp_path / "h.db"
    with Store(path) as store:
        feed = store.add_feed("https://evil.example.org/feed", "Evil\x1b]52;c;ZXZpbA==\x07")
        store.ingest(feed.id, [incoming("e", "pwn\x1b[2J\x1b]8;;http://x\x07link\u202eRTL",
                                        "body", "2026-11-20T00:00:00Z")])
    out = run_cli("items", db=path).stdout
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "pwn" in out and "link" in out


@pytest.mark.parametrize("args", [["mark", "x", "read"], ["tag"], ["followup"], ["nope"],
                                  ["export", "--format", "pdf"]])
def test_bad_arguments_one_line_nonzero(db, args):
    result = run_cli(*args, db=db)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


def test_unusable_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    result = run_cli("items", db=bad)
    assert result.returncode == 1 and "not a usable SQLite file" in result.stderr
