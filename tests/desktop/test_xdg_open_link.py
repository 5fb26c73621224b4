"""Issue 12's "done when": on the virtual desktop, with the desktop entry installed by `jobtray
--install-desktop-entry` into temporary XDG folders, `xdg-open 'jobtray://watch?...'` finds JobTray through the
entry (xdg-mime's answer for x-scheme-handler/jobtray), and the job ends up in the running tray: handed over to it
(only the tray announces a job from a link; dunst shows that), and checked by it against a PDF.co simulator."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.model import Account, KeySource
from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.simulators.server import SimulatorServer, serve
from desktop_app.store.database import Store
from tests.conftest import PDFCO_KEY
from tests.desktop.virtual_desktop import DesktopSession, require_tools, wait_for

JOB = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"
LINK = f"jobtray://watch?provider=pdfco&id={JOB}&label=from-xdg-open"


@pytest.fixture
def simulator() -> Iterator[tuple[pdfco_sim.PdfCoSimulator, SimulatorServer]]:
    sim = pdfco_sim.PdfCoSimulator(PDFCO_KEY)
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()


def _run(argv: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.slow
def test_xdg_open_of_a_jobtray_link_ends_with_the_job_in_the_running_tray(
    desktop: DesktopSession, simulator: tuple[pdfco_sim.PdfCoSimulator, SimulatorServer], tmp_path: Path
) -> None:
    require_tools("xdg-open", "xdg-mime")
    sim, server = simulator
    sim.add_job([pdfco_sim.working()], job_id=JOB)
    desktop.dunst_clear()
    data = tmp_path / "jobtray-data"
    env = dict(desktop.env)
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform: a tray icon in the StatusNotifierItem host
    env.pop("XDG_CURRENT_DESKTOP", None)  # xdg-open's generic path: mimeapps.list and the .desktop files
    env.update(
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
        XDG_DATA_DIRS=str(tmp_path / "no-system-entries"),  # only our entry can answer
        JOBTRAY_DATA_DIR=str(data),
        PDFCO_KEY=PDFCO_KEY,
        JOBTRAY_BENCH_READY_FILE=str(tmp_path / "tray-ready"),
    )
    with Store(data) as store:
        store.accounts.add(
            Account("pdfs", "pdfco", KeySource.ENV, base_url=server.base_url, key_env="PDFCO_KEY", rate_limit="50/s")
        )

    installed = _run([sys.executable, "-m", "desktop_app", "--install-desktop-entry"], env)
    assert installed.returncode == 0, installed.stderr
    entry = tmp_path / "xdg-data" / "applications" / "jobtray.desktop"
    assert "%u" in entry.read_text()
    query = _run(["xdg-mime", "query", "default", "x-scheme-handler/jobtray"], env)
    assert query.stdout.strip() == "jobtray.desktop", query.stdout + query.stderr

    tray = desktop.procs.start("jobtray-tray", [sys.executable, "-m", "desktop_app"], env, desktop.log("tray"))
    try:
        wait_for(
            lambda: (tmp_path / "tray-ready").exists() or tray.poll() is not None, timeout=20, what="the tray icon"
        )
        assert tray.poll() is None, desktop.log("tray").read_text(errors="replace")[-2000:]

        opened = _run(["xdg-open", LINK], env)
        assert opened.returncode == 0, opened.stdout + opened.stderr

        def in_tray() -> bool:
            with Store(data) as store:
                return any(job.checks > 0 for job in store.jobs.find(JOB))

        wait_for(in_tray, timeout=20, what="the job checked by the running tray")
        wait_for(
            lambda: any(
                row.get("appname") == "JobTray" and "from-xdg-open" in str(row.get("summary"))
                for row in desktop.dunst_history()
            ),
            timeout=10,
            what="the tray's 'Watching' notification",
        )
        assert tray.poll() is None  # the link went to the running tray, which is still running
    finally:
        desktop.procs.stop(tray)
    assert tray.returncode == 0, desktop.log("tray").read_text(errors="replace")[-2000:]
    log = desktop.log("tray").read_text(errors="replace")
    assert "Traceback" not in log, log[-2000:]
