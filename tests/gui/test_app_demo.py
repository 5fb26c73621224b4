"""run_app end to end, offscreen: the demo on simulators, --quit-after, and a job added by another process."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer

from desktop_app.app.run import AppController, run_app
from desktop_app.core.model import Account, JobState, KeySource
from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.store.database import Store
from tests.conftest import PDFCO_KEY, subprocess_env


def test_demo_runs_on_simulators_and_quits_cleanly(data_dir: Path) -> None:
    changes: list[tuple[str, JobState, JobState]] = []
    seen: dict[str, object] = {}

    def ready(controller: AppController) -> None:
        seen["folder"] = controller.store.folder
        seen["accounts"] = sorted(a.provider for a in controller.store.accounts.all())
        seen["jobs"] = controller.model.rowCount()
        controller.changes_applied.connect(
            lambda batch: changes.extend((c.job.provider, c.old_state, c.new_state) for c in batch)
        )

    args = argparse.Namespace(demo=True, quit_after=4.0, data_dir=None, debug=False)
    code = run_app(args, ready)  # returns: --quit-after quit it (the quit budget is test_quit_budget's, virtual)
    assert code == 0
    assert seen["accounts"] == ["cloudconvert", "encodingcom", "ipaper", "pdfco", "scriptx"]  # one defined in a file
    assert 10 <= seen["jobs"] <= 16
    assert any(new == JobState.RUNNING for _, _, new in changes), changes
    folder = seen["folder"]
    assert isinstance(folder, Path)
    assert not folder.exists()  # the throwaway data folder is gone
    assert folder != data_dir and not (data_dir / "jobtray.sqlite3").exists()  # the user's data is untouched


def test_a_job_added_by_another_process_shows_within_two_seconds(
    data_dir: Path,
    pdfco_simulator,
    monkeypatch,
) -> None:
    sim, server = pdfco_simulator
    job_id = sim.add_job([pdfco_sim.working()])
    monkeypatch.setenv("TEST_PDFCO_KEY", PDFCO_KEY)
    with Store(data_dir) as store:
        store.accounts.add(Account("acme", "pdfco", KeySource.ENV, base_url=server.base_url, key_env="TEST_PDFCO_KEY"))
    times: dict[str, float] = {}

    def ready(controller: AppController) -> None:
        command = [sys.executable, "-m", "desktop_app", "add", "--account", "acme", "--label", "from CLI", job_id]
        process = subprocess.Popen(command, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        timer = QTimer(controller)

        def look() -> None:
            now = time.monotonic()
            if "exited" not in times and process.poll() is not None:
                times["exited"] = now
                times["code"] = process.returncode
            if any(job.job_id == job_id for job in controller.model.jobs()):
                times["shown"] = now
                timer.stop()
                process.wait(timeout=10)
                times.setdefault("exited", now)
                times.setdefault("code", process.returncode)
                QCoreApplication.quit()

        timer.timeout.connect(look)
        timer.start(20)

    args = argparse.Namespace(demo=False, quit_after=20.0, data_dir=str(data_dir), debug=False)
    assert run_app(args, ready) == 0
    assert times.get("code") == 0
    assert "shown" in times, "the job added by `jobtray add` never showed up"
    assert times["shown"] - times["exited"] < 2.0
