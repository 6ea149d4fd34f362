"""The ``triage`` command: parse arguments, call into the layers, print, exit.

Thin on purpose. Textual is imported only by the commands that open the TUI.
Every command exits non-zero on bad input with a one-line reason, never a
traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from types import SimpleNamespace

from store.errors import StoreError

from . import common, tui_cmds


def build_parser():
    """The full parser (:mod:`cli.parser`)."""
    from .parser import build_parser

    return build_parser()


def _tui_only(argv: list[str]) -> SimpleNamespace | None:
    """``triage`` and ``triage --db PATH`` open the TUI: for them, skip building the
    whole parser (argparse and every subcommand: a few ms of the first screen's budget).
    Anything else, help and errors included, goes through the parser."""
    if not argv:
        return SimpleNamespace(func=tui_cmds.run_tui)
    if len(argv) == 2 and argv[0] == "--db" and argv[1] and not argv[1].startswith("-"):
        return SimpleNamespace(func=tui_cmds.run_tui, db=argv[1])
    if len(argv) == 1 and argv[0].startswith("--db=") and len(argv[0]) > 5:
        return SimpleNamespace(func=tui_cmds.run_tui, db=argv[0][5:])
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
