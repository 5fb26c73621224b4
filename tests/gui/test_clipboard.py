"""The clipboard watch with a real QClipboard (offscreen) and a real controller: off by default and remembered across
a restart; a copied job ID is offered (nothing added or sent before the click), added and checked at once after
it; a password manager's copy, an oversized text and an ID offered before are not offered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QAction, QGuiApplication
from pytestqt.qtbot import QtBot

from desktop_app.app.controller import AppController
from desktop_app.core.model import Account, KeySource
from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.simulators.server import SimulatorServer
from desktop_app.store.database import Store
from desktop_app.ui.clipboard import MAX_CLIPBOARD_BYTES, PASSWORD_MANAGER_HINT
from tests.conftest import PDFCO_KEY
from tests.support.notifier import QuietNotifier

JOB = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"
OTHER = "9ABCD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-301"


class OfferingNotifier(QuietNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.offers: list[tuple[str, str, str]] = []

    def offer_watch(self, key: str, title: str, body: str) -> None:
        self.offers.append((key, title, body))


Tray = tuple[AppController, OfferingNotifier]


def _start(store: Store, qtbot: QtBot) -> Tray:
    notifier = OfferingNotifier()
    controller = AppController(store, environ={"PDFCO_KEY": PDFCO_KEY}, show_tray=False, notifier=notifier)
    controller.start()
    qtbot.waitUntil(lambda: controller.polling.run("pdfs") is not None, timeout=3000)
    return controller, notifier


@pytest.fixture
def tray(
    store: Store, pdfco_simulator: tuple[pdfco_sim.PdfCoSimulator, SimulatorServer], qtbot: QtBot
) -> Iterator[Tray]:
    _sim, server = pdfco_simulator
    store.accounts.add(
        Account("pdfs", "pdfco", KeySource.ENV, base_url=server.base_url, key_env="PDFCO_KEY", rate_limit="100/s")
    )
    controller, notifier = _start(store, qtbot)
    try:
        yield controller, notifier
    finally:
        controller.shutdown()
        QGuiApplication.clipboard().clear()


def _menu_toggle(controller: AppController) -> QAction:
    controller.tray.rebuild_menu()
    found = [a for a in controller.tray.menu.actions() if a.text() == "Watch the clipboard"]
    assert len(found) == 1
    return found[0]


def _copy(text: str, hint: str | None = None) -> None:
    mime = QMimeData()
    mime.setText(text)
    if hint is not None:
        mime.setData(PASSWORD_MANAGER_HINT, hint.encode())
    QGuiApplication.clipboard().setMimeData(mime)


def _settle(qtbot: QtBot) -> None:
    qtbot.wait(50)  # dataChanged is delivered by now (offscreen it is synchronous; this keeps the test honest)


def test_off_by_default_nothing_is_offered(tray: Tray, qtbot: QtBot) -> None:
    controller, notifier = tray
    assert not controller.clipboard.enabled
    assert not _menu_toggle(controller).isChecked()
    _copy(f"the job {JOB} started")
    _settle(qtbot)
    assert notifier.offers == []


def test_a_copied_id_is_offered_added_only_on_the_click_and_checked_at_once(
    tray: Tray, store: Store, pdfco_simulator: tuple[pdfco_sim.PdfCoSimulator, SimulatorServer], qtbot: QtBot
) -> None:
    controller, notifier = tray
    sim, server = pdfco_simulator
    sim.add_job([pdfco_sim.working()], job_id=JOB)
    _menu_toggle(controller).trigger()  # the tray menu's item, as the user clicks it
    assert controller.clipboard.enabled
    requests_before = server.request_count
    _copy(f'{{"jobId": "{JOB}", "error": false, "status": 200}}')
    qtbot.waitUntil(lambda: len(notifier.offers) == 1, timeout=1000)
    key, title, body = notifier.offers[0]
    assert title == "Watch 6YSZ… at PDF.co?"
    assert JOB in body and "pdfs" in body
    qtbot.wait(300)
    assert store.jobs.all() == [] and not controller.model.jobs()  # nothing added before the click
    assert server.request_count == requests_before  # and nothing sent

    controller.notifier.watch_offer_accepted.emit(key)  # the notification's Watch
    assert [job.job_id for job in store.jobs.all()] == [JOB]
    assert [job.job_id for job in controller.model.jobs()] == [JOB]
    qtbot.waitUntil(lambda: any(job.checks > 0 for job in store.jobs.find(JOB)), timeout=1500)  # checked at once
    controller.notifier.watch_offer_accepted.emit(key)  # a second click adds nothing more
    assert len(store.jobs.all()) == 1


def test_a_password_managers_copy_is_ignored(tray: Tray, qtbot: QtBot) -> None:
    controller, notifier = tray
    controller.preferences.set_clipboard_watch(True)
    _copy(JOB, hint="secret")
    _copy(JOB, hint="")  # any value of the hint
    _settle(qtbot)
    assert notifier.offers == []
    _copy(JOB)  # the same text without the hint
    qtbot.waitUntil(lambda: len(notifier.offers) == 1, timeout=1000)


def test_an_oversized_text_is_ignored(tray: Tray, qtbot: QtBot) -> None:
    controller, notifier = tray
    controller.preferences.set_clipboard_watch(True)
    _copy(JOB + "\n" + "x" * MAX_CLIPBOARD_BYTES)
    _copy(JOB + "\n" + "é" * (MAX_CLIPBOARD_BYTES // 2))  # under the limit in characters, over it in bytes
    _settle(qtbot)
    assert notifier.offers == []
    _copy(JOB + "\n" + "x" * (MAX_CLIPBOARD_BYTES - len(JOB) - 1))  # exactly the limit
    qtbot.waitUntil(lambda: len(notifier.offers) == 1, timeout=1000)


def test_the_same_id_is_offered_once_and_a_watched_one_never(tray: Tray, store: Store, qtbot: QtBot) -> None:
    controller, notifier = tray
    controller.preferences.set_clipboard_watch(True)
    _copy(JOB)
    _copy(f"again: {JOB}")
    _copy(JOB)
    _settle(qtbot)
    assert len(notifier.offers) == 1
    _copy(f"{JOB} and {OTHER}")  # the first one not offered yet
    qtbot.waitUntil(lambda: len(notifier.offers) == 2, timeout=1000)
    assert "9ABC…" in notifier.offers[1][1]
    third = "7XYZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-302"
    controller.add_from_text(third)  # watched already (the tray's own Copy ID, say): not offered
    _copy(third)
    _copy("no job here, only words")
    _settle(qtbot)
    assert len(notifier.offers) == 2


def test_the_toggle_is_kept_across_a_restart(tray: Tray, store: Store, qtbot: QtBot) -> None:
    controller, notifier = tray
    _menu_toggle(controller).trigger()
    assert store.settings.app().clipboard_watch
    controller.shutdown()
    _copy(JOB)  # a stopped controller hears nothing
    _settle(qtbot)
    assert notifier.offers == []

    again, again_notifier = _start(store, qtbot)
    try:
        assert again.clipboard.enabled
        assert _menu_toggle(again).isChecked()
        _copy(f"copied {JOB}")
        qtbot.waitUntil(lambda: len(again_notifier.offers) == 1, timeout=1000)
        _menu_toggle(again).trigger()  # off again, and kept off
        assert not again.clipboard.enabled and not store.settings.app().clipboard_watch
    finally:
        again.shutdown()
    third, _ = _start(store, qtbot)
    try:
        assert not third.clipboard.enabled and not _menu_toggle(third).isChecked()
    finally:
        third.shutdown()
