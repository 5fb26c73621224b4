"""Issue 19 (icon shown): app.run shows the tray's icon before it builds the controller (app/early_tray.py). That
icon must be the one the controller draws for the same store, from its first pixel; the controller adopts it (one
QSystemTrayIcon, no other picture in between); a quit signal before the controller exists quits as usual."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QSystemTrayIcon

import desktop_app.app.run as app_module
from desktop_app.app.controller import AppController
from desktop_app.app.early_tray import early_icon, glance_key
from desktop_app.core.handoff import ACTIVATE, Reply, WatchRequest, encode_watch, parse_reply
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.core.problems import ProblemKind
from desktop_app.store.database import Store
from desktop_app.store.tray_glance import read_tray_glance
from desktop_app.system.handoff import instance_key
from desktop_app.ui.icons import TrayIconKey, TrayLook, tray_icon
from tests.support.notifier import QuietNotifier


def _image(icon: QIcon, size: int = 22) -> QImage:
    return icon.pixmap(size, size).toImage()


def _nothing(store: Store) -> None:
    return None


def _open_with_progress(store: Store) -> None:
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_EARLY_KEY"))
    for n, progress in enumerate((10.0, 42.5, None)):
        job, _ = store.jobs.add(account, f"job-{n}")
        store.jobs.record_status(job.id, Status(f"job-{n}", JobState.RUNNING, "working", progress))
    ended, _ = store.jobs.add(account, "job-done")
    store.jobs.record_status(ended.id, Status("job-done", JobState.SUCCEEDED, "success"))


def _alarming_failure(store: Store) -> None:
    _open_with_progress(store)
    failed, _ = store.jobs.add(store.accounts.get("acme"), "job-bad")
    store.jobs.record_status(failed.id, Status("job-bad", JobState.FAILED, "failed", None, "damaged"))


def _acknowledged_failure(store: Store) -> None:
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_EARLY_KEY"))
    failed, _ = store.jobs.add(account, "job-bad")
    store.jobs.record_status(failed.id, Status("job-bad", JobState.FAILED, "failed", None, "damaged"))
    store.jobs.acknowledge([failed.id])


def _account_problem(store: Store) -> None:
    _open_with_progress(store)
    other = store.accounts.add(Account("other", "pdfco", KeySource.ENV, key_env="UNSET_EARLY_KEY"))
    store.jobs.add(other, "job-other")
    store.accounts.set_problem("acme", ProblemKind.NO_KEY, "no key")


STORES: dict[str, tuple[Callable[[Store], None], TrayIconKey]] = {
    "nothing": (_nothing, TrayIconKey(TrayLook.IDLE)),
    "open jobs": (_open_with_progress, TrayIconKey(TrayLook.RUNNING, 3, 25)),
    "an alarming failure": (_alarming_failure, TrayIconKey(TrayLook.FAILED)),
    "an acknowledged failure": (_acknowledged_failure, TrayIconKey(TrayLook.DONE)),
    "an account that cannot be checked": (_account_problem, TrayIconKey(TrayLook.PROBLEM)),
}


class RecordingIcon(QSystemTrayIcon):
    """Every picture the tray gives its icon (TrayIcon sets it from Python)."""

    def __init__(self, icon: QIcon) -> None:
        super().__init__(icon)
        self.pictures: list[QImage] = []

    def setIcon(self, icon: QIcon) -> None:  # Qt's name
        self.pictures.append(_image(icon))
        super().setIcon(icon)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "data") as opened:
        yield opened


@pytest.mark.parametrize("name", list(STORES))
def test_the_early_icon_is_the_controller_s_for_the_same_store(name: str, store: Store, qtbot) -> None:
    fill, expected = STORES[name]
    fill(store)
    key = glance_key(read_tray_glance(store.conn))
    assert key == expected
    controller = app_module.AppController(store, show_tray=False, notifier=QuietNotifier())
    try:
        controller.start()
        assert controller.tray._key == key  # what the tray drew
        assert _image(controller.tray.icon.icon()) == _image(early_icon(key).icon())
    finally:
        controller.shutdown()


@pytest.mark.parametrize("name", list(STORES))
def test_the_controller_adopts_the_early_icon_and_never_draws_another_picture(name: str, store: Store, qtbot) -> None:
    fill, _expected = STORES[name]
    fill(store)
    key = glance_key(read_tray_glance(store.conn))
    icon = RecordingIcon(tray_icon(key))
    controller = app_module.AppController(store, show_tray=False, notifier=QuietNotifier(), tray_icon=icon)
    try:
        controller.start()
        first = _image(tray_icon(key))
        # Up to the first event turn: after it the accounts start, and with no key in the environment an account
        # problem is found and drawn (a real change, not a flash; when it comes depends on the warm-up thread).
        assert all(picture == first for picture in icon.pictures), "another picture was shown meanwhile"
        assert _image(icon.icon()) == first
        assert controller.tray.icon is icon
        assert controller.findChildren(QSystemTrayIcon) == [icon]  # one icon
        qtbot.wait(1)  # the accounts' start, in the next turn
        assert controller.tray.icon.toolTip().startswith("JobTray: ")  # the tray's own once built
    finally:
        controller.shutdown()


def test_a_sigterm_before_the_controller_exists_quits_as_usual(data_dir: Path, qtbot) -> None:
    built: list[object] = []
    before = signal.getsignal(signal.SIGTERM)

    def early(_icon: QSystemTrayIcon | None) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # a real signal, its handler already in place

    args = argparse.Namespace(demo=False, quit_after=None, data_dir=str(data_dir), debug=False)
    assert app_module.run_app(args, built.append, early) == 0
    assert built == []  # quit before the controller was built
    assert signal.getsignal(signal.SIGTERM) == before  # our handler removed again
    # Everything was let go: the next start is the only instance and builds its controller.
    args = argparse.Namespace(demo=False, quit_after=0.05, data_dir=str(data_dir), debug=False)
    assert app_module.run_app(args, built.append) == 0
    assert len(built) == 1


def test_a_store_that_cannot_be_read_for_the_icon_leaves_the_icon_to_the_controller(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, qtbot
) -> None:
    def locked(_conn: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(app_module, "read_tray_glance", locked)
    early: list[QSystemTrayIcon | None] = []
    built: list[object] = []
    args = argparse.Namespace(demo=False, quit_after=0.05, data_dir=str(data_dir), debug=False)
    assert app_module.run_app(args, built.append, early.append) == 0
    assert early == [None]  # no early icon: the controller made and showed its own
    assert len(built) == 1


def test_a_click_on_the_early_icon_before_the_controller_does_nothing(qtbot) -> None:
    icon = early_icon(TrayIconKey(TrayLook.RUNNING, 2, None))
    assert icon.contextMenu() is None  # no menu until the controller fills it
    icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)  # nothing is connected yet: nothing happens
    icon.activated.emit(QSystemTrayIcon.ActivationReason.Context)
    assert icon.toolTip() == "JobTray"


def test_a_controller_that_cannot_be_built_ends_the_start_with_its_error(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, qtbot
) -> None:
    import desktop_app.app.controller as controller_module

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug in a part")

    monkeypatch.setattr(controller_module, "AppController", broken)
    args = argparse.Namespace(demo=False, quit_after=None, data_dir=str(data_dir), debug=False)
    with pytest.raises(RuntimeError, match="a bug in a part"):
        app_module.run_app(args)
    # Everything was let go: the next start is the only instance.
    monkeypatch.undo()
    built: list[object] = []
    args = argparse.Namespace(demo=False, quit_after=0.05, data_dir=str(data_dir), debug=False)
    assert app_module.run_app(args, built.append) == 0
    assert len(built) == 1


def test_a_hand_off_and_a_show_yourself_waiting_before_the_controller_are_answered(
    data_dir: Path, short_runtime_dir: Path, qtbot
) -> None:
    """Both wait on the single-instance socket when the event loop starts: the controller is built at once for
    them (before, the handler was set before the loop ran; a refusal or a lost activation would be a regression)."""
    with Store(data_dir) as store:
        store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_EARLY_KEY"))
    key = instance_key(data_dir)
    clients: list[socket.socket] = []
    replies: list[bytes] = []
    built: list[AppController] = []

    def early(_icon: QSystemTrayIcon | None) -> None:
        show = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        show.connect(key)
        show.sendall(ACTIVATE)
        watch = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        watch.connect(key)
        watch.sendall(encode_watch(WatchRequest("acme", "job-handed", "early")))
        clients.extend((show, watch))

    def ready(controller: AppController) -> None:
        built.append(controller)
        QTimer.singleShot(0, QCoreApplication.quit)

    args = argparse.Namespace(demo=False, quit_after=None, data_dir=str(data_dir), debug=False)
    try:
        assert app_module.run_app(args, ready, early) == 0
        clients[1].settimeout(5)
        replies.append(clients[1].recv(4096))
    finally:
        for client in clients:
            client.close()
    assert len(built) == 1
    assert parse_reply(replies[0]) == Reply(True, created=True)
    assert built[0].windows.is_built  # "show yourself" reached the controller
    with Store(data_dir) as store:
        assert [job.label for job in store.jobs.find("job-handed")] == ["early"]


def test_a_store_that_cannot_be_opened_lets_the_single_instance_go(
    data_dir: Path, short_runtime_dir: Path, qtbot: object
) -> None:
    """The store opens after this start became the single instance: its error ended the start with the socket
    still listening (the next start in this process was told "already running" and never built anything)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    folder = data_dir / "not-a-folder"
    folder.write_text("a file where the data folder should be")
    args = argparse.Namespace(demo=False, quit_after=None, data_dir=str(folder), debug=False)
    from desktop_app.store.db import StoreError

    with pytest.raises(StoreError, match="cannot create the data folder"):
        app_module.run_app(args)
    assert not os.path.exists(instance_key(folder))  # its socket closed and removed
