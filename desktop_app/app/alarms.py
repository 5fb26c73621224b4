"""`FailureAlarms`: acknowledging failures from the tray, the window and a notification, and the one reminder of an
unacknowledged failure after `renotify-hours` (issue 21). The policy is `core.alarms`; the state is the store's
(`JobStore.acknowledge`, `mark_renotified`), so it survives restarts and `jobtray ack` from a terminal counts."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from desktop_app.app.state import AppState
from desktop_app.core.alarms import next_renotify, renotify_due
from desktop_app.core.errors import JobTrayError
from desktop_app.store.database import Store
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.notifier import Notifier

log = logging.getLogger(__name__)

MAX_WAIT_MS = 3_600_000  # a reminder days away is looked at again within the hour (QTimer's range, clock changes)
RETRY_MS = 60_000  # a reminder the store refused to note is tried again after this, not at once (a busy loop)


class FailureAlarms(QObject):
    """Writes acknowledgements and tells reminders; connect the views' `acknowledge_requested` to `acknowledge`.

    Args:
        renotify_hours: the setting as it is now (`EndActions.app.renotify_hours`), read at each arming.
        clock: aware UTC now (tests inject one).
    """

    def __init__(
        self,
        store: Store,
        model: JobTableModel,
        state: AppState,
        notifier: Notifier,
        *,
        renotify_hours: Callable[[], float],
        clock: Callable[[], datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._model = model
        self._state = state
        self._notifier = notifier
        self._hours = renotify_hours
        self._clock = clock or (lambda: datetime.now(UTC))
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.remind_due)
        notifier.acknowledge_requested.connect(lambda row_id: self.acknowledge([row_id]))
        state.jobs_changed.connect(lambda _rows: self.arm())
        state.jobs_updated.connect(lambda _rows: self.arm())

    def stop(self) -> None:
        """At quit: nothing more is worked out (the store is about to close)."""
        self._timer.stop()
        self._stopped = True

    def acknowledge(self, row_ids: Iterable[int]) -> None:
        """The user acknowledged these failures: written, the rows refreshed, the icon stops alarming."""
        wanted = list(row_ids)
        try:
            done = self._store.jobs.acknowledge(wanted)
        except (sqlite3.Error, JobTrayError) as exc:
            self._state.refuse(
                QCoreApplication.translate("AppController", "Could not acknowledge: %1").replace("%1", str(exc))
            )
            return
        if not done:
            return
        self._model.upsert(done)
        self._state.jobs_touched(job.id for job in done)
        self._state.say(
            QCoreApplication.translate("AppController", "Acknowledged %1 failure(s)").replace("%1", str(len(done)))
        )

    def arm(self) -> None:
        """(Re)start the timer for the earliest reminder due among the model's jobs."""
        if self._stopped:
            return
        when = next_renotify(self._model.jobs(), self._hours())
        if when is None:
            self._timer.stop()
            return
        wait_ms = int((when - self._clock()).total_seconds() * 1000)
        self._timer.start(max(0, min(wait_ms, MAX_WAIT_MS)))

    def remind_due(self) -> None:
        """Tell each failure whose reminder is due, once (another process may have told it: the store decides)."""
        now, hours = self._clock(), self._hours()
        told = []
        refused = False
        for job in self._model.jobs():
            if not renotify_due(job, now, hours):
                continue
            try:
                if self._store.jobs.mark_renotified(job.id):
                    self._notifier.remind_failure(job)
                told.append(self._store.jobs.get(job.id))
            except (sqlite3.Error, JobTrayError):
                refused = True
                log.exception("cannot note the reminder of job %s", job.job_id)
        if told:
            self._model.upsert(told)
            self._state.jobs_touched(job.id for job in told)
        if refused and not self._stopped:
            # Still due: arming for it would fire at once, again and again, while the store refuses.
            self._timer.start(RETRY_MS)
            return
        self.arm()
