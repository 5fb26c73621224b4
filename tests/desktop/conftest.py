"""Fixtures for tests that need a real desktop: Xvfb, a private D-Bus session, dunst, a tray host, dbusmock.

Missing tools skip these tests, unless $JOBTRAY_REQUIRE_DESKTOP=1 (CI sets it), where they fail instead.
Every process started here is stopped by PID in the fixture's teardown.

- `desktop`: Xvfb + D-Bus + dunst + the StatusNotifierItem host, one per module (starting them takes ~1 s).
- `dunst_desktop`: `desktop` for one test: dunst's history emptied first, and this process's DISPLAY and
  DBUS_SESSION_BUS_ADDRESS pointing at it.
- `notification_mock`: a private D-Bus with python-dbusmock's notification server (our template), for one test;
  `.click(notification_id, action_key)` injects ActionInvoked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.desktop.virtual_desktop import NOTIFICATIONS, DesktopSession, new_session

# Qt's platform for this process (the Notifier needs no window); child processes choose their own.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MOCK_PATH = "/org/freedesktop/Notifications"
MOCK_IFACE = "org.freedesktop.DBus.Mock"


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DesktopSession]:
    session = new_session(tmp_path_factory.mktemp("desktop"))
    try:
        session.start_xvfb()
        session.start_dbus()
        session.start_dunst()
        session.start_sni_host()
        yield session
    finally:
        session.procs.stop_all()


def _use_session(monkeypatch: pytest.MonkeyPatch, session: DesktopSession) -> None:
    for key in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "XDG_RUNTIME_DIR"):
        if key in session.env:
            monkeypatch.setenv(key, session.env[key])


@pytest.fixture
def dunst_desktop(desktop: DesktopSession, monkeypatch: pytest.MonkeyPatch) -> DesktopSession:
    desktop.dunst_clear()
    _use_session(monkeypatch, desktop)
    return desktop


class NotificationMock:
    """The dbusmock notification server, driven through its org.freedesktop.DBus.Mock interface."""

    def __init__(self, session: DesktopSession) -> None:
        import dbus

        self.session = session
        # A private connection to the private bus (not dbus-python's shared SessionBus()).
        self._bus = dbus.bus.BusConnection(session.bus_address)
        self._mock: Any = dbus.Interface(self._bus.get_object(NOTIFICATIONS, MOCK_PATH), MOCK_IFACE)

    def calls(self, method: str) -> list[list[Any]]:
        """The arguments of each call of `method` so far, as plain Python values."""
        return [_plain(args) for _, name, args in self._mock.GetCalls() if str(name) == method]

    def click(self, notification_id: int, action_key: str) -> None:
        import dbus

        self._mock.EmitSignal(
            NOTIFICATIONS, "ActionInvoked", "us", [dbus.UInt32(notification_id), dbus.String(action_key)]
        )

    def close(self) -> None:
        self._bus.close()


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    return value


@pytest.fixture
def notification_mock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NotificationMock]:
    session = new_session(tmp_path / "mockdesktop")
    mock: NotificationMock | None = None
    try:
        session.start_dbus()
        session.start_notification_mock()
        _use_session(monkeypatch, session)
        mock = NotificationMock(session)
        yield mock
    finally:
        if mock is not None:
            mock.close()
        session.procs.stop_all()
