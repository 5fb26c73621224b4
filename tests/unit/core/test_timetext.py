"""Times as people read them, from an injected `now` (never the wall clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.core.timetext import duration_text, full_time, relative_time

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=-30), "just now"),  # another machine's clock a little ahead
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 min ago"),
        (timedelta(minutes=3, seconds=40), "3 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(hours=1), "1 h ago"),
        (timedelta(hours=23, minutes=59), "23 h ago"),
    ],
)
def test_relative_time_within_a_day(ago: timedelta, text: str) -> None:
    assert relative_time(NOW - ago, NOW) == text


def test_relative_time_counts_calendar_days_then_shows_the_date() -> None:
    now = NOW.astimezone()
    assert relative_time(now - timedelta(days=1, hours=1), now) in ("yesterday", "2 days ago")
    assert relative_time(now - timedelta(days=4), now) == "4 days ago"
    long_ago = now - timedelta(days=30)
    assert relative_time(long_ago, now) == long_ago.strftime("%Y-%m-%d")


def test_full_time_is_the_local_date_and_time() -> None:
    text = full_time(NOW)
    local = NOW.astimezone()
    assert local.strftime("%Y-%m-%d %H:%M:%S") in text
    assert text.startswith(local.strftime("%a"))


def test_duration_text() -> None:
    assert [duration_text(s) for s in (-1, 0, 42, 185, 7620, 100_800)] == [
        "0s",
        "0s",
        "42s",
        "3m 05s",
        "2h 07m",
        "1d 4h",
    ]
