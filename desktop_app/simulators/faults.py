"""Canned failures a simulator can be told to answer with next, for tests and the demo."""

from __future__ import annotations

import threading
from collections import deque

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
