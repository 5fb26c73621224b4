"""One poll worker per account: a QObject that lives in its own QThread, does the HTTP and signals frozen results.

The worker never touches the store or a widget. The main thread tells it which jobs to watch (`set_jobs`), and
applies every `CheckResult` it emits. Timing runs on a single-shot QTimer inside the worker's thread, so `stop()`
takes effect as soon as the current request (if any) returns; there are no sleeps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, QTimer, Signal, SignalInstance, Slot

from desktop_app.core.model import Status
from desktop_app.core.ratelimit import RateLimit
from desktop_app.core.schedule import AccountSchedule
from desktop_app.engine.results import CheckResult, ErrorKind, check_batch
from desktop_app.providers.base import HttpProvider, ProviderConfig

log = logging.getLogger(__name__)

MonotonicClock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """Everything a worker needs, frozen so it can be handed to another thread."""

    account: str
    provider_cls: type[HttpProvider]
    config: ProviderConfig
    rate_limit: RateLimit


class PollWorker(QObject):
    """Checks one account's open jobs when they are due.

    Signals:
        result_ready(CheckResult): one provider call finished (statuses or an error).
        stopped(): `stop()` ran; the thread may be quit.
    """

    result_ready = Signal(object)
    stopped = Signal()

    def __init__(self, spec: WorkerSpec, clock: MonotonicClock = time.monotonic) -> None:
        super().__init__()
        self.spec = spec
        self._clock = clock
        self._provider: HttpProvider | None = None
        self._schedule = AccountSchedule(
            spec.provider_cls.name, spec.provider_cls.max_batch, spec.rate_limit, clock=clock
        )
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
        wanted = {job_id: age for job_id, age in jobs}
        for job_id in self._schedule.job_ids():
            if job_id not in wanted:
                self._schedule.remove(job_id)
        for job_id, age in wanted.items():
            if job_id not in self._schedule:
                self._schedule.add(job_id, age)
        self._reschedule()

    @Slot()
    def check_now(self) -> None:
        self._schedule.check_now()
        self._reschedule()

    @Slot()
    def stop(self) -> None:
        self._stopping.set()
        if self._timer is not None:
            self._timer.stop()
        if self._provider is not None:
            self._provider.close()
            self._provider = None
        self.stopped.emit()

    def request_stop(self) -> None:
        """Thread-safe: makes the worker skip any further request, even before the queued `stop` slot runs."""
        self._stopping.set()

    # ---- internals -----------------------------------------------------------------------------------------

    def _reschedule(self) -> None:
        if self._timer is None or self._stopping.is_set():
            return
        due = self._schedule.next_due()
        if due is None:
            self._timer.stop()
            return
        delay = max(due - self._clock(), 0.0)
        # Round up: a timer firing a millisecond early would find nothing due and spin once more.
        self._timer.start(int(delay * 1000) + 1)

    def _tick(self) -> None:
        if self._stopping.is_set():
            return
        batch = self._schedule.take_batch()
        if batch:
            result = self._check(batch)
            self._record(result)
            if self._stopping.is_set():
                return  # the main thread is tearing down; nobody wants this result
            self.result_ready.emit(result)
        self._reschedule()

    def _check(self, batch: list[str]) -> CheckResult:
        if self._provider is None:
            # Built here, in the worker's thread, so its requests.Session is never shared.
            self._provider = self.spec.provider_cls(self.spec.config)
        try:
            return check_batch(self._provider, self.spec.account, batch)
        except Exception as exc:  # a bug in a provider must not kill the thread silently
            log.exception("unexpected error checking %s", self.spec.account)
            return CheckResult(self.spec.account, tuple(batch), (), f"internal error: {exc}", ErrorKind.PROTOCOL)

    def _record(self, result: CheckResult) -> None:
        if result.ok:
            by_id: dict[str, Status] = {s.job_id: s for s in result.statuses}
            self._schedule.on_result(list(result.job_ids), by_id)
        else:
            kind = result.error_kind or ErrorKind.PROTOCOL
            self._schedule.on_error(list(result.job_ids), str(kind), result.retry_after)


class _Inbox(QObject):
    """Lives in the main thread: its set_jobs/check_now reach the worker queued, in the worker's thread, and
    the worker's results come back through its result_ready, emitted in the main thread."""

    set_jobs = Signal(object)
    check_now = Signal()
    result_ready = Signal(object)


class WorkerHandle:
    """A worker, its thread and its inbox, owned by the main thread; `begin_stop`/`finish_stop` end both."""

    def __init__(self, worker: PollWorker) -> None:
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(f"poll-{worker.spec.account}")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.start)
        # Direct: the main thread may be blocked in wait() and could not run a queued quit; quit is thread-safe.
        worker.stopped.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.inbox = _Inbox()
        self.inbox.set_jobs.connect(worker.set_jobs)
        self.inbox.check_now.connect(worker.check_now)
        # Relayed through a main-thread QObject: a plain function connected straight to the worker's signal
        # would run in the worker's thread (it has no thread of its own for Qt to queue to).
        worker.result_ready.connect(self.inbox.result_ready)

    @property
    def result_ready(self) -> SignalInstance:
        """CheckResults, delivered in the main thread whatever is connected."""
        return self.inbox.result_ready

    @property
    def account(self) -> str:
        return self.worker.spec.account

    def start(self) -> None:
        self.thread.start()

    def set_jobs(self, jobs: Sequence[tuple[str, float]]) -> None:
        self.inbox.set_jobs.emit(tuple(jobs))

    def check_now(self) -> None:
        self.inbox.check_now.emit()

    def begin_stop(self) -> None:
        """Ask the worker to stop without waiting (call `finish_stop` to wait)."""
        self.worker.request_stop()
        # Queued into the worker's thread: the timer is stopped there, where it lives.
        QMetaObject.invokeMethod(self.worker, "stop", Qt.ConnectionType.QueuedConnection)

    def finish_stop(self, deadline: float) -> bool:
        """Wait until `deadline` (monotonic seconds) for the thread to end; True if it did."""
        remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
        if self.thread.wait(remaining_ms):
            return True
        self.thread.quit()
        return self.thread.wait(50)
