"""Quiet hours and do-not-disturb (issue 21): endings are held, not shown, and told in one summary when the quiet
ends. Without a notification service (the tray's balloon stands in for it, as in test_notifier_fallback)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.model import JobState
from desktop_app.core.rules import QuietHours
from desktop_app.ui.notifier import Notifier
from tests.gui.test_notifier_fallback import RecordingTray, ended, no_dbus

pytestmark = pytest.mark.gui
__all__ = ["no_dbus"]


@pytest.fixture
def quiet(qtbot: QtBot) -> Iterator[tuple[Notifier, RecordingTray]]:
    notifier, tray = Notifier(), RecordingTray()
    notifier.set_tray_fallback(tray)
    try:
        yield notifier, tray
    finally:
        notifier.close()
        notifier.deleteLater()
        tray.deleteLater()


def _around_now() -> QuietHours:
    now = datetime.now().astimezone()
    start, end = now - timedelta(minutes=30), now + timedelta(minutes=30)
    if start.date() != end.date():
        pytest.skip("too close to midnight for a stretch around now")
    return QuietHours(time(start.hour, start.minute), time(end.hour, end.minute))


@pytest.mark.usefixtures("no_dbus")
def test_do_not_disturb_holds_banners_then_one_summary(quiet: tuple[Notifier, RecordingTray]) -> None:
    notifier, tray = quiet
    dnd = {"on": True}
    notifier.set_telling(None, respect_dnd=True, dnd=lambda: dnd["on"])
    notifier.notify_changes([ended(1, JobState.FAILED, "a"), ended(2, JobState.SUCCEEDED, "b")])
    assert tray.messages == []
    notifier._release_held()  # the minute's check, while it is still on
    assert tray.messages == []
    dnd["on"] = False
    notifier._release_held()
    assert [m[0] for m in tray.messages] == ["2 jobs ended: 1 succeeded, 1 failed"]
    notifier._release_held()
    assert len(tray.messages) == 1  # told once


@pytest.mark.usefixtures("no_dbus")
def test_quiet_hours_hold_and_a_dnd_that_cannot_be_read_does_not(quiet: tuple[Notifier, RecordingTray]) -> None:
    notifier, tray = quiet
    notifier.set_telling(None, respect_dnd=True, dnd=lambda: None)
    notifier.notify_changes([ended(3, JobState.FAILED, "c")])
    assert [m[0] for m in tray.messages] == ["Failed: c"]
    notifier.set_telling(_around_now())
    notifier.notify_changes([ended(4, JobState.FAILED, "d")])
    assert len(tray.messages) == 1
    notifier.set_telling(None)  # the quiet hours were changed: what was held is told now
    assert [m[0] for m in tray.messages] == ["Failed: c", "Failed: d"]
