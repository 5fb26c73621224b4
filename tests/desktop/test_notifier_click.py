"""Clicks on a notification reach the app: dbusmock's notification server emits ActionInvoked as a user would.

dbusmock accepts call signatures dunst would reject (TESTING.md), so what is sent is checked against dunst in
test_notifier_dunst.py; here only the way back is tested.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.model import JobState, StatusChange
from desktop_app.ui.notifier import ACTION_OPEN, ACTION_SHOW, Notifier
from tests.desktop.conftest import NotificationMock
from tests.desktop.virtual_desktop import wait_for
from tests.factories import job_change

pytestmark = pytest.mark.desktop

RESULT = "https://files.example.com/results/report-7.pdf?sig=abc"


def ended(row_id: int, state: JobState, result_url: str | None = None) -> StatusChange:
    return job_change(row_id, state, result_url=result_url)


@pytest.fixture
def notifier(notification_mock: NotificationMock, qtbot: QtBot) -> Iterator[Notifier]:
    notifier = Notifier()
    try:
        yield notifier
    finally:
        notifier.close()
        notifier.deleteLater()


def sent(notifier: Notifier, mock: NotificationMock, count: int) -> list[list[object]]:
    """The Notify calls once `count` of them arrived; the mock numbers them 1, 2, ..."""
    wait_for(lambda: len(mock.calls("Notify")) >= count, timeout=10, what=f"{count} Notify call(s)")
    # desktop-notifier maps the server's id to its notification only after Notify returned; a click before
    # that would be dropped, so wait until the sender thread has finished every send.
    sender = notifier._sender
    assert sender is not None
    wait_for(lambda: not sender._pending, timeout=5, what="the sends to complete")
    return mock.calls("Notify")


def test_open_result_emits_the_result_url(
    notifier: Notifier, notification_mock: NotificationMock, qtbot: QtBot
) -> None:
    notifier.notify_changes([ended(7, JobState.SUCCEEDED, RESULT)])
    (call,) = sent(notifier, notification_mock, 1)
    app_name, _, _, summary, _, actions = call[:6]
    assert (app_name, summary) == ("JobTray", "Succeeded: job-7")
    assert actions == ["default", "", ACTION_OPEN, "Open result", ACTION_SHOW, "Show"]

    with qtbot.waitSignal(notifier.open_url_requested, timeout=5000) as blocker:
        notification_mock.click(1, ACTION_OPEN)
    assert blocker.args == [RESULT]


def test_show_emits_the_job_row_id(notifier: Notifier, notification_mock: NotificationMock, qtbot: QtBot) -> None:
    notifier.notify_changes([ended(41, JobState.FAILED), ended(42, JobState.SUCCEEDED, RESULT)])
    calls = sent(notifier, notification_mock, 2)
    assert [call[3] for call in calls] == ["Failed: job-41", "Succeeded: job-42"]

    with qtbot.waitSignal(notifier.show_job_requested, timeout=5000) as blocker:
        notification_mock.click(2, ACTION_SHOW)
    assert blocker.args == [42]


def test_clicking_the_body_shows_the_job(notifier: Notifier, notification_mock: NotificationMock, qtbot: QtBot) -> None:
    notifier.notify_changes([ended(5, JobState.CANCELLED)])
    sent(notifier, notification_mock, 1)
    with qtbot.waitSignal(notifier.show_job_requested, timeout=5000) as blocker:
        notification_mock.click(1, "default")
    assert blocker.args == [5]


def test_show_on_a_summary_shows_the_window(
    notifier: Notifier, notification_mock: NotificationMock, qtbot: QtBot
) -> None:
    notifier.notify_changes([ended(i, JobState.SUCCEEDED) for i in range(1, 6)])
    (call,) = sent(notifier, notification_mock, 1)
    assert call[3] == "5 jobs ended: 5 succeeded"
    with qtbot.waitSignal(notifier.show_window_requested, timeout=5000):
        notification_mock.click(1, ACTION_SHOW)


def test_signals_arrive_on_the_gui_thread(
    notifier: Notifier, notification_mock: NotificationMock, qtbot: QtBot
) -> None:
    import threading

    threads: list[threading.Thread] = []
    notifier.show_job_requested.connect(lambda _row: threads.append(threading.current_thread()))
    notifier.notify_changes([ended(3, JobState.FAILED)])
    sent(notifier, notification_mock, 1)
    with qtbot.waitSignal(notifier.show_job_requested, timeout=5000):
        notification_mock.click(1, ACTION_SHOW)
    assert threads == [threading.main_thread()]
