"""EtaDisplay on a store of 10,000 jobs: learning an open job's account reads a bounded number of rows, never every
job, and an ending seen by the tray updates what was learned without reading the store again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import desktop_app.store.jobs as jobs_module
from desktop_app.app.etas import EtaDisplay
from desktop_app.app.state import AppState
from desktop_app.core.model import Account, KeySource, Status
from desktop_app.core.model import JobState as S
from desktop_app.engine.etas import etas_for, histories
from desktop_app.store.clock import to_text
from desktop_app.store.database import Store
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.tray import TrayIcon

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
ENDED = 10_000


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the `Job` objects the store builds from rows (each row read as a whole job is one)."""
    count = [0]
    real: Callable[..., object] = jobs_module._job

    def counting(row: object) -> object:
        count[0] += 1
        return real(row)

    monkeypatch.setattr(jobs_module, "_job", counting)
    yield count


def _big_store(folder: Path, clock: Clock) -> Store:
    """10,000 ended jobs of 5-7 min on one account (inserted in bulk), then one running job."""
    store = Store(folder, clock=clock)
    account = store.accounts.add(Account(name="acme", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    rows = []
    for n in range(ENDED):
        created = START + timedelta(minutes=10 * n)
        finished = created + timedelta(seconds=300 + n % 120)
        rows.append((account.id, f"done-{n}", "succeeded", "success", to_text(created), to_text(finished)))
    with store.jobs.transaction():
        store.conn.executemany(
            "INSERT INTO jobs (account_id, job_id, state, provider_status, created_at, updated_at, finished_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(a, j, s, p, c, f, f) for a, j, s, p, c, f in rows],
        )
    clock.now = START + timedelta(minutes=10 * ENDED + 5)
    running, _ = store.jobs.add(account, "running")
    store.jobs.record_status(running.id, Status("running", S.RUNNING, "working"))
    return store


def test_an_open_job_does_not_make_the_tray_read_every_job(qtbot: QtBot, data_dir: Path, built: list[int]) -> None:
    clock = Clock(START)
    store = _big_store(data_dir, clock)
    try:
        clock.now += timedelta(minutes=1)
        model, state, tray = JobTableModel(clock=clock), AppState(), TrayIcon(clock=clock)
        model.sync(store.jobs.open_jobs())  # what the tray's menu holds: the open job
        display = EtaDisplay(store, model, state, tray, clock=clock)
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        built[0] = 0

        display.refresh()
        running = store.jobs.find_one("running")
        assert running.id in tray._etas  # learned from the account's history
        assert built[0] <= 1  # the find_one above; learning built no Job from the 10,000 rows
        assert any("LIMIT" in sql for sql in statements)  # one bounded query

        # The same ranges as learning from every job would give.
        built[0] = 0
        every = histories(store.jobs.all(include_archived=True))
        assert built[0] == ENDED + 1  # (what the old refresh did at every ending)
        assert tray._etas == etas_for([running], every, clock.now)

        # An ending the tray records is learned from the change itself: the next refresh reads nothing.
        other, _ = store.jobs.add(store.accounts.all()[0], "other")
        store.jobs.record_status(other.id, Status("other", S.RUNNING, "working"))
        clock.now += timedelta(seconds=400)
        change = store.jobs.record_status(other.id, Status("other", S.SUCCEEDED, "success"))
        assert change is not None
        model.sync(store.jobs.open_jobs())
        statements.clear()
        built[0] = 0
        state.statuses_changed([change])
        display.refresh()
        assert statements == [] and built[0] == 0
        every = histories(store.jobs.all(include_archived=True))
        assert tray._etas == etas_for([running], every, clock.now)
    finally:
        store.conn.set_trace_callback(None)
        store.close()


def test_an_ended_job_that_changes_again_rereads_only_its_account(qtbot: QtBot, data_dir: Path) -> None:
    """A job already ended that the provider now calls not_found no longer counts: its account is read again (one
    bounded query), and the ranges are those learning from every job gives."""
    clock = Clock(START)
    with Store(data_dir, clock=clock) as store:
        acme = store.accounts.add(Account(name="acme", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
        ended = []
        for n in range(12):
            clock.now = START + timedelta(hours=n)
            job, _ = store.jobs.add(acme, f"done-{n}")
            clock.now += timedelta(seconds=300 + (600 if n == 11 else 6 * n))  # the last one ran long
            store.jobs.record_status(job.id, Status(job.job_id, S.SUCCEEDED, "ok"))
            ended.append(job)
        clock.now = START + timedelta(hours=20)
        running, _ = store.jobs.add(acme, "running")
        clock.now += timedelta(minutes=1)
        model, state, tray = JobTableModel(clock=clock), AppState(), TrayIcon(clock=clock)
        model.sync(store.jobs.open_jobs())
        display = EtaDisplay(store, model, state, tray, clock=clock)
        display.refresh()
        first = dict(tray._etas)

        change = store.jobs.record_status(ended[-1].id, Status("done-11", S.NOT_FOUND, "gone"))
        assert change is not None and change.old_state is S.SUCCEEDED
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        try:
            state.statuses_changed([change])
            display.refresh()
        finally:
            store.conn.set_trace_callback(None)
        assert len(statements) == 1 and "LIMIT" in statements[0]
        assert tray._etas == etas_for([running], histories(store.jobs.all(include_archived=True)), clock.now)
        assert tray._etas != first  # the long one no longer widens the range
