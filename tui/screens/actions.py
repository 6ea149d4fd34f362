"""What the keys do to items. Every write is a job for the app's serial writer.

A job runs in the writer thread, in submission order, and decides from the file's state
at that moment (a toggle reads the item's topics when it runs), so a quick
tag-then-untag lands as tag, then untag.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content

from store import Store
from store.errors import StoreError
from store.text import display_safe

from ..links import safe_url
from ..writer import Note

if TYPE_CHECKING:  # the dialogs are imported when first opened: a faster start
    from .followup import FollowupChoice
    from .main import MainScreen
    from .topic_picker import PickerResult


def _n(ids: Sequence[int]) -> str:
    return f"item #{ids[0]}" if len(ids) == 1 else f"{len(ids):,} items"


class ItemActions:
    """Mixed into MainScreen: ``self`` is the screen."""

    def _targets(self: MainScreen) -> list[int]:
        ids = self.items.targets()
        if not ids:
            self.notify("No item here.", severity="warning")
        return ids

    def _write(self: MainScreen, label: str, job, count: int = 1) -> None:
        if count > 500:
            self.notify(f"{label}: {count:,} items…", markup=False)
        self.app.writer.submit(label, job)

    # ---- status and read --------------------------------------------------------------

    def action_open_item(self: MainScreen) -> None:
        item_id = self.items.cursor_id
        if item_id is None:
            return
        row = self.items.row(item_id)
        if row is None or not row.is_read:
            self._write("mark read", lambda s: s.mark_read([item_id], True))
        self.reader.focus()

    def action_archive(self: MainScreen) -> None:
        if ids := self._targets():
            self._write("archive", lambda s: s.set_status(ids, "archived"), len(ids))

    def action_triaged(self: MainScreen) -> None:
        if ids := self._targets():
            self._write("mark triaged", lambda s: s.set_status(ids, "triaged"),
                        len(ids))

    def action_toggle_read(self: MainScreen) -> None:
        if not (ids := self._targets()):
            return

        def job(store: Store) -> None:
            rows = store.rows(ids)
            store.mark_read(ids, not all(r.is_read for r in rows))

        self._write("read/unread", job, len(ids))

    def action_undo(self: MainScreen) -> None:
        def job(store: Store) -> str:
            done = store.undo()
            return Note(f"Undid {done.action.replace('_', ' ')} ({done.count} change(s))")

        self._write("undo", job)

    # ---- topics -----------------------------------------------------------------------

    def action_toggle_topic(self: MainScreen, index: int) -> None:
        if index >= len(self.topics):
            self.notify(f"There is no topic {index + 1}.", severity="warning")
            return
        if not (ids := self._targets()):
            return
        name = self.topics[index].name

        def job(store: Store) -> None:
            rows = store.rows(ids)
            if rows and all((name, "confirmed") in r.topics for r in rows):
                store.untag(ids, name)
            else:
                store.tag(ids, name, "confirmed")

        self._write(f"topic {name}", job, len(ids))

    def tag_as(self: MainScreen, name: str) -> None:
        if ids := self._targets():
            self._write(f"topic {name}", lambda s: s.tag(ids, name, "confirmed"))

    def untag_as(self: MainScreen, name: str) -> None:
        if ids := self._targets():
            self._write(f"topic {name}", lambda s: s.untag(ids, name))

    def _suggested(self: MainScreen, state: str) -> None:
        if not (ids := self._targets()):
            return

        def job(store: Store) -> str | None:
            by_topic: dict[str, list[int]] = {}
            for row in store.rows(ids):
                for name, current in row.topics:
                    if current == "suggested":
                        by_topic.setdefault(name, []).append(row.id)
            for name, on in by_topic.items():
                store.tag(on, name, state)
            return None if by_topic else Note("No suggested topics here.")

        self._write(f"{state} suggested topics", job)

    def action_confirm_suggested(self: MainScreen) -> None:
        self._suggested("confirmed")

    def action_reject_suggested(self: MainScreen) -> None:
        self._suggested("rejected")

    def action_pick_topics(self: MainScreen) -> None:
        if not (ids := self._targets()):
            return
        states: dict[str, str] = {}
        rows = [self.items.row(i) for i in ids]
        known = [r for r in rows if r is not None]
        for topic in self.topics:
            found = [dict(r.topics).get(topic.name) for r in known]
            if found and all(f == "confirmed" for f in found) and len(known) == len(ids):
                states[topic.name] = "confirmed"
            elif any(f == "suggested" for f in found):
                states[topic.name] = "suggested"
            elif any(f for f in found):
                states[topic.name] = "mixed"
        title = f"Topics for {_n(ids)}"
        from .topic_picker import TopicPicker

        self.app.push_screen(TopicPicker([t.name for t in self.topics], states, title),
                             lambda result: self._apply_topics(ids, result))

    def _apply_topics(self: MainScreen, ids: list[int], result: PickerResult | None) -> None:
        if result is None or result.empty:
            return

        def job(store: Store) -> None:
            for name in result.create:
                store.add_topic(name)
            for name in (*result.create, *result.add):
                store.tag(ids, name, "confirmed")
            for name in result.remove:
                store.untag(ids, name)

        self._write("topics", job)

    # ---- follow-up --------------------------------------------------------------------

    def action_followup(self: MainScreen) -> None:
        if not (ids := self._targets()):
            return
        current = None
        if len(ids) == 1 and self.reader.detail and self.reader.detail.row.id == ids[0]:
            current = self.reader.detail.followup
        from .followup import FollowupDialog

        dialog = FollowupDialog(f"Follow-up for {_n(ids)}", self.today, current,
                                bulk=len(ids) > 1)
        self.app.push_screen(dialog, lambda choice: self._apply_followup(ids, choice))

    def _apply_followup(self: MainScreen, ids: list[int], choice: FollowupChoice | None) -> None:
        if choice is None:
            return
        if choice.action == "set":
            self._write("follow-up", lambda s: s.set_followup(
                ids, choice.due, choice.note, clear_due=choice.clear_due), len(ids))
        else:
            clear = choice.action == "clear"
            self._write("follow-up " + choice.action,
                        lambda s: s.finish_followup(ids, clear=clear))

    # ---- saved searches ---------------------------------------------------------------

    def action_save_search(self: MainScreen) -> None:
        query = self.queue.query

        def saved(name: str | None) -> None:
            if name:
                self._write("save search",
                        lambda s: Note(f"Saved {s.save_search(name, query).name!r}."))

        from .dialogs import Prompt

        self.app.push_screen(Prompt(
            "Save this queue's query as a saved search", "name",
            value=self.queue.label.removeprefix("Search: ") if self.queue.kind == "adhoc" else "",
            check=lambda text: None if text else "type a name"), saved)

    # ---- links ------------------------------------------------------------------------

    def _item_url(self: MainScreen) -> str | None:
        detail = self.reader.detail
        if detail is None or detail.row.id != self.items.cursor_id:
            return None
        return detail.row.url

    def action_open_link(self: MainScreen) -> None:
        links = self.reader.links if self.reader.item_id == self.items.cursor_id else []
        if not links:
            self._open(self._item_url())
            return

        def check(text: str) -> str | None:
            if text and not (text.isdigit() and 1 <= int(text) <= len(links)):
                return f"type a number from 1 to {len(links)}, or nothing for the item's link"
            return None

        def chosen(text: str | None) -> None:
            if text is not None:
                self._open(links[int(text) - 1] if text else self._item_url())

        from .dialogs import Prompt

        self.app.push_screen(
            Prompt(f"Open which link? 1-{len(links)}, or Enter for the item's own link",
                   "link number", check=check), chosen)

    def _open(self: MainScreen, url: str | None) -> None:
        if url is None or safe_url(url) is None:
            self.notify("This link cannot be opened safely.", severity="warning")
            return
        self.open_in_browser(url)

    @work(thread=True, exit_on_error=False, group="browser")
    def open_in_browser(self: MainScreen, url: str) -> None:
        problem = self.app.url_opener(url)
        if problem:
            self.app.call_from_thread(self.notify, problem, severity="warning", markup=False)

    def action_copy_link(self: MainScreen) -> None:
        url = self._item_url()
        if url is None or safe_url(url) is None:
            self.notify("No link that can be copied safely.", severity="warning")
            return
        self.app.copy_to_clipboard(url)
        self.notify("Copied the link.", markup=False)

    # ---- views ------------------------------------------------------------------------

    def action_show_changes(self: MainScreen) -> None:
        detail = self.reader.detail
        if detail is None or not detail.revisions:
            self.notify("This item has not changed upstream.", severity="information")
            return
        from ..render import diff_content
        from .dialogs import TextView

        last = detail.revisions[0]
        body = diff_content(last.content_text or "", detail.content_text,
                            f"before {last.replaced_at}", "now")
        if (last.title or "") != detail.row.title:
            title = Content.assemble(("Title was: ", "bold"), display_safe(last.title or "",
                                                                             one_line=True))
            body = Content("\n").join([title, Content(""), body])
        self.app.push_screen(TextView(f"What changed in item #{detail.row.id}", body))

    def action_feed_error(self: MainScreen) -> None:
        feed_id = None
        if self.queue.kind == "feed":
            feed_id = int(self.queue.key.split(":")[1])
        elif self.items.cursor_id is not None and (row := self.items.row(self.items.cursor_id)):
            feed_id = row.feed_id
        if feed_id is None:
            self.notify("No feed here.", severity="warning")
            return
        self.show_feed_log(feed_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="feed-log")
    def show_feed_log(self: MainScreen, feed_id: int) -> None:
        try:
            feed = self.app.store.feed(feed_id)
            log = self.app.store.fetch_log(feed_id, limit=20)
        except StoreError as exc:
            self.post_message(self.Failed("feed", str(exc)))
            return
        from .dialogs import TextView, feed_log

        title = f"Feed #{feed.id}: {display_safe(feed.name, one_line=True)}"
        self.app.call_from_thread(self.app.push_screen, TextView(title, feed_log(feed, log)))

    def action_next_untriaged(self: MainScreen) -> None:
        self.find_untriaged(list(self.items.ids), self.items.cursor)

    @work(thread=True, exclusive=True, exit_on_error=False, group="next")
    def find_untriaged(self: MainScreen, ids: list[int], cursor: int) -> None:
        try:
            new = set(self.app.store.item_ids("is:new", today=self.today))
        except StoreError as exc:
            self.post_message(self.Failed("next", str(exc)))
            return
        order = list(range(cursor + 1, len(ids))) + list(range(0, cursor + 1))
        target = next((ids[i] for i in order if ids[i] in new), None)
        if target is None:
            self.app.call_from_thread(self.notify, "No untriaged item in this queue.")
        else:
            self.app.call_from_thread(self.items.move_to_id, target)
