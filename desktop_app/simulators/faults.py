"""Canned failures a simulator can be told to answer with next, for tests and the demo."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from desktop_app.simulators.server import SimResponse


class FaultQueue:
    """Responses to send instead of the real answer, one per request, in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[SimResponse] = deque()

    def push(self, response: SimResponse, times: int = 1) -> None:
        with self._lock:
            self._queue.extend([response] * times)

    def pop(self) -> SimResponse | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None


class RequestRateLimit:
    """A provider's "N requests a second" as a sliding one-second window; `None` allows everything."""

    def __init__(self, per_second: float | None, clock: Callable[[], float]) -> None:
        self._per_second = per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()

    def exceeded(self) -> bool:
        """Count this request; True when it is over the limit (and so not counted)."""
        if self._per_second is None:
            return False
        now = self._clock()
        with self._lock:
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self._per_second:
                return True
            self._recent.append(now)
            return False
