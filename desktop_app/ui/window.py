"""The main window: the job table with a filter box, a history timeline for the selected job, drops and paste.

It shows what the app gives it and reports what the user wants by signal; it never reads the store.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QModelIndex, QPoint, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.ids import provider_display_name
from desktop_app.core.model import HistoryEntry, Job
from desktop_app.core.text import displayable
from desktop_app.ui.drops import read_mime
from desktop_app.ui.icons import state_icon
from desktop_app.ui.job_model import JOB_ROW_ID_ROLE, SORT_ROLE, STATE_TEXT, Column, JobTableModel

STATUS_TIMEOUT_MS = 8000


class HistoryPanel(QWidget):
    """The selected job's status changes, oldest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Select a job to see its history")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.timeline = QListWidget()
        self.timeline.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.timeline)

    def show_history(self, job: Job | None, entries: Sequence[HistoryEntry]) -> None:
        self.timeline.clear()
        if job is None:
            self.title.setText("Select a job to see its history")
            return
        provider = _escape(provider_display_name(job.provider))
        head = f"<b>{_escape(job.title)}</b><br>{_escape(job.job_id)}<br>{_escape(job.account)} ({provider})"
        # _escape shows server text safely too: HTML-escaped, with controls and bidi overrides made visible.
        if job.result_url:
            head += f'<br><a href="{_escape(job.result_url)}">result</a>'
        if job.result_file:
            head += f"<br>Saved to {_escape(job.result_file)}"
        elif job.download_error:
            head += f"<br>Result not saved: {_escape(job.download_error)}"
        self.title.setText(head)
        for entry in entries:
            when = entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            parts = [when, STATE_TEXT[entry.state]]
            if entry.provider_status:
                parts.append(f"({displayable(entry.provider_status)})")
            if entry.progress is not None:
                parts.append(f"{entry.progress:.0f}%")
            if entry.message:
                parts.append(f"— {displayable(entry.message)}")
            self.timeline.addItem(QListWidgetItem(state_icon(entry.state), "  ".join(parts)))


def _escape(text: str) -> str:
    text = displayable(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class JobProxyModel(QSortFilterProxyModel):
    """Filters the jobs; hands sorting to the job model, which sorts in Python and keeps its rows sorted.

    QSortFilterProxyModel's own sort calls the model's data() for every comparison: about half a second to sort
    10,000 jobs, and hundreds of calls after each update (bench/scale.py).
    """

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, JobTableModel):
            source.sort(column, order)
        else:
            super().sort(column, order)


class JobWindow(QMainWindow):
    """The job list.

    Signals:
        job_selected(int): the current job changed (row id; -1 for none); the app answers with show_history.
        open_url_requested(str): open a job's result link.
        remove_requested(list): stop watching these jobs (row ids).
        text_dropped(str): text from a drop or a paste, to look for job IDs in.
        add_job_requested(): open the Add job dialog.
        accounts_requested(): open the Accounts dialog.
        check_now_requested(): check every open job now.
        settings_requested(): open the Settings dialog.
        hidden(): the user closed the window (it hides; the tray keeps running).
    """

    job_selected = Signal(int)
    open_url_requested = Signal(str)
    remove_requested = Signal(list)
    text_dropped = Signal(str)
    add_job_requested = Signal()
    accounts_requested = Signal()
    check_now_requested = Signal()
    settings_requested = Signal()
    hidden = Signal()

    def __init__(self, model: JobTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("JobTray")
        self.model = model
        self.proxy = JobProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)  # every column
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter jobs (ID, label, account, state, message)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)

        toolbar = QToolBar("Main")
        toolbar.setMovable(False)
        toolbar.addAction("Add job...").triggered.connect(self.add_job_requested)
        toolbar.addAction("Accounts...").triggered.connect(self.accounts_requested)
        toolbar.addAction("Check now").triggered.connect(self.check_now_requested)
        toolbar.addAction("Settings...").triggered.connect(self.settings_requested)
        toolbar.addSeparator()
        toolbar.addWidget(self.filter)
        self.addToolBar(toolbar)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.UPDATED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        # Fixed row heights and no contents-based sizing: both would touch every row of a big model.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in ((Column.JOB, 300), (Column.ACCOUNT, 110), (Column.STATE, 120), (Column.PROGRESS, 70)):
            self.table.setColumnWidth(column, width)
        self.table.setColumnWidth(Column.UPDATED, 90)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(self._open_index)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.history = HistoryPanel()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.history)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self.statusBar()

        self.setAcceptDrops(True)
        # Ctrl+V anywhere in the window except the filter box (a focused line edit keeps its own paste).
        paste = QShortcut(QKeySequence.StandardKey.Paste, self)
        paste.activated.connect(self.paste_from_clipboard)
        remove = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        remove.activated.connect(self._remove_selected)
        self.resize(1000, 560)

    # ---- shown by the app ----------------------------------------------------------------------------------

    def show_history(self, job: Job | None, entries: Sequence[HistoryEntry]) -> None:
        self.history.show_history(job, entries)

    def current_row_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        value = index.data(JOB_ROW_ID_ROLE)
        return int(value) if value is not None else None

    def select_job(self, row_id: int) -> None:
        row = self.model.row_of(row_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    def show_refusal(self, text: str) -> None:
        """A drop or paste that was refused: in the status bar, and in a box that does not block the event loop."""
        self.show_message(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "Not added", text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def bring_to_front(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    # ---- drops and paste -----------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasText():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasText():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        event.acceptProposedAction()
        self.take_mime(event.mimeData())

    def paste_from_clipboard(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            self.show_message("The clipboard is empty")
            return
        self.take_mime(mime)

    def take_mime(self, mime: QMimeData) -> None:
        content = read_mime(mime)
        if content.refusal is not None:
            self.show_refusal(content.refusal)
        elif content.text is not None and content.text.strip():
            self.text_dropped.emit(content.text)
        else:
            self.show_message("Nothing to add: the drop was empty")

    # ---- internals -----------------------------------------------------------------------------------------

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        value = current.data(JOB_ROW_ID_ROLE) if current.isValid() else None
        self.job_selected.emit(int(value) if value is not None else -1)

    def _selected_row_ids(self) -> list[int]:
        rows = self.table.selectionModel().selectedRows()
        return [int(index.data(JOB_ROW_ID_ROLE)) for index in rows]

    def _remove_selected(self) -> None:
        row_ids = self._selected_row_ids()
        if row_ids:
            self.remove_requested.emit(row_ids)

    def _open_index(self, index: QModelIndex) -> None:
        row_id = index.data(JOB_ROW_ID_ROLE)
        job = self.model.job(int(row_id)) if row_id is not None else None
        if job is not None and job.result_url:
            self.open_url_requested.emit(job.result_url)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        job = self.model.job(int(index.data(JOB_ROW_ID_ROLE)))
        if job is None:
            return
        menu = QMenu(self)
        open_result = menu.addAction("Open result")
        open_result.setEnabled(bool(job.result_url))
        open_result.triggered.connect(lambda: self.open_url_requested.emit(job.result_url or ""))
        menu.addAction("Copy ID").triggered.connect(lambda: QGuiApplication.clipboard().setText(job.job_id))
        menu.addAction("Remove").triggered.connect(self._remove_selected)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing the window is not quitting: the tray keeps watching. The app decides if there is no tray.
        event.ignore()
        self.hide()
        self.hidden.emit()
