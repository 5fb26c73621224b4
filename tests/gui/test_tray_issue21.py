"""The tray's parts for issue 21, on a real store: FailureAlarms (acknowledge from any view, the one reminder after
renotify-hours on an injected clock), EtaDisplay (likely ends into the model and the tray), TrayForwarding (the
Settings page's add, remove and Test against a real receiver)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from desktop_app.app.alarms import FailureAlarms
from desktop_app.app.etas import EtaDisplay
from desktop_app.app.forwarding import TrayForwarding
from desktop_app.app.state import AppState
from desktop_app.core.alarms import is_alarming
from desktop_app.core.forwarding import ForwardTarget, UrlSource
from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.engine.results import CheckResult
from desktop_app.store.database import Store
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.tray import TrayIcon
from tests.support.receiver import Receiver, receiving


class FakeNotifier(QObject):
    acknowledge_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.reminded: list[str] = []

    def remind_failure(self, job: Job) -> None:
        self.reminded.append(job.job_id)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    with Store(data_dir) as opened:
        yield opened


def _failed(store: Store, job_id: str) -> Job:
    account = (
        store.accounts.all()[0]
        if store.accounts.all()
        else store.accounts.add(Account(name="acme", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    )
    job, _ = store.jobs.add(account, job_id)
    store.jobs.record_status(job.id, Status(job_id, JobState.FAILED, "error", message="boom"))
    return store.jobs.get(job.id)


def test_acknowledge_from_a_notification_writes_it_and_refreshes_the_row(qtbot: QtBot, store: Store) -> None:
    job = _failed(store, "bad-1")
    model, state, notifier = JobTableModel(), AppState(), FakeNotifier()
    model.sync([job])
    alarms = FailureAlarms(store, model, state, notifier, renotify_hours=lambda: 24.0)
    with qtbot.waitSignal(state.jobs_changed) as touched:
        notifier.acknowledge_requested.emit(job.id)
    assert touched.args == [frozenset({job.id})]
    assert store.jobs.get(job.id).acknowledged_at is not None
    shown = model.job(job.id)
    assert shown is not None and not is_alarming(shown)
    alarms.acknowledge([job.id])  # twice: nothing more to do, no error


def test_an_unacknowledged_failure_is_reminded_once_after_the_setting(qtbot: QtBot, store: Store) -> None:
    job = _failed(store, "bad-2")
    assert job.finished_at is not None
    clock = Clock(job.finished_at + timedelta(hours=23))
    model, state, notifier = JobTableModel(), AppState(), FakeNotifier()
    model.sync([job])
    alarms = FailureAlarms(store, model, state, notifier, renotify_hours=lambda: 24.0, clock=clock)
    alarms.remind_due()
    assert notifier.reminded == []
    assert alarms._timer.isActive() and alarms._timer.interval() == 3_600_000  # armed: the reminder is an hour away
    clock.now += timedelta(hours=1, seconds=1)
    alarms.remind_due()
    alarms.remind_due()
    assert notifier.reminded == ["bad-2"]
    assert store.jobs.get(job.id).renotified_at is not None
    assert not alarms._timer.isActive()  # nothing left to remind of


def test_etas_reach_the_model_and_the_tray(qtbot: QtBot, store: Store) -> None:
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    clock = Clock(start)
    timed = Store(store.folder, clock=clock)
    account = timed.accounts.add(Account(name="acme", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    for n in range(10):
        clock.now = start + timedelta(hours=n)
        done, _ = timed.jobs.add(account, f"done-{n}")
        timed.jobs.record_status(done.id, Status(done.job_id, JobState.RUNNING, "working"))
        clock.now += timedelta(seconds=300 + 6 * n)
        timed.jobs.record_status(done.id, Status(done.job_id, JobState.SUCCEEDED, "ok"))
    clock.now = start + timedelta(hours=20)
    running, _ = timed.jobs.add(account, "running")
    timed.close()
    clock.now += timedelta(minutes=1)
    model, state, tray = JobTableModel(clock=clock), AppState(), TrayIcon(clock=clock)
    model.sync(store.jobs.all())
    display = EtaDisplay(store, model, state, tray, clock=clock)
    display.refresh()
    assert running.id in model._etas and running.id in tray._etas
    low, high = model._etas[running.id]
    assert clock.now < low < high < clock.now + timedelta(minutes=10)
    assert display._timer.isActive()  # refreshed again while a job is open

    # The provider's own estimate (encoding.com's time_left) narrows it.
    display.note_result(CheckResult("acme", ("running",), (Status("running", JobState.RUNNING, "x", eta_seconds=60),)))
    display.refresh()
    narrow_low, narrow_high = model._etas[running.id]
    assert narrow_high - narrow_low < high - low


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving("ok") as r:
        yield r


def test_the_settings_page_adds_tests_and_removes_targets(qtbot: QtBot, store: Store, receiver: Receiver) -> None:
    problems: list[str] = []
    forwarding = TrayForwarding(store, problems.append, environ={"PHONE": f"ntfy://127.0.0.1:{receiver.port}/t"})
    forwarding.add(ForwardTarget("phone", UrlSource.ENV, url_env="PHONE"), None)
    assert forwarding.problems() == []
    assert TrayForwarding(store, problems.append, environ={}).problems() == [
        "forward 'phone': environment variable PHONE is not set"
    ]
    assert [t.name for t in forwarding.targets()] == ["phone"]
    with qtbot.waitSignal(forwarding.tested, timeout=10_000) as tested:
        forwarding.test("phone")
    assert tested.args == ["phone", None]
    assert receiver.wait_for(1)[0].body["title"] == "JobTray test"
    unset = TrayForwarding(store, problems.append, environ={})
    with qtbot.waitSignal(unset.tested) as missing:
        unset.test("phone")
    assert "PHONE is not set" in missing.args[1]
    forwarding.remove("phone")
    assert forwarding.targets() == []
