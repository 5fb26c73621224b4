"""Secrets off the GUI thread (issue 18): keyring calls run on the keyring thread, the GUI's event loop keeps
turning while a locked keyring waits for its unlock, "waiting for the keyring" is said, and a key that cannot be
deleted is told with what to do. The longest stall of the event loop is measured by bench/keyring_stall.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.engine.accounts import AccountDraft, AccountService
from desktop_app.engine.specs import poller_spec
from desktop_app.store.database import Store
from desktop_app.system import credentials
from desktop_app.workers.keyring_worker import THREAD_NAME, KeyringReply, KeyringThread
from tests.support.gated_keyring import GatedKeyring


@pytest.fixture
def calls(qtbot: QtBot) -> Iterator[KeyringThread]:
    thread = KeyringThread(slow_after=0.05)
    yield thread
    thread.close(timeout=2.0)
    thread.deleteLater()


def test_a_locked_keyring_is_read_on_the_keyring_thread_while_the_gui_keeps_turning(
    qtbot: QtBot, backend: GatedKeyring, calls: KeyringThread
) -> None:
    credentials.store_secret("acme", Secret("k-123"))
    backend.threads.clear()
    backend.gate.clear()  # locked: the next call waits for its unlock
    account = Account("acme", "pdfco", KeySource.KEYRING)
    replies: list[KeyringReply] = []
    waiting: list[bool] = []
    calls.replied.connect(replies.append)
    calls.waiting.connect(waiting.append)
    assert calls.submit(("spec", "acme"), lambda: poller_spec(account))
    assert not calls.submit(("spec", "acme"), lambda: poller_spec(account))  # asked twice: one answer
    assert backend.entered.wait(5.0)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 3 and waiting == [True], timeout=5000)  # the loop turns meanwhile
    assert replies == []
    backend.gate.set()  # unlocked
    qtbot.waitUntil(lambda: len(replies) == 1, timeout=5000)
    timer.stop()
    assert replies[0].ok and replies[0].value.config.secret.reveal() == "k-123"
    assert waiting == [True, False]
    assert backend.threads == [THREAD_NAME]  # never the GUI thread
    assert threading.current_thread().name not in backend.threads


def test_a_keyring_error_comes_back_as_a_reply(qtbot: QtBot, backend: GatedKeyring, calls: KeyringThread) -> None:
    account = Account("nokey", "pdfco", KeySource.KEYRING)
    with qtbot.waitSignal(calls.replied, timeout=5000) as got:
        calls.submit("spec", lambda: poller_spec(account))
    reply = got.args[0]
    assert not reply.ok and "not in the keyring" in str(reply.error)
    assert backend.threads == [THREAD_NAME]


def test_a_key_that_cannot_be_deleted_is_told_with_what_to_do(backend: GatedKeyring, store: Store) -> None:
    service = AccountService(store)
    service.add(AccountDraft(name="acme", provider="pdfco", key_source=KeySource.KEYRING), Secret("k-123"))
    backend.refuse_delete = True
    service.remove("acme")
    assert len(service.warnings) == 1
    warning = service.warnings[0]
    assert "could not be removed" in warning and "KeyringLocked" in warning
    assert "keyring del JobTray account:acme" in warning and "k-123" not in warning


def test_a_missing_entry_or_no_keyring_is_not_a_warning(backend: GatedKeyring) -> None:
    assert credentials.delete_secret("never-stored") is None
    credentials.store_secret("acme", Secret("k-123"))
    assert credentials.delete_secret("acme") is None
    assert backend._values == {}


def test_delete_on_the_keyring_thread_replies_with_the_warning(
    qtbot: QtBot, backend: GatedKeyring, calls: KeyringThread
) -> None:
    credentials.store_secret("acme", Secret("k-123"))
    backend.refuse_delete = True
    with qtbot.waitSignal(calls.replied, timeout=5000) as got:
        calls.submit(("delete", "acme"), lambda: credentials.delete_secret("acme"))
    assert "could not be removed" in got.args[0].value
    assert backend.threads[-2:] == [THREAD_NAME, THREAD_NAME]  # the delete, and the look whether it is still there
