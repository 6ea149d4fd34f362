"""What a poll pass reports: one result per feed and a summary. Plain values, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

OK = "ok"
NOT_MODIFIED = "not_modified"
FAILED = "failed"
DISABLED = "disabled"  # failed, and the feed was disabled (410 Gone)


@dataclass(frozen=True, slots=True)
class FeedResult:
    feed_id: int
    url: str
    name: str
    outcome: str  # ok | not_modified | failed | disabled
    http_status: int | None = None
    bytes: int = 0
    duration_ms: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error_class: str | None = None
    error_message: str | None = None
    next_poll_at: str | None = None
    moved_to: str | None = None  # the new URL after a permanent redirect

    @property
    def failed(self) -> bool:
        return self.outcome in (FAILED, DISABLED)

    @property
    def error(self) -> str:
        if not self.error_class:
            return self.error_message or ""
        return f"{self.error_class}: {self.error_message}" if self.error_message else self.error_class


@dataclass(slots=True)
class PollSummary:
    started_at: str
    duration_s: float = 0.0
    results: list[FeedResult] = field(default_factory=list)
    interrupted: bool = False  # stopped by a signal before every due feed was polled
    skipped: int = 0  # due feeds not started because of the stop

    def _count(self, *outcomes: str) -> int:
        return sum(1 for r in self.results if r.outcome in outcomes)

    @property
    def ok(self) -> int:
        return self._count(OK)

    @property
    def not_modified(self) -> int:
        return self._count(NOT_MODIFIED)

    @property
    def failed(self) -> int:
        return self._count(FAILED, DISABLED)

    @property
    def items_new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def items_updated(self) -> int:
        return sum(r.updated for r in self.results)

    def as_dict(self) -> dict:
        return {
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "feeds": len(self.results),
            "ok": self.ok,
            "not_modified": self.not_modified,
            "failed": self.failed,
            "items_new": self.items_new,
            "items_updated": self.items_updated,
            "interrupted": self.interrupted,
            "skipped": self.skipped,
            "results": [asdict(r) for r in self.results],
        }

    def line(self) -> str:
        """One line for a log or a cron mail."""
        text = (
            f"polled {_count(len(self.results), 'feed')} in {self.duration_s:.1f} s:"
            f" {self.ok} ok, {self.not_modified} not modified, {self.failed} failed;"
            f" {_count(self.items_new, 'new item')}, {self.items_updated} updated"
        )
        if self.interrupted:
            text += f" (stopped early, {self.skipped} due feeds left for the next pass)"
        return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# progress(done, total, result): called once with (0, total, None), then once per feed.
Progress = Callable[[int, int, "FeedResult | None"], None]
