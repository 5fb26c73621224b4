"""The accounts dialog's "Discover new media" (encoding.com only), saved through the controller as `account add/edit
--discover` stores it: the tray's worker then looks at the account's media list; unticked, discovery is off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from desktop_app.app.controller import AppController
from desktop_app.core.model import Account, KeySource
from desktop_app.simulators.encodingcom import EncodingComSimulator
from desktop_app.simulators.server import SimulatorServer
from desktop_app.store.database import Store
from desktop_app.ui.accounts_dialog import AccountEditor, AccountsDialog
from tests.conftest import ENCODINGCOM_KEY, ENCODINGCOM_USERID
from tests.support.notifier import QuietNotifier

PROVIDERS = [("pdfco", "PDF.co"), ("encodingcom", "encoding.com")]


def _pick(editor: AccountEditor, provider: str) -> None:
    editor.provider.setCurrentIndex(editor.provider.findData(provider))


def _tick(qtbot: QtBot, editor: AccountEditor) -> None:
    """A click on the check box, as the user makes it (the editor on screen)."""
    editor.show()
    qtbot.waitExposed(editor)
    box = editor.discover
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on the box, not past its text


def test_the_check_box_shows_for_providers_that_can_discover_only(qtbot: QtBot) -> None:
    editor = AccountEditor(PROVIDERS, discoverable={"encodingcom"})
    qtbot.addWidget(editor)
    _pick(editor, "pdfco")
    assert editor.discover.isHidden()
    assert editor.form().discover is None  # nothing to say about discovery: left as it is
    _pick(editor, "encodingcom")
    assert not editor.discover.isHidden() and not editor.discover.isChecked()  # off unless ticked
    assert editor.form().discover is False
    _tick(qtbot, editor)
    assert editor.form().discover is True


def test_editing_shows_the_accounts_discovery_as_it_is(qtbot: QtBot) -> None:
    account = Account("video", "encodingcom", KeySource.ENV, username="1", key_env="K", id=1)
    dialog = AccountsDialog(PROVIDERS, discoverable={"encodingcom"})
    qtbot.addWidget(dialog)
    dialog.set_accounts([account], {}, {}, {"video"})
    assert "discovers new media" in dialog.list.item(0).text()
    editor = AccountEditor(PROVIDERS, account, discover=True, discoverable={"encodingcom"})
    qtbot.addWidget(editor)
    assert editor.discover.isChecked() and editor.form().discover is True


@pytest.fixture
def controller(store: Store, qtbot: QtBot) -> Iterator[AppController]:
    app = AppController(store, environ={"ENC_KEY": ENCODINGCOM_KEY}, show_tray=False, notifier=QuietNotifier())
    app.start()
    try:
        yield app
    finally:
        app.shutdown()


def test_ticked_in_the_dialog_the_tray_discovers_and_unticked_it_stops(
    controller: AppController,
    store: Store,
    encodingcom_simulator: tuple[EncodingComSimulator, SimulatorServer],
    qtbot: QtBot,
) -> None:
    sim, server = encodingcom_simulator
    controller.accounts.open_dialog()
    dialog = controller.accounts.dialog
    assert dialog is not None
    editor = AccountEditor(PROVIDERS, None, dialog, discoverable={"encodingcom"})
    qtbot.addWidget(editor)
    editor.name.setText("video")
    _pick(editor, "encodingcom")
    editor.base_url.setText(server.base_url)
    editor.username.setText(ENCODINGCOM_USERID)
    editor.use_env.setChecked(True)
    editor.key_env.setText("ENC_KEY")
    _tick(qtbot, editor)
    controller.accounts.save(editor.form())
    assert dialog._error is None
    state = store.discovery.state("video")
    assert state is not None and state.last_look is None  # on, as `account add --discover` leaves it
    assert "discovers new media" in dialog.list.item(0).text()
    # With no job open, the account's worker starts for discovery alone and takes its first look (the baseline).
    qtbot.waitUntil(lambda: sim.list_requests_made() >= 1, timeout=5000)
    qtbot.waitUntil(lambda: (store.discovery.state("video") or state).last_look is not None, timeout=3000)

    account = store.accounts.get("video")
    editor = AccountEditor(PROVIDERS, account, dialog, discover=True, discoverable={"encodingcom"})
    qtbot.addWidget(editor)
    _tick(qtbot, editor)
    controller.accounts.save(editor.form())
    assert dialog._error is None
    assert store.discovery.state("video") is None
    assert not controller.polling.run("video").discovering
    assert "discovers" not in dialog.list.item(0).text()


def test_discovery_for_a_provider_that_cannot_is_refused_and_nothing_is_written(
    controller: AppController, store: Store
) -> None:
    from dataclasses import replace

    controller.accounts.open_dialog()
    dialog = controller.accounts.dialog
    assert dialog is not None
    editor = AccountEditor(PROVIDERS, None, dialog, discoverable={"encodingcom"})
    editor.name.setText("pdfs")
    editor.use_env.setChecked(True)
    editor.key_env.setText("PDFCO_KEY")
    controller.accounts.save(replace(editor.form(), discover=True))  # the dialog never offers it; still refused
    assert dialog._error is not None and "encoding.com accounts only" in dialog._error
    assert store.accounts.all() == []
