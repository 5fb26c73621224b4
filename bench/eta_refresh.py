"""The tray's ETA refresh at 100,000 jobs: learning the accounts' durations by reading every job (before) vs one
bounded query per account with open jobs, then the endings the tray records (after).

A store of `--jobs` ended jobs (durations of 2-30 min) on `--accounts` accounts, inserted in bulk, and one running
job per account. "before" is the learning the old `EtaDisplay.refresh` did at its first refresh and again at the
first refresh after every ending (`engine.etas.histories(store.jobs.all(include_archived=True))`, then the
ranges); "after" is today's `EtaDisplay.refresh()` on the real model and tray icon (offscreen): the first refresh
(each open account read once), the refresh after an ending the tray recorded, and a plain refresh (the 30 s timer).
Milliseconds on the GUI thread, the median of `--runs`; the peak of Python allocations (tracemalloc) once each.

    python bench/eta_refresh.py                  # 100,000 jobs on 4 accounts
    python bench/eta_refresh.py --jobs 10000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a fresh checkout, no install
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # after the platform is chosen

from desktop_app.app.etas import EtaDisplay
from desktop_app.app.state import AppState
from desktop_app.core.model import Account, JobState, KeySource, Status, StatusChange
from desktop_app.engine.etas import etas_for, histories
from desktop_app.store.clock import to_text
from desktop_app.store.database import Store
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.tray import TrayIcon


def seed(folder: Path, jobs: int, accounts: int) -> None:
    with Store(folder) as store:
        made = [store.accounts.add(Account(f"acct{n}", "pdfco", KeySource.ENV, key_env="K")) for n in range(accounts)]
        start = datetime.now(UTC) - timedelta(minutes=jobs + 60)
        rows = []
        for n in range(jobs):
            created = start + timedelta(minutes=n)
            finished = created + timedelta(seconds=120 + (n * 7919) % 1680)
            state = "not_found" if n % 50 == 0 else "succeeded"
            owner = made[n % accounts].id
            rows.append((owner, f"ENDED-{n:07d}", state, state, to_text(created), to_text(finished), n % 3 == 0))
        with store.jobs.transaction():
            store.conn.executemany(
                "INSERT INTO jobs (account_id, job_id, state, provider_status, created_at, updated_at, finished_at, "
                "archived) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(a, j, s, p, c, f, f, int(arch)) for a, j, s, p, c, f, arch in rows],
            )
            store.conn.execute("DELETE FROM changes")
        for account in made:
            job, _ = store.jobs.add(account, f"RUNNING-{account.name}")
            store.jobs.record_status(job.id, Status(job.job_id, JobState.RUNNING, "working"))


def timed(runs: int, setup: Callable[[], None], work: Callable[[], object]) -> float:
    """The median milliseconds of `work` over `runs`, `setup` untimed before each."""
    spent = []
    for _ in range(runs):
        setup()
        began = time.perf_counter()
        work()
        spent.append((time.perf_counter() - began) * 1000.0)
    return statistics.median(spent)


def peak_mb(setup: Callable[[], None], work: Callable[[], object]) -> float:
    setup()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="jobtray-eta-") as tmp:
        folder = Path(tmp)
        seed(folder, args.jobs, args.accounts)
        store = Store(folder)
        try:
            model, state, tray = JobTableModel(), AppState(), TrayIcon()
            open_jobs = store.jobs.open_jobs()
            model.sync(open_jobs)
            now = datetime.now(UTC)

            def old_refresh() -> None:  # what the old EtaDisplay.refresh did when it had to learn
                etas_for(open_jobs, histories(store.jobs.all(include_archived=True)), now)

            display: list[EtaDisplay] = []

            def fresh_display() -> None:
                if display:
                    display[0].stop()
                    display[0].deleteLater()
                display[:] = [EtaDisplay(store, model, state, tray)]

            def refresh_current() -> None:  # the display is made anew before each run
                display[0].refresh()

            def learned_display() -> None:
                fresh_display()
                display[0].refresh()

            def after_an_ending() -> None:
                learned_display()
                # An ending the tray recorded, as its results path says it (StatusChange): a job of the first account.
                job = open_jobs[0]
                ended = replace(job, state=JobState.SUCCEEDED, finished_at=datetime.now(UTC))
                state.statuses_changed([StatusChange(ended, JobState.RUNNING, JobState.SUCCEEDED)])

            before = timed(args.runs, lambda: None, old_refresh)
            before_mb = peak_mb(lambda: None, old_refresh)
            first = timed(args.runs, fresh_display, refresh_current)
            first_mb = peak_mb(fresh_display, refresh_current)
            ending = timed(args.runs, after_an_ending, refresh_current)
            plain = timed(args.runs, learned_display, refresh_current)
        finally:
            if display:
                display[0].stop()
            store.close()
    del app
    print(f"jobs: {args.jobs:,} ended on {args.accounts} accounts (1 in 50 not_found, 1 in 3 archived), 1 open each")
    print(f"ETA refresh on the GUI thread, median of {args.runs}:")
    lines = [
        ("before: learning from every job (1st refresh, and the one after every ending)", before, before_mb),
        ("after:  1st refresh (each open account learned, one bounded query)", first, first_mb),
        ("after:  refresh after an ending the tray recorded", ending, None),
        ("after:  plain refresh (the 30 s timer), nothing to learn", plain, None),
    ]
    for what, ms, mb in lines:
        peak = "" if mb is None else f", peak {mb:6.1f} MB allocated"
        print(f"  {what:<82} {ms:8.1f} ms{peak}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
