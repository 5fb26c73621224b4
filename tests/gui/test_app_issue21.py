"""Issue 21 in the tray process (AppController on a real store, no workers): a failure stays on the icon until
acknowledged from the menu or the window (state in the store: it survives a restart), ETAs in the menu, the
Settings dialog's Forwarding page, quiet hours handed to the notifier."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import desktop_app.app.run as app_module
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.core.rules import QuietHours
from desktop_app.store.database import Store
from desktop_app.ui.forwarding_page import ForwardingPage
from desktop_app.ui.icons import TrayLook
from tests.support.notifier import QuietNotifier


class TellingNotifier(QuietNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.telling: list[object] = []

    def set_telling(self, quiet: object, respect_dnd: bool = True, dnd: object = None) -> None:
        self.telling.append(quiet)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    start = datetime.now(UTC) - timedelta(hours=30)
    clock = {"now": start}
    with Store(tmp_path / "data", clock=lambda: clock["now"]) as store:
        account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_BENCH_KEY"))
        for n in range(10):
            clock["now"] = start + timedelta(hours=n)
            job, _ = store.jobs.add(account, f"done-{n}")
            store.jobs.record_status(job.id, Status(job.job_id, JobState.RUNNING, "working"))
            clock["now"] += timedelta(minutes=5, seconds=n)
            store.jobs.record_status(job.id, Status(job.job_id, JobState.SUCCEEDED, "ok"))
        clock["now"] = datetime.now(UTC) - timedelta(minutes=1)
        bad, _ = store.jobs.add(account, "bad")
        store.jobs.record_status(bad.id, Status("bad", JobState.FAILED, "error", message="boom"))
        running, _ = store.jobs.add(account, "running")
        store.jobs.record_status(running.id, Status("running", JobState.RUNNING, "working"))
    return tmp_path / "data"


@pytest.fixture
def controller(folder: Path) -> Iterator[app_module.AppController]:
    store = Store(folder)
    controller = app_module.AppController(store, show_tray=False, notifier=TellingNotifier())
    controller.start()
    yield controller
    controller.shutdown()
    store.close()


def _look(controller: app_module.AppController) -> TrayLook | None:
    key = controller.tray._key
    return None if key is None else key.look


def test_a_failure_stays_until_acknowledged_in_the_menu_and_that_survives_a_restart(
    controller: app_module.AppController, folder: Path, qtbot: QtBot
) -> None:
    assert _look(controller) == TrayLook.FAILED
    controller.show_window()  # seeing it is not acknowledging it
    assert _look(controller) == TrayLook.FAILED
    controller.tray.rebuild_menu()
    every = next(a for a in controller.tray.menu.actions() if a.text().startswith("Acknowledge failures"))
    every.trigger()
    # Next in precedence: the account's problem (its key variable is unset), then the running count.
    qtbot.waitUntil(lambda: _look(controller) == TrayLook.PROBLEM, timeout=2000)
    with Store(folder) as again:
        (bad,) = again.jobs.find("bad")
        assert bad.acknowledged_at is not None


def test_the_window_acknowledges_too(controller: app_module.AppController, qtbot: QtBot) -> None:
    controller.show_window()
    (bad,) = controller.store.jobs.find("bad")
    controller.window.acknowledge_requested.emit([bad.id])
    qtbot.waitUntil(lambda: _look(controller) == TrayLook.PROBLEM, timeout=2000)


def test_the_running_job_shows_its_likely_end(controller: app_module.AppController, qtbot: QtBot) -> None:
    (running,) = controller.store.jobs.find("running")
    qtbot.waitUntil(lambda: running.id in controller.tray._etas, timeout=3000)
    controller.tray.rebuild_menu()
    assert any("likely" in a.text() for a in controller.tray.menu.actions())


def test_the_settings_dialog_has_the_forwarding_page_and_quiet_hours_reach_the_notifier(
    controller: app_module.AppController, qtbot: QtBot
) -> None:
    controller.preferences.open_dialog()
    dialog = controller.preferences._dialog
    assert dialog is not None
    (page,) = dialog.findChildren(ForwardingPage)
    page.quiet_hours.setText("22:00-07:00")
    dialog._save()
    notifier = controller.notifier
    assert isinstance(notifier, TellingNotifier)
    assert isinstance(notifier.telling[-1], QuietHours) and notifier.telling[-1].text() == "22:00-07:00"
    assert controller.store.settings.app().quiet_hours == "22:00-07:00"


def test_jobtray_ack_from_a_terminal_clears_the_running_trays_alarm(
    controller: app_module.AppController, folder: Path, qtbot: QtBot
) -> None:
    from tests.support.cli import run_cli

    assert _look(controller) == TrayLook.FAILED
    code, _out, err = run_cli("--data-dir", str(folder), "ack", "bad")
    assert code == 0, err
    controller.follower.poll_data_version()  # what the folder watch does when the other process commits
    qtbot.waitUntil(lambda: _look(controller) == TrayLook.PROBLEM, timeout=3000)
