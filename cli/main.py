"""The ``triage`` command: parse arguments, call into the layers, print, exit.

Thin on purpose. Textual is imported only by the commands that open the TUI.
Every command exits non-zero on bad input with a one-line reason, never a
traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from store.errors import StoreError

from . import common, tui_cmds

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
    from . import analyst_cmds, feed_cmds  # only when a parser is built: see _tui_only

    for module in (tui_cmds, feed_cmds, analyst_cmds):
        module.add_parsers(sub, [db_parent])
    return parser


def _tui_only(argv: list[str]) -> argparse.Namespace | None:
    """``triage`` and ``triage --db PATH`` open the TUI: for them, skip building the
    whole parser (all subcommands: a few ms of the first screen's budget). Anything
    else, help and errors included, goes through the parser."""
    if not argv:
        return argparse.Namespace(func=tui_cmds.run_tui)
    if len(argv) == 2 and argv[0] == "--db" and argv[1] and not argv[1].startswith("-"):
        return argparse.Namespace(func=tui_cmds.run_tui, db=argv[1])
    if len(argv) == 1 and argv[0].startswith("--db=") and len(argv[0]) > 5:
        return argparse.Namespace(func=tui_cmds.run_tui, db=argv[0][5:])
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _tui_only(argv) or build_parser().parse_args(argv)
    if getattr(args, "func", None) is None:
        args.func = tui_cmds.run_tui
    ctx = common.Context(db=getattr(args, "db", None) or os.environ.get("TRIAGE_DB"))
    try:
        code = args.func(args, ctx)
    except StoreError as exc:
        common.fail(str(exc))
        code = 1
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        # `triage items | head`: the reader went away; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    finally:
        ctx.close()
    return int(code or 0)


if __name__ == "__main__":
    raise SystemExit(main())
