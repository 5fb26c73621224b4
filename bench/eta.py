"""ETA benchmark: how often a running job's real end falls inside the range `core/eta.py` gives, and how wide it is.

The repeating workload of `bench/polling.py` (12 accounts, 200 jobs each, durations log-normal with sigma 0.3 around
a median per account from 20 s to 1 h). Each job is looked at ("a glance") at ten evenly spaced moments of its life
(ages 0, 0.1, ..., 0.9 of its duration): what someone opening the tray menu at a random moment sees. At a glance the
account's history is what had ended by then (nothing from the future); encoding.com accounts also report a
time_left as `bench/polling.py` models it (the real time left times exp(N(0, 0.3))), read at the glance.

Printed: glances given an ETA, the share of those whose real end fell inside the range, and the range's median
width against the median duration, overall and by basis; the targets are >= 80 % inside and a median width at most
half the median duration.

Run: python bench/eta.py [--seed N] [--repeats-per-account N]
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a fresh checkout, no install
sys.path.insert(0, str(Path(__file__).resolve().parent))

from polling import LEARN_FROM, REPEAT_SIGMA, make_repeating_jobs

from desktop_app.core import eta
from desktop_app.core.durations import DurationHistory

GLANCES = 10
TIME_LEFT_NOISE = 0.3  # as bench/polling.py's encoding.com


@dataclass
class Glance:
    account: str
    provider: str
    index: int
    duration: float
    age: float
    low: float | None = None
    high: float | None = None
    basis: str | None = None

    @property
    def inside(self) -> bool:
        assert self.low is not None and self.high is not None
        left = self.duration - self.age
        return self.low <= left <= self.high


def run(seed: int, per_account: int) -> list[Glance]:
    rng = random.Random(seed + 7)
    jobs = make_repeating_jobs(seed, per_account)
    histories: dict[str, DurationHistory] = {}
    # Events in time order: a job's end teaches its account; a glance asks for the ETA. Ends first at a tie.
    events: list[tuple[float, int, int, object]] = []
    seq = 0
    glances: list[Glance] = []
    for job in jobs:
        histories.setdefault(job.account, DurationHistory())
        events.append((job.end, 0, seq, job))
        seq += 1
        for k in range(GLANCES):
            age = job.duration * k / GLANCES
            glance = Glance(job.account, job.provider, job.index, job.duration, age)
            glances.append(glance)
            events.append((job.start + age, 1, seq, glance))
            seq += 1
    heapq.heapify(events)
    while events:
        _, kind, _, item = heapq.heappop(events)
        if kind == 0:
            histories[item.account].record(item.duration)  # type: ignore[attr-defined]
            continue
        assert isinstance(item, Glance)
        time_left = None
        if item.provider == "encodingcom" and item.age > 0:
            time_left = (item.duration - item.age) * math.exp(rng.gauss(0.0, TIME_LEFT_NOISE))
        found = eta.estimate(item.age, histories[item.account].model(), time_left=time_left)
        if found is not None:
            item.low, item.high, item.basis = found.low, found.high, found.basis
    return glances


def summary(name: str, glances: Sequence[Glance], all_glances: int) -> str:
    given = [g for g in glances if g.basis is not None]
    if not given:
        return f"| {name} | {len(glances)} | 0 | - | - | - | - |"
    inside = sum(g.inside for g in given) / len(given)
    widths = [g.high - g.low for g in given]  # type: ignore[operator]
    median_width = statistics.median(widths)
    median_duration = statistics.median(g.duration for g in given)
    ratios = statistics.median((g.high - g.low) / g.duration for g in given)  # type: ignore[operator]
    return (
        f"| {name} | {len(glances)} | {100 * len(given) / len(glances):.1f} % | {100 * inside:.1f} % "
        f"| {median_width:.0f} s / {median_duration:.0f} s = {median_width / median_duration:.2f} "
        f"| {ratios:.2f} |"
    )


HEADER = (
    "| glances | count | given an ETA | real end inside | median width / median duration | median of width/duration |\n"
    "|---|---:|---:|---:|---:|---:|"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeats-per-account", type=int, default=200)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    glances = run(args.seed, args.repeats_per_account)
    print(
        f"repeating workload: {args.repeats_per_account} jobs per account, sigma {REPEAT_SIGMA:g}, seed {args.seed}; "
        f"{GLANCES} glances per job over its life; range = central {100 * eta.COVERAGE:.0f} %"
    )
    later = [g for g in glances if g.index >= LEARN_FROM]
    print(HEADER)
    print(summary("all", glances, len(glances)))
    print(summary(f"jobs {LEARN_FROM + 1}+", later, len(glances)))
    for basis in (eta.Basis.HISTORY, eta.Basis.PROVIDER):
        print(summary(f"jobs {LEARN_FROM + 1}+, basis {basis}", [g for g in later if g.basis == basis], len(glances)))
    for provider in ("pdfco", "scriptx", "encodingcom", "ipaper"):
        print(summary(f"jobs {LEARN_FROM + 1}+, {provider}", [g for g in later if g.provider == provider], 0))
    print(summary(f"jobs {LEARN_FROM + 1}+, first glance (age 0)", [g for g in later if g.age == 0], 0))
    print(summary(f"jobs {LEARN_FROM + 1}+, glances at 50 %+", [g for g in later if g.age >= g.duration / 2], 0))
    print(f"bench ran in {time.perf_counter() - started:.1f} s (virtual clock)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
