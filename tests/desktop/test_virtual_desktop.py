"""The virtual desktop itself: a Qt app on it sees a tray; the helper script runs a command and reports dunst."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.desktop.virtual_desktop import DesktopSession, require_tools

pytestmark = pytest.mark.desktop

ROOT = Path(__file__).parents[2]
SCRIPT = Path(__file__).with_name("run_virtual_desktop.sh")


def test_a_qt_app_on_the_virtual_desktop_has_a_system_tray(desktop: DesktopSession) -> None:
    code = (
        "from PySide6.QtWidgets import QApplication, QSystemTrayIcon\n"
        "app = QApplication([])\n"
        "print(app.platformName(), QSystemTrayIcon.isSystemTrayAvailable())\n"
    )
    env = dict(desktop.env, QT_QPA_PLATFORM="xcb")
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["xcb", "True"]


@pytest.mark.slow
def test_the_helper_script_runs_a_command_and_lists_its_notifications(tmp_path: Path) -> None:
    require_tools("Xvfb", "dbus-daemon", "dunst", "dunstctl", "gtk-sni-tray-standalone", "dbus-send")
    code = (
        "import asyncio\n"
        "from desktop_notifier import DesktopNotifier\n"
        "async def main():\n"
        "    n = DesktopNotifier(app_name='JobTray', app_icon=None)\n"
        "    await n.send('Finished: from the script', 'body text')\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        ["bash", str(SCRIPT), "--keep", str(tmp_path / "session"), "--", sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "notification: [JobTray] Finished: from the script | body text" in result.stderr
    assert (tmp_path / "session" / "dunst-history.json").is_file()


def test_the_helper_script_passes_on_the_exit_code(tmp_path: Path) -> None:
    require_tools("Xvfb", "dbus-daemon", "dunst", "dunstctl", "gtk-sni-tray-standalone", "dbus-send")
    result = subprocess.run(
        ["bash", str(SCRIPT), "--", "sh", "-c", 'test -n "$DISPLAY" && test -n "$DBUS_SESSION_BUS_ADDRESS"; exit 7'],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 7, result.stderr
