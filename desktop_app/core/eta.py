"""When a running job will likely end: a range, from the provider's own figures or the account's learned durations.

Pure (no Qt, no HTTP, no SQLite); every function takes the job's age (or `now`) from its caller.

Three bases, best first:

- the provider's own estimate of the time left (encoding.com's `time_left`), trusted to within
  `TIME_LEFT_SPREAD` (a log-normal error of the remaining time);
- the progress made so far (0 < progress < 100), extrapolated as if steady since the job was added, trusted to
  within `PROGRESS_SPREAD`;
- the account's learned durations (`core.durations.DurationModel`): the log-normal fit, *given that the job has
  already run for its age*; a job far past what its history knows gets no ETA from it.

Where a provider figure and the history both speak they are combined (the product of the two densities of the time
left, on a grid): each narrows the other. Where there is no basis at all the answer is None: nothing is shown.

The range is the central `coverage` share (80 %) of the time left: a well-fitted model puts 80 % of real ends in
it. Figures on the repeating workload: `python bench/eta.py` (docs/PERFORMANCE.md, "ETA").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import NormalDist

from desktop_app.core.durations import DurationModel

COVERAGE = 0.8
# How far a provider's own time-left estimate is trusted: the log of (real / estimated) time left has about this
# standard deviation (assumed; encoding.com documents none).
TIME_LEFT_SPREAD = 0.3
# Progress is rarely steady: an extrapolation of it is trusted less than a provider's own estimate.
PROGRESS_SPREAD = 0.4
# Below this progress (percent) an extrapolation says little (1 % after a minute: anything from 50 min to days).
MIN_PROGRESS = 2.0
# A job whose history gives it less than this chance of still running at its age has outrun what is known of it.
MIN_SURVIVAL = 0.02
_GRID = 240  # points of the grid the combined density is integrated on
_NORMAL = NormalDist()


class Basis:
    PROVIDER = "provider"
    PROGRESS = "progress"
    HISTORY = "history"


@dataclass(frozen=True, slots=True)
class Eta:
    """Seconds from now until the job likely ends: between `low` and `high` (low >= 0), and on what basis."""

    low: float
    high: float
    basis: str

    def at(self, now: datetime) -> tuple[datetime, datetime]:
        """The range as wall-clock times."""
        return now + timedelta(seconds=self.low), now + timedelta(seconds=self.high)


def _band(coverage: float) -> tuple[float, float]:
    tail = (1.0 - coverage) / 2.0
    return tail, 1.0 - tail


def from_estimate(seconds: float, spread: float, basis: str, coverage: float = COVERAGE) -> Eta | None:
    """A log-normal range around an estimate of the time left (`seconds`), `spread` its log standard deviation."""
    if not (seconds > 0 and math.isfinite(seconds)):
        return None
    z = _NORMAL.inv_cdf(_band(coverage)[1])
    return Eta(seconds * math.exp(-z * spread), seconds * math.exp(z * spread), basis)


def progress_time_left(progress: float | None, age: float) -> float | None:
    """Seconds left if progress went on at the pace it has kept since the job was added; None without a basis."""
    if progress is None or not MIN_PROGRESS <= progress < 100.0 or not age > 0:
        return None
    return age * (100.0 - progress) / progress


def _history_spread(model: DurationModel) -> float:
    # A new job is a fresh draw: the sample's spread and the fitted mean's uncertainty together.
    return model.log_spread * math.sqrt(1.0 + 1.0 / model.count)


def from_history(model: DurationModel, age: float, coverage: float = COVERAGE) -> Eta | None:
    """The range of the time left of a job already `age` seconds old, from its account's learned durations."""
    spread = _history_spread(model)
    survived = _NORMAL.cdf((math.log(age) - model.log_mean) / spread) if age > 0 else 0.0
    alive = 1.0 - survived
    if alive < MIN_SURVIVAL:
        return None  # longer than (nearly) every job it learned from: the history has nothing to say
    low_share, high_share = _band(coverage)

    def duration_at(share: float) -> float:
        p = min(1.0 - 1e-12, survived + share * alive)
        return math.exp(model.log_mean + spread * _NORMAL.inv_cdf(p))

    return Eta(max(0.0, duration_at(low_share) - age), max(0.0, duration_at(high_share) - age), Basis.HISTORY)


def _combined(
    estimate: float, spread: float, basis: str, *, model: DurationModel, age: float, coverage: float
) -> Eta | None:
    """The provider's estimate narrowed by the history: quantiles of the product of both densities of the time
    left, integrated over a log grid around the estimate."""
    h_spread = _history_spread(model)
    lo, hi = math.log(estimate) - 5.0 * spread, math.log(estimate) + 5.0 * spread
    step = (hi - lo) / (_GRID - 1)
    points: list[float] = []
    weights: list[float] = []
    for i in range(_GRID):
        log_left = lo + i * step
        left = math.exp(log_left)
        z_provider = (log_left - math.log(estimate)) / spread
        duration = age + left
        z_history = (math.log(duration) - model.log_mean) / h_spread
        # Densities in log(left): the provider's directly; the history's carried over from log(duration).
        weights.append(math.exp(-0.5 * (z_provider * z_provider + z_history * z_history)) * left / duration)
        points.append(left)
    total = sum(weights)
    if not total > 0 or not math.isfinite(total):
        return None  # the two disagree beyond the grid's reach: trust neither's narrowing
    low_share, high_share = _band(coverage)
    low = high = None
    running = 0.0
    for left, weight in zip(points, weights, strict=True):
        running += weight / total
        if low is None and running >= low_share:
            low = left
        if running >= high_share:
            high = left
            break
    if low is None or high is None:
        return None
    return Eta(low, high, basis)


def estimate(
    age: float,
    model: DurationModel | None = None,
    time_left: float | None = None,
    progress: float | None = None,
    coverage: float = COVERAGE,
) -> Eta | None:
    """The likely time left of a running job `age` seconds old; None where nothing gives a basis.

    Args:
        model: the account's learned durations (`DurationHistory.model()`), None when it has too few.
        time_left: the provider's own estimate, seconds.
        progress: the provider's progress, percent.
    """
    own: tuple[float, float, str] | None = None
    if time_left is not None and time_left > 0 and math.isfinite(time_left):
        own = (time_left, TIME_LEFT_SPREAD, Basis.PROVIDER)
    else:
        by_progress = progress_time_left(progress, age)
        if by_progress is not None and by_progress > 0:
            own = (by_progress, PROGRESS_SPREAD, Basis.PROGRESS)
    if own is not None:
        seconds, spread, basis = own
        if model is not None and from_history(model, age, coverage) is not None:
            combined = _combined(seconds, spread, basis, model=model, age=age, coverage=coverage)
            if combined is not None:
                return combined
        return from_estimate(seconds, spread, basis, coverage)
    if model is None:
        return None
    return from_history(model, age, coverage)


def job_age(created_at: datetime, now: datetime) -> float:
    """Seconds since the job was added: what the learned durations measure (finished_at - created_at)."""
    return max(0.0, (now - created_at).total_seconds())
