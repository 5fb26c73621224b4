"""Issue 23: the window as it really opens: state words whole in every shipped language, columns that follow their
content unless the user sized them, the message taking the rest with no horizontal scrollbar at the default size, a
history pane of whole lines, rows that hold still under the pointer, and a layout saved only from a window that
showed the table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QSettings, Qt, QTranslator
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from desktop_app.core.model import JobState
from desktop_app.ui import texts
from desktop_app.ui.job_model import JOB_ROW_ID_ROLE, Column, JobTableModel
from desktop_app.ui.window import DEFAULT_SIZE, LAYOUT_VERSION, MIN_MESSAGE_WIDTH, JobWindow
from tests.gui.conftest import T0, make_job

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["en", *sorted(p.stem.removeprefix("jobtray_") for p in (ROOT / "resources" / "translations").glob("*.qm"))]


@pytest.fixture
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    """The app's words in one shipped language (English: no translator)."""
    code: str = request.param
    translator = QTranslator()
    app = QCoreApplication.instance()
    assert app is not None
    if code != "en":
        assert translator.load(str(ROOT / "resources" / "translations" / f"jobtray_{code}.qm"))
        app.installTranslator(translator)
    texts._state_texts.cache_clear()  # the state names are cached per language
    try:
        yield code
    finally:
        app.removeTranslator(translator)
        texts._state_texts.cache_clear()


def _settings(tmp_path: Path, name: str = "window.ini") -> QSettings:
    return QSettings(str(tmp_path / name), QSettings.Format.IniFormat)


def _demo_like_jobs(state: JobState = JobState.QUEUED) -> list:
    """Thirteen jobs named as the demo names them (a label and a long provider ID), all in one state."""
    labels = ["Training clip", "Trailer (vertical)", "Webinar recording", "Product video", "Annual report",
              "Scanned contract", "Quarterly report", "Shipping labels", "Delivery notes", "Invoice batch",
              "Price list (spring)", "Brochure Draft", "Catalogue summer"]  # fmt: skip
    ids = [f"{n:08d}" for n in range(4)] + ["6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"] * 3 + ["a" * 32] * 6
    return [
        make_job(i + 1, state, label=label, job_id=ids[i], account=f"demo-{['encodingcom', 'pdfco'][i % 2]}")
        for i, label in enumerate(labels)
    ]


def _shown(qtbot, tmp_path: Path, model: JobTableModel) -> JobWindow:
    window = JobWindow(model, settings=_settings(tmp_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _text_shown_whole(window: JobWindow, row: int, column: Column) -> bool:
    """What the delegate paints in the cell: the style's text rectangle, and the text elided to it."""
    index = window.proxy.index(row, column)
    option = QStyleOptionViewItem()
    window.table.initViewItemOption(option)
    option.rect = window.table.visualRect(index)
    window.table.itemDelegateForIndex(index).initStyleOption(option, index)
    style = window.table.style()
    text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, window.table)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, window.table) + 1
    return (
        option.fontMetrics.elidedText(option.text, option.textElideMode, text_rect.width() - 2 * margin) == option.text
    )


def _order(window: JobWindow) -> list[int]:
    return [int(window.proxy.index(r, 0).data(JOB_ROW_ID_ROLE)) for r in range(window.proxy.rowCount())]


@pytest.mark.parametrize("language", SHIPPED, indirect=True)
def test_every_state_word_is_whole_in_every_shipped_language(qtbot, tmp_path: Path, language: str) -> None:
    """Fitted while every job says Queued, the State column still shows Succeeded, Not found... whole."""
    model = JobTableModel()
    model.sync(_demo_like_jobs(JobState.QUEUED)[: len(JobState)])
    window = _shown(qtbot, tmp_path, model)
    window.fit_columns()
    for row_id, state in enumerate(JobState, start=1):
        model.upsert([make_job(row_id, state, label="x")])  # before any re-fit: the room was there already
    for row in range(model.rowCount()):
        assert _text_shown_whole(window, row, Column.STATE), (language, window.proxy.index(row, Column.STATE).data())


def test_columns_follow_their_content_unless_the_user_sized_them(qtbot, tmp_path: Path) -> None:
    model = JobTableModel()
    model.sync([make_job(1, label="a", account="a")])
    window = _shown(qtbot, tmp_path, model)
    window.fit_columns()
    narrow = window.table.columnWidth(Column.ACCOUNT)
    model.upsert([make_job(2, label="b", account="an-account-with-a-long-name")])
    qtbot.waitUntil(lambda: window.table.columnWidth(Column.ACCOUNT) > narrow, timeout=3000)
    assert _text_shown_whole(window, window.proxy.rowCount() - 1, Column.ACCOUNT) or _text_shown_whole(
        window, 0, Column.ACCOUNT
    )
    # The user drags the job column's edge: from then on that width is theirs.
    window.table.horizontalHeader().resizeSection(Column.JOB, 140)
    assert window.user_sized_columns() == {Column.JOB}
    model.upsert([make_job(3, label="a label long enough to want a much wider column than 140 px")])
    wider = window.table.columnWidth(Column.ACCOUNT)
    model.upsert([make_job(4, account="an-even-longer-account-name-than-the-other")])
    qtbot.waitUntil(lambda: window.table.columnWidth(Column.ACCOUNT) > wider, timeout=3000)
    assert window.table.columnWidth(Column.JOB) == 140


def test_at_the_default_size_the_message_takes_the_rest_and_nothing_scrolls_sideways(qtbot, tmp_path: Path) -> None:
    model = JobTableModel()
    model.sync(_demo_like_jobs(JobState.RUNNING))
    window = _shown(qtbot, tmp_path, model)
    assert (window.width(), window.height()) == DEFAULT_SIZE
    window.fit_columns()
    header = window.table.horizontalHeader()
    assert header.length() <= window.table.viewport().width()
    assert window.table.horizontalScrollBar().maximum() == 0
    message = window.table.columnWidth(Column.MESSAGE)
    assert message >= MIN_MESSAGE_WIDTH
    assert sum(window.table.columnWidth(c) for c in Column) == window.table.viewport().width()  # the rest is its


def test_the_history_pane_is_as_wide_as_the_table_and_keeps_its_lines_whole(qtbot, tmp_path: Path) -> None:
    model = JobTableModel()
    model.sync(_demo_like_jobs())
    window = _shown(qtbot, tmp_path, model)
    assert window.history.width() == window.table.width()  # below the table, not a quarter beside it
    assert window.history.timeline.wordWrap()
    assert window.history.timeline.textElideMode() == Qt.TextElideMode.ElideNone


def _pointer(window: JobWindow, inside: bool) -> None:
    viewport = window.table.viewport()
    if inside:
        QCoreApplication.sendEvent(viewport, QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))
    else:
        QCoreApplication.sendEvent(viewport, QEvent(QEvent.Type.Leave))


def test_rows_hold_still_while_the_pointer_is_over_the_table(qtbot, tmp_path: Path) -> None:
    """Sorted by Updated (newest first), a job that changes jumps to the top, except while the pointer is over the
    table: then it changes in place and a new job is added at the bottom, until the pointer leaves."""
    model = JobTableModel()
    model.sync([make_job(i) for i in (1, 2, 3)])
    window = _shown(qtbot, tmp_path, model)
    assert _order(window) == [3, 2, 1]
    _pointer(window, inside=True)
    window.select_job(2)
    later = T0 + timedelta(minutes=5)
    model.upsert([make_job(1, JobState.SUCCEEDED, updated_at=later)])
    model.upsert([make_job(4, updated_at=later + timedelta(seconds=1))])
    assert _order(window) == [3, 2, 1, 4]  # nothing moved under the pointer; the new job at the bottom
    assert window.proxy.index(2, Column.STATE).data() == "Succeeded"  # updated in place
    _pointer(window, inside=False)
    assert _order(window) == [4, 1, 3, 2]
    assert window.current_row_id() == 2  # the selection followed its job
    model.upsert([make_job(3, updated_at=later + timedelta(minutes=1))])
    assert _order(window)[0] == 3  # sorted live again


def test_the_layout_is_saved_only_from_a_window_that_showed_the_table(qtbot, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    welcome = JobWindow(JobTableModel(), settings=settings)
    qtbot.addWidget(welcome)
    welcome.set_welcome(True)
    welcome.show()
    welcome.close()  # hides and saves
    settings.sync()
    assert settings.value("window/geometry") is not None
    assert settings.value("window/splitter") is None and settings.value("window/header") is None
    model = JobTableModel()
    model.sync(_demo_like_jobs())
    table = JobWindow(model, settings=_settings(tmp_path))
    qtbot.addWidget(table)
    table.show()
    table.close()
    again = _settings(tmp_path)
    assert again.value("window/header") is not None and str(again.value("window/layout_version")) == str(LAYOUT_VERSION)


def test_an_older_layout_is_not_restored(qtbot, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    old = JobWindow(JobTableModel(), settings=settings)
    qtbot.addWidget(old)
    old.show()
    old.table.horizontalHeader().resizeSection(Column.STATE, 20)  # a broken layout of an older version
    old.close()
    settings.setValue("window/layout_version", LAYOUT_VERSION - 1)
    settings.sync()
    model = JobTableModel()
    model.sync(_demo_like_jobs())
    window = _shown(qtbot, tmp_path, model)
    window.fit_columns()
    assert window.table.columnWidth(Column.STATE) >= window.state_column_minimum()
    assert window.user_sized_columns() == set()
