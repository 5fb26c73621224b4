"""Result downloads for the tray: one `DownloadWorker` (a QObject in its own QThread) per result being saved, owned
by a `DownloadPool` the way `WorkerPool` owns the poll workers: a QThread is kept until it has finished, never
destroyed while running, and `shutdown` waits at most its timeout.

The worker never touches the store or a widget: it signals `DownloadProgress` and one `DownloadOutcome`, which the
main thread records (`app.controller`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from desktop_app.engine.downloads import Download, DownloadOutcome, DownloadProgress, DownloadRequest

log = logging.getLogger(__name__)


class DownloadWorker(QObject):
    """Saves one result.

    Signals:
        progress(DownloadProgress): bytes so far (at most a few times a second).
        finished(DownloadOutcome): the download ended, saved or not; its thread may quit.
    """

    progress = Signal(object)
    finished = Signal(object)

    def __init__(
        self, request: DownloadRequest, make_download: Callable[[DownloadRequest], Download] = Download
    ) -> None:
        super().__init__()
        self.request = request
        self.download = make_download(request)

    @Slot()
    def run(self) -> None:
        request = self.request

        def report(received: int, total: int | None) -> None:
            self.progress.emit(DownloadProgress(request.row_id, request.account, received, total))

        try:
            outcome = self.download.run(report)
        except Exception as exc:  # a bug must not leave the job looking like it is saving for ever
            log.exception("saving the result of %s failed", request.job_id)
            outcome = DownloadOutcome(request.row_id, request.account, request.job_id, error=f"unexpected error: {exc}")
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())  # deleted later by the main thread
        self.finished.emit(outcome)

    def abandon(self) -> None:
        """Thread-safe: the download ends soon and its partial file is removed."""
        self.download.abandon()


class _Inbox(QObject):
    """Lives in the main thread: the worker's signals come back through it, delivered there."""

    progress = Signal(object)
    finished = Signal(object)
    thread_finished = Signal()


class _Running:
    def __init__(self, request: DownloadRequest, make_download: Callable[[DownloadRequest], Download]) -> None:
        self.worker = DownloadWorker(request, make_download)
        self.thread = QThread()
        self.thread.setObjectName(f"download-{request.row_id}")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.finished.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.inbox = _Inbox()
        self.worker.progress.connect(self.inbox.progress)
        self.worker.finished.connect(self.inbox.finished)
        self.thread.finished.connect(self.inbox.thread_finished)
        self.outcome: DownloadOutcome | None = None


class DownloadPool(QObject):
    """Every result being saved, by job row id.

    Signals:
        progress(DownloadProgress): in the main thread.
        finished(DownloadOutcome): in the main thread, once per download (not for one abandoned at shutdown).
    """

    progress = Signal(object)
    finished = Signal(object)

    def __init__(
        self, parent: QObject | None = None, make_download: Callable[[DownloadRequest], Download] = Download
    ) -> None:
        super().__init__(parent)
        self._make_download = make_download  # tests inject a download that fails in ways a bug would
        self._running: dict[int, _Running] = {}
        self._closing = False

    def start(self, request: DownloadRequest) -> bool:
        """Save `request` in a new thread; False when that job's result is being saved already."""
        if self._closing or request.row_id in self._running:
            return False
        running = _Running(request, self._make_download)
        running.inbox.progress.connect(self.progress)
        running.inbox.finished.connect(lambda outcome, r=running: self._finished(r, outcome))
        running.inbox.thread_finished.connect(lambda r=running: self._reap(r))
        self._running[request.row_id] = running
        running.thread.start()
        return True

    def busy(self, row_id: int) -> bool:
        return row_id in self._running

    @property
    def count(self) -> int:
        return len(self._running)

    def abandon(self, row_id: int) -> None:
        running = self._running.get(row_id)
        if running is not None:
            running.worker.abandon()

    def shutdown(self, timeout: float) -> bool:
        """Abandon every download and wait (at most `timeout` in all) for their threads; True if all ended."""
        self.begin_stop()
        return self.wait_stopped(timeout)

    def begin_stop(self) -> None:
        """Abandon every download (their partial files removed, no outcome told); never blocks."""
        self._closing = True
        for running in self._running.values():
            running.worker.abandon()

    def wait_stopped(self, timeout: float) -> bool:
        """Wait (at most `timeout` in all) for the downloads' threads; True if all ended."""
        deadline = time.monotonic() + timeout
        ended = True
        for row_id, running in list(self._running.items()):
            if running.thread.wait(max(0, int((deadline - time.monotonic()) * 1000))):
                self._release(row_id, running)
            else:
                ended = False
                log.warning("the download of job %s did not stop in time", row_id)
        return ended

    def _finished(self, running: _Running, outcome: DownloadOutcome) -> None:
        running.outcome = outcome
        if not self._closing:
            self.finished.emit(outcome)

    def _reap(self, running: _Running) -> None:
        running.thread.wait()
        row_id = running.worker.request.row_id
        if self._running.get(row_id) is running:
            self._release(row_id, running)

    def _release(self, row_id: int, running: _Running) -> None:
        if self._running.get(row_id) is running:
            del self._running[row_id]
        running.worker.deleteLater()
        running.inbox.deleteLater()
