"""Failures that alarm until acknowledged, and the one reminder of an old one (issue 21). Pure; `now` is given.

A failed (or lost) job keeps the tray icon in its failure state until the user acknowledges it (a click on the
notification, "Acknowledge" in the menu or the window, `jobtray ack`); a new state of the job is a new alarm. An
unacknowledged failure is told once more after `GlobalSettings.renotify_hours` (24 h by default; 0: never).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from desktop_app.core.model import Job, JobState

# The endings that alarm: the job did not do its work. A cancellation was someone's choice.
ALARMING_STATES = frozenset({JobState.FAILED, JobState.NOT_FOUND})


def is_alarming(job: Job) -> bool:
    """A failure nobody has acknowledged yet (archived jobs are out of sight, and out of mind)."""
    return job.state in ALARMING_STATES and job.acknowledged_at is None and not job.archived


def renotify_due(job: Job, now: datetime, after_hours: float) -> bool:
    """Whether this failure should be told once more now: still alarming, not told again yet, and older than
    `after_hours` (0: never)."""
    if after_hours <= 0 or not is_alarming(job) or job.renotified_at is not None:
        return False
    ended = job.finished_at or job.updated_at
    return now - ended >= timedelta(hours=after_hours)


def next_renotify(jobs: Iterable[Job], after_hours: float) -> datetime | None:
    """When the earliest reminder of these jobs falls due (for a timer), None when none will."""
    if after_hours <= 0:
        return None
    times = [
        (job.finished_at or job.updated_at) + timedelta(hours=after_hours)
        for job in jobs
        if is_alarming(job) and job.renotified_at is None
    ]
    return min(times, default=None)
