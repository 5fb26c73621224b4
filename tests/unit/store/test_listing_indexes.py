"""Schema 7: the tray's start reads indexes, not every job (issue 19: start-up at 100,000 jobs within 1.3x of 1,000).

Each query is traced as it runs on a real store and its plan asked of SQLite: a plain `SCAN jobs` is a read of
every row of the table, which is what made the tray start 0.1 s later at 100,000 jobs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store.database import Store


def _store_with_jobs(folder: Path) -> Store:
    store = Store(folder)
    account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
    states = [JobState.SUCCEEDED, JobState.FAILED, JobState.RUNNING, JobState.CANCELLED, JobState.NOT_FOUND]
    for n in range(40):
        job, _ = store.jobs.add(account, f"JOB-{n:04d}")
        store.jobs.record_status(job.id, Status(job.job_id, states[n % len(states)], provider_status="x"))
        if n % 7 == 0:
            store.jobs.set_archived(job.id)
    return store


def _plans(store: Store, call: Callable[[], Any]) -> list[str]:
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        store.conn.set_trace_callback(None)
    plans = []
    for sql in statements:
        if sql.lstrip().upper().startswith("SELECT"):
            plans += [str(row[3]) for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
    assert plans, statements
    return plans


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda store: store.jobs.for_tray(15), id="for_tray"),
        pytest.param(lambda store: store.jobs.counts_by_state(), id="counts_by_state"),
        pytest.param(lambda store: store.jobs.ids_by_state(), id="ids_by_state"),
        pytest.param(lambda store: store.jobs.past_durations("work", 200), id="past_durations"),
    ],
)
def test_the_trays_reads_at_start_read_an_index_not_every_job(tmp_path: Path, read: Callable[[Store], Any]) -> None:
    with _store_with_jobs(tmp_path) as store:
        plans = _plans(store, lambda: read(store))
    table_scans = [plan for plan in plans if plan in ("SCAN jobs", "SCAN j")]
    assert table_scans == [], plans


def test_counts_by_state_counts_what_ids_by_state_lists(tmp_path: Path) -> None:
    with _store_with_jobs(tmp_path) as store:
        counts, highest = store.jobs.counts_by_state()
        ids = store.jobs.ids_by_state()
        assert counts == {state: len(rows) for state, rows in ids.items()}
        assert highest == max(max(rows) for rows in ids.values())
        assert sum(counts.values()) == 40 - 6  # rows 0, 7, ..., 35 archived


def test_an_empty_store_counts_nothing(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        assert store.jobs.counts_by_state() == ({}, 0)


def test_the_indexes_arrive_by_migration_on_an_older_store(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.conn.execute("DROP INDEX jobs_state_updated")
        store.conn.execute("DROP INDEX jobs_updated")
        store.conn.execute("DROP INDEX jobs_account_finished")
        store.conn.execute("PRAGMA user_version = 6")
    with Store(tmp_path) as store:
        names = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"jobs_state_updated", "jobs_updated", "jobs_account_finished"} <= names
    conn = sqlite3.connect(tmp_path / "jobtray.sqlite3")
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 7
    finally:
        conn.close()
