"""A keyring-stored forward target's URL is never read, stored or deleted on the tray's GUI thread (issue 21, the
rule of issue 18): a forward row's URL is read on the keyring thread and awaited by the row's own thread; the
Settings dialog's Add and Test go there too, the event loop turning while a locked keyring waits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

import desktop_app.app.run as app_module
from desktop_app.core.forwarding import ForwardTarget, UrlSource
from desktop_app.core.model import Account, JobState, KeySource, Secret, Status
from desktop_app.engine.results import CheckResult
from desktop_app.store.database import Store
from desktop_app.system.forward_urls import store_url
from desktop_app.ui.forwarding_page import ForwardingPage
from desktop_app.workers.keyring_worker import THREAD_NAME
from tests.support.gated_keyring import GatedKeyring
from tests.support.notifier import QuietNotifier
from tests.support.receiver import Receiver, receiving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving("ok") as r:
        yield r


def _controller(folder: Path) -> app_module.AppController:
    store = Store(folder)
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_BENCH_KEY"))
    store.jobs.add(account, "job-0")
    notifier = QuietNotifier()
    controller = app_module.AppController(store, environ={}, show_tray=False, notifier=notifier)  # type: ignore[arg-type]
    controller.model.sync(store.jobs.all())
    return controller


_timers: list[QTimer] = []


def _turning() -> list[int]:
    """Ticks of a 10 ms timer: they grow only while the GUI thread's event loop turns."""
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    _timers.append(timer)  # kept alive until the next test's start
    return ticks


@pytest.fixture(autouse=True)
def _no_timers_left() -> Iterator[None]:
    yield
    for timer in _timers:
        timer.stop()
    _timers.clear()


def test_a_forward_row_reads_its_keyring_url_off_the_gui_thread(
    tmp_path: Path, backend: GatedKeyring, receiver: Receiver, qtbot: QtBot
) -> None:
    controller = _controller(tmp_path / "data")
    try:
        controller.store.forwards.add(ForwardTarget("phone", UrlSource.KEYRING))
        store_url("phone", Secret(f"ntfy://127.0.0.1:{receiver.port}/jobs"))
        backend.threads.clear()
        backend.gate.clear()  # locked: the URL's read waits for its unlock
        backend.entered.clear()
        status = Status("job-0", JobState.FAILED, "error", message="Input file is damaged")
        controller.polling.record(CheckResult("acme", ("job-0",), (status,)))
        assert backend.entered.wait(10.0)
        ticks = _turning()
        qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=5000)  # the tray turns while the keyring waits
        assert receiver.received == []
        backend.gate.set()  # unlocked
        (got,) = receiver.wait_for(1, timeout=15)
        assert got.body["title"] == "Failed: job-0"
        assert backend.threads == [THREAD_NAME]  # the one keyring thread, never the GUI's
    finally:
        controller.shutdown()
        controller.store.close()


def _forwarding_page(controller: app_module.AppController) -> ForwardingPage:
    controller.preferences.open_dialog()
    dialog = controller.preferences.dialog
    assert dialog is not None
    (page,) = dialog.findChildren(ForwardingPage)
    return page


def test_the_settings_page_adds_and_tests_a_keyring_target_off_the_gui_thread(
    tmp_path: Path, backend: GatedKeyring, receiver: Receiver, qtbot: QtBot
) -> None:
    controller = _controller(tmp_path / "data")
    try:
        page = _forwarding_page(controller)
        backend.gate.clear()
        page.name.setText("phone")
        page.url.setText(f"ntfy://127.0.0.1:{receiver.port}/jobs")
        page.add_button.click()  # returns at once, the keyring locked
        assert backend.entered.wait(10.0)
        ticks = _turning()
        qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=5000)
        assert page.targets.count() == 0 and controller.store.forwards.all() == []
        backend.gate.set()
        qtbot.waitUntil(lambda: page.targets.count() == 1, timeout=5000)  # stored, then listed
        assert [t.name for t in controller.store.forwards.all()] == ["phone"]

        backend.gate.clear()
        backend.entered.clear()
        page.test_button.click()
        assert backend.entered.wait(10.0)
        qtbot.waitUntil(lambda: len(ticks) >= 6, timeout=5000)
        backend.gate.set()
        (got,) = receiver.wait_for(1, timeout=15)
        assert got.body["title"] == "JobTray test"
        qtbot.waitUntil(lambda: page.test_result.text().startswith("Sent a test"), timeout=15_000)

        page.targets.setCurrentRow(0)
        page.remove_button.click()
        qtbot.waitUntil(lambda: len(backend.threads) == 3, timeout=5000)  # its entry deleted there too
        assert backend.threads == [THREAD_NAME] * 3
        assert threading.current_thread().name not in backend.threads
    finally:
        controller.shutdown()
        controller.store.close()


def test_adding_a_second_target_of_a_name_is_refused_before_the_keyring_is_touched(
    tmp_path: Path, backend: GatedKeyring, qtbot: QtBot
) -> None:
    controller = _controller(tmp_path / "data")
    try:
        controller.store.forwards.add(ForwardTarget("phone", UrlSource.ENV, url_env="PHONE_URL"))
        page = _forwarding_page(controller)
        page.name.setText("phone")
        page.url.setText("ntfy://127.0.0.1:9/jobs")
        page.add_button.click()
        assert "exists already" in page.error.text()
        assert backend.threads == []
    finally:
        controller.shutdown()
        controller.store.close()


def test_a_worker_thread_s_call_runs_on_the_keyring_thread_in_order_and_fails_once_closed(qtbot: QtBot) -> None:
    from concurrent.futures import Future

    from desktop_app.workers.keyring_worker import KeyringThread

    calls = KeyringThread()
    order: list[str] = []
    gate = threading.Event()
    got: list[Future[str]] = []

    def held() -> None:
        gate.wait(5.0)
        order.append("gui")

    def named() -> str:
        order.append("worker")
        return threading.current_thread().name

    def worker() -> None:
        got.append(calls.call_from_thread(named))

    calls.submit("first", held)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    gate.set()
    assert got[0].result(timeout=5.0) == THREAD_NAME
    assert order == ["gui", "worker"]  # after the call queued before it: one call at a time
    calls.close(timeout=2.0)
    with pytest.raises(RuntimeError, match="closed"):
        calls.call_from_thread(lambda: None).result(timeout=1.0)
    calls.deleteLater()
