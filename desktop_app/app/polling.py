"""`TrayPolling`: the accounts' pollers in the tray. The engine's `Supervisor` decides which accounts are polled
(their keys, backoff, discovery, the open jobs each is given); here its pollers run in worker threads
(`workers.pool.WorkerPool`, created with the first one: it brings in requests; the same pool runs the outbox's
work, `worker_pool`), a timer asks again for keys that could not be read, and the workers' results are recorded on
the main thread (`engine.recorder.ResultRecorder`: a busy database delays writes, never loses them)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.app.keys import TrayKeys
from desktop_app.app.state import AppState
from desktop_app.app.telling import ProblemTeller
from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Account, Job, StatusChange
from desktop_app.engine.supervisor import AccountRun, Supervisor
from desktop_app.store.database import Store
from desktop_app.ui.job_model import JobTableModel

if TYPE_CHECKING:
    from desktop_app.engine.budget import Budget
    from desktop_app.engine.discovery import DiscoveryPage
    from desktop_app.engine.poller import AccountPoller
    from desktop_app.engine.recorder import PlanFor, ResultRecorder
    from desktop_app.engine.results import CheckResult
    from desktop_app.workers.pool import WorkerPool

log = logging.getLogger(__name__)


class TrayPolling(QObject):
    """Workers for the stored accounts, and their results into the store and the model.

    Args:
        after_write: called with the `StatusChange`s each write produced (saving results, running commands).
        plan_for: the after-end work (outbox rows) of an ending, written in the ending's own transaction.
        keys: where keys are read (off the GUI thread); one of its own when None.
    """

    # Every worker's answer for an account still watched, in the main thread, whenever the pool was made (the
    # ETAs take a provider's own time-left estimate from it).
    result_arrived = Signal(object)

    def __init__(
        self,
        store: Store,
        model: JobTableModel,
        state: AppState,
        teller: ProblemTeller,
        *,
        after_write: Callable[[list[StatusChange]], None],
        environ: Mapping[str, str] | None = None,
        parent: QObject | None = None,
        plan_for: PlanFor | None = None,
        keys: TrayKeys | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._plan_for = plan_for
        self._model = model
        self._state = state
        self._teller = teller
        self._after_write_hook = after_write
        self._pool: WorkerPool | None = None
        self._stopping = False  # begin_stop was called: nothing starts any more
        self._recorder: ResultRecorder | None = None
        # The model's open jobs by row id, kept as rows change: handing them out never walks every job.
        self._open: dict[int, Job] = {}
        state.jobs_changed.connect(self._rows_changed)
        state.jobs_updated.connect(self._note_rows)
        # Keys are read on the keyring's own thread: a locked keyring's unlock prompt never freezes the window.
        self.keys = keys if keys is not None else TrayKeys(environ, self)
        self.keys.ready.connect(lambda _account: self.push())
        self.keys.waiting.connect(self._keyring_waiting)
        self.supervisor = Supervisor(
            store,
            self,
            self,
            budget_for=self._budget,
            environ=environ,
            poller_options=None,
            spec_for=self.keys.spec_for,
        )
        self._key_timer = QTimer(self)
        self._key_timer.setSingleShot(True)
        self._key_timer.timeout.connect(self._retry_keys)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)

    # ---- what tests and the bench may look at --------------------------------------------------------------

    @property
    def pool(self) -> WorkerPool | None:
        """The worker pool, once the first worker started."""
        return self._pool

    @property
    def recorder(self) -> ResultRecorder:
        if self._recorder is None:
            from desktop_app.engine.recorder import ResultRecorder

            self._recorder = ResultRecorder(self._store, plan_for=self._plan_for)
        return self._recorder

    def run(self, account: str) -> AccountRun | None:
        """How the supervisor sees an account (polled, waiting for its key), or None if it is not known."""
        return self.supervisor.run(account)

    # ---- the supervisor's PollerHost and PendingResults ----------------------------------------------------

    def start(self, poller: AccountPoller) -> None:
        self.worker_pool().start(poller)

    def retire(self, account: str) -> None:
        if self._pool is not None:
            self._pool.retire(account)

    def set_jobs(self, account: str, jobs: Sequence[tuple[str, float]]) -> None:
        if self._pool is not None:
            self._pool.set_jobs(account, jobs)

    def pending_job_ids(self, account: str) -> set[str]:
        return self._recorder.pending_job_ids(account) if self._recorder is not None else set()

    def drop_account(self, account: str) -> None:
        if self._recorder is not None:
            self._recorder.drop_account(account)

    def _budget(self, account: str) -> Budget:
        from desktop_app.engine.specs import thread_budget

        # Opened in the worker's thread: the main thread's connection is never shared.
        return thread_budget(self._store.folder, account)

    def worker_pool(self) -> WorkerPool:
        """The tray's one pool of worker threads (poll workers and the outbox's work), created when first needed."""
        if self._pool is None:
            from desktop_app.workers.pool import WorkerPool

            self._pool = WorkerPool(self)
            self._pool.result_ready.connect(self.apply)  # delivered in the main thread
            self._pool.discovered.connect(self.apply_discovery)
            # No silent stop: a worker's unexpected exception is told once; the worker goes on after a backoff.
            self._pool.worker_failed.connect(self._teller.worker_failed)
        return self._pool

    def _keyring_waiting(self, waiting: bool) -> None:
        if waiting:
            self._state.say(self.tr("Waiting for the keyring to be unlocked…"))
        else:
            self._state.say(self.tr("The keyring answered"))

    # ---- the store -> workers ------------------------------------------------------------------------------

    def sync_accounts(self, accounts: Sequence[Account]) -> None:
        self.supervisor.sync_accounts(accounts)

    def sync_discovery(self) -> None:
        try:
            self.supervisor.sync_discovery(self._store.discovery.enabled())
        except sqlite3.Error:
            log.exception("cannot read which accounts discover")

    def push(self, jobs: Iterable[Job] | None = None) -> None:
        """Hand each account's worker its open jobs (a worker starts with its account's first open job)."""
        if self._stopping:
            return  # a push queued before the quit (the warm-up's, a timer's): no worker starts after it
        for result in self.supervisor.push(self._open.values() if jobs is None else jobs):
            self.record(result)
        self._arm_key_timer()

    def _rows_changed(self, rows: frozenset[int] | None) -> None:
        """Jobs were added, removed or edited: the workers get their accounts' open jobs anew."""
        self._note_rows(rows)
        self.push()

    def _note_rows(self, rows: frozenset[int] | None) -> None:
        if rows is None:
            self._open = {job.id: job for job in self._model.jobs() if not job.state.is_terminal}
            return
        for row_id in rows:
            job = self._model.job(row_id)
            if job is None or job.state.is_terminal:
                self._open.pop(row_id, None)
            else:
                self._open[row_id] = job

    def check_now(self) -> None:
        """Every open job asked about now; keys that could not be read are asked for again at once."""
        if self._pool is not None:
            self._pool.check_now()
        for result in self.supervisor.retry_keys(force=True):
            self.record(result)
        self.push()

    def _retry_keys(self) -> None:
        for result in self.supervisor.retry_keys():
            self.record(result)
        self.push()

    def _arm_key_timer(self) -> None:
        due = self.supervisor.next_key_retry()
        if due is None:
            self._key_timer.stop()
            return
        # A key that could not be read (a keyring still locked after login) is asked for again with backoff.
        self._key_timer.start(max(0, int((due - time.monotonic()) * 1000) + 1))

    # ---- results -------------------------------------------------------------------------------------------

    def apply(self, result: CheckResult) -> None:
        """A worker's result: write the store, then update the model and tell what ended."""
        if result.account not in self.supervisor:
            return  # the account was removed or changed while the request was in flight
        self.result_arrived.emit(result)
        self.record(result)

    def record(self, result: CheckResult) -> None:
        """Record a result (kept in memory while the database is busy), refresh its rows, tell its problems."""
        changes = self.recorder.record(result)
        self._written(changes)
        try:
            jobs = [job for job_id in result.job_ids for job in self._store.jobs.find(job_id, result.account)]
        except (sqlite3.Error, JobTrayError):
            jobs = []  # the database is busy: the rows catch up when the results are written
        self._model.upsert(jobs)
        self._state.jobs_refreshed(job.id for job in jobs)
        self._teller.result(result)
        if result.error is not None or result.account in self._state.problems:
            self._problems_changed()  # recorded or cleared with the result (engine.recorder): the views follow

    def _problems_changed(self) -> None:
        with contextlib.suppress(sqlite3.Error, JobTrayError):  # busy: the next result or reload reads them
            self._state.set_problems(self._store.accounts.problems())

    def flush(self) -> None:
        """Write what waited for a busy database."""
        if self._recorder is None:
            return
        changes = self._recorder.flush()
        self._written(changes)
        if changes:
            rows: list[Job] = []
            for change in changes:
                rows.extend(self._store.jobs.find(change.job.job_id, change.job.account))
            self._model.upsert(rows)
            self._state.jobs_refreshed(job.id for job in rows)

    def _written(self, changes: list[StatusChange]) -> None:
        recorder = self.recorder
        self._teller.store(recorder.problem)
        if recorder.problem is not None and recorder.retry_at is not None and not self._flush_timer.isActive():
            self._flush_timer.start(max(1, int((recorder.retry_at - time.monotonic()) * 1000) + 1))
        if changes:
            self._after_write_hook(changes)

    def apply_discovery(self, page: DiscoveryPage) -> None:
        """A page of an account's discovery look: new media become discovered jobs, in the window at once."""
        from desktop_app.engine.discovery import record_page

        run = self.supervisor.run(page.account)
        if run is None:
            return
        if page.error is not None:
            log.warning("account %s: discovery failed: %s", page.account, page.error)
            return
        try:
            added = record_page(self._store, run.account, page)
        except (JobTrayError, sqlite3.Error):
            log.exception("cannot record what discovery found at %s", page.account)
            return
        if added:
            self._model.upsert(added)
            self._state.jobs_touched(job.id for job in added)

    # ---- stop ----------------------------------------------------------------------------------------------

    def shutdown(self, timeout: float) -> bool:
        """Stop every worker (within `timeout`); write what waits if the database is free by now."""
        self.begin_stop()
        return self.wait_stopped(timeout)

    def begin_stop(self) -> None:
        """Every worker told to stop (its request abandoned); never blocks."""
        self._stopping = True
        self._key_timer.stop()
        self._flush_timer.stop()
        self.keys.close()  # not waited for: a daemon thread, perhaps inside an unlock prompt
        if self._pool is not None:
            self._pool.begin_stop()

    def wait_stopped(self, timeout: float) -> bool:
        """Wait (at most `timeout`) for the workers' threads; write what waits if the database is free by now."""
        stopped = self._pool.wait_stopped(timeout) if self._pool is not None else True
        if self._recorder is not None and self._recorder.pending:
            self._recorder.flush()  # a last try: the database may be free by now
            if self._recorder.pending:
                log.warning("%d fetched result(s) could not be written before quitting", self._recorder.pending)
        self.supervisor.stop_all()
        return stopped
