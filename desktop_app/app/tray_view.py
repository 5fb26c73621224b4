"""What the tray icon, tooltip and menu show, kept row by row (issue 19): a change costs O(changed rows), never a
pass over every job; results in a burst redraw the icon once per burst, a person's own action at once."""

from __future__ import annotations

import logging
import sqlite3

from PySide6.QtCore import QObject, QTimer

from desktop_app.core.model import JobState
from desktop_app.store.database import Store
from desktop_app.ui.job_index import JobIndex
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.tray import MENU_JOBS, TrayIcon

log = logging.getLogger(__name__)

TRAY_UPDATE_MS = 100  # results come in bursts: the icon and tooltip follow once per burst


class TrayView(QObject):
    """Keeps `index` (a `JobIndex`) in step with the model and hands it to the tray.

    The model holds the tray's jobs only (the window pages from the store), so a full reset takes the counts of
    every job from the store (`JobStore.counts_by_state`, and `ids_by_state` once a change reaches a job it does
    not hold), not from the model.
    """

    def __init__(self, store: Store, model: JobTableModel, tray: TrayIcon, parent: QObject) -> None:
        super().__init__(parent)
        self._store = store
        self._model = model
        self._tray = tray
        self.index = JobIndex()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TRAY_UPDATE_MS)
        self._timer.timeout.connect(self.update_now)

    def jobs_changed(self, rows: frozenset[int] | None) -> None:
        """The user (or another process) did something: shown at once."""
        self._index_rows(rows)
        self.update_now()

    def jobs_updated(self, rows: frozenset[int] | None = None) -> None:
        """Results came in: shown once per burst."""
        self._index_rows(rows)
        if not self._timer.isActive():  # not restarted: a steady stream of results must not starve the tray
            self._timer.start()

    def update_now(self) -> None:
        self._timer.stop()
        surplus = self.index.surplus(MENU_JOBS)
        if surplus:  # endings the menu no longer shows: out of the tray's model, still counted
            self.index.release(surplus)
            self._model.remove(surplus)
        self._tray.set_jobs(self.index)

    def _read_ledger(self) -> dict[JobState, list[int]] | None:
        try:
            return self._store.jobs.ids_by_state()
        except sqlite3.Error:
            log.exception("cannot read the jobs' states")
            return None

    def stop(self) -> None:
        self._timer.stop()

    def _index_rows(self, rows: frozenset[int] | None) -> None:
        if rows is None:
            # The model never holds every job (the window pages from the store): counts come from the store.
            counts = None
            try:
                counts = self._store.jobs.counts_by_state()
            except sqlite3.Error:
                log.exception("cannot count the jobs")
            self.index.reset(self._model.jobs(), counts=counts, read_ledger=self._read_ledger)
            return
        for row_id in rows:
            job = self._model.job(row_id)
            if job is None:
                self.index.remove([row_id])
            else:
                self.index.update([job])
