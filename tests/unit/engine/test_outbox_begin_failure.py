"""A row the runner claimed but could not start (its handler raised, the store was busy while starting it) is not
left 'running' under this live process, where no repair looks and every lease renewal keeps it: it is failed
(a bug) or handed back (a busy store) and taken again at a later pump."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.core.settings import AccountSettings
from desktop_app.engine.outbox import OutboxRunner, Work, WorkResult
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction, OutboxRow


class _Sent:
    def run(self) -> WorkResult:
        return WorkResult("done", outcome="sent")

    def stop(self, grace: float) -> None:
        pass


def _ended_job(store: Store, refs: list[str]) -> int:
    account = store.accounts.add(Account(name="work", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    store.settings.save_account("work", AccountSettings())
    job, _ = store.jobs.add(account, "J1")
    with store.jobs.transaction():
        store.jobs.record_status(job.id, Status("J1", JobState.SUCCEEDED, "success", 100.0, None, None))
        store.outbox.add_actions(job.id, [OutboxAction("forward", ref) for ref in refs])
    return job.id


def test_a_handler_that_raises_fails_its_row_and_the_others_still_run(tmp_path: Path) -> None:
    def factory(row: OutboxRow, job: Job) -> Work:
        if row.ref == "broken":
            raise RuntimeError("a bug in the handler")
        return _Sent()

    with Store(tmp_path / "d") as store:
        job = _ended_job(store, ["broken", "fine"])
        runner = OutboxRunner(store, hidden_env=())
        runner.register("forward", factory)
        runner.start()
        assert runner.run_until_idle(5)
        states = {r.ref: r.state for r in store.outbox.for_job(job, ("done", "failed", "running", "pending"))}
        assert states == {"broken": "failed", "fine": "done"}


def test_a_busy_store_while_starting_hands_the_rows_back(tmp_path: Path) -> None:
    busy = [True]

    def factory(row: OutboxRow, job: Job) -> Work:
        if busy[0]:
            busy[0] = False
            raise sqlite3.OperationalError("database is locked")
        return _Sent()

    with Store(tmp_path / "d") as store:
        job = _ended_job(store, ["a", "b"])
        runner = OutboxRunner(store, hidden_env=())
        runner.register("forward", factory)
        runner.start()
        assert runner.run_until_idle(5)
        rows = store.outbox.for_job(job, ("done", "failed", "running", "pending"))
        assert [(r.ref, r.state) for r in rows] == [("a", "done"), ("b", "done")]
