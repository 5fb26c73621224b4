"""Retry-After header values (RFC 9110: delay-seconds or an HTTP date) as seconds from now.

Only what the RFC allows is read: ASCII digits, or an HTTP date. Anything else ("\\xb2", which `str.isdigit`
accepts, "1e9", "-5", "5.0") is ignored. No server gets to park an account for more than an hour.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_RETRY_AFTER = 3600.0  # a server asking for more than an hour is capped, not obeyed

_DELAY_SECONDS = re.compile(r"[0-9]+")  # ASCII only: `\d` and str.isdigit() accept other scripts' digits
_MAX_DIGITS = 12  # more digits than this is far beyond the cap anyway; int() of huge strings is slow or refused


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait (0 to MAX_RETRY_AFTER), or None when the header is absent or not a valid value."""
    if value is None:
        return None
    text = value.strip(" \t")
    if not text:
        return None
    if _DELAY_SECONDS.fullmatch(text):
        if len(text.lstrip("0")) > _MAX_DIGITS:
            return MAX_RETRY_AFTER
        return min(float(int(text)), MAX_RETRY_AFTER)
    if not text.isascii():
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        seconds = (when - now).total_seconds()
    except OverflowError:
        return None
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
