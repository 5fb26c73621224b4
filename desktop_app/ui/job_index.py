"""`JobIndex`: the jobs as the tray needs them, kept up to date row by row (issue 19).

The tray's icon, tooltip and menu need counts by state, the open jobs' progress, the failures and the few most
recently ended jobs. Recomputing those from every job cost ~100 ms per change at 100,000 jobs; the index keeps
them as rows change, so a change costs O(changed rows), and reading them O(open + failed + MENU) jobs.

It is also a plain iterable of the jobs it holds (any code that walks "the jobs" still can).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator

from desktop_app.core.model import Job, JobState

_BAD = (JobState.FAILED, JobState.NOT_FOUND)


class JobIndex:
    """Non-archived jobs by row id, split by what the tray shows of them."""

    def __init__(self, jobs: Iterable[Job] = ()) -> None:
        self._jobs: dict[int, Job] = {}
        self._open: dict[int, Job] = {}
        self._bad: dict[int, Job] = {}
        self._done: dict[int, float] = {}  # ended well: row id -> updated_at, for the menu's most recent
        self._recent: list[tuple[float, int]] = []  # (-updated_at, row id), a heap with stale entries left in
        self.reset(jobs)

    def reset(self, jobs: Iterable[Job]) -> None:
        self._jobs.clear()
        self._open.clear()
        self._bad.clear()
        self._done.clear()
        self._recent = []
        self.update(jobs, push=False)
        # One heapify instead of a push per job (100,000 jobs at start).
        self._recent = [(-stamp, row_id) for row_id, stamp in self._done.items()]
        heapq.heapify(self._recent)

    def update(self, jobs: Iterable[Job], push: bool = True) -> None:
        for job in jobs:
            self._drop(job.id)
            if job.archived:
                continue
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
        if len(self._recent) > 2 * len(self._done) + 64:  # stale entries: rebuilt now and then, never unbounded
            self._recent = [(-stamp, row_id) for row_id, stamp in self._done.items()]
            heapq.heapify(self._recent)

    def remove(self, row_ids: Iterable[int]) -> None:
        for row_id in row_ids:
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
        """Ended well (succeeded, partial, cancelled)."""
        return len(self._done)

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
