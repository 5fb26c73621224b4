"""`StoreFollower`: another process's commits (`jobtray add`, `account remove`, `settings set`) reach the tray.

A file-system watch of the database folder and its -wal file wakes it (debounced: a commit touches the file several
times); a fixed poll only where the watch cannot be set. Idle, nothing here wakes the process. What was read goes
to the model, the supervisor (accounts, discovery) and the settings, and `AppState` tells the views.
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
from desktop_app.store.database import Store
from desktop_app.ui.job_model import JobTableModel

log = logging.getLogger(__name__)

DATA_POLL_MS = 1000  # where the database cannot be watched: how soon a job added by `jobtray add` shows up
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
        self.reloads = 0  # full reloads so far (bench/: a request must never cause one)
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
            self.reload()

    def reload(self, with_accounts: bool = True) -> None:
        """Accounts and jobs from the store into the supervisor, the model and the views (only the jobs:
        `with_accounts` False).

        The accounts go first: starting a worker may record an error on its jobs, and the rows read afterwards
        must include it (reading them first showed stale rows).
        """
        try:
            self._data_version = self._store.jobs.data_version()
            if with_accounts:
                self.load_accounts()
                self._load_settings()
            jobs = self._store.jobs.all()
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
        self._polling.sync_discovery()
        self._state.set_accounts(accounts)
