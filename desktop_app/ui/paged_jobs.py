"""The window's job table, read from the store a page at a time (issue 19): it never holds every job.

`PagedJobModel` holds the first rows of the jobs in the window's order and filter, read through a `JobPageSource`
(the app hands it `store.job_pages.JobPages`: ui/ never imports the store) with keyset pagination on (sort value, row
id), and asks for the next page when the view scrolls to its bottom (Qt's `canFetchMore` / `fetchMore`). A sort-click
or a new filter text reads the first page again, ordered and filtered by SQLite.

The rows held are always exactly the jobs of the list up to the last one read (the cursor), so pages neither repeat
nor skip a job, even among jobs with the same sort value. `follow(row_ids)` keeps it so as jobs change: a job held is
updated in place (moved when its sort value changed), a new or changed job that belongs before the cursor appears
where it belongs, one beyond it waits for `fetchMore`, and a job archived, removed or no longer matching the filter
disappears. Positions are compared with the sort values SQLite returned, never recomputed here.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Job, JobState
from desktop_app.ui.job_model import Clock, Column, JobCounts, JobTableModel, utc_now
from desktop_app.ui.texts import state_text

PAGE_SIZE = 300  # rows read at a time: more than a tall window shows, a few milliseconds to read
MAX_JUMP = 5000  # "show job": rows read at most to reach a job beyond those held (else its history is shown alone)
# A sort-click or filter: rows read at most beyond the first page to keep the selected job selected. At 100,000 jobs
# a job further away costs ~1 ms to know (JobPages.within) and loses its row selection (its history stays shown); a
# nearer one ~10 ms more by Updated, ~40 ms by State, ~130 ms by Job (a scan to count, then the rows read).
KEEP_SELECTED_JUMP = 1000

SortValue = str | float | int
Keyed = tuple[SortValue, Job]

# The store's names of the sort values (store/job_pages.py SORT_VALUES), by column.
SORT_NAMES = {
    Column.JOB: "job",
    Column.ACCOUNT: "account",
    Column.STATE: "state",
    Column.PROGRESS: "progress",
    Column.DURATION: "duration",
    Column.UPDATED: "updated",
    Column.RESULT: "result",
    Column.MESSAGE: "message",
}

_Index = QModelIndex | QPersistentModelIndex

log = logging.getLogger(__name__)


class JobPageSource(Protocol):
    """Where the pages come from (`store.job_pages.JobPages`, owned by the main thread like the store). A read that
    cannot be done (a busy or closed database) raises a `JobTrayError`: the rows held stay as they are."""

    def page(
        self,
        *,
        sort: str,
        descending: bool,
        text: str = "",
        states: Collection[JobState] = (),
        after: tuple[SortValue, int] | None = None,
        through: tuple[SortValue, int] | None = None,
        limit: int,
    ) -> list[Keyed]: ...

    def rows(
        self, row_ids: Collection[int], *, sort: str, text: str = "", states: Collection[JobState] = ()
    ) -> list[Keyed]: ...

    def within(
        self,
        *,
        sort: str,
        descending: bool,
        text: str = "",
        states: Collection[JobState] = (),
        after: tuple[SortValue, int] | None = None,
        through: tuple[SortValue, int],
        limit: int,
    ) -> bool: ...

    def counts(self, day_start: datetime, day_end: datetime) -> tuple[dict[str, int], int, int]: ...


class PagedJobModel(JobTableModel):
    """The window's rows: the first pages of the jobs in its order and filter, kept in step with the store.

    A read that fails (a busy, damaged or vanished database) leaves the rows as they are; it is logged and said once
    (`read_failed`) until a read succeeds again, however often the view scrolls or the store changes meanwhile, and
    the read is tried again with the next scroll or change.

    Signals:
        read_failed(str): the first read of a run of failed ones (the error's words), for the person to be told.
        store_changed(): jobs changed in the store (`follow`), among the rows held or not: the status line, which
            counts every job, counts again (a job beyond the rows read, or filtered out, changes no row).
    """

    read_failed = Signal(str)
    store_changed = Signal()

    def __init__(
        self, source: JobPageSource, parent: Any = None, clock: Clock = utc_now, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(parent, clock)
        self._source = source
        self._page_size = page_size
        self._sort = (Column.UPDATED, True)  # newest first until the view says otherwise
        self._text = ""
        self._states: frozenset[JobState] = frozenset()
        self._value_of: dict[int, SortValue] = {}  # row id -> its sort value, as the store computed it
        self._cursor: tuple[SortValue, int] | None = None  # (sort value, row id) of the last row read, in order
        self._more = True  # the store may hold rows after the cursor
        self.pages_read = 0  # pages read from the store so far (tests and the bench)
        self._missed: set[int] = set()  # changed rows that could not be read (a busy database): read next time
        self._counted = JobCounts(0, 0, 0, 0)  # the last counts read, shown again while the store cannot count
        self._failing = False  # the last read failed: the next failures are not told again

    # ---- Qt's incremental loading ----------------------------------------------------------------------------

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self._more

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        """The next page after the last row read (the view calls it when scrolled to its bottom)."""
        if parent.isValid() or not self._more:
            return
        try:
            entries = self._source.page(**self._query(), after=self._cursor, limit=self._page_size)
        except JobTrayError as exc:
            self._read_failed("cannot read the next page of jobs", exc)  # the next scroll or change asks again
            return
        self._read_ok()
        self.pages_read += 1
        self._more = len(entries) == self._page_size
        self._append(entries)

    def fetch_all(self) -> None:
        """Every remaining page (tests, and a person who asked for everything); stops at a read that fails."""
        while self._more:
            read = self.pages_read
            self.fetchMore()
            if self.pages_read == read:
                return

    # ---- order and filter, in the store ----------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Read the first page again in this order (a click on a column's header; the order it already has and
        rows read: nothing to do, as when the view restores its saved order)."""
        wanted = (Column(column), order == Qt.SortOrder.DescendingOrder)
        if wanted == self._sort and not (self._cursor is None and self._more):
            return
        self._sort = wanted
        self._restart()

    def set_filter(self, text: str) -> None:
        """Only the jobs matching `text` (store/job_pages.py says what is matched), read from the start."""
        text = text.strip()
        if text == self._text:
            return
        self._text = text
        needle = text.casefold()
        # The state's word as the window shows it, in the language shown: matched here, handed to SQL as states.
        self._states = frozenset(s for s in JobState if needle and needle in state_text(s).casefold())
        self._restart()

    def filter_text(self) -> str:
        return self._text

    def refresh(self) -> None:
        """Read the rows held again (after a full reload of the store): as many as are held, from the start."""
        if self._cursor is None and self._more:
            self.fetchMore()  # nothing read yet (or its read failed): the first page, as it is now
            return
        wanted = max(len(self._jobs), self._page_size)
        try:
            entries = self._source.page(**self._query(), limit=wanted)
        except JobTrayError as exc:
            self._read_failed("cannot read the jobs again", exc)
            return
        self._read_ok()
        self.pages_read += 1
        present = {job.id for _value, job in entries}
        self.remove([row_id for row_id in self._value_of if row_id not in present])
        self._more = len(entries) == wanted
        self._cursor = (entries[-1][0], entries[-1][1].id) if entries else None
        self._place(entries)

    def _restart(self) -> None:
        """The first page in the order and filter now asked for, in one reset (read before it: the view finds the
        selected job among the new rows when the reset ends)."""
        try:
            entries = self._source.page(**self._query(), limit=self._page_size)
        except JobTrayError as exc:
            self._read_failed("cannot read the jobs", exc)
            entries, more = [], True  # nothing read: the next scroll or change reads the first page (follow)
        else:
            self._read_ok()
            self.pages_read += 1
            more = len(entries) == self._page_size
        self.beginResetModel()
        self._value_of = {job.id: value for value, job in entries}
        self._jobs = [job for _value, job in entries]
        self._keys = [(value, job.id) for value, job in entries]
        self._key_of = {job.id: key for (_value, job), key in zip(entries, self._keys, strict=True)}
        self._row_of = {}
        self._cursor = self._keys[-1] if entries else None
        self._more = more
        self._stale = False
        self.endResetModel()

    def _query(self) -> dict[str, Any]:
        assert self._sort is not None
        return {
            "sort": SORT_NAMES[self._sort[0]],
            "descending": self._sort[1],
            "text": self._text,
            "states": self._states,
        }

    # ---- following the store ---------------------------------------------------------------------------------

    def follow(self, row_ids: Iterable[int] | None) -> None:
        """These jobs changed in the store (None: any of them): read them again and place them (see the module)."""
        self.store_changed.emit()
        if row_ids is None:
            self.refresh()
            return
        ids = set(row_ids) | self._missed
        if self._cursor is None and self._more:
            # Nothing read yet, or the read of the first page failed (a sort-click or filter while the store could
            # not be read): the first page, with these jobs as they are now; else the table stayed empty.
            self._missed = set()
            self.fetchMore()
            return
        if not ids:
            return
        query = self._query()
        try:
            entries = self._source.rows(ids, sort=query["sort"], text=query["text"], states=query["states"])
        except JobTrayError as exc:
            self._read_failed("cannot read the jobs that changed", exc)
            self._missed = ids  # read with the next change
            return
        self._read_ok()
        self._missed = set()
        found = {job.id for _value, job in entries}
        inside = [(value, job) for value, job in entries if self._before_cursor((value, job.id))]
        kept = {job.id for _value, job in inside}
        # Gone, filtered out, or moved beyond the rows read (it comes again with the next page).
        self.remove(
            [row_id for row_id in ids if row_id in self._value_of and (row_id not in found or row_id not in kept)]
        )
        self._place(inside)

    def load_through(self, row_id: int, jump: int | None = None) -> int | None:
        """The row of this job, reading the rows up to it when it is at most `jump` (MAX_JUMP) rows beyond those
        held; None when it is not in the list (archived, filtered out) or too far."""
        row = self.row_of(row_id)
        if row is not None:
            return row
        query = self._query()
        try:
            entries = self._source.rows([row_id], sort=query["sort"], text=query["text"], states=query["states"])
        except JobTrayError as exc:
            self._read_failed(f"cannot read job {row_id}", exc)
            return None
        self._read_ok()
        if not entries:
            return None
        value, job = entries[0]
        key = (value, job.id)
        if self._cursor is None and self._more:
            self.fetchMore()
        if self._before_cursor(key):
            self._place(entries)
            return self.row_of(row_id)
        limit = jump or MAX_JUMP
        try:
            # Counted first (it stops at the limit): a job far away costs no read of `limit` rows to find it far.
            if not self._source.within(**query, after=self._cursor, through=key, limit=limit):
                return None
            between = self._source.page(**query, after=self._cursor, through=key, limit=limit)
        except JobTrayError as exc:
            self._read_failed(f"cannot read the jobs up to job {row_id}", exc)
            return None
        self._read_ok()
        self.pages_read += 1
        if not between or between[-1][1].id != row_id:
            return None  # too far: not read
        self._append(between)
        self._more = True  # whatever follows it is read by the next fetch
        return self.row_of(row_id)

    def counts(self, stuck: Collection[str] = ()) -> JobCounts:
        """The status line's counts from the store (the rows held are only the first pages)."""
        now = self.clock().astimezone()
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        end = (start + timedelta(days=1, hours=2)).replace(hour=0)  # the next midnight, whatever the clocks do
        try:
            open_by_account, failed, today = self._source.counts(start, end)
        except JobTrayError as exc:
            self._read_failed("cannot count the jobs", exc)
            return self._counted
        self._read_ok()
        waiting = sum(n for account, n in open_by_account.items() if account in stuck)
        running = sum(open_by_account.values()) - waiting
        self._counted = JobCounts(running, waiting, today, failed)
        return self._counted

    def _read_failed(self, what: str, exc: JobTrayError) -> None:
        """Logged and told once per run of failures: the view asks again on every scroll, the tray on every change."""
        if self._failing:
            log.debug("%s: %s", what, exc)
            return
        self._failing = True
        log.warning("%s: %s", what, exc)
        self.read_failed.emit(str(exc))

    def _read_ok(self) -> None:
        self._failing = False

    # ---- the rows held ---------------------------------------------------------------------------------------

    def _key(self, job: Job) -> tuple[Any, int]:
        return self._value_of[job.id], job.id

    def _before_cursor(self, key: tuple[SortValue, int]) -> bool:
        """Whether a row with this key belongs among the rows read (at or before the cursor in the order)."""
        if not self._more:
            return True  # every row was read: everything belongs
        if self._cursor is None:
            return False
        assert self._sort is not None
        return key >= self._cursor if self._sort[1] else key <= self._cursor

    def _append(self, entries: Sequence[Keyed]) -> None:
        """Rows read after the cursor: one block, after every row held (before the ones added while the order was
        held, which sit at the bottom until it is released)."""
        fresh = [(value, job) for value, job in entries if job.id not in self._value_of]
        if entries:
            self._cursor = (entries[-1][0], entries[-1][1].id)
        if not fresh:
            return
        for value, job in fresh:
            self._value_of[job.id] = value
        keys = [self._key(job) for _value, job in fresh]
        first = self._position(keys[0])
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._jobs[first:first] = [job for _value, job in fresh]
        self._keys[first:first] = keys
        self._key_of.update(zip([job.id for _value, job in fresh], keys, strict=True))
        self.endInsertRows()

    def _place(self, entries: Sequence[Keyed]) -> None:
        """Jobs that belong among the rows read: updated in place or moved (held ones stay), new ones inserted."""
        for value, job in entries:
            self._value_of[job.id] = value
        self.upsert([job for _value, job in entries])

    def remove(self, row_ids: Iterable[int]) -> None:
        ids = set(row_ids)
        super().remove(ids)
        for row_id in ids:
            self._value_of.pop(row_id, None)
