"""The first run (issue 14): no account, so the window opens with its welcome; its intents reach the app layer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

import desktop_app.app.opening as opening_module
import desktop_app.app.run as app_module
from desktop_app.core.model import Account, KeySource
from desktop_app.store.database import Store
from desktop_app.ui.accounts_dialog import AccountEditor
from tests.support.notifier import QuietNotifier


@pytest.fixture
def empty(tmp_path: Path):
    store = Store(tmp_path / "data")
    controller = app_module.AppController(store, show_tray=False, notifier=QuietNotifier())
    yield controller
    controller.shutdown()
    store.close()


def test_no_account_opens_the_window_on_its_welcome_and_an_account_takes_it_away(empty, qtbot) -> None:
    empty.start()
    qtbot.waitUntil(empty.window.welcome_shown, timeout=2000)
    assert empty.window.isVisible()
    empty.store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_KEY"))
    empty.reload()
    assert not empty.window.welcome_shown()  # the job table, empty for now
    empty.store.accounts.remove("acme")
    empty.reload()
    assert empty.window.welcome_shown()


def test_an_account_at_start_means_no_welcome(tmp_path: Path, qtbot) -> None:
    store = Store(tmp_path / "data")
    store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_KEY"))
    controller = app_module.AppController(store, show_tray=False, notifier=QuietNotifier())
    try:
        controller.start()
        qtbot.waitUntil(lambda: controller.polling.run("acme") is not None, timeout=2000)
        assert not controller.window.welcome_shown()
    finally:
        controller.shutdown()
        store.close()


def test_try_the_demo_starts_jobtray_demo_as_a_process_of_its_own(empty, qtbot, monkeypatch) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(opening_module, "launch_detached", lambda command: started.append(list(command)) or True)
    empty.start()
    qtbot.waitUntil(empty.window.welcome_shown, timeout=2000)
    qtbot.mouseClick(empty.window.welcome.demo_button, Qt.MouseButton.LeftButton)
    assert started == [[sys.executable, "-m", "desktop_app", "demo"]]
    assert "demo" in empty.window.statusBar().currentMessage()


def test_add_an_account_opens_the_editor_for_that_provider(empty, qtbot, monkeypatch) -> None:
    opened: list[str] = []

    def exec_(editor: AccountEditor) -> int:
        opened.append(str(editor.provider.currentData()))
        return QDialog.DialogCode.Rejected.value

    monkeypatch.setattr(AccountEditor, "exec", exec_)
    empty.start()
    qtbot.waitUntil(empty.window.welcome_shown, timeout=2000)
    for provider in ("encodingcom", "scriptx"):
        qtbot.mouseClick(empty.window.welcome.add_buttons[provider], Qt.MouseButton.LeftButton)
    assert opened == ["encodingcom", "scriptx"]
    assert empty.accounts.dialog is not None and empty.accounts.dialog.isVisible()


def test_the_windows_open_file_reaches_the_desktop(empty, monkeypatch, tmp_path: Path) -> None:
    opened: list[str] = []
    monkeypatch.setattr(opening_module.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    saved = tmp_path / "r.pdf"
    saved.write_bytes(b"%PDF")
    empty.window.open_file_requested.emit(str(saved))
    assert opened == [str(saved)]
