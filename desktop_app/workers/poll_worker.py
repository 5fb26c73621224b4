"""One poll worker per account: a QObject in its own QThread that drives the account's `engine.AccountPoller` on a
single-shot QTimer and signals frozen results.

The worker never touches the store or a widget. The main thread tells it which jobs to watch (`set_jobs`) and
records every `CheckResult` it emits. `workers.pool.WorkerPool` owns the thread and its lifetime.

No silent stop: every entry point (a tick: discovery, `take_due`, the check, `settle`; `set_jobs`; `check_now`) is
guarded. An unexpected exception is logged with its traceback, told once through `failed`, a batch already taken
goes back to the schedule as a failed check (so it is not left "in flight" for ever), and the single-shot timer is
armed again with a backoff: the account is checked again, whatever broke.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from desktop_app.engine.poller import AccountPoller
from desktop_app.engine.results import ErrorKind

log = logging.getLogger(__name__)

MonotonicClock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class ErrorBackoff:
    """How soon a worker tries again after an unexpected exception: `first` seconds, doubling up to `most`."""

    first: float = 5.0
    most: float = 300.0

    def delay(self, failures: int) -> float:
        return float(min(self.most, self.first * 2.0 ** max(0, failures - 1)))


DEFAULT_BACKOFF = ErrorBackoff()


def failure_text(account: str, exc: BaseException) -> str:
    """The one line a person reads when a worker hit a bug (the traceback is in the log)."""
    return (
        f"Checking {account} hit an unexpected error ({type(exc).__name__}). JobTray keeps checking it, a little "
        "less often until it works again; details are in the log."
    )


class PollWorker(QObject):
    """Checks one account's open jobs when they are due.

    Signals:
        result_ready(CheckResult): one provider call finished (statuses or an error).
        discovered(DiscoveryPage): a page of the account's discovery look came back.
        stopped(): `stop()` ran and the worker is back on the main thread; its thread may quit.
        failed(str, str): an unexpected exception in an entry point, told once per worker: (account, text).
    """

    result_ready = Signal(object)
    discovered = Signal(object)
    stopped = Signal()
    failed = Signal(str, str)

    def __init__(
        self, poller: AccountPoller, clock: MonotonicClock = time.monotonic, backoff: ErrorBackoff | None = None
    ) -> None:
        super().__init__()
        self.poller = poller
        self.account = poller.account
        self._clock = clock
        self._backoff = backoff or DEFAULT_BACKOFF
        self._timer: QTimer | None = None
        self.failures = 0  # unexpected exceptions in a row (reset by a tick that runs through)
        self._not_before = 0.0  # clock time before which no tick runs (after an unexpected exception)
        self._told = False
        self._unsynced: Sequence[tuple[str, float]] | None = None  # open jobs whose sync raised
        # Set from any thread by `request_stop`; read between requests so a stop never waits for a queued slot.
        self._stopping = threading.Event()

    # ---- slots (run in the worker's thread) ----------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        """Create the timer in this thread; connected to QThread.started."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._reschedule()

    @Slot(object)
    def set_jobs(self, jobs: Sequence[tuple[str, float]]) -> None:
        """The account's open jobs as (job_id, age_seconds); new ones are checked soon, gone ones forgotten."""
        if self._stopping.is_set():
            return
        self._unsynced = None
        try:
            self.poller.sync(jobs)
        except Exception as exc:
            self._unsynced = tuple(jobs)  # tried again at the next tick: the open jobs must not be lost
            self._note("syncing the open jobs", exc)
            self._back_off()
            return
        self._reschedule()

    @Slot()
    def check_now(self) -> None:
        if self._stopping.is_set():
            return
        self._not_before = 0.0  # the person asked: now, not after a backoff
        try:
            self.poller.check_now()
        except Exception as exc:
            self._note("checking now", exc)
            self._back_off()
            return
        self._reschedule()

    @Slot()
    def stop(self) -> None:
        """End polling: close the client, hand this object back to the main thread, then say so."""
        self._stopping.set()
        if self._timer is not None:
            self._timer.stop()
        self.poller.close()
        app = QCoreApplication.instance()
        if app is not None:
            # Deleted later by the main thread: a QObject (and its timer) must not die in a thread that is gone.
            self.moveToThread(app.thread())
        self.stopped.emit()

    def request_stop(self) -> None:
        """Thread-safe: no further request, and one in flight is abandoned, before the queued `stop` slot runs."""
        self._stopping.set()
        self.poller.abandon()

    # ---- internals -----------------------------------------------------------------------------------------

    def _reschedule(self) -> None:
        if self._timer is None or self._stopping.is_set():
            return
        try:
            due = self.poller.next_due()
        except Exception as exc:
            self._note("planning the next check", exc)
            self._back_off()
            return
        if due is None:
            self._timer.stop()
            return
        # After an unexpected exception nothing goes before the backoff: a step that raises at once must not spin.
        self._arm(max(due, self._not_before) - self._clock())

    def _arm(self, delay: float) -> None:
        if self._timer is None or self._stopping.is_set():
            return
        # Round up: a timer firing a millisecond early would find nothing due and spin once more.
        self._timer.start(min(int(max(delay, 0.0) * 1000) + 1, 2**31 - 1))

    def _tick(self) -> None:
        if self._stopping.is_set():
            return
        clean = True
        if self._unsynced is not None:
            jobs, self._unsynced = self._unsynced, None
            try:
                self.poller.sync(jobs)
            except Exception as exc:
                self._unsynced = jobs
                clean = self._note("syncing the open jobs", exc)
        page = None
        try:
            page = self.poller.discover_step()
        except Exception as exc:  # a discovery bug must not keep the account's jobs from being checked
            clean = self._note("discovering jobs", exc)
        if self._stopping.is_set():
            return
        if page is not None:
            self.discovered.emit(page)
        batch: list[str] = []
        settled = False
        try:
            batch = self.poller.take_due()
            if batch:
                result = self.poller.check(batch)
                if self._stopping.is_set():
                    return  # abandoned while in flight: nobody wants this answer
                try:
                    self.poller.settle(result)
                    settled = True
                finally:
                    # The answer is recorded whatever the schedule made of it: the store keeps the truth.
                    self.result_ready.emit(result)
        except Exception as exc:
            if batch and not settled:
                self._give_back(batch)
            clean = self._note("checking jobs", exc)
        if self._stopping.is_set():
            return
        if not clean:
            self._back_off()
            return
        self.failures = 0
        self._not_before = 0.0
        self._reschedule()

    def _give_back(self, batch: list[str]) -> None:
        """A batch taken and never settled would stay "in flight" for ever: it counts as one failed check."""
        try:
            self.poller.schedule.on_error(batch, ErrorKind.PROTOCOL.value)
        except Exception:
            log.exception("account %s: could not put %d job(s) back into the schedule", self.account, len(batch))

    def _note(self, what: str, exc: Exception) -> bool:
        """Log with the traceback and tell once (per worker); returns False (the tick was not clean)."""
        log.error("account %s: unexpected error while %s", self.account, what, exc_info=exc)
        if not self._told:
            self._told = True
            self.failed.emit(self.account, failure_text(self.account, exc))
        return False

    def _back_off(self) -> None:
        """Go on later, whatever broke: the single-shot timer is armed again after a growing delay."""
        self.failures += 1
        self._not_before = self._clock() + self._backoff.delay(self.failures)
        try:
            due = self.poller.next_due()
        except Exception:
            due = None  # the schedule itself is what breaks: try again after the backoff
        self._arm(max(due or 0.0, self._not_before) - self._clock())
