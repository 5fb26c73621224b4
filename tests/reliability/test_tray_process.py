"""Issue 10's acceptance check, as a user would run it: the tray app (offscreen) with an account whose server
hangs, then `jobtray account remove` from a terminal. The app must still be running afterwards, with no Qt warning
in its log, and quit cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.core.model import Account, KeySource
from desktop_app.store.database import Store
from tests.conftest import PDFCO_KEY, subprocess_env
from tests.support.fault_server import Fault, FaultServer

ALIVE_AFTER_S = 8.0  # the old app aborted about 1 s (data_version poll) + 2 s (its blocking stop) after the remove


@pytest.mark.slow
def test_removing_an_account_from_a_terminal_while_its_request_hangs_leaves_the_tray_running(
    data_dir: Path, tmp_path: Path
) -> None:
    with FaultServer() as hanging:
        hanging.inject(Fault.hang(seconds=60.0))
        with Store(data_dir) as store:
            account = store.accounts.add(
                Account("acme", "pdfco", KeySource.ENV, base_url=hanging.base_url, key_env="PDFCO_KEY")
            )
            store.jobs.add(account, "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300")
        env = subprocess_env(PDFCO_KEY=PDFCO_KEY, QT_QPA_PLATFORM="offscreen")
        runtime = tmp_path / "runtime"
        runtime.mkdir(mode=0o700)
        env["XDG_RUNTIME_DIR"] = str(runtime)
        tray = subprocess.Popen(
            [sys.executable, "-m", "desktop_app", "--data-dir", str(data_dir)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 20
            while hanging.request_count == 0 and time.monotonic() < deadline and tray.poll() is None:
                time.sleep(0.1)
            assert hanging.request_count >= 1, "the tray's worker never sent its request"
            removed = subprocess.run(
                [sys.executable, "-m", "desktop_app", "--data-dir", str(data_dir), "account", "remove", "acme"],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert removed.returncode == 0, removed.stderr
            time.sleep(ALIVE_AFTER_S)
            assert tray.poll() is None, tray.communicate(timeout=5)[1][-2000:]
            tray.send_signal(signal.SIGTERM)
            _, stderr = tray.communicate(timeout=10)
            assert tray.returncode == 0, stderr[-2000:]
        finally:
            if tray.poll() is None:
                tray.kill()
                tray.communicate()
    log = Path(os.environ["XDG_STATE_HOME"]) / "JobTray" / "log" / "jobtray.log"
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    qt_lines = [line for line in text.splitlines() if " qt" in line and (" WARNING " in line or " ERROR " in line)]
    assert qt_lines == [], qt_lines
    assert "QThread" not in text + stderr
    assert "Traceback" not in text + stderr
