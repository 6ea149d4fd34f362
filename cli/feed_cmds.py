"""`triage feeds add | list | remove | import | export` (and `poll`, from poll_cmd).

Feed-sourced text reaches the terminal only through ``common.out`` (display_safe).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from store.errors import Conflict, InvalidInput
from store.models import Feed
from store.sources import validate_url
from store.text import display_safe

from . import common, poll_cmd


def add_parsers(sub, parents) -> None:
    """Register `feeds` (with its subcommands) and `poll`."""
    feeds = sub.add_parser(
        "feeds", parents=parents, help="subscribe, list, remove, import and export feeds",
        description="Manage the feeds triage polls.",
    )
    feeds.set_defaults(func=lambda args, ctx: _usage(feeds))
    verbs = feeds.add_subparsers(dest="feeds_command", metavar="ACTION",
                                 parser_class=type(feeds))
    add = verbs.add_parser("add", parents=parents,
                           help="subscribe to a feed URL (http/https); re-subscribes a removed feed")
    add.add_argument("url", metavar="URL")
    add.add_argument("--title", help="a title of your own (default: the feed's)")
    add.set_defaults(func=run_add)
    lst = verbs.add_parser("list", parents=parents,
                           help="feeds with status, last success, error and next poll")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.add_argument("--all", action="store_true",
                     help="also the feeds you removed without --purge (status 'removed')")
    lst.set_defaults(func=run_list)
    rm = verbs.add_parser("remove", parents=parents,
                          help="unsubscribe; keeps items you touched (and the feed's name for"
                               " them) unless --purge")
    rm.add_argument("id", metavar="ID", type=int, help="the feed id (see 'triage feeds list')")
    rm.add_argument("--purge", action="store_true",
                    help="also delete the items you tagged, read or marked for follow-up, and"
                         " the feed itself (works on a removed feed too)")
    rm.set_defaults(func=run_remove)
    en = verbs.add_parser("enable", parents=parents,
                          help="poll a disabled or failing feed again at the next poll")
    en.add_argument("id", metavar="ID", type=int, help="the feed id (see 'triage feeds list')")
    en.set_defaults(func=run_enable)
    imp = verbs.add_parser("import", parents=parents, help="subscribe to every feed in an OPML file")
    imp.add_argument("file", metavar="FILE.opml", help="an OPML file ('-' reads stdin)")
    imp.set_defaults(func=run_import)
    exp = verbs.add_parser("export", parents=parents, help="write your feeds as OPML 2.0 to stdout")
    exp.set_defaults(func=run_export)
    poll_cmd.add_parser(sub, parents)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    return 2


def run_add(args, ctx) -> int:
    feed, revived = ctx.store(actor="cli").subscribe(args.url, args.title)
    if revived:
        common.out(f"re-subscribed to removed feed {feed.id}"
                   f" ({display_safe(feed.name, one_line=True)}): {feed.url}")
    else:
        common.out(f"added feed {feed.id}: {feed.url}")
    common.out("it is polled by the next 'triage poll'")
    return 0


def _local(instant: str | None) -> str:
    if not instant:
        return "-"
    from store.clock import parse_instant

    try:
        return parse_instant(instant).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return instant


def feed_status(feed: Feed) -> str:
    if feed.removed:
        return "removed"
    if feed.disabled_reason:
        return "disabled"
    if not feed.last_polled_at:
        return "new"
    if feed.error_count:
        return f"failing x{feed.error_count}"
    return "ok"


def _feed_json(feed: Feed) -> dict:
    return {
        "id": feed.id, "url": feed.url, "title": feed.title, "site_url": feed.site_url,
        "status": feed_status(feed), "last_status": feed.last_status,
        "last_polled_at": feed.last_polled_at, "last_success_at": feed.last_success_at,
        "next_poll_at": feed.next_poll_at, "error_count": feed.error_count,
        "last_error": feed.last_error, "disabled_reason": feed.disabled_reason,
        "added_at": feed.added_at, "removed_at": feed.removed_at,
    }


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run_list(args, ctx) -> int:
    """Subscribed feeds; with --all, the removed ones after them (status 'removed')."""
    store = ctx.store(actor="cli")
    feeds = store.feeds(include_removed=args.all)
    if args.json:
        common.out_json([_feed_json(f) for f in feeds])
        return 0
    if not feeds:
        removed = 0 if args.all else len(store.feeds(include_removed=True))
        hint = f" ({removed} removed: 'triage feeds list --all')" if removed else ""
        common.out(f"no feeds yet: add one with 'triage feeds add URL'{hint}")
        return 0
    common.out(f"{'ID':>4}  {'TITLE':<36}  {'STATUS':<11}  {'LAST SUCCESS':<16}  "
               f"{'NEXT POLL':<16}  ERROR")
    for feed in feeds:
        title = _cut(display_safe(feed.name, one_line=True), 36)
        error = feed.disabled_reason or feed.last_error or ""
        next_poll = "-" if feed.disabled_reason or feed.removed else _local(feed.next_poll_at)
        common.out(
            f"{feed.id:>4}  {title:<36}  {feed_status(feed):<11}  "
            f"{_local(feed.last_success_at):<16}  {next_poll:<16}  "
            f"{_cut(display_safe(error, one_line=True), 80)}"
        )
    return 0


def run_remove(args, ctx) -> int:
    store = ctx.store(actor="cli")
    feed = store.feed(args.id)
    deleted, kept = store.remove_feed(args.id, purge=args.purge)
    verb = "purged" if args.purge and feed.removed else "removed"
    common.out(f"{verb} feed {feed.id} ({display_safe(feed.name, one_line=True)}):"
               f" {deleted} items deleted, {kept} kept")
    if kept:
        common.out("the kept items are ones you tagged, read or marked; they keep the feed's"
                   f" name. 'triage feeds remove {feed.id} --purge' deletes them too")
    if not args.purge:
        common.out(f"it is no longer polled; 'triage feeds add {feed.url}' subscribes to it again")
    return 0


def run_enable(args, ctx) -> int:
    store = ctx.store(actor="cli")
    was = store.feed(args.id)
    feed = store.enable_feed(args.id)
    why = f" (it was disabled: {was.disabled_reason})" if was.disabled_reason else ""
    common.out(f"feed {feed.id} ({display_safe(feed.name, one_line=True)}) is polled by the"
               f" next 'triage poll'{why}")
    return 0


def _read_file(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).expanduser().read_bytes()


def run_import(args, ctx) -> int:
    from feeds.opml import OPMLError, read_opml

    try:
        subs = read_opml(_read_file(args.file))
    except OSError as exc:
        return common.fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except OPMLError as exc:
        return common.fail(f"{args.file}: {exc}")
    store = ctx.store(actor="cli")
    known = {f.url for f in store.feeds()}
    added = revived = duplicates = invalid = 0
    for sub in subs:
        try:
            url = validate_url(sub.url)
        except InvalidInput as exc:
            invalid += 1
            print(f"skipped: {display_safe(str(exc), one_line=True)}", file=sys.stderr)
            continue
        if url in known:
            duplicates += 1
            continue
        try:
            _feed, again = store.subscribe(url, sub.title)
        except Conflict:
            duplicates += 1
            continue
        known.add(url)
        added += 1
        revived += again
    again_note = f" ({revived} of them re-subscribed after a remove)" if revived else ""
    common.out(f"imported {added} feeds from {args.file}{again_note}; {duplicates} duplicates"
               f" skipped, {invalid} invalid")
    return 0


def run_export(args, ctx) -> int:
    from feeds.opml import Subscription, write_opml

    feeds = ctx.store(actor="cli").feeds()
    subs = [Subscription(url=f.url, title=f.title, site_url=f.site_url) for f in feeds]
    sys.stdout.write(display_safe(write_opml(subs)))
    return 0
