"""A virtual clock for engine tests: monotonic seconds the test moves by hand, and a wall clock moving with it."""

from __future__ import annotations

START = 1000.0


class VirtualClock:
    """`now` is the monotonic time (starts at 1000); `wall()` is `wall_at_start` plus the time moved since."""

    def __init__(self, wall_at_start: float = 1.7e9 + START) -> None:
        self.now = START
        self._wall_at_start = wall_at_start

    def __call__(self) -> float:
        return self.now

    def mono(self) -> float:
        return self.now

    def wall(self) -> float:
        return self._wall_at_start + (self.now - START)

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
