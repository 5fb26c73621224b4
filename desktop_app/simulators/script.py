"""Scripted jobs: each simulated job walks through a list of steps, by elapsed time or by number of checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Step:
    """One stage of a simulated job.

    `payload` is the provider-specific answer for this stage. The stage lasts `checks` checks or `seconds` seconds,
    whichever comes first; the last stage lasts forever.
    """

    payload: Any
    checks: int | None = None
    seconds: float | None = None


class _Run:
    def __init__(self, steps: Sequence[Step], now: float) -> None:
        if not steps:
            raise ValueError("a scripted job needs at least one step")
        self.steps = list(steps)
        self.index = 0
        self.step_started = now
        self.step_checks = 0

    def _advance(self, now: float) -> None:
        while self.index < len(self.steps) - 1:
            step = self.steps[self.index]
            by_checks = step.checks is not None and self.step_checks >= step.checks
            by_time = step.seconds is not None and now - self.step_started >= step.seconds
            if not (by_checks or by_time):
                return
            if by_time and step.seconds is not None:
                self.step_started += step.seconds
            else:
                self.step_started = now
            self.index += 1
            self.step_checks = 0

    def observe(self, now: float) -> Any:
        payload = self.peek(now)
        self.step_checks += 1
        return payload

    def peek(self, now: float) -> Any:
        self._advance(now)
        return self.steps[self.index].payload


class JobBook:
    """The simulator's jobs; thread-safe, with an injectable monotonic clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._runs: dict[str, _Run] = {}

    def add(self, job_id: str, steps: Sequence[Step]) -> str:
        with self._lock:
            self._runs[job_id] = _Run(steps, self._clock())
        return job_id

    def observe(self, job_id: str) -> Any | None:
        """The job's current payload (counts as one check), or None for an unknown job."""
        with self._lock:
            run = self._runs.get(job_id)
            return None if run is None else run.observe(self._clock())

    def peek(self, job_id: str) -> Any | None:
        """The job's current payload without counting a check (a download is not a status check)."""
        with self._lock:
            run = self._runs.get(job_id)
            return None if run is None else run.peek(self._clock())

    def __contains__(self, job_id: object) -> bool:
        with self._lock:
            return job_id in self._runs

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._runs)
