"""The tray's job index (ui/job_index.py) says what a pass over every job says: the same icon, tooltip and menu
after any sequence of changes, at the cost of the rows that changed (issue 19: ~100 ms per change at 100,000
jobs)."""

from __future__ import annotations

import random
from datetime import timedelta

from desktop_app.core.model import Job, JobState
from desktop_app.ui.job_index import JobIndex
from desktop_app.ui.tray import _menu_rank, recent_jobs, summarize
from tests.factories import T0, make_job

STATES = list(JobState)


def _random_job(rng: random.Random, row_id: int) -> Job:
    state = rng.choice(STATES)
    return make_job(
        row_id,
        state,
        progress=rng.choice([None, 10.0, 55.0]),
        account=rng.choice(["acme", "other"]),
        updated_at=T0 + timedelta(seconds=rng.randint(0, 10_000)),
        archived=rng.random() < 0.1,
        acknowledged_at=T0 if rng.random() < 0.3 else None,
    )


def test_an_index_kept_row_by_row_says_what_a_full_pass_says() -> None:
    rng = random.Random(19)  # noqa: S311 - a reproducible sequence, not a secret
    jobs: dict[int, Job] = {n: _random_job(rng, n) for n in range(1, 300)}
    index = JobIndex(jobs.values())
    for step in range(2_000):
        row_id = rng.randint(1, 400)
        if rng.random() < 0.2:
            jobs.pop(row_id, None)
            index.remove([row_id])
        else:
            jobs[row_id] = _random_job(rng, row_id)
            index.update([jobs[row_id]])
        if step % 50 == 0:
            every = list(jobs.values())
            for problems in ((), ("other",)):
                assert summarize(index, None, T0, problems) == summarize(every, None, T0, problems)
            # Equal ranks (the same state group and update time) may come in either order.
            assert [_menu_rank(j) for j in recent_jobs(index)] == [_menu_rank(j) for j in recent_jobs(every)]
    assert index.heap_size <= 2 * index.done_count + 64 + 1  # stale heap entries never pile up


def test_the_most_recent_endings_come_newest_first_and_survive_reading() -> None:
    index = JobIndex(make_job(n, JobState.SUCCEEDED) for n in range(1, 50))
    assert [job.id for job in index.recently_done(3)] == [49, 48, 47]
    assert [job.id for job in index.recently_done(3)] == [49, 48, 47]
    index.remove([49])
    assert [job.id for job in index.recently_done(2)] == [48, 47]
