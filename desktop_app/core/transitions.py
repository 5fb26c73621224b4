"""Old state + new status -> the events worth telling the user about."""

from __future__ import annotations

import enum

from desktop_app.core.model import JobState


class Event(enum.StrEnum):
    """What happened to a job, from the user's point of view."""

    STARTED = "started"  # left the queue
    FINISHED = "finished"
    PARTLY_FINISHED = "partly_finished"
    FAILED = "failed"
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"
    REOPENED = "reopened"  # a terminal job reported as running again (a provider re-run)


_ENDINGS: dict[JobState, Event] = {
    JobState.SUCCEEDED: Event.FINISHED,
    JobState.PARTIAL: Event.PARTLY_FINISHED,
    JobState.FAILED: Event.FAILED,
    JobState.CANCELLED: Event.CANCELLED,
    JobState.NOT_FOUND: Event.NOT_FOUND,
}


def events_for(old: JobState, new: JobState) -> tuple[Event, ...]:
    """The events a change from `old` to `new` produces; empty when nothing worth saying happened."""
    if old == new:
        return ()
    if new.is_terminal:
        return (_ENDINGS[new],)
    if old.is_terminal:
        return (Event.REOPENED,)
    if old == JobState.QUEUED and new == JobState.RUNNING:
        return (Event.STARTED,)
    return ()
