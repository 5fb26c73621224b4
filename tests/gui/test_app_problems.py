"""The tray app tells the user about its own problems: a damaged database it replaced, an uncaught exception."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

import desktop_app.app.controller as controller_module
from desktop_app.app.run import AppController, run_app
from desktop_app.ui.notifier import Notifier

Told = list[tuple[str, str]]


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> Told:
    calls: Told = []

    class RecordingNotifier(Notifier):
        def notify_problem(self, title: str, message: str) -> None:
            calls.append((title, message))

    monkeypatch.setattr(controller_module, "Notifier", RecordingNotifier)  # where AppController looks it up
    return calls


def _args(data_dir: Path, quit_after: float) -> argparse.Namespace:
    return argparse.Namespace(demo=False, quit_after=quit_after, data_dir=str(data_dir), debug=False)


def test_a_damaged_database_is_replaced_and_the_user_told(data_dir: Path, told: Told, qtbot) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "jobtray.sqlite3").write_bytes(b"definitely not SQLite " * 200)
    assert run_app(_args(data_dir, 0.5)) == 0
    assert [title for title, _ in told] == ["JobTray started a new database"]
    assert list(data_dir.glob("jobtray.sqlite3.corrupt-*"))  # kept, not deleted


def test_an_uncaught_exception_is_told_once_and_the_app_keeps_running(data_dir: Path, told: Told, qtbot) -> None:
    def ready(controller: AppController) -> None:
        def boom() -> None:
            raise RuntimeError("a bug in a slot")

        QTimer.singleShot(0, boom)
        QTimer.singleShot(50, boom)

    assert run_app(_args(data_dir, 1.0), ready) == 0
    assert len(told) == 1
    title, message = told[0]
    assert title == "JobTray hit an unexpected error" and "RuntimeError" in message
