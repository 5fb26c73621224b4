from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.core.ratelimit import RateLimit, TokenBucket, parse_rate_limit
from desktop_app.core.retry_after import MAX_RETRY_AFTER, parse_retry_after

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "per_second"), [("10/s", 10.0), ("45/min", 0.75), ("2 / second", 2.0), ("3600/h", 1.0)]
)
def test_rate_limits_parse(text: str, per_second: float) -> None:
    assert parse_rate_limit(text).per_second == pytest.approx(per_second)


@pytest.mark.parametrize("text", ["", "10", "ten/s", "0/s", "-1/s", "5/fortnight"])
def test_bad_rate_limits_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_rate_limit(text)


@pytest.mark.parametrize("limit", [RateLimit(2, 1.0), RateLimit(45, 60.0), RateLimit(10, 1.0)])
def test_token_bucket_never_exceeds_its_limit_in_any_window(limit: RateLimit) -> None:
    bucket = TokenBucket(limit, now=0.0)
    granted = []
    step = limit.period / 1000
    t = 0.0
    while t < limit.period * 5:
        if bucket.try_take(t):
            granted.append(t)
        t += step
    assert len(granted) >= limit.count * 4  # it does let requests through at the limit's pace
    for start in granted:
        window = [g for g in granted if start <= g < start + limit.period - 1e-9]
        assert len(window) <= limit.count


def test_token_bucket_carries_its_tokens_over() -> None:
    first = TokenBucket(RateLimit(3, 60.0), now=0.0)
    assert first.try_take(0.0)
    carried = TokenBucket(RateLimit(3, 60.0), now=100.0, tokens=first.tokens(0.0))
    assert not carried.try_take(100.0)  # the other process just spent the only token
    assert carried.try_take(120.0)


def test_token_bucket_wait_time_is_what_it_takes() -> None:
    bucket = TokenBucket(RateLimit(1, 60.0), now=0.0)
    assert bucket.try_take(0.0)
    assert bucket.wait_time(0.0) == pytest.approx(60.0)
    assert not bucket.try_take(59.0)
    assert bucket.try_take(60.0)


def test_retry_after_seconds_and_http_dates() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after("Mon, 23 Nov 2026 12:00:30 GMT", NOW) == 30.0
    assert parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", NOW) == 0.0  # in the past: now
    assert parse_retry_after("99999999", NOW) == MAX_RETRY_AFTER
    for junk in (None, "", "soon", "-5", "1e9", "Mon, 99 Foo 2026"):
        assert parse_retry_after(junk, NOW) is None


@pytest.mark.parametrize("junk", ["\xb2", "\u0661\u0662", "\uff15", "1e9", "-5", "+5", "5.0", "0x10", "5 s", "NaN"])
def test_retry_after_takes_only_ascii_digits_or_a_date(junk: str) -> None:
    """`"\xb2".isdigit()` is True, and float() reads "1e9": neither is a Retry-After value."""
    assert parse_retry_after(junk, NOW) is None


def test_retry_after_is_capped_at_one_hour() -> None:
    assert MAX_RETRY_AFTER == 3600
    assert parse_retry_after("3600", NOW) == 3600.0
    assert parse_retry_after("3601", NOW) == 3600.0
    assert parse_retry_after("9" * 5000, NOW) == 3600.0  # beyond int()'s digit limit: still no error
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", NOW) == 3600.0
    assert parse_retry_after("0", NOW) == 0.0
