"""The tray's controller on a real store, real workers and real local servers: accounts edited, renamed and removed
while a worker sits in a request that hangs; a key that becomes readable later; a busy database that loses nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

import desktop_app.engine.supervisor as supervisor_module
from desktop_app.app.run import AppController
from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Account, JobState, KeySource, Secret, Status
from desktop_app.engine.accounts import AccountDraft, AccountService
from desktop_app.engine.results import CheckResult
from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.store.database import Store
from desktop_app.system import credentials
from desktop_app.ui.accounts_dialog import AccountForm
from tests.conftest import PDFCO_KEY
from tests.support.fault_server import Fault, FaultServer
from tests.support.notifier import QuietNotifier


class TellingNotifier(QuietNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[tuple[str, str]] = []

    def notify_problem(self, title: str, message: str) -> None:
        self.problems.append((title, message))


@pytest.fixture
def hanging() -> Iterator[FaultServer]:
    with FaultServer() as server:
        server.inject(Fault.hang(seconds=30.0))
        yield server


def _controller(store: Store, environ: dict[str, str]) -> AppController:
    return AppController(store, environ=environ, show_tray=False, notifier=TellingNotifier())


def _account(name: str, base_url: str) -> Account:
    return Account(name, "pdfco", KeySource.ENV, base_url=base_url, key_env="PDFCO_KEY")


def _started(controller: AppController, qtbot, account: str) -> None:
    controller.start()
    qtbot.waitUntil(
        lambda: controller.polling.run(account) is not None and controller.polling.run(account).polling, timeout=3000
    )


@pytest.mark.parametrize("how", ["remove", "edit", "rename"])
def test_changing_an_account_while_its_worker_hangs_in_a_request_never_blocks(
    store: Store, hanging: FaultServer, qtbot, how: str
) -> None:
    """Issue 10: the GUI thread blocked 2 s, then dropped a running QThread: SIGABRT."""
    account = store.accounts.add(_account("acme", hanging.base_url))
    store.jobs.add(account, "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300")
    controller = _controller(store, {"PDFCO_KEY": PDFCO_KEY})
    try:
        _started(controller, qtbot, "acme")
        qtbot.waitUntil(lambda: hanging.request_count >= 1, timeout=5000)  # the worker is inside the request
        form = AccountForm(
            name="renamed" if how == "rename" else "acme",
            provider="pdfco",
            key_source=KeySource.ENV,
            base_url=hanging.base_url,
            username=None,
            key_env="PDFCO_KEY",
            rate_limit="5/s" if how == "edit" else None,
            secret=None,
            original_name="acme",
        )
        if how == "remove":
            controller.accounts.remove("acme")
        else:
            controller.accounts.save(form)
        assert controller.polling.pool is not None
        # Returned while the old thread still sits in the 30 s hang: it never waited for the request.
        assert controller.polling.pool.retiring == 1  # the old thread is kept until it has finished
        qtbot.waitUntil(lambda: controller.polling.pool.retiring == 0, timeout=5000)  # abandoned, ended, released
        names = {a.name for a in store.accounts.all()}
        assert names == {"remove": set(), "edit": {"acme"}, "rename": {"renamed"}}[how]
        if how != "remove":
            assert store.jobs.open_jobs()  # its jobs kept
    finally:
        assert controller.shutdown()


def test_an_account_removed_by_another_process_while_its_request_hangs(
    data_dir: Path, store: Store, hanging: FaultServer, qtbot
) -> None:
    account = store.accounts.add(_account("acme", hanging.base_url))
    store.jobs.add(account, "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300")
    controller = _controller(store, {"PDFCO_KEY": PDFCO_KEY})
    try:
        _started(controller, qtbot, "acme")
        qtbot.waitUntil(lambda: hanging.request_count >= 1, timeout=5000)
        with Store(data_dir) as other:  # `jobtray account remove acme` from a terminal
            AccountService(other).remove("acme")
        qtbot.waitUntil(lambda: controller.polling.run("acme") is None, timeout=3000)  # seen through data_version
        qtbot.waitUntil(
            lambda: controller.polling.pool is not None and controller.polling.pool.retiring == 0, timeout=5000
        )
        assert controller.model.rowCount() == 0
    finally:
        assert controller.shutdown()


def test_a_key_that_cannot_be_read_at_start_is_retried_and_check_now_retries_at_once(
    store: Store, pdfco_simulator, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10: a keyring locked at login meant the account was never polled, not even after Check now."""
    sim, server = pdfco_simulator
    job_id = sim.add_job([pdfco_sim.success()])
    account = store.accounts.add(_account("acme", server.base_url))
    store.jobs.add(account, job_id)
    environ: dict[str, str] = {}  # the key is not readable yet
    monkeypatch.setattr(supervisor_module, "KEY_RETRY_FIRST_S", 0.2)
    controller = _controller(store, environ)
    try:
        controller.start()
        qtbot.waitUntil(lambda: controller.polling.run("acme") is not None, timeout=3000)
        assert not controller.polling.run("acme").polling
        assert "PDFCO_KEY" in (store.accounts.last_error("acme") or "")
        qtbot.wait(500)  # retried with backoff (0.2 s, 0.4 s, ...), still nothing to read
        assert controller.polling.run("acme").key_failures >= 2
        environ["PDFCO_KEY"] = PDFCO_KEY  # unlocked
        controller.check_now()
        assert controller.polling.run("acme").polling  # at once, not at the next backoff
        qtbot.waitUntil(lambda: store.jobs.find(job_id)[0].state == JobState.SUCCEEDED, timeout=5000)
    finally:
        assert controller.shutdown()


def test_a_key_that_becomes_readable_is_picked_up_by_the_backoff_alone(
    store: Store, pdfco_simulator, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, server = pdfco_simulator
    job_id = sim.add_job([pdfco_sim.success()])
    store.jobs.add(store.accounts.add(_account("acme", server.base_url)), job_id)
    environ: dict[str, str] = {}
    monkeypatch.setattr(supervisor_module, "KEY_RETRY_FIRST_S", 0.2)
    controller = _controller(store, environ)
    try:
        controller.start()
        qtbot.waitUntil(lambda: controller.polling.run("acme") is not None, timeout=3000)
        environ["PDFCO_KEY"] = PDFCO_KEY
        qtbot.waitUntil(lambda: store.jobs.find(job_id)[0].state == JobState.SUCCEEDED, timeout=5000)
    finally:
        assert controller.shutdown()


def test_renaming_an_account_onto_an_existing_one_is_refused_before_anything_is_written(store: Store) -> None:
    """Issue 10: renaming "a" to an existing "b" overwrote b's key with a's."""
    service = AccountService(store)
    service.add(AccountDraft("a", "pdfco", KeySource.KEYRING), Secret("key-of-a-111"))
    service.add(AccountDraft("b", "pdfco", KeySource.KEYRING), Secret("key-of-b-222"))
    with pytest.raises(ConfigError, match="already exists"):
        service.edit("a", AccountDraft("b", "pdfco", KeySource.KEYRING), None)
    with pytest.raises(ConfigError, match="already exists"):
        service.edit("a", AccountDraft("b", "pdfco", KeySource.KEYRING), Secret("new-key-333"))
    assert credentials.load_secret(store.accounts.get("b")).reveal() == "key-of-b-222"
    assert credentials.load_secret(store.accounts.get("a")).reveal() == "key-of-a-111"
    assert [a.name for a in store.accounts.all()] == ["a", "b"]


def test_a_rename_moves_the_key_and_keeps_the_jobs(store: Store) -> None:
    service = AccountService(store)
    account = service.add(AccountDraft("a", "pdfco", KeySource.KEYRING), Secret("key-of-a-111")).account
    store.jobs.add(account, "JOB-1")
    service.edit("a", AccountDraft("c", "pdfco", KeySource.KEYRING, rate_limit="3/s"), None)
    moved = store.accounts.get("c")
    assert moved.rate_limit == "3/s" and credentials.load_secret(moved).reveal() == "key-of-a-111"
    assert [j.account for j in store.jobs.all()] == ["c"]
    with pytest.raises(Exception, match="not in the keyring"):
        credentials.load_secret(Account("a", "pdfco", KeySource.KEYRING))


def test_results_fetched_while_the_database_is_locked_are_written_when_it_is_free(
    data_dir: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issues 10 and 11: a failed write left an ended job "running" for good; now the result waits in memory."""
    with Store(data_dir, busy_timeout_ms=50) as store:
        account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_VAR_FOR_TEST"))
        job, _ = store.jobs.add(account, "job-1")
        notifier = TellingNotifier()
        controller = AppController(store, show_tray=False, notifier=notifier)
        controller.model.sync(store.jobs.all())
        holder = sqlite3.connect(data_dir / "jobtray.sqlite3", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
            done = CheckResult("acme", ("job-1",), (Status("job-1", JobState.SUCCEEDED, "success"),))
            controller.polling.record(done)
            assert store.jobs.get(job.id).state == JobState.QUEUED  # not written yet...
            assert controller.polling.recorder.pending == 1  # ...but kept
            assert [t for t, _ in notifier.problems] == ["JobTray cannot write its database"]
            controller.polling.record(
                CheckResult("acme", ("job-1",), (Status("job-1", JobState.SUCCEEDED, "success"),))
            )
            assert len(notifier.problems) == 1  # told once, not per result
            holder.execute("COMMIT")
            qtbot.waitUntil(lambda: store.jobs.get(job.id).state == JobState.SUCCEEDED, timeout=5000)
            assert controller.polling.recorder.pending == 0
            assert controller.model.job(job.id).state == JobState.SUCCEEDED
        finally:
            holder.close()
            controller.shutdown()


def test_a_job_added_by_another_process_shows_up_without_a_polling_timer(data_dir: Path, store: Store, qtbot) -> None:
    """Issue 15: the store's data version was polled every second (four wakeups a second idle, with the signal
    timer). Now a file-system watch of the database wakes the controller, and idle nothing ticks."""
    from PySide6.QtCore import QTimer

    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_VAR_FOR_TEST"))
    controller = AppController(store, show_tray=False, notifier=TellingNotifier())
    try:
        controller.start()
        qtbot.wait(300)
        ticking = [t for t in controller.findChildren(QTimer) if t.isActive() and not t.isSingleShot()]
        assert ticking == []  # nothing wakes the process on its own
        with Store(data_dir) as other:  # `jobtray add` from a terminal
            other.jobs.add(account, "JOB-FROM-CLI")
        qtbot.waitUntil(lambda: controller.model.rowCount() == 1, timeout=2000)
        assert controller.model.jobs()[0].job_id == "JOB-FROM-CLI"
    finally:
        controller.shutdown()


IDLE_TRAY_SCRIPT = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop_app.app.run import AppController
from tests.support.notifier import QuietNotifier
from desktop_app.store.database import Store
store = Store(Path(sys.argv[1]))
controller = AppController(store, show_tray=False, notifier=QuietNotifier())
controller.start()
end = time.monotonic() + 0.5
while time.monotonic() < end:
    app.processEvents()
print("idle:", "requests" in sys.modules, "keyring" in sys.modules)
with Store(Path(sys.argv[1])) as other:
    other.jobs.add(other.accounts.get("acme"), "JOB-1")
end = time.monotonic() + 3
while time.monotonic() < end and "requests" not in sys.modules:
    app.processEvents()
print("with a job:", "requests" in sys.modules)
controller.shutdown()
"""


def test_a_tray_with_nothing_to_watch_loads_no_http_stack(data_dir: Path, store: Store) -> None:
    """Issue 15 (memory): requests alone is ~20 MB. An account's worker, and with it requests and the keyring,
    starts with its first open job."""
    import subprocess
    import sys

    from tests.conftest import subprocess_env

    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="PDFCO_KEY"))
    job, _ = store.jobs.add(account, "DONE-1")
    store.jobs.record_status(job.id, Status("DONE-1", JobState.SUCCEEDED, "success"))
    result = subprocess.run(
        [sys.executable, "-c", IDLE_TRAY_SCRIPT, str(data_dir)],
        env=subprocess_env(PDFCO_KEY=PDFCO_KEY),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.splitlines() == ["idle: False False", "with a job: True"], result.stderr[-2000:]


WATCHING_TRAY_SCRIPT = """
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
end = time.monotonic() + 20
while time.monotonic() < end and not any(j.state is JobState.SUCCEEDED for j in controller.model.jobs()):
    app.processEvents()
end = time.monotonic() + 0.5  # what follows an ending (notification, after-end work) runs too
while time.monotonic() < end:
    app.processEvents()
ended = any(j.state is JobState.SUCCEEDED for j in controller.model.jobs())
lazy = ("apprise", "jmespath", "desktop_app.engine.forwarding", "desktop_app.providers.defined")
print("ended:", ended, "loaded:", sorted(m for m in lazy if m in sys.modules))
controller.shutdown()
"""


def test_a_tray_without_forwards_or_definitions_loads_neither_apprise_nor_jmespath(
    data_dir: Path, store: Store
) -> None:
    """Issue 19 (idle RSS): apprise (forwarding) and jmespath (provider definitions) cost memory and start-up
    time; a tray that polls built-in providers and forwards nothing never imports them, not even when a job ends."""
    import subprocess
    import sys

    from desktop_app.simulators.server import serve
    from tests.conftest import subprocess_env

    sim = pdfco_sim.PdfCoSimulator(PDFCO_KEY)
    server = serve(sim)
    try:
        account = store.accounts.add(_account("acme", server.base_url))
        store.jobs.add(account, sim.add_job([pdfco_sim.success()]))
        result = subprocess.run(
            [sys.executable, "-c", WATCHING_TRAY_SCRIPT, str(data_dir)],
            env=subprocess_env(PDFCO_KEY=PDFCO_KEY),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.stop()
    assert result.stdout.splitlines() == ["ended: True loaded: []"], result.stderr[-2000:]


def test_a_keyring_locked_at_login_is_polled_once_it_unlocks(
    store: Store, pdfco_simulator, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10: a keyring locked at login meant the account was never polled, not even after "Check now"."""
    import keyring

    from tests.support.locked_keyring import LockedKeyring

    sim, server = pdfco_simulator
    job_id = sim.add_job([pdfco_sim.success()])
    backend = LockedKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.setattr(supervisor_module, "KEY_RETRY_FIRST_S", 0.2)
    controller = None
    try:
        saved = AccountService(store).add(
            AccountDraft("acme", "pdfco", KeySource.KEYRING, base_url=server.base_url), Secret(PDFCO_KEY)
        )
        store.jobs.add(saved.account, job_id)
        backend.locked = True  # the session starts with the collection locked
        controller = _controller(store, {})
        controller.start()
        qtbot.waitUntil(
            lambda: controller.polling.run("acme") is not None and controller.polling.run("acme").key_failures,
            timeout=3000,
        )
        assert not controller.polling.run("acme").polling
        assert "is it unlocked?" in (store.accounts.last_error("acme") or "")
        backend.locked = False  # the user unlocks it
        qtbot.waitUntil(lambda: store.jobs.find(job_id)[0].state == JobState.SUCCEEDED, timeout=5000)
    finally:
        if controller is not None:
            assert controller.shutdown()
        keyring.set_keyring(previous)
