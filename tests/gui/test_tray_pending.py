"""After-end work in the tray (issue 18): a download's progress in the menu ("saving 50%") while the result
streams, gone once it is saved; pending and failed work shown per job in the menu and the window, with Save again,
Run again and Discard. Through the real AppController, a real store and the S3 stand-in holding a body halfway."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

import desktop_app.app.run as app_module
from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.core.settings import AccountSettings
from desktop_app.engine.results import CheckResult
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.store.database import Store
from tests.support.notifier import QuietNotifier

PDF = b"%PDF-1.4 saved by the tray\n" * 80_000  # 2.2 MB: its first half is more than one chunk (256 KiB)


class SavingNotifier(QuietNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.saved: list[int] = []

    def notify_saved(self, job: Job) -> None:
        self.saved.append(job.id)


@pytest.fixture
def s3() -> Iterator[ObjectStoreServer]:
    with ObjectStoreServer() as server:
        yield server


@pytest.fixture
def tray_app(tmp_path: Path) -> Iterator[tuple[app_module.AppController, SavingNotifier, Path]]:
    results = tmp_path / "results"
    notifier = SavingNotifier()
    store = Store(tmp_path / "data")
    controller = app_module.AppController(store, show_tray=False, notifier=notifier)  # type: ignore[arg-type]
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_KEY_FOR_TEST"))
    store.settings.save_account("acme", AccountSettings(save_results=str(results)))
    store.jobs.add(account, "JOB1")
    controller.start()
    try:
        yield controller, notifier, results
    finally:
        controller.shutdown()
        store.close()


def _succeed(controller: app_module.AppController, url: str) -> None:
    status = Status("JOB1", JobState.SUCCEEDED, "success", 100.0, result_url=url)
    controller.polling.record(CheckResult("acme", ("JOB1",), (status,)))


def _job_menu(controller: app_module.AppController) -> QMenu:
    entry = next(a for a in controller.tray.menu.actions() if a.menu() is not None and "JOB1" in a.text())
    menu = entry.menu()
    assert isinstance(menu, QMenu)
    return menu


def _entry_text(controller: app_module.AppController) -> str:
    """The job's line in the menu as built now ("" before the menu has it)."""
    entries = [a.text() for a in controller.tray.menu.actions() if a.menu() is not None and "JOB1" in a.text()]
    return entries[0] if entries else ""


def test_the_menu_says_saving_while_the_result_streams_and_not_after(
    tray_app: tuple[app_module.AppController, SavingNotifier, Path], s3: ObjectStoreServer, qtbot: QtBot
) -> None:
    controller, notifier, results = tray_app
    calls: list[tuple[dict[int, tuple[int, int | None]], bool]] = []
    original = controller.tray.set_downloads

    def recorded(downloads: Mapping[int, tuple[int, int | None]]) -> None:
        calls.append((dict(downloads), threading.current_thread() is threading.main_thread()))
        original(downloads)

    controller.tray.set_downloads = recorded  # type: ignore[method-assign]
    _succeed(controller, s3.put("ABC/report.pdf", PDF, mode="held"))
    qtbot.waitUntil(s3.held.is_set, timeout=10_000)  # half the body written, the rest held back
    qtbot.waitUntil(lambda: "· saving " in _entry_text(controller), timeout=10_000)
    [(received, total)] = controller.after.saving().values()
    assert 0 < received <= len(PDF) // 2 and total == len(PDF)
    percent = f"saving {received * 100 // len(PDF)}%"
    assert _entry_text(controller).endswith(percent)
    submenu = _job_menu(controller)
    assert f"Saving the result: {percent}" in [a.text() for a in submenu.actions()]
    assert controller.window.statusBar().currentMessage() == f"JOB1: {percent}"  # the window's status line too
    s3.release()
    qtbot.waitUntil(lambda: bool(notifier.saved), timeout=10_000)
    qtbot.waitUntil(lambda: "saving" not in _entry_text(controller) != "", timeout=10_000)
    assert (results / "report.pdf").read_bytes() == PDF
    assert controller.after.saving() == {}
    assert calls and all(on_main for _, on_main in calls)  # carried to the main thread
    assert calls[-1][0] == {}
    assert "Open file" in [a.text() for a in _job_menu(controller).actions()]
