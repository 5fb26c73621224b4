"""One poll worker per account: a QObject in its own QThread that drives the account's `engine.AccountPoller` on a
single-shot QTimer and signals frozen results.

The worker never touches the store or a widget. The main thread tells it which jobs to watch (`set_jobs`) and
records every `CheckResult` it emits. `workers.pool.WorkerPool` owns the thread and its lifetime.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from desktop_app.engine.poller import AccountPoller

log = logging.getLogger(__name__)

MonotonicClock = Callable[[], float]


class PollWorker(QObject):
    """Checks one account's open jobs when they are due.

    Signals:
        result_ready(CheckResult): one provider call finished (statuses or an error).
        discovered(DiscoveryPage): a page of the account's discovery look came back.
        stopped(): `stop()` ran and the worker is back on the main thread; its thread may quit.
    """

    result_ready = Signal(object)
    discovered = Signal(object)
    stopped = Signal()

    def __init__(self, poller: AccountPoller, clock: MonotonicClock = time.monotonic) -> None:
        super().__init__()
        self.poller = poller
        self.account = poller.account
        self._clock = clock
        self._timer: QTimer | None = None
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
        self.poller.sync(jobs)
        self._reschedule()

    @Slot()
    def check_now(self) -> None:
        if self._stopping.is_set():
            return
        self.poller.check_now()
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
        due = self.poller.next_due()
        if due is None:
            self._timer.stop()
            return
        delay = max(due - self._clock(), 0.0)
        # Round up: a timer firing a millisecond early would find nothing due and spin once more.
        self._timer.start(min(int(delay * 1000) + 1, 2**31 - 1))

    def _tick(self) -> None:
        if self._stopping.is_set():
            return
        page = self.poller.discover_step()
        if self._stopping.is_set():
            return
        if page is not None:
            self.discovered.emit(page)
        result = self.poller.step()
        if self._stopping.is_set():
            return  # abandoned while in flight: nobody wants this answer
        if result is not None:
            self.result_ready.emit(result)
        self._reschedule()
