"""Without a notification service the Notifier falls back to the tray icon's messages, and never crashes."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.core.model import JobState, StatusChange
from desktop_app.ui.icons import STATE_COLORS, notification_icon
from desktop_app.ui.notifier import Notifier
from tests.factories import job_change

pytestmark = pytest.mark.gui


class RecordingTray(QSystemTrayIcon):
    """A tray icon that remembers its balloon messages (offscreen Qt shows none)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[tuple[str, str, QSystemTrayIcon.MessageIcon]] = []

    def showMessage(self, title: str, body: str, icon: object = None, msecs: int = 10_000) -> None:  # type: ignore[override]
        self.messages.append((title, body, icon))  # type: ignore[arg-type]


def ended(row_id: int, state: JobState, label: str | None = None) -> StatusChange:
    message = "done" if state == JobState.SUCCEEDED else "it <broke> & stopped"
    return job_change(row_id, state, label=label, message=message, result_url="https://example.com/r.pdf")


@pytest.fixture
def no_dbus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    runtime = tmp_path / "runtime"  # no `bus` socket in it
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))


@pytest.fixture
def notifier(qtbot: QtBot) -> Iterator[Notifier]:
    notifier = Notifier()
    try:
        yield notifier
    finally:
        notifier.close()
        notifier.deleteLater()


@pytest.fixture
def tray(qtbot: QtBot) -> Iterator[RecordingTray]:
    tray = RecordingTray()
    yield tray
    tray.deleteLater()


@pytest.mark.usefixtures("no_dbus")
def test_without_dbus_messages_go_to_the_tray_and_are_logged_once(
    notifier: Notifier, tray: RecordingTray, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="desktop_app.ui.notifier"):
        notifier.set_tray_fallback(tray)
        notifier.notify_changes([ended(1, JobState.SUCCEEDED, "Report"), ended(2, JobState.FAILED)])
        notifier.notify_account_error("acme", "the key was refused")
    assert tray.messages == [
        # Endings carry their own state's icon: a failure does not look like a success.
        ("Succeeded: Report", "PDF.co (acme): done", notification_icon(JobState.SUCCEEDED)),
        # Plain text in a balloon: no markup escaping there.
        ("Failed: job-2", "PDF.co (acme): it <broke> & stopped", notification_icon(JobState.FAILED)),
        ("Cannot check acme", "the key was refused", QSystemTrayIcon.MessageIcon.Warning),
    ]
    # The notifier found out when it was made (the fixture's setup).
    records = caplog.get_records("setup") + caplog.records
    warnings = [r for r in records if "native notifications unavailable" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.usefixtures("no_dbus")
def test_clicking_the_tray_message_shows_the_last_job(notifier: Notifier, tray: RecordingTray, qtbot: QtBot) -> None:
    notifier.set_tray_fallback(tray)
    notifier.notify_changes([ended(9, JobState.FAILED)])
    with qtbot.waitSignal(notifier.show_job_requested, timeout=1000) as blocker:
        tray.messageClicked.emit()
    assert blocker.args == [9]

    notifier.notify_changes([ended(i, JobState.SUCCEEDED) for i in range(10, 15)])  # a summary
    assert tray.messages[-1][0] == "5 jobs ended: 5 succeeded"
    with qtbot.waitSignal(notifier.show_window_requested, timeout=1000):
        tray.messageClicked.emit()


@pytest.mark.usefixtures("no_dbus")
def test_mute_applies_to_the_fallback_too(notifier: Notifier, tray: RecordingTray) -> None:
    notifier.set_tray_fallback(tray)
    notifier.set_muted_until(datetime(2999, 1, 1))  # naive: local time
    notifier.notify_changes([ended(1, JobState.FAILED)])
    assert tray.messages == []


@pytest.mark.usefixtures("no_dbus")
def test_without_dbus_and_without_a_tray_nothing_crashes(notifier: Notifier, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="desktop_app.ui.notifier"):
        notifier.notify_changes([ended(1, JobState.FAILED)])
        notifier.notify_changes([ended(2, JobState.FAILED)])
    assert len([r for r in caplog.records if "no tray icon" in r.getMessage()]) == 1


@pytest.mark.usefixtures("no_dbus")
def test_a_real_tray_icon_offscreen_does_not_crash(notifier: Notifier, qtbot: QtBot) -> None:
    tray = QSystemTrayIcon()
    try:
        notifier.set_tray_fallback(tray)
        notifier.notify_changes([ended(1, JobState.PARTIAL)])
    finally:
        tray.deleteLater()


def test_a_dead_bus_address_falls_back_after_trying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot, tray: RecordingTray
) -> None:
    # An address that looks fine but where nobody listens: the sender thread finds out, the message still shows.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-such-bus'}")
    notifier = Notifier()
    try:
        notifier.set_tray_fallback(tray)
        notifier.notify_changes([ended(1, JobState.FAILED)])
        qtbot.waitUntil(lambda: len(tray.messages) == 1, timeout=5000)
        assert tray.messages[0][0] == "Failed: job-1"
        # The next one goes straight to the tray: the native side is not retried for a while.
        notifier.notify_changes([ended(2, JobState.SUCCEEDED)])
        qtbot.waitUntil(lambda: len(tray.messages) == 2, timeout=5000)
    finally:
        notifier.close()
        notifier.deleteLater()


def test_close_twice_is_fine(qtbot: QtBot, no_dbus: None) -> None:
    notifier = Notifier()
    notifier.close()
    notifier.close()
    notifier.notify_changes([ended(1, JobState.FAILED)])  # after close: ignored, not a crash
    notifier.deleteLater()


def _center_color(icon: object) -> str:
    image = icon.pixmap(64, 64).toImage()  # type: ignore[attr-defined]
    return str(image.pixelColor(32, 12).name())


@pytest.mark.usefixtures("no_dbus")
def test_a_failure_has_a_failure_icon_and_a_success_a_success_icon(notifier: Notifier, tray: RecordingTray) -> None:
    notifier.set_tray_fallback(tray)
    notifier.notify_changes([ended(1, JobState.FAILED), ended(2, JobState.SUCCEEDED), ended(3, JobState.CANCELLED)])
    icons = [message[2] for message in tray.messages]
    assert [_center_color(icon) for icon in icons] == [
        STATE_COLORS[JobState.FAILED],
        STATE_COLORS[JobState.SUCCEEDED],
        STATE_COLORS[JobState.CANCELLED],
    ]
    # A summary with a failure in it looks like a failure.
    notifier.notify_changes([ended(i, JobState.SUCCEEDED) for i in range(10, 13)] + [ended(13, JobState.FAILED)])
    assert _center_color(tray.messages[-1][2]) == STATE_COLORS[JobState.FAILED]


@pytest.mark.usefixtures("no_dbus")
def test_without_a_server_or_a_tray_the_endings_go_to_the_window_and_the_warning_says_so(
    notifier: Notifier, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 18: on a desktop with neither (weston with no notification daemon) the endings were lost."""
    shown: list[tuple[str, str, bool]] = []
    notifier.shown_in_window.connect(lambda title, body, warning: shown.append((title, body, warning)))
    with caplog.at_level(logging.WARNING, logger="desktop_app.ui.notifier"):
        notifier.notify_changes([ended(1, JobState.FAILED, "Report")])
        notifier.notify_changes([ended(2, JobState.SUCCEEDED)])
    assert [(title, warning) for title, _, warning in shown] == [("Failed: Report", True), ("Succeeded: job-2", False)]
    told = [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(told) == 1
    assert "shown in JobTray's window" in told[0] and "tray icon's messages" not in told[0]


@pytest.mark.usefixtures("no_dbus")
def test_an_exception_inside_the_notifier_is_logged_and_told_once_never_raised(
    notifier: Notifier, tray: RecordingTray, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenSettings:
        def notifies(self, _state: JobState) -> bool:
            raise RuntimeError("injected into the notifier")

    notifier.set_tray_fallback(tray)
    notifier.set_account_settings({"acme": BrokenSettings()})  # type: ignore[dict-item]
    with caplog.at_level(logging.ERROR, logger="desktop_app.ui.notifier"):
        notifier.notify_changes([ended(1, JobState.FAILED)])  # does not raise into the caller
        notifier.notify_changes([ended(2, JobState.FAILED)])
    assert [r for r in caplog.records if r.exc_info and "injected" in str(r.exc_info[1])]
    assert [m[0] for m in tray.messages] == ["JobTray could not show a notification"]  # told once
    notifier.set_account_settings({})
    notifier.notify_changes([ended(3, JobState.FAILED)])  # and the next one works
    assert tray.messages[-1][0] == "Failed: job-3"
