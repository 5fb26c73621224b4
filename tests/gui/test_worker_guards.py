"""No silent stop (issue 18): an unexpected exception in any entry point of a tray poll worker (discovery,
take_due, the check, settle, set_jobs, next_due) is logged with its traceback, told once, and the account is
checked again after a backoff. Real workers in real QThreads against the PDF.co simulator over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import pytest

from desktop_app.core.model import Secret
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.engine.discovery import DiscoveryPage
from desktop_app.engine.poller import AccountPoller, PollerSpec
from desktop_app.engine.results import CheckResult
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.pdfco import PdfCoProvider
from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.workers.poll_worker import ErrorBackoff
from desktop_app.workers.pool import WorkerPool
from tests.conftest import PDFCO_KEY

FAST = ErrorBackoff(first=0.05, most=0.2)


class FlakyPoller(AccountPoller):
    """A real poller whose `broken` method raises RuntimeError on its first call (a bug, not a JobTrayError)."""

    def __init__(self, spec: PollerSpec, broken: str) -> None:
        super().__init__(spec)
        self.broken = broken
        self.raised = 0

    def _maybe_raise(self, name: str) -> None:
        if name == self.broken and not self.raised:
            self.raised += 1
            raise RuntimeError(f"injected into {name}")

    def discover_step(self) -> DiscoveryPage | None:
        self._maybe_raise("discover_step")
        return super().discover_step()

    def take_due(self) -> list[str]:
        self._maybe_raise("take_due")
        return super().take_due()

    def check(self, batch: Sequence[str]) -> CheckResult:
        self._maybe_raise("check")
        return super().check(batch)

    def settle(self, result: CheckResult) -> None:
        super().settle(result)  # taken and settled in the schedule, then the bug: the worst place for one
        self._maybe_raise("settle")

    def sync(self, jobs: Iterable[tuple[str, float]]) -> None:
        self._maybe_raise("sync")
        super().sync(jobs)

    def next_due(self) -> float | None:
        self._maybe_raise("next_due")
        return super().next_due()


def _spec(base_url: str) -> PollerSpec:
    config = ProviderConfig(base_url=base_url, secret=Secret(PDFCO_KEY), timeout=(5.0, 5.0))
    return PollerSpec("acme", "PDF.co", PdfCoProvider, config, parse_rate_limit("20/s"))


@pytest.mark.parametrize("broken", ["discover_step", "take_due", "check", "settle", "sync", "next_due"])
def test_an_exception_in_any_entry_point_is_logged_told_once_and_the_account_is_checked_again(
    qtbot, pdfco_simulator, caplog: pytest.LogCaptureFixture, broken: str
) -> None:
    sim, server = pdfco_simulator
    # Working for three checks: the job is asked about again and again after the injected failure.
    job_id = sim.add_job([pdfco_sim.working(checks=2), pdfco_sim.success()])
    pool = WorkerPool(error_backoff=FAST)
    results: list[CheckResult] = []
    told: list[tuple[str, str]] = []
    pool.result_ready.connect(results.append)
    pool.worker_failed.connect(lambda account, text: told.append((account, text)))
    poller = FlakyPoller(_spec(server.base_url), broken)
    caplog.set_level(logging.ERROR, logger="desktop_app.workers.poll_worker")
    pool.start(poller)
    try:
        pool.set_jobs("acme", [(job_id, 0.0)])
        qtbot.waitUntil(lambda: poller.raised == 1, timeout=5000)
        # Checked again after the exception, to the job's end.
        qtbot.waitUntil(lambda: any(s.state.value == "succeeded" for r in results for s in r.statuses), timeout=10000)
        assert told == [("acme", told[0][1])] and "unexpected error (RuntimeError)" in told[0][1]
        assert "keeps checking" in told[0][1]
        logged = [r for r in caplog.records if r.exc_info and "injected into" in str(r.exc_info[1])]
        assert len(logged) == 1 and "acme" in logged[0].getMessage()  # with its traceback, once
    finally:
        assert pool.shutdown(2.0)


def test_an_exception_every_time_backs_off_and_is_told_only_once(qtbot, pdfco_simulator) -> None:
    sim, server = pdfco_simulator
    job_id = sim.add_job([pdfco_sim.working()])

    class AlwaysBroken(AccountPoller):
        calls = 0

        def take_due(self) -> list[str]:
            AlwaysBroken.calls += 1
            raise RuntimeError("always")

    pool = WorkerPool(error_backoff=ErrorBackoff(first=0.02, most=0.08))
    told: list[str] = []
    pool.worker_failed.connect(lambda _account, text: told.append(text))
    pool.start(AlwaysBroken(_spec(server.base_url)))
    try:
        pool.set_jobs("acme", [(job_id, 0.0)])
        qtbot.waitUntil(lambda: AlwaysBroken.calls >= 5, timeout=5000)  # still going: the timer was armed again
        assert len(told) == 1
    finally:
        assert pool.shutdown(2.0)


def test_backoff_doubles_to_its_ceiling() -> None:
    backoff = ErrorBackoff(first=5.0, most=60.0)
    assert [backoff.delay(n) for n in (1, 2, 3, 4, 5)] == [5.0, 10.0, 20.0, 40.0, 60.0]
