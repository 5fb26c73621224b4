"""core/rules.py: forward only long jobs, only when away; quiet hours and do-not-disturb."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import JobState
from desktop_app.core.rules import (
    PRESENCE_UNKNOWN_TEXT,
    Presence,
    QuietHours,
    forward_decision,
    long_enough,
    parse_quiet_hours,
    telling,
)
from tests.factories import T0, make_job


def test_only_jobs_that_ran_longer_than_n_minutes() -> None:
    short = make_job(1, JobState.FAILED, created_at=T0, finished_at=T0 + timedelta(minutes=4))
    long = make_job(2, JobState.FAILED, created_at=T0, finished_at=T0 + timedelta(minutes=6))
    assert long_enough(short, 0) and long_enough(long, 0)
    assert not long_enough(short, 5) and long_enough(long, 5)
    assert not long_enough(make_job(3, JobState.RUNNING), 5)  # open: no duration yet


@pytest.mark.parametrize(
    ("presence", "expected"),
    [
        (Presence.ACTIVE, False),
        (Presence.IDLE, True),
        (Presence.LOCKED, True),
        (Presence.UNKNOWN, True),
    ],
)
def test_forward_only_when_away(presence: Presence, expected: bool) -> None:
    send, note = forward_decision(presence, only_when_away=True)
    assert send is expected
    assert (note == PRESENCE_UNKNOWN_TEXT) is (presence is Presence.UNKNOWN)
    assert forward_decision(presence, only_when_away=False) == (True, None)


def test_quiet_hours_cross_midnight() -> None:
    night = parse_quiet_hours("22:00-07:00")
    assert night == QuietHours(time(22), time(7))
    assert night.contains(time(23, 30)) and night.contains(time(6, 59)) and not night.contains(time(7))
    day = parse_quiet_hours("12:00 - 13:30")
    assert day is not None and day.contains(time(12, 45)) and not day.contains(time(14))
    assert parse_quiet_hours("off") is None and parse_quiet_hours("") is None
    for bad in ("22-07", "25:00-07:00", "10:00-10:00", "22:00"):
        with pytest.raises(ConfigError):
            parse_quiet_hours(bad)


def test_telling_holds_banners_in_quiet_hours_and_under_dnd() -> None:
    local_noon = datetime.now().astimezone().replace(hour=12, minute=0)
    noon = local_noon.astimezone(UTC)
    assert telling(noon, None, None) == telling(noon, None, False)
    assert telling(noon, None, None).banner and telling(noon, None, None).sound
    lunch = telling(noon, QuietHours(time(11), time(13)), None)
    assert not lunch.banner and not lunch.sound and lunch.held_because == "quiet hours (11:00-13:00)"
    assert not telling(noon, None, True).banner
    assert telling(noon, None, True, respect_dnd=False).banner
