"""Polling benchmark: the scheduler (core/schedule.py) on a virtual clock against fixed-interval polling.

Two workloads. "Log-uniform": 2,000 jobs (500 per provider, spread over a few accounts each), durations log-uniform
between 10 s and 3 h, starting at random over four hours: nothing to learn. "Repeating": each account repeats
similar jobs (200 per account, durations log-normal around the account's median with sigma 0.3, medians from 20 s
to 1 h, a new job every ~median/3 on average); the first 20 of each account are what the learner
(core/durations.py) learns from, the other 180 are where it should pay. The oracle sends one request per job, at its
finish: the limit no schedule can beat.

Nothing sleeps: the scheduler runs on a virtual clock and answers come back instantly (the provider says "running",
or the final state once the job's time is up; encoding.com also reports a noisy time_left). Fixed-interval pollers
check each job every T seconds from its start, one request per job per check, as the vendors' own clients do.

Run: python bench/polling.py [--seed N] [--jobs-per-provider N] [--repeats-per-account N]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a fresh checkout, no install

from desktop_app.core.durations import DurationHistory
from desktop_app.core.model import JobState, Status
from desktop_app.core.ratelimit import RateLimit, parse_rate_limit
from desktop_app.core.schedule import AccountSchedule
from desktop_app.providers.registry import provider_class

ACCOUNTS_PER_PROVIDER = {"ipaper": 4, "scriptx": 3, "pdfco": 3, "encodingcom": 2}
MIN_DURATION, MAX_DURATION = 10.0, 3 * 3600.0
ARRIVAL_WINDOW = 4 * 3600.0
FIXED_INTERVALS = (1.0, 10.0, 120.0)
REPEAT_MEDIANS = (20.0, 3600.0)  # the accounts' medians, spaced evenly in log between these
REPEAT_SIGMA = 0.3
REPEAT_ORDER = ("pdfco", "scriptx", "encodingcom", "ipaper")  # which accounts get the shorter medians
LEARN_FROM = 20  # the first jobs of each account, learned from


@dataclass
class SimJob:
    job_id: str
    provider: str
    account: str
    start: float
    duration: float
    index: int = 0  # its place among its account's jobs, by start
    seen: float | None = None  # when a check first saw it finished
    requests: float = 0.0  # its share of requests (a batch of n jobs: 1/n each)

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass
class Outcome:
    name: str
    requests: int
    jobs: list[SimJob]
    delays: list[float]
    violations: int
    request_times: dict[str, list[float]] = field(default_factory=dict)
    batch_sizes: list[int] = field(default_factory=list)


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_jobs(seed: int, per_provider: int) -> list[SimJob]:
    rng = random.Random(seed)
    jobs = []
    for provider, accounts in ACCOUNTS_PER_PROVIDER.items():
        for n in range(per_provider):
            duration = math.exp(rng.uniform(math.log(MIN_DURATION), math.log(MAX_DURATION)))
            account = f"{provider}-{rng.randrange(accounts)}"
            jobs.append(SimJob(f"{provider}-{n}", provider, account, rng.uniform(0, ARRIVAL_WINDOW), duration))
    return jobs


def make_repeating_jobs(seed: int, per_account: int) -> list[SimJob]:
    """Each account repeats one kind of job: log-normal durations around its own median."""
    rng = random.Random(seed)
    accounts = [(p, f"{p}-{n}") for p, count in ACCOUNTS_PER_PROVIDER.items() for n in range(count)]
    low, high = (math.log(m) for m in REPEAT_MEDIANS)
    # Shortest first, in the order of what each provider's jobs are like (core/schedule.py: PDF.co and ScriptX
    # jobs are often seconds, encoding.com and iPaper minutes to hours).
    accounts.sort(key=lambda pa: REPEAT_ORDER.index(pa[0]))
    medians = [math.exp(low + (high - low) * i / (len(accounts) - 1)) for i in range(len(accounts))]
    jobs = []
    for (provider, account), median in zip(accounts, medians, strict=True):
        start = 0.0
        for n in range(per_account):
            duration = median * math.exp(rng.gauss(0.0, REPEAT_SIGMA))
            jobs.append(SimJob(f"{account}-{n}", provider, account, start, duration, index=n))
            start += rng.expovariate(3.0 / median)
    return jobs


def rate_limits() -> dict[str, RateLimit]:
    return {name: parse_rate_limit(provider_class(name).default_rate_limit) for name in ACCOUNTS_PER_PROVIDER}


def violations(times: Sequence[float], limit: RateLimit) -> int:
    """Requests that were more than `count` within any window of `period` seconds (the strict reading)."""
    count = int(limit.count)
    return sum(1 for i in range(count, len(times)) if times[i] - times[i - count] < limit.period)


def run_scheduler(jobs: list[SimJob], seed: int, *, learn: bool = False, label: str = "scheduler") -> Outcome:
    clock = VirtualClock()
    rng = random.Random(seed + 1)
    limits = rate_limits()
    schedules: dict[str, AccountSchedule] = {}
    for job in jobs:
        if job.account not in schedules:
            cls = provider_class(job.provider)
            schedules[job.account] = AccountSchedule(
                job.provider,
                cls.max_batch,
                limits[job.provider],
                clock=clock,
                rng=random.Random(seed + 2).random,
                policy=getattr(cls, "poll_policy", None),  # the provider's own (else core's table of them)
                learner=DurationHistory() if learn else None,
            )
    by_id = {job.job_id: job for job in jobs}
    arrivals = sorted(jobs, key=lambda j: j.start)
    next_arrival = 0
    times: dict[str, list[float]] = {name: [] for name in schedules}
    batch_sizes: list[int] = []
    while True:
        due_name, due_at = None, math.inf
        for name, schedule in schedules.items():
            when = schedule.next_due()
            if when is not None and when < due_at:
                due_name, due_at = name, when
        arrival_at = arrivals[next_arrival].start if next_arrival < len(arrivals) else math.inf
        if due_name is None and arrival_at == math.inf:
            break
        if arrival_at <= due_at:
            clock.now = max(clock.now, arrival_at)
            job = arrivals[next_arrival]
            next_arrival += 1
            schedules[job.account].add(job.job_id)
            continue
        clock.now = max(clock.now, due_at)
        schedule = schedules[due_name]  # type: ignore[index]
        batch = schedule.take_batch()
        if not batch:
            continue
        times[due_name].append(clock.now)  # type: ignore[index]
        if by_id[batch[0]].provider == "encodingcom":
            batch_sizes.append(len(batch))
        statuses = {}
        for job_id in batch:
            job = by_id[job_id]
            job.requests += 1.0 / len(batch)
            if clock.now >= job.end:
                job.seen = clock.now
                statuses[job_id] = Status(job_id, JobState.SUCCEEDED, "done")
            else:
                eta = None
                if job.provider == "encodingcom":  # time_left: an estimate, off by +-30 % or so
                    eta = (job.end - clock.now) * math.exp(rng.gauss(0.0, 0.3))
                statuses[job_id] = Status(job_id, JobState.RUNNING, "running", eta_seconds=eta)
        schedule.on_result(batch, statuses)
    delays = [job.seen - job.end for job in jobs if job.seen is not None]
    bad = sum(violations(t, limits[name.rsplit("-", 1)[0]]) for name, t in times.items())
    total = sum(len(t) for t in times.values())
    return Outcome(label, total, jobs, delays, bad, times, batch_sizes)


def run_fixed(jobs: list[SimJob], interval: float) -> Outcome:
    limits = rate_limits()
    times: dict[str, list[float]] = {}
    delays = []
    requests = 0
    for job in jobs:
        checks = math.ceil(job.duration / interval)  # the check at index `checks` is the first at or after the end
        requests += checks + 1
        delays.append(checks * interval - job.duration)
        times.setdefault(job.account, []).extend(job.start + k * interval for k in range(checks + 1))
    bad = 0
    for name, account_times in times.items():
        account_times.sort()
        bad += violations(account_times, limits[name.rsplit("-", 1)[0]])
    return Outcome(f"fixed {interval:g} s", requests, jobs, delays, bad)


def run_oracle(jobs: list[SimJob]) -> Outcome:
    """One request per job, exactly at its finish: no schedule can spend less or see sooner."""
    limits = rate_limits()
    times: dict[str, list[float]] = {}
    for job in jobs:
        times.setdefault(job.account, []).append(job.end)
    bad = sum(violations(sorted(t), limits[name.rsplit("-", 1)[0]]) for name, t in times.items())
    return Outcome("oracle (one request at the finish)", len(jobs), jobs, [0.0] * len(jobs), bad)


def subset_outcome(name: str, run: Outcome, subset: list[SimJob]) -> Outcome:
    """The jobs of `subset` within `run`: their share of its requests, their delays, the run's violations."""
    delays = [job.seen - job.end for job in subset if job.seen is not None]
    return Outcome(name, round(sum(job.requests for job in subset)), subset, delays, run.violations)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def row(outcome: Outcome, jobs: list[SimJob], baseline_requests: int) -> str:
    durations = [job.duration for job in jobs]
    shares = [d / dur for d, dur in zip(outcome.delays, durations, strict=True)]
    within = sum(d <= max(3.0, 0.1 * dur) for d, dur in zip(outcome.delays, durations, strict=True)) / len(jobs)
    return (
        f"| {outcome.name} | {outcome.requests / len(jobs):.1f} | {outcome.requests / baseline_requests:.3f} "
        f"| {percentile(outcome.delays, 0.5):.1f} | {percentile(outcome.delays, 0.95):.1f} "
        f"| {100 * percentile(shares, 0.5):.1f} % | {100 * percentile(shares, 0.95):.1f} % "
        f"| {100 * within:.1f} % | {outcome.violations} |"
    )


HEADER = (
    "| polling | requests/job | vs 1 s | p50 delay (s) | p95 delay (s) | p50 delay/duration | p95 delay/duration "
    "| seen within max(3 s, 10 %) | rate-limit violations |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs-per-provider", type=int, default=500)
    parser.add_argument("--repeats-per-account", type=int, default=200)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    limits = rate_limits()
    print(
        f"jobs: {args.jobs_per_provider} per provider, durations log-uniform {MIN_DURATION:g} s - 3 h, seed {args.seed}"
    )
    print(
        "accounts and limits: "
        + ", ".join(
            f"{name} {count} x {limits[name]} (batch {provider_class(name).max_batch})"
            for name, count in ACCOUNTS_PER_PROVIDER.items()
        )
    )
    fixed = {
        interval: run_fixed(make_jobs(args.seed, args.jobs_per_provider), interval) for interval in FIXED_INTERVALS
    }
    jobs = make_jobs(args.seed, args.jobs_per_provider)
    ours = run_scheduler(jobs, args.seed)
    missed = sum(job.seen is None for job in jobs)
    baseline = fixed[1.0].requests
    print()
    print(HEADER)
    print(row(ours, jobs, baseline))
    for outcome in fixed.values():
        print(row(outcome, outcome.jobs, baseline))
    print()
    print("scheduler by provider:")
    print(HEADER)
    for provider in ACCOUNTS_PER_PROVIDER:
        subset = [job for job in jobs if job.provider == provider]
        account_times = {k: v for k, v in ours.request_times.items() if k.startswith(provider + "-")}
        part = Outcome(
            provider,
            sum(len(v) for v in account_times.values()),
            subset,
            [job.seen - job.end for job in subset if job.seen is not None],
            sum(violations(v, limits[provider]) for v in account_times.values()),
        )
        part_baseline = sum(math.ceil(job.duration) + 1 for job in subset)
        print(row(part, subset, part_baseline))
    sizes = ours.batch_sizes
    if sizes:
        print(
            f"\nencoding.com: {len(sizes)} batched requests, {statistics.mean(sizes):.2f} media per request on "
            f"average (max {max(sizes)})"
        )
    learning = run_scheduler(make_jobs(args.seed, args.jobs_per_provider), args.seed, learn=True)
    missed += sum(job.seen is None for job in learning.jobs)
    print("\nlog-uniform, the same jobs with the learner on (it learns from every job that ends):")
    print(HEADER)
    print(row(ours, jobs, baseline))
    print(row(replace(learning, name="scheduler + learner"), learning.jobs, baseline))

    repeating = make_repeating_jobs(args.seed, args.repeats_per_account)
    low, high = REPEAT_MEDIANS
    print(
        f"\nrepeating: {args.repeats_per_account} jobs per account, durations log-normal (sigma {REPEAT_SIGMA:g}) "
        f"around a median per account from {low:g} s to {high / 60:g} min; the first {LEARN_FROM} of each learned from"
    )
    blind = run_scheduler(make_repeating_jobs(args.seed, args.repeats_per_account), args.seed)
    learned = run_scheduler(repeating, args.seed, learn=True)
    missed += sum(job.seen is None for job in blind.jobs + learned.jobs)
    later = [job for job in learned.jobs if job.index >= LEARN_FROM]
    first = [job for job in learned.jobs if job.index < LEARN_FROM]
    blind_later = [job for job in blind.jobs if job.index >= LEARN_FROM]
    base = sum(math.ceil(job.duration) + 1 for job in later)
    print(HEADER)
    print(row(subset_outcome(f"scheduler + learner, jobs {LEARN_FROM + 1}+", learned, later), later, base))
    first_base = sum(math.ceil(job.duration) + 1 for job in first)
    learning_part = subset_outcome(f"scheduler + learner, jobs 1-{LEARN_FROM} (learning)", learned, first)
    print(row(learning_part, first, first_base))
    today = subset_outcome(f"scheduler, no learner (today), jobs {LEARN_FROM + 1}+", blind, blind_later)
    print(row(today, blind_later, base))
    print(row(run_oracle(later), later, base))
    print("\nscheduler + learner by account (median, jobs 21+):")
    print(HEADER.replace("| polling |", "| account |"))
    for account in sorted(
        {job.account for job in later}, key=lambda a: statistics.median(j.duration for j in later if j.account == a)
    ):
        subset = [job for job in later if job.account == account]
        median = statistics.median(job.duration for job in subset)
        label = f"{account} ({median:.0f} s)"
        print(row(subset_outcome(label, learned, subset), subset, sum(math.ceil(job.duration) + 1 for job in subset)))
    print(f"jobs never seen finished: {missed}; bench ran in {time.perf_counter() - started:.1f} s (virtual clock)")
    return 0 if missed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
