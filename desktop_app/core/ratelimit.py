"""Per-account request budgets: `N/s` or `N/min` strings and a token bucket on an injected clock."""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop_app.core.errors import ConfigError

_RATE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*", re.IGNORECASE)
_UNIT_SECONDS = {
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "h": 3600.0,
    "hour": 3600.0,
}


@dataclass(frozen=True, slots=True)
class RateLimit:
    """`count` requests per `period` seconds."""

    count: float
    period: float

    @property
    def per_second(self) -> float:
        return self.count / self.period

    def __str__(self) -> str:
        count = f"{self.count:g}"
        return f"{count}/s" if self.period == 1.0 else f"{count}/min" if self.period == 60.0 else f"{count}/h"


def parse_rate_limit(text: str) -> RateLimit:
    """`10/s`, `45/min`, `1000/h`; ConfigError otherwise."""
    match = _RATE.fullmatch(text)
    if not match:
        raise ConfigError(f"rate limit {text!r} is not like 10/s or 45/min")
    count = float(match.group(1))
    if count <= 0 or count > 10_000:
        raise ConfigError(f"rate limit {text!r} must be above 0 and at most 10000")
    return RateLimit(count, _UNIT_SECONDS[match.group(2).lower()])


class TokenBucket:
    """`rate` tokens a second, holding at most `capacity`. Time comes from the caller.

    The default capacity of one spaces requests at least 1/rate apart, so any window of the limit's period holds at
    most `count` requests: the strict reading of "N per period" that a provider may enforce with a sliding window.
    """

    def __init__(self, limit: RateLimit, now: float, capacity: float = 1.0, tokens: float | None = None) -> None:
        self.rate = limit.per_second
        self.capacity = max(1.0, capacity)
        self._tokens = self.capacity if tokens is None else min(max(tokens, 0.0), self.capacity)
        self._updated = now

    def tokens(self, now: float) -> float:
        """Tokens available at `now` (to carry the bucket over to another process)."""
        self._refill(now)
        return self._tokens

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def try_take(self, now: float, tokens: float = 1.0) -> bool:
        self._refill(now)
        if self._tokens >= tokens:
            self._tokens -= tokens
            return True
        return False

    def wait_time(self, now: float, tokens: float = 1.0) -> float:
        """Seconds until `tokens` are available (0 when they are now)."""
        self._refill(now)
        missing = tokens - self._tokens
        return 0.0 if missing <= 0 else missing / self.rate
