"""Presence and do-not-disturb read over D-Bus (issue 21), from python-dbusmock services on private buses:
logind's session hints (system bus), org.freedesktop.ScreenSaver.GetActive and the notification server's
Inhibited (session bus); nothing answering is UNKNOWN, never an error."""

from __future__ import annotations

from collections.abc import Iterator

import dbus
import pytest
from dbusmock import BusType, PrivateDBus, SpawnedMock

from desktop_app.core.rules import Presence
from desktop_app.system import presence
from desktop_app.system.presence import read_dnd, read_presence

LOGIND_SESSION = "org.freedesktop.login1.Session"


@pytest.fixture
def buses(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[PrivateDBus, PrivateDBus]]:
    # PrivateDBus writes os.environ itself: let monkeypatch put the old values back.
    for var in ("DBUS_SYSTEM_BUS_ADDRESS", "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.setenv(var, "unix:path=/nonexistent/bus")
    monkeypatch.delenv("XDG_SESSION_ID", raising=False)
    monkeypatch.setattr(presence, "_gnome_banners_off", lambda timeout: None)  # only what the buses say counts
    with PrivateDBus(BusType.SYSTEM) as system, PrivateDBus(BusType.SESSION) as session:
        yield system, session


def _logind(session_id: str = "c7") -> SpawnedMock:
    """logind as far as we read it: the manager's IdleHint and one session's hints (dbusmock's logind template
    needs PyGObject in the test process; these few objects do not)."""
    mock = SpawnedMock.spawn_for_name(
        "org.freedesktop.login1", "/org/freedesktop/login1", "org.freedesktop.login1.Manager", BusType.SYSTEM, None
    )
    mock.obj.AddProperty("org.freedesktop.login1.Manager", "IdleHint", False)
    mock.obj.AddObject(
        f"/org/freedesktop/login1/session/{session_id}",
        LOGIND_SESSION,
        dbus.Dictionary({"IdleHint": False, "LockedHint": False, "Active": True}, signature="sv"),
        dbus.Array([], signature="(ssss)"),
    )
    return mock


def test_nothing_answering_is_unknown(buses: tuple[PrivateDBus, PrivateDBus]) -> None:
    assert read_presence() is Presence.UNKNOWN
    assert read_dnd() is None


def test_logind_session_hints(buses: tuple[PrivateDBus, PrivateDBus], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_SESSION_ID", "c7")
    with _logind("c7"):
        session = BusType.SYSTEM.get_connection().get_object(
            "org.freedesktop.login1", "/org/freedesktop/login1/session/c7"
        )
        assert read_presence() is Presence.ACTIVE
        session.Set(LOGIND_SESSION, "IdleHint", True, dbus_interface=dbus.PROPERTIES_IFACE)
        assert read_presence() is Presence.IDLE
        session.Set(LOGIND_SESSION, "LockedHint", True, dbus_interface=dbus.PROPERTIES_IFACE)
        assert read_presence() is Presence.LOCKED


def test_logind_without_our_session_reads_the_managers_hint(buses: tuple[PrivateDBus, PrivateDBus]) -> None:
    with _logind() as mock:
        assert read_presence() is Presence.ACTIVE  # no XDG_SESSION_ID, no 'auto' in the mock: the seat-wide hint
        mock.obj.Set("org.freedesktop.login1.Manager", "IdleHint", True, dbus_interface=dbus.PROPERTIES_IFACE)
        assert read_presence() is Presence.IDLE


def test_the_screensaver_answers_where_logind_does_not(buses: tuple[PrivateDBus, PrivateDBus]) -> None:
    with SpawnedMock.spawn_for_name(
        "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", stdout=None
    ) as saver:
        saver.obj.AddMethod("org.freedesktop.ScreenSaver", "GetActive", "", "b", "ret = False")
        assert read_presence() is Presence.ACTIVE
        saver.obj.AddMethod("org.freedesktop.ScreenSaver", "GetActive", "", "b", "ret = True")
        assert read_presence() is Presence.LOCKED


def test_kde_do_not_disturb_is_the_notification_servers_inhibited(buses: tuple[PrivateDBus, PrivateDBus]) -> None:
    with SpawnedMock.spawn_for_name(
        "org.freedesktop.Notifications", "/org/freedesktop/Notifications", "org.freedesktop.Notifications", stdout=None
    ) as server:
        server.obj.AddProperty("org.freedesktop.Notifications", "Inhibited", False)
        assert read_dnd() is False
        server.obj.Set("org.freedesktop.Notifications", "Inhibited", True, dbus_interface=dbus.PROPERTIES_IFACE)
        assert read_dnd() is True
