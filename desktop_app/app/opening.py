"""Opening things for the user: links (http and https only), saved results and their folders, the demo as a process
of its own, start at login. Each takes `say`, the window's status line, for what went wrong."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QProcess, QUrl
from PySide6.QtGui import QDesktopServices

from desktop_app.core.errors import JobTrayError
from desktop_app.core.urls import is_openable_link

log = logging.getLogger(__name__)

Say = Callable[[str], None]


def app_icon_path() -> str | None:
    """The application icon's file (for the window and notifications), or None when the resources are missing."""
    try:
        from desktop_app.system.resources import icon_path

        path = icon_path(128)
    except (ImportError, FileNotFoundError):
        return None
    return str(path) if path.is_file() else None


def start_command() -> list[str]:
    """How the login session should start us: the bundle's executable, or this Python with our package."""
    if getattr(sys, "frozen", False):
        from desktop_app.system.desktop_entry import frozen_executable

        return [frozen_executable()]
    return [sys.executable, "-m", "desktop_app"]


def launch_detached(command: Sequence[str]) -> bool:
    """Start a program that outlives us and is never our zombie (QProcess double-forks); True if it started."""
    started, _pid = QProcess.startDetached(command[0], list(command[1:]))
    return bool(started)


def open_url(url: str) -> None:
    if is_openable_link(url):  # only http(s): a result link must never launch a local program
        QDesktopServices.openUrl(QUrl(url))
    else:
        log.warning("refused to open a link that is not http or https")


def open_file(path: str, say: Say) -> None:
    """A saved result, opened with the desktop's program for it."""
    if Path(path).is_file():
        QDesktopServices.openUrl(QUrl.fromLocalFile(path))
    else:
        say(QCoreApplication.translate("AppController", "%1 is not there any more").replace("%1", str(path)))


def show_folder(path: str) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


def start_demo(say: Say) -> None:
    """`jobtray demo` as a process of its own (its throwaway data folder makes it another instance)."""
    command = [*start_command(), "demo"]
    if launch_detached(command):
        say(QCoreApplication.translate("AppController", "Starting the demo: a second JobTray window on throwaway data"))
    else:
        text = QCoreApplication.translate("AppController", "The demo could not be started (%1)")
        say(text.replace("%1", " ".join(command)))


def autostart_state() -> bool | None:
    """Whether start at login is on; None when this build cannot do it."""
    try:
        from desktop_app.system import autostart
    except ImportError:
        return None
    try:
        return bool(autostart.is_enabled())
    except Exception:  # an unreadable autostart file must not stop the app
        log.exception("cannot read the start-at-login setting")
        return None


def set_autostart(enabled: bool, say: Say) -> bool | None:
    """Start at login on or off; returns the state it is in afterwards (None: this build cannot do it)."""
    try:
        from desktop_app.system import autostart

        autostart.set_enabled(enabled, start_command())
    except (ImportError, OSError, JobTrayError) as exc:
        log.warning("cannot change start at login: %s", exc)
        say(QCoreApplication.translate("AppController", "Start at login not changed: %1").replace("%1", str(exc)))
    return autostart_state()


BENCH_READY_FILE_ENV = "JOBTRAY_BENCH_READY_FILE"  # bench/startup.py: where to write the time the tray was shown


def write_ready_marker(path: str | None) -> None:
    """For bench/startup.py: the wall-clock time at which the tray icon's show() returned, in seconds."""
    if not path:
        return
    try:
        Path(path).write_text(f"{time.time():.6f}\n", encoding="ascii")
    except OSError as exc:
        log.warning("cannot write the ready marker %s: %s", path, exc)
