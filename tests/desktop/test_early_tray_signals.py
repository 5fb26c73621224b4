"""Issue 19 (icon shown): on a desktop with a tray host, the tray shows its icon before it builds its controller
(app/early_tray.py). A quit signal right after the icon showed, while the controller is being built or before,
quits as any quit does: exit code 0, no traceback, and the icon leaves the tray host.

The ready marker (bench/startup.py's) is written right after the early icon's show(); the signal follows it at
once. Which phase it lands in is the machine's business: tests/gui/test_early_tray.py holds the case where it
lands before the controller exists, in-process and deterministically."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store.database import Store
from tests.desktop.virtual_desktop import DesktopSession, wait_for


def _registered(desktop: DesktopSession) -> bool:
    return 'string "' in desktop.watcher_property("RegisteredStatusNotifierItems")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_quit_signal_right_after_the_early_icon_quits_cleanly(
    desktop: DesktopSession, tmp_path: Path, signum: signal.Signals
) -> None:
    data = tmp_path / "data"
    with Store(data) as store:
        account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_EARLY_KEY"))
        job, _ = store.jobs.add(account, "job-bad")
        store.jobs.record_status(job.id, Status("job-bad", JobState.FAILED, "failed", None, "damaged"))
    ready = tmp_path / "ready"
    env = dict(desktop.env, JOBTRAY_BENCH_READY_FILE=str(ready))
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform: the tray host is there
    wait_for(lambda: not _registered(desktop), what="the tray host to have no item left from another test")
    tray = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "--data-dir", str(data)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and tray.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)  # as soon as the icon is shown, not 50 ms later
        assert ready.exists(), tray.communicate(timeout=10)[1][-2000:]
        os.kill(tray.pid, signum)
        _out, err = tray.communicate(timeout=30)
    finally:
        if tray.poll() is None:
            tray.kill()
            tray.wait(timeout=10)
    assert tray.returncode == 0, err[-2000:]
    assert "Traceback" not in err, err[-2000:]
    wait_for(lambda: not _registered(desktop), what="the icon to leave the tray host")
