"""Results into the store, in order, and never lost: while the database is busy (another program holds its lock)
or failing, fetched results wait in memory and are written when it is free again (retry with backoff).

Owned by the thread that owns the store (the tray's main thread, the CLI's only thread).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Sequence

from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import StatusChange
from desktop_app.engine.results import CheckResult
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction

log = logging.getLogger(__name__)

# The after-end work of an ending (`engine.after_end.plan_actions` with the settings bound): its rows are written
# in the same transaction as the ending, so an ending is never recorded without the work that follows it.
PlanFor = Callable[[StatusChange], Sequence[OutboxAction]]


def apply_result(store: Store, result: CheckResult, plan_for: PlanFor | None = None) -> list[StatusChange]:
    """Write a result into the store (one transaction, with the outbox rows `plan_for` gives each ending);
    returns the jobs whose state changed."""
    changes: list[StatusChange] = []
    with store.jobs.transaction():
        if result.error is not None:
            # The account's last error, whatever its scope (the schedule is what keeps a job-scoped one to its job).
            store.accounts.set_error(result.account, result.shown_error)
            if result.account_wide:  # a problem that waits for the user, or none (a timeout passes by itself)
                store.accounts.set_problem(result.account, result.problem, result.error)
            for job_id in result.job_ids:
                for job in store.jobs.find(job_id, result.account):
                    store.jobs.record_error(job.id, result.shown_error)
            return changes
        store.accounts.set_error(result.account, None)
        store.accounts.set_problem(result.account, None)  # it answered: whatever was wrong is fixed
        for job_id, message in result.job_errors:
            for job in store.jobs.find(job_id, result.account):
                store.jobs.record_error(job.id, message)
        for status in result.statuses:
            for job in store.jobs.find(status.job_id, result.account):
                change = store.jobs.record_status(job.id, status)
                if change is not None:
                    if plan_for is not None:
                        store.outbox.add_actions(change.job.id, plan_for(change))
                    changes.append(change)
    return changes


RETRY_BASE_S = 0.5
RETRY_MAX_S = 30.0


class ResultRecorder:
    """Writes `CheckResult`s into `store`; see the module docstring.

    Attributes:
        problem: why the last write failed (one line), None once writes succeed again.
        retry_at: clock time of the next attempt while results are waiting, else None.
    """

    def __init__(
        self,
        store: Store,
        clock: Callable[[], float] = time.monotonic,
        retry_base: float = RETRY_BASE_S,
        retry_max: float = RETRY_MAX_S,
        plan_for: PlanFor | None = None,
    ) -> None:
        self.store = store
        self.plan_for = plan_for
        self._clock = clock
        self._retry_base = retry_base
        self._retry_max = retry_max
        self._pending: deque[CheckResult] = deque()
        self._failures = 0
        self.problem: str | None = None
        self.retry_at: float | None = None

    @property
    def pending(self) -> int:
        """Results fetched but not yet written."""
        return len(self._pending)

    def pending_job_ids(self, account: str) -> set[str]:
        """Job IDs of `account` with a result still waiting (the store does not know their news yet)."""
        return {job_id for r in self._pending if r.account == account for job_id in r.job_ids}

    def record(self, result: CheckResult) -> list[StatusChange]:
        """Queue `result` behind any waiting ones and write what can be written now; returns the changes written."""
        self._pending.append(result)
        if self.retry_at is not None and self._clock() < self.retry_at:
            return []  # the database failed a moment ago: wait for the retry rather than hammer it
        return self.flush()

    def flush(self) -> list[StatusChange]:
        """Write waiting results, oldest first, until done or the database fails again."""
        changes: list[StatusChange] = []
        while self._pending:
            try:
                changes.extend(apply_result(self.store, self._pending[0], self.plan_for))
            except (sqlite3.Error, JobTrayError) as exc:
                self._failures += 1
                delay = min(self._retry_max, self._retry_base * 2.0 ** (self._failures - 1))
                self.retry_at = self._clock() + delay
                first = self.problem is None
                self.problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                if first:
                    log.warning("cannot write results (%s); %d kept in memory", self.problem, len(self._pending))
                return changes
            self._pending.popleft()
        if self.problem is not None:
            log.info("the database is writable again; every waiting result was written")
        self._failures = 0
        self.problem = None
        self.retry_at = None
        return changes

    def drop_account(self, account: str) -> None:
        """The account is gone: its waiting results have nowhere to go."""
        self._pending = deque(r for r in self._pending if r.account != account)
        if not self._pending:
            self.retry_at = None
