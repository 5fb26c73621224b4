"""With as much work in flight as the runner allows, a row that is due but cannot start yet does not have the pump
re-arm itself every 50 ms (a busy loop on the GUI thread): the next pump comes when a work ends (its wake) or at
the lease renewal."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app.outbox_pump import OutboxPump
from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.engine.outbox import MAX_PARALLEL, Work, WorkResult
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction, OutboxRow

pytestmark = pytest.mark.gui


class _Held:
    def __init__(self, gate: threading.Event) -> None:
        self._gate = gate

    def run(self) -> WorkResult:
        self._gate.wait(30)
        return WorkResult("done", outcome="sent")

    def stop(self, grace: float) -> None:
        self._gate.set()


def test_a_full_runner_waits_for_a_wake_not_a_busy_timer(qtbot: QtBot, tmp_path: Path) -> None:
    gate = threading.Event()
    with Store(tmp_path / "d") as store:
        account = store.accounts.add(Account(name="work", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
        job, _ = store.jobs.add(account, "J1")
        with store.jobs.transaction():
            store.jobs.record_status(job.id, Status("J1", JobState.SUCCEEDED, "success", 100.0))
            store.outbox.add_actions(job.id, [OutboxAction("forward", f"t{n}") for n in range(MAX_PARALLEL + 1)])
        pump = OutboxPump(store, config_for=lambda _name: None)

        def held(row: OutboxRow, job: Job) -> Work:
            return _Held(gate)

        pump.runner.register("forward", held)
        try:
            pump.start()
            assert pump.in_flight == MAX_PARALLEL
            assert pump._timer.isActive()
            assert pump._timer.interval() >= int(pump.runner.lease_seconds / 4 * 1000)
        finally:
            gate.set()
            qtbot.waitUntil(
                lambda: pump.in_flight == 0 and not store.outbox.for_job(job.id, ("pending",)), timeout=10_000
            )
            pump.begin_stop()
            pump.wait_stopped(2.0)
