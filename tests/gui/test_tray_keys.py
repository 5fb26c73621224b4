"""The tray's keys off the GUI thread (issue 18): a keyring account's spec is read on the keyring thread
(KeyPending until then, `ready` when it is there), an environment key is read at once, a failed read is raised
to the supervisor once, and a removed account's key that stays in the keyring is told with what to do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app.keys import KeyPending, TrayKeys
from desktop_app.core.errors import SecretStoreError
from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.system import credentials
from desktop_app.workers.keyring_worker import THREAD_NAME
from tests.support.gated_keyring import GatedKeyring


@pytest.fixture
def keys(qtbot: QtBot) -> Iterator[TrayKeys]:
    made = TrayKeys(environ={"K": "env-key"}, slow_after=0.05)
    yield made
    made.close(2.0)
    made.deleteLater()


def test_a_keyring_key_is_read_on_the_keyring_thread_and_handed_out_when_ready(
    qtbot: QtBot, backend: GatedKeyring, keys: TrayKeys
) -> None:
    credentials.store_secret("acme", Secret("k-123"))
    backend.threads.clear()
    backend.gate.clear()  # locked
    account = Account("acme", "pdfco", KeySource.KEYRING)
    waiting: list[bool] = []
    keys.waiting.connect(waiting.append)
    with pytest.raises(KeyPending):
        keys.spec_for(account)
    with pytest.raises(KeyPending):
        keys.spec_for(account)  # asked again meanwhile: still one read
    qtbot.waitUntil(lambda: waiting == [True], timeout=5000)  # "waiting for the keyring"
    with qtbot.waitSignal(keys.ready, timeout=5000) as ready:
        backend.gate.set()
    assert ready.args == ["acme"]
    spec = keys.spec_for(account)
    assert spec.config.secret.reveal() == "k-123"
    assert keys.config_for("acme") is spec.config
    assert backend.threads == [THREAD_NAME]


def test_an_environment_key_is_read_at_once_without_the_keyring(backend: GatedKeyring, keys: TrayKeys) -> None:
    spec = keys.spec_for(Account("envy", "pdfco", KeySource.ENV, key_env="K"))
    assert spec.config.secret.reveal() == "env-key" and backend.threads == []


def test_a_failed_read_is_raised_once_then_read_again(qtbot: QtBot, backend: GatedKeyring, keys: TrayKeys) -> None:
    account = Account("nokey", "pdfco", KeySource.KEYRING)
    with qtbot.waitSignal(keys.ready, timeout=5000), pytest.raises(KeyPending):
        keys.spec_for(account)
    with pytest.raises(SecretStoreError, match="not in the keyring"):
        keys.spec_for(account)
    with pytest.raises(KeyPending):
        keys.spec_for(account)  # the supervisor's retry asks the keyring again


def test_a_removed_account_s_key_that_stays_is_told(qtbot: QtBot, backend: GatedKeyring, keys: TrayKeys) -> None:
    credentials.store_secret("acme", Secret("k-123"))
    backend.refuse_delete = True
    with qtbot.waitSignal(keys.key_left, timeout=5000) as left:
        keys.forget("acme")
    name, text = left.args
    assert name == "acme" and "could not be removed" in text and "keyring del JobTray account:acme" in text
    assert backend.threads[-1] == THREAD_NAME
