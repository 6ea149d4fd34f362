"""`triage` and `triage demo` open the TUI; the command line loads Textual only for them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def opened(monkeypatch):
    """Record the apps the CLI would run instead of taking over the terminal."""
    import tui.app

    runs = []
    monkeypatch.setattr(tui.app.TriageApp, "run",
                        lambda self, *a, **k: runs.append((self.db_path, self.store.item_ids(""))))
    monkeypatch.setenv("TRIAGE_CONFIG", str(ROOT / "no-such-config.toml"))
    return runs


def test_no_command_opens_the_tui_on_the_db(db, opened):
    from cli.main import main

    path, ids = db
    assert main(["--db", str(path)]) == 0
    assert opened[0][0] == path and len(opened[0][1]) == 8


def test_demo_keep_builds_a_file_and_opens_it(tmp_path, opened):
    from cli.main import main

    path = tmp_path / "demo.db"
    assert main(["demo", "--keep", str(path)]) == 0
    assert path.exists() and opened[0][0] == path and opened[0][1]
    assert main(["demo", "--keep", str(path)]) == 1  # refuses to overwrite


def test_demo_without_keep_uses_a_temporary_file(opened):
    from cli.main import main

    assert main(["demo"]) == 0
    used = opened[0][0]
    assert opened[0][1] and not used.exists()  # built, shown, then removed


def test_bad_config_is_one_line(db, tmp_path, monkeypatch, capsys):
    from cli.main import main

    bad = tmp_path / "config.toml"
    bad.write_text("[keys]\n\"no.such.binding\" = \"x\"\n")
    monkeypatch.setenv("TRIAGE_CONFIG", str(bad))
    assert main(["--db", str(db[0])]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown binding id" in err


def test_config_file_is_typed(tmp_path):
    from tui.config import ConfigError, load

    good = tmp_path / "c.toml"
    good.write_text('theme = "textual-light"\nrefresh_seconds = 2\n[keys]\n"item.archive" = "z"\n')
    config = load(good)
    assert (config.theme, config.refresh_seconds, config.keys) == (
        "textual-light", 2.0, {"item.archive": "z"})
    assert load(tmp_path / "missing.toml").keys == {}
    for blank in ("", " \n\t\n"):
        good.write_text(blank)
        assert load(good).theme == "textual-dark" and load(good).keys == {}
    for text in ('refresh_seconds = "x"', "colour = 1", "[keys]\n\"item.archive\" = 3", "= ="):
        good.write_text(text)
        with pytest.raises(ConfigError):
            load(good)


def test_cli_modules_do_not_import_textual():
    code = ("import sys, cli.main, cli.tui_cmds; "
            "print('textual' in sys.modules, 'tui.app' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
