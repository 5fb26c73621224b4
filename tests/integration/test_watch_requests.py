"""`watch` against the real PDF.co simulator over HTTP, on a virtual clock shared by both (so it runs instantly)."""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterator

import pytest

from desktop_app.cli.watch import EXIT_ERROR, EXIT_JOB_FAILED, EXIT_OK, EXIT_TIMEOUT, watch
from desktop_app.core.model import Account, KeySource
from desktop_app.simulators import pdfco as steps
from desktop_app.simulators.faults import RequestRateLimit
from desktop_app.simulators.pdfco import PdfCoSimulator
from desktop_app.simulators.server import SimulatorServer, serve
from desktop_app.store.database import Store
from tests.conftest import PDFCO_KEY


class VirtualClock:
    """Monotonic seconds that move only when someone sleeps; read from the simulator's threads too."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)


class Recorder:
    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.lines: list[tuple[float, str]] = []
        self.warnings: list[str] = []

    def line(self, text: str = "") -> None:
        self.lines.append((self.clock(), text))

    def warn(self, text: str) -> None:
        self.warnings.append(text)


@pytest.fixture
def virtual() -> Iterator[tuple[VirtualClock, PdfCoSimulator, SimulatorServer]]:
    clock = VirtualClock()
    sim = PdfCoSimulator(PDFCO_KEY, clock=clock)
    server = serve(sim)
    try:
        yield clock, sim, server
    finally:
        server.stop()


def add_account(store: Store, server: SimulatorServer, rate_limit: str | None = None) -> Account:
    account = Account(
        "main", "pdfco", KeySource.ENV, base_url=server.base_url, key_env="JOBTRAY_TEST_KEY", rate_limit=rate_limit
    )
    return store.accounts.add(account)


ENV = {"JOBTRAY_TEST_KEY": PDFCO_KEY}


def test_watch_spends_far_fewer_requests_than_1s_polling_and_sees_each_finish_promptly(
    store: Store, virtual: tuple[VirtualClock, PdfCoSimulator, SimulatorServer]
) -> None:
    clock, sim, server = virtual
    # A paid plan's 10/s: a dozen young jobs want 6 checks a second; 1 s polling would want 12.
    account = add_account(store, server, rate_limit="10/s")
    rng = random.Random(5)  # noqa: S311 - a repeatable mix of durations
    durations = {}
    for _ in range(12):
        seconds = rng.uniform(5.0, 80.0)
        job_id = sim.add_job([steps.working(seconds=seconds), steps.success()])
        store.jobs.add(account, job_id)
        durations[job_id] = seconds
    io = Recorder(clock)
    assert watch(store, io, sleep=clock.sleep, clock=clock, environ=ENV) == EXIT_OK
    seen = {text.split("\t")[1]: at for at, text in io.lines if "-> succeeded" in text}
    assert seen.keys() == durations.keys()
    for job_id, seconds in durations.items():
        assert 0.0 <= seen[job_id] - seconds <= max(3.0, 0.1 * seconds), job_id
    one_second_polling = sum(math.ceil(d) + 1 for d in durations.values())
    assert server.request_count < 0.5 * one_second_polling
    assert not io.warnings


def test_watch_keeps_to_the_rate_limit_with_many_jobs_due_at_once(
    store: Store, virtual: tuple[VirtualClock, PdfCoSimulator, SimulatorServer]
) -> None:
    clock, sim, server = virtual
    # The simulator answers 429 past 2 requests in any second, as the free plan does.
    sim.rate_limit = RequestRateLimit(2.0, clock)
    account = add_account(store, server)
    for _ in range(20):
        store.jobs.add(account, sim.add_job([steps.working(seconds=30.0), steps.success()]))
    io = Recorder(clock)
    assert watch(store, io, sleep=clock.sleep, clock=clock, environ=ENV) == EXIT_OK
    assert not io.warnings, "no 429 ever"
    assert sum("-> succeeded" in text for _, text in io.lines) == 20


def test_watch_exit_codes_on_a_virtual_clock(
    store: Store, virtual: tuple[VirtualClock, PdfCoSimulator, SimulatorServer]
) -> None:
    clock, sim, server = virtual
    account = add_account(store, server)
    store.jobs.add(account, sim.add_job([steps.working(seconds=20.0), steps.failed()]))
    assert watch(store, Recorder(clock), exit_status=True, sleep=clock.sleep, clock=clock, environ=ENV) == (
        EXIT_JOB_FAILED
    )
    store.jobs.add(account, sim.add_job([steps.working()]))
    io = Recorder(clock)
    assert watch(store, io, timeout=600.0, sleep=clock.sleep, clock=clock, environ=ENV) == EXIT_TIMEOUT
    # The true count: it was read after the engine was closed, and said 0.
    assert clock() >= 600.0 and io.warnings[0] == "timed out with 1 job(s) still open"
    io = Recorder(clock)
    assert watch(store, io, sleep=clock.sleep, clock=clock, environ={}) == EXIT_ERROR
    assert "JOBTRAY_TEST_KEY" in io.warnings[0]


def test_watch_backs_off_on_server_errors_and_honours_retry_after(
    store: Store, virtual: tuple[VirtualClock, PdfCoSimulator, SimulatorServer]
) -> None:
    clock, sim, server = virtual
    account = add_account(store, server)
    job = sim.add_job([steps.working(seconds=5.0), steps.success()])
    store.jobs.add(account, job)
    from desktop_app.simulators.server import SimResponse

    for _ in range(3):
        sim.faults.push(SimResponse.json_body({"message": "busy"}, 503))
    sim.faults.push(SimResponse.json_body({"message": "slow down"}, 429, {"Retry-After": "120"}))
    io = Recorder(clock)
    assert watch(store, io, sleep=clock.sleep, clock=clock, environ=ENV) == EXIT_OK
    # Three 503s back off (~1+2+4 s at least), then the 429 makes it wait 120 s: the finish is seen after that.
    finished_at = next(at for at, text in io.lines if "-> succeeded" in text)
    assert finished_at >= 120.0
    assert server.request_count == 5
    assert len(io.warnings) == 2, "each distinct error is reported once"
