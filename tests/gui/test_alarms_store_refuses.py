"""A failure's reminder that cannot be noted (the database busy or refusing writes) is tried again later, not at
once: re-arming for a reminder already due used to fire the timer again right away, a busy loop on the GUI thread
that logged a traceback each turn for as long as the database refused."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app.alarms import RETRY_MS, FailureAlarms
from desktop_app.app.state import AppState
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store.database import Store
from desktop_app.store.db import DB_FILENAME
from desktop_app.ui.job_model import JobTableModel
from tests.gui.test_tray_issue21 import Clock, FakeNotifier

pytestmark = pytest.mark.gui


def test_a_reminder_the_store_refuses_is_tried_again_later(qtbot: QtBot, data_dir: Path) -> None:
    with Store(data_dir, busy_timeout_ms=0) as store:
        account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="K"))
        job, _ = store.jobs.add(account, "bad")
        store.jobs.record_status(job.id, Status("bad", JobState.FAILED, "error", message="boom"))
        job = store.jobs.get(job.id)
        assert job.finished_at is not None
        model, state, notifier = JobTableModel(), AppState(), FakeNotifier()
        model.sync([job])
        clock = Clock(job.finished_at + timedelta(hours=25))
        alarms = FailureAlarms(store, model, state, notifier, renotify_hours=lambda: 24.0, clock=clock)  # type: ignore[arg-type]
        other = sqlite3.connect(data_dir / DB_FILENAME, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        try:
            alarms.remind_due()
            assert notifier.reminded == []
            assert alarms._timer.isActive() and alarms._timer.interval() == RETRY_MS
        finally:
            other.execute("ROLLBACK")
            other.close()
        alarms.remind_due()  # the retry, once the lock is gone
        assert notifier.reminded == ["bad"]
        assert not alarms._timer.isActive()
