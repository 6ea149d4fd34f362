"""feeds.schedule: pure rules for the next poll."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from feeds import schedule
from feeds.schedule import Policy

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
P = Policy()
MIN = dt.timedelta(minutes=1)


def delay(when: dt.datetime) -> dt.timedelta:
    return when - NOW


def test_success_default_interval():
    assert delay(schedule.after_success(NOW)) == P.default


def test_success_honours_larger_hints_as_not_before():
    assert delay(schedule.after_success(NOW, {"Cache-Control": "public, max-age=7200"})) == \
        dt.timedelta(hours=2)
    assert delay(schedule.after_success(NOW, ttl_minutes=180)) == dt.timedelta(hours=3)
    assert delay(schedule.after_success(NOW, {"retry-after": "5400"})) == dt.timedelta(hours=1.5)


def test_success_small_hints_do_not_poll_more_often_than_default():
    assert delay(schedule.after_success(NOW, {"cache-control": "max-age=10"})) == P.default
    assert delay(schedule.after_success(NOW, ttl_minutes=1)) == P.default


def test_success_within_bounds():
    assert delay(schedule.after_success(NOW, ttl_minutes=10**9)) == P.maximum
    assert delay(schedule.after_success(NOW, {"cache-control": "max-age=99999999999"})) == P.maximum
    fast = Policy(default=dt.timedelta(seconds=30))
    assert delay(schedule.after_success(NOW, policy=fast)) == fast.minimum


def test_max_age_variants():
    assert schedule.parse_max_age("no-cache") is None
    assert schedule.parse_max_age(None) is None
    assert schedule.parse_max_age('max-age="600"') == dt.timedelta(seconds=600)
    assert schedule.parse_max_age("s-maxage=60, max-age=900") == dt.timedelta(seconds=900)
    assert schedule.parse_max_age("max-age=abc") is None


def test_retry_after_seconds_and_http_date():
    assert schedule.parse_retry_after("120", NOW) == dt.timedelta(minutes=2)
    date = "Thu, 26 Nov 2026 15:00:00 GMT"
    assert schedule.parse_retry_after(date, NOW) == dt.timedelta(hours=3)
    assert schedule.parse_retry_after("Wed, 25 Nov 2026 15:00:00 GMT", NOW) == dt.timedelta(0)
    assert schedule.parse_retry_after("soon", NOW) is None
    assert schedule.parse_retry_after("", NOW) is None


def test_failures_back_off_exponentially_with_jitter_up_to_cap():
    rng = random.Random(7)
    delays = [schedule.failure_delay(n, P, rng) for n in range(1, 12)]
    for n, d in enumerate(delays, start=1):
        expected = min(P.failure_cap, P.failure_base * 2 ** (n - 1))
        assert expected * (1 - P.jitter) - MIN <= d <= min(P.failure_cap, expected * (1 + P.jitter))
    assert delays[-1] <= P.failure_cap
    assert delays[-1] >= P.failure_cap * (1 - P.jitter)
    # never stops: the thousandth failure still gets a next poll within the cap
    assert schedule.failure_delay(1000, P, rng) <= P.failure_cap


def test_jitter_spreads_retries():
    rng = random.Random(1)
    assert len({schedule.failure_delay(3, P, rng) for _ in range(20)}) > 10


def test_failure_honours_retry_after_up_to_maximum():
    rng = random.Random(3)
    when = schedule.after_failure(NOW, 1, {"Retry-After": "7200"}, P, rng)
    assert delay(when) == dt.timedelta(hours=2)
    when = schedule.after_failure(NOW, 1, {"Retry-After": str(10 * 86400)}, P, rng)
    assert delay(when) == P.maximum
    # a short Retry-After does not shorten the backoff
    when = schedule.after_failure(NOW, 5, {"Retry-After": "1"}, P, rng)
    assert delay(when) >= P.failure_base * 16 * (1 - P.jitter)


@pytest.mark.parametrize("status", [404, 500, 429, None])
def test_only_410_disables(status):
    assert schedule.gone_reason(status) is None


def test_410_disables_with_reason():
    assert "410" in schedule.gone_reason(410)


def test_header_lookup_is_case_insensitive():
    assert schedule.header({"ReTry-AFTER": "5"}, "retry-after") == "5"
    assert schedule.header(None, "x") is None
