"""The ETA of every open job from what the store knows: its account's ended jobs and the job's own progress.

What `list --json` prints and the tray shows; the pure part is `core/eta.py`. A provider's own time-left figure is
not in the store (it changes with every check), so a front that holds the latest `Status` passes it in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from desktop_app.core import eta
from desktop_app.core.durations import DurationHistory
from desktop_app.core.model import Job, JobState
from desktop_app.store.database import Store

__all__ = ["etas_for", "histories", "job_etas", "learned_history"]


def learned_history(store: Store, account: str) -> DurationHistory:
    """The account's learned durations, read with one bounded query (`JobStore.past_durations`): the same
    history `histories(every job)[account]` gives, without reading every job."""
    history = DurationHistory()
    history.extend(store.jobs.past_durations(account, newest=history.per_key))
    return history


def histories(jobs: Iterable[Job]) -> dict[str, DurationHistory]:
    """Each account's learned durations from its ended jobs (finished_at - created_at, oldest end first), as the
    pollers learn them (`engine.supervisor.past_durations`): a job the provider did not know says nothing.

    Reads what it is given; with a store, `learned_history` reads only the newest ends of one account."""
    ended = sorted(
        (j for j in jobs if j.finished_at is not None and j.state is not JobState.NOT_FOUND),
        key=lambda j: j.finished_at or j.created_at,
    )
    learned: dict[str, DurationHistory] = {}
    for job in ended:
        assert job.finished_at is not None
        learned.setdefault(job.account, DurationHistory()).record((job.finished_at - job.created_at).total_seconds())
    return learned


def job_etas(
    jobs: Iterable[Job], now: datetime, time_left: Mapping[int, float] | None = None
) -> dict[int, tuple[datetime, datetime]]:
    """{job row id: (likely earliest end, likely latest end)} for the open jobs that have a basis for one.

    Args:
        jobs: every job the store holds (archived ones too: they are history), or at least the open ones and
            their accounts' ended ones.
        time_left: a provider's own estimate (seconds, as of `now`) per job row id, where a front has one.
    """
    jobs = list(jobs)
    return etas_for(jobs, histories(jobs), now, time_left)


def etas_for(
    jobs: Iterable[Job],
    learned: Mapping[str, DurationHistory],
    now: datetime,
    time_left: Mapping[int, float] | None = None,
) -> dict[int, tuple[datetime, datetime]]:
    """`job_etas` with the accounts' histories learned already (a front keeps them between refreshes)."""
    found: dict[int, tuple[datetime, datetime]] = {}
    for job in jobs:
        if job.state.is_terminal:
            continue
        history = learned.get(job.account)
        model = history.model() if history is not None else None
        age = eta.job_age(job.created_at, now)
        left = (time_left or {}).get(job.id)
        estimate = eta.estimate(age, model, time_left=left, progress=job.progress)
        if estimate is not None:
            found[job.id] = estimate.at(now)
    return found
