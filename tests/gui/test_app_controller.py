"""AppController on a real store, without workers: how results reach the model and the tray."""

from __future__ import annotations

from pathlib import Path

import pytest

import desktop_app.app.run as app_module
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.engine.results import CheckResult
from desktop_app.store.database import Store
from tests.support.notifier import QuietNotifier


@pytest.fixture
def controller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    store = Store(tmp_path / "data")
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_BENCH_KEY"))
    for n in range(3):
        store.jobs.add(account, f"job-{n}")
    controller = app_module.AppController(store, show_tray=False, notifier=QuietNotifier())
    controller.reload(with_accounts=False)  # the jobs into the model and the tray, as at start
    yield controller
    controller.shutdown()
    store.close()


def test_a_burst_of_results_updates_the_tray_once_with_the_latest_jobs(controller, qtbot) -> None:
    calls: list[int] = []
    set_jobs = controller.tray.set_jobs
    controller.tray.set_jobs = lambda jobs: (calls.append(len(jobs)), set_jobs(jobs))
    for progress in range(20):  # like a worker's results arriving faster than the tray needs to know
        statuses = [Status(f"job-{n}", JobState.RUNNING, "working", float(progress)) for n in range(2)]
        controller.polling.record(CheckResult("acme", ("job-0", "job-1"), tuple(statuses)))
    controller.polling.record(CheckResult("acme", ("job-2",), (Status("job-2", JobState.SUCCEEDED, "success"),)))
    assert controller.model.job(3).state == JobState.SUCCEEDED  # the model at once
    assert calls == []  # the tray a moment later, once
    qtbot.waitUntil(lambda: calls == [3], timeout=2000)
    qtbot.wait(app_module.TRAY_UPDATE_MS * 3)
    assert calls == [3]
    assert controller.tray.icon.toolTip() == "JobTray: 2 running, 1 ended"


def test_user_actions_update_the_tray_at_once(controller) -> None:
    controller.remove_jobs([1])
    assert controller.tray.icon.toolTip() == "JobTray: 2 running"


def test_start_shows_the_jobs_first_and_starts_the_workers_in_the_event_loop(controller, qtbot) -> None:
    controller.model.sync([])
    controller.start()
    assert controller.model.rowCount() == 3  # what the tray and window show is there at once
    assert controller.polling.supervisor.runs() == []  # workers (requests, keyring) wait for the event loop
    qtbot.waitUntil(lambda: controller.polling.run("acme") is not None, timeout=2000)
    # Its key variable is not set: no worker, and the account's error is recorded on its open jobs.
    assert not controller.polling.run("acme").polling
    assert controller.store.accounts.last_error("acme")
