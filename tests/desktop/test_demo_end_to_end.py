"""Issue 4's acceptance check: `jobtray demo --quit-after 70` on Xvfb with a StatusNotifierItem tray host and dunst
exits 0 with no traceback, and dunst heard one notification for each demo job that ended, Finished and Failed
among them."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from desktop_app.simulators.launcher import start_all
from tests.desktop.virtual_desktop import DesktopSession

ENDINGS = ("Succeeded: ", "Failed: ", "Partial: ", "Cancelled: ", "Not found: ")
SUMMARY = re.compile(r"^(\d+) jobs ended")


def _demo_job_count() -> int:
    running = start_all(with_defined=True)  # as the demo starts them
    try:
        return sum(len(samples) for _, samples, _ in running.values())
    finally:
        for server, _, _ in running.values():
            server.stop()


@pytest.mark.slow
def test_demo_on_a_real_desktop_notifies_every_ending(desktop: DesktopSession) -> None:
    desktop.dunst_clear()
    env = dict(desktop.env)
    env.pop("QT_QPA_PLATFORM", None)  # a real xcb window and tray icon
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "demo", "--quit-after", "70"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    ours = [row for row in desktop.dunst_history() if row.get("appname") == "JobTray"]
    summaries = [str(row.get("summary") or "") for row in ours]
    endings = [s for s in summaries if s.startswith(ENDINGS)]
    summarised = sum(int(m.group(1)) for s in summaries if (m := SUMMARY.match(s)))
    assert any(s.startswith("Succeeded: ") for s in endings), summaries
    assert any(s.startswith("Failed: ") for s in endings), summaries
    assert len(endings) + summarised == _demo_job_count(), summaries
