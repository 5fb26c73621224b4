"""Forward rows whose URL is read in the row's own thread (`forward_factory(read_url=...)`, the tray's way: its
owner thread is the GUI's, which never waits on the keyring): a read still waiting at a stop leaves the row for the
next start; a read that fails fails the row and is told once."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

from desktop_app.core.errors import SecretStoreError
from desktop_app.core.forwarding import ForwardTarget, UrlSource
from desktop_app.core.model import Account, JobState, KeySource, Secret, Status
from desktop_app.core.settings import AccountSettings
from desktop_app.engine.forwarding import forward_factory, plan_forwards
from desktop_app.engine.outbox import OutboxRunner
from desktop_app.store.database import Store


def _store_with_a_failed_job(folder: Path) -> tuple[Store, int]:
    store = Store(folder)
    account = store.accounts.add(Account(name="studio", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    store.forwards.add(ForwardTarget("phone", UrlSource.KEYRING))
    job, _ = store.jobs.add(account, "job-0", label="render 0")
    store.jobs.record_status(job.id, Status(job.job_id, JobState.RUNNING, "working"))
    change = store.jobs.record_status(job.id, Status(job.job_id, JobState.FAILED, "error", message="out of memory"))
    assert change is not None
    store.outbox.add_actions(job.id, plan_forwards(change, AccountSettings(), store.forwards.all()))
    return store, job.id


def test_a_stop_while_the_url_is_awaited_leaves_the_row_for_the_next_start(tmp_path: Path) -> None:
    store, job = _store_with_a_failed_job(tmp_path / "data")
    asked = threading.Event()
    never: Future[Secret] = Future()  # a locked keyring nobody unlocks

    def read_url(target: ForwardTarget) -> Future[Secret]:
        asked.set()
        return never

    with store:
        runner = OutboxRunner(store, environ={})
        runner.register("forward", forward_factory(store, lambda _: None, {}, read_url=read_url))
        runner.start()
        runner.pump()
        assert asked.wait(10.0)
        runner.stop(grace=1.0, budget=10.0)
        assert [r.state for r in store.outbox.for_job(job, states=("pending",))] == ["pending"]


def test_a_url_that_cannot_be_read_fails_the_row_and_is_told(tmp_path: Path) -> None:
    store, job = _store_with_a_failed_job(tmp_path / "data")
    told: list[str] = []

    def read_url(target: ForwardTarget) -> Future[Secret]:
        failed: Future[Secret] = Future()
        failed.set_exception(SecretStoreError(f"forward {target.name!r}: the keyring is locked"))
        return failed

    with store:
        runner = OutboxRunner(store, environ={})
        runner.register("forward", forward_factory(store, told.append, {}, read_url=read_url))
        runner.start()
        assert runner.run_until_idle(30)
        assert [r.state for r in store.outbox.for_job(job, states=("failed",))] == ["failed"]
        assert told == ["not forwarded: forward 'phone': the keyring is locked"]
