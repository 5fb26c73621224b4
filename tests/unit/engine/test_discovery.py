"""Account discovery against the encoding.com simulator over real HTTP, on a virtual clock: three pages of media,
new ones found, finished ones not added, media from before the switch-on never counted, removed ones not re-added,
one request per due step, the account's rate budget kept."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.engine.budget import LocalBudget
from desktop_app.engine.discovery import LOOK_INTERVAL, Discoverer, record_page, take_baseline
from desktop_app.engine.poller import AccountPoller, PollerSpec
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.encodingcom import EncodingComProvider
from desktop_app.simulators import encodingcom as enc
from desktop_app.simulators.server import SimulatorServer, serve
from desktop_app.store.database import Store
from tests.support.clock import VirtualClock

USER, KEY = "48151", "discovery-key"
SWITCH_ON = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(params=[0.0, -5.0, 9.0], ids=["utc", "utc-5", "utc+9"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[enc.EncodingComSimulator, SimulatorServer]]:
    sim = enc.EncodingComSimulator(USER, KEY, utc_offset_hours=request.param)
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()


def test_discovery_over_three_pages(served: tuple[enc.EncodingComSimulator, SimulatorServer], store: Store) -> None:
    sim, server = served
    clock = VirtualClock(SWITCH_ON.timestamp())
    account = store.accounts.add(
        Account("video", "encodingcom", KeySource.ENV, base_url=server.base_url, username=USER, key_env="K")
    )
    store.discovery.enable("video", SWITCH_ON.timestamp())
    # There before the switch-on: an hour before (listed by the first look, never counted) and a day before.
    before = [sim.add_job([enc.running()], created=SWITCH_ON - timedelta(hours=1)) for _ in range(3)]
    sim.add_job([enc.running()], created=SWITCH_ON - timedelta(days=1))
    spec = PollerSpec(
        "video",
        "encoding.com",
        EncodingComProvider,
        ProviderConfig(base_url=server.base_url, secret=Secret(KEY), username=USER),
        parse_rate_limit("1/s"),
    )
    budget = LocalBudget(wall=clock.wall)
    poller = AccountPoller(spec, budget=budget, clock=clock.mono)
    state = store.discovery.state("video")
    assert state is not None
    poller.discovery = Discoverer("video", "encodingcom", state, clock=clock.mono, wall=clock.wall)
    sent_at: list[float] = []

    def run_until_idle(limit: int = 20) -> None:
        for _ in range(limit):
            due = poller.next_due()
            assert due is not None
            if due > clock.now:
                if due - clock.now > 5:  # the next look: not within this round
                    return
                clock.now = due
            before_count = sim.list_requests_made()
            page = poller.discover_step()
            assert sim.list_requests_made() - before_count <= 1  # one request per due step
            if page is not None:
                sent_at.append(clock.now)
                assert page.error is None, page.error
                record_page(store, account, page)
        pytest.fail("the look did not end")

    # Woken early, nothing goes out.
    clock.now -= 1
    assert poller.discover_step() is None and sim.list_requests_made() == 0
    clock.now += 1
    run_until_idle()  # the first look, at the switch-on: the baseline
    assert [page for _, page in sim.list_requests] == [1]
    assert store.jobs.all() == []

    # Created after: 215 still running, 10 finished, 5 failed: 230 new media, three pages of 100.
    new_running = [
        sim.add_job(
            [enc.running()], created=SWITCH_ON + timedelta(seconds=i), source=f"http://cdn.example/v/clip{i}.mov"
        )
        for i in range(215)
    ]
    done = [sim.add_job([enc.finished()], created=SWITCH_ON + timedelta(seconds=300 + i)) for i in range(10)]
    done += [sim.add_job([enc.error()], created=SWITCH_ON + timedelta(seconds=400 + i)) for i in range(5)]
    clock.now += 30
    assert poller.discover_step() is None and sim.list_requests_made() == 1  # at most one look a minute
    clock.now = sent_at[0] + LOOK_INTERVAL
    run_until_idle()
    assert [page for _, page in sim.list_requests] == [1, 1, 2, 3]
    jobs = {job.job_id: job for job in store.jobs.all()}
    assert set(jobs) == set(new_running)  # finished and older media not added
    assert all(job.discovered for job in jobs.values())
    assert jobs[new_running[7]].label == "clip7.mov"
    assert not set(before) & set(jobs) and not set(done) & set(jobs)
    spacing = poller.spacing
    assert all(b - a >= spacing - 1e-6 for a, b in itertools.pairwise(sent_at))  # the budget held

    # The user removes a discovered job; a new media appears; the next look comes a minute later.
    removed = new_running[0]
    store.jobs.remove(store.jobs.find(removed)[0].id)
    later = sim.add_job([enc.new()], created=SWITCH_ON + timedelta(minutes=2), source="http://cdn.example/late.mp4")
    requests_so_far = sim.list_requests_made()
    clock.now += 30
    assert poller.discover_step() is None and sim.list_requests_made() == requests_so_far  # not yet
    clock.now = sent_at[1] + LOOK_INTERVAL
    run_until_idle()
    jobs = {job.job_id: job for job in store.jobs.all()}
    assert later in jobs and jobs[later].label == "late.mp4" and jobs[later].discovered
    assert removed not in jobs
    assert store.discovery.state("video").last_look is not None  # type: ignore[union-attr]


def test_a_manually_added_job_is_not_marked_discovered_and_list_json_shows_the_flag(store: Store) -> None:
    account = store.accounts.add(Account("video", "encodingcom", KeySource.ENV, username=USER, key_env="K"))
    job, _ = store.jobs.add(account, "12345678")
    assert not job.discovered
    store.discovery.mark_discovered(job.id)
    assert store.jobs.get(job.id).discovered


def _provider(server: SimulatorServer) -> EncodingComProvider:
    return EncodingComProvider(ProviderConfig(base_url=server.base_url, secret=Secret(KEY), username=USER))


def _discovering(store: Store, server: SimulatorServer, since: float) -> Account:
    account = store.accounts.add(
        Account("video", "encodingcom", KeySource.ENV, base_url=server.base_url, username=USER, key_env="K")
    )
    store.discovery.enable("video", since)
    return account


def _look(store: Store, account: Account, server: SimulatorServer, clock: VirtualClock) -> None:
    state = store.discovery.state("video")
    assert state is not None
    discoverer = Discoverer("video", "encodingcom", state, clock=clock.mono, wall=clock.wall)
    while True:
        page = discoverer.step(_provider(server), LocalBudget(wall=clock.wall), 0.0)
        assert page is not None and page.error is None
        record_page(store, account, page)
        if page.complete:
            return


def test_the_switch_on_baseline_then_media_created_before_the_first_poll_are_found(store: Store) -> None:
    """Issue 20: media created between the switch-on and the first look of the tray or `poll` were never found."""
    sim = enc.EncodingComSimulator(USER, KEY)
    server = serve(sim)
    try:
        clock = VirtualClock(SWITCH_ON.timestamp())
        before = sim.add_job([enc.running()], created=SWITCH_ON - timedelta(minutes=1))
        account = _discovering(store, server, SWITCH_ON.timestamp())
        assert take_baseline(store, account, _provider(server), wall=clock.wall) is None
        baseline = store.discovery.state("video")
        assert baseline is not None and baseline.baseline_at == SWITCH_ON.timestamp()
        assert store.jobs.all() == []
        clock.now += 120  # the first poll comes two minutes later
        between = sim.add_job([enc.running()], created=SWITCH_ON + timedelta(seconds=30))
        _look(store, account, server, clock)
        assert [job.job_id for job in store.jobs.all()] == [between]
        assert before not in {job.job_id for job in store.jobs.all()}
    finally:
        server.stop()


def test_a_failed_switch_on_look_leaves_the_baseline_to_the_next_look_counting_from_the_switch_on(
    store: Store,
) -> None:
    sim = enc.EncodingComSimulator(USER, KEY)
    server = serve(sim)
    try:
        from desktop_app.simulators.server import SimResponse

        clock = VirtualClock(SWITCH_ON.timestamp())
        before = sim.add_job([enc.running()], created=SWITCH_ON - timedelta(minutes=1))
        account = _discovering(store, server, SWITCH_ON.timestamp())
        sim.faults.push(SimResponse(503, b"busy", "text/plain"))
        error = take_baseline(store, account, _provider(server), wall=clock.wall)
        assert error is not None and "503" in error
        state = store.discovery.state("video")
        assert state is not None and state.baseline_at is None
        clock.now += 600
        between = sim.add_job([enc.running()], created=SWITCH_ON + timedelta(minutes=3))
        finished = sim.add_job([enc.finished()], created=SWITCH_ON + timedelta(minutes=4))
        _look(store, account, server, clock)
        assert [job.job_id for job in store.jobs.all()] == [between]
        assert before not in {j.job_id for j in store.jobs.all()} and finished not in {
            j.job_id for j in store.jobs.all()
        }
        state = store.discovery.state("video")
        assert state is not None and state.baseline_at == SWITCH_ON.timestamp() + 600
    finally:
        server.stop()


def test_switching_on_again_forgets_an_earlier_failed_switch_on_look(store: Store) -> None:
    store.accounts.add(Account("video", "encodingcom", KeySource.ENV, username=USER, key_env="K"))
    store.discovery.enable("video", SWITCH_ON.timestamp())
    store.discovery.note_switch_on_look_failed("video")
    assert store.discovery.switch_on_look_failed("video")
    store.discovery.disable("video")
    store.discovery.enable("video", SWITCH_ON.timestamp() + 60)
    assert not store.discovery.switch_on_look_failed("video")
