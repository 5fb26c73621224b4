"""Issue 14: a desktop without a tray host (GNOME without the AppIndicator extension). The app still starts, shows
its window instead, and one line says why no icon shows."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.app.controller import NO_TRAY_NOTE
from tests.desktop.virtual_desktop import DesktopSession, new_session


@pytest.fixture(scope="module")
def trayless(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DesktopSession]:
    session = new_session(tmp_path_factory.mktemp("trayless"))
    try:
        session.start_xvfb()
        session.start_dbus()
        session.start_dunst()
        yield session
    finally:
        session.procs.stop_all()


def test_without_a_tray_host_the_window_opens_and_one_line_says_why(trayless: DesktopSession, tmp_path: Path) -> None:
    env = dict(trayless.env)
    env.pop("QT_QPA_PLATFORM", None)  # a real xcb window
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--data-dir", str(tmp_path / "data"), "--quit-after", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.count(NO_TRAY_NOTE) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
