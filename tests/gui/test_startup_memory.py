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
