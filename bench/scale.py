"""Scale benchmark: the tray app with 10,000 jobs (issue 5).

Measures, offscreen (QT_QPA_PLATFORM=offscreen), in this order:
  1. status changes per second through the store alone: `engine.recorder.apply_result` (one transaction per result, as
     the app writes them), 50,000 changes over 10,000 jobs on four accounts;
  2. the same through the store and the window's model, the way `AppController` feeds it (apply_result, re-read the
     result's jobs, `JobTableModel.upsert`, with the window's sorted proxy attached), and through the whole
     `TrayPolling.record` path (store + model + tray icon/tooltip; notifications replaced by a null notifier);
  3. the tray menu with 10,000 jobs: `TrayIcon.set_jobs` (icon and tooltip) and `rebuild_menu`;
  4. the window load: 10,000 jobs read from the store, the model filled (with the window's sorted proxy
     attached, as at app start), the window shown and painted;
  5. peak memory (ru_maxrss) after 1-4;
  6. the GUI event loop's stalls: the real `AppController` (store, model, tray, shown window) with its real
     `PollWorker`s in QThreads, four accounts (one per provider, rate limit 1000/s) whose jobs never end, against
     the simulators running in a child process (a real provider is another machine; in-process simulators would
     compete with the GUI thread for the GIL). A 10 ms QTimer's lateness is sampled meanwhile.

Run: python bench/scale.py [--jobs 10000] [--changes 50000] [--batch 1] [--stall-seconds 20] [--stall-jobs 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a fresh checkout, no install
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.engine.recorder import apply_result
from desktop_app.engine.results import CheckResult
from desktop_app.store.database import Store

PROVIDERS = ("pdfco", "ipaper", "scriptx", "encodingcom")
STALL_TICK_MS = 10


# ---- helpers -----------------------------------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextmanager
def temp_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="jobtray-scale-") as folder, Store(Path(folder)) as store:
        yield store


def seed(store: Store, jobs: int, base_urls: dict[str, str] | None = None, ids: dict[str, list[str]] | None = None):
    """Four accounts (one per provider) sharing `jobs` jobs; returns {account name: [job IDs]}."""
    per_account: dict[str, list[str]] = {}
    with store.jobs.transaction():
        for index, provider in enumerate(PROVIDERS):
            name = f"bench-{provider}"
            account = store.accounts.add(
                Account(
                    name=name,
                    provider=provider,
                    key_source=KeySource.ENV,
                    key_env=f"JOBTRAY_BENCH_{provider.upper()}_KEY",
                    base_url=(base_urls or {}).get(provider),
                    username="12345" if provider == "encodingcom" else None,
                    rate_limit="1000/s",
                )
            )
            job_ids = (ids or {}).get(provider) or [f"{provider}-{n:08d}" for n in range(index, jobs, len(PROVIDERS))]
            for n, job_id in enumerate(job_ids):
                store.jobs.add(account, job_id, f"{provider} job {n}" if n % 3 == 0 else None)
            per_account[name] = job_ids
    return per_account


def status_rounds(per_account: dict[str, list[str]], changes: int) -> list[tuple[str, Status]]:
    """`changes` statuses, round-robin over every job: progress steps, then a few endings, as providers report."""
    every = [(account, job_id) for account, job_ids in per_account.items() for job_id in job_ids]
    out: list[tuple[str, Status]] = []
    round_no = 0
    while len(out) < changes:
        for n, (account, job_id) in enumerate(every):
            if len(out) >= changes:
                break
            if round_no < 4 or n % 5:
                status = Status(job_id, JobState.RUNNING, "working", progress=float(10 + 20 * round_no % 100))
            else:  # every fifth job ends in the last round: finished, or failed with a message
                ending = JobState.SUCCEEDED if n % 2 else JobState.FAILED
                message = None if ending == JobState.SUCCEEDED else "Input file is damaged"
                status = Status(job_id, ending, str(ending), 100.0, message, "https://example.com/result.pdf")
            out.append((account, status))
        round_no += 1
    return out


def results(statuses: list[tuple[str, Status]], batch: int) -> list[CheckResult]:
    """Group consecutive statuses of one account into CheckResults of up to `batch` (one result = one request)."""
    out: list[CheckResult] = []
    pending: list[Status] = []
    current = ""
    for account, status in statuses:
        if pending and (account != current or len(pending) >= batch):
            out.append(CheckResult(current, tuple(s.job_id for s in pending), tuple(pending)))
            pending = []
        current = account
        pending.append(status)
    if pending:
        out.append(CheckResult(current, tuple(s.job_id for s in pending), tuple(pending)))
    return out


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# ---- 1-2: changes per second -------------------------------------------------------------------------------


def bench_store(jobs: int, changes: int, batch: int) -> float:
    with temp_store() as store:
        work = results(status_rounds(seed(store, jobs), changes), batch)
        elapsed = timed(lambda: [apply_result(store, r) for r in work])
    return changes / elapsed


def bench_store_model(jobs: int, changes: int, batch: int) -> float:
    from desktop_app.ui.job_model import JobTableModel
    from desktop_app.ui.window import JobWindow

    with temp_store() as store:
        work = results(status_rounds(seed(store, jobs), changes), batch)
        model = JobTableModel()
        window = JobWindow(model)  # its sorted proxy listens to the model, as in the app
        model.sync(store.jobs.all())

        def run() -> None:
            for result in work:
                apply_result(store, result)
                model.upsert([j for job_id in result.job_ids for j in store.jobs.find(job_id, result.account)])

        elapsed = timed(run)
        window.deleteLater()
    return changes / elapsed


def make_controller(store: Store) -> Any:
    import desktop_app.app.run as app_module

    # Notifications are not what this measures (and there is no notification server offscreen).
    from tests.support.notifier import QuietNotifier

    return app_module.AppController(store, show_tray=False, notifier=QuietNotifier())


def bench_controller(jobs: int, changes: int, batch: int) -> float:
    with temp_store() as store:
        work = results(status_rounds(seed(store, jobs), changes), batch)
        controller = make_controller(store)
        controller.model.sync(store.jobs.all())
        controller.tray.set_jobs(controller.model.jobs())
        elapsed = timed(lambda: [controller.polling.record(r) for r in work])
        controller.shutdown()
        controller.window.deleteLater()
    return changes / elapsed


# ---- 3-4: tray menu and window -----------------------------------------------------------------------------


def store_jobs(jobs: int) -> list[Job]:
    """10,000 jobs as the store hands them out: a mix of running, finished and failed."""
    with temp_store() as store:
        per_account = seed(store, jobs)
        for result in results(status_rounds(per_account, jobs * 5)[-jobs:], 200):
            apply_result(store, result)
        return store.jobs.all()


def bench_tray(jobs: list[Job], repeat: int) -> tuple[float, float]:
    from desktop_app.ui.tray import TrayIcon

    set_times, build_times = [], []
    for _ in range(repeat):
        tray = TrayIcon()
        set_times.append(timed(lambda t=tray: t.set_jobs(tuple(jobs))))
        build_times.append(timed(tray.rebuild_menu))
        tray.deleteLater()
    return statistics.median(set_times), statistics.median(build_times)


def bench_window(jobs_count: int, repeat: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.job_model import JobTableModel
    from desktop_app.ui.window import JobWindow

    app = QApplication.instance()
    assert app is not None
    parts: dict[str, list[float]] = {"read": [], "fill": [], "show": []}
    with temp_store() as store:
        per_account = seed(store, jobs_count)
        for result in results(status_rounds(per_account, jobs_count * 5)[-jobs_count:], 200):
            apply_result(store, result)
        for _ in range(repeat):
            model = JobTableModel()
            window = JobWindow(model)  # built empty at app start, filled by reload()
            app.processEvents()
            started = time.perf_counter()
            jobs = store.jobs.all()
            read = time.perf_counter()
            model.sync(jobs)
            filled = time.perf_counter()
            window.show()
            window.repaint()  # paint now, not when the event loop gets to it
            app.processEvents()
            shown = time.perf_counter()
            parts["read"].append(read - started)
            parts["fill"].append(filled - read)
            parts["show"].append(shown - filled)
            window.hide()
            window.deleteLater()
            app.processEvents()
    return {key: statistics.median(values) for key, values in parts.items()}


# ---- 6: GUI stalls under four pollers ----------------------------------------------------------------------


def serve_simulators(per_provider: int) -> None:
    """Child process: the four simulators with `per_provider` never-ending jobs each; prints JSON, waits for EOF."""
    from desktop_app.simulators import encodingcom, ipaper, pdfco, scriptx
    from desktop_app.simulators.launcher import DEMO_KEYS, DEMO_USERNAMES
    from desktop_app.simulators.server import serve

    sims: dict[str, Any] = {
        "pdfco": (pdfco.PdfCoSimulator(DEMO_KEYS["pdfco"]), lambda: [pdfco.working()]),
        "ipaper": (ipaper.IPaperSimulator(DEMO_KEYS["ipaper"]), lambda: [ipaper.pending()]),
        "scriptx": (scriptx.ScriptXSimulator(DEMO_KEYS["scriptx"]), lambda: [scriptx.printing_pdf()]),
        "encodingcom": (
            encodingcom.EncodingComSimulator(DEMO_USERNAMES["encodingcom"], DEMO_KEYS["encodingcom"]),
            # progress moves on every check and the ETA is short: the scheduler checks it as often as it may
            lambda: [encodingcom.running("Processing", f"{p}.0", "1", checks=1) for p in range(1, 100)],
        ),
    }
    info: dict[str, Any] = {}
    servers = []
    for provider, (sim, steps) in sims.items():
        ids = [sim.add_job(steps()) for _ in range(per_provider)]
        server = serve(sim)
        servers.append(server)
        info[provider] = {"base_url": server.base_url, "key": DEMO_KEYS[provider], "ids": ids}
    print(json.dumps(info), flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or ends)
    total = sum(server.request_count for server in servers)
    print(json.dumps({"requests": total}), flush=True)
    for server in servers:
        server.stop()


def bench_stall(seconds: float, jobs: int, show_window: bool) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert app is not None
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve-simulators", str(jobs // len(PROVIDERS))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        info = json.loads(child.stdout.readline())
        for provider, entry in info.items():
            os.environ[f"JOBTRAY_BENCH_{provider.upper()}_KEY"] = entry["key"]
        with temp_store() as store:
            seed(
                store,
                jobs,
                {p: e["base_url"] for p, e in info.items()},
                {p: e["ids"] for p, e in info.items()},
            )
            controller = make_controller(store)
            applied = [0]
            controller.start(show_window=show_window)
            app.processEvents()  # the workers start once the event loop runs
            pool = controller.polling.pool
            assert pool is not None, "no worker started"
            pool.result_ready.connect(lambda _r: applied.__setitem__(0, applied[0] + 1))
            lateness: list[float] = []
            clock = QElapsedTimer()
            last = [0]
            warmup_ms = 2000

            def tick() -> None:
                now = clock.elapsed()
                if now > warmup_ms:
                    lateness.append(max(0, now - last[0] - STALL_TICK_MS))
                last[0] = now

            sampler = QTimer()
            sampler.setTimerType(Qt.TimerType.PreciseTimer)
            sampler.timeout.connect(tick)
            counted_from = [0]
            QTimer.singleShot(warmup_ms, lambda: counted_from.__setitem__(0, applied[0]))
            QTimer.singleShot(int((seconds + warmup_ms / 1000) * 1000), app.quit)
            clock.start()
            sampler.start(STALL_TICK_MS)
            app.exec()
            sampler.stop()
            controller.shutdown()
            rows = controller.model.rowCount()
            controller.window.deleteLater()
        child.stdin.close()
        requests = json.loads(child.stdout.readline())["requests"]
    finally:
        if child.poll() is None:
            child.terminate()
        child.wait(timeout=10)
    return {
        "p50": percentile(lateness, 0.50),
        "p99": percentile(lateness, 0.99),
        "max": max(lateness, default=float("nan")),
        "samples": len(lateness),
        "results_per_s": (applied[0] - counted_from[0]) / seconds,
        "requests": requests,
        "rows": rows,
    }


# ---- main --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1, help="statuses per result (one transaction each)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the tray and window measurements")
    parser.add_argument("--stall-seconds", type=float, default=20.0)
    parser.add_argument("--stall-jobs", type=int, default=10_000)
    parser.add_argument("--no-window", action="store_true", help="keep the window hidden during the stall run")
    parser.add_argument("--only", choices=["changes", "ui", "stall"], help="run one part only")
    parser.add_argument("--serve-simulators", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_simulators is not None:
        serve_simulators(args.serve_simulators)
        return 0

    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    print(f"JobTray scale benchmark: {args.jobs:,} jobs; Python {sys.version.split()[0]}, PySide6 {pyside_version}, ")
    print(f"{os.cpu_count()} CPUs, QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}")
    rows: list[tuple[str, str, str]] = []

    def row(name: str, value: str, target: str = "") -> None:
        rows.append((name, value, target))
        print(f"  {name:<58} {value:>16}  {target}", flush=True)

    if args.only in (None, "changes"):
        n, c, b = args.jobs, args.changes, args.batch
        row(f"store alone: changes/s ({c:,} changes, {b}/transaction)", f"{bench_store(n, c, b):,.0f}")
        row("store + model: changes/s", f"{bench_store_model(n, c, b):,.0f}")
        row("store + model + tray (TrayPolling.record): changes/s", f"{bench_controller(n, c, b):,.0f}")
    if args.only in (None, "ui"):
        jobs = store_jobs(args.jobs)
        set_jobs, build = bench_tray(jobs, args.repeat)
        row("tray: set_jobs (icon + tooltip), ms", f"{set_jobs * 1000:.1f}")
        row("tray: rebuild_menu, ms", f"{build * 1000:.1f}", "target < 50")
        window = bench_window(args.jobs, args.repeat)
        row("window: read jobs from the store, ms", f"{window['read'] * 1000:.0f}")
        row("window: fill the model (sorted, the window attached), ms", f"{window['fill'] * 1000:.0f}")
        row("window: show and paint, ms", f"{window['show'] * 1000:.0f}")
        total = window["read"] + window["fill"] + window["show"]
        row("window load total, ms", f"{total * 1000:.0f}", "target < 200")
        row("RSS now / peak (ru_maxrss), MB", f"{rss_mb():.0f} / {peak_rss_mb():.0f}")
    if args.only in (None, "stall"):
        stall = bench_stall(args.stall_seconds, args.stall_jobs, not args.no_window)
        row(f"pollers: results applied/s ({stall['rows']:,} jobs, 4 accounts)", f"{stall['results_per_s']:,.0f}")
        row("pollers: requests served by the simulators", f"{stall['requests']:,}")
        stalls = f"{stall['p50']:.0f} / {stall['p99']:.0f}"
        row(f"GUI stall p50 / p99, ms ({stall['samples']:,} samples)", stalls, "p99 < 50")
        row("GUI stall max, ms", f"{stall['max']:.0f}")
        row("peak RSS (ru_maxrss), MB", f"{peak_rss_mb():.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
