"""Issue 19 (idle RSS): PySide6's `__feature__` hook reads the source of every module imported after PySide6 into
`linecache` (~11 MB kept in the tray); app/_pyside_feature.py stops it. A child process: the hook is per process."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import subprocess_env

SCRIPT = """
import linecache, sys
import desktop_app.app.run
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
