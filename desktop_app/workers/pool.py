"""The worker pool: owns every worker thread of the tray, so that stopping one never blocks the GUI, a running
QThread is never destroyed ("QThread: Destroyed while thread is still running" aborts the process), and a quit
accounts for all of them against one budget.

- `start(poller)` runs a poll worker for the poller's account (retiring any previous one of that account).
- `retire(account)` returns at once: the worker is told to stop and its request in flight is abandoned; the pool
  keeps the thread until it has finished, then waits on it (instantly) and lets it go. Results a retired worker
  still emits are dropped.
- `start_thread(name, run, stop)`: the outbox's work (a download, a command, a forward; `engine.threads`'s
  `ThreadStarter`, given to `engine.outbox.OutboxRunner` by `app.outbox_pump`) runs on a thread of the pool.
- `live()`: the names of every thread of the pool still running (poll workers, retired ones not yet ended, work).
- `shutdown(timeout)` (`begin_stop` + `wait_stopped`) retires every poll worker, asks every work to stop (its
  `stop`: a download abandoned, a command sent SIGTERM), and waits, at most `timeout` in all, for every thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Signal

from desktop_app.engine.poller import AccountPoller
from desktop_app.engine.results import CheckResult
from desktop_app.engine.threads import ThreadHandle
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


class _Task:
    """A thread of the pool running one piece of work to its end (an outbox row's download, command, forward);
    a `engine.threads.ThreadHandle`."""

    def __init__(self, name: str, run: Callable[[], None], stop: Callable[[], None]) -> None:
        self.name = name
        self._stop = stop
        self._stop_told = False
        self._run = run
        # A daemon: what is still running after the quit budget is left behind, never waited for at exit.
        self._thread = threading.Thread(target=self._guarded, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _guarded(self) -> None:
        try:
            self._run()
        except Exception:  # no silent stop: the work's own owner settles it; the pool says it in the log
            log.exception("%s failed unexpectedly", self.name)

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        if self._stop_told:
            return
        self._stop_told = True
        try:
            self._stop()
        except Exception:  # one work failing to stop must not keep the others (or the quit) going
            log.exception("stopping %s failed", self.name)


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
        self._tasks: list[_Task] = []
        self._stopping = False  # set by begin_stop: work started later is asked to stop at once

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

    # ---- other work: `engine.threads.ThreadStarter` ---------------------------------------------------------

    def start_thread(self, name: str, run: Callable[[], None], stop: Callable[[], None]) -> ThreadHandle:
        """Run `run` on a thread of the pool; `stop` is called (once) when the pool stops."""
        self._tasks = [task for task in self._tasks if task.is_alive()]
        task = _Task(name, run, stop)
        self._tasks.append(task)
        task.start()
        if self._stopping:
            task.stop()
        return task

    def live(self) -> list[str]:
        """The names of the pool's threads still running: poll workers (`poll-ACCOUNT`, retired ones until they
        have ended) and work (`jobtray-download`, `jobtray-command`, ...)."""
        polls = [r.thread.objectName() for r in (*self._current.values(), *self._retiring) if not r.thread.isFinished()]
        return polls + [task.name for task in self._tasks if task.is_alive()]

    def set_jobs(self, account: str, jobs: Sequence[tuple[str, float]]) -> None:
        running = self._current.get(account)
        if running is not None:
            running.inbox.set_jobs.emit(tuple(jobs))

    def check_now(self, account: str | None = None) -> None:
        targets = self._current.values() if account is None else [r for r in [self._current.get(account)] if r]
        for running in targets:
            running.inbox.check_now.emit()

    def shutdown(self, timeout: float) -> bool:
        """Stop every thread of the pool and wait (at most `timeout` seconds in all); True if all ended."""
        self.begin_stop()
        return self.wait_stopped(timeout)

    def begin_stop(self) -> None:
        """Retire every poll worker (their requests in flight abandoned) and ask every work to stop; never blocks."""
        self._stopping = True
        for account in list(self._current):
            self.retire(account)
        for task in list(self._tasks):
            task.stop()

    def wait_stopped(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds in all) for every retired worker's thread and every work's thread; True
        if all ended. What is still running then is left behind (daemon threads, their work already abandoned)."""
        deadline = time.monotonic() + timeout
        ended = True
        for running in list(self._retiring):
            remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
            if running.thread.wait(remaining_ms):
                self._release(running)
            else:
                ended = False
                log.warning("the poll worker of %s is still inside a request", running.account)
        for task in list(self._tasks):
            task.join(max(0.0, deadline - time.monotonic()))
            if task.is_alive():
                ended = False
                log.warning("%s is still running", task.name)
            else:
                self._tasks.remove(task)
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
