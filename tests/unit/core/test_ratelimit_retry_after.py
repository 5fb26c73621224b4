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


def test_token_bucket_never_exceeds_its_rate() -> None:
    bucket = TokenBucket(RateLimit(2, 1.0), now=0.0)
    granted = []
    t = 0.0
    while t < 10.0:
        if bucket.try_take(t):
            granted.append(t)
        t += 0.01
    # A burst of two, then two a second: at most 2 + 2 * 10.
    assert len(granted) <= 22
    for start in granted:
        window = [g for g in granted if start <= g < start + 1.0]
        assert len(window) <= 4  # the initial burst plus refill


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
