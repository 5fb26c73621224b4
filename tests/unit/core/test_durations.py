"""Learned durations: the bounded history, its model, and the schedule that uses it (virtual clocks only)."""

# ruff: noqa: S311 - seeded random numbers make job mixes repeatable; nothing here is a secret

from __future__ import annotations

import itertools
import math
import random

import pytest

from desktop_app.core.durations import (
    CheckSpacing,
    DetectionTarget,
    DurationHistory,
    DurationModel,
    check_ages,
    next_check_delay,
    seen_within_target,
)
from desktop_app.core.model import JobState, Status
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.core.schedule import AccountSchedule, PollPolicy

POLICY = PollPolicy(min_interval=2.0, max_interval=300.0, age_fraction=0.08)
TARGET = DetectionTarget()


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def lognormal(median: float, sigma: float, n: int, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [median * math.exp(rng.gauss(0.0, sigma)) for _ in range(n)]


def make(clock: FakeClock, learner: DurationHistory | None, limit: str = "100/s") -> AccountSchedule:
    return AccountSchedule(
        "pdfco", 1, parse_rate_limit(limit), policy=POLICY, clock=clock, rng=random.Random(7).random, learner=learner
    )


def check_ages_of_running_job(sched: AccountSchedule, clock: FakeClock, until: float) -> list[float]:
    """Ages (from add) at which a never-ending job is checked, until `until`."""
    start = clock.now
    sched.add("J")
    ages: list[float] = []
    while clock.now - start < until:
        when = sched.next_due()
        assert when is not None
        clock.now = when
        batch = sched.take_batch()
        assert batch == ["J"]
        ages.append(clock.now - start)
        sched.on_result(batch, {"J": Status("J", JobState.RUNNING, "working")})
    return ages


def run_until_done(sched: AccountSchedule, clock: FakeClock, job_id: str, duration: float) -> float:
    """Check `job_id` (already added, age 0 at `clock.now`) until it is seen ended at `duration`; returns when."""
    start = clock.now
    while True:
        when = sched.next_due()
        assert when is not None
        clock.now = when
        batch = sched.take_batch()
        assert batch == [job_id]
        ended = clock.now - start >= duration
        state = JobState.SUCCEEDED if ended else JobState.RUNNING
        sched.on_result(batch, {job_id: Status(job_id, state, str(state))})
        if ended:
            return clock.now - start


def todays_ages(until: float) -> list[float]:
    """The check ages of the schedule before learning existed: every min(300, max(2, 8 % of age)) from age 0."""
    ages = [0.0]
    while ages[-1] < until:
        ages.append(ages[-1] + min(300.0, max(2.0, 0.08 * ages[-1])))
    return ages


# ---- no history: exactly as before ----------------------------------------------------------------------------


@pytest.mark.parametrize("known", [None, 0, 7])
def test_with_no_usable_history_the_schedule_is_unchanged(known: int | None) -> None:
    learner = None if known is None else DurationHistory(min_samples=8)
    if learner is not None:
        learner.extend(lognormal(600.0, 0.3, known))  # fewer than min_samples: not trusted yet
    clock = FakeClock()
    ages = check_ages_of_running_job(make(clock, learner), clock, 3 * 3600.0)
    assert ages == pytest.approx(todays_ages(3 * 3600.0))


# ---- with history: checks where the finish is likely -----------------------------------------------------------


def test_with_history_the_checks_cluster_around_the_learned_finish() -> None:
    learner = DurationHistory()
    learner.extend(lognormal(600.0, 0.3, 100))
    clock = FakeClock()
    ages = check_ages_of_running_job(make(clock, learner), clock, 1200.0)
    assert ages[0] == 0.0, "a new job is still checked at once (its ID is confirmed)"
    model = learner.model()
    assert model is not None
    assert 250.0 < model.earliest < 400.0  # ~ median * e^(-2 sigma) = 329 s
    # Nothing between the first check and the likely window; from there on, as sparse as the target allows.
    assert ages[1] >= model.earliest
    likely = [a for a in ages if 300.0 <= a <= 1100.0]
    assert len(likely) >= len(ages) - 3
    blind = todays_ages(1200.0)
    assert len(ages) < len(blind) / 3
    # Every finish from the window on is seen within the target.
    for duration in range(math.ceil(model.earliest), 1200, 7):
        assert seen_within_target(ages, duration, TARGET), duration


def test_a_job_far_longer_than_ever_seen_is_still_seen_within_the_target() -> None:
    learner = DurationHistory()
    learner.extend(lognormal(60.0, 0.3, 50))
    clock = FakeClock()
    ages = check_ages_of_running_job(make(clock, learner, limit="1/s"), clock, 3 * 3600.0)
    window = [a for a in ages if a >= 30.0]
    assert len(window) > 20
    for before, after in itertools.pairwise(window):
        assert after - before <= max(3.0, 0.1 * before) + 1e-9, (before, after)
    for duration in (45.0, 61.0, 200.0, 999.0, 3599.0, 10_000.0):
        assert seen_within_target(ages, duration, TARGET), duration


def test_a_finish_seen_is_learned_and_moves_the_next_jobs_checks() -> None:
    learner = DurationHistory(min_samples=3)
    clock = FakeClock()
    sched = make(clock, learner)
    for n in range(3):
        sched.add(f"J{n}")
        seen = run_until_done(sched, clock, f"J{n}", 120.0)
        assert 120.0 <= seen <= 120.0 + max(3.0, 12.0)
    learned = learner.durations()
    assert len(learned) == 3
    # Between the last check that found it running and the one that found it ended: about the true duration.
    assert all(110.0 <= d <= 125.0 for d in learned), learned
    sched.add("J3")
    ages = check_ages_of_running_job_after_add(sched, clock, "J3", 2)
    assert ages[1] > 60.0, "the second check skips the stretch where no job ended"


def check_ages_of_running_job_after_add(sched: AccountSchedule, clock: FakeClock, job_id: str, n: int) -> list[float]:
    start = clock.now
    ages = []
    for _ in range(n):
        when = sched.next_due()
        assert when is not None
        clock.now = when
        batch = sched.take_batch()
        ages.append(clock.now - start)
        sched.on_result(batch, {job_id: Status(job_id, JobState.RUNNING, "working")})
    return ages


def test_jobs_never_seen_running_or_not_found_teach_nothing() -> None:
    learner = DurationHistory()
    clock = FakeClock()
    sched = make(clock, learner)
    sched.add("OLD", age_seconds=5000.0)  # ended while JobTray was not looking: when, nobody knows
    assert sched.take_batch() == ["OLD"]
    sched.on_result(["OLD"], {"OLD": Status("OLD", JobState.SUCCEEDED, "done")})
    clock.now += 1.0
    sched.add("BAD")
    assert sched.take_batch() == ["BAD"]
    sched.on_result(["BAD"], {"BAD": Status("BAD", JobState.RUNNING, "working")})
    clock.now += 10.0
    assert sched.take_batch() == ["BAD"]
    sched.on_result(["BAD"], {"BAD": Status("BAD", JobState.NOT_FOUND, "unknown")})
    assert len(learner) == 0


def test_a_kind_uses_its_own_history_once_it_has_enough() -> None:
    learner = DurationHistory(min_samples=5)
    learner.extend([1000.0] * 10)  # the account's other jobs
    learner.extend([30.0] * 4, key="thumbnails")  # counted in the account's history too
    assert len(learner) == 14
    assert learner.model("thumbnails") is learner.model(None), "too few of its own: the account's"
    learner.record(30.0, key="thumbnails")
    model = learner.model("thumbnails")
    assert model is not None and model.median == pytest.approx(30.0)
    assert learner.model("never seen") is learner.model(None)


# ---- the history and its model ----------------------------------------------------------------------------------


def test_the_history_is_bounded_per_key_and_in_keys() -> None:
    learner = DurationHistory(per_key=50, max_keys=3)
    learner.extend(float(n) for n in range(1, 1001))
    assert len(learner) == 50
    assert learner.durations() == tuple(float(n) for n in range(951, 1001)), "the newest are kept"
    for key in ("a", "b", "c", "d"):
        learner.extend([10.0] * 60, key=key)
    assert learner.keys() == ["b", "c", "d"], "the least recently used key went"
    assert all(len(learner.durations(key)) == 50 for key in ("b", "c", "d"))
    assert learner.durations("a") == ()


@pytest.mark.parametrize("bad", [0.0, -5.0, math.nan, math.inf])
def test_nonsense_durations_are_ignored(bad: float) -> None:
    learner = DurationHistory()
    learner.record(bad)
    assert len(learner) == 0


def test_the_model_recovers_a_log_normal_and_starts_its_window_near_the_2_percent_quantile() -> None:
    model = DurationModel.fit(lognormal(300.0, 0.3, 200, seed=3))
    assert model is not None
    assert model.median == pytest.approx(300.0, rel=0.08)
    assert model.log_spread == pytest.approx(0.3, rel=0.2)
    assert model.earliest == pytest.approx(300.0 * math.exp(-2.0 * 0.3), rel=0.15)


def test_a_heavy_early_tail_pulls_the_window_down() -> None:
    # 6 % of the jobs fail within seconds: the fitted shape alone would start the window after them.
    durations = lognormal(600.0, 0.2, 188) + [5.0] * 12
    model = DurationModel.fit(durations)
    assert model is not None
    assert model.earliest <= 5.0


def test_a_small_history_is_trusted_less() -> None:
    durations = lognormal(100.0, 0.3, 200, seed=5)
    small, large = DurationModel.fit(durations[:10]), DurationModel.fit(durations)
    assert small is not None and large is not None
    assert small.earliest / small.median < large.earliest / large.median


def test_identical_durations_still_leave_room_for_a_little_jitter() -> None:
    model = DurationModel.fit([100.0] * 50)
    assert model is not None
    assert 75.0 < model.earliest < 90.0


# ---- the plan itself ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("median", [5.0, 20.0, 300.0, 3600.0, 20_000.0])
def test_every_finish_from_the_window_on_is_seen_within_the_target(median: float) -> None:
    model = DurationModel.fit(lognormal(median, 0.3, 100))
    assert model is not None
    spacing = CheckSpacing(TARGET, min_gap=2.0, max_gap=300.0, slack=0.5)
    ages = check_ages(model, 10 * median, spacing)
    gaps = [b - a for a, b in itertools.pairwise(ages)]
    assert all(g >= 2.0 - 1e-9 for g in gaps), "never under the provider's minimum"
    for before, gap in zip(ages[1:], gaps[1:], strict=False):
        assert gap <= max(3.0, 0.1 * before), "never over the target after the first check in the window"
    lo = math.log(model.earliest)
    for step in range(200):
        duration = math.exp(lo + step * (math.log(10 * median) - lo) / 200)
        assert seen_within_target(ages, duration, TARGET), duration


def test_the_provider_minimum_wins_over_the_target_and_the_maximum_over_it() -> None:
    spacing = CheckSpacing(TARGET, min_gap=2.5, max_gap=300.0, slack=1.5)
    assert spacing.gap(0.0) == 2.5  # 3 s - 1.5 s of slack, but iPaper asks for 2.5 s
    assert spacing.gap(100.0) == pytest.approx(8.5)
    assert spacing.gap(10_000.0) == 300.0


def test_before_the_window_the_next_check_goes_straight_to_it() -> None:
    model = DurationModel(count=100, log_mean=math.log(1000.0), log_spread=0.3, earliest=500.0)
    spacing = CheckSpacing(TARGET)
    assert next_check_delay(model, 0.0, spacing) == pytest.approx(550.0)
    assert next_check_delay(model, 600.0, spacing) == pytest.approx(60.0)
