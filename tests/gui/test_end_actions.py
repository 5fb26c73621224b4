"""The tray after a job ends: its result saved by a download worker (real HTTP to the S3 stand-in), a failed save
retried from the menu, and settings (mute included) that survive a restart of the app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import desktop_app.app.run as app_module
from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.core.settings import AccountSettings, GlobalSettings, parse_endings
from desktop_app.engine.results import CheckResult
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.store.database import Store
from tests.support.notifier import QuietNotifier

PDF = b"%PDF-1.4 saved by the tray\n" * 100


class RecordingNotifier(QuietNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.muted_until: datetime | None = None
        self.saved: list[Job] = []
        self.not_saved: list[tuple[Job, str]] = []
        self.settings: dict[str, AccountSettings] = {}

    def set_muted_until(self, until: datetime | None) -> None:
        self.muted_until = until

    def notify_saved(self, job: Job) -> None:
        self.saved.append(job)

    def notify_not_saved(self, job: Job, reason: str) -> None:
        self.not_saved.append((job, reason))

    def set_account_settings(self, settings: object) -> None:
        self.settings = dict(settings)  # type: ignore[call-overload]


@pytest.fixture
def s3() -> Iterator[ObjectStoreServer]:
    with ObjectStoreServer() as server:
        yield server


def _controller(folder: Path) -> tuple[app_module.AppController, RecordingNotifier]:
    notifier = RecordingNotifier()
    store = Store(folder)
    return app_module.AppController(store, show_tray=False, notifier=notifier), notifier


def _stop(controller: app_module.AppController) -> None:
    controller.shutdown()
    controller.store.close()


def test_settings_and_mute_survive_a_restart(tmp_path: Path, qtbot: QtBot) -> None:
    folder = tmp_path / "data"
    with Store(folder) as store:
        store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_KEY_FOR_TEST"))
    until = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    first, _ = _controller(folder)
    first.start()
    first.preferences.set_muted_until(until)
    chosen = AccountSettings(notify=parse_endings("failed"), sound=False, save_results=str(tmp_path / "r"))
    first.after.save(GlobalSettings(muted_until=until, download_cap=1024**3), {"acme": chosen})
    _stop(first)

    second, notifier = _controller(folder)  # the app started again
    try:
        second.start()
        assert notifier.muted_until == until  # still muted
        assert second.tray._muted_until == until
        assert "Notifications muted until" in second.tray.icon.toolTip()
        assert second.after.app.download_cap == 1024**3
        assert notifier.settings["acme"] == chosen
        second.preferences.set_muted_until(None)
    finally:
        _stop(second)
    third, notifier = _controller(folder)
    try:
        third.start()
        assert notifier.muted_until is None  # unmuting is kept too
    finally:
        _stop(third)


@pytest.fixture
def saving(tmp_path: Path) -> Iterator[tuple[app_module.AppController, RecordingNotifier, Path]]:
    results = tmp_path / "results"
    controller, notifier = _controller(tmp_path / "data")
    account = controller.store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_KEY_FOR_TEST"))
    controller.store.settings.save_account("acme", AccountSettings(save_results=str(results)))
    controller.store.jobs.add(account, "JOB1")
    controller.start()
    yield controller, notifier, results
    _stop(controller)


def _succeed(controller: app_module.AppController, url: str) -> None:
    status = Status("JOB1", JobState.SUCCEEDED, "success", 100.0, result_url=url)
    controller.polling.record(CheckResult("acme", ("JOB1",), (status,)))


def test_a_finished_jobs_result_is_saved_by_a_worker(
    saving: tuple[app_module.AppController, RecordingNotifier, Path], s3: ObjectStoreServer, qtbot: QtBot
) -> None:
    controller, notifier, results = saving
    _succeed(controller, s3.put("ABC/report.pdf", PDF))
    qtbot.waitUntil(lambda: bool(notifier.saved), timeout=5000)
    saved = results / "report.pdf"
    assert saved.read_bytes() == PDF
    assert s3.credentials_seen == 0
    job = controller.model.job(1)
    assert job is not None and job.result_file == str(saved)
    assert controller.store.jobs.get(1).result_file == str(saved)
    assert notifier.saved[0].result_file == str(saved)
    controller.tray.rebuild_menu()
    entry = next(a for a in controller.tray.menu.actions() if a.menu() is not None and "JOB1" in a.text())
    assert "Open file" in [a.text() for a in entry.menu().actions()]


def test_a_failed_save_is_told_once_and_retried_from_the_menu(
    saving: tuple[app_module.AppController, RecordingNotifier, Path], s3: ObjectStoreServer, qtbot: QtBot
) -> None:
    controller, notifier, results = saving
    url = s3.put("ABC/late.pdf", PDF, expired=True)
    _succeed(controller, url)
    qtbot.waitUntil(lambda: bool(notifier.not_saved), timeout=5000)
    assert len(notifier.not_saved) == 1 and "expired" in notifier.not_saved[0][1]
    job = controller.model.job(1)
    assert job is not None and job.state == JobState.SUCCEEDED and job.result_file is None
    assert not results.exists() or not list(results.iterdir())
    controller.tray.rebuild_menu()
    # the job's own entry (the failed save has a line of its own above the jobs too)
    entry = next(a for a in controller.tray.menu.actions() if a.menu() is not None and a.text().startswith("JOB1 ·"))
    again = next(a for a in entry.menu().actions() if a.text() == "Save result again")
    s3.objects["ABC/late.pdf"].expired = False  # say the provider's link works again
    again.trigger()
    qtbot.waitUntil(lambda: bool(notifier.saved), timeout=5000)
    assert (results / "late.pdf").read_bytes() == PDF
    assert len(notifier.not_saved) == 1
