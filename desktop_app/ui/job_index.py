"""`JobIndex`: the jobs as the tray needs them, kept up to date row by row (issue 19).

The tray's icon, tooltip and menu need counts by state, the open jobs' progress, the failures and the few most
recently ended jobs. Recomputing those from every job cost ~100 ms per change at 100,000 jobs; the index keeps
them as rows change, so a change costs O(changed rows), and reading them O(open + failed + MENU) jobs.

It is also a plain iterable of the jobs it holds (any code that walks "the jobs" still can).

The tray holds only some jobs until the window opens (the open ones, the failures still alarming, the most recent
endings: `JobStore.for_tray`); the counts of every job come from a ledger, one byte per row id of what each job is
(open, failed, ended well), given by `reset(..., states=)` from the store and kept as rows change, so a change
to a job the tray does not hold (an archive from a terminal) still counts, in O(1).

At start the tray gives counts instead (`reset(..., counts=)`: one `count(*)` per state, ~10 ms at 100,000 jobs
where the ledger's row ids cost ~35) and a way to read the ledger, which is read only when a change reaches a job
whose kind the index cannot tell otherwise: one not held, from before the start. A change to a held job, or to a
row past the highest one counted (a new job), needs no ledger. Counting is by absolute kind, so a ledger read after
a change (it already holds it) counts that change once.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from desktop_app.core.alarms import is_alarming
from desktop_app.core.model import Job, JobState

_BAD = (JobState.FAILED, JobState.NOT_FOUND)
TRIM_SLACK = 64  # endings held beyond what the tray needs before `surplus` names any
_NONE, _OPEN, _FAILED, _DONE = 0, 1, 2, 3  # a job's kind in the ledger (_NONE: no such job, or archived)


def _kind(state: JobState) -> int:
    if state in _BAD:
        return _FAILED
    return _DONE if state.is_terminal else _OPEN


class JobIndex:
    """Non-archived jobs by row id, split by what the tray shows of them."""

    def __init__(self, jobs: Iterable[Job] = ()) -> None:
        self._jobs: dict[int, Job] = {}
        self._open: dict[int, Job] = {}
        self._bad: dict[int, Job] = {}
        self._done: dict[int, float] = {}  # ended well: row id -> updated_at, for the menu's most recent
        self._recent: list[tuple[float, int]] = []  # (-updated_at, row id), a heap with stale entries left in
        self._ledger = bytearray()  # row id -> its kind, for every job (held or not): ~100 KB at 100,000 jobs
        self._counts = [0, 0, 0, 0]  # jobs of each kind in the ledger
        # Set while the ledger is not read yet.
        self._read_ledger: Callable[[], Mapping[JobState, Sequence[int]] | None] | None = None
        self._highest = 0  # while the ledger is unread: the highest row id counted
        self.reset(jobs)

    def reset(
        self,
        jobs: Iterable[Job],
        states: Mapping[JobState, Sequence[int]] | None = None,
        counts: tuple[Mapping[JobState, int], int] | None = None,
        read_ledger: Callable[[], Mapping[JobState, Sequence[int]] | None] | None = None,
    ) -> None:
        """Hold `jobs` and count every job not archived: from `states` (their row ids by state), or from `counts`
        ((jobs by state, the highest row id counted), `jobs` among them) with `read_ledger` to read the row ids
        when first needed (None from it: not now; that change is counted as a new row's), or else from `jobs`
        alone."""
        self._jobs.clear()
        self._open.clear()
        self._bad.clear()
        self._done.clear()
        self._recent = []
        self._ledger = bytearray()
        self._counts = [0, 0, 0, 0]
        self._read_ledger = None
        if counts is not None and read_ledger is not None:
            by_state, self._highest = counts
            for state, count in by_state.items():
                self._counts[_kind(state)] += count
            self._read_ledger = read_ledger  # until read, _ledger is empty and _highest bounds the rows counted
            self._hold(jobs)
        else:
            if states is not None:
                self._fill(states)
            self.update(jobs, push=False)
        # One heapify instead of a push per job (100,000 jobs at start).
        self._recent = [(-stamp, row_id) for row_id, stamp in self._done.items()]
        heapq.heapify(self._recent)

    def _fill(self, states: Mapping[JobState, Sequence[int]]) -> None:
        highest = max((max(ids) for ids in states.values() if ids), default=0)
        ledger = self._ledger = bytearray(highest + 1024)
        self._counts = [0, 0, 0, 0]
        for state, ids in states.items():
            kind = _kind(state)
            for row_id in ids:
                ledger[row_id] = kind
            self._counts[kind] += len(ids)

    def _hold(self, jobs: Iterable[Job]) -> None:
        """Hold jobs already counted (no ledger entry: it is read later, with them in it)."""
        for job in jobs:
            if not job.archived:
                self._place(job, push=False)

    def _place(self, job: Job, push: bool) -> None:
        """Hold a job that is not archived, under what the tray shows of it."""
        self._jobs[job.id] = job
        if job.state in _BAD:
            self._bad[job.id] = job
        elif not job.state.is_terminal:
            self._open[job.id] = job
        else:
            stamp = job.updated_at.timestamp()
            self._done[job.id] = stamp
            if push:
                heapq.heappush(self._recent, (-stamp, job.id))

    def _kind_without_ledger(self, row_id: int) -> int | None:
        """A row's kind while the ledger is unread: known for a held job or a row past those counted, else None."""
        held = self._jobs.get(row_id)
        if held is not None:
            return _kind(held.state)
        if row_id < len(self._ledger) and self._ledger[row_id] != _NONE:
            return self._ledger[row_id]  # noted since the start (a job released, or added and ended)
        return _NONE if row_id > self._highest else None

    def update(self, jobs: Iterable[Job], push: bool = True) -> None:
        for job in jobs:
            self._note_before(job.id)
            self._drop(job.id)
            if job.archived:
                self._note(job.id, _NONE)
                continue
            self._note(job.id, _kind(job.state))
            self._place(job, push)
        if len(self._recent) > 2 * len(self._done) + 64:  # stale entries: rebuilt now and then, never unbounded
            self._recent = [(-stamp, row_id) for row_id, stamp in self._done.items()]
            heapq.heapify(self._recent)

    def remove(self, row_ids: Iterable[int]) -> None:
        for row_id in row_ids:
            self._note_before(row_id)
            self._drop(row_id)
            self._note(row_id, _NONE)

    def _note_before(self, row_id: int) -> None:
        """Before a change to `row_id` while the ledger is unread: put the row's kind in it, reading the ledger
        if the kind cannot be told otherwise."""
        if self._read_ledger is None:
            return
        kind = self._kind_without_ledger(row_id)
        if kind is None:
            states = self._read_ledger()
            if states is not None:
                self._read_ledger = None
                self._fill(states)  # every row as the store has it now (the change in it: counted once)
            return
        if kind != _NONE:
            self._set_kind(row_id, kind)  # counted already: _note moves it from this kind to its new one

    def _note(self, row_id: int, kind: int) -> None:
        old = self._ledger[row_id] if row_id < len(self._ledger) else _NONE
        if old != kind:
            self._counts[old] -= 1
            self._counts[kind] += 1
            self._set_kind(row_id, kind)

    def _set_kind(self, row_id: int, kind: int) -> None:
        if row_id >= len(self._ledger):
            self._ledger.extend(bytes(row_id + 1 - len(self._ledger) + 1024))  # room for the next jobs added
        self._ledger[row_id] = kind

    def surplus(self, keep: int) -> list[int]:
        """Held jobs the tray no longer needs (issue 19: a tray that watches for weeks must not hold every ending
        it saw): the endings beyond the `keep` most recent that ended well, and the failures already acknowledged
        beyond the `keep` most recent failures; what `JobStore.for_tray` would not read. Empty until more than
        `keep` + TRIM_SLACK of either are held, so a trim is rare and takes many at once."""
        surplus: list[int] = []
        if len(self._done) > keep + TRIM_SLACK:
            newest = {row_id for row_id, _stamp in heapq.nlargest(keep, self._done.items(), key=lambda kv: kv[1])}
            surplus += [row_id for row_id in self._done if row_id not in newest]
        if len(self._bad) > keep + TRIM_SLACK:
            recent = heapq.nlargest(keep, self._bad.values(), key=lambda job: (job.updated_at, job.id))
            newest = {job.id for job in recent}
            surplus += [row_id for row_id, job in self._bad.items() if row_id not in newest and not is_alarming(job)]
        return surplus

    def release(self, row_ids: Iterable[int]) -> None:
        """Stop holding these jobs; they are still counted (their kind stays in the ledger)."""
        for row_id in row_ids:
            job = self._jobs.get(row_id)
            if job is None:
                continue
            self._set_kind(row_id, _kind(job.state))
            self._drop(row_id)

    def _drop(self, row_id: int) -> None:
        if self._jobs.pop(row_id, None) is not None:
            self._open.pop(row_id, None)
            self._bad.pop(row_id, None)
            self._done.pop(row_id, None)

    # ---- what the tray reads -------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs.values())

    def __len__(self) -> int:
        return len(self._jobs)

    def get(self, row_id: int) -> Job | None:
        return self._jobs.get(row_id)

    def open_jobs(self) -> list[Job]:
        return list(self._open.values())

    def bad_jobs(self) -> list[Job]:
        """Failed and not found (acknowledged or not)."""
        return list(self._bad.values())

    @property
    def heap_size(self) -> int:
        """Entries kept for the most recent endings, stale ones included (bounded: about twice the endings)."""
        return len(self._recent)

    @property
    def done_count(self) -> int:
        """Ended well (succeeded, partial, cancelled), held or not."""
        return self._counts[_DONE]

    @property
    def bad_count(self) -> int:
        """Failed and not found (acknowledged or not), held or not."""
        return self._counts[_FAILED]

    @property
    def open_count(self) -> int:
        """Not ended yet, held or not (the tray holds every open job)."""
        return self._counts[_OPEN]

    def recently_done(self, limit: int) -> list[Job]:
        """The `limit` most recently updated jobs that ended well, newest first."""
        found: list[tuple[float, int]] = []
        seen: set[int] = set()
        while self._recent and len(found) < limit:
            entry = heapq.heappop(self._recent)
            row_id = entry[1]
            if row_id in seen or self._done.get(row_id) != -entry[0]:
                continue  # stale: the job changed or went since
            seen.add(row_id)
            found.append(entry)
        for entry in found:
            heapq.heappush(self._recent, entry)
        return [self._jobs[row_id] for _stamp, row_id in found]

    def menu_candidates(self, limit: int) -> list[Job]:
        """Every job that could be among the menu's `limit` (failures, open jobs, the most recent endings)."""
        return [*self._bad.values(), *self._open.values(), *self.recently_done(limit)]
