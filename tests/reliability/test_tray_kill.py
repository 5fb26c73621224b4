"""Issue 18's done-when for the tray: `kill -9` of the tray in mid-download is repaired at the next start, and a
SIGTERM (a logout, `systemctl --user stop`) stops it cleanly. The real app (offscreen) watches a PDF.co job on the
simulator whose result sits on the S3 stand-in, held halfway (a slow file host); the tray gets the signal while the
body streams, the host is let go, a second tray starts and saves the file whole, under its name, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app.core.model import Account, KeySource
from desktop_app.core.settings import AccountSettings
from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.simulators.server import serve
from desktop_app.store.database import Store
from tests.conftest import PDFCO_KEY, subprocess_env

BODY = b"%PDF-1.4\n" + bytes(range(256)) * 2048 + b"%%EOF\n"


def _until(check: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the tray exited ({proc.returncode}) before {what}: {proc.communicate()[1][-3000:]}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _tray(data_dir: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_stop_in_mid_download_is_repaired_at_the_next_start(data_dir: Path, tmp_path: Path, signum: int) -> None:
    out = tmp_path / "results"
    sim = pdfco_sim.PdfCoSimulator(PDFCO_KEY)
    with ObjectStoreServer() as s3:
        sim.results = s3
        server = serve(sim)
        try:
            job_id = sim.add_job([pdfco_sim.success()], result=BODY, result_name="report.pdf", mode="held")
            with Store(data_dir) as store:
                account = store.accounts.add(
                    Account("acme", "pdfco", KeySource.ENV, base_url=server.base_url, key_env="PDFCO_KEY")
                )
                store.settings.save_account("acme", AccountSettings(save_results=str(out)))
                job, _ = store.jobs.add(account, job_id)
            env = subprocess_env(PDFCO_KEY=PDFCO_KEY, QT_QPA_PLATFORM="offscreen")
            runtime = tmp_path / "runtime"
            runtime.mkdir(mode=0o700)
            env["XDG_RUNTIME_DIR"] = str(runtime)
            env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # no notification server: nothing outside the test is touched

            first = _tray(data_dir, env)
            try:
                _until(s3.held.is_set, 30, "the download to stream", first)
                _until(lambda: any(out.glob("*.part")), 10, "the .part file", first)
                first.send_signal(signum)
                _, first_err = first.communicate(timeout=15)
            finally:
                if first.poll() is None:
                    first.kill()
                    first.communicate()
            with Store(data_dir) as store:
                [row] = store.outbox.for_job(job.id)
                assert store.jobs.get(job.id).result_file is None
            if signum == signal.SIGKILL:
                assert first.returncode == -signal.SIGKILL
                assert (row.kind, row.state, row.claimed_by) == ("download", "running", first.pid)  # for the repair
            else:  # a clean stop within the quit budget: the download abandoned, its row left to resume
                assert first.returncode == 0, first_err[-3000:]
                assert (row.kind, row.state, row.target_name) == ("download", "pending", "report.pdf")
                assert list(out.iterdir()) == []  # no .part
            s3.release()

            second = _tray(data_dir, env)
            try:
                target = out / "report.pdf"
                _until(target.exists, 30, "the resumed download", second)

                def recorded() -> bool:
                    with Store(data_dir) as store:
                        return store.jobs.get(job.id).result_file == str(target)

                _until(recorded, 10, "the saved file in the store", second)
                second.send_signal(signal.SIGTERM)
                _, stderr = second.communicate(timeout=15)
            finally:
                if second.poll() is None:
                    second.kill()
                    second.communicate()
            assert second.returncode == 0, stderr[-3000:]
            assert target.read_bytes() == BODY
            assert sorted(p.name for p in out.iterdir()) == ["report.pdf"]  # no .part, no "report (2).pdf"
            with Store(data_dir) as store:
                [row] = store.outbox.for_job(job.id, ("done",))
                assert row.kind == "download" and row.outcome == str(target)
        finally:
            server.stop()
    log = Path(os.environ["XDG_STATE_HOME"]) / "JobTray" / "log" / "jobtray.log"
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    assert "Traceback" not in text
