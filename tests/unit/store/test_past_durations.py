"""`JobStore.past_durations` (one bounded query) learns what reading every job learned: the ETA's histories and the
pollers' seed, on a store of a few hundred jobs with archived, not_found, zero-length and out-of-order endings."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.core.durations import DurationHistory, DurationModel
from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.engine.etas import histories, learned_history
from desktop_app.engine.supervisor import past_durations
from desktop_app.store.database import Store

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _old_supervisor_durations(jobs: list[Job], account: str) -> list[float]:
    """What `engine.supervisor.past_durations` returned before: every job read, in creation order."""
    return [
        (job.finished_at - job.created_at).total_seconds()
        for job in jobs
        if job.account == account and job.finished_at is not None and job.state is not JobState.NOT_FOUND
    ]


def _fill(folder: Path) -> None:
    """'big': 300 jobs (more ended than a history keeps), 'small': 60; jobs overlap, so ends come out of creation
    order; some archived, some not_found, some ended the moment they were added, a few still open."""
    rng = random.Random(21)  # noqa: S311 - a repeatable test workload, not a secret
    clock = Clock(START)
    with Store(folder, clock=clock) as store:
        accounts = [
            store.accounts.add(Account(name=name, provider="pdfco", key_source=KeySource.ENV, key_env="K"))
            for name in ("big", "small")
        ]
        # (end time, row id, state): jobs are added one a minute and end 1-90 minutes later.
        plans: list[tuple[datetime, int, JobState]] = []
        for n in range(360):
            account = accounts[0] if n % 6 else accounts[1]
            clock.now = START + timedelta(minutes=n)
            job, _ = store.jobs.add(account, f"job-{n}")
            store.jobs.record_status(job.id, Status(job.job_id, JobState.RUNNING, "working"))
            roll = rng.random()
            if roll < 0.03:
                continue  # still open
            if roll < 0.06:
                store.jobs.record_status(job.id, Status(job.job_id, JobState.SUCCEEDED, "at once"))  # 0 s
                continue
            state = JobState.NOT_FOUND if roll < 0.12 else JobState.FAILED if roll < 0.2 else JobState.SUCCEEDED
            plans.append((clock.now + timedelta(seconds=rng.uniform(60, 5400)), job.id, state))
        for end, row_id, state in sorted(plans):
            clock.now = end
            job = store.jobs.get(row_id)
            store.jobs.record_status(row_id, Status(job.job_id, state, state.value))
            if rng.random() < 0.3:
                store.jobs.set_archived(row_id)


def test_the_bounded_query_learns_what_reading_every_job_learned(tmp_path: Path) -> None:
    _fill(tmp_path)
    with Store(tmp_path) as store:
        every_job = store.jobs.all(include_archived=True)
        before = histories(every_job)
        for name in ("big", "small"):
            after = learned_history(store, name)
            assert after.durations() == before[name].durations()  # the same floats, in the same order
            assert list(after.durations()) == past_durations(store, name)
        assert len(before["big"]) == DurationHistory().per_key  # the limit mattered: more had ended
        assert any(job.archived and job.finished_at for job in every_job if job.account == "big")

        # The pollers' seed was read in creation order; where an account's ends fit in a history (small) the set is
        # the same, so is what a poller learns from it. Where more ended (big), it now keeps the newest *ends*, as
        # a running poller and the ETA do, instead of the ends of the newest *created* jobs.
        old_small = _old_supervisor_durations(every_job, "small")
        assert 0.0 in old_small  # jobs ended the moment they were added: the poller's history ignored them
        assert sorted(d for d in old_small if d > 0) == sorted(past_durations(store, "small"))
        assert DurationModel.fit(old_small) == DurationModel.fit(past_durations(store, "small"))


def test_an_account_without_endings_or_unknown_learns_nothing(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        account = store.accounts.add(Account(name="new", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
        store.jobs.add(account, "open-1")
        assert store.jobs.past_durations("new", newest=200) == []
        assert store.jobs.past_durations("nobody", newest=200) == []
        assert past_durations(store, "new") == []
