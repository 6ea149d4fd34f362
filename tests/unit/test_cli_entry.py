"""`triage` and `triage --db PATH` open the TUI without building every subcommand's
parser; anything else still goes through the full parser (help, errors)."""

from __future__ import annotations

import pytest

from cli import main as cli_main
from cli import tui_cmds


@pytest.fixture
def opened(monkeypatch):
    seen: list[str | None] = []

    def fake_run_tui(args, ctx):
        seen.append(ctx.db)
        return 0

    monkeypatch.setattr(tui_cmds, "run_tui", fake_run_tui)
    monkeypatch.delenv("TRIAGE_DB", raising=False)
    return seen


@pytest.mark.parametrize("argv", [["--db", "/tmp/x.db"], ["--db=/tmp/x.db"]])
def test_db_alone_opens_the_tui_on_that_file(opened, argv):
    assert cli_main.main(argv) == 0
    assert opened == ["/tmp/x.db"]


def test_no_arguments_open_the_tui_on_triage_db(opened, monkeypatch):
    monkeypatch.setenv("TRIAGE_DB", "/tmp/env.db")
    assert cli_main.main([]) == 0
    assert opened == ["/tmp/env.db"]


@pytest.mark.parametrize("argv", [["--db"], ["--db", "--bogus"], ["--dbx", "y"]])
def test_malformed_db_option_is_a_one_line_usage_error(opened, capsys, argv):
    with pytest.raises(SystemExit) as exc:
        cli_main.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("triage: error:") and err.count("\n") == 1
    assert opened == []


def test_subcommands_still_parse(opened, capsys):
    with pytest.raises(SystemExit) as exc:
        cli_main.main(["--db", "/tmp/x.db", "items", "--help"])
    assert exc.value.code == 0
    assert "usage: triage items" in capsys.readouterr().out
    assert opened == []


def test_a_db_in_a_missing_folder_is_refused_not_created(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TRIAGE_DB", raising=False)
    missing = tmp_path / "no-such-folder" / "triage.db"
    for argv in (["--db", str(missing)], ["--db", str(missing), "items"],
                 ["--db", str(missing), "poll"], ["--db", str(missing), "feeds", "list"]):
        assert cli_main.main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "does not exist" in err
    assert not missing.parent.exists()
