"""The command line's parser: every subcommand, with one-line errors (exit 2).

Built only when the arguments need it: ``triage`` and ``triage --db PATH`` open the TUI
without it (see :func:`cli.main._tui_only`).
"""

from __future__ import annotations

import argparse

from . import common

EPILOG = """\
Queries use triage's query language, e.g. triage items -- +labor is:unread '@7d'.
The file is chosen by --db, else $TRIAGE_DB, else the default in your data folder.
Run 'triage COMMAND --help' for a command's options."""


class Parser(argparse.ArgumentParser):
    """argparse that reports errors on one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"triage: error: {message} (see '{self.prog} --help')\n")


class _Version(argparse.Action):
    """--version, looked up only when asked (importlib.metadata is slow to import)."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.exit(0, f"triage {common.version()}\n")


def build_parser() -> Parser:
    db_parent = argparse.ArgumentParser(add_help=False)
    db_parent.add_argument(
        "--db", metavar="PATH", default=argparse.SUPPRESS,
        help="the SQLite file (default: $TRIAGE_DB or the user data folder)",
    )
    parser = Parser(
        prog="triage",
        description="A terminal desk for analysts: poll feeds into SQLite, triage at the keyboard.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[db_parent],
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    from . import analyst_cmds, feed_cmds, tui_cmds

    for module in (tui_cmds, feed_cmds, analyst_cmds):
        module.add_parsers(sub, [db_parent])
    return parser
