"""The analyst's commands: items, tag, mark, followup, undo, topics, export."""

from __future__ import annotations

import argparse
import dataclasses

from store import clock
from store.errors import InvalidInput, NotFound
from store.models import ItemRow

from .common import fail, out, out_json
from .export import FORMATS, export

MARKS = ("read", "unread", "new", "triaged", "archived")


def add_parsers(sub, parents) -> None:
    p = sub.add_parser("items", parents=parents, help="list matching items, item number first",
                       description="List items matching a query (all items when none). "
                       "Put -- before a query that starts with '-', e.g. triage items -- -labor.")
    p.add_argument("--json", action="store_true", help="one JSON object per item, in a list")
    p.add_argument("--limit", type=int, default=0, metavar="N", help="at most N items")
    p.add_argument("query", nargs="*", metavar="QUERY", help="query terms (ANDed)")
    p.set_defaults(func=cmd_items)

    p = sub.add_parser("tag", parents=parents, help="put a topic on items (or remove/reject it)",
                       description="Tag items with TOPIC (confirmed, by you).")
    p.add_argument("topic", metavar="TOPIC")
    p.add_argument("items", nargs="+", type=int, metavar="ITEM")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--remove", action="store_true", help="take the topic off")
    how.add_argument("--reject", action="store_true", help="mark the topic as wrong for the items")
    p.add_argument("--create", action="store_true", help="create TOPIC if it does not exist")
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("mark", parents=parents, help="mark items read/unread/new/triaged/archived",
                       description="Set read state or triage status: "
                       "triage mark 12 13 triaged")
    p.add_argument("items", nargs="+", type=int, metavar="ITEM")
    p.add_argument("state", choices=MARKS, metavar="|".join(MARKS))
    p.set_defaults(func=cmd_mark)

    p = sub.add_parser("followup", parents=parents, help="set, finish or clear an item's follow-up",
                       description="Set a follow-up on ITEM. WHEN is YYYY-MM-DD, today, "
                       "tomorrow, +3d, +2w or a weekday; --due none removes the date. "
                       "Options you leave out keep their current value.")
    p.add_argument("item", type=int, metavar="ITEM")
    p.add_argument("--due", metavar="WHEN", help="due date (your local calendar)")
    p.add_argument("--note", metavar="TEXT", help="what to follow up")
    done = p.add_mutually_exclusive_group()
    done.add_argument("--done", action="store_true", help="mark the open follow-up done")
    done.add_argument("--clear", action="store_true", help="remove the open follow-up")
    p.set_defaults(func=cmd_followup)

    p = sub.add_parser("undo", parents=parents, help="undo the last action (from any front end)",
                       description="Undo the newest action or bulk batch not yet undone.")
    p.set_defaults(func=cmd_undo)

    add_topic_parsers(sub, parents)

    p = sub.add_parser("export", parents=parents, help="export matching items as md, csv or json",
                       description="Write matching items to stdout.")
    p.add_argument("--format", choices=FORMATS, default="md", help="output format (default md)")
    p.add_argument("query", nargs="*", metavar="QUERY", help="query terms (ANDed)")
    p.set_defaults(func=cmd_export)


def add_topic_parsers(sub, parents) -> None:
    p = sub.add_parser("topics", parents=parents, help="list, add, rename or remove topics",
                       description="Manage topics. Without an action, lists them.")
    tsub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    p.set_defaults(func=cmd_topics_list)
    t = tsub.add_parser("list", parents=parents, help="topics with their item counts")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_topics_list)
    t = tsub.add_parser("add", parents=parents, help="add a topic")
    t.add_argument("name", metavar="NAME")
    t.add_argument("--description", default="", metavar="TEXT")
    t.set_defaults(func=cmd_topics_add)
    t = tsub.add_parser("rename", parents=parents, help="rename a topic (its tags follow)")
    t.add_argument("old", metavar="OLD")
    t.add_argument("new", metavar="NEW")
    t.set_defaults(func=cmd_topics_rename)
    t = tsub.add_parser("remove", parents=parents, help="remove a topic (--force when in use)")
    t.add_argument("name", metavar="NAME")
    t.add_argument("--force", action="store_true", help="remove even if items carry it")
    t.set_defaults(func=cmd_topics_remove)


def _query(args: argparse.Namespace) -> str:
    return " ".join(args.query)


def format_row(row: ItemRow) -> str:
    read = " " if row.is_read else "•"
    status = {"new": " ", "triaged": "✓", "archived": "a"}[row.status]
    topics = ", ".join(n if s == "confirmed" else f"{n}?" for n, s in row.topics)
    extra = f"  [{topics}]" if topics else ""
    if row.has_followup:
        extra += f"  ⚑ {row.due or 'no date'}"
    return f"{row.id:>6} {read}{status} {row.sort_at[:10]}  {row.feed[:24]:<24}  {row.title}{extra}"


def row_json(row: ItemRow) -> dict:
    data = dataclasses.asdict(row)
    data["topics"] = [{"name": n, "state": s} for n, s in row.topics]
    return data


def cmd_items(args, ctx) -> int:
    store = ctx.store()
    ids = store.item_ids(_query(args))
    if args.limit > 0:
        ids = ids[: args.limit]
    rows = (r for start in range(0, len(ids), 500) for r in store.rows(ids[start : start + 500]))
    if args.json:
        out_json([row_json(r) for r in rows])
    else:
        for row in rows:
            out(format_row(row))
    return 0


def cmd_tag(args, ctx) -> int:
    store = ctx.store()
    try:
        topic = store.topic(args.topic)
    except NotFound:
        if not args.create:
            names = ", ".join(t.name for t in store.topics())
            return fail(f"no topic {args.topic!r} (known: {names}); add --create to create it")
        topic = store.add_topic(args.topic)
        out(f"created topic {topic.name}")
    if args.remove:
        store.untag(args.items, topic.name)
        verb = "removed"
    else:
        state = "rejected" if args.reject else "confirmed"
        store.tag(args.items, topic.name, state)
        verb = "rejected" if args.reject else "tagged"
    out(f"{verb} {topic.name}: {_plural(len(set(args.items)), 'item')}")
    return 0


def cmd_mark(args, ctx) -> int:
    store = ctx.store()
    if args.state in ("read", "unread"):
        store.mark_read(args.items, args.state == "read")
    else:
        store.set_status(args.items, args.state)
    out(f"marked {args.state}: {_plural(len(set(args.items)), 'item')}")
    return 0


def cmd_followup(args, ctx) -> int:
    store = ctx.store()
    if (args.done or args.clear) and (args.due or args.note):
        return fail("--done/--clear do not take --due or --note")
    if args.done or args.clear:
        detail = store.item(args.item)
        if detail.followup is None:
            return fail(f"item {args.item} has no open follow-up")
        store.finish_followup([args.item], clear=args.clear)
        out(f"follow-up on {args.item} {'cleared' if args.clear else 'done'}")
        return 0
    clear_due = (args.due or "").strip().lower() in ("none", "never")
    try:
        due = clock.parse_due(args.due) if args.due and not clear_due else None
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    store.set_followup([args.item], due, args.note, clear_due=clear_due)
    stored = store.item(args.item).followup
    when = f"due {stored.due}" if stored and stored.due else "no due date"
    note = f" — {stored.note}" if stored and stored.note else ""
    out(f"follow-up on {args.item}: {when}{note}")
    return 0


def cmd_undo(args, ctx) -> int:
    result = ctx.store().undo()
    out(f"undid {result.action.replace('_', ' ')} ({_plural(result.count, 'change')})")
    return 0


def cmd_topics_list(args, ctx) -> int:
    store = ctx.store()
    counts = store.counts().by_topic
    topics = store.topics()
    if getattr(args, "json", False):
        out_json([{**dataclasses.asdict(t), "items": counts.get(t.id, 0)} for t in topics])
        return 0
    for t in topics:
        out(f"{counts.get(t.id, 0):>6}  {t.name}" + (f"  — {t.description}" if t.description else ""))
    return 0


def cmd_topics_add(args, ctx) -> int:
    topic = ctx.store().add_topic(args.name, args.description)
    out(f"added topic {topic.name}")
    return 0


def cmd_topics_rename(args, ctx) -> int:
    topic = ctx.store().rename_topic(args.old, args.new)
    out(f"renamed topic {args.old} to {topic.name}")
    return 0


def cmd_topics_remove(args, ctx) -> int:
    n = ctx.store().remove_topic(args.name, force=args.force)
    out(f"removed topic {args.name}" + (f" from {_plural(n, 'item')}" if n else ""))
    return 0


def cmd_export(args, ctx) -> int:
    export(ctx.store(), _query(args), args.format)
    return 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
