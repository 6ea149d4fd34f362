"""`triage export`: matching items as a Markdown brief, CSV or JSON on stdout."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator

from store import Store
from store.models import ItemDetail
from store.text import display_safe

FORMATS = ("md", "csv", "json")
EXCERPT = 600


def _details(store: Store, query: str) -> Iterator[ItemDetail]:
    for item_id in store.item_ids(query):
        yield store.item(item_id)


def _record(d: ItemDetail) -> dict:
    r = d.row
    return {
        "id": r.id,
        "published": r.published_at,
        "sort_at": r.sort_at,
        "feed": r.feed,
        "title": r.title,
        "url": r.url,
        "status": r.status,
        "read": r.is_read,
        "topics": [t.name for t in d.topics if t.state == "confirmed"],
        "suggested_topics": [t.name for t in d.topics if t.state == "suggested"],
        "due": d.followup.due if d.followup else None,
        "note": d.followup.note if d.followup else None,
        "text": d.content_text,
    }


def _md_escape(text: str) -> str:
    return display_safe(text, one_line=True).replace("[", "\\[").replace("]", "\\]")


def export(store: Store, query: str, fmt: str) -> None:
    out = sys.stdout
    if fmt == "json":
        json.dump([_record(d) for d in _details(store, query)], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    if fmt == "csv":
        cols = ["id", "published", "feed", "title", "url", "status", "read", "topics", "due", "note"]
        writer = csv.DictWriter(out, fieldnames=cols, extrasaction="ignore")
        writer.writeheader()
        for d in _details(store, query):
            rec = _record(d)
            rec["topics"] = "; ".join(rec["topics"])
            # Spreadsheet formula injection: a cell starting with = + - @ is prefixed.
            for key in ("title", "feed", "note", "url"):
                value = rec.get(key) or ""
                rec[key] = "'" + value if value[:1] in ("=", "+", "-", "@") else value
            writer.writerow(rec)
        return
    title = f"# triage export: {query}" if query else "# triage export"
    out.write(display_safe(title, one_line=True) + "\n")
    for d in _details(store, query):
        rec = _record(d)
        out.write(f"\n## {rec['id']}. {_md_escape(rec['title'])}\n\n")
        out.write(f"- source: {_md_escape(rec['feed'])}, {rec['sort_at'][:10]}\n")
        if rec["url"]:
            out.write(f"- link: <{_md_escape(rec['url'])}>\n")
        if rec["topics"] or rec["suggested_topics"]:
            names = rec["topics"] + [f"{n} (suggested)" for n in rec["suggested_topics"]]
            out.write(f"- topics: {', '.join(names)}\n")
        if d.followup:
            note = f" — {_md_escape(rec['note'])}" if rec["note"] else ""
            out.write(f"- follow-up: due {rec['due'] or 'no date'}{note}\n")
        text = display_safe(d.content_text)
        if text:
            excerpt = text[:EXCERPT].rstrip() + ("…" if len(text) > EXCERPT else "")
            out.write("\n" + "\n".join("> " + line for line in excerpt.splitlines()) + "\n")
