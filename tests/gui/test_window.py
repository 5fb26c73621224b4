"""The main window: the filter box, the history timeline, and intents sent by signal."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from desktop_app.core.model import HistoryEntry, JobState
from desktop_app.ui.job_model import JOB_ROW_ID_ROLE, Column, JobTableModel
from desktop_app.ui.window import JobWindow
from tests.gui.conftest import T0, make_job


def _window(qtbot) -> tuple[JobWindow, JobTableModel]:
    model = JobTableModel()
    model.sync(
        [
            make_job(1, JobState.SUCCEEDED, label="Invoice batch", account="acme"),
            make_job(2, JobState.FAILED, label="Brochure", account="globex", message="Input file is damaged"),
            make_job(3, JobState.RUNNING, label="Annual report", account="acme", progress=30.0),
        ]
    )
    window = JobWindow(model)
    qtbot.addWidget(window)
    return window, model


def test_filter_box_matches_any_column(qtbot) -> None:
    window, _ = _window(qtbot)
    assert window.proxy.rowCount() == 3
    qtbot.keyClicks(window.filter, "damaged")
    assert window.proxy.rowCount() == 1
    window.filter.clear()
    window.filter.setText("ACME")
    assert window.proxy.rowCount() == 2
    window.filter.setText("failed")
    assert window.proxy.rowCount() == 1
    window.filter.clear()
    assert window.proxy.rowCount() == 3


def test_selecting_a_job_asks_for_its_history_and_shows_it(qtbot) -> None:
    window, model = _window(qtbot)
    with qtbot.waitSignal(window.job_selected) as selected:
        window.select_job(2)
    assert selected.args == [2]
    job = model.job(2)
    entries = [
        HistoryEntry(T0, JobState.QUEUED, None),
        HistoryEntry(T0 + timedelta(seconds=5), JobState.RUNNING, "working", 10.0),
        HistoryEntry(T0 + timedelta(seconds=30), JobState.FAILED, "failed", None, "Input file is damaged"),
    ]
    window.show_history(job, entries)
    lines = [window.history.timeline.item(i).text() for i in range(window.history.timeline.count())]
    assert len(lines) == 3
    assert "Queued" in lines[0]
    assert "Running" in lines[1] and "(working)" in lines[1] and "10%" in lines[1]
    assert "Failed" in lines[2] and "Input file is damaged" in lines[2]
    assert "Brochure" in window.history.title.text()
    assert f"{job.account} (PDF.co)" in window.history.title.text()  # the provider as the user knows it
    window.show_history(None, [])
    assert window.history.timeline.count() == 0


def test_model_updates_keep_the_selection(qtbot) -> None:
    window, model = _window(qtbot)
    window.select_job(3)
    model.upsert([make_job(3, JobState.RUNNING, label="Annual report", account="acme", progress=80.0)])
    model.upsert([make_job(4, JobState.QUEUED, label="New one")])
    assert window.current_row_id() == 3


def test_delete_key_and_double_click_send_intents(qtbot) -> None:
    window, model = _window(qtbot)
    model.upsert([make_job(1, JobState.SUCCEEDED, label="Invoice batch", result_url="https://example.com/1.pdf")])
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.select_job(1)
    window.table.setFocus()
    with qtbot.waitSignal(window.remove_requested) as removed:
        qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert removed.args == [[1]]
    index = window.table.currentIndex()
    with qtbot.waitSignal(window.open_url_requested) as opened:
        window.table.doubleClicked.emit(index)
    assert opened.args == ["https://example.com/1.pdf"]


def test_closing_hides_instead_of_quitting(qtbot) -> None:
    window, _ = _window(qtbot)
    window.show()
    with qtbot.waitSignal(window.hidden):
        window.close()
    assert not window.isVisible()


def test_header_sorting_is_done_by_the_model_and_kept_through_updates(qtbot) -> None:
    window, model = _window(qtbot)

    def shown() -> list[int]:
        return [window.proxy.index(r, 0).data(JOB_ROW_ID_ROLE) for r in range(window.proxy.rowCount())]

    assert model.sort_column() == (Column.UPDATED, True)  # the window's default: newest first
    assert shown() == [3, 2, 1]
    window.table.sortByColumn(Column.STATE, Qt.SortOrder.AscendingOrder)
    assert model.sort_column() == (Column.STATE, False)
    assert shown() == [3, 1, 2]  # running, finished, failed (JobState's order)
    window.select_job(2)
    model.upsert([make_job(2, JobState.QUEUED, label="Brochure", account="globex")])
    assert shown() == [2, 3, 1]
    assert window.current_row_id() == 2  # the selection moved with the row
    window.filter.setText("acme")
    assert shown() == [3, 1]
