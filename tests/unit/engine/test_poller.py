"""The one engine on a virtual clock, over real HTTP to the PDF.co simulator: the shared rate budget, Retry-After
kept in the store, and a result that waits for a busy database."""

from __future__ import annotations

import itertools
from pathlib import Path

from desktop_app.core.model import Account, JobState, KeySource, Secret
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.engine.budget import LocalBudget, StoreBudget
from desktop_app.engine.poller import AccountPoller, PollerSpec
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.pdfco import PdfCoProvider
from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.store.database import Store
from tests.conftest import PDFCO_KEY
from tests.support.clock import VirtualClock
from tests.support.fault_server import Fault, FaultServer


def _spec(base_url: str, rate: str = "2/s") -> PollerSpec:
    config = ProviderConfig(base_url=base_url, secret=Secret(PDFCO_KEY))
    return PollerSpec("acme", "PDF.co", PdfCoProvider, config, parse_rate_limit(rate))


def _store_with_account(folder: Path) -> Store:
    store = Store(folder)
    store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="K"))
    return store


def _drive(pollers: list[AccountPoller], clock: VirtualClock, seconds: float, tick: float = 0.05) -> list[float]:
    """Step every poller whenever it is due, on the virtual clock; the times requests were sent."""
    sent: list[float] = []
    end = clock.now + seconds
    while clock.now < end:
        for poller in pollers:
            due = poller.next_due()
            if due is not None and due <= clock.now and poller.step() is not None:
                sent.append(clock.now)
        clock.now += tick
    return sent


def test_a_tray_and_a_poll_process_together_stay_within_the_account_s_limit(tmp_path: Path, pdfco_simulator) -> None:
    """Issue 10: the budget was honoured by `poll` alone. Two pollers on one database (each with its own
    connection, as the tray's worker and a cron'd `jobtray poll` have) now share one budget."""
    sim, server = pdfco_simulator
    ids = [sim.add_job([pdfco_sim.working()]) for _ in range(40)]
    clock = VirtualClock()
    stores = [_store_with_account(tmp_path / "data"), Store(tmp_path / "data")]
    try:
        pollers = [
            AccountPoller(
                _spec(server.base_url),
                budget=StoreBudget("acme", lambda s=s: s.accounts, wall=clock.wall),
                clock=clock,
            )
            for s in stores
        ]
        for poller in pollers:
            poller.sync((job_id, 0.0) for job_id in ids)
        sent = _drive(pollers, clock, seconds=10.0)
    finally:
        for s in stores:
            s.close()
    spacing = pollers[0].spacing  # 2/s with the schedule's 10 % margin: 0.56 s
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert len(sent) >= 15  # they did poll, at the limit
    assert min(gaps) >= spacing - 0.051  # never two requests closer than the limit allows (one tick of slack)
    # Any one-second window holds at most 2 requests of both together.
    assert max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent) <= 2


def test_without_the_shared_budget_two_pollers_would_exceed_the_limit(pdfco_simulator) -> None:
    """The check above can fail: each process's own budget alone lets both go at the full rate."""
    sim, server = pdfco_simulator
    ids = [sim.add_job([pdfco_sim.working()]) for _ in range(40)]
    clock = VirtualClock()
    pollers = [AccountPoller(_spec(server.base_url), budget=LocalBudget(clock.wall), clock=clock) for _ in range(2)]
    for poller in pollers:
        poller.sync((job_id, 0.0) for job_id in ids)
    sent = _drive(pollers, clock, seconds=10.0)
    assert max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent) > 2


def test_a_retry_after_heard_by_one_process_holds_the_next_one(tmp_path: Path) -> None:
    clock = VirtualClock()
    with FaultServer() as faults:
        faults.inject(Fault.rate_limited(120))
        first = _store_with_account(tmp_path / "data")
        try:
            poller = AccountPoller(
                _spec(faults.base_url), budget=StoreBudget("acme", lambda: first.accounts, wall=clock.wall), clock=clock
            )
            poller.sync([("job-1", 0.0)])
            result = poller.step()
            assert result is not None and not result.ok and result.retry_after == 120
            assert "PDF.co asked us to wait until" in (result.shown_error or "")  # told when we look again
        finally:
            first.close()
        faults.heal()
        before = faults.request_count
        clock.now += 30  # a new process, 30 s later
        with Store(tmp_path / "data") as second:
            later = AccountPoller(
                _spec(faults.base_url),
                budget=StoreBudget("acme", lambda: second.accounts, wall=clock.wall),
                clock=clock,
            )
            later.sync([("job-1", 0.0)])
            assert later.step() is None
            assert later.held_reason and "429" in later.held_reason
            due = later.next_due()
            assert due is not None and abs(due - (clock.now + 90)) < 0.01  # what is left of the 120 s
            clock.now += 91
            assert later.step() is not None  # then it goes
        assert faults.request_count == before + 1


def test_a_bad_answer_about_one_job_fails_that_job_alone(pdfco_simulator) -> None:
    """Issue 11: one hostile answer stopped the whole account; now only that job backs off."""
    sim, _server = pdfco_simulator
    good = [sim.add_job([pdfco_sim.working(checks=1), pdfco_sim.success()]) for _ in range(3)]
    clock = VirtualClock()
    with FaultServer(sim.handle) as faults:
        poller = AccountPoller(_spec(faults.base_url, "100/s"), budget=LocalBudget(clock.wall), clock=clock)
        poller.sync([("bad-job", 0.0), *((job_id, 0.0) for job_id in good)])
        faults.inject(Fault.http(200, b"<html>not json", "application/json"), times=1)
        results = []
        for _ in range(40):
            clock.now += 1.0
            if (result := poller.step()) is not None:
                results.append(result)
    first = results[0]
    assert first.job_ids == ("bad-job",) and not first.ok and not first.account_wide
    ended = {s.job_id for r in results for s in r.statuses if s.state == JobState.SUCCEEDED}
    assert ended == set(good)  # the account went on with the others at once
