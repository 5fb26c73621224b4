"""The worker pool: owns every poll worker's QThread, so that stopping one never blocks the GUI and a running
QThread is never destroyed ("QThread: Destroyed while thread is still running" aborts the process).

- `start(poller)` runs a worker for the poller's account (retiring any previous one of that account).
- `retire(account)` returns at once: the worker is told to stop and its request in flight is abandoned; the pool
  keeps the thread until it has finished, then waits on it (instantly) and lets it go. Results a retired worker
  still emits are dropped.
- `shutdown(timeout)` retires every worker and waits, at most `timeout` in all, for every thread to end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Signal

from desktop_app.engine.poller import AccountPoller
from desktop_app.engine.results import CheckResult
from desktop_app.workers.poll_worker import ErrorBackoff, PollWorker

log = logging.getLogger(__name__)


class _Inbox(QObject):
    """Lives in the main thread: its signals reach the worker queued (in the worker's thread), and the worker's
    results and its thread's end come back through it, delivered in the main thread."""

    set_jobs = Signal(object)
    check_now = Signal()
    result_ready = Signal(object)
    discovered = Signal(object)
    failed = Signal(str, str)
    thread_finished = Signal()


class _Running:
    """One worker with its thread and inbox."""

    def __init__(self, worker: PollWorker) -> None:
        self.worker = worker
        self.account = worker.account
        self.thread = QThread()
        self.thread.setObjectName(f"poll-{worker.account}")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.start)
        # Direct: quit is thread-safe, and the main thread may be blocked in wait() at shutdown.
        worker.stopped.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.inbox = _Inbox()
        self.inbox.set_jobs.connect(worker.set_jobs)
        self.inbox.check_now.connect(worker.check_now)
        worker.result_ready.connect(self.inbox.result_ready)
        worker.discovered.connect(self.inbox.discovered)
        worker.failed.connect(self.inbox.failed)
        self.thread.finished.connect(self.inbox.thread_finished)
        self.retired = False
        self.released = False

    def retire(self) -> None:
        if self.retired:
            return
        self.retired = True
        self.worker.request_stop()
        # Queued into the worker's thread: its timer is stopped there, where it lives.
        QMetaObject.invokeMethod(self.worker, "stop", Qt.ConnectionType.QueuedConnection)


class WorkerPool(QObject):
    """Every account's poll worker; see the module docstring.

    Signals:
        result_ready(CheckResult): a result of a current (not retired) worker, in the main thread.
        discovered(DiscoveryPage): a discovery page of a current worker, in the main thread.
        worker_ended(str): a worker's thread has finished and been released (its account name).
        worker_failed(str, str): a current worker hit an unexpected exception and goes on after a backoff:
            (account, the one line to tell the person), once per worker.
    """

    result_ready = Signal(object)
    discovered = Signal(object)
    worker_ended = Signal(str)
    worker_failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None, *, error_backoff: ErrorBackoff | None = None) -> None:
        super().__init__(parent)
        self._error_backoff = error_backoff
        self._current: dict[str, _Running] = {}
        self._retiring: list[_Running] = []

    # ---- workers --------------------------------------------------------------------------------------------

    def start(self, poller: AccountPoller) -> None:
        """Run a worker for `poller.account` (a previous worker of that account is retired first)."""
        self.retire(poller.account)
        running = _Running(PollWorker(poller, backoff=self._error_backoff))
        running.inbox.result_ready.connect(lambda result, r=running: self._deliver(r, result))
        running.inbox.discovered.connect(
            lambda page, r=running: self.discovered.emit(page) if self._current.get(r.account) is r else None
        )
        running.inbox.failed.connect(
            lambda account, text, r=running: (
                self.worker_failed.emit(account, text) if self._current.get(r.account) is r else None
            )
        )
        running.inbox.thread_finished.connect(lambda r=running: self._reap(r))
        self._current[running.account] = running
        running.thread.start()

    def retire(self, account: str) -> None:
        """Stop the account's worker without waiting; its thread is kept until it has finished."""
        running = self._current.pop(account, None)
        if running is None:
            return
        running.retire()
        self._retiring.append(running)

    def has(self, account: str) -> bool:
        return account in self._current

    def accounts(self) -> list[str]:
        return list(self._current)

    @property
    def retiring(self) -> int:
        """Workers told to stop whose threads have not finished yet."""
        return len(self._retiring)

    def set_jobs(self, account: str, jobs: Sequence[tuple[str, float]]) -> None:
        running = self._current.get(account)
        if running is not None:
            running.inbox.set_jobs.emit(tuple(jobs))

    def check_now(self, account: str | None = None) -> None:
        targets = self._current.values() if account is None else [r for r in [self._current.get(account)] if r]
        for running in targets:
            running.inbox.check_now.emit()

    def shutdown(self, timeout: float) -> bool:
        """Retire every worker and wait (at most `timeout` seconds in all) for every thread; True if all ended."""
        self.begin_stop()
        return self.wait_stopped(timeout)

    def begin_stop(self) -> None:
        """Retire every worker (their requests in flight abandoned); never blocks."""
        for account in list(self._current):
            self.retire(account)

    def wait_stopped(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds in all) for every retired worker's thread; True if all ended."""
        deadline = time.monotonic() + timeout
        ended = True
        for running in list(self._retiring):
            remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
            if running.thread.wait(remaining_ms):
                self._release(running)
            else:
                ended = False
                log.warning("the poll worker of %s is still inside a request", running.account)
        return ended

    # ---- internals ----------------------------------------------------------------------------------------

    def _deliver(self, running: _Running, result: CheckResult) -> None:
        if running.retired or self._current.get(running.account) is not running:
            return  # the account was removed or changed while the request was in flight
        self.result_ready.emit(result)

    def _reap(self, running: _Running) -> None:
        # `finished` is emitted from the thread just before it ends: wait() returns at once once it has.
        running.thread.wait()
        if self._current.get(running.account) is running:
            del self._current[running.account]  # the thread ended on its own (should not happen)
        self._release(running)

    def _release(self, running: _Running) -> None:
        if running.released:
            return
        running.released = True
        if running in self._retiring:
            self._retiring.remove(running)
            self.worker_ended.emit(running.account)
        running.worker.deleteLater()
        running.inbox.deleteLater()
