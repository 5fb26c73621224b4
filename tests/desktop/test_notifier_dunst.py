"""The real Notifier against dunst, a strict freedesktop notification server, on a private D-Bus session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.model import JobState, StatusChange
from desktop_app.ui.notifier import Notifier
from tests.desktop.virtual_desktop import DesktopSession, wait_for
from tests.factories import job_change

pytestmark = pytest.mark.desktop


def change(
    row_id: int,
    new: JobState,
    *,
    old: JobState = JobState.RUNNING,
    label: str | None = None,
    message: str | None = None,
    result_url: str | None = None,
) -> StatusChange:
    return job_change(row_id, new, old=old, label=label, message=message, result_url=result_url)


@pytest.fixture
def notifier(dunst_desktop: DesktopSession, qtbot: QtBot) -> Iterator[Notifier]:
    notifier = Notifier()
    try:
        yield notifier
    finally:
        notifier.close()  # waits for queued sends, so dunst has them all
        notifier.deleteLater()


def history_after(desktop: DesktopSession, notifier: Notifier, count: int) -> list[dict[str, str]]:
    """dunst's history once `count` notifications arrived (and no more after a short grace)."""
    wait_for(lambda: len(desktop.dunst_history()) >= count, timeout=10, what=f"{count} notification(s) in dunst")
    notifier.close()
    return desktop.dunst_history()


def test_one_notification_per_ending_with_title_body_app_name_and_actions(
    notifier: Notifier, dunst_desktop: DesktopSession
) -> None:
    notifier.notify_changes(
        [
            change(1, JobState.SUCCEEDED, label="Quarterly report", result_url="https://files.example.com/r.pdf"),
            change(2, JobState.FAILED, message="Input file is <broken> & unreadable"),
            change(3, JobState.RUNNING, old=JobState.QUEUED),  # started: not worth a notification
        ]
    )
    history = history_after(dunst_desktop, notifier, 2)

    assert [row["summary"] for row in history] == ["Succeeded: Quarterly report", "Failed: job-2"]
    assert {row["appname"] for row in history} == {"JobTray"}
    assert history[0]["body"] == "PDF.co (acme)"
    # Escaped for the server's body markup (dunst's history keeps the text as sent; it displays "<broken> &").
    assert history[1]["body"] == "PDF.co (acme): Input file is &lt;broken&gt; &amp; unreadable"


def test_partial_cancelled_and_not_found_titles(notifier: Notifier, dunst_desktop: DesktopSession) -> None:
    notifier.notify_changes(
        [
            change(1, JobState.PARTIAL, label="Batch A", message="3 of 4 pages"),
            change(2, JobState.CANCELLED, label="Batch B"),
            change(3, JobState.NOT_FOUND, old=JobState.QUEUED, label="Batch C"),
        ]
    )
    history = history_after(dunst_desktop, notifier, 3)
    assert [row["summary"] for row in history] == [
        "Partial: Batch A",
        "Cancelled: Batch B",
        "Not found: Batch C",
    ]
    assert history[0]["body"] == "PDF.co (acme): 3 of 4 pages"


def test_actions_reach_dunst(notifier: Notifier, dunst_desktop: DesktopSession) -> None:
    notifier.notify_changes(
        [
            change(1, JobState.SUCCEEDED, result_url="https://files.example.com/r.pdf"),
            change(2, JobState.SUCCEEDED, result_url="file:///etc/passwd"),  # not a link we offer to open
            change(3, JobState.FAILED),
        ]
    )
    history_after(dunst_desktop, notifier, 3)
    printed = {row["summary"]: row["actions"] for row in dunst_desktop.dunst_printed()}
    assert printed == {
        "Succeeded: job-1": {"open-result": "Open result", "show": "Show", "default": ""},
        "Succeeded: job-2": {"show": "Show", "default": ""},
        # A failure can be acknowledged from its notification (issue 21): dunst takes the third action.
        "Failed: job-3": {"show": "Show", "acknowledge": "Acknowledge", "default": ""},
    }


def test_more_than_three_endings_make_one_summary(notifier: Notifier, dunst_desktop: DesktopSession) -> None:
    notifier.notify_changes(
        [
            change(1, JobState.SUCCEEDED),
            change(2, JobState.FAILED, label="Invoice run"),
            change(3, JobState.SUCCEEDED),
            change(4, JobState.SUCCEEDED),
        ]
    )
    history = history_after(dunst_desktop, notifier, 1)
    assert len(history) == 1
    assert history[0]["summary"] == "4 jobs ended: 3 succeeded, 1 failed"
    assert history[0]["body"].splitlines()[0] == "Failed: Invoice run"  # bad news first


def test_exactly_three_endings_are_shown_one_by_one(notifier: Notifier, dunst_desktop: DesktopSession) -> None:
    notifier.notify_changes([change(i, JobState.SUCCEEDED) for i in (1, 2, 3)])
    history = history_after(dunst_desktop, notifier, 3)
    assert [row["summary"] for row in history] == ["Succeeded: job-1", "Succeeded: job-2", "Succeeded: job-3"]


def test_nothing_is_shown_while_muted_and_nothing_is_queued(notifier: Notifier, dunst_desktop: DesktopSession) -> None:
    notifier.set_muted_until(datetime.now(UTC) + timedelta(hours=1))
    notifier.notify_changes([change(1, JobState.FAILED)])
    notifier.notify_account_error("acme", "the API key was refused")
    notifier.set_muted_until(None)
    notifier.notify_changes([change(2, JobState.SUCCEEDED)])
    history = history_after(dunst_desktop, notifier, 1)
    assert [row["summary"] for row in history] == ["Succeeded: job-2"]


def test_a_mute_that_has_expired_does_not_silence(notifier: Notifier, dunst_desktop: DesktopSession) -> None:
    notifier.set_muted_until(datetime.now(UTC) - timedelta(seconds=1))
    notifier.notify_changes([change(1, JobState.FAILED)])
    assert [row["summary"] for row in history_after(dunst_desktop, notifier, 1)] == ["Failed: job-1"]


def test_account_errors_once_per_outage(notifier: Notifier, dunst_desktop: DesktopSession) -> None:
    notifier.notify_account_error("acme", "the API key was refused (HTTP 401)")
    notifier.notify_account_error("acme", "the API key was refused (HTTP 401)")
    notifier.notify_account_error("other", "cannot connect to api.example.com")
    notifier.notify_account_error("acme", "cannot connect")  # same outage, other words: still quiet
    notifier.clear_account_error("acme")
    notifier.notify_account_error("acme", "the API key was refused again")
    history = history_after(dunst_desktop, notifier, 3)
    assert [(row["summary"], row["body"]) for row in history] == [
        ("Cannot check acme", "the API key was refused (HTTP 401)"),
        ("Cannot check other", "cannot connect to api.example.com"),
        ("Cannot check acme", "the API key was refused again"),
    ]


def test_a_failure_carries_the_failure_icon_and_a_success_the_success_icon(
    notifier: Notifier, dunst_desktop: DesktopSession
) -> None:
    from desktop_app.ui.icons import notification_icon_files

    notifier.notify_changes([change(1, JobState.FAILED, message="broken"), change(2, JobState.SUCCEEDED)])
    history = history_after(dunst_desktop, notifier, 2)
    files = notification_icon_files()
    by_summary = {row["summary"]: row for row in history}
    failed, finished = by_summary["Failed: job-1"], by_summary["Succeeded: job-2"]
    assert failed["icon_path"] == files[JobState.FAILED]
    assert finished["icon_path"] == files[JobState.SUCCEEDED]
    assert failed["icon_path"] != finished["icon_path"]
