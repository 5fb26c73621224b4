"""The scheduler on a fake clock: adaptive intervals, ETA, rate limits, errors, batching and fairness."""

# ruff: noqa: S311 - seeded random numbers make jitter and job mixes repeatable; nothing here is a secret

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

import pytest

from desktop_app.core import schedule as schedule_module
from desktop_app.core.model import JobState, Status
from desktop_app.core.ratelimit import RateLimit, parse_rate_limit
from desktop_app.core.schedule import AccountSchedule, PollPolicy, policy_for

POLICY = PollPolicy(min_interval=2.0, max_interval=300.0, age_fraction=0.08)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def to(self, when: float) -> None:
        assert when >= self.now, "a monotonic clock never goes back"
        self.now = when


def make(
    clock: FakeClock,
    *,
    max_batch: int = 1,
    limit: str = "100/s",
    policy: PollPolicy = POLICY,
    rng: Any = None,
) -> AccountSchedule:
    return AccountSchedule(
        "pdfco",
        max_batch,
        parse_rate_limit(limit),
        policy=policy,
        clock=clock,
        rng=rng or random.Random(7).random,
    )


def running(job_id: str, eta: float | None = None, progress: float | None = None) -> Status:
    return Status(job_id, JobState.RUNNING, "working", progress=progress, eta_seconds=eta)


def done(job_id: str) -> Status:
    return Status(job_id, JobState.SUCCEEDED, "success")


def check_running(sched: AccountSchedule, clock: FakeClock, **status: Any) -> list[str]:
    """Go to the next due time, take a batch and report every job still running."""
    when = sched.next_due()
    assert when is not None
    clock.to(when)
    batch = sched.take_batch()
    sched.on_result(batch, {j: running(j, **status) for j in batch})
    return batch


def gap_after_check(sched: AccountSchedule, clock: FakeClock, job_id: str = "J") -> float:
    check_running(sched, clock)
    due = sched.due_at(job_id)
    assert due is not None
    return due - clock.now


# ---- adaptive intervals ---------------------------------------------------------------------------------------


def test_a_new_job_is_checked_at_once_then_at_the_minimum_interval() -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J")
    assert sched.next_due() == clock.now
    assert gap_after_check(sched, clock) == pytest.approx(2.0)


def test_a_due_time_does_not_creep_forward_with_a_running_clock() -> None:
    # Regression: with a token in the bucket, next_due() once returned "now", always a little later than the
    # caller's own reading, so `jobtray watch` slept a microsecond forever instead of sending the request.
    clock = FakeClock()
    sched = make(clock)
    sched.add("J")
    added = clock.now
    clock.advance(5.0)
    assert sched.next_due() == added


@pytest.mark.parametrize(("age", "interval"), [(0.0, 2.0), (10.0, 2.0), (100.0, 8.0), (1000.0, 80.0), (1e6, 300.0)])
def test_the_interval_is_a_share_of_the_age_between_min_and_max(age: float, interval: float) -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J", age_seconds=age)
    assert gap_after_check(sched, clock) == pytest.approx(interval)


def test_intervals_grow_as_the_job_ages_and_finishes_are_seen_within_ten_percent() -> None:
    clock = FakeClock(0.0)
    sched = make(clock)
    sched.add("J")
    checks: list[float] = []
    while clock.now < 3 * 3600:
        check_running(sched, clock)
        checks.append(clock.now)
    gaps = [b - a for a, b in itertools.pairwise(checks)]
    assert gaps == sorted(gaps), "intervals never shrink for a job without ETA"
    assert min(gaps) == pytest.approx(2.0) and max(gaps) == pytest.approx(300.0)
    # Whenever it finished, the next check comes within max(3 s, 10 % of its age).
    for at, gap in zip(checks, gaps, strict=False):
        assert gap <= max(3.0, 0.1 * (at + gap)) + 1e-9
    # Versus 10,800 checks at 1 s.
    assert len(checks) < 10_800 / 20


def test_provider_policies_keep_the_minimum_to_a_few_seconds() -> None:
    from desktop_app.providers.registry import POLICIES

    assert set(POLICIES) >= {"pdfco", "scriptx", "ipaper", "encodingcom"}
    for name in POLICIES:
        policy = policy_for(name, POLICIES)
        assert 1.0 <= policy.min_interval <= 3.0 and 60.0 <= policy.max_interval <= 900.0
        assert policy.age_fraction < 0.1
    assert policy_for("ipaper", POLICIES).min_interval == 2.5  # fewer than 50 requests a minute, as iPaper asks
    assert policy_for("unknown", POLICIES) == policy_for("unknown") == PollPolicy()


def test_a_schedule_takes_its_policy_from_its_caller() -> None:
    slow = PollPolicy(min_interval=7.0, max_interval=70.0)
    assert make(FakeClock(), policy=slow).policy == slow
    # Core knows no provider: without a policy every provider name gets the defaults (the engine passes its own).
    assert AccountSchedule("ipaper", 1, parse_rate_limit("1/s")).policy == PollPolicy()


# ---- ETA ------------------------------------------------------------------------------------------------------


def test_an_eta_before_the_adaptive_check_pulls_the_check_to_just_after_it() -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J", age_seconds=1000.0)  # adaptive interval 80 s
    check_running(sched, clock, eta=20.0)
    assert sched.due_at("J") == pytest.approx(clock.now + 20.0 + POLICY.eta_slack)


def test_an_eta_after_the_adaptive_check_changes_nothing() -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J", age_seconds=1000.0)
    check_running(sched, clock, eta=5000.0)
    assert sched.due_at("J") == pytest.approx(clock.now + 80.0)


def test_an_eta_never_brings_checks_below_the_minimum() -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J", age_seconds=1000.0)
    check_running(sched, clock, eta=0.0)
    assert sched.due_at("J") == pytest.approx(clock.now + 2.0)


def test_a_stuck_eta_backs_off_instead_of_polling_at_the_minimum_forever() -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J", age_seconds=1000.0)
    gaps = []
    for _ in range(12):
        check_running(sched, clock, eta=0.0)  # "time left: 0" but never finishing
        due = sched.due_at("J")
        assert due is not None
        gaps.append(due - clock.now)
    assert gaps[0] == pytest.approx(2.0)
    assert gaps == sorted(gaps)
    # Then the ETA is ignored: back to the adaptive interval (the job was added at 0, aged 1000 s).
    assert gaps[-1] == pytest.approx(POLICY.interval(clock.now))


def test_progress_alone_gives_an_eta_from_its_rate() -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J", age_seconds=1000.0)
    check_running(sched, clock, progress=50.0)  # one reading: 50 % in 1000 s, so 1000 s left: adaptive wins
    assert sched.due_at("J") == pytest.approx(clock.now + 80.0)
    clock.advance(10.0)
    sched.check_now(["J"])
    check_running(sched, clock, progress=90.0)  # 40 % in 10 s: 2.5 s left
    assert sched.due_at("J") == pytest.approx(clock.now + 2.5 + POLICY.eta_slack)


# ---- rate limits ----------------------------------------------------------------------------------------------


def requests_in_worst_window(times: list[float], period: float) -> int:
    worst, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= period:
            start += 1
        worst = max(worst, end - start + 1)
    return worst


def run_flat_out(sched: AccountSchedule, clock: FakeClock, until: float) -> Iterator[tuple[float, list[str]]]:
    """Send every request the schedule allows until `until`; every job stays running."""
    while True:
        when = sched.next_due()
        if when is None or when > until:
            return
        clock.to(when)
        batch = sched.take_batch()
        if batch:
            yield clock.now, batch
            sched.on_result(batch, {j: running(j) for j in batch})


@pytest.mark.parametrize(("limit", "period"), [("2/s", 1.0), ("10/s", 1.0), ("45/min", 60.0), ("1/s", 1.0)])
def test_the_rate_limit_holds_in_every_window_under_load(limit: str, period: float) -> None:
    clock = FakeClock()
    sched = make(clock, limit=limit)
    for n in range(500):
        sched.add(f"J{n}")
    times = [at for at, _ in run_flat_out(sched, clock, clock.now + 20 * period)]
    allowed = parse_rate_limit(limit).count
    assert requests_in_worst_window(times, period) <= allowed
    assert len(times) >= 0.85 * allowed * 20, "and it still uses most of the budget"


def test_a_new_rate_limit_takes_effect_without_a_burst() -> None:
    clock = FakeClock()
    sched = make(clock, limit="10/s")
    for n in range(100):
        sched.add(f"J{n}")
    times = [at for at, _ in run_flat_out(sched, clock, clock.now + 5)]
    sched.set_rate_limit(RateLimit(1, 1.0))
    start = clock.now
    later = [at for at, _ in run_flat_out(sched, clock, clock.now + 10)]
    assert times and requests_in_worst_window([start, *later], 1.0) <= 1


# ---- errors ---------------------------------------------------------------------------------------------------


def fail(sched: AccountSchedule, clock: FakeClock, kind: str, retry_after: float | None = None) -> list[str]:
    when = sched.next_due()
    assert when is not None
    clock.to(when)
    batch = sched.take_batch()
    assert batch
    sched.on_error(batch, kind, retry_after)
    return batch


@pytest.mark.parametrize("kind", ["rate_limited", "transient"])
def test_retry_after_is_honoured_even_by_resume_and_check_now(kind: str) -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J")
    fail(sched, clock, kind, retry_after=120.0)
    failed_at = clock.now
    due = sched.next_due()
    assert due is not None and due >= failed_at + 120.0
    clock.advance(119.0)
    sched.resume()
    sched.check_now()
    assert sched.take_batch() == []
    clock.to(failed_at + 120.0)
    assert sched.take_batch() == ["J"]


def test_a_421_or_429_without_retry_after_backs_off_exponentially() -> None:
    clock = FakeClock()
    sched = make(clock, rng=lambda: 0.999999)
    sched.add("J")
    waits = []
    for _ in range(12):
        fail(sched, clock, "rate_limited")
        waits.append(sched.blocked_until - clock.now)
    assert waits[0] == pytest.approx(POLICY.backoff_base, rel=1e-3)
    assert waits[:5] == pytest.approx([2.0, 4.0, 8.0, 16.0, 32.0], rel=1e-3)
    assert max(waits) == pytest.approx(POLICY.backoff_max, rel=1e-3)


@pytest.mark.parametrize("seed", range(5))
def test_backoff_jitter_stays_between_half_and_all_of_the_step(seed: int) -> None:
    rng = random.Random(seed).random
    for failures in range(1, 15):
        step = min(POLICY.backoff_max, POLICY.backoff_base * 2 ** (failures - 1))
        for _ in range(50):
            assert step / 2 <= POLICY.backoff(failures, rng) <= step


def test_jitter_spreads_accounts_that_failed_together() -> None:
    clock = FakeClock()
    waits = set()
    for seed in range(10):
        sched = make(clock, rng=random.Random(seed).random)
        sched.add("J")
        for _ in range(3):
            fail(sched, clock, "transient")
        waits.add(round(sched.blocked_until - clock.now, 3))
    assert len(waits) > 5


def test_network_errors_retry_soon_and_checks_resume_when_it_returns() -> None:
    clock = FakeClock()
    sched = make(clock, rng=lambda: 0.999999)
    sched.add("J")
    for _ in range(20):  # a long outage
        fail(sched, clock, "transient")
        assert sched.blocked_until - clock.now <= POLICY.network_backoff_max + 1e-6
    # The network is back: the next attempt succeeds and the normal rhythm returns, no leftover backoff.
    check_running(sched, clock)
    assert sched.failures == 0 and sched.blocked_until == 0.0
    fail(sched, clock, "transient")
    sched.on_network_up()
    assert sched.next_due() == pytest.approx(clock.now, abs=0.05)  # only the rate limit's spacing left


@pytest.mark.parametrize("kind", ["auth", "config"])
def test_auth_and_config_errors_pause_the_account_until_the_user_acts(kind: str) -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J")
    sched.add("K")
    fail(sched, clock, kind)
    assert sched.paused and sched.pause_reason == kind
    clock.advance(86_400)
    assert sched.next_due() is None and sched.take_batch() == []
    sched.check_now()
    assert not sched.paused and sched.next_due() == pytest.approx(clock.now, abs=0.05)


def test_pause_and_resume_by_the_user_keep_due_times() -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J", age_seconds=1000.0)
    check_running(sched, clock)
    due = sched.due_at("J")
    sched.pause()
    assert sched.paused and sched.pause_reason == "user" and sched.next_due() is None
    sched.resume()
    assert sched.next_due() == due


def test_a_protocol_error_backs_off_only_the_jobs_it_concerned() -> None:
    clock = FakeClock()
    sched = make(clock, rng=lambda: 0.999999)
    sched.add("BAD")
    sched.add("GOOD")
    assert fail(sched, clock, "protocol") == ["BAD"]
    assert sched.blocked_until == 0.0
    assert check_running(sched, clock) == ["GOOD"]
    due = sched.due_at("BAD")
    assert due is not None and due >= clock.now  # BAD waits its backoff, GOOD was not held up


def test_terminal_jobs_are_dropped_and_removed_jobs_forgotten() -> None:
    clock = FakeClock()
    sched = make(clock, max_batch=10)
    for job_id in ("A", "B", "C"):
        sched.add(job_id)
    batch = sched.take_batch()
    sched.remove("C")
    sched.on_result(batch, {"A": done("A"), "B": running("B"), "C": done("C")})
    assert sched.job_ids() == ["B"] and "A" not in sched
    assert not sched.add("B"), "adding a watched job again is a no-op"


def test_a_batch_is_not_offered_again_while_in_flight() -> None:
    clock = FakeClock()
    sched = make(clock)
    sched.add("J")
    assert sched.take_batch() == ["J"]
    clock.advance(3600)
    assert sched.next_due() is None and sched.take_batch() == []
    sched.on_error(["J"], "transient")
    assert sched.due_at("J") is not None


# ---- batching and fairness ------------------------------------------------------------------------------------


def test_all_due_jobs_of_a_batching_account_go_in_one_request() -> None:
    clock = FakeClock()
    sched = make(clock, max_batch=50, limit="1/s")
    for n in range(30):
        sched.add(f"M{n}")
    assert sorted(sched.take_batch()) == sorted(f"M{n}" for n in range(30))
    assert sched.take_batch() == []


def test_almost_due_jobs_ride_along_and_far_ones_do_not() -> None:
    clock = FakeClock()
    sched = make(clock, max_batch=50)
    sched.add("OLD", age_seconds=1000.0)  # interval 80 s
    sched.add("YOUNG")  # interval 2 s
    check_running(sched, clock)  # both checked now
    # 2 s later YOUNG is due; OLD is 78 s from due (not "almost"): alone.
    assert check_running(sched, clock) == ["YOUNG"]
    # Move to when YOUNG is due and OLD is within half its interval of due: it rides along.
    clock.to(clock.now + 40.0)
    assert sorted(sched.take_batch()) == ["OLD", "YOUNG"]


def test_a_full_batch_takes_the_longest_waiting_first() -> None:
    clock = FakeClock()
    sched = make(clock, max_batch=3)
    for n in range(7):
        sched.add(f"J{n}", due_in=float(n))
    clock.advance(10)
    assert sched.take_batch() == ["J0", "J1", "J2"]


def worst_gaps(sched: AccountSchedule, clock: FakeClock, until: float) -> tuple[int, float, float]:
    """(jobs checked, longest gap between two checks of one job, longest wait at the end)."""
    start = clock.now
    last: dict[str, float] = {}
    worst_gap = 0.0
    for at, batch in run_flat_out(sched, clock, until):
        for job_id in batch:
            worst_gap = max(worst_gap, at - last.get(job_id, start))
            last[job_id] = at
    return len(last), worst_gap, max(until - at for at in last.values())


# Enough budget for the demand (about 100 checks a second for these ages), as a watcher should be configured.
@pytest.mark.parametrize(("max_batch", "limit"), [(1, "200/s"), (100, "2/s")])
def test_with_10000_jobs_every_job_is_checked_within_its_max_interval(max_batch: int, limit: str) -> None:
    clock = FakeClock(0.0)
    sched = make(clock, max_batch=max_batch, limit=limit)
    rng = random.Random(3)
    for n in range(10_000):
        sched.add(f"J{n}", age_seconds=rng.uniform(0, 7200))  # all due at once: a burst to absorb at the start
    checked, worst_gap, worst_end = worst_gaps(sched, clock, 1200.0)
    assert checked == 10_000
    # The max interval, plus at most the few seconds a job can wait behind others due at the same moment.
    assert worst_gap <= POLICY.max_interval * 1.02
    assert worst_end <= POLICY.max_interval * 1.02, "nobody starves at the end either"


def test_when_the_budget_is_short_every_job_still_gets_its_turn() -> None:
    # 10,000 new jobs want a check every 2 s (5,000 a second); 10/s allows 9: a fair queue gives each a turn
    # every 10,000 / 9 s, and nobody waits much longer than that.
    clock = FakeClock(0.0)
    sched = make(clock, limit="10/s")
    for n in range(10_000):
        sched.add(f"J{n}")
    checked, worst_gap, _ = worst_gaps(sched, clock, 3 * 10_000 / 9)
    assert checked == 10_000
    assert worst_gap <= 1.05 * 10_000 / 9


class _NoScan(dict[str, Any]):
    """A job table that fails the test if anything walks all of it."""

    def __iter__(self) -> Any:
        raise AssertionError("scanned every job")

    def values(self) -> Any:
        raise AssertionError("scanned every job")

    def items(self) -> Any:
        raise AssertionError("scanned every job")


def test_choosing_what_is_due_uses_the_heap_not_a_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    sched = make(clock, limit="1000/s")
    for n in range(10_000):
        sched.add(f"J{n}", due_in=float(n % 977))
    sched._jobs = _NoScan(sched._jobs)  # type: ignore[assignment]
    pops = 0
    real_pop = schedule_module.heapq.heappop

    def counting_pop(heap: list[Any]) -> Any:
        nonlocal pops
        pops += 1
        return real_pop(heap)

    monkeypatch.setattr(schedule_module.heapq, "heappop", counting_pop)
    for _ in range(200):
        check_running(sched, clock)
    assert pops <= 2 * 200, "each request pops about one heap item, whatever the number of jobs"
