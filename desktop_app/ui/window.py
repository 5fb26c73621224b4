"""The main window: the job table with a filter box, a history timeline for the selected job, drops and paste;
the welcome while there is no account; a summary in the status bar.

It shows what the app gives it and reports what the user wants by signal; it never reads the store itself. The app
gives it a `ui.paged_jobs.PagedJobModel` (issue 19): its rows are read a page at a time, ordered and filtered by the
store (the filter box is handed to the model, the proxy only passes rows through); a plain `JobTableModel` holding
every job (tests) is filtered by the proxy. Its size, the splitter and the columns are remembered in QSettings (the
app's config folder; tests inject their own). Every colour comes from the palette, so a dark system palette gives a
dark window.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QEvent,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QHideEvent,
    QKeySequence,
    QMouseEvent,
    QPalette,
    QShortcut,
    QShowEvent,
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
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.alarms import is_alarming
from desktop_app.core.ids import provider_display_name
from desktop_app.core.model import HistoryEntry, Job, JobState
from desktop_app.core.problems import AccountProblem
from desktop_app.core.text import displayable
from desktop_app.ui.banner import ProblemBanner
from desktop_app.ui.drops import read_mime
from desktop_app.ui.icons import state_icon
from desktop_app.ui.job_model import (
    JOB_ROLE,
    JOB_ROW_ID_ROLE,
    SORT_ROLE,
    Column,
    JobCounts,
    JobTableModel,
    count_jobs,
)
from desktop_app.ui.paged_jobs import KEEP_SELECTED_JUMP, PagedJobModel
from desktop_app.ui.texts import fill, state_text
from desktop_app.ui.welcome import WelcomePanel

STATUS_TIMEOUT_MS = 8000
TICK_MS = 30_000  # "3 min ago" and running durations redrawn this often, only while the window is shown
SUMMARY_DELAY_MS = 200  # a burst of results: one pass over the jobs for the status-bar summary
FIT_ROWS = 200  # rows looked at when sizing columns to their content (all rows would be slow with 10,000)
MAX_FIT_WIDTH = 360  # no column sized to its content gets wider than this; the message column takes the rest
MIN_MESSAGE_WIDTH = 220  # what sizing to content leaves the message at least, where the job column can give way
MIN_JOB_WIDTH = 160
REFIT_DELAY_MS = 150  # a burst of updates: one re-fit of the columns
DEFAULT_SIZE = (1180, 640)  # room for the message beside a long job ID on a 1280-wide screen
LAYOUT_VERSION = 3  # saved layouts of another arrangement are not restored (3: the history below the table)
FILTER_DELAY_MS = 150  # typing in the filter box: the store is asked once the typing pauses (paged model)


def window_settings() -> QSettings:
    """Where the window's layout is kept: `JobTray/window.ini` in the user's config folder
    ($XDG_CONFIG_HOME on Linux)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "JobTray", "window")


def summary_text(jobs: Sequence[Job], now: datetime, stuck: Collection[str] = ()) -> str:
    """`2 running · 5 finished today · 1 failed` for the status bar (one pass; archived jobs left out). Open jobs of
    the `stuck` accounts (they cannot be checked) are counted apart: `2 running · 3 waiting · ...`."""
    return counts_text(count_jobs(jobs, now, stuck))


def counts_text(counts: JobCounts) -> str:
    """The status bar's line for these counts (`3 waiting` only when some job waits)."""
    if counts.waiting:
        template = QCoreApplication.translate("JobWindow", "%1 running · %2 waiting · %3 finished today · %4 failed")
        return fill(template, counts.running, counts.waiting, counts.finished_today, counts.failed)
    template = QCoreApplication.translate("JobWindow", "%1 running · %2 finished today · %3 failed")
    return fill(template, counts.running, counts.finished_today, counts.failed)


class HistoryPanel(QWidget):
    """The selected job's status changes, oldest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self.tr("Select a job to see its history"))
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.timeline = QListWidget()
        self.timeline.setAlternatingRowColors(True)
        # Whole lines: wrapped where the pane is narrower than a line, never cut ("Runni").
        self.timeline.setWordWrap(True)
        self.timeline.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.timeline.setResizeMode(QListWidget.ResizeMode.Adjust)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.timeline)

    def show_history(self, job: Job | None, entries: Sequence[HistoryEntry]) -> None:
        self.timeline.clear()
        if job is None:
            self.title.setText(self.tr("Select a job to see its history"))
            return
        provider = _escape(provider_display_name(job.provider))
        head = f"<b>{_escape(job.title)}</b><br>{_escape(job.job_id)}<br>{_escape(job.account)} ({provider})"
        # _escape shows server text safely too: HTML-escaped, with controls and bidi overrides made visible.
        if job.result_url:
            link = self.tr("result")
            head += f'<br><a href="{_escape(job.result_url)}">{_escape(link)}</a>'
        if job.result_file:
            head += "<br>" + _escape(self.tr("Saved to %1")).replace("%1", _escape(job.result_file))
        elif job.download_error:
            head += "<br>" + _escape(self.tr("Result not saved: %1")).replace("%1", _escape(job.download_error))
        self.title.setText(head)
        for entry in entries:
            when = entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            parts = [when, state_text(entry.state)]
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


class OpenResultDelegate(QStyledItemDelegate):
    """The Result column: "Open file" / "Open link" drawn as a link (the palette's link colour), opened by a click.

    A delegate, not a button per row: 10,000 widgets in a table would be slow.

    Signals:
        clicked(Job): the user clicked a row's Open action.
    """

    clicked = Signal(object)

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if option.text:
            font = option.font  # a copy: set back below
            font.setUnderline(True)
            option.font = font
            # Selected rows keep HighlightedText: the link colour is not legible on every highlight.
            palette = option.palette
            palette.setColor(QPalette.ColorRole.Text, palette.color(QPalette.ColorRole.Link))
            option.palette = palette

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and index.data()
        ):
            self.clicked.emit(index.data(JOB_ROLE))
            return True
        return super().editorEvent(event, model, option, index)


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
        open_file_requested(str): open a job's saved result (its path).
        remove_requested(list): stop watching these jobs (row ids).
        text_dropped(str): text from a drop or a paste, to look for job IDs in.
        add_job_requested(): open the Add job dialog.
        accounts_requested(): open the Accounts dialog.
        check_now_requested(): check every open job now.
        settings_requested(): open the Settings dialog.
        demo_requested(): start `jobtray demo` (the welcome's Try the demo).
        add_account_requested(str): add an account of this provider (the welcome's Add a ... account).
        hidden(): the user closed the window (it hides; the tray keeps running).
        problem_action_requested(str, str): the banner's button for an account that cannot be checked (account
            name, `core.problems.ProblemKind` value): "Set the key", "Edit the account", "Unlock the keyring"...
        acknowledge_requested(list): acknowledge these failures (row ids): they stop alarming (issue 21).
    """

    job_selected = Signal(int)
    open_url_requested = Signal(str)
    open_file_requested = Signal(str)
    demo_requested = Signal()
    add_account_requested = Signal(str)
    remove_requested = Signal(list)
    text_dropped = Signal(str)
    add_job_requested = Signal()
    accounts_requested = Signal()
    check_now_requested = Signal()
    settings_requested = Signal()
    hidden = Signal()
    problem_action_requested = Signal(str, str)
    acknowledge_requested = Signal(list)

    def __init__(self, model: JobTableModel, parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("JobTray")
        self.model = model
        self._settings = settings if settings is not None else window_settings()
        self.proxy = JobProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)  # every column
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter jobs (ID, label, account, state, message)"))
        self.filter.setClearButtonEnabled(True)
        # A paged model filters in the store (SQL), after a pause in the typing; a model holding every job, here.
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        if isinstance(model, PagedJobModel):
            self._filter_timer.timeout.connect(lambda: model.set_filter(self.filter.text()))
            self.filter.textChanged.connect(lambda _text: self._filter_timer.start())
            model.read_failed.connect(self._read_failed)  # once per run of failed reads, not every scroll
            model.store_changed.connect(self._jobs_changed)  # the counts are of every job, not the rows read
        else:
            self.filter.textChanged.connect(self.proxy.setFilterFixedString)

        toolbar = QToolBar(self.tr("Main"))
        toolbar.setMovable(False)
        toolbar.addAction(self.tr("Add job...")).triggered.connect(self.add_job_requested)
        toolbar.addAction(self.tr("Accounts...")).triggered.connect(self.accounts_requested)
        toolbar.addAction(self.tr("Check now")).triggered.connect(self.check_now_requested)
        toolbar.addAction(self.tr("Settings...")).triggered.connect(self.settings_requested)
        toolbar.addSeparator()
        toolbar.addWidget(self.filter)
        self.addToolBar(toolbar)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        # The indicator first: enabling sorting sorts once by it (a paged model reads its first page then), where
        # enabling and then choosing the order sorted by the first column, then again (two reads of the store).
        self.table.horizontalHeader().setSortIndicator(Column.UPDATED, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # A long message keeps its start and its end ("Input file ... page 12"); the tooltip has all of it.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setVisible(False)
        # Fixed row heights and no contents-based sizing: both would touch every row of a big model.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setResizeContentsPrecision(FIT_ROWS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # the message (last) takes the rest of the width
        for column, width in (
            (Column.JOB, 300),
            (Column.ACCOUNT, 110),
            (Column.STATE, 120),
            (Column.PROGRESS, 70),
            (Column.DURATION, 80),
            (Column.UPDATED, 90),
            (Column.RESULT, 80),
        ):
            self.table.setColumnWidth(column, width)
        self.open_delegate = OpenResultDelegate(self.table)
        self.open_delegate.clicked.connect(self.open_result)
        self.table.setItemDelegateForColumn(Column.RESULT, self.open_delegate)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(self._open_index)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.history = HistoryPanel()
        # The history below the table: both get the window's whole width (beside it, a quarter of it cut every
        # line and pushed the message column off-screen).
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.history)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([420, 140])
        self.welcome = WelcomePanel()
        self.welcome.demo_requested.connect(self.demo_requested)
        self.welcome.add_account_requested.connect(self.add_account_requested)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.welcome)
        # Accounts that cannot be checked, with what to do, above everything else (hidden while there are none).
        self.banner = ProblemBanner()
        self.banner.action_requested.connect(self.problem_action_requested)
        central = QWidget()
        stack = QVBoxLayout(central)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(2)
        stack.addWidget(self.banner)
        stack.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.summary = QLabel()
        self.statusBar().addPermanentWidget(self.summary)

        self.setAcceptDrops(True)
        # Ctrl+V anywhere in the window except the filter box (a focused line edit keeps its own paste).
        paste = QShortcut(QKeySequence.StandardKey.Paste, self)
        paste.activated.connect(self.paste_from_clipboard)
        remove = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        remove.activated.connect(self._remove_selected)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.focus_filter)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # Only while the table has the focus: Enter in the filter box or a dialog means something else there.
            open_ = QShortcut(QKeySequence(key), self.table, context=Qt.ShortcutContext.WidgetShortcut)
            open_.activated.connect(self._open_current)

        self._tick = QTimer(self)  # runs only while the window is shown: a hidden window never wakes the process
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(SUMMARY_DELAY_MS)
        self._summary_timer.timeout.connect(self.update_summary)
        for signal in (model.rowsInserted, model.rowsRemoved, model.dataChanged, model.layoutChanged):
            signal.connect(self._jobs_changed)
        # A sort-click or a filter reads the paged model's rows again: the selected job stays selected if it is read.
        self._reselect: int | None = None
        model.modelAboutToBeReset.connect(self._before_reset)
        model.modelReset.connect(self._after_reset)
        # Columns follow their content: re-fitted (after a burst, while shown) when rows change, except the ones the
        # user has resized (header.sectionResized outside our own fitting), whose widths are theirs.
        self._user_sized: set[int] = set()
        self._fitting = False
        self._table_shown = False  # the layout is saved only from a window that showed the table
        self._refit_timer = QTimer(self)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(REFIT_DELAY_MS)
        self._refit_timer.timeout.connect(self._refit)
        for signal in (model.rowsInserted, model.dataChanged, model.layoutChanged, model.modelReset):
            signal.connect(self._content_changed)
        header.sectionResized.connect(self._section_resized)
        # Rows hold still under the pointer: the model keeps its order while the pointer is over the table.
        self.table.viewport().installEventFilter(self)
        self.resize(*DEFAULT_SIZE)
        self.restore_layout()
        self.update_summary()

    # ---- shown by the app ----------------------------------------------------------------------------------

    def show_history(self, job: Job | None, entries: Sequence[HistoryEntry]) -> None:
        self.history.show_history(job, entries)

    def set_welcome(self, shown: bool) -> None:
        """The welcome instead of the table (the app shows it while there is no account)."""
        self.pages.setCurrentWidget(self.welcome if shown else self.splitter)
        if not shown and self.isVisible():
            self._table_shown = True
            self._content_changed()

    def welcome_shown(self) -> bool:
        return self.pages.currentWidget() is self.welcome

    def focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def update_summary(self) -> None:
        self.summary.setText(counts_text(self.model.counts(self.model.account_problems())))

    def set_account_problems(self, problems: Mapping[str, AccountProblem]) -> None:
        """Accounts that cannot be checked (`store.accounts.problems()`): a banner line each with its action, their
        open jobs "Queued · waiting: key not set", counted apart from running ones in the status bar."""
        self.model.set_account_problems({name: problem.kind for name, problem in problems.items()})
        self.banner.set_problems(problems)
        self.update_summary()

    def fit_columns(self) -> None:
        """Size every column but the message to its content (header and the first FIT_ROWS rows), capped, except
        the ones the user resized; the State column is never narrower than its longest word in the language shown
        (it is never elided). The job column gives way (elided in the middle) so the message keeps
        MIN_MESSAGE_WIDTH; the message takes the rest (the last section stretches)."""
        self._fitting = True
        try:
            for column in Column:
                if column == Column.MESSAGE or column in self._user_sized:
                    continue
                width = max(self.table.sizeHintForColumn(column), self.table.horizontalHeader().sectionSizeHint(column))
                if column == Column.STATE:
                    width = max(width, self.state_column_minimum())
                self.table.setColumnWidth(column, min(width, MAX_FIT_WIDTH))
            if Column.JOB not in self._user_sized:
                others = sum(self.table.columnWidth(c) for c in Column if c not in (Column.JOB, Column.MESSAGE))
                room = self.table.viewport().width() - others - MIN_MESSAGE_WIDTH
                if room < self.table.columnWidth(Column.JOB):
                    self.table.setColumnWidth(Column.JOB, max(MIN_JOB_WIDTH, room))
        finally:
            self._fitting = False

    def state_column_minimum(self) -> int:
        """The width every state word needs in this language, with its icon and the cell's margins."""
        metrics = self.table.fontMetrics()
        words = max(metrics.horizontalAdvance(state_text(state)) for state in JobState)
        icon = self.table.iconSize().width() if self.table.iconSize().isValid() else 16
        return words + max(icon, 16) + 24  # icon, the gap after it and the cell's margins on both sides

    def user_sized_columns(self) -> set[int]:
        return set(self._user_sized)

    # ---- the layout, remembered --------------------------------------------------------------------------

    def save_layout(self) -> None:
        """Size and place always; the splitter and the columns only from a window that showed the table (a window
        that showed only the welcome has a never laid-out splitter, and restoring it split the table 50/50)."""
        settings = self._settings
        settings.setValue("window/geometry", self.saveGeometry())
        if self._table_shown:
            settings.setValue("window/splitter", self.splitter.saveState())
            settings.setValue("window/header", self.table.horizontalHeader().saveState())
            settings.setValue("window/user_sized", sorted(self._user_sized))
            settings.setValue("window/layout_version", LAYOUT_VERSION)
        settings.sync()

    def restore_layout(self) -> None:
        settings = self._settings
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if str(settings.value("window/layout_version")) != str(LAYOUT_VERSION):
            return  # another arrangement's splitter and columns: the defaults, fitted to the content
        splitter = settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = settings.value("window/header")
        if header is not None:
            self._fitting = True
            try:
                restored = self.table.horizontalHeader().restoreState(header)
            finally:
                self._fitting = False
            if restored:
                # The columns the user sized keep their saved widths; the others follow their content again.
                saved = settings.value("window/user_sized") or []
                if isinstance(saved, str):  # QSettings' ini format gives a one-item list back as a string
                    saved = [saved]
                self._user_sized = {int(c) for c in saved if str(c).isdigit() and int(c) in set(Column)}

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.table.viewport().update()  # relative times may have aged while hidden
        if not self.welcome_shown():
            self._table_shown = True
        self._content_changed()
        self.update_summary()
        self._tick.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._tick.stop()
        self._summary_timer.stop()  # counted again when shown (a paged model counts in the store)
        self.model.hold_order(False)
        if not event.spontaneous():  # hidden by us or the user, not minimized by the window manager
            self.save_layout()
        super().hideEvent(event)

    def current_row_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        value = index.data(JOB_ROW_ID_ROLE)
        return int(value) if value is not None else None

    def select_job(self, row_id: int) -> bool:
        """Select and show this job's row; a paged model reads the rows up to it first when it is not far. False
        when it is not in the table (not read, archived, or filtered out): the selection is cleared."""
        model = self.model
        row = model.load_through(row_id) if isinstance(model, PagedJobModel) else model.row_of(row_id)
        if row is None:
            if isinstance(model, PagedJobModel):
                self.table.selectionModel().clear()  # the history shown is then of a job not among the rows
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    def _read_failed(self, error: str) -> None:
        # The rows stay as they were (or empty after a sort-click or filter); the next scroll or change reads again.
        self.show_message(self.tr("Cannot read the jobs: %1").replace("%1", displayable(error)))

    def show_refusal(self, text: str) -> None:
        """A drop or paste that was refused: in the status bar, and in a box that does not block the event loop."""
        self.show_message(text)
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Not added"), text, QMessageBox.StandardButton.Ok, self)
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
            self.show_message(self.tr("The clipboard is empty"))
            return
        self.take_mime(mime)

    def take_mime(self, mime: QMimeData) -> None:
        content = read_mime(mime)
        if content.refusal is not None:
            self.show_refusal(content.refusal)
        elif content.text is not None and content.text.strip():
            self.text_dropped.emit(content.text)
        else:
            self.show_message(self.tr("Nothing to add: the drop was empty"))

    # ---- internals -----------------------------------------------------------------------------------------

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        value = current.data(JOB_ROW_ID_ROLE) if current.isValid() else None
        self.job_selected.emit(int(value) if value is not None else -1)

    def _selected_row_ids(self) -> list[int]:
        rows = self.table.selectionModel().selectedRows()
        return [int(index.data(JOB_ROW_ID_ROLE)) for index in rows]

    def acknowledge_selected(self) -> None:
        """Acknowledge the selected failures that still alarm (the others are left out)."""
        row_ids = [r for r in self._selected_row_ids() if (job := self.model.job(r)) is not None and is_alarming(job)]
        if row_ids:
            self.acknowledge_requested.emit(row_ids)

    def _remove_selected(self) -> None:
        row_ids = self._selected_row_ids()
        if row_ids:
            self.remove_requested.emit(row_ids)

    def _open_index(self, index: QModelIndex) -> None:
        job = index.data(JOB_ROLE) if index.isValid() else None
        if isinstance(job, Job):
            self.open_result(job)

    def _open_current(self) -> None:
        self._open_index(self.table.currentIndex())

    def open_result(self, job: Job) -> None:
        """The saved file if there is one (a link can expire), else the result link."""
        if job.result_file:
            self.open_file_requested.emit(job.result_file)
        elif job.result_url:
            self.open_url_requested.emit(job.result_url)
        else:
            self.show_message(self.tr("%1 has no result yet").replace("%1", displayable(job.title)))

    def _before_reset(self) -> None:
        self._reselect = self.current_row_id()

    def _after_reset(self) -> None:
        # The rows were read again from the top (a sort-click, a filter): shown from the top. The view kept its old
        # scroll value: left at the bottom of the new first page, it fetched a second page at once and showed rows
        # 280-300 of the new order.
        self.table.scrollToTop()
        row_id, self._reselect = self._reselect, None
        if row_id is None:
            return
        model = self.model
        # Kept selected when it is still listed, reading a little beyond the first page for it if need be (the
        # rows were all in memory before the window paged: a sort-click never lost the selection).
        row = (
            model.load_through(row_id, KEEP_SELECTED_JUMP) if isinstance(model, PagedJobModel) else model.row_of(row_id)
        )
        if row is not None:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            )

    def _jobs_changed(self, *_args: object) -> None:
        if not self._summary_timer.isActive():
            self._summary_timer.start()

    def _content_changed(self, *_args: object) -> None:
        if not self._refit_timer.isActive():
            self._refit_timer.start()

    def _refit(self) -> None:
        # Only while shown: the room the message needs depends on the table's width on screen.
        if self.isVisible() and not self.welcome_shown():
            self.fit_columns()

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        # The user dragged a column's edge: that width is theirs from now on (the message only stretches).
        if not self._fitting and column != Column.MESSAGE and self.isVisible():
            self._user_sized.add(column)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport():
            if event.type() == QEvent.Type.Enter:
                self.model.hold_order(True)
            elif event.type() == QEvent.Type.Leave:
                self.model.hold_order(False)
            elif event.type() == QEvent.Type.Resize:
                self._content_changed()  # the job column may give way, or take back what it gave
        return super().eventFilter(watched, event)

    def _on_tick(self) -> None:
        self.table.viewport().update()
        self.update_summary()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        job = self.model.job(int(index.data(JOB_ROW_ID_ROLE)))
        if job is None:
            return
        menu = QMenu(self)
        open_result = menu.addAction(self.tr("Open result"))
        open_result.setEnabled(bool(job.result_url or job.result_file))
        open_result.triggered.connect(lambda: self.open_result(job))
        if job.result_file and job.result_url:
            menu.addAction(self.tr("Open link")).triggered.connect(
                lambda: self.open_url_requested.emit(job.result_url or "")
            )
        if is_alarming(job):
            menu.addAction(self.tr("Acknowledge")).triggered.connect(self.acknowledge_selected)
        menu.addAction(self.tr("Copy ID")).triggered.connect(lambda: QGuiApplication.clipboard().setText(job.job_id))
        menu.addAction(self.tr("Remove")).triggered.connect(self._remove_selected)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing the window is not quitting: the tray keeps watching. The app decides if there is no tray.
        event.ignore()
        self.hide()
        self.hidden.emit()
