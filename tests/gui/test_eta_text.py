""" "likely in 4-6 min": the ETA text, in the tray menu and the window's Duration cells, on an injected clock."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from desktop_app.core.model import JobState
from desktop_app.ui.etatext import eta_text
from desktop_app.ui.job_model import Column, JobTableModel
from desktop_app.ui.tray import TrayIcon
from tests.gui.conftest import T0, make_job

NOW = T0 + timedelta(minutes=10)


def test_eta_texts_by_size() -> None:
    assert eta_text(NOW + timedelta(minutes=4), NOW + timedelta(minutes=6), NOW) == "likely in 4-6 min"
    assert eta_text(NOW + timedelta(seconds=20), NOW + timedelta(seconds=40), NOW) == "likely in 20-40 s"
    assert eta_text(NOW + timedelta(seconds=5), NOW + timedelta(minutes=2), NOW) == "likely within 2 min"
    assert eta_text(NOW + timedelta(hours=1), NOW + timedelta(hours=3), NOW) == "likely in 1-3 h"
    assert eta_text(NOW - timedelta(seconds=5), NOW - timedelta(seconds=1), NOW) == "likely any moment"


def test_the_menu_shows_the_eta_of_open_jobs_only() -> None:
    tray = TrayIcon(clock=lambda: NOW)
    running = make_job(1, JobState.RUNNING, label="encode", progress=40.0)
    plain = make_job(2, JobState.RUNNING, label="no basis")
    ended = make_job(3, JobState.SUCCEEDED, label="done")
    tray.set_jobs([running, plain, ended])
    window = (NOW + timedelta(minutes=4), NOW + timedelta(minutes=6))
    tray.set_etas({1: window, 3: window})
    tray.rebuild_menu()
    texts = [a.text() for a in tray.menu.actions() if a.menu() is not None]
    assert "encode · PDF.co · 40% · likely in 4-6 min" in texts
    assert not any("likely" in t for t in texts if t.startswith(("no basis", "done")))


def test_the_window_shows_the_eta_beside_the_duration() -> None:
    model = JobTableModel(clock=lambda: NOW)
    model.upsert([make_job(1, JobState.RUNNING), make_job(2, JobState.RUNNING)])
    model.set_etas({1: (NOW + timedelta(minutes=4), NOW + timedelta(minutes=6))})
    row = model.row_of(1)
    assert row is not None
    text = model.data(model.index(row, int(Column.DURATION)), Qt.ItemDataRole.DisplayRole)
    assert text == "10m 00s · likely in 4-6 min"
    other = model.row_of(2)
    assert other is not None
    assert model.data(model.index(other, int(Column.DURATION)), Qt.ItemDataRole.DisplayRole) == "10m 00s"
