"""`TrayPendingWork`: after-end work a person may act on (issue 18), in the tray menu and the window, and the
actions on it (Save again / Run again, Discard) carried out by the store's owner (this, the main thread).

What is shown: the outbox's rows that failed, that our quit interrupted, whose end is unknown (a command that was
running when JobTray stopped), and downloads or commands waiting to be tried again. Rows in progress are not (the
menu's "saving 42%" says it).

It follows the store rather than polling it: another process's writes arrive through the change feed
(`AppState.store_changed`, `batch.rows("outbox")` names the jobs whose rows changed), this process's own through
the outbox's news (`EndActions.worked`), the endings recorded (`AppState.jobs_updated`) and its own actions.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from desktop_app.app.state import AppState
from desktop_app.core.errors import JobTrayError
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxRow
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.pending_work import RUN_AGAIN, PendingItem, PendingPanel
from desktop_app.ui.tray import TrayIcon

if TYPE_CHECKING:
    from desktop_app.app.end_actions import EndActions
    from desktop_app.app.windowing import WindowHost
    from desktop_app.store.changes import FeedBatch
    from desktop_app.ui.window import JobWindow

log = logging.getLogger(__name__)

SHOWN_STATES = ("pending", "failed", "interrupted", "unknown")


class TrayPendingWork(QObject):
    """The menu's and the window's lines of after-end work, kept per job from the store."""

    def __init__(
        self,
        store: Store,
        model: JobTableModel,
        state: AppState,
        *,
        tray: TrayIcon,
        windows: WindowHost,
        after: EndActions,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._model = model
        self._state = state
        self._tray = tray
        self._windows = windows
        self._after = after
        self._rows: dict[int, list[OutboxRow]] = {}  # job row id -> its rows worth a line
        self.panel: PendingPanel | None = None
        self._loaded = False
        state.store_changed.connect(self._store_changed)
        state.jobs_updated.connect(self._jobs_touched)
        state.jobs_changed.connect(self._jobs_touched)
        after.worked.connect(self.load)
        tray.pending_action_requested.connect(self.act)
        windows.built.connect(self._window_built)

    # ---- what is shown ----------------------------------------------------------------------------------------

    def load(self) -> None:
        """Every job's rows (at start, after the outbox's news, when the feed cannot say which changed)."""
        try:
            found = self._store.outbox.by_job(SHOWN_STATES)
        except (sqlite3.Error, JobTrayError):
            log.exception("cannot read the after-end work")
            return
        self._loaded = True
        self._rows = {job: kept for job, rows in found.items() if (kept := self._worth_a_line(rows))}
        self._show()

    def refresh(self, jobs: Iterable[int]) -> None:
        """Only these jobs' rows, read again."""
        if not self._loaded:
            return
        try:
            for job in jobs:
                kept = self._worth_a_line(self._store.outbox.for_job(job, SHOWN_STATES))
                if kept:
                    self._rows[job] = kept
                else:
                    self._rows.pop(job, None)
        except (sqlite3.Error, JobTrayError):
            log.exception("cannot read the after-end work")
            return
        self._show()

    def items(self, job: int | None = None) -> list[PendingItem]:
        """The lines shown (of one job, or of all, newest job first)."""
        jobs = [job] if job is not None else sorted(self._rows, reverse=True)
        return [self._item(row) for j in jobs for row in self._rows.get(j, ())]

    @staticmethod
    def _worth_a_line(rows: Iterable[OutboxRow]) -> list[OutboxRow]:
        now = time.time()
        # A pending row is worth a line only while it waits for a retry (it failed once); a fresh one is just work.
        return [
            row
            for row in rows
            if row.state != "pending" or (row.next_attempt_at is not None and row.next_attempt_at > now)
        ]

    def _item(self, row: OutboxRow) -> PendingItem:
        job = self._model.job(row.job)
        if job is None:  # the model may hold the tray's jobs only
            try:
                job = self._store.jobs.get(row.job)
            except (sqlite3.Error, JobTrayError):
                job = None
        title = job.title if job is not None else str(row.job)
        return PendingItem(
            row_id=row.id,
            job=row.job,
            title=title,
            kind=row.kind,
            state=row.state,
            target_name=row.target_name,
            last_error=row.last_error,
            from_watch=row.from_watch,
        )

    def _show(self) -> None:
        self._tray.set_pending(self.items())
        self._show_selected()

    def _show_selected(self, _row: int | None = None) -> None:
        if self.panel is None:
            return
        selected = self._windows.selected
        self.panel.show_items(self.items(selected) if selected is not None else [])

    # ---- following the store ----------------------------------------------------------------------------------

    def _store_changed(self, batch: FeedBatch) -> None:
        if batch.gap:
            self.load()
            return
        jobs = batch.rows("outbox") | batch.rows("job_removed")
        if jobs:
            self.refresh(jobs)

    def _jobs_touched(self, rows: frozenset[int] | None) -> None:
        # Only the jobs shown are read again (removed, or settled elsewhere): a stream of results costs nothing
        # here, and new lines come with the outbox's news or the change feed.
        if rows is None:
            self.load()
        elif shown := rows & self._rows.keys():
            self.refresh(shown)

    def _window_built(self, window: JobWindow) -> None:
        self.panel = PendingPanel(window.history)
        layout = window.history.layout()
        if layout is not None:
            layout.addWidget(self.panel)  # below the selected job's timeline
        self.panel.action_requested.connect(self.act)
        window.job_selected.connect(self._show_selected)
        self._show_selected()

    # ---- a person's choices -----------------------------------------------------------------------------------

    def act(self, row_id: int, action: str) -> None:
        """Save again / Run again (the row pending again, the runner takes it now) or Discard, on the main thread."""
        try:
            job = self._after.run_again(row_id) if action == RUN_AGAIN else self._store.outbox.discard(row_id).job
        except (sqlite3.Error, JobTrayError) as exc:
            self._state.refuse(str(exc))
            self.load()
            return
        self.refresh([job])
        self._state.say(self.tr("Trying it again") if action == RUN_AGAIN else self.tr("Discarded"))
