"""A failure's notification carries "Acknowledge" (issue 21); a click on it (dbusmock's ActionInvoked) reaches the
app as acknowledge_requested(row id). A success's has none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.model import JobState
from desktop_app.ui.notifier import ACTION_ACK, ACTION_SHOW, Notifier
from tests.desktop.conftest import NotificationMock
from tests.desktop.test_notifier_click import ended, sent
from tests.factories import make_job

pytestmark = pytest.mark.desktop


@pytest.fixture
def notifier(notification_mock: NotificationMock, qtbot: QtBot) -> Iterator[Notifier]:
    notifier = Notifier()
    try:
        yield notifier
    finally:
        notifier.close()
        notifier.deleteLater()


def test_acknowledge_on_a_failure_emits_its_row_id(
    notifier: Notifier, notification_mock: NotificationMock, qtbot: QtBot
) -> None:
    notifier.notify_changes([ended(12, JobState.FAILED), ended(13, JobState.SUCCEEDED)])
    failed, succeeded = sent(notifier, notification_mock, 2)
    assert failed[5] == ["default", "", ACTION_SHOW, "Show", ACTION_ACK, "Acknowledge"]
    assert ACTION_ACK not in succeeded[5]
    with qtbot.waitSignal(notifier.acknowledge_requested, timeout=5000) as blocker:
        notification_mock.click(1, ACTION_ACK)
    assert blocker.args == [12]


def test_a_reminder_of_an_old_failure_can_be_acknowledged(
    notifier: Notifier, notification_mock: NotificationMock, qtbot: QtBot
) -> None:
    notifier.remind_failure(make_job(21, JobState.FAILED, label="nightly", message="disk full"))
    (call,) = sent(notifier, notification_mock, 1)
    assert call[3] == "Still failed: nightly"
    with qtbot.waitSignal(notifier.acknowledge_requested, timeout=5000) as blocker:
        notification_mock.click(1, ACTION_ACK)
    assert blocker.args == [21]
