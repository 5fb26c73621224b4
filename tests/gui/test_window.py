"""The main window: the filter box, the history timeline, and intents sent by signal."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from desktop_app.core.model import HistoryEntry, JobState
from desktop_app.ui.job_model import JOB_ROW_ID_ROLE, Column, JobTableModel
from desktop_app.ui.window import (
    MAX_FIT_WIDTH,
    MIN_JOB_WIDTH,
    MIN_MESSAGE_WIDTH,
    JobWindow,
    summary_text,
    window_settings,
)
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


# ---- issue 14: the window people look at ----------------------------------------------------------------------

NOW = T0 + timedelta(minutes=10)


class FakeClock:
    """The model's clock: tests move it; the wall clock never matters."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _settings(tmp_path: Path, name: str = "window.ini") -> QSettings:
    return QSettings(str(tmp_path / name), QSettings.Format.IniFormat)


def _clocked_window(qtbot, tmp_path: Path, clock: FakeClock | None = None) -> tuple[JobWindow, JobTableModel]:
    model = JobTableModel(clock=clock or FakeClock(NOW))
    model.sync(
        [
            make_job(
                1,
                JobState.SUCCEEDED,
                label="Invoice batch",
                created_at=T0,
                updated_at=T0 + timedelta(seconds=125),
                finished_at=T0 + timedelta(seconds=125),
                result_url="https://example.com/1.pdf",
            ),
            make_job(2, JobState.RUNNING, label="Annual report", created_at=T0 + timedelta(minutes=7), progress=30.0),
        ]
    )
    window = JobWindow(model, settings=_settings(tmp_path))
    qtbot.addWidget(window)
    return window, model


def _cell(model: JobTableModel, row_id: int, column: Column, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    row = model.row_of(row_id)
    assert row is not None
    return model.index(row, column).data(role)


def test_duration_and_relative_time_columns_come_from_the_injected_clock(qtbot, tmp_path: Path) -> None:
    clock = FakeClock(T0 + timedelta(seconds=125) + timedelta(minutes=3, seconds=10))
    _, model = _clocked_window(qtbot, tmp_path, clock)
    assert _cell(model, 1, Column.DURATION) == "2m 05s"  # from its start to its end
    assert _cell(model, 1, Column.UPDATED) == "3 min ago"
    tooltip = str(_cell(model, 1, Column.UPDATED, Qt.ItemDataRole.ToolTipRole))
    assert (T0 + timedelta(seconds=125)).astimezone().strftime("%Y-%m-%d %H:%M:%S") in tooltip
    duration_tip = str(_cell(model, 1, Column.DURATION, Qt.ItemDataRole.ToolTipRole))
    assert duration_tip.startswith("Started ") and "\nEnded " in duration_tip
    running = _cell(model, 2, Column.DURATION)
    clock.now += timedelta(minutes=2)  # an open job's duration and every "ago" move with the clock
    assert running != _cell(model, 2, Column.DURATION)
    assert _cell(model, 1, Column.UPDATED) == "5 min ago"
    assert _cell(model, 1, Column.DURATION) == "2m 05s"  # an ended job's does not
    clock.now += timedelta(days=40)
    assert _cell(model, 1, Column.UPDATED) == (T0 + timedelta(seconds=125)).astimezone().strftime("%Y-%m-%d")


def test_sorting_by_duration_does_not_depend_on_the_clock(qtbot, tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    window, model = _clocked_window(qtbot, tmp_path, clock)
    window.table.sortByColumn(Column.DURATION, Qt.SortOrder.AscendingOrder)
    first = [window.proxy.index(r, 0).data(JOB_ROW_ID_ROLE) for r in range(window.proxy.rowCount())]
    clock.now += timedelta(hours=5)
    model.upsert([make_job(2, JobState.RUNNING, label="Annual report", created_at=T0 + timedelta(minutes=7))])
    assert [window.proxy.index(r, 0).data(JOB_ROW_ID_ROLE) for r in range(window.proxy.rowCount())] == first
    assert first == [1, 2]  # ended jobs by how long they took, then the open ones


def test_a_long_message_is_elided_in_the_middle_and_complete_in_its_tooltip(qtbot, tmp_path: Path) -> None:
    message = "Conversion failed: " + "the input file is damaged " * 8 + "at page 12 of 40"
    model = JobTableModel(clock=FakeClock(NOW))
    model.sync([make_job(1, JobState.FAILED, message=message)])
    window = JobWindow(model, settings=_settings(tmp_path))
    qtbot.addWidget(window)
    window.show()
    assert window.table.textElideMode() == Qt.TextElideMode.ElideMiddle
    index = window.proxy.index(0, Column.MESSAGE)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == message
    # What the delegate paints: the view's option, as the table hands it to the delegate.
    option = QStyleOptionViewItem()
    window.table.initViewItemOption(option)
    window.table.itemDelegateForIndex(index).initStyleOption(option, index)
    assert option.textElideMode == Qt.TextElideMode.ElideMiddle
    shown = option.fontMetrics.elidedText(option.text, option.textElideMode, 240)
    assert "…" in shown
    head, tail = shown.split("…")
    assert message.startswith(head) and message.endswith(tail) and tail.endswith("of 40")


def test_columns_are_sized_to_their_content_once_rows_arrive(qtbot, tmp_path: Path) -> None:
    model = JobTableModel(clock=FakeClock(NOW))
    window = JobWindow(model, settings=_settings(tmp_path))
    qtbot.addWidget(window)
    window.resize(1400, 500)
    window.show()
    model.sync([make_job(1, JobState.FAILED, label="A rather long label for a job " * 2, account="a")])
    qtbot.waitUntil(lambda: window.table.columnWidth(Column.ACCOUNT) < 110, timeout=2000)  # re-fitted
    metrics = window.table.fontMetrics()
    job_text = str(window.proxy.index(0, Column.JOB).data())
    assert window.table.columnWidth(Column.JOB) == min(metrics.horizontalAdvance(job_text) + 12, MAX_FIT_WIDTH)
    assert window.table.columnWidth(Column.ACCOUNT) < 110  # sized to "Account", not the old fixed guess
    # A narrow table: the job column gives way (elided in the middle) so that the message keeps its room.
    window.resize(900, 500)
    window.fit_columns()
    others = sum(window.table.columnWidth(c) for c in Column if c not in (Column.JOB, Column.MESSAGE))
    room = window.table.viewport().width() - others - MIN_MESSAGE_WIDTH
    assert room < MAX_FIT_WIDTH
    assert window.table.columnWidth(Column.JOB) == max(MIN_JOB_WIDTH, room)


def test_each_row_has_an_open_result_action_file_first(qtbot, tmp_path: Path) -> None:
    window, model = _clocked_window(qtbot, tmp_path)
    model.upsert(
        [
            make_job(
                3,
                JobState.SUCCEEDED,
                label="Saved",
                result_url="https://example.com/3.pdf",
                result_file="/tmp/results/3.pdf",
            )
        ]
    )
    assert _cell(model, 1, Column.RESULT) == "Open link"
    assert _cell(model, 3, Column.RESULT) == "Open file"
    assert _cell(model, 2, Column.RESULT) == ""  # nothing to open yet
    assert _cell(model, 3, Column.RESULT, Qt.ItemDataRole.ToolTipRole) == "/tmp/results/3.pdf"
    window.show()
    window.select_job(3)
    rect = window.table.visualRect(window.table.currentIndex().siblingAtColumn(Column.RESULT))
    with qtbot.waitSignal(window.open_file_requested) as opened:
        qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == ["/tmp/results/3.pdf"]
    window.select_job(1)
    rect = window.table.visualRect(window.table.currentIndex().siblingAtColumn(Column.RESULT))
    with qtbot.waitSignal(window.open_url_requested) as opened:
        qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == ["https://example.com/1.pdf"]


def _active(qtbot, window: JobWindow) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)


def test_keyboard_ctrl_f_filter_delete_remove_enter_open_ctrl_v_paste(qtbot, tmp_path: Path) -> None:
    window, _ = _clocked_window(qtbot, tmp_path)
    _active(qtbot, window)
    window.select_job(1)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter.hasFocus()
    window.table.setFocus()
    with qtbot.waitSignal(window.remove_requested) as removed:
        qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert removed.args == [[1]]
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        with qtbot.waitSignal(window.open_url_requested) as opened:
            qtbot.keyClick(window.table, key)
        assert opened.args == ["https://example.com/1.pdf"]
    QGuiApplication.clipboard().setText("job 1234567890ABCDEF")
    with qtbot.waitSignal(window.text_dropped) as pasted:
        qtbot.keyClick(window.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert pasted.args == ["job 1234567890ABCDEF"]
    window.filter.setFocus()
    with qtbot.assertNotEmitted(window.open_url_requested):
        qtbot.keyClick(window.filter, Qt.Key.Key_Return)  # Enter in the filter box opens nothing


def test_status_bar_sums_up_running_finished_today_and_failed(qtbot, tmp_path: Path) -> None:
    clock = FakeClock(T0 + timedelta(hours=1))
    model = JobTableModel(clock=clock)
    model.sync(
        [
            make_job(1, JobState.RUNNING),
            make_job(2, JobState.QUEUED),
            make_job(3, JobState.SUCCEEDED),
            make_job(4, JobState.SUCCEEDED, finished_at=T0 - timedelta(days=3), updated_at=T0 - timedelta(days=3)),
            make_job(5, JobState.FAILED),
            make_job(6, JobState.FAILED, archived=True),
        ]
    )
    window = JobWindow(model, settings=_settings(tmp_path))
    qtbot.addWidget(window)
    assert window.summary.text() == "2 running · 1 finished today · 1 failed"
    model.upsert([make_job(1, JobState.FAILED)])
    qtbot.waitUntil(lambda: window.summary.text() == "1 running · 1 finished today · 2 failed", timeout=2000)
    assert summary_text(model.jobs(), T0 + timedelta(days=2)) == "1 running · 0 finished today · 2 failed"


def test_size_splitter_and_columns_are_remembered(qtbot, tmp_path: Path) -> None:
    window, _ = _clocked_window(qtbot, tmp_path)
    window.show()
    window.resize(720, 430)  # the offscreen screen is 800x600: restoreGeometry keeps a window inside it
    window.table.setColumnWidth(Column.JOB, 222)
    window.table.setColumnWidth(Column.ACCOUNT, 77)
    window.splitter.setSizes([500, 300])
    sizes = window.splitter.sizes()
    window.close()  # hides, and saves the layout

    model = JobTableModel(clock=FakeClock(NOW))
    again = JobWindow(model, settings=_settings(tmp_path))
    qtbot.addWidget(again)
    model.sync([make_job(1, JobState.SUCCEEDED, label="x" * 200)])  # rows arriving do not undo the saved widths
    again.show()
    qtbot.wait(10)
    assert (again.width(), again.height()) == (720, 430)
    assert again.table.columnWidth(Column.JOB) == 222
    assert again.table.columnWidth(Column.ACCOUNT) == 77
    assert again.splitter.sizes() == sizes
    other = JobWindow(JobTableModel(), settings=_settings(tmp_path, "elsewhere.ini"))
    qtbot.addWidget(other)
    assert other.table.columnWidth(Column.JOB) == 300  # another settings file: defaults


def test_the_default_settings_live_in_the_apps_config_folder(tmp_path: Path) -> None:
    settings = window_settings()
    assert settings.format() == QSettings.Format.IniFormat
    assert Path(settings.fileName()).parts[-2:] == ("JobTray", "window.ini")
    assert str(tmp_path) in settings.fileName()  # tests/gui/conftest.py points QSettings at the test's folder


def _dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#202124",
        QPalette.ColorRole.WindowText: "#e8eaed",
        QPalette.ColorRole.Base: "#181818",
        QPalette.ColorRole.AlternateBase: "#262626",
        QPalette.ColorRole.Text: "#e8eaed",
        QPalette.ColorRole.Button: "#303134",
        QPalette.ColorRole.ButtonText: "#e8eaed",
        QPalette.ColorRole.Highlight: "#3b5fa0",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#8ab4f8",
        QPalette.ColorRole.ToolTipBase: "#303134",
        QPalette.ColorRole.ToolTipText: "#e8eaed",
        QPalette.ColorRole.PlaceholderText: "#9aa0a6",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    return palette


def _colours(image: QImage) -> set[tuple[int, int, int]]:
    return {
        (c.red(), c.green(), c.blue())
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if (c := image.pixelColor(x, y))
    }


def _near(colours: set[tuple[int, int, int]], target: QColor, slack: int = 40) -> bool:
    t = (target.red(), target.green(), target.blue())
    return any(all(abs(a - b) <= slack for a, b in zip(c, t, strict=True)) for c in colours)


def test_text_colours_come_from_the_palette_dark_included(qtbot, tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.palette()
    dark = _dark_palette()
    app.setPalette(dark)
    try:
        window, model = _clocked_window(qtbot, tmp_path)
        for row in range(model.rowCount()):
            for column in Column:  # no cell brings its own colour: the view's palette decides
                for role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
                    assert model.index(row, column).data(role) is None
        window.resize(1000, 400)
        window.show()
        window.splitter.setSizes([900, 100])
        qtbot.waitExposed(window)
        table = window.table.viewport().grab().toImage()
        assert table.pixelColor(table.width() - 3, table.height() - 3) == dark.color(QPalette.ColorRole.Base)
        colours = _colours(table)
        assert _near(colours, dark.color(QPalette.ColorRole.Text))  # light text on the dark base
        assert _near(colours, dark.color(QPalette.ColorRole.Link), 25)  # the Open action in the link colour
        assert not _near(colours, QColor("black"), 10)  # nothing drawn in a hard-coded black
        window.set_welcome(True)
        qtbot.wait(10)
        welcome = window.welcome.grab().toImage()
        colours = _colours(welcome)
        assert _near(colours, dark.color(QPalette.ColorRole.Window), 4)
        assert _near(colours, dark.color(QPalette.ColorRole.WindowText))
        assert not _near(colours, QColor("black"), 10)
    finally:
        app.setPalette(original)


def test_the_welcome_offers_the_demo_and_an_account_per_provider(qtbot, tmp_path: Path) -> None:
    window, _ = _clocked_window(qtbot, tmp_path)
    assert not window.welcome_shown()
    window.set_welcome(True)
    assert window.welcome_shown()
    with qtbot.waitSignal(window.demo_requested):
        qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    assert set(window.welcome.add_buttons) == {"pdfco", "ipaper", "scriptx", "encodingcom"}
    for provider, button in window.welcome.add_buttons.items():
        with qtbot.waitSignal(window.add_account_requested) as asked:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert asked.args == [provider]
    text = "\n".join(window.welcome.texts())
    for needed in ("PDF.co API key", "dashboard", "licence GUID", "user ID", "user key", "My Account", "APIKey"):
        assert needed in text
    window.set_welcome(False)
    assert not window.welcome_shown()


def test_the_welcome_has_a_key_text_for_every_registered_provider() -> None:
    from desktop_app.providers.registry import PROVIDERS
    from desktop_app.ui.welcome import KEY_HELP

    assert sorted(h.provider for h in KEY_HELP) == sorted(PROVIDERS)
    for help_ in KEY_HELP:
        assert help_.needs and help_.where
