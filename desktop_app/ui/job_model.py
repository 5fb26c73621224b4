"""The jobs as a table model. Updates arrive as whole `Job` snapshots and are applied as row-level signals.

After the first load the model is never reset: `sync` and `upsert` diff by row id and emit dataChanged,
rowsInserted, rowsMoved and rowsRemoved, so a view with 10,000 rows keeps its selection and scroll position.
Sorting happens here too (`sort`), not in a proxy: see `JobTableModel.sort` for why.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop_app.core.ids import provider_display_name
from desktop_app.core.model import Job, JobState
from desktop_app.core.problems import ProblemKind
from desktop_app.core.text import displayable
from desktop_app.ui.etatext import Etas, job_eta_text
from desktop_app.ui.icons import state_icon
from desktop_app.ui.problems import waiting_state_text
from desktop_app.ui.texts import QT_TRANSLATE_NOOP, duration_text, full_time, relative_time, state_text

JOB_ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the store's row id of the job on this row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a value that sorts naturally (numbers, times)
JOB_ROLE = Qt.ItemDataRole.UserRole + 3  # the Job itself
MAX_SINGLE_MOVES = 16  # more sorted rows moving in one update: one layout change instead (cheaper for views)

_Index = QModelIndex | QPersistentModelIndex
_BAD = (JobState.FAILED, JobState.NOT_FOUND)


class Column(enum.IntEnum):
    JOB = 0
    ACCOUNT = 1
    STATE = 2
    PROGRESS = 3
    DURATION = 4
    UPDATED = 5
    RESULT = 6
    MESSAGE = 7


# The column titles' source texts; headerData translates them.
HEADERS = {
    Column.JOB: QT_TRANSLATE_NOOP("JobTableModel", "Job"),
    Column.ACCOUNT: QT_TRANSLATE_NOOP("JobTableModel", "Account"),
    Column.STATE: QT_TRANSLATE_NOOP("JobTableModel", "State"),
    Column.PROGRESS: QT_TRANSLATE_NOOP("JobTableModel", "Progress"),
    Column.DURATION: QT_TRANSLATE_NOOP("JobTableModel", "Duration"),
    Column.UPDATED: QT_TRANSLATE_NOOP("JobTableModel", "Updated"),
    Column.RESULT: QT_TRANSLATE_NOOP("JobTableModel", "Result"),
    Column.MESSAGE: QT_TRANSLATE_NOOP("JobTableModel", "Message"),
}

Clock = Callable[[], datetime]

_COLUMNS = tuple(Column)
_COLUMN_COUNT = len(_COLUMNS)
_DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole.value)
_DECORATION_ROLE = int(Qt.ItemDataRole.DecorationRole.value)
_TOOLTIP_ROLE = int(Qt.ItemDataRole.ToolTipRole.value)
_SORT_ROLE = int(SORT_ROLE)
_JOB_ROW_ID_ROLE = int(JOB_ROW_ID_ROLE)
_JOB_ROLE = int(JOB_ROLE)


class _Edge:
    """A sort value beyond every other: rows added while the order is held go to the bottom in either direction."""

    def __init__(self, low: bool) -> None:
        self._low = low

    def __eq__(self, other: object) -> bool:
        return other is self

    def __hash__(self) -> int:
        return id(self)

    def __lt__(self, other: object) -> bool:
        return self._low and other is not self

    def __gt__(self, other: object) -> bool:
        return not self._low and other is not self

    def __le__(self, other: object) -> bool:
        return self._low or other is self

    def __ge__(self, other: object) -> bool:
        return not self._low or other is self


_LOWEST, _HIGHEST = _Edge(low=True), _Edge(low=False)


def _tr(text: str) -> str:
    return QCoreApplication.translate("JobTableModel", text)


def progress_text(job: Job) -> str:
    if job.progress is not None:
        return f"{job.progress:.0f}%"
    return "" if job.state.is_terminal else "…"


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_seconds(job: Job, now: datetime) -> float:
    """How long the job ran (ended) or has been running (open)."""
    end = (job.finished_at or job.updated_at) if job.state.is_terminal else now
    return max(0.0, (end - job.created_at).total_seconds())


def duration_tooltip(job: Job) -> str:
    lines = [QCoreApplication.translate("JobTableModel", "Started %1").replace("%1", full_time(job.created_at))]
    if job.state.is_terminal:
        lines.append(
            QCoreApplication.translate("JobTableModel", "Ended %1").replace(
                "%1", full_time(job.finished_at or job.updated_at)
            )
        )
    return "\n".join(lines)


def result_text(job: Job) -> str:
    """What the row's Open action opens: the saved file first (a link can expire), else the result link."""
    if job.result_file:
        return QCoreApplication.translate("JobTableModel", "Open file")
    return QCoreApplication.translate("JobTableModel", "Open link") if job.result_url else ""


def message_text(job: Job) -> str:
    # Server text, shown in a cell and a tooltip: controls and bidi overrides escaped (core.text).
    if job.last_error:
        return QCoreApplication.translate("JobTableModel", "check failed: %1").replace(
            "%1", displayable(job.last_error)
        )
    if job.result_file:
        return QCoreApplication.translate("JobTableModel", "saved: %1").replace("%1", displayable(job.result_file))
    if job.download_error:
        return QCoreApplication.translate("JobTableModel", "result not saved: %1").replace(
            "%1", displayable(job.download_error)
        )
    return displayable(job.message or job.result_url or "")


class JobCounts(NamedTuple):
    """The window's status line: `2 running · 1 waiting · 5 finished today · 1 failed`."""

    running: int
    waiting: int  # open jobs of accounts that cannot be checked
    finished_today: int
    failed: int


def count_jobs(jobs: Iterable[Job], now: datetime, stuck: Collection[str] = ()) -> JobCounts:
    """One pass; archived jobs left out. Open jobs of the `stuck` accounts (they cannot be checked) are counted
    apart from the running ones; "today" is the local day of `now`."""
    running = waiting = finished_today = failed = 0
    today = now.astimezone().date()
    for job in jobs:
        if job.archived:
            continue
        if job.state in _BAD:
            failed += 1
        elif not job.state.is_terminal:
            if job.account in stuck:
                waiting += 1
            else:
                running += 1
        elif (job.finished_at or job.updated_at).astimezone().date() == today:
            finished_today += 1
    return JobCounts(running, waiting, finished_today, failed)


class JobTableModel(QAbstractTableModel):
    """Rows in the order jobs were first seen until `sort` is called, then kept sorted; filtering belongs to a
    proxy.

    Signals:
        etas_changed(object): `set_etas` was given new likely ends (the window's paged model follows them).
    """

    etas_changed = Signal(object)

    def __init__(self, parent: Any = None, clock: Clock = utc_now) -> None:
        super().__init__(parent)
        self.clock = clock  # relative times and running durations are computed from it (tests inject one)
        self._jobs: list[Job] = []
        self._row_of: dict[int, int] = {}
        self._sort: tuple[Column, bool] | None = None  # (column, descending) once sort() was called
        self._keys: list[tuple[Any, int]] = []  # the sort key of each row, while sorted
        self._key_of: dict[int, tuple[Any, int]] = {}  # row id -> its sort key, while sorted
        self._etas: Etas = {}  # open jobs' likely ends (engine.etas.job_etas), shown beside their duration
        self._problems: dict[str, ProblemKind] = {}  # accounts that cannot be checked (core/problems.py)
        self._held = False  # hold_order: rows keep their places (the pointer is over them)
        self._stale = False  # a held row's sort key changed, or a row was added at the bottom: re-sort on release

    # ---- Qt model API --------------------------------------------------------------------------------------

    # Views call these hundreds of thousands of times with 10,000 rows: plain ints, no enum lookups on the way.

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _COLUMN_COUNT

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _tr(HEADERS[Column(section)])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self._jobs[index.row()]
        column = _COLUMNS[index.column()]
        if role == _DISPLAY_ROLE:
            if column == Column.STATE and self._problems and not job.state.is_terminal:
                kind = self._problems.get(job.account)
                if kind is not None:  # its account cannot be checked: "Queued · waiting: key not set"
                    return waiting_state_text(state_text(job.state), kind)
            if column == Column.UPDATED:
                return relative_time(job.updated_at, self.clock())
            if column == Column.DURATION:
                now = self.clock()
                likely = job_eta_text(job, self._etas, now) if self._etas else None
                ran = duration_text(run_seconds(job, now))
                return ran if likely is None else f"{ran} · {likely}"
            return self._display(job, column)
        if role == _SORT_ROLE:
            return self._sort_value(job, column)
        if role == _JOB_ROW_ID_ROLE:
            return job.id
        if role == _JOB_ROLE:
            return job
        if role == _DECORATION_ROLE:
            return state_icon(job.state) if column == Column.STATE else None
        if role == _TOOLTIP_ROLE:
            if column == Column.JOB:
                return f"{displayable(job.job_id)} ({provider_display_name(job.provider)})"
            if column == Column.MESSAGE:
                return message_text(job) or None
            if column == Column.UPDATED:
                return full_time(job.updated_at)
            if column == Column.DURATION:
                return duration_tooltip(job)
            if column == Column.RESULT:
                target = job.result_file or job.result_url
                return displayable(target) if target else None
        return None

    @staticmethod
    def _display(job: Job, column: Column) -> str:
        """The text of the columns that do not depend on the clock (see data() for the ones that do)."""
        if column == Column.JOB:
            return displayable(f"{job.label} ({job.job_id})" if job.label else job.job_id)
        if column == Column.ACCOUNT:
            return displayable(job.account)
        if column == Column.STATE:
            return state_text(job.state)
        if column == Column.PROGRESS:
            return progress_text(job)
        if column == Column.UPDATED:
            return full_time(job.updated_at)
        if column == Column.DURATION:
            return duration_text(run_seconds(job, job.updated_at))
        if column == Column.RESULT:
            return result_text(job)
        return message_text(job)

    @staticmethod
    def _sort_value(job: Job, column: Column) -> Any:
        if column == Column.PROGRESS:
            return -1.0 if job.progress is None else job.progress
        if column == Column.UPDATED:
            return job.updated_at.timestamp()
        if column == Column.STATE:
            return list(JobState).index(job.state)
        if column == Column.DURATION:
            # Never the clock: the kept sort keys must not go stale. Ended jobs by how long they took, then the
            # open ones, longest running (earliest started) last in ascending order.
            if job.state.is_terminal:
                return (0, run_seconds(job, job.updated_at))
            return (1, -job.created_at.timestamp())
        return JobTableModel._display(job, column).lower()

    # ---- sorting -------------------------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows here, in Python, and keep them sorted as jobs change.

        A QSortFilterProxyModel would call `data()` (C++ into Python) twice per comparison: about a second for
        10,000 rows, and hundreds of calls again after every update. Here one key per row is computed and list.sort
        does the rest; the window's proxy hands its sort() to us (see window.JobProxyModel).
        """
        self._sort = (Column(column), order == Qt.SortOrder.DescendingOrder)
        self._sort_loaded()

    def _sort_loaded(self) -> None:
        """Sort the rows held by `self._sort` (one layout change; selections follow their jobs)."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self._jobs[index.row()].id for index in persistent]
        self._resort()
        self.changePersistentIndexList(
            persistent,
            [self.index(self._rows(row_id), index.column()) for row_id, index in zip(ids, persistent, strict=True)],
        )
        self.layoutChanged.emit()

    def hold_order(self, held: bool) -> None:
        """While held, no row moves: changed jobs update in place and new ones are added at the bottom; on release
        the rows are sorted again (one layout change; selections follow their jobs). The window holds the order
        while the pointer is over the table, so a click lands on the job that was aimed at."""
        if held == self._held:
            return
        self._held = held
        if not held and self._stale:
            self._stale = False
            if self._sort is not None:
                self._sort_loaded()

    def order_held(self) -> bool:
        return self._held

    def sort_column(self) -> tuple[Column, bool] | None:
        """(column, descending) the rows are kept sorted by, or None for the order jobs were first seen."""
        return self._sort

    def _key(self, job: Job) -> tuple[Any, int]:
        # The row id breaks ties, so every job has one place and a changed job can be found again by bisection.
        assert self._sort is not None
        return self._sort_value(job, self._sort[0]), job.id

    def _resort(self) -> None:
        assert self._sort is not None
        self._jobs.sort(key=self._key, reverse=self._sort[1])
        self._keys = [self._key(job) for job in self._jobs]
        self._key_of = dict(zip([job.id for job in self._jobs], self._keys, strict=True))
        self._row_of = {}  # sorted rows are found by bisection: a move would renumber thousands of rows

    def _row(self, row_id: int) -> int | None:
        """The row of a job: a dict lookup while unsorted, a bisection of the sort keys (O(log n)) once sorted."""
        if self._sort is None:
            return self._row_of.get(row_id)
        key = self._key_of.get(row_id)
        return None if key is None else self._position(key)

    def _rows(self, row_id: int) -> int:
        row = self._row(row_id)
        assert row is not None
        return row

    def _row_ids(self) -> Iterable[int]:
        return self._row_of if self._sort is None else self._key_of

    def _position(self, key: tuple[Any, int]) -> int:
        """Where a row with `key` belongs in the sorted rows (ascending or descending)."""
        assert self._sort is not None
        descending = self._sort[1]
        low, high = 0, len(self._keys)
        while low < high:
            middle = (low + high) // 2
            if (self._keys[middle] > key) if descending else (self._keys[middle] < key):
                low = middle + 1
            else:
                high = middle
        return low

    # ---- updates -------------------------------------------------------------------------------------------

    def set_etas(self, etas: Etas) -> None:
        """Open jobs' likely ends by row id; their Duration cells say "likely in 4-6 min" beside the time run."""
        self._etas = dict(etas)
        self.etas_changed.emit(self._etas)
        if self._jobs:
            column = int(Column.DURATION)
            self.dataChanged.emit(self.index(0, column), self.index(len(self._jobs) - 1, column))

    def set_account_problems(self, problems: Mapping[str, ProblemKind]) -> None:
        """Accounts that cannot be checked, by name: their open jobs read "Queued · waiting: key not set"."""
        new = dict(problems)
        if new == self._problems:
            return
        self._problems = new
        if self._jobs:
            column = int(Column.STATE)
            self.dataChanged.emit(self.index(0, column), self.index(len(self._jobs) - 1, column))

    def account_problems(self) -> Mapping[str, ProblemKind]:
        return dict(self._problems)

    def etas(self) -> Etas:
        return dict(self._etas)

    def counts(self, stuck: Collection[str] = ()) -> JobCounts:
        """What the window's status line says, counted over the jobs held (see `count_jobs`)."""
        return count_jobs(self._jobs, self.clock(), stuck)

    def jobs(self) -> Sequence[Job]:
        return tuple(self._jobs)

    def job(self, row_id: int) -> Job | None:
        row = self._row(row_id)
        return None if row is None else self._jobs[row]

    def row_of(self, row_id: int) -> int | None:
        return self._row(row_id)

    def upsert(self, jobs: Iterable[Job]) -> None:
        """Update the given jobs in place (moving them when sorted and their sort key changed); add the new ones."""
        new: list[Job] = []
        changed: list[int] = []  # row ids: a later move may shift the rows of earlier ones
        moving: list[tuple[int, Job]] = []
        for job in jobs:
            row = self._row(job.id)
            if row is None:
                new.append(job)
            elif self._jobs[row] != job:
                changed.append(job.id)
                if self._sort is not None and self._key(job) != self._keys[row]:
                    if self._held:  # stays where it is, under its old key, until the order is released
                        self._stale = True
                        self._jobs[row] = job
                    else:
                        moving.append((row, job))
                else:
                    self._jobs[row] = job
        if len(moving) > MAX_SINGLE_MOVES:
            self._relayout(moving)  # one layout change instead of hundreds of row moves
        else:
            for _row, job in moving:
                self._jobs[self._move(self._rows(job.id), job)] = job
        self._emit_changed([self._rows(row_id) for row_id in changed])
        if new:
            self._insert(new)

    def _relayout(self, moving: list[tuple[int, Job]]) -> None:
        """Apply many changed sort keys at once: one re-sort of the (nearly sorted) keys, one layoutChanged."""
        assert self._sort is not None
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self._jobs[index.row()].id for index in persistent]
        for row, job in moving:
            self._jobs[row] = job
            self._keys[row] = self._key_of[job.id] = self._key(job)
        order = sorted(range(len(self._keys)), key=self._keys.__getitem__, reverse=self._sort[1])
        self._jobs = [self._jobs[i] for i in order]
        self._keys = [self._keys[i] for i in order]
        self.changePersistentIndexList(
            persistent,
            [self.index(self._rows(row_id), index.column()) for row_id, index in zip(ids, persistent, strict=True)],
        )
        self.layoutChanged.emit()

    def _move(self, row: int, job: Job) -> int:
        """Move the row whose job became `job` to where its new sort key belongs; returns its new row."""
        key = self._key(job)
        old_key = self._keys.pop(row)
        target = self._position(key)  # among the other rows
        self._keys.insert(row, old_key)
        self._key_of[job.id] = key
        if target == row:
            self._keys[row] = key
            return row
        # beginMoveRows counts the destination in the rows before the move: one more when moving down.
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), target + 1 if target > row else target)
        del self._keys[row]
        del self._jobs[row]
        self._keys.insert(target, key)
        self._jobs.insert(target, job)
        self.endMoveRows()
        return target

    def _insert(self, new: list[Job]) -> None:
        if self._sort is None:
            first = len(self._jobs)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, job in enumerate(new):
                self._row_of[job.id] = first + offset
                self._jobs.append(job)
            self.endInsertRows()
            return
        if not self._jobs:  # the first load: sort once, insert once
            new.sort(key=self._key, reverse=self._sort[1])
            self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
            self._jobs = new
            self._keys = [self._key(job) for job in new]
            self._key_of = dict(zip([job.id for job in new], self._keys, strict=True))
            self.endInsertRows()
            return
        for job in new:  # a few added jobs: each where it belongs (at the bottom while the order is held)
            key = self._key(job)
            if self._held:
                self._stale = True
                key = (_LOWEST if self._sort[1] else _HIGHEST, job.id)
            row = self._position(key)
            self.beginInsertRows(QModelIndex(), row, row)
            self._keys.insert(row, key)
            self._jobs.insert(row, job)
            self._key_of[job.id] = key
            self.endInsertRows()

    def remove(self, row_ids: Iterable[int]) -> None:
        """Drop rows, contiguous runs at a time, from the bottom up so earlier row numbers stay valid."""
        rows = sorted((row for row_id in set(row_ids) if (row := self._row(row_id)) is not None), reverse=True)
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
            for job in self._jobs[first : last + 1]:
                self._key_of.pop(job.id, None)
            del self._jobs[first : last + 1]
            if self._sort is not None:
                del self._keys[first : last + 1]
            self.endRemoveRows()
        if self._sort is None:
            self._row_of = {job.id: row for row, job in enumerate(self._jobs)}

    def sync(self, jobs: Sequence[Job]) -> None:
        """Make the model hold exactly `jobs`: removes the missing, updates the changed, appends the new."""
        present = {job.id for job in jobs}
        gone = [row_id for row_id in self._row_ids() if row_id not in present]
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
