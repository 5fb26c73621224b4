"""`WindowHost`: the window, built when first needed (a tray never opened saves its ~10 MB and the time to build it
before the icon shows), what it shows from `AppState` (messages, refusals, the welcome), the selected job's history
(read again only when that job changed), and the non-modal dialogs kept alive while open.

The window's table is a `ui.paged_jobs.PagedJobModel` of its own over `store.job_pages.JobPages` (issue 19): it reads
the first page of the jobs in its order and filter and more as the person scrolls, never every job, and follows the
rows `AppState` says changed. The tray's model (`model`, what the icon and menu need) is not the window's.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from desktop_app.app.state import AppState
from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import HistoryEntry, Job
from desktop_app.store.database import Store
from desktop_app.ui.job_model import JobTableModel

if TYPE_CHECKING:
    from desktop_app.ui.paged_jobs import PagedJobModel
    from desktop_app.ui.window import JobWindow

log = logging.getLogger(__name__)


class WindowHost(QObject):
    """Owns the window's lifetime and feeds it.

    Signals:
        built(object): the window (a `JobWindow`) was just built: connect its intents.
    """

    built = Signal(object)

    def __init__(
        self,
        store: Store,
        model: JobTableModel,
        state: AppState,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._model = model  # the tray's: its likely ends (ETAs) are handed on to the window's rows
        self._pages: PagedJobModel | None = None
        self._state = state
        self._window: JobWindow | None = None
        self._selected: int | None = None
        self._dialogs: list[QDialog] = []
        self._message: str | None = None  # the status line said before the window was built, shown when it is
        state.message.connect(self.show_message)
        state.refusal.connect(self.show_refusal)
        state.welcome_changed.connect(lambda shown: self._window.set_welcome(shown) if self._window else None)
        state.jobs_changed.connect(self._rows_changed)
        state.jobs_updated.connect(self._rows_changed)

    @property
    def window(self) -> JobWindow:
        if self._window is None:
            from desktop_app.store.job_pages import JobPages
            from desktop_app.ui.paged_jobs import PagedJobModel
            from desktop_app.ui.window import JobWindow

            pages = PagedJobModel(JobPages(self._store.conn), self, clock=self._model.clock)
            pages.set_etas(self._model.etas())
            self._model.etas_changed.connect(pages.set_etas)
            self._state.jobs_changed.connect(pages.follow)
            self._state.jobs_updated.connect(pages.follow)
            self._pages = pages
            window = JobWindow(pages)  # its default order reads the first page
            window.job_selected.connect(self.select_job)
            window.set_welcome(self._state.welcome)
            from desktop_app.app.definitions import defined_providers

            window.welcome.add_defined_providers(defined_providers())
            self._window = window
            if self._message is not None:
                window.show_message(self._message)
                self._message = None
            self.built.emit(window)
        return self._window

    @property
    def is_built(self) -> bool:
        return self._window is not None

    def show_message(self, text: str) -> None:
        """A status line in the window, kept until the window is built if it is not yet: a tray whose keyring took
        over 0.5 s built the whole window (its model reading the store, ~10 MB) to hold "Waiting for the keyring"."""
        if self._window is None:
            self._message = text
            return
        self._window.show_message(text)

    def show_refusal(self, text: str) -> None:
        self.window.show_refusal(text)

    def show_window(self) -> None:
        self.window.bring_to_front()

    def show_job(self, row_id: int) -> None:
        """Show the window with this job selected; a job not among the rows the table can read (archived, filtered
        out, or far beyond the rows read) has its history shown all the same."""
        self.show_window()
        if not self.window.select_job(row_id):
            self.select_job(row_id)

    @property
    def selected(self) -> int | None:
        """The row id of the job whose history the window shows."""
        return self._selected

    def select_job(self, row_id: int) -> None:
        self._selected = row_id if row_id >= 0 else None
        job: Job | None = None
        entries: list[HistoryEntry] = []
        if row_id >= 0:
            try:  # from the store: the job may be in neither model (a page not read, the tray's not holding it)
                job = self._store.jobs.get(row_id)
                entries = self._store.jobs.history(row_id)
            except sqlite3.Error:  # StoreError too (a JobTrayError as well): the store failed, the job is not gone
                log.exception("cannot read the history of job %s", row_id)
                job = self._pages.job(row_id) if self._pages is not None else None
            except JobTrayError:
                job = None  # removed
        self.window.show_history(job, entries)

    def _rows_changed(self, rows: frozenset[int] | None) -> None:
        if self._selected is not None and (rows is None or self._selected in rows):
            self.select_job(self._selected)

    def keep_open(self, dialog: QDialog) -> None:
        """Open a non-modal dialog, kept alive until it is closed."""
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _code: self._dialogs.remove(dialog) if dialog in self._dialogs else None)
        dialog.open()

    def close(self) -> None:
        for dialog in list(self._dialogs):
            dialog.close()
        if self._window is not None:
            self._window.hide()
