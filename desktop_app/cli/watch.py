"""`jobtray watch` and `jobtray poll`: the engine (`engine.blocking.BlockingEngine`) driven with sleep, its
changes and problems printed, and the after-end work of the endings (results saved, commands run) written to the
outbox with each ending and carried out by an `engine.outbox.OutboxRunner` (unfinished work of earlier runs is
resumed at start).

Exit codes: 0 every job finished; 1 with --exit-status when a watched job ended failed, cancelled or not found;
2 when an account's key or configuration is wrong (nothing would change until the user acts), or, for `poll`, when
a check failed; 3 on --timeout; 130, 143, 129 when stopped by SIGINT, SIGTERM, SIGHUP (downloads in flight are left
to resume at the next start, commands ended with their process groups; one line on stderr says so).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import FrameType
from typing import Protocol

from desktop_app.cli.output import EXIT_ERROR, EXIT_JOB_FAILED, EXIT_OK, EXIT_TIMEOUT, format_change, shown
from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Job, StatusChange
from desktop_app.core.settings import AccountSettings, parse_command
from desktop_app.engine.after_end import plan_actions
from desktop_app.engine.blocking import BlockingEngine, WatchOutcome
from desktop_app.engine.downloads import DEFAULT_DEADLINE
from desktop_app.engine.forwarding import FORWARD_MAX_SECONDS, forward_factory, plan_forwards
from desktop_app.engine.outbox import OutboxNews, OutboxRunner
from desktop_app.providers.base import ProviderConfig
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction

__all__ = [
    "EXIT_ERROR",
    "EXIT_JOB_FAILED",
    "EXIT_OK",
    "EXIT_TIMEOUT",
    "Printer",
    "StopSignals",
    "Stopped",
    "poll",
    "watch",
]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else []))
STOP_GRACE_SECONDS = 2.0  # a command's grace between SIGTERM and SIGKILL at a stop (capped by its time limit)


def _discovered(io: Printer, jobs: Sequence[Job]) -> None:
    for job in jobs:
        label = f" ({shown(job.label)})" if job.label else ""
        io.line(f"discovered {shown(job.job_id)}{label} at {shown(job.account)}: watching it")


class Printer(Protocol):
    def line(self, text: str = "") -> None: ...

    def warn(self, text: str) -> None: ...


class Stopped(BaseException):
    """A stop signal arrived (raised in the main thread, like KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class StopSignals:
    """SIGINT, SIGTERM and SIGHUP end `watch`/`poll` through `Stopped`, raised in the main thread, except inside
    `shielded()` (an outcome being recorded), where it waits for the shield's end. Once `stopping`, further
    signals are only noted: the stop itself is bounded. Installed only from the main thread (tests may call
    `watch` from another)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.stopping = False
        self._depth = 0
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        if self._depth == 0 and not self.stopping:
            self.stopping = True
            raise Stopped(self.signum)

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._depth == 0 and self.signum is not None and not self.stopping:
            self.stopping = True
            raise Stopped(self.signum)


def _nothing_to_watch(store: Store) -> str | None:
    """Why there is nothing to watch (one line), or None."""
    if not store.accounts.all():
        return "nothing to watch: no account yet (jobtray account add NAME --provider PROVIDER ...)"
    if not store.jobs.open_jobs() and not store.discovery.enabled():
        return "nothing to watch: no job is open (jobtray add JOB_ID)"
    return None


class _Front:
    """What `watch` and `poll` share: the engine, the outbox runner and how they tell the person."""

    def __init__(
        self,
        store: Store,
        io: Printer,
        signals: StopSignals,
        *,
        environ: Mapping[str, str] | None,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        on_end: Sequence[str],
        download_options: Mapping[str, object] | None,
        engine_options: Mapping[str, object] | None = None,
    ) -> None:
        self.store = store
        self.io = io
        self.signals = signals
        self._environ = environ
        app_settings = store.settings.app()
        account_settings = store.settings.accounts()
        self.command_timeout = app_settings.command_timeout
        self.wait_s = DEFAULT_DEADLINE + app_settings.command_timeout + 10.0
        self.runner = OutboxRunner(
            store,
            on_news=self._tell,
            config_for=self._config_for,
            watch_commands=on_end,
            environ=environ,
            hidden_env=[account.key_env for account in store.accounts.all() if account.key_env],
            download_options=download_options,
            shield=signals.shielded,
        )
        pid = self.runner.pid
        # Forwards (issue 21): 'forward' rows planned with each ending, sent by this runner before the exit.
        self.runner.register("forward", forward_factory(store, io.warn, environ))
        self.wait_s = max(self.wait_s, FORWARD_MAX_SECONDS + 10.0)

        def plan_for(change: StatusChange) -> list[OutboxAction]:
            settings = account_settings.get(change.job.account, AccountSettings())
            try:
                actions = plan_actions(change, settings, app_settings, watch_commands=on_end, origin_pid=pid)
            except JobTrayError as exc:  # a stored command line that no longer splits: the ending is kept
                self.engine.warn_once(f"plan:{exc}", str(exc))
                actions = []
            return actions + plan_forwards(change, settings, store.forwards.all(), app_settings)

        def changed(change: StatusChange) -> None:
            io.line(format_change(change))
            self.runner.pump()  # the ending's rows are written: start them now

        def nap(seconds: float) -> None:
            if sleep is time.sleep:
                self.runner.wait(seconds)  # wakes for the work's outcomes, and records them
            else:  # a virtual clock (tests)
                self.runner.pump()
                sleep(seconds)

        self.engine = BlockingEngine(
            store,
            on_change=changed,
            on_warning=io.warn,
            on_discovered=lambda jobs: _discovered(io, jobs),
            environ=environ,
            clock=clock,
            sleep=nap,
            plan_for=plan_for,
            **(engine_options or {}),  # type: ignore[arg-type]
        )

    def _config_for(self, name: str) -> ProviderConfig | None:
        pollers = self.engine.pollers
        if name in pollers:
            return pollers[name].spec.config
        from desktop_app.engine.specs import poller_spec

        try:
            return poller_spec(self.store.accounts.get(name), self._environ).config
        except JobTrayError:
            return None  # a presigned link needs none

    def _tell(self, news: OutboxNews) -> None:
        if news.kind == "saved" and news.job is not None:
            self.io.line(f"{shown(news.job.account)}\t{shown(news.job.job_id)}\tsaved {shown(news.path)}")
        elif news.kind == "summary":
            self.io.line(news.text)
        elif news.kind == "problem":  # the database is busy: one line, whether the engine or the runner met it
            self.engine.warn_once("store:busy", news.text)
        else:
            self.io.warn(news.text)

    def stop(self, stopped: Stopped) -> int:
        """A stop signal: end the engine and the after-end work, say what is left in one line."""
        self.signals.stopping = True
        self.engine.close()
        report = self.runner.stop(STOP_GRACE_SECONDS, self.command_timeout)
        with contextlib.suppress(OSError):  # a SIGHUP's terminal may be gone: the exit code still says it
            self.io.warn(report.line())
        return stopped.exit_code


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

    The after-end work of each ending (results saved, commands run) is carried out in background threads as jobs
    end, and the work earlier runs left unfinished is resumed; `watch` waits for all of it before it returns.
    """
    for line in on_end:
        parse_command(line)  # a command that cannot be split is refused before anything is polled
    with StopSignals() as signals:
        front: _Front | None = None
        try:
            front = _Front(
                store,
                io,
                signals,
                environ=environ,
                clock=clock,
                sleep=sleep,
                on_end=on_end,
                download_options=download_options,
                engine_options=engine_options,
            )
            with signals.shielded():
                front.runner.start()
            nothing = _nothing_to_watch(store)
            if nothing is not None:
                front.runner.run_until_idle(front.wait_s)  # what earlier runs left
                io.line(nothing)
                return EXIT_OK
            engine = front.engine
            began = clock()
            outcome = engine.watch(timeout)
            still_open = engine.open_count()  # before close() forgets the pollers
            # The pollers' settings (a result's credentials) are still there. --timeout bounds this wait too: what
            # is left then is stopped as at a signal, and resumes at the next start.
            patience = front.wait_s if timeout is None else max(0.0, min(front.wait_s, began + timeout - clock()))
            if not front.runner.run_until_idle(patience) and timeout is not None:
                left_over = front.runner.stop(STOP_GRACE_SECONDS, front.command_timeout)
                io.warn(f"timed out with {still_open} job(s) still open; {left_over.line()}")
                return EXIT_TIMEOUT
        except Stopped as stopped:
            if front is None:
                io.warn("stopped: nothing was left unfinished")
                return stopped.exit_code
            return front.stop(stopped)
        finally:
            if front is not None:
                front.engine.close()
    if outcome == WatchOutcome.CONFIG_ERROR:
        return EXIT_ERROR
    if outcome == WatchOutcome.TIMED_OUT:
        io.warn(f"timed out with {still_open} job(s) still open")
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

    A job that ended is looked after as `watch` does (its result saved, the settings' commands run), and so is the
    work earlier runs left unfinished; `poll` waits for those before it returns.
    """
    with StopSignals() as signals:
        front: _Front | None = None
        try:
            front = _Front(
                store,
                io,
                signals,
                environ=environ,
                clock=clock,
                sleep=sleep,
                on_end=(),
                download_options=download_options,
            )
            with signals.shielded():
                front.runner.start()
            nothing = _nothing_to_watch(store)
            if nothing is not None:
                front.runner.run_until_idle(front.wait_s)
                io.line(nothing.replace("nothing to watch", "nothing to check"))
                return EXIT_OK
            report = front.engine.poll_once()
            front.runner.run_until_idle(front.wait_s)  # the pollers' settings (a result's credentials) are still there
        except Stopped as stopped:
            if front is None:
                io.warn("stopped: nothing was left unfinished")
                return stopped.exit_code
            return front.stop(stopped)
        finally:
            if front is not None:
                front.engine.close()
    if report.unwritten:
        io.warn(f"{report.unwritten} result(s) could not be written: the database stayed busy")
    return EXIT_ERROR if report.errors or report.unwritten else EXIT_OK
