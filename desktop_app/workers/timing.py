"""When a worker next checks each job: the one place the poll worker asks about timing.

`make_schedule` returns `desktop_app.core.schedule.AccountSchedule` (adaptive intervals, ETA, rate limit, backoff)
when that module is importable; `SimpleSchedule` is the small stand-in with the same API that the worker used before
it landed: an adaptive interval per job (about a tenth of its age, within bounds), a token bucket for the rate limit
and an account-wide backoff after errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from desktop_app.core.model import Status
from desktop_app.core.ratelimit import RateLimit, TokenBucket
from desktop_app.polling import ErrorKind

MIN_INTERVAL = 2.0
MAX_INTERVAL = 300.0
ERROR_BACKOFF_BASE = 5.0
ERROR_BACKOFF_MAX = 600.0


class Schedule(Protocol):
    """The part of core.schedule.AccountSchedule's API the worker uses."""

    def __contains__(self, job_id: object) -> bool: ...
    def job_ids(self) -> list[str]: ...
    def add(self, job_id: str, age_seconds: float = 0.0, due_in: float = 0.0) -> bool: ...
    def remove(self, job_id: str) -> None: ...
    def next_due(self) -> float | None: ...
    def take_batch(self) -> list[str]: ...
    def on_result(self, job_ids: Iterable[str], statuses: Mapping[str, Status]) -> None: ...
    def on_error(self, job_ids: Iterable[str], kind: str, retry_after: float | None = None) -> None: ...
    def check_now(self, job_ids: Iterable[str] | None = None) -> None: ...


def interval_for_age(age_seconds: float) -> float:
    """Young jobs are checked often, old ones rarely: a tenth of the age, between MIN and MAX."""
    return min(MAX_INTERVAL, max(MIN_INTERVAL, age_seconds / 10.0))


class SimpleSchedule:
    """Per-job due times on a monotonic clock; errors delay the whole account."""

    def __init__(self, max_batch: int, rate_limit: RateLimit, clock: Callable[[], float]) -> None:
        self._max_batch = max(1, max_batch)
        self._clock = clock
        self._bucket = TokenBucket(rate_limit, clock(), capacity=1.0)
        self._due: dict[str, float] = {}
        self._born: dict[str, float] = {}  # monotonic time the job would have been created at
        self._in_flight: set[str] = set()
        self._failures = 0
        self._blocked_until = 0.0

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._due

    def job_ids(self) -> list[str]:
        return list(self._due)

    def add(self, job_id: str, age_seconds: float = 0.0, due_in: float = 0.0) -> bool:
        if job_id in self._due:
            return False
        now = self._clock()
        self._born[job_id] = now - max(0.0, age_seconds)
        self._due[job_id] = now + max(0.0, due_in)
        return True

    def remove(self, job_id: str) -> None:
        self._due.pop(job_id, None)
        self._born.pop(job_id, None)
        self._in_flight.discard(job_id)

    def next_due(self) -> float | None:
        waiting = [due for job_id, due in self._due.items() if job_id not in self._in_flight]
        if not waiting:
            return None
        now = self._clock()
        return max(min(waiting), self._blocked_until, now + self._bucket.wait_time(now))

    def take_batch(self) -> list[str]:
        now = self._clock()
        if now < self._blocked_until:
            return []
        due = sorted((t, job_id) for job_id, t in self._due.items() if t <= now and job_id not in self._in_flight)
        if not due or not self._bucket.try_take(now):
            return []
        batch = [job_id for _, job_id in due[: self._max_batch]]
        self._in_flight.update(batch)
        return batch

    def on_result(self, job_ids: Iterable[str], statuses_by_id: Mapping[str, Status]) -> None:
        now = self._clock()
        self._failures = 0
        self._blocked_until = 0.0
        for job_id in job_ids:
            self._in_flight.discard(job_id)
            status = statuses_by_id.get(job_id)
            if status is not None and status.state.is_terminal:
                self.remove(job_id)  # an ended job needs no more checks (the main thread re-adds a re-opened one)
                continue
            if job_id in self._due:
                age = now - self._born[job_id]
                interval = interval_for_age(age)
                if status is not None and status.eta_seconds:
                    interval = min(interval, max(MIN_INTERVAL, status.eta_seconds))
                self._due[job_id] = now + interval

    def on_error(self, job_ids: Iterable[str], kind: str, retry_after: float | None = None) -> None:
        now = self._clock()
        self._failures += 1
        if kind in (ErrorKind.AUTH, ErrorKind.CONFIG):
            delay = ERROR_BACKOFF_MAX  # nothing changes until the user acts; check_now() retries sooner
        else:
            delay = min(ERROR_BACKOFF_MAX, ERROR_BACKOFF_BASE * 2 ** min(self._failures - 1, 8))
        if retry_after is not None:
            delay = max(delay if kind != ErrorKind.RATE_LIMITED else 0.0, retry_after)
        self._blocked_until = now + delay
        for job_id in job_ids:
            self._in_flight.discard(job_id)
            if job_id in self._due:
                self._due[job_id] = max(self._due[job_id], self._blocked_until)

    def check_now(self, job_ids: Iterable[str] | None = None) -> None:
        now = self._clock()
        self._blocked_until = 0.0
        for job_id in self._due if job_ids is None else [j for j in job_ids if j in self._due]:
            self._due[job_id] = now


def make_schedule(provider_name: str, max_batch: int, rate_limit: RateLimit, clock: Callable[[], float]) -> Schedule:
    """The schedule a worker uses: core.schedule.AccountSchedule when present, else the stand-in."""
    try:
        from desktop_app.core.schedule import AccountSchedule
    except ImportError:
        return SimpleSchedule(max_batch, rate_limit, clock)
    return AccountSchedule(provider_name, max_batch, rate_limit, clock=clock)
