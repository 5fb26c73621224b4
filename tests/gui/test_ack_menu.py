"""Acknowledge in the tray menu (issue 21): a failure keeps the icon alarming until acknowledged."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from desktop_app.core.model import JobState
from desktop_app.ui.icons import TrayLook
from desktop_app.ui.tray import TrayIcon
from tests.gui.conftest import T0, make_job


def _look(tray: TrayIcon) -> TrayLook:
    assert tray._key is not None
    return tray._key.look


def test_a_failure_alarms_until_acknowledged_not_until_the_menu_is_opened(qtbot: QtBot) -> None:
    tray = TrayIcon(clock=lambda: T0)
    failed = make_job(1, JobState.FAILED, label="broken")
    tray.set_jobs([failed, make_job(2, JobState.RUNNING, label="busy")])
    assert _look(tray) == TrayLook.FAILED
    tray.rebuild_menu()
    tray.menu.aboutToShow.emit()  # opening the menu used to count as "seen"
    tray.acknowledge()
    assert _look(tray) == TrayLook.FAILED

    entries = {a.text().split(" · ")[0]: a.menu() for a in tray.menu.actions() if isinstance(a.menu(), QMenu)}
    broken, busy = entries["broken"], entries["busy"]
    assert isinstance(broken, QMenu) and isinstance(busy, QMenu)
    texts = [a.text() for a in broken.actions()]
    assert "Acknowledge" in texts
    assert "Acknowledge" not in [a.text() for a in busy.actions()]
    with qtbot.waitSignal(tray.acknowledge_requested) as one:
        next(a for a in broken.actions() if a.text() == "Acknowledge").trigger()
    assert one.args == [[1]]
    every = next(a for a in tray.menu.actions() if a.text().startswith("Acknowledge failures"))
    assert every.text() == "Acknowledge failures (1)"
    with qtbot.waitSignal(tray.acknowledge_requested) as both:
        every.trigger()
    assert both.args == [[1]]

    # The app writes the acknowledgement and hands the jobs back: the running count shows again.
    tray.set_jobs([make_job(1, JobState.FAILED, label="broken", acknowledged_at=T0), make_job(2, JobState.RUNNING)])
    assert _look(tray) == TrayLook.RUNNING
    tray.rebuild_menu()
    assert not any(a.text().startswith("Acknowledge failures") for a in tray.menu.actions())


def test_the_window_acknowledges_selected_failures(qtbot: QtBot) -> None:
    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QMenu as Menu

    from desktop_app.ui.job_model import JobTableModel
    from desktop_app.ui.window import JobWindow

    model = JobTableModel()
    model.sync([make_job(1, JobState.FAILED, label="broken"), make_job(2, JobState.SUCCEEDED, label="fine")])
    window = JobWindow(model)
    qtbot.addWidget(window)
    window.table.selectAll()
    with qtbot.waitSignal(window.acknowledge_requested) as acked:
        window.acknowledge_selected()
    assert acked.args == [[1]]  # the success is left out

    def menu_texts(row_id: int) -> list[str]:
        row = model.row_of(row_id)
        assert row is not None
        index: QModelIndex = window.table.model().index(row, 0)
        window._context_menu(window.table.visualRect(index).center())
        menus = window.findChildren(Menu)
        texts = [a.text() for a in menus[-1].actions()]
        menus[-1].close()
        return texts

    assert "Acknowledge" in menu_texts(1)
    assert "Acknowledge" not in menu_texts(2)


def test_forwarding_problems_have_a_menu_line_that_opens_the_settings(qtbot: QtBot) -> None:
    tray = TrayIcon(clock=lambda: T0)
    tray.set_forward_problems(["forward 'phone': environment variable PHONE_URL is not set"])
    tray.rebuild_menu()
    first = tray.menu.actions()[0]
    assert first.text() == "forward 'phone': environment variable PHONE_URL is not set"
    with qtbot.waitSignal(tray.settings_requested):
        first.trigger()
    tray.set_forward_problems([])
    tray.rebuild_menu()
    assert not tray.menu.actions()[0].text().startswith("forward")
