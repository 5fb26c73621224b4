"""`WindowHost`: the window, built when first needed (a tray never opened saves its ~10 MB and the time to build it
before the icon shows), what it shows from `AppState` (messages, refusals, the welcome), the selected job's history
(read again only when that job changed), and the non-modal dialogs kept alive while open."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from desktop_app.app.state import AppState
from desktop_app.store.database import Store
from desktop_app.ui.job_model import JobTableModel

if TYPE_CHECKING:
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
        *,
        load_all: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._load_all = load_all  # every job into the model: until the window opens it holds the tray's only
        self._store = store
        self._model = model
        self._state = state
        self._window: JobWindow | None = None
        self._selected: int | None = None
        self._dialogs: list[QDialog] = []
        state.message.connect(self.show_message)
        state.refusal.connect(self.show_refusal)
        state.welcome_changed.connect(lambda shown: self._window.set_welcome(shown) if self._window else None)
        state.jobs_changed.connect(self._rows_changed)
        state.jobs_updated.connect(self._rows_changed)

    @property
    def window(self) -> JobWindow:
        if self._window is None:
            from desktop_app.ui.window import JobWindow

            if self._load_all is not None:
                self._load_all()
            window = JobWindow(self._model)
            window.job_selected.connect(self.select_job)
            window.set_welcome(self._state.welcome)
            from desktop_app.app.definitions import defined_providers

            window.welcome.add_defined_providers(defined_providers())
            self._window = window
            self.built.emit(window)
        return self._window

    @property
    def is_built(self) -> bool:
        return self._window is not None

    def show_message(self, text: str) -> None:
        """A status line in the window (built for it if need be: it is shown to whoever opens the window)."""
        self.window.show_message(text)

    def show_refusal(self, text: str) -> None:
        self.window.show_refusal(text)

    def show_window(self) -> None:
        self.window.bring_to_front()

    def show_job(self, row_id: int) -> None:
        self.show_window()
        self.window.select_job(row_id)

    @property
    def selected(self) -> int | None:
        """The row id of the job whose history the window shows."""
        return self._selected

    def select_job(self, row_id: int) -> None:
        self._selected = row_id if row_id >= 0 else None
        job = self._model.job(row_id) if row_id >= 0 else None
        if job is None:
            self.window.show_history(None, [])
            return
        try:
            entries = self._store.jobs.history(job.id)
        except sqlite3.Error:
            log.exception("cannot read the history of job %s", job.id)
            entries = []
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
