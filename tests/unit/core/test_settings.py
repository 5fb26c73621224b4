"""Settings as text: endings, sizes, commands, times; defaults not stored; bad values refused with one line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import JobState
from desktop_app.core.settings import (
    ALL_ENDINGS,
    AccountSettings,
    GlobalSettings,
    account_from_values,
    as_json,
    endings_text,
    global_from_values,
    parse_endings,
    parse_size,
    to_values,
    with_account_value,
    with_global_value,
)


def test_endings_read_and_write() -> None:
    assert parse_endings("finished, failed") == {JobState.SUCCEEDED, JobState.FAILED}
    assert parse_endings("all") == ALL_ENDINGS
    assert parse_endings("none") == frozenset()
    assert parse_endings("bad") == {JobState.FAILED, JobState.CANCELLED, JobState.NOT_FOUND}
    assert endings_text(parse_endings("not_found,partly")) == "partial,not_found"
    with pytest.raises(ConfigError, match="unknown ending 'done'"):
        parse_endings("done")


def test_sizes() -> None:
    assert parse_size("2G") == 2 * 1024**3
    assert parse_size("500M") == 500 * 1024**2
    assert parse_size("1.5GB") == int(1.5 * 1024**3)
    assert parse_size("4096") == 4096
    for bad in ("", "-1", "2X", "0"):
        with pytest.raises(ConfigError):
            parse_size(bad)


def test_defaults_are_not_stored_and_values_round_trip() -> None:
    assert to_values(AccountSettings()) == {}
    assert to_values(GlobalSettings()) == {}
    settings = with_account_value(AccountSettings(), "notify", "failed")
    settings = with_account_value(settings, "sound", "no")
    settings = with_account_value(settings, "on_end", "notify-send 'job ended'")
    values = to_values(settings)
    assert values == {"notify": "failed", "sound": "no", "on-end": "notify-send 'job ended'"}
    assert account_from_values(values) == settings
    muted = with_global_value(GlobalSettings(), "muted-until", "2026-12-01T08:00:00+01:00")
    assert muted.muted_until == datetime(2026, 12, 1, 7, tzinfo=UTC)
    assert global_from_values(to_values(muted)) == muted
    assert as_json(muted)["muted_until"] == "2026-12-01T07:00:00+00:00"
    assert with_global_value(muted, "muted-until", "off").muted_until is None


def test_bad_values_are_refused_and_damaged_ones_fall_back() -> None:
    with pytest.raises(ConfigError, match="cannot read the command"):
        with_account_value(AccountSettings(), "on-end", "echo 'unclosed")
    with pytest.raises(ConfigError, match="unknown account setting"):
        with_account_value(AccountSettings(), "colour", "red")
    with pytest.raises(ConfigError):
        with_global_value(GlobalSettings(), "command-timeout", "-3")
    # A damaged stored value (or one of a newer JobTray) never stops the app: the default applies.
    assert global_from_values({"download-cap": "lots", "future-thing": "x"}) == GlobalSettings()


def test_which_endings_run_and_notify() -> None:
    settings = AccountSettings(on_end="true", on_end_when=parse_endings("failed"), notify=parse_endings("bad"))
    assert settings.command_for(JobState.FAILED) is not None
    assert settings.command_for(JobState.SUCCEEDED) is None
    assert settings.command_for(JobState.RUNNING) is None
    assert settings.notifies(JobState.CANCELLED) and not settings.notifies(JobState.SUCCEEDED)


def test_endings_are_the_words_list_json_uses_and_the_old_words_still_read() -> None:
    """Issue 20: one vocabulary: `succeeded`, `partial`, ... as `list --json` says; `finished` and `partly` (the
    words before) are still accepted."""
    new = parse_endings("succeeded,partial,failed,cancelled,not_found")
    assert new == ALL_ENDINGS
    assert parse_endings("finished,partly") == {JobState.SUCCEEDED, JobState.PARTIAL}
    assert endings_text(ALL_ENDINGS) == "succeeded,partial,failed,cancelled,not_found"
    for state in ALL_ENDINGS:
        assert parse_endings(state.value) == {state}
