"""Real PollWorkers in real QThreads, owned by a WorkerPool, against the PDF.co simulator over HTTP."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QCoreApplication, QThread

from desktop_app.core.model import Account, JobState, KeySource, Secret
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.engine.poller import AccountPoller, PollerSpec
from desktop_app.engine.recorder import apply_result
from desktop_app.engine.results import CheckResult, ErrorKind
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.pdfco import PdfCoProvider
from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.store.database import Store
from desktop_app.workers.pool import WorkerPool
from tests.conftest import PDFCO_KEY
from tests.support.fault_server import Fault, FaultServer


def _poller(base_url: str, key: str = PDFCO_KEY, account: str = "acme", timeout: float = 5.0) -> AccountPoller:
    config = ProviderConfig(base_url=base_url, secret=Secret(key), timeout=(timeout, timeout))
    return AccountPoller(PollerSpec(account, "PDF.co", PdfCoProvider, config, parse_rate_limit("20/s")))


class _Handle:
    """One account's worker in a pool: the shape these tests were written against."""

    def __init__(self, base_url: str, key: str = PDFCO_KEY) -> None:
        self.pool = WorkerPool()
        self.poller = _poller(base_url, key)
        self.result_ready = self.pool.result_ready

    def start(self) -> None:
        self.pool.start(self.poller)

    def set_jobs(self, jobs: list[tuple[str, float]]) -> None:
        self.pool.set_jobs("acme", jobs)

    def check_now(self) -> None:
        self.pool.check_now("acme")

    def stop(self, timeout: float = 2.0) -> bool:
        return self.pool.shutdown(timeout)


def _handle(base_url: str, key: str = PDFCO_KEY) -> _Handle:
    return _Handle(base_url, key)


def test_results_arrive_by_signal_and_are_applied_on_the_main_thread(qtbot, store: Store, pdfco_simulator) -> None:
    sim, server = pdfco_simulator
    ok_id = sim.add_job([pdfco_sim.working(checks=1), pdfco_sim.success()])
    bad_id = sim.add_job([pdfco_sim.failed()])
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="K"))
    for job_id in (ok_id, bad_id):
        store.jobs.add(account, job_id)
    main_thread = QCoreApplication.instance().thread()
    applied_in: set[bool] = set()
    changes = []

    def apply(result: CheckResult) -> None:
        applied_in.add(QThread.currentThread() is main_thread)
        changes.extend(apply_result(store, result))

    handle = _handle(server.base_url)
    handle.result_ready.connect(apply)
    handle.start()
    try:
        handle.set_jobs([(ok_id, 0.0), (bad_id, 0.0)])
        qtbot.waitUntil(lambda: store.jobs.find(ok_id)[0].state == JobState.SUCCEEDED, timeout=8000)
        assert store.jobs.find(bad_id)[0].state == JobState.FAILED
        assert applied_in == {True}  # the store was only written on the main thread
        assert {(c.job.job_id, c.new_state) for c in changes} >= {
            (ok_id, JobState.RUNNING),
            (ok_id, JobState.SUCCEEDED),
            (bad_id, JobState.FAILED),
        }
        assert store.jobs.find(ok_id)[0].result_url.startswith(server.base_url)
    finally:
        assert handle.stop()


def test_ended_jobs_are_not_checked_again_and_check_now_is_immediate(qtbot, pdfco_simulator) -> None:
    sim, server = pdfco_simulator
    done_id = sim.add_job([pdfco_sim.success()])
    slow_id = sim.add_job([pdfco_sim.working()])
    results: list[CheckResult] = []
    handle = _handle(server.base_url)
    handle.result_ready.connect(results.append)
    handle.start()
    try:
        handle.set_jobs([(done_id, 0.0), (slow_id, 3600.0)])  # an hour old: next check minutes away
        qtbot.waitUntil(lambda: len(results) >= 2, timeout=5000)
        time.sleep(0.3)
        QCoreApplication.processEvents()
        assert sorted(r.job_ids[0] for r in results) == sorted([done_id, slow_id])
        handle.check_now()  # the slow job's next check is minutes away: only check_now asks now
        qtbot.waitUntil(lambda: len(results) >= 3, timeout=3000)
        assert results[-1].job_ids == (slow_id,)  # the finished job is not asked about again
    finally:
        assert handle.stop()


def test_auth_error_comes_back_as_a_result_not_an_exception(qtbot, pdfco_simulator) -> None:
    sim, server = pdfco_simulator
    job_id = sim.add_job([pdfco_sim.working()])
    handle = _handle(server.base_url, key="wrong-key")
    with qtbot.waitSignal(handle.result_ready, timeout=5000) as got:
        handle.start()
        handle.set_jobs([(job_id, 0.0)])
    try:
        result = got.args[0]
        assert not result.ok
        assert result.error_kind == ErrorKind.AUTH
        assert "wrong-key" not in (result.error or "")
    finally:
        assert handle.stop()


def test_stop_is_quick_even_with_many_jobs_due(qtbot, pdfco_simulator) -> None:
    sim, server = pdfco_simulator
    ids = [sim.add_job([pdfco_sim.working()]) for _ in range(30)]
    handle = _handle(server.base_url)
    handle.start()
    handle.set_jobs([(job_id, 0.0) for job_id in ids])
    qtbot.waitUntil(lambda: server.request_count >= 3, timeout=5000)
    assert handle.stop()  # True: every thread ended within stop's own budget
    assert handle.pool.retiring == 0 and handle.pool.accounts() == []
    count = server.request_count
    time.sleep(0.3)
    assert server.request_count == count  # nothing after stop
    assert not [t for t in threading.enumerate() if t.name.startswith("poll-")]


def test_retiring_a_worker_inside_a_hanging_request_never_blocks_and_its_answer_is_dropped(qtbot) -> None:
    """Issue 10: removing an account while its worker sits in a request aborted the app ("QThread: Destroyed while
    thread is still running"). The pool returns at once, keeps the thread until it ends, and drops its answer."""
    with FaultServer() as hanging:
        hanging.inject(Fault.hang(seconds=30.0))
        pool = WorkerPool()
        results: list[CheckResult] = []
        ended: list[str] = []
        pool.result_ready.connect(results.append)
        pool.worker_ended.connect(ended.append)
        pool.start(_poller(hanging.base_url, timeout=1.0))
        pool.set_jobs("acme", [("job-1", 0.0)])
        qtbot.waitUntil(lambda: hanging.request_count >= 1, timeout=3000)
        pool.retire("acme")
        # Returned while the thread still sits in the 30 s hang: the GUI thread never waits for the request.
        assert pool.retiring == 1 and not pool.has("acme")
        qtbot.waitUntil(lambda: ended == ["acme"], timeout=5000)  # the thread ended; then it was released
        assert pool.retiring == 0
        QCoreApplication.processEvents()
        assert results == []  # the abandoned request's answer went nowhere
        assert pool.shutdown(2.0)


def test_a_replaced_worker_s_results_are_dropped_and_the_new_one_polls(qtbot, pdfco_simulator) -> None:
    sim, server = pdfco_simulator
    job_id = sim.add_job([pdfco_sim.working()])
    with FaultServer() as hanging:
        hanging.inject(Fault.hang(seconds=30.0))
        pool = WorkerPool()
        results: list[CheckResult] = []
        pool.result_ready.connect(results.append)
        pool.start(_poller(hanging.base_url, timeout=1.0))
        pool.set_jobs("acme", [(job_id, 0.0)])
        qtbot.waitUntil(lambda: hanging.request_count >= 1, timeout=3000)
        pool.start(_poller(server.base_url))  # an edit of the account: same name, new settings
        pool.set_jobs("acme", [(job_id, 0.0)])
        qtbot.waitUntil(lambda: len(results) >= 1, timeout=5000)
        qtbot.waitUntil(lambda: pool.retiring == 0, timeout=5000)
        QCoreApplication.processEvents()
        assert all(r.ok for r in results)  # only the new worker's answers (the hanging one would be an error)
        assert pool.shutdown(2.0)


def test_a_trickling_server_ends_as_a_transient_error_through_the_tray_s_worker(qtbot) -> None:
    """Issue 11 through the tray's worker: headers at once, then a byte every 0.3 s; the whole-request deadline
    (0.8 s here, 30 s by default) ends it, and the result comes back as a transient error, not a hang."""
    with FaultServer() as trickling:
        trickling.inject(Fault.trickle(0.3))
        config = ProviderConfig(base_url=trickling.base_url, secret=Secret(PDFCO_KEY), deadline=0.8)
        pool = WorkerPool()
        results: list[CheckResult] = []
        pool.result_ready.connect(results.append)
        pool.start(AccountPoller(PollerSpec("acme", "PDF.co", PdfCoProvider, config, parse_rate_limit("20/s"))))
        pool.set_jobs("acme", [("job-1", 0.0)])
        qtbot.waitUntil(lambda: len(results) >= 1, timeout=5000)  # the whole trickle would take minutes
        assert pool.shutdown(2.0)
    [result] = results[:1]
    assert result.error_kind == ErrorKind.TRANSIENT and "complete answer within 0.8 s" in (result.error or "")
