"""The outbox runner's work runs on threads of the starter it is given (`engine.threads`): the tray's worker pool
owns them, and its stop at a quit ends the work (a download abandoned, its row left to resume, no .part) even
while the download waits for the owner to record its file name. Real store, the S3 stand-in, real threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.core.settings import AccountSettings
from desktop_app.engine.outbox import OutboxRunner
from desktop_app.engine.threads import ThreadHandle
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction

BODY = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"%%EOF\n"


class OwnedThreads:
    """A thread owner of the test's own: real threads, kept with their stop, stopped together like a pool's."""

    def __init__(self) -> None:
        self.started: list[tuple[str, threading.Thread, Callable[[], None]]] = []

    def start_thread(self, name: str, run: Callable[[], None], stop: Callable[[], None]) -> ThreadHandle:
        thread = threading.Thread(target=run, name=name, daemon=True)
        self.started.append((name, thread, stop))
        thread.start()
        return thread

    def stop_all(self) -> None:
        for _name, _thread, stop in self.started:
            stop()


@pytest.fixture
def s3() -> Iterator[ObjectStoreServer]:
    with ObjectStoreServer() as server:
        yield server


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.01)


def _ended_job(store: Store, url: str, results: Path) -> int:
    account = store.accounts.add(Account(name="work", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    store.settings.save_account("work", AccountSettings(save_results=str(results)))
    job, _ = store.jobs.add(account, "J1")
    with store.jobs.transaction():
        store.jobs.record_status(job.id, Status("J1", JobState.SUCCEEDED, "success", 100.0, None, url))
        store.outbox.add_actions(job.id, [OutboxAction("download", "account:save-results")])
    return job.id


def test_the_work_runs_on_the_given_owners_threads_and_its_stop_ends_it(tmp_path: Path, s3: ObjectStoreServer) -> None:
    results = tmp_path / "r"
    url = s3.put("a/report.pdf", BODY, mode="held", content_disposition='attachment; filename="report.pdf"')
    owner = OwnedThreads()
    with Store(tmp_path / "d") as store:
        job = _ended_job(store, url, results)
        runner = OutboxRunner(store, hidden_env=(), threads=owner)
        runner.start()
        _wait_for(s3.held.is_set)
        runner.wait(0.5)  # the owner records the file name: the download goes on to mid-stream
        assert store.outbox.for_job(job)[0].target_name == "report.pdf"
        [(name, thread, _stop)] = owner.started
        assert name == "jobtray-download" and thread.is_alive() and runner.in_flight == 1
        owner.stop_all()  # the pool's quit: no waiting here
        thread.join(10)
        assert not thread.is_alive()
        report = runner.stop(budget=1.0)  # records what the stopped work said
        assert report.downloads_resuming == 1
        assert not list(results.iterdir())  # the .part removed
        [row] = store.outbox.for_job(job)
        assert (row.state, row.target_name) == ("pending", "report.pdf")
        assert len(owner.started) == 1  # nothing new was taken after the owner stopped the work


def test_a_download_waiting_for_its_name_to_be_recorded_ends_at_the_owners_stop(
    tmp_path: Path, s3: ObjectStoreServer
) -> None:
    """The tray's main thread waits for the pool's threads at quit and records nothing meanwhile: a download that
    waits for its file name's record must not hold the quit for TARGET_WAIT_SECONDS (30 s)."""
    results = tmp_path / "r"
    url = s3.put("a/report.pdf", BODY, mode="held", content_disposition='attachment; filename="report.pdf"')
    owner = OwnedThreads()
    with Store(tmp_path / "d") as store:
        job = _ended_job(store, url, results)
        runner = OutboxRunner(store, hidden_env=(), threads=owner)
        runner.start()  # claims and starts the download; nobody pumps after this
        _wait_for((results / "report.pdf.part").exists)  # named: now it waits for the owner's record
        [(_name, thread, _stop)] = owner.started
        owner.stop_all()
        thread.join(5)
        assert not thread.is_alive()
        runner.stop(budget=1.0)
        assert not list(results.iterdir())
        [row] = store.outbox.for_job(job)
        assert row.state == "pending"
