"""When to poll a feed next. Pure: values in, an instant out; no I/O, no clock.

Rules (DESIGN.md, "Schedule"):

- After a success the next poll is ``default`` from now, or later when the
  publisher asks for it (Cache-Control ``max-age``, RSS ``<ttl>``, Retry-After):
  those hints are "not before" hints, so the largest one wins. The result is kept
  within ``[minimum, maximum]``.
- After a failure the delay grows exponentially with the number of failures in a
  row, with jitter, up to ``failure_cap``. It never stops: a feed that keeps failing
  is retried every ``failure_cap`` forever (its ``last_error`` says why).
  A Retry-After on a failure (429, 503) is honoured up to ``maximum``.
- 410 Gone disables the feed with a reason; nothing else does.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

_MAX_AGE = re.compile(r"(?:^|[,\s])(s-maxage|max-age)\s*=\s*\"?(\d{1,10})\"?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Policy:
    default: dt.timedelta = dt.timedelta(minutes=30)
    minimum: dt.timedelta = dt.timedelta(minutes=5)
    maximum: dt.timedelta = dt.timedelta(hours=24)
    failure_base: dt.timedelta = dt.timedelta(minutes=10)
    failure_cap: dt.timedelta = dt.timedelta(hours=6)
    jitter: float = 0.1  # +/- this fraction of a failure delay


DEFAULT_POLICY = Policy()


def _clamp(delay: dt.timedelta, low: dt.timedelta, high: dt.timedelta) -> dt.timedelta:
    return max(low, min(high, delay))


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A header value by case-insensitive name (plain dicts are not case-insensitive)."""
    if not headers:
        return None
    value = headers.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, value in headers.items():
        if key.lower() == lower:
            return value
    return None


def parse_retry_after(value: str | None, now: dt.datetime) -> dt.timedelta | None:
    """Retry-After as a delay: delta-seconds or an HTTP date. ``None`` if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return dt.timedelta(seconds=min(int(value), 10**8))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(dt.timedelta(0), when - now)


def parse_max_age(cache_control: str | None) -> dt.timedelta | None:
    """``max-age`` (or ``s-maxage``) from Cache-Control. ``no-cache``/``no-store`` give none."""
    if not cache_control:
        return None
    ages = [int(m.group(2)) for m in _MAX_AGE.finditer(cache_control)]
    if not ages:
        return None
    return dt.timedelta(seconds=min(max(ages), 10**8))


def after_success(
    now: dt.datetime,
    headers: Mapping[str, str] | None = None,
    ttl_minutes: int | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> dt.datetime:
    """The next poll after a 200 or a 304."""
    delays = [policy.default]
    max_age = parse_max_age(header(headers, "cache-control"))
    if max_age is not None:
        delays.append(max_age)
    retry = parse_retry_after(header(headers, "retry-after"), now)
    if retry is not None:
        delays.append(retry)
    if ttl_minutes is not None and ttl_minutes > 0:
        delays.append(dt.timedelta(minutes=min(ttl_minutes, 10**6)))
    return now + _clamp(max(delays), policy.minimum, policy.maximum)


def failure_delay(
    failures: int, policy: Policy = DEFAULT_POLICY, rng: random.Random | None = None
) -> dt.timedelta:
    """Delay after the ``failures``-th failure in a row (1 = the first)."""
    exponent = min(max(failures, 1) - 1, 32)
    delay = min(policy.failure_cap, policy.failure_base * (2**exponent))
    spread = (rng or random).uniform(-policy.jitter, policy.jitter)
    delay = delay * (1 + spread)
    return _clamp(delay, policy.minimum, policy.failure_cap)


def after_failure(
    now: dt.datetime,
    failures: int,
    headers: Mapping[str, str] | None = None,
    policy: Policy = DEFAULT_POLICY,
    rng: random.Random | None = None,
) -> dt.datetime:
    """The next poll after a failure; ``failures`` counts this one (1 = first failure)."""
    delay = failure_delay(failures, policy, rng)
    retry = parse_retry_after(header(headers, "retry-after"), now)
    if retry is not None:
        delay = max(delay, min(retry, policy.maximum))
    return now + delay


def gone_reason(status: int | None) -> str | None:
    """Why a feed is disabled after this status, or ``None`` if it is not."""
    if status == 410:
        return "HTTP 410 Gone: the publisher removed this feed (triage stopped polling it)"
    return None
