"""`StoreFollower`: another process's commits (`jobtray add`, `account remove`, `settings set`) reach the tray.

A file-system watch of the database folder and its -wal file wakes it (debounced: a commit touches the file several
times); a fixed poll only where the watch cannot be set. Idle, nothing here wakes the process. A wake whose
`data_version` moved reads the change feed (`store.changes`) from the last position: only the jobs, accounts or
settings that changed are read again. A worker's pacing write moves `data_version` too but writes no change: it
costs two small reads. Only a feed pruned past our position (or a flood of changes) makes one full reload.

The model holds only what the tray's icon and menu need (`JobStore.for_tray`: the
open jobs, the failures still alarming, the most recent endings; the counts of the others come from
`JobStore.states` into the tray's `JobIndex`), so a tray with 100,000 jobs starts as fast and as small as one
with 1,000 (issue 19). The window never needs every job either: its table pages from the store
(`ui.paged_jobs.PagedJobModel`, following the rows `AppState` says changed).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from desktop_app.app.polling import TrayPolling
from desktop_app.app.state import AppState
from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Job
from desktop_app.store.changes import FeedBatch
from desktop_app.store.database import Store
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.tray import MENU_JOBS

log = logging.getLogger(__name__)

DATA_POLL_MS = 1000  # where the database cannot be watched: how soon a job added by `jobtray add` shows up
RETRY_MS = 2000  # the change feed could not be applied (a busy or failing database): try the same changes again
DATA_DEBOUNCE_MS = 50  # a commit touches the -wal file several times: re-read once, just after


class StoreFollower(QObject):
    """Keeps the tray in line with the store.

    Args:
        load_settings: reads the settings again (`jobtray settings set` in another process).

    Signals:
        reloaded(): the model was re-synced with the store.
    """

    reloaded = Signal()

    def __init__(
        self,
        store: Store,
        model: JobTableModel,
        state: AppState,
        polling: TrayPolling,
        *,
        load_settings: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._model = model
        self._state = state
        self._polling = polling
        self._load_settings = load_settings
        self._data_version = -1
        self._position = 0  # the last change (store.changes) the model has seen
        self._discovering: set[str] = set()
        self.reloads = 0  # full reloads so far (bench/: a request must never cause one)
        self.follows = 0  # batches of changes applied (a wake that found none is not counted)
        # Our own writes (results recorded) are in the feed too: skipped when nobody else wrote meanwhile.
        state.jobs_updated.connect(self._own_write)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DATA_DEBOUNCE_MS)
        self._timer.timeout.connect(self.poll_data_version)
        self._watch: QFileSystemWatcher | None = None

    def watch(self) -> None:
        folder = self._store.path.parent
        watched = [str(folder), *(str(p) for p in self._files() if p.exists())]
        self._watch = QFileSystemWatcher(self)
        failed = self._watch.addPaths(watched)
        if failed:
            log.info("cannot watch %s for changes; looking every %d ms instead", failed, DATA_POLL_MS)
            self._timer.setSingleShot(False)
            self._timer.setInterval(DATA_POLL_MS)
            self._timer.start()
            return
        self._watch.fileChanged.connect(self._touched)
        self._watch.directoryChanged.connect(self._touched)

    def stop(self) -> None:
        if self._watch is not None:
            # The store is closed right after this: a late change of its file must not reach it.
            self._watch.blockSignals(True)
            self._watch.removePaths(self._watch.files() + self._watch.directories())
        self._timer.stop()

    def _files(self) -> list[Path]:
        path = self._store.path
        return [path, path.with_name(path.name + "-wal")]

    def _touched(self, _path: str = "") -> None:
        if self._watch is not None:
            # A checkpoint may replace the -wal file: watch it again (addPath ignores what is already watched).
            present = [str(p) for p in self._files() if p.exists()]
            missing = [p for p in present if p not in self._watch.files()]
            if missing:
                self._watch.addPaths(missing)
        if not self._timer.isActive():
            self._timer.start()

    def poll_data_version(self) -> None:
        """Re-read the store when another process has committed to it."""
        try:
            version = self._store.jobs.data_version()
        except sqlite3.Error:
            log.exception("cannot read the database's data version")
            return
        if version != self._data_version:
            self._data_version = version
            self.follow()

    def follow(self) -> None:
        """Apply what changed since our position; one full reload only when the feed cannot say."""
        try:
            batch = self._store.changes.read(self._position)
        except sqlite3.Error:
            log.exception("cannot read the change feed")
            return
        if batch.gap:
            log.info("the change feed was pruned past position %d: reading everything once", self._position)
            self.reload()
            return
        try:
            self._apply(batch)
        except (sqlite3.Error, JobTrayError):
            # The position stays: the same changes are read again at the next wake, or after RETRY_MS with none
            # (moving it first lost them from the tray until the next full reload; found in review).
            log.exception("cannot read what changed in the database")
            self._data_version = -1  # whatever the version then, read the feed again
            QTimer.singleShot(RETRY_MS, self, self.poll_data_version)
            return
        self._position = batch.position
        try:
            self._store.changes.prune(slack=1000)  # a write only once in a while
        except sqlite3.Error:
            log.exception("cannot prune the change feed")

    def _apply(self, batch: FeedBatch) -> None:
        if not batch.changes:  # bookkeeping (a worker's pacing, a discovery look): nothing a person sees
            self._follow_discovery()
            return
        self.follows += 1
        if batch.has("account"):
            self.load_accounts()
        else:
            self._follow_discovery()  # switched by `account edit --discover`: not in the feed
        if batch.has("settings"):
            self._load_settings()
        removed = set(batch.rows("job_removed"))
        jobs: list[Job] = []
        for row_id in batch.rows("job") - removed:
            try:
                job = self._store.jobs.get(row_id)
            except JobTrayError:  # removed since
                removed.add(row_id)
                continue
            if job.archived:
                removed.add(row_id)
            else:
                jobs.append(job)
        if removed:
            self._model.remove(removed)
        if jobs:
            self._model.upsert(jobs)
        if removed or jobs:
            self._state.jobs_touched({job.id for job in jobs} | removed)
        self._state.store_changed.emit(batch)

    def _own_write(self, _rows: object = None) -> None:
        """Results we wrote ourselves: move past them in the feed unless another process wrote meanwhile."""
        try:
            latest = self._store.changes.latest()  # read first: a commit after it moves data_version below
            if self._store.jobs.data_version() == self._data_version:
                self._position = max(self._position, latest)
        except sqlite3.Error:
            pass  # the next follow reads them again: harmless

    def _follow_discovery(self) -> None:
        enabled = set(self._store.discovery.enabled())
        if enabled != self._discovering:
            self._discovering = enabled
            self._polling.sync_discovery()
            self._polling.push()

    def reload(self, with_accounts: bool = True) -> None:
        """Accounts and jobs from the store into the supervisor, the model and the views (only the jobs:
        `with_accounts` False).

        The accounts go first: starting a worker may record an error on its jobs, and the rows read afterwards
        must include it (reading them first showed stale rows).
        """
        try:
            self._data_version = self._store.jobs.data_version()
            self._position = self._store.changes.latest()  # what changes after this is read again: harmless
            if with_accounts:
                self.load_accounts()
                self._load_settings()
            jobs = self._store.jobs.for_tray(MENU_JOBS)
        except (sqlite3.Error, JobTrayError):
            log.exception("cannot read the database")
            return
        self.reloads += 1
        self._model.sync(jobs)
        self._state.jobs_touched(None)
        self.reloaded.emit()

    def load_accounts(self) -> None:
        """The stored accounts (and which of them discover) into the supervisor and `AppState`."""
        accounts = self._store.accounts.all()
        self._polling.sync_accounts(accounts)
        self._discovering = set(self._store.discovery.enabled())
        self._polling.sync_discovery()
        self._state.set_accounts(accounts)
        self._state.set_problems(self._store.accounts.problems())  # written by another process, or before
