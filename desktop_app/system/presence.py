"""Whether the person is at the desktop, and whether it asks not to be disturbed (issue 21), read over D-Bus.

Qt-free and blocking (jeepney, which keyring's Secret Service backend brings along), each read within a timeout, so
`watch` and the tray's owner thread can both ask. Every reader answers None where it cannot tell; nothing raises.

- Presence: logind's session (`LockedHint`, `IdleHint` of `$XDG_SESSION_ID`'s session, else the caller's
  `auto` session; then the manager's `IdleHint`) on the system bus, else `org.freedesktop.ScreenSaver.GetActive`
  on the session bus (KDE, Xfce, and GNOME's portal-less fallback).
- Do-not-disturb: the notification server's `Inhibited` property (KDE Plasma), else GNOME's
  `org.gnome.desktop.notifications show-banners` (read with `gsettings`).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

from desktop_app.core.rules import Presence

log = logging.getLogger(__name__)

READ_TIMEOUT = 1.0
LOGIND = "org.freedesktop.login1"
SESSION_IFACE = "org.freedesktop.login1.Session"
MANAGER_IFACE = "org.freedesktop.login1.Manager"
SCREENSAVER = "org.freedesktop.ScreenSaver"
SCREENSAVER_PATHS = ("/org/freedesktop/ScreenSaver", "/ScreenSaver")
NOTIFICATIONS = "org.freedesktop.Notifications"


def _escape(session_id: str) -> str:
    """systemd's object-path escaping of one label (sd_bus_path_encode): `_xx` for anything else."""
    out = []
    for i, ch in enumerate(session_id):
        if re.fullmatch(r"[A-Za-z0-9]", ch) and not (i == 0 and ch.isdigit()):
            out.append(ch)
        else:
            out.append("".join(f"_{b:02x}" for b in ch.encode()))
    return "".join(out) or "_"


def _get(conn: Any, name: str, path: str, interface: str, prop: str, *, timeout: float) -> Any:
    from jeepney import DBusAddress, Properties  # type: ignore[import-untyped]
    from jeepney.wrappers import unwrap_msg  # type: ignore[import-untyped]

    address = DBusAddress(path, bus_name=name, interface=interface)
    reply = conn.send_and_get_reply(Properties(address).get(prop), timeout=timeout)
    return unwrap_msg(reply)[0][1]


def _call(conn: Any, name: str, path: str, interface: str, method: str, *, timeout: float) -> Any:
    from jeepney import DBusAddress, new_method_call
    from jeepney.wrappers import unwrap_msg

    address = DBusAddress(path, bus_name=name, interface=interface)
    reply = conn.send_and_get_reply(new_method_call(address, method), timeout=timeout)
    return unwrap_msg(reply)[0]


def _open(bus: str) -> Any:
    from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

    return open_dbus_connection(bus=bus)


def logind_presence(environ: Mapping[str, str] | None = None, timeout: float = READ_TIMEOUT) -> Presence | None:
    env = os.environ if environ is None else environ
    try:
        conn = _open("SYSTEM")
    except Exception as exc:  # no system bus (a container), refused: it cannot tell
        log.debug("no system bus for logind: %s", type(exc).__name__)
        return None
    try:
        session = env.get("XDG_SESSION_ID", "").strip()
        path = f"/org/freedesktop/login1/session/{_escape(session) if session else 'auto'}"
        try:
            if _get(conn, LOGIND, path, SESSION_IFACE, "LockedHint", timeout=timeout):
                return Presence.LOCKED
            return (
                Presence.IDLE
                if _get(conn, LOGIND, path, SESSION_IFACE, "IdleHint", timeout=timeout)
                else Presence.ACTIVE
            )
        except Exception as exc:  # no such session here (an ssh login, a test bus): the seat-wide hint
            log.debug("logind session %s unreadable: %s", path, type(exc).__name__)
        idle = _get(conn, LOGIND, "/org/freedesktop/login1", MANAGER_IFACE, "IdleHint", timeout=timeout)
        return Presence.IDLE if idle else Presence.ACTIVE
    except Exception as exc:
        log.debug("logind unreadable: %s", type(exc).__name__)
        return None
    finally:
        conn.close()


def screensaver_presence(timeout: float = READ_TIMEOUT) -> Presence | None:
    try:
        conn = _open("SESSION")
    except Exception as exc:
        log.debug("no session bus for the screensaver: %s", type(exc).__name__)
        return None
    try:
        for path in SCREENSAVER_PATHS:
            try:
                active = _call(conn, SCREENSAVER, path, SCREENSAVER, "GetActive", timeout=timeout)
            except Exception as exc:
                log.debug("screensaver at %s unreadable: %s", path, type(exc).__name__)
                continue
            return Presence.LOCKED if active else Presence.ACTIVE
        return None
    finally:
        conn.close()


def read_presence(environ: Mapping[str, str] | None = None, timeout: float = READ_TIMEOUT) -> Presence:
    """Active, idle or locked, from the first reader that answers; UNKNOWN when none does."""
    return logind_presence(environ, timeout) or screensaver_presence(timeout) or Presence.UNKNOWN


def _gnome_banners_off(timeout: float) -> bool | None:
    gsettings = shutil.which("gsettings")
    if gsettings is None:
        return None
    try:
        done = subprocess.run(
            [gsettings, "get", "org.gnome.desktop.notifications", "show-banners"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    answer = done.stdout.strip()
    if done.returncode != 0 or answer not in ("true", "false"):
        return None  # no such schema (not GNOME)
    return answer == "false"


def read_dnd(timeout: float = READ_TIMEOUT) -> bool | None:
    """Whether the desktop asks for no banners now; None where it cannot be read."""
    try:
        conn = _open("SESSION")
    except Exception:
        conn = None
    if conn is not None:
        try:
            return bool(
                _get(conn, NOTIFICATIONS, "/org/freedesktop/Notifications", NOTIFICATIONS, "Inhibited", timeout=timeout)
            )
        except Exception as exc:  # not KDE's server: the property does not exist
            log.debug("no Inhibited property: %s", type(exc).__name__)
        finally:
            conn.close()
    return _gnome_banners_off(timeout)
