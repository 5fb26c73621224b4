"""The tray follows the change feed (issue 19): another process's write updates only its rows; a worker's pacing
write (a request) reads nothing and reloads nothing; a feed pruned past the tray's position makes one full reload;
the selected job's history is read again only when that job changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app.controller import AppController
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store.database import Store
from tests.support.notifier import QuietNotifier


@pytest.fixture
def tray(data_dir: Path, store: Store, qtbot: QtBot) -> Iterator[AppController]:
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_KEY_FOR_TEST"))
    for n in range(5):
        job, _ = store.jobs.add(account, f"JOB-{n}")
        store.jobs.record_status(job.id, Status(f"JOB-{n}", JobState.SUCCEEDED, "success"))  # no worker needed
    controller = AppController(store, show_tray=False, notifier=QuietNotifier())
    controller.start()
    qtbot.waitUntil(lambda: controller.polling.run("acme") is not None, timeout=3000)
    try:
        yield controller
    finally:
        controller.shutdown()


def test_an_outside_write_updates_only_its_row(tray: AppController, data_dir: Path, qtbot: QtBot) -> None:
    reloads = tray.follower.reloads
    touched: list[object] = []
    tray.state.jobs_changed.connect(touched.append)
    with Store(data_dir) as other:  # `jobtray` in a terminal
        other.jobs.set_archived(2)
        job, _ = other.jobs.add(other.accounts.get("acme"), "JOB-NEW")
        other.jobs.record_status(job.id, Status("JOB-NEW", JobState.SUCCEEDED, "success"))
    qtbot.waitUntil(lambda: tray.model.job(job.id) is not None, timeout=3000)
    assert tray.model.job(2) is None  # archived: gone from the tray
    assert tray.follower.reloads == reloads
    assert touched == [frozenset({2, job.id})]


def test_a_pacing_write_is_no_news(tray: AppController, data_dir: Path, qtbot: QtBot) -> None:
    reloads, follows = tray.follower.reloads, tray.follower.follows
    touched: list[object] = []
    tray.state.jobs_changed.connect(touched.append)
    with Store(data_dir) as other:  # what a worker's budget connection writes before each request
        other.accounts.reserve_request("acme", 1.0, 1e9)
        other.accounts.set_error("acme", other.accounts.last_error("acme"))  # unchanged: not written
    with Store(data_dir) as other:
        other.jobs.record_status(1, Status("JOB-0", JobState.FAILED, "error"))  # a marker after it
    qtbot.waitUntil(lambda: tray.model.job(1).state == JobState.FAILED, timeout=3000)
    assert tray.follower.reloads == reloads
    assert tray.follower.follows >= follows + 1
    assert touched == [frozenset({1})]


def test_a_feed_pruned_past_the_trays_position_means_one_full_reload(
    tray: AppController, data_dir: Path, qtbot: QtBot
) -> None:
    reloads = tray.follower.reloads
    with Store(data_dir) as other:
        account = other.accounts.get("acme")
        for n in range(20):
            other.jobs.add(account, f"MORE-{n}")
        other.changes.prune(keep=3)
    qtbot.waitUntil(lambda: tray.model.rowCount() == 25, timeout=3000)
    assert tray.follower.reloads == reloads + 1


def test_the_selected_jobs_history_is_read_again_only_when_it_changed(
    tray: AppController, data_dir: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    history = tray.store.jobs.history
    monkeypatch.setattr(tray.store.jobs, "history", lambda row_id: read.append(row_id) or history(row_id))
    tray.windows.select_job(3)
    assert read == [3]
    with Store(data_dir) as other:
        other.jobs.set_archived(4)
    qtbot.waitUntil(lambda: tray.model.job(4) is None, timeout=3000)
    assert read == [3]  # another job changed
    with Store(data_dir) as other:
        other.jobs.record_status(3, Status("JOB-2", JobState.FAILED, "error"))
    qtbot.waitUntil(lambda: read == [3, 3], timeout=3000)
