"""Issue 18 through the whole tray (offscreen, a real AppController and store, the PDF.co simulator over HTTP): an
exception injected into a worker's tick is told once and the account is checked again; a locked keyring is read on
its own thread while the tray says it waits; a removed account's key that stays in the keyring is told; with
neither a notification server nor a tray icon an ending raises the window with a banner; quitting stays within the
quit budget."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import desktop_app.app.run as app_module
from desktop_app.core.model import Account, JobState, KeySource, Secret
from desktop_app.engine.poller import AccountPoller
from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.store.database import Store
from desktop_app.system import credentials
from desktop_app.workers import poll_worker
from desktop_app.workers.keyring_worker import THREAD_NAME
from tests.conftest import PDFCO_KEY
from tests.support.gated_keyring import GatedKeyring
from tests.support.notifier import QuietNotifier


class Told(QuietNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[tuple[str, str]] = []

    def notify_problem(self, title: str, message: str) -> None:
        self.problems.append((title, message))


def _controller(folder: Path, notifier: object, **options: object) -> app_module.AppController:
    return app_module.AppController(Store(folder), show_tray=False, notifier=notifier, **options)  # type: ignore[arg-type]


def _stop(controller: app_module.AppController) -> None:
    controller.shutdown()
    controller.store.close()


def test_an_exception_in_a_tick_is_told_once_and_the_account_is_checked_again(
    qtbot: QtBot, tmp_path: Path, pdfco_simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, server = pdfco_simulator
    job_id = sim.add_job([pdfco_sim.working(checks=1), pdfco_sim.success()])
    monkeypatch.setattr(poll_worker, "DEFAULT_BACKOFF", poll_worker.ErrorBackoff(first=0.05, most=0.2))
    raised: list[int] = []
    real_take_due = AccountPoller.take_due

    def take_due_once_broken(self: AccountPoller) -> list[str]:
        if not raised:
            raised.append(1)
            raise RuntimeError("injected into take_due")
        return real_take_due(self)

    monkeypatch.setattr(AccountPoller, "take_due", take_due_once_broken)
    folder = tmp_path / "data"
    with Store(folder) as store:
        account = store.accounts.add(
            Account("acme", "pdfco", KeySource.ENV, base_url=server.base_url, key_env="PDFCO_KEY")
        )
        store.jobs.add(account, job_id)
    notifier = Told()
    controller = _controller(folder, notifier, environ={"PDFCO_KEY": PDFCO_KEY})
    try:
        controller.start()
        qtbot.waitUntil(lambda: controller.store.jobs.find(job_id)[0].state == JobState.SUCCEEDED, timeout=20_000)
        assert raised == [1]
        told = [m for _, m in notifier.problems if "unexpected error (RuntimeError)" in m]
        assert len(told) == 1 and "acme" in told[0]
    finally:
        _stop(controller)


def test_a_locked_keyring_is_read_off_the_gui_thread_while_the_tray_says_it_waits(
    qtbot: QtBot, tmp_path: Path, pdfco_simulator, backend: GatedKeyring
) -> None:
    sim, server = pdfco_simulator
    job_id = sim.add_job([pdfco_sim.success()])
    folder = tmp_path / "data"
    with Store(folder) as store:
        account = store.accounts.add(Account("acme", "pdfco", KeySource.KEYRING, base_url=server.base_url))
        store.jobs.add(account, job_id)
    credentials.store_secret("acme", Secret(PDFCO_KEY))
    backend.threads.clear()
    backend.gate.clear()  # locked at login
    controller = _controller(folder, Told())
    said: list[str] = []
    controller.state.message.connect(said.append)
    try:
        controller.start()
        qtbot.waitUntil(lambda: any("Waiting for the keyring" in s for s in said), timeout=10_000)
        assert controller.store.jobs.find(job_id)[0].state != JobState.SUCCEEDED
        backend.gate.set()  # unlocked
        qtbot.waitUntil(lambda: controller.store.jobs.find(job_id)[0].state == JobState.SUCCEEDED, timeout=20_000)
        assert backend.threads and set(backend.threads) == {THREAD_NAME}
    finally:
        _stop(controller)


def test_a_removed_account_s_key_that_stays_in_the_keyring_is_told(
    qtbot: QtBot, tmp_path: Path, backend: GatedKeyring
) -> None:
    folder = tmp_path / "data"
    with Store(folder) as store:
        store.accounts.add(Account("acme", "pdfco", KeySource.KEYRING))
    credentials.store_secret("acme", Secret("k-123"))
    backend.refuse_delete = True
    notifier = Told()
    controller = _controller(folder, notifier)
    try:
        controller.start()
        controller.accounts.remove("acme")
        qtbot.waitUntil(lambda: any("could not be removed" in m for _, m in notifier.problems), timeout=10_000)
        assert controller.store.accounts.all() == []  # the account went; its key is what stayed
    finally:
        _stop(controller)


def test_quitting_stays_within_the_budget_and_says_how_long_it_took(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    controller = _controller(tmp_path / "data", Told())
    controller.start()
    with caplog.at_level(logging.INFO):
        _stop(controller)
    assert any("quit took" in r.getMessage() for r in caplog.records)


def test_a_key_typed_in_the_accounts_dialog_is_stored_off_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, backend: GatedKeyring
) -> None:
    from PySide6.QtCore import QTimer

    from desktop_app.ui.accounts_dialog import AccountForm

    controller = _controller(tmp_path / "data", Told())
    said: list[str] = []
    controller.state.message.connect(said.append)
    turns: list[int] = []
    ticking = QTimer()
    ticking.timeout.connect(lambda: turns.append(1))
    try:
        controller.start()
        backend.threads.clear()
        backend.gate.clear()  # locked: the write waits for its unlock
        ticking.start(10)
        QTimer.singleShot(900, backend.gate.set)  # the person types the keyring's password (after 0.5 s: "waiting")
        form = AccountForm(None, "acme", "pdfco", None, None, None, KeySource.KEYRING, None, Secret("k-typed"))
        controller.accounts.save(form)  # synchronous for the dialog, the event loop turning meanwhile
        ticking.stop()
        assert len(turns) >= 3  # the GUI kept turning while the keyring waited
        assert any("Waiting for the keyring" in s for s in said)
        assert backend.threads == [THREAD_NAME]
        assert credentials.load_secret(Account("acme", "pdfco", KeySource.KEYRING)).reveal() == "k-typed"
        assert [a.name for a in controller.store.accounts.all()] == ["acme"]
    finally:
        _stop(controller)


def test_with_no_notification_server_and_no_tray_an_ending_raises_the_window_with_a_banner(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18, on a desktop with neither (weston with no notification daemon): the ending reaches the person."""
    from desktop_app.ui.missed_endings import EndingsBanner
    from desktop_app.ui.notifier import Notifier
    from tests.factories import job_change

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    runtime = tmp_path / "runtime"  # no `bus` socket in it
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    controller = _controller(tmp_path / "data", Notifier())
    try:
        controller.start()
        controller.window.hide()
        controller.notifier.notify_changes([job_change(1, JobState.FAILED, label="Quarterly report")])

        # Shown once the desktop's do-not-disturb was read (off the GUI thread; an ending waits for that read).
        def bannered() -> bool:
            banner = controller.window.findChild(EndingsBanner)
            return banner is not None and "Failed: Quarterly report" in banner.text()

        qtbot.waitUntil(bannered, timeout=5000)
        assert controller.window.isVisible()  # raised
    finally:
        _stop(controller)
