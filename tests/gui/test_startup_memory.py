"""Issue 19 (idle RSS): PySide6's `__feature__` hook reads the source of every module imported after PySide6 into
`linecache` (~11 MB kept in the tray); app/_pyside_feature.py stops it. A child process: the hook is per process."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import subprocess_env

SCRIPT = """
import linecache, sys
import desktop_app.app.run
import desktop_app.app.controller  # built after the icon (app/early_tray.py)
from desktop_app.app._pyside_feature import SOURCES_UNREAD
import desktop_app.engine.supervisor, desktop_app.providers.registry  # what the workers import after the icon
ours = [name for name in linecache.cache if "desktop_app" in name]
print("hook tamed:", SOURCES_UNREAD, "our sources held:", len(ours), "files held:", len(linecache.cache) < 20)
"""


def test_the_tray_keeps_no_module_sources_in_memory() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=subprocess_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.splitlines() == ["hook tamed: True our sources held: 0 files held: True"], result.stderr[
        -2000:
    ]


NOTIFIER_SCRIPT = """
import os
os.environ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/jobtray-test-bus"  # a native service may exist
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop_app.ui.icons import notification_icon_files
from desktop_app.ui.notifier import Notifier
notifier = Notifier()
print("built:", notification_icon_files.cache_info().currsize)
notifier.notify_problem("Title", "the first notification")
print("told:", notification_icon_files.cache_info().currsize)
notifier.close(0.5)
"""


def test_the_notifier_draws_its_icon_files_with_its_first_notification() -> None:
    """Issue 19 (icon shown, idle RSS): drawing and saving the state icons for native notifications cost ~13 ms
    before the tray showed, and memory a quiet tray never needs; they are drawn when the first one is sent."""
    result = subprocess.run(
        [sys.executable, "-c", NOTIFIER_SCRIPT],
        env=subprocess_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.splitlines() == ["built: 0", "told: 1"], result.stderr[-2000:]


FONT_SCRIPT = """
from pathlib import Path
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop_app.core.model import JobState
from desktop_app.ui.icons import TrayIconKey, TrayLook, notification_icon, state_icon, tray_icon, warning_icon


def fonts_mapped():
    return any(line.rstrip().endswith((".ttf", ".otf", ".pfb")) for line in Path("/proc/self/maps").open())


for count in (1, 9, 10, 42, 99, 100, 150):
    tray_icon(TrayIconKey(TrayLook.RUNNING, count, 50, alert=True)).pixmap(64, 64)
for look in TrayLook:
    tray_icon(TrayIconKey(look)).pixmap(64, 64)
for state in JobState:
    state_icon(state).pixmap(16, 16)
    notification_icon(state).pixmap(128, 128)
warning_icon().pixmap(16, 16)
print("icons drawn, a font loaded:", fonts_mapped())
pixmap = QPixmap(64, 64)
painter = QPainter(pixmap)
painter.drawText(10, 40, "42")  # the control: text through a font does map one
painter.end()
print("text drawn, a font loaded:", fonts_mapped())
"""


def test_drawing_the_icons_loads_no_font() -> None:
    """Issue 19 (idle RSS): the icons' characters are strokes (ui/glyphs.py); the first text drawn through a font
    loads Qt's font database, ~3-4 MB a tray whose menu and window stay closed never needs."""
    result = subprocess.run(
        [sys.executable, "-c", FONT_SCRIPT],
        env=subprocess_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.splitlines() == [
        "icons drawn, a font loaded: False",
        "text drawn, a font loaded: True",
    ], result.stderr[-2000:]
