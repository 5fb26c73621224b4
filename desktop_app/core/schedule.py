"""When each watched job is next checked: one `AccountSchedule` per provider account, on an injected clock.

Pure (no Qt, no HTTP, no SQLite) and single-threaded: whoever owns an account's polling (the `jobtray watch` loop,
or the tray's per-account poll worker in its QThread) owns its schedule and is the only caller.

The loop every caller runs::

    schedule = AccountSchedule("pdfco", max_batch=1, rate_limit=parse_rate_limit("2/s"), clock=time.monotonic)
    schedule.add("JOBID", age_seconds=0.0)
    while True:
        when = schedule.next_due()           # None: nothing to do until add()/resume()/check_now()
        ...sleep or arm a single-shot timer until `when` (monotonic seconds, same clock as the schedule)...
        batch = schedule.take_batch()        # [] if woken early: just ask next_due() again
        if batch:
            result = check_batch(provider, account, batch)        # desktop_app.engine.results, blocking HTTP
            if result.ok:
                schedule.on_result(batch, {s.job_id: s for s in result.statuses})
            else:
                schedule.on_error(batch, str(result.error_kind), result.retry_after)

Rules of use:
- Every batch `take_batch` returns must be answered by exactly one `on_result` or `on_error` (use kind
  "transient" if the request was abandoned, e.g. on shutdown). Until then its jobs are "in flight" and not offered
  again, so a slow request never causes a second, overlapping one for the same job.
- Any call may move the next due time, earlier or later: re-read `next_due()` after every call and re-arm the timer.
- Times are the injected clock's (default `time.monotonic`); nothing here reads the wall clock.

What it decides:
- Adaptive interval: about `age_fraction` of the job's age (age counted from `add(..., age_seconds)`), clamped to
  the provider's `[min_interval, max_interval]`. A finish at age `d` is then seen within ~8 % of `d` (or
  `min_interval` for young jobs) at a cost that grows with log(d), not d.
- Learned durations (with a `learner`, a `core.durations.DurationHistory`): each job seen end teaches how long this
  account's jobs (of that `kind`) take; once it knows, a job is not checked in the stretch where such jobs (almost)
  never end, and from the likely window on it is checked as sparsely as the detection target allows (never a gap
  over max(3 s, 10 % of its age)), so one that runs unusually long is still seen in time. A history too short to
  trust (or no learner) leaves the adaptive interval exactly as above.
- ETA: a status with `eta_seconds`, or a `progress` that moves, pulls the next check to just after the expected
  finish when that comes before the adaptive check. It never pushes a check later. A check aimed at an ETA that
  finds the job still running doubles the slack for that job, and after a few misses its ETA is ignored, so a
  stuck "time left: 0" cannot cause a storm.
- Rate limit: a token bucket per account (`RateLimit`, e.g. "2/s", "45/min") with room for no burst and
  `rate_margin` of the rate, so no sliding window of the limit's period ever holds more than its count, even with
  some network jitter. `next_due()` already includes the wait for a token.
- Errors (kinds are the strings of `desktop_app.engine.results.ErrorKind`):
  "auth", "config": the account pauses until `resume()` or `check_now()` (the user has to act first).
  "rate_limited", "transient": the whole account waits `max(Retry-After, exponential backoff with jitter)`;
  network trouble caps its backoff at `network_backoff_max`, so checks resume soon after the network returns
  (call `on_network_up()` to resume at once).
  anything else ("protocol"): only the jobs of that batch back off; the rest of the account carries on.
  A Retry-After is always honoured, even by `resume()` and `check_now()`.
- Batches (`max_batch` > 1): all due jobs go into one request, oldest due first, topped up with jobs that are
  "almost due" (within `piggyback_fraction` of their interval), so a busy account costs one request per round.
- Fairness: due jobs come off a heap by due time (then by insertion order), so when more jobs are due than the
  rate limit allows, the longest-waiting go first and none starves. `next_due` and `take_batch` cost O(log n) per
  job they touch, never a scan of all jobs.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass

from desktop_app.core.durations import CheckSpacing, DetectionTarget, DurationHistory, next_check_delay
from desktop_app.core.model import JobState, Status
from desktop_app.core.ratelimit import RateLimit, TokenBucket

Clock = Callable[[], float]
UnitRandom = Callable[[], float]  # a float in [0, 1), like random.random

# The error kinds, as plain strings: the same values as desktop_app.engine.results.ErrorKind (core imports only core).
AUTH, CONFIG, RATE_LIMITED, TRANSIENT, PROTOCOL = "auth", "config", "rate_limited", "transient", "protocol"
_PAUSING = frozenset({AUTH, CONFIG})
_ACCOUNT_WIDE = frozenset({RATE_LIMITED, TRANSIENT})
_MAX_ETA_MISSES = 6  # a job's ETA missed this often in a row is ignored until it reports a distant one again


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How one provider's jobs are paced. Seconds throughout.

    Attributes:
        min_interval: the shortest gap between two checks of one job (young jobs).
        max_interval: the longest gap (old jobs), also the cap of a per-job error backoff's normal interval.
        age_fraction: the interval as a share of the job's age; below 0.1 so a finish is seen within 10 % of the
            job's duration even after a little rate-limit queueing.
        eta_slack: how long after an expected finish to look.
        piggyback_fraction: in a batch, a job rides along when it is due within this share of its interval.
        backoff_base: the first error backoff; it doubles with each consecutive failure.
        backoff_max: the longest error backoff.
        network_backoff_max: the longest backoff for "transient" errors, so a returning network is noticed soon.
        rate_margin: the share of the account's rate limit the scheduler uses (headroom for network jitter).
    """

    min_interval: float = 2.0
    max_interval: float = 300.0
    age_fraction: float = 0.08
    eta_slack: float = 0.5
    piggyback_fraction: float = 0.5
    backoff_base: float = 2.0
    backoff_max: float = 300.0
    network_backoff_max: float = 30.0
    rate_margin: float = 0.9

    def interval(self, age: float) -> float:
        """The adaptive gap before the next check of a job of this age."""
        return min(self.max_interval, max(self.min_interval, age * self.age_fraction))

    def backoff(self, failures: int, rng: UnitRandom, cap: float | None = None) -> float:
        """Exponential backoff with "equal jitter": uniformly between half and all of base * 2**(failures-1)."""
        ceiling = min(cap if cap is not None else self.backoff_max, self.backoff_base * 2.0 ** max(0, failures - 1))
        return ceiling * (0.5 + 0.5 * rng())


def policy_for(provider_name: str, policies: Mapping[str, PollPolicy] | None = None) -> PollPolicy:
    """The provider's policy from `policies` (the registry's `POLICIES`: each provider states its `poll_policy`
    in its own module), or the defaults for a provider without one."""
    return (policies or {}).get(provider_name, PollPolicy())


class _Entry:
    """One watched job's scheduling state (mutable; never leaves the schedule)."""

    __slots__ = (
        "added_at",
        "aimed",
        "due",
        "eta_misses",
        "failures",
        "gen",
        "in_flight",
        "interval",
        "job_id",
        "kind",
        "progress",
        "progress_at",
        "running_at",
    )

    def __init__(self, job_id: str, added_at: float, due: float, interval: float, kind: Hashable | None) -> None:
        self.job_id = job_id
        self.kind = kind  # what the learner keys its history by (None: the account as a whole)
        self.running_at: float | None = None  # the last answer that found it not ended yet
        self.added_at = added_at
        self.due = due
        self.interval = interval
        self.gen = 0  # bumped on every reschedule: heap items with an older gen are stale
        self.in_flight = False
        self.failures = 0  # consecutive per-job ("protocol") failures
        self.aimed = False  # the pending check was aimed at an ETA
        self.eta_misses = 0
        self.progress: float | None = None  # last distinct progress seen, and when
        self.progress_at = 0.0


class AccountSchedule:
    """When each job of one provider account is next checked; see the module docstring for the loop to run.

    Args:
        provider_name: "pdfco", "ipaper", "scriptx", "encodingcom" (used for the default policy only).
        max_batch: how many job IDs one request may carry (the provider's `max_batch`).
        rate_limit: the account's limit (its own setting, else the provider's `default_rate_limit`).
        policy: pacing; `policy_for(provider_name)` when None.
        clock: monotonic seconds; `time.monotonic` when None.
        rng: uniform [0, 1) for backoff jitter; a `random.Random().random` when None. Inject a seeded one in tests.
        learner: the account's learned job durations; every job seen end is added to it. None: nothing learned.
        target: the detection target the learned spacing keeps to (max(3 s, 10 %) when None).
    """

    def __init__(
        self,
        provider_name: str,
        max_batch: int,
        rate_limit: RateLimit,
        *,
        policy: PollPolicy | None = None,
        clock: Clock | None = None,
        rng: UnitRandom | None = None,
        learner: DurationHistory | None = None,
        target: DetectionTarget | None = None,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.provider_name = provider_name
        self.max_batch = max_batch
        self.policy = policy or policy_for(provider_name)
        self._clock: Clock = clock or time.monotonic
        self._rng: UnitRandom = rng or random.Random().random  # noqa: S311 - jitter, not security
        self._jobs: dict[str, _Entry] = {}
        self._heap: list[tuple[float, int, str, int]] = []  # (due, seq, job_id, gen)
        self._seq = itertools.count()
        self._failures = 0  # consecutive account-wide failures
        self._backoff_until = 0.0  # our own backoff: resume() clears it
        self._server_until = 0.0  # the server's Retry-After: nothing clears it
        self._paused = False
        self.pause_reason: str | None = None  # "user", "auth" or "config" while paused
        self.learner = learner
        self.target = target or DetectionTarget()
        self.rate_limit = rate_limit
        self._bucket = self._make_bucket(rate_limit)
        self._spacing = self._make_spacing(rate_limit)

    # ---- the jobs -----------------------------------------------------------------------------------------------

    def add(self, job_id: str, age_seconds: float = 0.0, due_in: float = 0.0, kind: Hashable | None = None) -> bool:
        """Watch `job_id` (already `age_seconds` old), first checked `due_in` seconds from now.

        `kind` (a label pattern, a job type) picks the learner's history for this job; None: the account's.
        Returns False (and changes nothing) if the job is already watched.
        """
        if job_id in self._jobs:
            return False
        now = self._clock()
        entry = _Entry(job_id, now - max(0.0, age_seconds), now, self.policy.min_interval, kind)
        self._jobs[job_id] = entry
        self._push(entry, now + max(0.0, due_in))
        return True

    def remove(self, job_id: str) -> None:
        """Stop watching `job_id` (no error if unknown); a batch in flight may still report it, harmlessly."""
        self._jobs.pop(job_id, None)

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._jobs

    def job_ids(self) -> list[str]:
        return list(self._jobs)

    def due_at(self, job_id: str) -> float | None:
        """When the job is next due (before rate limit and backoff), None if unknown or in flight."""
        entry = self._jobs.get(job_id)
        return None if entry is None or entry.in_flight else entry.due

    # ---- the loop -----------------------------------------------------------------------------------------------

    def next_due(self) -> float | None:
        """Clock time of the next request, rate limit and backoff included; None while paused or idle."""
        if self._paused:
            return None
        top = self._top()
        if top is None:
            return None
        now = self._clock()
        due = max(top, self._backoff_until, self._server_until)
        wait = self._bucket.wait_time(now)
        # A microsecond more than the bucket's own figure: float rounding must not leave the token just short.
        # With a token already there, `now` is not mixed in: the answer must not creep forward with the clock.
        return max(due, now + wait + 1e-6) if wait > 0 else due

    def take_batch(self) -> list[str]:
        """Job IDs to send in one request now (at most `max_batch`), or [] if nothing may go now.

        Spends one token of the account's rate limit when it returns a batch; the jobs are in flight until
        `on_result` or `on_error`.
        """
        now = self._clock()
        if self._paused or now < self._backoff_until or now < self._server_until:
            return []
        top = self._top()
        if top is None or top > now or not self._bucket.try_take(now):
            return []
        batch: list[_Entry] = []
        while self._heap and len(batch) < self.max_batch and self._heap[0][0] <= now:
            entry = self._pop_live()
            if entry is not None:
                batch.append(entry)
        if len(batch) < self.max_batch:
            batch.extend(self._piggyback(now, self.max_batch - len(batch)))
        for entry in batch:
            entry.in_flight = True
            entry.gen += 1
        return [entry.job_id for entry in batch]

    def on_result(self, job_ids: Iterable[str], statuses: Mapping[str, Status]) -> None:
        """A request for `job_ids` succeeded: terminal jobs are dropped, the rest rescheduled.

        A job asked about but missing from `statuses` is simply checked again at its normal interval.
        """
        now = self._clock()
        self._failures = 0
        self._backoff_until = 0.0
        for job_id in job_ids:
            entry = self._jobs.get(job_id)
            if entry is None:
                continue
            entry.in_flight = False
            status = statuses.get(job_id)
            if status is not None and status.state.is_terminal:
                del self._jobs[job_id]
                self._learn(entry, now, status.state)
                continue
            if status is not None:
                entry.running_at = now
            entry.failures = 0
            self._reschedule(entry, now, status)

    def on_error(self, job_ids: Iterable[str], kind: str, retry_after: float | None = None) -> None:
        """A request for `job_ids` failed with error `kind` (an ErrorKind value); `retry_after` in seconds."""
        now = self._clock()
        if retry_after is not None and math.isfinite(retry_after) and retry_after > 0:
            self._server_until = max(self._server_until, now + retry_after)
        entries = [e for e in (self._jobs.get(j) for j in job_ids) if e is not None]
        for entry in entries:
            entry.in_flight = False
        if kind in _PAUSING:
            self._paused = True
            self.pause_reason = kind
            for entry in entries:
                self._push(entry, now)
        elif kind in _ACCOUNT_WIDE:
            self._failures += 1
            cap = self.policy.network_backoff_max if kind == TRANSIENT else self.policy.backoff_max
            self._backoff_until = max(self._backoff_until, now + self.policy.backoff(self._failures, self._rng, cap))
            # Still due: they keep their place at the front of the queue for when the account may go again.
            for entry in entries:
                self._push(entry, now)
        else:
            for entry in entries:
                entry.failures += 1
                interval = self.policy.interval(now - entry.added_at)
                delay = max(interval, self.policy.backoff(entry.failures, self._rng))
                self._push(entry, now + delay)

    def give_back(self, job_ids: Iterable[str]) -> None:
        """A batch from `take_batch` that was not sent after all (another process used the shared rate budget):
        its jobs keep their due times and place in the queue, and no failure is counted."""
        for job_id in job_ids:
            entry = self._jobs.get(job_id)
            if entry is not None and entry.in_flight:
                entry.in_flight = False
                self._push(entry, entry.due)

    # ---- the user and the network -------------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def blocked_until(self) -> float:
        """Clock time before which no request goes (backoff or Retry-After); 0 when not blocked."""
        return max(self._backoff_until, self._server_until)

    @property
    def failures(self) -> int:
        """Consecutive account-wide failures (what the backoff is based on)."""
        return self._failures

    def pause(self) -> None:
        """Stop sending requests (the user paused the account) until `resume()` or `check_now()`."""
        self._paused = True
        self.pause_reason = "user"

    def resume(self) -> None:
        """Unpause and forget the error backoff (not a server's Retry-After). Jobs keep their due times."""
        self._paused = False
        self.pause_reason = None
        self._failures = 0
        self._backoff_until = 0.0

    def check_now(self, job_ids: Iterable[str] | None = None) -> None:
        """The user asked: `resume()`, and make `job_ids` (default: every job) due now."""
        self.resume()
        now = self._clock()
        wanted = self._jobs.values() if job_ids is None else [self._jobs[j] for j in job_ids if j in self._jobs]
        for entry in list(wanted):
            if not entry.in_flight:
                entry.failures = 0
                self._push(entry, now)

    def on_network_up(self) -> None:
        """The network came back: end a backoff at once (a pause by the user or for the key stays)."""
        self._failures = 0
        self._backoff_until = 0.0

    def set_rate_limit(self, rate_limit: RateLimit) -> None:
        """The account's limit changed; starts a fresh bucket (no burst, so no window can overflow)."""
        self.rate_limit = rate_limit
        self._bucket = self._make_bucket(rate_limit)
        self._bucket.try_take(self._clock())
        self._spacing = self._make_spacing(rate_limit)

    # ---- internals ----------------------------------------------------------------------------------------------

    def _make_bucket(self, limit: RateLimit) -> TokenBucket:
        # Capacity 1 spaces requests at least 1/rate apart, so any window of the limit's period holds at most
        # ceil(count * margin) <= count requests: the strict reading of "N per period".
        safe = RateLimit(limit.count * self.policy.rate_margin, limit.period)
        return TokenBucket(safe, self._clock(), capacity=1.0)

    def _make_spacing(self, limit: RateLimit) -> CheckSpacing:
        # A due check may wait about one request spacing behind another job's: keep that much of the target back.
        per_second = limit.per_second * self.policy.rate_margin
        slack = 1.0 / per_second if per_second > 0 else 0.0
        return CheckSpacing(self.target, self.policy.min_interval, self.policy.max_interval, slack=slack)

    def _learn(self, entry: _Entry, now: float, state: JobState) -> None:
        """An ended job teaches its duration: it ended between the last answer that found it running and now.

        Not learned: a job never seen running here (it may have ended long before it was added), and one the
        provider does not know (its ID was wrong, so its "duration" says nothing).
        """
        if self.learner is None or entry.running_at is None or state is JobState.NOT_FOUND:
            return
        self.learner.record(now - entry.added_at - (now - entry.running_at) / 2.0, entry.kind)

    def _interval(self, entry: _Entry, age: float) -> float:
        """The gap before the next check of a job of this age: learned when the learner knows its kind."""
        model = self.learner.model(entry.kind) if self.learner is not None else None
        if model is None:
            return self.policy.interval(age)
        return next_check_delay(model, age, self._spacing)

    def _push(self, entry: _Entry, due: float) -> None:
        entry.gen += 1
        entry.due = due
        heapq.heappush(self._heap, (due, next(self._seq), entry.job_id, entry.gen))
        # Stale items (removed or rescheduled jobs) are dropped lazily; rebuild when they dominate.
        if len(self._heap) > 2 * len(self._jobs) + 64:
            self._heap = [item for item in self._heap if self._is_live(item)]
            heapq.heapify(self._heap)

    def _is_live(self, item: tuple[float, int, str, int]) -> bool:
        entry = self._jobs.get(item[2])
        return entry is not None and entry.gen == item[3] and not entry.in_flight

    def _top(self) -> float | None:
        """The earliest due time among live items, dropping stale ones from the top."""
        while self._heap and not self._is_live(self._heap[0]):
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def _pop_live(self) -> _Entry | None:
        item = heapq.heappop(self._heap)
        return self._jobs[item[2]] if self._is_live(item) else None

    def _piggyback(self, now: float, room: int) -> list[_Entry]:
        """Jobs nearly due, to fill a batch that goes anyway; looks at a bounded number of heap items."""
        riders: list[_Entry] = []
        passed: list[tuple[float, int, str, int]] = []
        horizon = now + self.policy.piggyback_fraction * self.policy.max_interval
        budget = 2 * room + 8
        while self._heap and len(riders) < room and budget > 0 and self._heap[0][0] <= horizon:
            budget -= 1
            item = heapq.heappop(self._heap)
            if not self._is_live(item):
                continue
            entry = self._jobs[item[2]]
            if entry.due - now <= self.policy.piggyback_fraction * entry.interval:
                riders.append(entry)
            else:
                passed.append(item)
        for item in passed:
            heapq.heappush(self._heap, item)
        return riders

    def _reschedule(self, entry: _Entry, now: float, status: Status | None) -> None:
        if entry.aimed:
            entry.eta_misses = min(entry.eta_misses + 1, _MAX_ETA_MISSES)
        interval = self._interval(entry, now - entry.added_at)
        due = now + interval
        entry.aimed = False
        eta = self._eta(entry, now, status)
        if eta is not None and eta > interval:
            entry.eta_misses = 0  # a fresh, distant estimate: trust the next near one again
        elif eta is not None and entry.eta_misses < _MAX_ETA_MISSES:
            aim = now + max(self.policy.min_interval, eta + self.policy.eta_slack * 2.0**entry.eta_misses)
            if aim < due:
                due = aim
                entry.aimed = True
        entry.interval = due - now
        self._push(entry, due)

    def _eta(self, entry: _Entry, now: float, status: Status | None) -> float | None:
        """Seconds to the expected finish: the provider's own estimate, else one from the progress made."""
        if status is None:
            return None
        if status.eta_seconds is not None and math.isfinite(status.eta_seconds) and status.eta_seconds >= 0:
            return status.eta_seconds
        progress = status.progress
        if progress is None or not 0.0 < progress < 100.0:
            return None
        previous, previous_at = entry.progress, entry.progress_at
        if previous != progress:
            entry.progress, entry.progress_at = progress, now
        if previous is not None and progress > previous and now > previous_at:
            return (100.0 - progress) * (now - previous_at) / (progress - previous)
        # One reading only: assume progress has been steady since the job was added.
        age = now - entry.added_at
        return (100.0 - progress) * age / progress if age > 0 else None
