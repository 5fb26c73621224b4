"""One worker pool for polls and downloads (issue 19): the tray's poll workers and its outbox's work run on threads
of one `WorkerPool`, which counts them together and stops them together within one budget. Real parts: a poll
worker inside a request to a server that hangs, a result download held halfway by the S3 stand-in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app.outbox_pump import OutboxPump
from desktop_app.app.run import AppController
from desktop_app.core.model import Account, JobState, KeySource, Secret, Status
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.core.settings import AccountSettings
from desktop_app.engine.poller import AccountPoller, PollerSpec
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.pdfco import PdfCoProvider
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction
from desktop_app.workers.pool import WorkerPool
from tests.conftest import PDFCO_KEY
from tests.support.fault_server import Fault, FaultServer
from tests.support.notifier import QuietNotifier

BODY = b"x" * 400_000


@pytest.fixture
def hanging() -> Iterator[FaultServer]:
    with FaultServer() as server:
        server.inject(Fault.hang(seconds=30.0))
        yield server


@pytest.fixture
def s3() -> Iterator[ObjectStoreServer]:
    with ObjectStoreServer() as server:
        yield server


def _ended_with_download(store: Store, s3: ObjectStoreServer, out: Path, mode: str = "held") -> int:
    """A job of an account that saves results, ended with a link whose body the file host holds halfway (or
    trickles, a byte every 0.2 s)."""
    account = store.accounts.add(Account("files", "pdfco", KeySource.ENV, key_env="PDFCO_KEY"))
    store.settings.save_account("files", AccountSettings(save_results=str(out)))
    job, _ = store.jobs.add(account, "J1")
    url = s3.put("J1/big.bin", BODY, mode=mode)
    with store.jobs.transaction():
        store.jobs.record_status(job.id, Status("J1", JobState.SUCCEEDED, "success", 100.0, None, url))
        store.outbox.add_actions(job.id, [OutboxAction("download", "account:save-results")])
    return job.id


def test_a_poll_worker_and_a_download_are_threads_of_one_pool_stopped_within_its_budget(
    qtbot: QtBot, tmp_path: Path, hanging: FaultServer, s3: ObjectStoreServer
) -> None:
    out = tmp_path / "out"
    with Store(tmp_path / "d") as store:
        job = _ended_with_download(store, s3, out, mode="trickle")
        pool = WorkerPool()
        config = ProviderConfig(base_url=hanging.base_url, secret=Secret("k"), timeout=(30.0, 30.0))
        pool.start(AccountPoller(PollerSpec("acme", "PDF.co", PdfCoProvider, config, parse_rate_limit("20/s"))))
        pool.set_jobs("acme", [("job-1", 0.0)])
        pump = OutboxPump(store, config_for=lambda _name: None, threads=pool)
        pump.start()
        try:
            # The body trickles in: its name recorded by the pump, the .part being written.
            qtbot.waitUntil(
                lambda: hanging.request_count >= 1 and store.outbox.for_job(job)[0].target_name is not None,
                timeout=10_000,
            )
            assert sorted(pool.live()) == ["jobtray-download", "poll-acme"]  # one count of every live thread
            pump.begin_stop()
            assert pool.shutdown(2.0)  # both ended: the request abandoned, the download abandoned
            assert pool.live() == []
            assert pump.wait_stopped(1.0)  # what the stopped download said, recorded
        finally:
            pool.shutdown(2.0)  # a running QThread must never be destroyed, even when an assertion failed
        assert list(out.iterdir()) == []  # the partial file removed
        [row] = store.outbox.for_job(job)
        assert row.state == "pending"  # left to resume at the next start


def test_the_trays_downloads_run_in_its_worker_pool_and_its_quit_ends_them_all(
    qtbot: QtBot, store: Store, tmp_path: Path, hanging: FaultServer, s3: ObjectStoreServer
) -> None:
    out = tmp_path / "out"
    job = _ended_with_download(store, s3, out)
    stuck = store.accounts.add(Account("stuck", "pdfco", KeySource.ENV, base_url=hanging.base_url, key_env="PDFCO_KEY"))
    store.jobs.add(stuck, "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300")
    controller = AppController(store, environ={"PDFCO_KEY": PDFCO_KEY}, show_tray=False, notifier=QuietNotifier())
    try:
        controller.start()
        qtbot.waitUntil(lambda: hanging.request_count >= 1 and s3.held.is_set(), timeout=10_000)
        pool = controller.polling.pool
        assert pool is not None
        assert sorted(pool.live()) == ["jobtray-download", "poll-stuck"]
        assert controller.shutdown()  # within the quit budget, every thread of the pool ended
        assert pool.live() == []
        assert list(out.iterdir()) == []
        [row] = store.outbox.for_job(job)
        assert row.state == "pending"
    finally:
        controller.shutdown()


def test_work_that_ignores_its_stop_is_left_behind_at_the_deadline_and_late_work_is_stopped_at_once(
    qtbot: QtBot,
) -> None:
    pool = WorkerPool()
    release, told = threading.Event(), threading.Event()
    handle = pool.start_thread("jobtray-command", lambda: release.wait(10), told.set)
    assert pool.live() == ["jobtray-command"]
    pool.begin_stop()
    assert told.is_set()
    assert not pool.wait_stopped(0.05)  # the budget ran out: left behind, still counted
    assert pool.live() == ["jobtray-command"]
    release.set()
    handle.join(5)
    assert pool.wait_stopped(1.0) and pool.live() == []
    late = threading.Event()
    pool.start_thread("jobtray-forward", lambda: None, late.set)  # a pool that stops takes no work on for good
    assert late.is_set()


def test_a_command_that_ignores_sigterm_at_the_trays_quit_is_ended_within_the_budget_and_marked_interrupted(
    qtbot: QtBot, store: Store, tmp_path: Path, hanging: FaultServer
) -> None:
    marker = tmp_path / "started"
    account = store.accounts.add(Account("files", "pdfco", KeySource.ENV, key_env="PDFCO_KEY"))
    command = f"sh -c 'trap \"\" TERM; echo started > {marker}; sleep 30'"  # SIGTERM ignored: SIGKILL after grace
    store.settings.save_account("files", AccountSettings(on_end=command))
    job, _ = store.jobs.add(account, "J1")
    with store.jobs.transaction():
        store.jobs.record_status(job.id, Status("J1", JobState.SUCCEEDED, "success", 100.0, None, None))
        store.outbox.add_actions(job.id, [OutboxAction("command", "account:on-end")])
    stuck = store.accounts.add(Account("stuck", "pdfco", KeySource.ENV, base_url=hanging.base_url, key_env="PDFCO_KEY"))
    store.jobs.add(stuck, "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300")
    controller = AppController(store, environ={"PDFCO_KEY": PDFCO_KEY}, show_tray=False, notifier=QuietNotifier())
    try:
        controller.start()
        qtbot.waitUntil(lambda: hanging.request_count >= 1 and marker.exists(), timeout=10_000)
        pool = controller.polling.pool
        assert pool is not None
        assert sorted(pool.live()) == ["jobtray-command", "poll-stuck"]
        assert controller.shutdown()  # the command's group killed after its grace, inside the quit budget
        assert pool.live() == []
        [row] = store.outbox.for_job(job.id)
        assert row.state == "interrupted"  # never run again unless a person asks
    finally:
        controller.shutdown()
