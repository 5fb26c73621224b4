"""A hung notification server (issue 18): a D-Bus service that accepts the call and never answers. Every
notification still reaches the tray's balloon within the notifier's timeout, the next one tries the server again,
and the fallback is told once. The service is tests/desktop/hung_notification_server.py on a private bus."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from desktop_app.core.model import JobState, StatusChange
from desktop_app.ui.notifier import Notifier
from tests.desktop.virtual_desktop import DesktopSession, new_session, wait_for
from tests.factories import job_change

pytestmark = pytest.mark.desktop

SERVER = Path(__file__).with_name("hung_notification_server.py")
TIMEOUT = 0.3  # short, for the test; the app's is 2 s


class RecordingTray(QSystemTrayIcon):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def showMessage(self, title: str, body: str, icon: object = None, msecs: int = 10_000) -> None:  # type: ignore[override]
        self.messages.append(title)


class HungServer:
    def __init__(self, session: DesktopSession, mode: str) -> None:
        self.session = session
        self.mode = mode
        self.log = session.log(f"hung-{mode}")
        session.procs.start("hung-notifications", [sys.executable, str(SERVER), mode], session.env, self.log)
        wait_for(lambda: "ready" in self.text(), what="the hung notification server")

    def text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def calls(self, method: str) -> int:
        return sum(1 for line in self.text().splitlines() if line.startswith(f"{method} "))

    def hung_calls(self) -> int:
        """Calls it received and never answered."""
        if self.mode == "notify":
            return self.calls("Notify")
        return sum(1 for line in self.text().splitlines() if line != "ready")


def ended(row_id: int, state: JobState = JobState.SUCCEEDED) -> StatusChange:
    return job_change(row_id, state)


@pytest.fixture
def bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DesktopSession]:
    session = new_session(tmp_path / "hung")
    try:
        session.start_dbus()
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.bus_address)
        monkeypatch.setenv("XDG_RUNTIME_DIR", session.env["XDG_RUNTIME_DIR"])
        yield session
    finally:
        session.procs.stop_all()


@pytest.mark.parametrize("mode", ["notify", "all"])
def test_a_server_that_never_answers_falls_back_to_the_balloon_each_time_and_is_tried_again(
    bus: DesktopSession, qtbot: QtBot, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    server = HungServer(bus, mode)
    tray = RecordingTray()
    notifier = Notifier(timeout=TIMEOUT)
    try:
        notifier.set_tray_fallback(tray)
        with caplog.at_level(logging.WARNING, logger="desktop_app.ui.notifier"):
            notifier.notify_changes([ended(1)])
            qtbot.waitUntil(lambda: tray.messages == ["Succeeded: job-1"], timeout=10_000)
            notifier.notify_changes([ended(2, JobState.FAILED)])
            qtbot.waitUntil(lambda: len(tray.messages) == 2, timeout=10_000)
            assert tray.messages[1] == "Failed: job-2"
            # Three at once behind a hung call: each has its own deadline, none waits for the others' timeouts.
            notifier.notify_changes([ended(3), ended(4), ended(5)])
            qtbot.waitUntil(lambda: len(tray.messages) == 5, timeout=10_000)
            # Asked, given no answer, and asked again by a later message (the first may spend its deadline on
            # loading desktop-notifier): a hung server is never written off.
            wait_for(lambda: server.hung_calls() >= 2, timeout=5, what="a second try")
        told = [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()]
        assert len(told) == 1
        assert "did not answer within 0.3 s" in told[0] and "tray icon's messages" in told[0]
    finally:
        notifier.close(timeout=0.5)
        notifier.deleteLater()
        tray.deleteLater()


def test_with_no_tray_either_a_hung_server_s_messages_go_to_the_window(
    bus: DesktopSession, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    HungServer(bus, "notify")
    notifier = Notifier(timeout=TIMEOUT)
    shown: list[tuple[str, str, bool]] = []
    notifier.shown_in_window.connect(lambda title, body, warning: shown.append((title, body, warning)))
    try:
        with caplog.at_level(logging.WARNING, logger="desktop_app.ui.notifier"):
            notifier.notify_changes([ended(1, JobState.FAILED)])
            qtbot.waitUntil(lambda: len(shown) == 1, timeout=10_000)
        assert shown[0][0] == "Failed: job-1" and shown[0][2] is True
        told = [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()]
        assert len(told) == 1 and "shown in JobTray's window" in told[0]
    finally:
        notifier.close(timeout=0.5)
        notifier.deleteLater()
