"""`jobtray poll` and `jobtray watch` discover too (engine.blocking): the tray's Discoverer against the encoding.com
simulator over real HTTP, on a virtual clock. `poll` takes the look that is due (every page, then asks about what
it found once), a look at most once a minute whoever took the last one, inside the account's rate budget; `watch`
looks each minute while it runs and watches what it finds to its end."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.core.model import Account, JobState, KeySource
from desktop_app.engine.blocking import BlockingEngine, WatchOutcome
from desktop_app.engine.budget import LocalBudget
from desktop_app.engine.discovery import LOOK_INTERVAL
from desktop_app.simulators import encodingcom as enc
from desktop_app.simulators.server import SimulatorServer, serve
from desktop_app.store.database import Store
from tests.support.clock import VirtualClock

USER, KEY = "48151", "blocking-discovery-key"
SWITCH_ON = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)


class RecordingBudget(LocalBudget):
    """The account's budget, noting the clock of every request it let go."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(wall=clock.wall)
        self.clock = clock
        self.sent_at: list[float] = []

    def reserve(self, spacing: float) -> float:
        wait = super().reserve(spacing)
        if wait <= 1e-3:
            self.sent_at.append(self.clock.now)
        return wait


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(SWITCH_ON.timestamp())


@pytest.fixture
def served(clock: VirtualClock) -> Iterator[tuple[enc.EncodingComSimulator, SimulatorServer]]:
    sim = enc.EncodingComSimulator(USER, KEY, clock=clock.mono, wall=clock.wall)
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()


def _engine(store: Store, clock: VirtualClock, budget: RecordingBudget, found: list[str]) -> BlockingEngine:
    return BlockingEngine(
        store,
        environ={"ENC_KEY": KEY},
        clock=clock.mono,
        sleep=clock.sleep,
        wall=clock.wall,
        budget_for=lambda _name: budget,
        on_discovered=lambda jobs: found.extend(job.job_id for job in jobs),
    )


def _account(store: Store, server: SimulatorServer, clock: VirtualClock) -> Account:
    account = store.accounts.add(
        Account("video", "encodingcom", KeySource.ENV, base_url=server.base_url, username=USER, key_env="ENC_KEY")
    )
    store.discovery.enable("video", clock.wall())
    return account


def test_poll_takes_the_due_look_over_every_page_and_asks_about_what_it_found_once(
    served: tuple[enc.EncodingComSimulator, SimulatorServer], store: Store, clock: VirtualClock
) -> None:
    sim, server = served
    _account(store, server, clock)
    budget = RecordingBudget(clock)
    found: list[str] = []
    sim.add_job([enc.running()], created=SWITCH_ON - timedelta(minutes=5))  # there before: the baseline's

    report = _engine(store, clock, budget, found).poll_once()  # no job open: discovery alone, the baseline look
    assert [page for _, page in sim.list_requests] == [1]
    assert report.requests == 1 and report.discovered == [] and store.jobs.all() == []
    assert store.discovery.state("video").last_look == SWITCH_ON.timestamp()  # type: ignore[union-attr]

    running = [
        sim.add_job([enc.running()], created=SWITCH_ON + timedelta(seconds=i), source=f"http://cdn/v{i}.mov")
        for i in range(150)
    ]
    finished = [sim.add_job([enc.finished()], created=SWITCH_ON + timedelta(seconds=200 + i)) for i in range(3)]
    clock.now += 20
    report = _engine(store, clock, budget, found).poll_once()  # a cron'd poll 20 s later: no look yet
    assert sim.list_requests_made() == 1 and report.requests == 0 and store.jobs.all() == []

    clock.now += LOOK_INTERVAL
    budget.sent_at.clear()
    report = _engine(store, clock, budget, found).poll_once()
    assert [page for _, page in sim.list_requests] == [1, 1, 2]  # the two pages of the new look
    assert sorted(found) == sorted(running) and sorted(j.job_id for j in report.discovered) == sorted(running)
    jobs = {job.job_id: job for job in store.jobs.all()}
    assert set(jobs) == set(running) and not set(finished) & set(jobs)
    assert all(job.discovered and job.checks == 1 for job in jobs.values())  # each asked about once, this poll
    assert [len(ids) for ids in sim.status_requests] == [150]  # in one batched GetStatus
    assert report.requests == 3
    spacing = 1.0 / (1.0 * 0.9)  # the provider's default 1/s with the schedule's margin
    assert len(budget.sent_at) == 3
    assert all(b - a >= spacing * 0.99 for a, b in itertools.pairwise(budget.sent_at))  # the budget held


def test_watch_looks_each_minute_while_it_runs_and_watches_what_it_finds_to_its_end(
    served: tuple[enc.EncodingComSimulator, SimulatorServer], store: Store, clock: VirtualClock
) -> None:
    sim, server = served
    account = _account(store, server, clock)
    budget = RecordingBudget(clock)
    found: list[str] = []
    # A job watched already, that runs for ten minutes.
    long_one = sim.add_job([enc.running(seconds=600.0), enc.finished()], created=SWITCH_ON - timedelta(hours=1))
    store.jobs.add(account, long_one)
    # Created while the watch runs: two minutes in, and a short one.
    late: list[str] = []

    def sleep(seconds: float) -> None:
        before = clock.now
        clock.sleep(seconds)
        if before < 1120.0 <= clock.now:
            late.append(
                sim.add_job(
                    [enc.running(seconds=90.0), enc.finished()],
                    created=datetime.fromtimestamp(clock.wall(), UTC),
                    source="http://cdn/late.mp4",
                )
            )

    engine = BlockingEngine(
        store,
        environ={"ENC_KEY": KEY},
        clock=clock.mono,
        sleep=sleep,
        wall=clock.wall,
        budget_for=lambda _name: budget,
        on_discovered=lambda jobs: found.extend(job.job_id for job in jobs),
    )
    start = clock.now
    assert engine.watch(timeout=3600) == WatchOutcome.DONE
    assert len(late) == 1 and found == late
    jobs = {job.job_id: job for job in store.jobs.all()}
    assert jobs[late[0]].discovered and jobs[late[0]].label == "late.mp4"
    assert jobs[late[0]].state is JobState.SUCCEEDED and jobs[long_one].state is JobState.SUCCEEDED
    assert late[0] in {job.job_id for job in store.jobs.all() if job.id in engine.watched_rows}
    # A look at most once a minute (one page each: few media), and one while the watch lasted, each minute.
    looks = len(sim.list_requests)
    assert looks >= (clock.now - start) // LOOK_INTERVAL
    assert looks <= (clock.now - start) / LOOK_INTERVAL + 1


def test_an_account_that_only_discovers_with_a_missing_key_stops_no_watch(
    served: tuple[enc.EncodingComSimulator, SimulatorServer], store: Store, clock: VirtualClock
) -> None:
    _sim, server = served
    _account(store, server, clock)
    warnings: list[str] = []
    engine = BlockingEngine(store, environ={}, clock=clock.mono, sleep=clock.sleep, wall=clock.wall)
    engine._on_warning = warnings.append
    assert engine.watch(timeout=10) == WatchOutcome.DONE
    assert any("ENC_KEY" in text for text in warnings)
