"""With neither a notification server nor a tray icon, endings reach the person in the window (issue 18): raised
when hidden, with a banner of what ended since it was last seen."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from desktop_app.ui.missed_endings import MAX_LINES, EndingsBanner, banner_of, show_in_window


def test_an_ending_raises_the_hidden_window_with_a_banner(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    assert window.isHidden()
    banner = show_in_window(window, "Failed: report", "PDF.co (acme): broken", warning=True)
    assert window.isVisible()
    assert banner.isVisible() and "Failed: report" in banner.text() and "Since you last looked" in banner.text()
    assert banner_of(window) is banner  # one banner, however many endings
    show_in_window(window, "Finished: invoice", "PDF.co (acme)")
    assert banner.lines[0].startswith("Finished: invoice")  # newest first


def test_many_endings_show_the_latest_and_a_count(qtbot: QtBot) -> None:
    banner = EndingsBanner()
    qtbot.addWidget(banner)
    for n in range(MAX_LINES + 3):
        banner.add(f"Finished: job-{n}", "")
    assert "and 3 more" in banner.text()
    assert "job-0" not in banner.text() and f"job-{MAX_LINES + 2}" in banner.text()


def test_dismiss_and_hiding_a_seen_window_empty_the_banner(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    banner = show_in_window(window, "Failed: a", "")
    banner.actions()[-1].trigger()  # Dismiss
    assert banner.lines == [] and not banner.isVisible()
    show_in_window(window, "Failed: b", "")
    window.hide()  # hidden before it was looked at: the banner stays
    assert banner.lines == ["Failed: b"]
    show_in_window(window, "Failed: c", "")
    # Offscreen has no window manager to activate windows: the event it would send.
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))
    window.hide()  # seen, then closed
    assert banner.lines == []
