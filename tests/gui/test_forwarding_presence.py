"""The Settings dialog's Forwarding page reads the desktop's presence off the GUI thread (issue 21): it opens at
once saying "checking...", the event loop turning while the read (D-Bus, up to a second) waits, and shows the
presence note when the answer comes; the note is translated."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer, QTranslator
from pytestqt.qtbot import QtBot

import desktop_app.app.run as app_module
from desktop_app.core.rules import PRESENCE_UNKNOWN_TEXT, Presence
from desktop_app.core.settings import GlobalSettings
from desktop_app.store.database import Store
from desktop_app.ui.forwarding_page import ForwardingPage
from tests.support.notifier import QuietNotifier

TRANSLATIONS = Path(__file__).resolve().parents[2] / "resources" / "translations"


def test_the_page_opens_checking_and_shows_the_presence_read_off_the_gui_thread(tmp_path: Path, qtbot: QtBot) -> None:
    store = Store(tmp_path / "data")
    notifier = QuietNotifier()
    controller = app_module.AppController(store, environ={}, show_tray=False, notifier=notifier)  # type: ignore[arg-type]
    gate = threading.Event()
    entered = threading.Event()
    readers: list[str] = []

    def slow_presence() -> Presence:  # as a D-Bus read that takes its time
        readers.append(threading.current_thread().name)
        entered.set()
        gate.wait(10.0)
        return Presence.UNKNOWN

    controller.forwarding.read_presence = slow_presence  # type: ignore[method-assign]
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    try:
        controller.preferences.open_dialog()  # returns while the presence is still being read
        dialog = controller.preferences.dialog
        assert dialog is not None
        (page,) = dialog.findChildren(ForwardingPage)
        assert page.presence_note.text() == "Checking whether this desktop tells idle from active..."
        assert entered.wait(5.0)
        timer.start(10)
        qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=5000)  # the GUI turns while the read waits
        gate.set()
        qtbot.waitUntil(lambda: page.presence_note.text() == PRESENCE_UNKNOWN_TEXT, timeout=5000)
        assert readers == ["jobtray-presence"] and threading.current_thread().name not in readers
    finally:
        timer.stop()
        gate.set()
        controller.shutdown()
        store.close()


def test_the_presence_note_is_translated(qtbot: QtBot) -> None:
    translator = QTranslator()
    assert translator.load(str(TRANSLATIONS / "jobtray_de.qm"))
    QCoreApplication.installTranslator(translator)
    try:
        page = ForwardingPage([], [], GlobalSettings(), Presence.UNKNOWN)
        qtbot.addWidget(page)
        assert page.presence_note.text() not in ("", PRESENCE_UNKNOWN_TEXT)
        page.show_presence(None)
        assert page.presence_note.text() != "Checking whether this desktop tells idle from active..."
    finally:
        QCoreApplication.removeTranslator(translator)
