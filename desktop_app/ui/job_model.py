"""The jobs as a table model. Updates arrive as whole `Job` snapshots and are applied as row-level signals.

After the first load the model is never reset: `sync` and `upsert` diff by row id and emit dataChanged,
rowsInserted and rowsRemoved, so a view with 10,000 rows keeps its selection and scroll position.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop_app.core.model import Job, JobState
from desktop_app.ui.icons import state_icon

JOB_ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the store's row id of the job on this row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a value that sorts naturally (numbers, times)
JOB_ROLE = Qt.ItemDataRole.UserRole + 3  # the Job itself

_Index = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    JOB = 0
    ACCOUNT = 1
    STATE = 2
    PROGRESS = 3
    UPDATED = 4
    MESSAGE = 5


HEADERS = {
    Column.JOB: "Job",
    Column.ACCOUNT: "Account",
    Column.STATE: "State",
    Column.PROGRESS: "Progress",
    Column.UPDATED: "Updated",
    Column.MESSAGE: "Message",
}

STATE_TEXT = {
    JobState.QUEUED: "Queued",
    JobState.RUNNING: "Running",
    JobState.SUCCEEDED: "Finished",
    JobState.PARTIAL: "Partly finished",
    JobState.FAILED: "Failed",
    JobState.CANCELLED: "Cancelled",
    JobState.NOT_FOUND: "Not found",
}


def progress_text(job: Job) -> str:
    if job.progress is not None:
        return f"{job.progress:.0f}%"
    return "" if job.state.is_terminal else "…"


def updated_text(when: datetime) -> str:
    local = when.astimezone()
    if local.date() == datetime.now(UTC).astimezone().date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M")


def message_text(job: Job) -> str:
    if job.last_error:
        return f"check failed: {job.last_error}"
    return job.message or job.result_url or ""


class JobTableModel(QAbstractTableModel):
    """Rows in the order jobs were first seen; sorting and filtering belong to a proxy."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._row_of: dict[int, int] = {}

    # ---- Qt model API --------------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self._jobs[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, column)
        if role == SORT_ROLE:
            return self._sort_value(job, column)
        if role == JOB_ROW_ID_ROLE:
            return job.id
        if role == JOB_ROLE:
            return job
        if role == Qt.ItemDataRole.DecorationRole and column == Column.STATE:
            return state_icon(job.state)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == Column.JOB:
                return f"{job.job_id} ({job.provider})"
            if column == Column.MESSAGE:
                return message_text(job) or None
        return None

    @staticmethod
    def _display(job: Job, column: Column) -> str:
        if column == Column.JOB:
            return f"{job.label} ({job.job_id})" if job.label else job.job_id
        if column == Column.ACCOUNT:
            return job.account
        if column == Column.STATE:
            return STATE_TEXT[job.state]
        if column == Column.PROGRESS:
            return progress_text(job)
        if column == Column.UPDATED:
            return updated_text(job.updated_at)
        return message_text(job)

    @staticmethod
    def _sort_value(job: Job, column: Column) -> Any:
        if column == Column.PROGRESS:
            return -1.0 if job.progress is None else job.progress
        if column == Column.UPDATED:
            return job.updated_at.timestamp()
        if column == Column.STATE:
            return list(JobState).index(job.state)
        return JobTableModel._display(job, column).lower()

    # ---- updates -------------------------------------------------------------------------------------------

    def jobs(self) -> Sequence[Job]:
        return tuple(self._jobs)

    def job(self, row_id: int) -> Job | None:
        row = self._row_of.get(row_id)
        return None if row is None else self._jobs[row]

    def row_of(self, row_id: int) -> int | None:
        return self._row_of.get(row_id)

    def upsert(self, jobs: Iterable[Job]) -> None:
        """Update the given jobs in place and append the new ones."""
        new: list[Job] = []
        changed: list[int] = []
        for job in jobs:
            row = self._row_of.get(job.id)
            if row is None:
                new.append(job)
            elif self._jobs[row] != job:
                self._jobs[row] = job
                changed.append(row)
        self._emit_changed(changed)
        if new:
            first = len(self._jobs)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, job in enumerate(new):
                self._row_of[job.id] = first + offset
                self._jobs.append(job)
            self.endInsertRows()

    def remove(self, row_ids: Iterable[int]) -> None:
        """Drop rows, contiguous runs at a time, from the bottom up so earlier row numbers stay valid."""
        rows = sorted((self._row_of[r] for r in set(row_ids) if r in self._row_of), reverse=True)
        if not rows:
            return
        runs: list[tuple[int, int]] = []
        for row in rows:
            if runs and runs[-1][0] == row + 1:
                runs[-1] = (row, runs[-1][1])
            else:
                runs.append((row, row))
        for first, last in runs:
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._jobs[first : last + 1]
            self.endRemoveRows()
        self._row_of = {job.id: row for row, job in enumerate(self._jobs)}

    def sync(self, jobs: Sequence[Job]) -> None:
        """Make the model hold exactly `jobs`: removes the missing, updates the changed, appends the new."""
        present = {job.id for job in jobs}
        gone = [row_id for row_id in self._row_of if row_id not in present]
        self.remove(gone)
        self.upsert(jobs)

    def _emit_changed(self, rows: list[int]) -> None:
        if not rows:
            return
        rows.sort()
        last_column = len(Column) - 1
        # One signal per contiguous run: many small updates cost little, a big refresh stays one signal.
        start = prev = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == prev + 1:
                prev = row
                continue
            self.dataChanged.emit(self.index(start, 0), self.index(prev, last_column))
            if row is not None:
                start = prev = row
