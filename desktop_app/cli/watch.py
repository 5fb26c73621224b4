"""`jobtray watch` and `jobtray poll`: the engine (`engine.blocking.BlockingEngine`) driven with sleep, its
changes and problems printed.

Exit codes: 0 every job finished; 1 with --exit-status when a watched job ended failed, cancelled or not found;
2 when an account's key or configuration is wrong (nothing would change until the user acts), or, for `poll`, when
a check failed; 3 on --timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Protocol

from desktop_app.cli.output import EXIT_ERROR, EXIT_JOB_FAILED, EXIT_OK, EXIT_TIMEOUT, format_change
from desktop_app.engine.blocking import BlockingEngine, WatchOutcome
from desktop_app.store.database import Store


class Printer(Protocol):
    def line(self, text: str = "") -> None: ...

    def warn(self, text: str) -> None: ...


def watch(
    store: Store,
    io: Printer,
    *,
    timeout: float | None = None,
    exit_status: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    environ: Mapping[str, str] | None = None,
    engine_options: Mapping[str, object] | None = None,
) -> int:
    """Check open jobs until none is open; returns the exit code. `sleep` and `clock` are injected together."""
    engine = BlockingEngine(
        store,
        on_change=lambda change: io.line(format_change(change)),
        on_warning=io.warn,
        environ=environ,
        clock=clock,
        sleep=sleep,
        **(engine_options or {}),  # type: ignore[arg-type]
    )
    try:
        outcome = engine.watch(timeout)
    finally:
        engine.close()
    if outcome == WatchOutcome.CONFIG_ERROR:
        return EXIT_ERROR
    if outcome == WatchOutcome.TIMED_OUT:
        io.warn(f"timed out with {engine.open_count()} job(s) still open")
        return EXIT_TIMEOUT
    if exit_status:
        final = [job for job in store.jobs.all(include_archived=True) if job.id in engine.watched_rows]
        if any(job.state.is_bad_ending for job in final):
            return EXIT_JOB_FAILED
    return EXIT_OK


def poll(
    store: Store,
    io: Printer,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Ask about every open job once, now; print the changes. Exit 2 when any check failed."""
    engine = BlockingEngine(
        store,
        on_change=lambda change: io.line(format_change(change)),
        on_warning=io.warn,
        environ=environ,
        clock=clock,
        sleep=sleep,
    )
    try:
        report = engine.poll_once()
    finally:
        engine.close()
    if report.unwritten:
        io.warn(f"{report.unwritten} result(s) could not be written: the database stayed busy")
    return EXIT_ERROR if report.errors or report.unwritten else EXIT_OK
