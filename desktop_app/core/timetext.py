"""Times as people read them: "3 min ago" in a cell or a menu, the full local date and time in its tooltip.

Every function takes `now` from its caller (an injected clock), so what a view shows is testable without the wall
clock.
"""

from __future__ import annotations

from datetime import datetime


def relative_time(when: datetime, now: datetime) -> str:
    """`just now`, `3 min ago`, `2 h ago`, `yesterday`, `4 days ago`, then the local date (`2026-11-02`).

    A time slightly in the future (another machine's clock) reads as `just now`.
    """
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = (now.astimezone().date() - when.astimezone().date()).days
    if days <= 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return when.astimezone().strftime("%Y-%m-%d")


def full_time(when: datetime) -> str:
    """The local date and time with the weekday and zone: `Sun 2026-11-22 13:00:05 CET`."""
    local = when.astimezone()
    return local.strftime("%a %Y-%m-%d %H:%M:%S %Z").strip()


def duration_text(seconds: float) -> str:
    """`42s`, `3m 05s`, `2h 07m`, `1d 4h`."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"
