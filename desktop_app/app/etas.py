"""`EtaDisplay`: each open job's likely end in the tray menu and the window ("likely in 4-6 min", issue 21).

An account's learned durations are read from the store once while it has open jobs, with one bounded query
(`engine.etas.learned_history`: its newest ends, never every job), and then follow the endings the tray records
(`StatusChange`s); the ranges are worked out again when jobs change and every `REFRESH_MS` while any is open
(`engine.etas.etas_for`, cheap). Idle, with nothing open, nothing wakes.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from desktop_app.app.state import AppState
from desktop_app.core.durations import DurationHistory
from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import JobState, StatusChange
from desktop_app.engine.etas import etas_for, learned_history
from desktop_app.store.database import Store
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.tray import TrayIcon

if TYPE_CHECKING:
    from desktop_app.engine.results import CheckResult  # requests comes with it: not loaded by an idle tray

log = logging.getLogger(__name__)

REFRESH_MS = 30_000
DEBOUNCE_MS = 500  # a burst of results makes one refresh


class EtaDisplay(QObject):
    def __init__(
        self,
        store: Store,
        model: JobTableModel,
        state: AppState,
        tray: TrayIcon,
        *,
        clock: Callable[[], datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._model = model
        self._tray = tray
        self._clock = clock or (lambda: datetime.now(UTC))
        # Per account with open jobs: its learned durations, read once (bounded), then kept up by `_ended`.
        self._learned: dict[str, DurationHistory] = {}
        # A provider's own estimate (encoding.com's time_left): (account, job ID) -> (seconds left, when heard).
        self._time_left: dict[tuple[str, str], tuple[float, datetime]] = {}
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        state.jobs_changed.connect(lambda _rows: self._soon())
        state.jobs_updated.connect(lambda _rows: self._soon())
        state.status_changed.connect(self._ended)

    def _soon(self) -> None:
        if self._stopped:
            return
        if not self._timer.isActive() or self._timer.remainingTime() > DEBOUNCE_MS:
            self._timer.start(DEBOUNCE_MS)

    def _ended(self, changes: list[StatusChange]) -> None:
        for change in changes:
            history = self._learned.get(change.job.account)
            if history is None or not (change.old_state.is_terminal or change.new_state.is_terminal):
                continue
            finished = change.job.finished_at
            if not change.old_state.is_terminal and finished is not None:
                # A new ending is the newest one: the history the store would give now, without asking it.
                if change.new_state is not JobState.NOT_FOUND:
                    history.record((finished - change.job.created_at).total_seconds())
            else:
                # An ended job changed again (or opened again): rare; that one account is read again when needed.
                del self._learned[change.job.account]

    def stop(self) -> None:
        """At quit: nothing more is worked out (the store is about to close)."""
        self._timer.stop()
        self._stopped = True

    def note_result(self, result: CheckResult) -> None:
        """A worker's answer (connect the pool's `result_ready`): the provider's time-left estimates in it."""
        now = self._clock()
        for status in result.statuses:
            key = (result.account, status.job_id)
            if status.eta_seconds is not None and not status.state.is_terminal:
                self._time_left[key] = (status.eta_seconds, now)
            else:
                self._time_left.pop(key, None)

    def refresh(self) -> None:
        if self._stopped:
            return
        open_jobs = [job for job in self._model.jobs() if not job.state.is_terminal]
        now = self._clock()
        left: dict[int, float] = {}
        for job in open_jobs:
            heard = self._time_left.get((job.account, job.job_id))
            if heard is not None:
                left[job.id] = max(0.0, heard[0] - (now - heard[1]).total_seconds())
        if len(self._time_left) > 4 * len(open_jobs) + 64:  # bounded: forget jobs no longer open
            keep = {(job.account, job.job_id) for job in open_jobs}
            self._time_left = {k: v for k, v in self._time_left.items() if k in keep}
        active = {job.account for job in open_jobs}
        # An account without open jobs is forgotten (and read again when it has some): the histories kept stay few.
        self._learned = {name: history for name, history in self._learned.items() if name in active}
        for name in active - self._learned.keys():
            try:
                self._learned[name] = learned_history(self._store, name)
            except (sqlite3.Error, JobTrayError):
                log.exception("cannot read the durations of %s's ended jobs", name)
                self._learned[name] = DurationHistory()
        etas = etas_for(open_jobs, self._learned, now, left) if open_jobs else {}
        self._model.set_etas(etas)
        self._tray.set_etas(etas)
        if open_jobs:
            self._timer.start(REFRESH_MS)
