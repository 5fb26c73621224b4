"""How long an account's jobs take, learned from the ones seen end, and when to look at a job given that.

Pure (no Qt, no HTTP, no SQLite) and single-threaded, like the schedule that owns it.

Real accounts repeat the same kinds of job, so a job's finish is rarely a surprise. Without knowledge the schedule
must check a job every ~8 % of its age from its first seconds on, because it could end at any moment; with a learned
distribution it can skip the stretch where jobs of this kind (almost) never end and spend its checks from there on.

The one rule that never bends: from the first check in the likely window on, no gap between two checks exceeds the
detection target's allowance, max(3 s, 10 % of the job's age). So a job that runs unusually long is still seen
within the target, however wrong the history. Only a job that ends unusually *early*, before the window, is seen
late (at the window's first check), and the window starts at a low quantile so that is rare (~2 %).

Figures: `python bench/polling.py` (docs/PERFORMANCE.md, "Polls that learn").
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from statistics import NormalDist

# How far below the learned log-normal median the likely window starts, in standard deviations: a log-normal job
# ends before it with probability ~2.3 %. Small histories widen it (a Student-t correction).
EARLY_SIGMAS = 2.0
# Its empirical counterpart: the window never starts after this share of the history's own finishes, so a history
# with a heavy early tail (jobs that fail at once, a second kind of job) is not trusted to its fitted shape.
EARLY_SHARE = 0.04
# The fit leaves out this share of the history at each end (the jobs known only to have ended "before the window",
# and the odd one that hung), and corrects its spread for what a normal distribution loses by that trimming.
TRIM_SHARE = 0.05
_NORMAL = NormalDist()
# Below this spread (in log units, ~10 %) the history is taken as "about the same every time" rather than "exact".
MIN_LOG_SPREAD = 0.1


@dataclass(frozen=True, slots=True)
class DetectionTarget:
    """A finish at duration `d` should be seen within `allowance(d)` = max(floor, fraction * d) seconds."""

    floor: float = 3.0
    fraction: float = 0.1

    def allowance(self, duration: float) -> float:
        return max(self.floor, self.fraction * duration)


@dataclass(frozen=True, slots=True)
class DurationModel:
    """What a history says about one kind of job: a log-normal fit, and where its likely window starts.

    The fit is robust (a trimmed mean and spread of the logs, `TRIM_SHARE`): the few jobs that ended before the
    window are known only to have ended "somewhere before", and must not widen the fit of all the others; the
    empirical quantile guard (`EARLY_SHARE`) is what notices when they stop being few.

    Attributes:
        count: how many durations it was made from.
        log_mean, log_spread: centre and spread (standard deviation) of the durations' logs.
        earliest: seconds; the start of the likely window (see `EARLY_SIGMAS` and `EARLY_SHARE`).
    """

    count: int
    log_mean: float
    log_spread: float
    earliest: float

    @property
    def median(self) -> float:
        return math.exp(self.log_mean)

    @classmethod
    def fit(cls, durations: Iterable[float]) -> DurationModel | None:
        """The model of `durations` (seconds, positive); None when there are fewer than two."""
        ordered = sorted(d for d in durations if d > 0 and math.isfinite(d))
        n = len(ordered)
        if n < 2:
            return None
        mean, spread = _trimmed_fit([math.log(d) for d in ordered])
        spread = max(MIN_LOG_SPREAD, spread)
        # A new job is a fresh draw: its spread around the fitted mean is the sample's and the mean's together, and
        # with few samples the quantile is a Student-t one (first term of its expansion around the normal).
        z = EARLY_SIGMAS + (EARLY_SIGMAS**3 + EARLY_SIGMAS) / (4.0 * (n - 1))
        fitted = math.exp(mean - z * spread * math.sqrt(1.0 + 1.0 / n))
        empirical = ordered[min(n - 1, int(EARLY_SHARE * n))]
        return cls(n, mean, spread, min(fitted, empirical))


def _trimmed_fit(ordered: list[float]) -> tuple[float, float]:
    """Mean and standard deviation of a normal sample (sorted, at least two), without its `TRIM_SHARE` ends."""
    cut = int(TRIM_SHARE * len(ordered))
    kept = ordered[cut : len(ordered) - cut]
    mean = sum(kept) / len(kept)
    variance = sum((x - mean) ** 2 for x in kept) / (len(kept) - 1)
    if cut:
        # The variance of a standard normal cut to [-a, a], where a leaves out `share` at each end.
        share = cut / len(ordered)
        a = _NORMAL.inv_cdf(1.0 - share)
        variance /= 1.0 - 2.0 * a * _NORMAL.pdf(a) / (1.0 - 2.0 * share)
    return mean, math.sqrt(variance)


class DurationHistory:
    """The durations of jobs seen end, per key (None: the whole account), the newest `per_key` of each.

    A key is whatever tells kinds of job apart (a label pattern, a job type); `model(key)` falls back to the whole
    account's history while the key's own is short. At most `max_keys` keys are kept (the least recently used go).

    Args:
        per_key: durations kept per key; older ones are forgotten, so the model follows a drifting workload.
        max_keys: keys kept besides the account-wide one.
        min_samples: a history shorter than this is not used (the schedule behaves as if it knew nothing).
    """

    def __init__(self, per_key: int = 200, max_keys: int = 64, min_samples: int = 8) -> None:
        if per_key < 2 or min_samples < 2 or max_keys < 0:
            raise ValueError("per_key and min_samples must be at least 2, max_keys at least 0")
        self.per_key = per_key
        self.max_keys = max_keys
        self.min_samples = min_samples
        self._all: deque[float] = deque(maxlen=per_key)
        self._keyed: OrderedDict[Hashable, deque[float]] = OrderedDict()
        self._models: dict[Hashable, DurationModel | None] = {}  # cached fits; dropped when a history changes

    def record(self, duration: float, key: Hashable | None = None) -> None:
        """One job of kind `key` ended after `duration` seconds (ignored unless positive and finite)."""
        if not (duration > 0 and math.isfinite(duration)):
            return
        self._all.append(duration)
        self._models.pop(None, None)
        if key is None or self.max_keys == 0:
            return
        durations = self._keyed.pop(key, None)
        if durations is None:
            durations = deque(maxlen=self.per_key)
            while len(self._keyed) >= self.max_keys:
                old, _ = self._keyed.popitem(last=False)
                self._models.pop(old, None)
        self._keyed[key] = durations  # (re)inserted last: the most recently used
        durations.append(duration)
        self._models.pop(key, None)

    def extend(self, durations: Iterable[float], key: Hashable | None = None) -> None:
        for duration in durations:
            self.record(duration, key)

    def durations(self, key: Hashable | None = None) -> tuple[float, ...]:
        """The kept durations of `key` (None: the whole account), oldest first."""
        return tuple(self._all if key is None else self._keyed.get(key, ()))

    def keys(self) -> list[Hashable]:
        return list(self._keyed)

    def __len__(self) -> int:
        return len(self._all)

    def model(self, key: Hashable | None = None) -> DurationModel | None:
        """The model for a job of kind `key`: its own history if long enough, else the account's, else None."""
        if key is not None and len(self._keyed.get(key, ())) >= self.min_samples:
            return self._fitted(key, self._keyed[key])
        if len(self._all) >= self.min_samples:
            return self._fitted(None, self._all)
        return None

    def _fitted(self, key: Hashable | None, durations: deque[float]) -> DurationModel | None:
        if key not in self._models:
            self._models[key] = DurationModel.fit(durations)
        return self._models[key]


@dataclass(frozen=True, slots=True)
class CheckSpacing:
    """How close checks may be packed once a job is in its likely window. Seconds throughout.

    Attributes:
        target: the detection target no gap may exceed.
        min_gap, max_gap: the provider's pacing (`PollPolicy.min_interval`, `max_interval`); `max_gap` wins over
            the target, `min_gap` over everything (a provider's minimum is not ours to break).
        slack: seconds kept back from the allowance: a due check may wait about one request spacing behind another
            job's, and its answer takes a moment to come (the schedule passes its account's request spacing).
    """

    target: DetectionTarget = DetectionTarget()
    min_gap: float = 2.0
    max_gap: float = 300.0
    slack: float = 0.0

    def gap(self, age: float) -> float:
        """The longest safe gap after a check at `age`: any finish before the next check is seen within target."""
        safe = self.target.allowance(age) - self.slack
        return max(self.min_gap, min(self.max_gap, safe))


def next_check_delay(model: DurationModel, age: float, spacing: CheckSpacing) -> float:
    """Seconds from now (the job is `age` seconds old) to its next check, knowing `model`.

    Inside (or past) the likely window: the longest gap the target allows. Before it: straight to the window's first
    check, which sees any finish from `model.earliest` on within target.
    """
    gap = spacing.gap(age)
    if age + gap >= model.earliest:
        return gap
    return model.earliest + spacing.gap(model.earliest) - age


def check_ages(model: DurationModel, until: float, spacing: CheckSpacing, start: float = 0.0) -> list[float]:
    """The ages at which a job first checked at `start` is checked, knowing `model`, until one at or past `until`
    (no ETA, no queueing): the plan `next_check_delay` follows one check at a time."""
    ages = [start]
    while ages[-1] < until:
        ages.append(ages[-1] + next_check_delay(model, ages[-1], spacing))
    return ages


def seen_within_target(ages: list[float], duration: float, target: DetectionTarget) -> bool:
    """Whether checks at `ages` (sorted) see a finish at `duration` within the target."""
    index = bisect.bisect_left(ages, duration)
    return index < len(ages) and ages[index] - duration <= target.allowance(duration)
