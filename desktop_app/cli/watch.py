"""`jobtray watch` and `jobtray poll`: the engine (`engine.blocking.BlockingEngine`) driven with sleep, its
changes and problems printed.

Exit codes: 0 every job finished; 1 with --exit-status when a watched job ended failed, cancelled or not found;
2 when an account's key or configuration is wrong (nothing would change until the user acts), or, for `poll`, when
a check failed; 3 on --timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from desktop_app.cli.output import EXIT_ERROR, EXIT_JOB_FAILED, EXIT_OK, EXIT_TIMEOUT, format_change, shown
from desktop_app.core.model import Job, StatusChange
from desktop_app.core.settings import AccountSettings, parse_command
from desktop_app.engine.after_end import BackgroundFinisher, plan_end
from desktop_app.engine.blocking import BlockingEngine, WatchOutcome
from desktop_app.engine.downloads import DEFAULT_DEADLINE, DownloadOutcome
from desktop_app.providers.base import ProviderConfig
from desktop_app.store.database import Store


def _discovered(io: Printer, jobs: Sequence[Job]) -> None:
    for job in jobs:
        label = f" ({shown(job.label)})" if job.label else ""
        io.line(f"discovered {shown(job.job_id)}{label} at {shown(job.account)}: watching it")


class Printer(Protocol):
    def line(self, text: str = "") -> None: ...

    def warn(self, text: str) -> None: ...


def _engine(
    store: Store,
    io: Printer,
    *,
    environ: Mapping[str, str] | None,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    on_end: Sequence[str],
    download_options: Mapping[str, object] | None,
    engine_options: Mapping[str, object] | None = None,
) -> tuple[BlockingEngine, BackgroundFinisher, float]:
    """The engine as `watch` and `poll` drive it, with what happens when a job ends: the change printed, its result
    saved (accounts with `--save-results`) and the commands run (`on_end`, the settings) in background threads.
    Returns the engine, the finisher to wait for, and how long to wait for it at most."""
    app_settings = store.settings.app()
    account_settings = store.settings.accounts()

    def saved(outcome: DownloadOutcome) -> None:
        io.line(f"{shown(outcome.account)}\t{shown(outcome.job_id)}\tsaved {shown(outcome.path)}")

    def config_for(name: str) -> ProviderConfig | None:
        pollers = engine.pollers
        return pollers[name].spec.config if name in pollers else None

    finisher = BackgroundFinisher(
        store.folder,
        on_warning=io.warn,
        on_saved=saved,
        config_for=config_for,
        hidden_env=[account.key_env for account in store.accounts.all() if account.key_env],
        environ=environ,
        command_timeout=app_settings.command_timeout,
        download_options=download_options,
    )

    def changed(change: StatusChange) -> None:
        io.line(format_change(change))
        settings = account_settings.get(change.job.account, AccountSettings())
        plan = plan_end(change, settings, app_settings, on_end)
        if plan is not None:
            finisher.handle(plan, app_settings.download_cap)

    engine = BlockingEngine(
        store,
        on_change=changed,
        on_warning=io.warn,
        on_discovered=lambda jobs: _discovered(io, jobs),
        environ=environ,
        clock=clock,
        sleep=sleep,
        **(engine_options or {}),  # type: ignore[arg-type]
    )
    return engine, finisher, DEFAULT_DEADLINE + app_settings.command_timeout + 10.0


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
    on_end: Sequence[str] = (),
    download_options: Mapping[str, object] | None = None,
) -> int:
    """Check open jobs until none is open; returns the exit code. `sleep` and `clock` are injected together.

    Results are saved (accounts with `--save-results`) and commands run (`on_end`, the settings) in background
    threads as jobs end; `watch` waits for them before it returns.
    """
    for line in on_end:
        parse_command(line)  # a command that cannot be split is refused before anything is polled
    engine, finisher, wait_s = _engine(
        store,
        io,
        environ=environ,
        clock=clock,
        sleep=sleep,
        on_end=on_end,
        download_options=download_options,
        engine_options=engine_options,
    )
    try:
        outcome = engine.watch(timeout)
    finally:
        engine.close()
        finisher.wait(wait_s)
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
    download_options: Mapping[str, object] | None = None,
) -> int:
    """Ask about every open job once, now; print the changes. Exit 2 when any check failed.

    A job that ended is looked after as `watch` does (its result saved, the settings' commands run); `poll` waits
    for those before it returns.
    """
    engine, finisher, wait_s = _engine(
        store, io, environ=environ, clock=clock, sleep=sleep, on_end=(), download_options=download_options
    )
    try:
        report = engine.poll_once()
        finisher.wait(wait_s)  # the pollers' settings (a result's credentials) are still there
    finally:
        engine.close()
    if report.unwritten:
        io.warn(f"{report.unwritten} result(s) could not be written: the database stayed busy")
    return EXIT_ERROR if report.errors or report.unwritten else EXIT_OK
