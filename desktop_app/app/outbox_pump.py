"""The tray's Qt adapter for the outbox (issue 18): `engine.outbox.OutboxRunner` driven on the main thread.

The runner is Qt-free and belongs to the thread that owns the store. Its work threads call `wake` when an outcome
is queued; here that posts a `pump` to the main thread through a queued signal (coalesced: one pump drains them
all). A single-shot timer pumps while work is in flight (the leases are renewed every quarter of theirs) and when
the next pending row is due (a retry with backoff); an idle tray with nothing pending never wakes for the outbox.

At start, unfinished rows resume (`start`: rows left by a process that died are repaired, told as one summary);
at quit, downloads are abandoned with their rows left to resume and commands are ended with their process groups
(`begin_stop`/`wait_stopped`: one step of `workers.stopping.stop_within`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from desktop_app.core.model import Job
from desktop_app.engine.downloads import DownloadProgress
from desktop_app.engine.outbox import MAX_PARALLEL, OutboxRunner, StopReport
from desktop_app.engine.threads import ThreadStarter
from desktop_app.providers.base import ProviderConfig
from desktop_app.store.database import Store

log = logging.getLogger(__name__)

STOP_GRACE_S = 1.0  # a command's grace between SIGTERM and SIGKILL at quit: inside the quit budget
PROGRESS_INTERVAL_MS = 250  # downloads' progress reaches the tray at most 4 times a second (a menu rebuild each)

Downloads = dict[int, tuple[int, int | None]]  # job row id -> (bytes so far, total or None)


class OutboxPump(QObject):
    """The outbox runner of the tray (see the module docstring).

    Signals:
        news(OutboxNews): something to tell the person, on the main thread.
        downloads(dict): the results being saved now, {job row id: (bytes so far, total or None)}, on the main
            thread: throttled (at most every PROGRESS_INTERVAL_MS), and said again without a download once it ends.
    """

    news = Signal(object)
    downloads = Signal(object)
    _woken = Signal()
    _progressed = Signal()

    def __init__(
        self,
        store: Store,
        *,
        config_for: Callable[[str], ProviderConfig | None],
        environ: Mapping[str, str] | None = None,
        parent: QObject | None = None,
        runner_options: Mapping[str, Any] | None = None,
        threads: ThreadStarter | None = None,
    ) -> None:
        super().__init__(parent)
        self._woken.connect(self.pump, Qt.ConnectionType.QueuedConnection)
        self._wake_posted = threading.Event()
        # Progress comes from the download threads: the latest per job kept under a lock, carried to the main
        # thread by one queued signal at a time, and passed on at most every PROGRESS_INTERVAL_MS.
        self._progress_lock = threading.Lock()
        self._progress_latest: Downloads = {}
        self._progress_posted = False
        self._shown: Downloads = {}
        self._progressed.connect(self._progress_arrived, Qt.ConnectionType.QueuedConnection)
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_INTERVAL_MS)
        self._progress_timer.timeout.connect(self._flush_progress)
        # `threads`: the tray's worker pool (`workers.pool.WorkerPool`), which then owns the work's threads with the
        # poll workers' and stops them at quit (commands with STOP_GRACE_S); None: a daemon thread each.
        options = {
            "on_progress": self._on_progress,
            "threads": threads,
            "stop_grace": STOP_GRACE_S,
            **dict(runner_options or {}),
        }
        self.runner = OutboxRunner(
            store,
            on_news=self.news.emit,
            wake=self._wake,
            config_for=config_for,
            environ=environ,
            **options,
        )
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.pump)
        self._stopping = False
        self.stop_report: StopReport | None = None

    @property
    def pid(self) -> int:
        return self.runner.pid

    def start(self) -> None:
        """Resume what earlier runs left (repaired, told once), then start what is due."""
        try:
            self.runner.start()
        except Exception:  # no silent stop: logged, and the next pump tries again
            log.exception("resuming the after-end work failed")
        self._arm()

    def pump(self) -> None:
        """Record the outcomes that arrived and start what is due (main thread)."""
        self._wake_posted.clear()
        if self._stopping:
            return
        try:
            self.runner.pump()
        except Exception:
            log.exception("after-end work: pump failed; trying again shortly")
            self._timer.start(5_000)
            return
        self._forget_ended_downloads()
        self._arm()

    def save_again(self, job: Job) -> int:
        """ "Save result again": a new download row for the job, started now."""
        row = self.runner.save_again(job)
        self.pump()
        return row

    def run_again(self, row_id: int) -> int:
        """The tray's "Run again" / "Save again" of a row that did not complete, started now; its job's row id."""
        row = self.runner.run_again(row_id)
        self.pump()
        return row.job

    @property
    def in_flight(self) -> int:
        return self.runner.in_flight

    @property
    def saving(self) -> Downloads:
        """The results being saved now, as last said by `downloads`."""
        return dict(self._shown)

    # ---- quitting: a `workers.stopping.Stoppable` ------------------------------------------------------------

    def begin_stop(self) -> None:
        self._stopping = True
        self._timer.stop()
        self._progress_timer.stop()

    def wait_stopped(self, seconds: float) -> bool:
        """Abandon downloads (rows left to resume, `.part` removed) and end commands (their groups); True when no
        work thread is left."""
        # Downloads end at once when abandoned, commands after their grace; the runner waits at most `seconds`.
        grace = max(0.0, min(STOP_GRACE_S, seconds / 2))
        try:
            self.stop_report = self.runner.stop(grace=grace, budget=seconds)
        except Exception:
            log.exception("stopping the after-end work failed; its rows resume at the next start")
            return False
        if self.stop_report is not None:
            log.info("after-end work at quit: %s", self.stop_report)
        return self.runner.in_flight == 0

    # ---- internals ---------------------------------------------------------------------------------------------

    def _wake(self) -> None:
        # Any thread: one queued pump at a time is enough, it drains every outcome.
        if self._wake_posted.is_set():
            return
        self._wake_posted.set()
        with contextlib.suppress(RuntimeError):  # the pump is gone (quit): the rows resume at the next start
            self._woken.emit()

    def _on_progress(self, progress: DownloadProgress) -> None:
        # A download's thread: keep the latest, post at most one queued signal until the main thread takes it.
        with self._progress_lock:
            self._progress_latest[progress.row_id] = (progress.received, progress.total)
            if self._progress_posted:
                return
            self._progress_posted = True
        with contextlib.suppress(RuntimeError):  # the pump is gone (quit)
            self._progressed.emit()

    def _progress_arrived(self) -> None:
        if not self._progress_timer.isActive():  # the first of a burst at once, the rest when the interval ends
            self._flush_progress()

    def _flush_progress(self) -> None:
        with self._progress_lock:
            latest, self._progress_latest = self._progress_latest, {}
            self._progress_posted = False
        if self._stopping or not latest:
            return
        running = self._downloading()
        shown = {**self._shown, **{job: seen for job, seen in latest.items() if job in running}}
        if shown != self._shown:
            self._shown = shown
            self.downloads.emit(dict(shown))
        self._progress_timer.start()

    def _forget_ended_downloads(self) -> None:
        """A download whose outcome was recorded leaves the progress shown (a late progress call is dropped)."""
        if not self._shown:
            return
        running = self._downloading()
        kept = {job: seen for job, seen in self._shown.items() if job in running}
        if kept != self._shown:
            self._shown = kept
            self.downloads.emit(dict(kept))

    def _downloading(self) -> set[int]:
        return {job.id for row, job in self.runner.active() if row.kind == "download"}

    def _arm(self) -> None:
        if self._stopping:
            return
        runner = self.runner
        delay: float | None = runner.lease_seconds / 4 if runner.in_flight else None
        try:
            # With no room for more, a due row waits for a work's end (its wake pumps), not for a timer.
            full = runner.in_flight >= MAX_PARALLEL
            due = None if full else runner.store.outbox.next_due(runner.pid, runner.kinds)
        except Exception:
            due = None
        if due is not None:
            wait = max(0.0, due - time.time()) + 0.05
            delay = wait if delay is None else min(delay, wait)
        if delay is None:
            self._timer.stop()
            return
        self._timer.start(min(int(delay * 1000) + 1, 2**31 - 1))
