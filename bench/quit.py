"""How long the tray takes to quit on SIGTERM (a logout, `systemctl --user stop`) with everything stuck at once:
an account whose server hangs (a poll worker inside its request), a result download held halfway by a slow file
host, and a notification server that accepts Notify and never answers (the ending of that download's job is being
notified when the signal comes).

Each run: a private D-Bus with tests/desktop/hung_notification_server.py, the PDF.co simulator with its results on
the S3 stand-in (held halfway), the tests' fault server hanging every request, a fresh data folder, then
`python -m desktop_app --data-dir DIR` offscreen; once the hanging request and the held body are both seen, SIGTERM;
the figure is signal -> process exit (wall clock), and the app's own "quit took" line (GUI thread) when it logs one.

Run: `.venv/bin/python bench/quit.py [--runs N]` (~5 s a run). Needs Debian's dbus (dbus-daemon).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.simulators import pdfco
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.simulators.server import serve
from tests.desktop.virtual_desktop import new_session, wait_for
from tests.support.fault_server import Fault, FaultServer

KEY = "bench-quit-pdfco-key"
SERVER = Path(__file__).resolve().parent.parent / "tests" / "desktop" / "hung_notification_server.py"
BODY = b"%PDF-1.4\n" + bytes(range(256)) * 4096
ROOT = Path(__file__).resolve().parent.parent
SEED = """
import sys
from desktop_app.core.model import Account, KeySource
from desktop_app.core.settings import AccountSettings
from desktop_app.store.database import Store
from pathlib import Path
data, files_url, stuck_url, job_id, out = sys.argv[1:]
with Store(Path(data)) as store:
    saving = store.accounts.add(Account("files", "pdfco", KeySource.ENV, base_url=files_url, key_env="BENCH_KEY"))
    store.settings.save_account("files", AccountSettings(save_results=out))
    store.jobs.add(saving, job_id)
    stuck = store.accounts.add(Account("stuck", "pdfco", KeySource.ENV, base_url=stuck_url, key_env="BENCH_KEY"))
    store.jobs.add(stuck, "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300")
"""


def one_run(root: Path) -> tuple[float, float | None]:
    session = new_session(root / "session")
    sim = pdfco.PdfCoSimulator(KEY)
    try:
        session.start_dbus()
        log = session.log("hung")
        session.procs.start("hung-notifications", [sys.executable, str(SERVER), "notify"], session.env, log)
        wait_for(lambda: log.exists() and "ready" in log.read_text(), what="the hung notification server")
        with ObjectStoreServer() as s3, FaultServer() as hanging:
            hanging.inject(Fault.hang(seconds=60.0))
            sim.results = s3
            server = serve(sim)
            try:
                job_id = sim.add_job([pdfco.success()], result=BODY, result_name="report.pdf", mode="held")
                data = root / "data"
                # Seeded in a process of its own, as a user's earlier `jobtray account add` would have.
                where = [str(data), server.base_url, hanging.base_url, job_id, str(root / "out")]
                seed = [sys.executable, "-c", SEED, *where]
                subprocess.run(seed, check=True, cwd=ROOT)
                env = dict(os.environ)
                env.update(session.env)
                state = root / "state"
                env.update(BENCH_KEY=KEY, QT_QPA_PLATFORM="offscreen", XDG_STATE_HOME=str(state), LANG="C.UTF-8")
                env.pop("PYTHON_KEYRING_BACKEND", None)
                tray = subprocess.Popen(
                    [sys.executable, "-m", "desktop_app", "--data-dir", str(data)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=(root / "tray.err").open("w"),
                )
                try:
                    with contextlib.suppress(TimeoutError):
                        wait_for(
                            lambda: (hanging.request_count >= 1 and s3.held.is_set()) or tray.poll() is not None,
                            timeout=30,
                            what="a hanging request and a held download",
                        )
                    if tray.poll() is not None or not (hanging.request_count and s3.held.is_set()):
                        logs = "".join(p.read_text(errors="replace") for p in state.rglob("*.log"))
                        raise RuntimeError(
                            f"not stuck as planned: {(root / 'tray.err').read_text()[-2000:]}{logs[-3000:]}"
                        )
                    wait_for(lambda: "Notify" in log.read_text() or tray.poll() is not None, 10, "a hung Notify")
                    started = time.perf_counter()
                    tray.send_signal(signal.SIGTERM)
                    tray.wait(timeout=30)
                    took = time.perf_counter() - started
                finally:
                    if tray.poll() is None:
                        tray.kill()
                        tray.wait()
                s3.release()
            finally:
                server.stop()
        text = "".join(p.read_text(errors="replace") for p in state.rglob("*.log"))
        found = re.findall(r"quit took ([0-9.]+) s", text)
        return took, float(found[-1]) if found else None
    finally:
        session.procs.stop_all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    exits: list[float] = []
    guis: list[float] = []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="jobtray-quit-", ignore_cleanup_errors=True) as tmp:
            took, gui = one_run(Path(tmp))
        exits.append(took)
        if gui is not None:
            guis.append(gui)
        print(f"run {n + 1}: SIGTERM -> exit {took:.2f} s" + (f"; quit on the GUI thread {gui:.2f} s" if gui else ""))
    print(f"SIGTERM -> exit over {len(exits)} runs: median {statistics.median(exits):.2f} s, max {max(exits):.2f} s")
    if guis:
        print(f"quit on the GUI thread: median {statistics.median(guis):.2f} s, max {max(guis):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
