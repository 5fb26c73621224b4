"""`jobtray watch`: keep checking until every open job has finished.

Rounds are spaced adaptively (about a tenth of the oldest open job's age, between MIN and MAX seconds) and errors
back off; the per-job scheduler replaces this spacing when it lands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from desktop_app.core.model import JobState
from desktop_app.polling import ErrorKind, Pacer, run_round
from desktop_app.store.database import Store

MIN_INTERVAL = 1.0
MAX_INTERVAL = 60.0
EXIT_OK, EXIT_JOB_FAILED, EXIT_ERROR, EXIT_TIMEOUT = 0, 1, 2, 3


class Printer(Protocol):
    def line(self, text: str = "") -> None: ...

    def warn(self, text: str) -> None: ...


def next_interval(oldest_age: float, failures: int) -> float:
    base = min(MAX_INTERVAL, max(MIN_INTERVAL, oldest_age / 10.0))
    return min(MAX_INTERVAL * 5, base * (2 ** min(failures, 6)))


def watch(
    store: Store,
    io: Printer,
    timeout: float | None = None,
    exit_status: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    from desktop_app.cli import _format_change

    started = time.monotonic()
    watched: dict[int, JobState] = {job.id: job.state for job in store.jobs.open_jobs()}
    told: set[str] = set()
    failures = 0
    pacer = Pacer()
    while True:
        for job in store.jobs.open_jobs():
            watched.setdefault(job.id, job.state)
        if not store.jobs.open_jobs():
            break
        report = run_round(store, pacer=pacer)
        for change in report.changes:
            watched[change.job.id] = change.new_state
            io.line(_format_change(change))
        for account, result in report.errors.items():
            key = f"{account}:{result.error}"
            if key not in told:
                told.add(key)
                io.warn(f"{account}: {result.error}")
            if result.error_kind in (ErrorKind.AUTH, ErrorKind.CONFIG):
                # Nothing will change until the user acts; waiting would hang a script.
                return EXIT_ERROR
        failures = failures + 1 if report.errors else 0
        if not report.errors:
            told.clear()
        open_jobs = store.jobs.open_jobs()
        if not open_jobs:
            break
        now = datetime.now(UTC)
        oldest = max((now - job.created_at).total_seconds() for job in open_jobs)
        delay = next_interval(oldest, failures)
        retry_after = max((r.retry_after or 0.0 for r in report.errors.values()), default=0.0)
        delay = max(delay, retry_after)
        if timeout is not None:
            remaining = timeout - (time.monotonic() - started)
            if remaining <= 0:
                io.warn(f"timed out with {len(open_jobs)} job(s) still open")
                return EXIT_TIMEOUT
            delay = min(delay, remaining)
        sleep(delay)
    if exit_status:
        final = {job.id: job.state for job in store.jobs.all(include_archived=True) if job.id in watched}
        if any(state.is_bad_ending for state in final.values()):
            return EXIT_JOB_FAILED
    return EXIT_OK
