"""The desktop's do-not-disturb (a D-Bus call, on GNOME a `gsettings` run: up to about 2 s) is never read on the
tray's GUI thread: an ending that arrives while it is being read is held, and told once the read says no."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import desktop_app.app.run as app_module
from desktop_app.core.model import JobState
from desktop_app.store.database import Store
from desktop_app.system import presence
from desktop_app.ui.notifier import Notifier
from tests.gui.test_notifier_fallback import RecordingTray, ended, no_dbus

pytestmark = pytest.mark.gui
__all__ = ["no_dbus"]


@pytest.fixture
def tray_and_banners(tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[app_module.AppController, RecordingTray]]:
    banners = RecordingTray()
    notifier = Notifier()
    store = Store(tmp_path / "data")
    controller = app_module.AppController(store, show_tray=False, notifier=notifier)
    controller.start()
    notifier.set_tray_fallback(banners)  # after the start: without a shown tray it would have none
    try:
        yield controller, banners
    finally:
        controller.shutdown()
        store.close()
        banners.deleteLater()


@pytest.mark.usefixtures("no_dbus")
def test_do_not_disturb_is_read_off_the_gui_thread(
    tray_and_banners: tuple[app_module.AppController, RecordingTray], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    controller, banners = tray_and_banners
    gate = threading.Event()
    on_gui_thread: list[bool] = []

    def slow_dnd(timeout: float = 1.0) -> bool | None:
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        gate.wait(10)
        return False

    monkeypatch.setattr(presence, "read_dnd", slow_dnd)
    controller.telling.apply()
    controller.notifier.notify_changes([ended(1, JobState.FAILED, "x")])
    assert on_gui_thread and not any(on_gui_thread)
    assert banners.messages == []  # held while the answer is awaited
    gate.set()
    qtbot.waitUntil(lambda: [m[0] for m in banners.messages] == ["Failed: x"], timeout=5000)
