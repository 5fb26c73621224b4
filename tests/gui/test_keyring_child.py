"""The tray's keyring calls in a short-lived child process (issue 19: the tray never imports `keyring`, 3-14 MB
resident for one read). Real child processes on the test's plaintext keyring (tests/conftest.py), or on backends
chosen by name (tests/support/child_keyrings.py): the same answers and the same words as in-process, keys read
together in one child, the secret never in argv or the environment, a child stuck in an unlock prompt ended at
quit, and a whole tray that polls with its key from the keyring without loading `keyring`."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app.keys import KeyPending, TrayKeys
from desktop_app.core.errors import JobTrayError, SecretStoreError
from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.system import credentials
from desktop_app.system.keyring_child import KeyringChild, child_command
from desktop_app.system.logs import redact
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]


def test_store_read_delete_through_the_child() -> None:
    child = KeyringChild()
    child.store("acme", Secret("k-123-child-secret"))
    assert child.read(["acme"]) == {"acme": Secret("k-123-child-secret")}
    assert redact("sent k-123-child-secret") == "sent ***"  # the tray's logs hide a key read in the child
    assert child.delete("acme") is None
    missing = child.read(["acme"])["acme"]
    assert isinstance(missing, SecretStoreError)
    with pytest.raises(SecretStoreError) as in_process:
        credentials.read_keyring_secret("acme")
    assert str(missing) == str(in_process.value)  # the same words: "its key is not in the keyring; ..."


@pytest.mark.parametrize(
    ("backend", "words"),
    [
        ("keyring.backends.fail.Keyring", "no system keyring is available"),
        ("tests.support.child_keyrings.AlwaysLocked", "is it unlocked?"),
    ],
)
def test_no_keyring_and_a_locked_one_are_told_as_in_process(
    backend: str, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    error = KeyringChild().read(["acme"])["acme"]
    assert isinstance(error, SecretStoreError) and words in str(error), error
    with pytest.raises(SecretStoreError, match=words.replace("?", r"\?")):
        KeyringChild().store("acme", Secret("k"))


def test_the_secret_is_never_in_the_child_s_argv_or_environment(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    spy = (
        "import os, sys\n"
        f"open({str(seen)!r}, 'w').write(repr(sys.argv) + repr(dict(os.environ)))\n"
        "from desktop_app.system.keyring_child import main\n"
        "sys.exit(main())\n"
    )
    child = KeyringChild([sys.executable, "-c", spy])
    child.store("acme", Secret("k-never-in-argv"))
    assert child.read(["acme"]) == {"acme": Secret("k-never-in-argv")}
    assert seen.exists() and "k-never-in-argv" not in seen.read_text()
    assert child_command()[1:] == ["-m", "desktop_app.system.keyring_child"]


def test_a_child_that_crashes_is_a_keyring_error() -> None:
    child = KeyringChild([sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(SecretStoreError, match="without an answer"):
        child.read(["acme"])


def test_kill_ends_a_child_stuck_in_an_unlock_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.child_keyrings.NeverAnswers")
    child = KeyringChild()
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(child.read(["acme"]))
        except SecretStoreError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for _ in range(1000):  # the child is running (in its unlock prompt, for ever)
            if child.running_pid is not None:
                break
            threading.Event().wait(0.01)
        pid = child.running_pid
        assert pid is not None
        child.kill()  # as the tray's quit does
        thread.join(10)
        assert not thread.is_alive()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # gone (and reaped), not left behind
        assert isinstance(outcome[0], SecretStoreError)
        with pytest.raises(SecretStoreError, match="stopped"):
            child.read(["acme"])  # no new child after quit
    finally:
        child.kill()
        thread.join(10)


class CountingChild(KeyringChild):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[list[str]] = []

    def read(self, names: Iterable[str]) -> dict[str, Secret | JobTrayError]:
        names = sorted(names)
        self.reads.append(names)
        return super().read(names)


@pytest.fixture
def keys(qtbot: QtBot) -> Iterator[TrayKeys]:
    made = TrayKeys(secrets=CountingChild())
    yield made
    made.close(2.0)
    made.deleteLater()


def test_the_tray_s_keys_come_from_one_child_for_all(qtbot: QtBot, keys: TrayKeys) -> None:
    child = KeyringChild()
    child.store("acme", Secret("k-acme"))
    child.store("beta", Secret("k-beta"))
    accounts = [Account(name, "pdfco", KeySource.KEYRING) for name in ("acme", "beta", "nokey")]
    ready: list[str] = []
    keys.ready.connect(ready.append)
    for account in accounts:
        with pytest.raises(KeyPending):
            keys.spec_for(account)
    qtbot.waitUntil(lambda: len(ready) == 3, timeout=20_000)
    assert keys.spec_for(accounts[0]).config.secret.reveal() == "k-acme"
    assert keys.spec_for(accounts[1]).config.secret.reveal() == "k-beta"
    with pytest.raises(SecretStoreError, match="not in the keyring"):
        keys.spec_for(accounts[2])
    counting = keys.secrets
    assert isinstance(counting, CountingChild)
    assert counting.reads == [["acme", "beta", "nokey"]]  # one child read them all


def test_the_account_dialog_s_calls_go_through_the_child(qtbot: QtBot, keys: TrayKeys) -> None:
    keys.store("acme", Secret("k-dialog"))
    assert keys.load(Account("acme", "pdfco", KeySource.KEYRING)) == Secret("k-dialog")
    assert keys.delete("acme") is None
    with pytest.raises(SecretStoreError, match="not in the keyring"):
        keys.load(Account("acme", "pdfco", KeySource.KEYRING))


def test_a_process_with_keyring_loaded_asks_it_in_process() -> None:
    """A test that set its own backend with keyring.set_keyring (or the CLI) keeps it: see app/keys.py."""
    from desktop_app.app.keys import InProcessSecrets, default_secrets

    assert "keyring" in sys.modules  # tests/gui/conftest.py imports it
    assert isinstance(default_secrets(), InProcessSecrets)


KEYRING_TRAY_SCRIPT = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop_app.app.run import AppController
from desktop_app.core.model import JobState
from tests.support.notifier import QuietNotifier
from desktop_app.store.database import Store
store = Store(Path(sys.argv[1]))
controller = AppController(store, show_tray=False, notifier=QuietNotifier())
controller.start()
end = time.monotonic() + 30
while time.monotonic() < end and not any(j.state is JobState.SUCCEEDED for j in controller.model.jobs()):
    app.processEvents()
ended = any(j.state is JobState.SUCCEEDED for j in controller.model.jobs())
print("ended:", ended, "keyring:", "keyring" in sys.modules, "QtNetwork:", "PySide6.QtNetwork" in sys.modules)
controller.shutdown()
"""


def test_a_tray_polls_with_its_key_from_the_keyring_without_loading_keyring(data_dir: Path) -> None:
    """Issue 19 (idle RSS): the key is read in a child that exits; the tray never imports `keyring`."""
    from desktop_app.simulators import pdfco as pdfco_sim
    from desktop_app.simulators.server import serve
    from desktop_app.store.database import Store

    KeyringChild().store("acme", Secret("pdfco-child-key"))
    sim = pdfco_sim.PdfCoSimulator("pdfco-child-key")
    server = serve(sim)
    try:
        with Store(data_dir) as store:
            account = store.accounts.add(Account("acme", "pdfco", KeySource.KEYRING, base_url=server.base_url))
            store.jobs.add(account, sim.add_job([pdfco_sim.success()]))
        result = subprocess.run(
            [sys.executable, "-c", KEYRING_TRAY_SCRIPT, str(data_dir)],
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=90,
            cwd=ROOT,
        )
    finally:
        server.stop()
    assert result.stdout.splitlines() == ["ended: True keyring: False QtNetwork: False"], result.stderr[-2000:]
    assert os.environ["PYTHON_KEYRING_BACKEND"].startswith("keyrings.alt")  # the test's keyring, not the user's


def test_a_quit_while_the_account_dialog_waits_on_an_unlock_prompt_is_a_keyring_error(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's quit ends every event loop, the dialog's wait included: the wait came back with no reply and
    raised IndexError (a traceback, "JobTray hit an unexpected error" while quitting) instead of a keyring error."""
    from PySide6.QtCore import QCoreApplication, QTimer

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.child_keyrings.NeverAnswers")
    child = KeyringChild()
    keys = TrayKeys(secrets=child)
    outcome: list[BaseException] = []

    def save() -> None:
        try:
            keys.store("acme", Secret("k-typed-in-the-dialog"))
        except BaseException as exc:  # what the dialog's save would see
            outcome.append(exc)

    def quit_once_the_child_waits() -> None:
        if child.running_pid is not None:
            watch.stop()
            QCoreApplication.quit()  # the tray's Quit, a signal or a logout

    watch = QTimer()
    watch.timeout.connect(quit_once_the_child_waits)
    try:
        QTimer.singleShot(0, save)
        watch.start(10)
        QCoreApplication.exec()
        assert len(outcome) == 1
        assert isinstance(outcome[0], SecretStoreError), repr(outcome[0])
    finally:
        watch.stop()
        keys.close(5.0)  # the child in its prompt ends with the quit
        keys.deleteLater()
