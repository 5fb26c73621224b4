"""engine/etas.py and `list --json`: ETAs from the store's ended jobs, on an injected clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.cli.eta import with_etas
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.engine.etas import job_etas
from desktop_app.store.database import Store
from tests.support.cli import run_cli


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _fill(folder: Path, start: datetime) -> tuple[Clock, int, int]:
    """An account with ten ended jobs of 9-11 min, one running job on it, and one on an account without history."""
    clock = Clock(start)
    with Store(folder, clock=clock) as store:
        acme = store.accounts.add(Account(name="acme", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
        new = store.accounts.add(Account(name="new", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
        for n in range(10):
            clock.now = start + timedelta(hours=n)
            job, _ = store.jobs.add(acme, f"done-{n}")
            store.jobs.record_status(job.id, Status(job.job_id, JobState.RUNNING, "working"))
            clock.now += timedelta(seconds=540 + 12 * n)
            store.jobs.record_status(job.id, Status(job.job_id, JobState.SUCCEEDED, "success"))
        clock.now = start + timedelta(hours=20)
        running, _ = store.jobs.add(acme, "running-1")
        store.jobs.record_status(running.id, Status("running-1", JobState.RUNNING, "working"))
        other, _ = store.jobs.add(new, "running-2")
        store.jobs.record_status(other.id, Status("running-2", JobState.RUNNING, "working"))
        return clock, running.id, other.id


def test_running_jobs_of_an_account_with_history_get_a_range(tmp_path: Path) -> None:
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    clock, running, other = _fill(tmp_path, start)
    clock.now += timedelta(minutes=2)
    with Store(tmp_path, clock=clock) as store:
        etas = job_etas(store.jobs.all(include_archived=True), clock.now)
        rows = {r["job_id"]: r for r in with_etas(store, store.jobs.all(), now=clock)}
    assert other not in etas
    low, high = etas[running]
    started = start + timedelta(hours=20)
    assert started + timedelta(minutes=8) < low < high < started + timedelta(minutes=13)
    assert rows["running-1"]["eta_low"] is not None and rows["running-1"]["eta_high"] is not None
    assert datetime.fromisoformat(rows["running-1"]["eta_low"]) == low.replace(
        microsecond=low.microsecond // 1000 * 1000
    )
    assert rows["running-2"]["eta_low"] is None and rows["running-2"]["eta_high"] is None
    assert rows["done-0"]["eta_low"] is None  # ended jobs have none


def test_list_json_carries_eta_fields(data_dir: Path) -> None:
    # The jobs were added moments ago on the wall clock (an ETA with no history is null either way).
    now = datetime.now(UTC)
    _fill(data_dir, now - timedelta(hours=20, seconds=30))
    code, out, err = run_cli("list", "--json")
    assert code == 0, err
    rows = {r["job_id"]: r for r in json.loads(out)}
    assert set(rows["running-1"]) >= {"eta_low", "eta_high"}
    assert rows["running-1"]["eta_low"] is not None
    assert datetime.fromisoformat(rows["running-1"]["eta_low"]) < datetime.fromisoformat(rows["running-1"]["eta_high"])
    assert rows["running-2"]["eta_low"] is None
