"""The tray's quit budget: everything that runs in the background is told to stop at once, then waited for
against one deadline, so quitting (the menu, a logout, SIGTERM) takes at most `QUIT_BUDGET_S` on the GUI thread
whatever is stuck. What does not stop in time is left behind, said in the log: poll and download threads are
abandoned (their requests and partial files already given up), the notifier's and the keyring's threads are
daemons.

The budget, split (docs/ARCHITECTURE.md, "Quitting"): stop everything (instant), then wait for the worker pool
(the poll workers and the outbox's downloads and commands: one pool), the outbox's last records, and the notifier's
last messages together, at most 3 s in all. Before this,
each waited in turn: pool 2 s + downloads 0.5 s + notifier 2 + 1 + 2 s = 7.5 s at worst.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

QUIT_BUDGET_S = 3.0
# The notifier's last messages get at most this much of what is left: they matter less than downloads' files.
NOTIFIER_SHARE_S = 0.5

Clock = Callable[[], float]


class Stoppable(Protocol):
    """Something with threads of its own: `begin_stop` never blocks; `wait_stopped` waits at most `seconds`."""

    def begin_stop(self) -> None: ...

    def wait_stopped(self, seconds: float) -> bool: ...


@dataclass(frozen=True, slots=True)
class StopStep:
    name: str
    part: Stoppable
    most: float | None = None  # at most this many seconds of the budget, else whatever is left


@dataclass(frozen=True, slots=True)
class StopReport:
    """How the stop went: which steps did not end in time, and how long it took (clock seconds)."""

    left_behind: tuple[str, ...]
    took: float

    @property
    def clean(self) -> bool:
        return not self.left_behind


def stop_within(steps: Sequence[StopStep], budget: float = QUIT_BUDGET_S, clock: Clock = time.monotonic) -> StopReport:
    """Tell every step to stop, then wait for each in order against one deadline `budget` seconds away."""
    started = clock()
    deadline = started + budget
    for step in steps:
        try:
            step.part.begin_stop()
        except Exception:  # one part failing to stop must not keep the others running
            log.exception("stopping %s failed", step.name)
    left: list[str] = []
    for step in steps:
        remaining = max(0.0, deadline - clock())
        if step.most is not None:
            remaining = min(remaining, step.most)
        try:
            ended = step.part.wait_stopped(remaining)
        except Exception:
            log.exception("waiting for %s to stop failed", step.name)
            ended = False
        if not ended:
            left.append(step.name)
            log.warning("%s did not stop within the quit budget; left behind", step.name)
    return StopReport(tuple(left), clock() - started)


class Stopping:
    """A `Stoppable` made of two functions (for parts whose own API says it differently)."""

    def __init__(self, begin: Callable[[], None], wait: Callable[[float], bool]) -> None:
        self._begin = begin
        self._wait = wait

    def begin_stop(self) -> None:
        self._begin()

    def wait_stopped(self, seconds: float) -> bool:
        return self._wait(seconds)
