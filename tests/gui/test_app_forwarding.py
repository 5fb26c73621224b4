"""Forwarding from the tray process (issue 21): an ending recorded by the tray goes to a real receiver through the
tray's outbox; a failing receiver is told once (a notification and a menu line) and the ending's own desktop
notification is unaffected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import desktop_app.app.run as app_module
from desktop_app.core.forwarding import ForwardTarget, UrlSource
from desktop_app.core.model import Account, JobState, KeySource, Status, StatusChange
from desktop_app.engine.results import CheckResult
from desktop_app.store.database import Store
from tests.support.notifier import QuietNotifier
from tests.support.receiver import Receiver, receiving


class RecordingNotifier(QuietNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.endings: list[str] = []
        self.problems: list[str] = []

    def notify_changes(self, changes: list[StatusChange]) -> None:
        self.endings += [c.job.job_id for c in changes if c.new_state.is_terminal]

    def notify_problem(self, title: str, message: str) -> None:
        self.problems.append(message)


def _controller(folder: Path, url: str) -> app_module.AppController:
    store = Store(folder)
    if not store.accounts.all():
        account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_BENCH_KEY"))
        for n in range(2):
            store.jobs.add(account, f"job-{n}")
        store.forwards.add(ForwardTarget("phone", UrlSource.ENV, url_env="PHONE_URL"))
    controller = app_module.AppController(
        store, environ={"PHONE_URL": url}, show_tray=False, notifier=RecordingNotifier()
    )
    controller.model.sync(store.jobs.all())
    return controller


def _fail(controller: app_module.AppController, job_id: str) -> None:
    status = Status(job_id, JobState.FAILED, "error", message="Input file is damaged")
    controller.polling.record(CheckResult("acme", (job_id,), (status,)))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving("ok") as r:
        yield r


def test_an_ending_in_the_tray_reaches_the_receiver(tmp_path: Path, receiver: Receiver, qtbot: QtBot) -> None:
    controller = _controller(tmp_path / "data", f"ntfy://127.0.0.1:{receiver.port}/jobs")
    try:
        _fail(controller, "job-0")
        (got,) = receiver.wait_for(1, timeout=15)
        assert got.body["title"] == "Failed: job-0" and "Input file is damaged" in got.body["message"]
        notifier = controller.notifier
        assert isinstance(notifier, RecordingNotifier) and notifier.endings == ["job-0"]
    finally:
        controller.shutdown()
        controller.store.close()


def test_a_failing_receiver_is_told_once_and_the_notification_is_unaffected(tmp_path: Path, qtbot: QtBot) -> None:
    with receiving("fail") as failing:
        controller = _controller(tmp_path / "data", f"json://127.0.0.1:{failing.port}/hook/tk_abcdefghij")
        try:
            _fail(controller, "job-0")
            _fail(controller, "job-1")
            notifier = controller.notifier
            assert isinstance(notifier, RecordingNotifier)
            assert notifier.endings == ["job-0", "job-1"]  # told on the desktop at once, whatever the forward does
            qtbot.waitUntil(lambda: len(failing.received) >= 6, timeout=60_000)  # 2 rows x 3 attempts
            told = lambda: [p for p in notifier.problems if "forward" in p]  # noqa: E731
            qtbot.waitUntil(lambda: bool(told()), timeout=5000)
            qtbot.wait(200)
            assert len(told()) == 1 and "tk_abcdefghij" not in told()[0]
            controller.tray.rebuild_menu()
            assert controller.tray.menu.actions()[0].text().startswith("forward phone: not delivered")
        finally:
            controller.shutdown()
            controller.store.close()
