"""One item row as terminal segments: pure, so it is easy to test and fast to call.

Columns: selection and unread marks, date, source, title, topic chips (suggested ones
dim and italic with a '?'), follow-up marker with its due date (overdue highlighted).
All feed text goes through :func:`store.text.display_safe` and into plain Segments:
nothing here is ever parsed as markup.
"""

from __future__ import annotations

import datetime as dt

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from store.models import ItemRow
from store.text import display_safe

SOURCE_WIDTH = 16
DATE_WIDTH = 10


def fit(text: str, width: int) -> str:
    """Exactly ``width`` cells: padded, or cut with an ellipsis."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def chips(row: ItemRow) -> list[tuple[str, bool]]:
    """(label, suggested) for each topic on the row, rejected ones already left out."""
    return [
        (display_safe(name, one_line=True) + ("?" if state == "suggested" else ""),
         state == "suggested")
        for name, state in row.topics
    ]


def due_label(row: ItemRow, today: dt.date) -> tuple[str, bool]:
    """The follow-up column: text and whether it is overdue."""
    if not row.has_followup:
        return "", False
    if not row.due:
        return "⚑ open", False
    overdue = row.due < today.isoformat()
    return f"⚑ {row.due[5:]}", overdue


def format_row(
    row: ItemRow, width: int, styles: dict[str, Style], selected: bool, today: dt.date
) -> list[Segment]:
    meta = styles["meta"]
    if row.status != "new":
        text_style = styles["done"]
    else:
        text_style = styles["read"] if row.is_read else styles["unread"]
    mark = Segment("+" if selected else " ", styles["selected"])
    unread = Segment("•" if not row.is_read else " ", styles["unread"] if not row.is_read else meta)
    date = Segment(" " + fit(row.sort_at[:DATE_WIDTH], DATE_WIDTH) + " ", meta)
    source = Segment(fit(display_safe(row.feed, one_line=True), SOURCE_WIDTH) + " ", meta)

    due_text, overdue = due_label(row, today)
    due_width = 8 if due_text else 0
    tail: list[Segment] = []
    chip_list = chips(row)
    chip_budget = min(max(width // 4, 12), 36)
    used = 0
    for label, suggested in chip_list:
        need = cell_len(label) + 1
        if used + need > chip_budget:
            tail.append(Segment(" …", meta))
            used += 2
            break
        tail.append(Segment(" " + label, styles["chip-suggested" if suggested else "chip"]))
        used += need
    if due_text:
        tail.append(Segment(" "))
        tail.append(Segment(fit(due_text, due_width - 1), styles["overdue" if overdue else "due"]))
        used += due_width
    if row.revised:
        tail.insert(0, Segment(" ↻", meta))
        used += 2

    fixed = 2 + DATE_WIDTH + 2 + SOURCE_WIDTH + 1
    title_width = width - fixed - used
    if title_width < 12:  # narrow: drop the source column first
        source = Segment("")
        title_width += SOURCE_WIDTH + 1
    title = display_safe(row.title, one_line=True) or "(no title)"
    return [mark, unread, date, source, Segment(fit(title, max(title_width, 0)), text_style), *tail]
