"""Polling benchmark: the scheduler (core/schedule.py) on a virtual clock against fixed-interval polling.

2,000 jobs (500 per provider, spread over a few accounts each), durations log-uniform between 10 s and 3 h, starting
at random over four hours. Nothing sleeps: the scheduler runs on a virtual clock and answers come back instantly
(the provider says "running", or the final state once the job's time is up; encoding.com also reports a noisy
time_left). Fixed-interval pollers check each job every T seconds from its start, one request per job per check,
as the vendors' own clients do.

Run: python bench/polling.py [--seed N] [--jobs-per-provider N]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a fresh checkout, no install

from desktop_app.core.model import JobState, Status
from desktop_app.core.ratelimit import RateLimit, parse_rate_limit
from desktop_app.core.schedule import AccountSchedule
from desktop_app.providers.registry import provider_class

ACCOUNTS_PER_PROVIDER = {"ipaper": 4, "scriptx": 3, "pdfco": 3, "encodingcom": 2}
MIN_DURATION, MAX_DURATION = 10.0, 3 * 3600.0
ARRIVAL_WINDOW = 4 * 3600.0
FIXED_INTERVALS = (1.0, 10.0, 120.0)


@dataclass
class SimJob:
    job_id: str
    provider: str
    account: str
    start: float
    duration: float
    seen: float | None = None  # when a check first saw it finished

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


def rate_limits() -> dict[str, RateLimit]:
    return {name: parse_rate_limit(provider_class(name).default_rate_limit) for name in ACCOUNTS_PER_PROVIDER}


def violations(times: Sequence[float], limit: RateLimit) -> int:
    """Requests that were more than `count` within any window of `period` seconds (the strict reading)."""
    count = int(limit.count)
    return sum(1 for i in range(count, len(times)) if times[i] - times[i - count] < limit.period)


def run_scheduler(jobs: list[SimJob], seed: int) -> Outcome:
    clock = VirtualClock()
    rng = random.Random(seed + 1)
    limits = rate_limits()
    schedules: dict[str, AccountSchedule] = {}
    for job in jobs:
        if job.account not in schedules:
            cls = provider_class(job.provider)
            schedules[job.account] = AccountSchedule(
                job.provider, cls.max_batch, limits[job.provider], clock=clock, rng=random.Random(seed + 2).random
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
    return Outcome("scheduler", total, jobs, delays, bad, times, batch_sizes)


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
    print(f"jobs never seen finished: {missed}; bench ran in {time.perf_counter() - started:.1f} s (virtual clock)")
    return 0 if missed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
