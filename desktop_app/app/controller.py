"""`AppController`: the only object that reads and writes the store in the GUI process. It builds the tray, the
window and the notifier, owns one poll worker per account, and turns worker results and user intents into store
writes and views.

Threads: the store lives on the main (GUI) thread. Each account has an `engine.AccountPoller` driven by a
`PollWorker` in its own QThread (owned by `workers.pool.WorkerPool`), which does the HTTP and signals frozen
`CheckResult`s; `AppController.apply` records them on the main thread (`engine.recorder.ResultRecorder`: a busy
database delays writes, never loses them) and tells the model, the tray and the notifier. Another process
(`jobtray add`, `jobtray account remove`) writing the same database is noticed through SQLite's `data_version`,
polled once a second.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QProcess, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QSystemTrayIcon

from desktop_app.app.end_actions import EndActions
from desktop_app.core.errors import JobTrayError
from desktop_app.core.handoff import WatchRequest
from desktop_app.core.ids import IdSpec
from desktop_app.core.model import Account, Job, KeySource, StatusChange
from desktop_app.core.settings import AccountSettings, GlobalSettings
from desktop_app.core.urls import is_openable_link
from desktop_app.store.database import Store
from desktop_app.ui.clipboard import ClipboardOffer, ClipboardWatcher, offer_text
from desktop_app.ui.drops import Candidate, plan_drop
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.texts import QT_TRANSLATE_NOOP
from desktop_app.ui.tray import TrayIcon

if TYPE_CHECKING:
    # Imported when the first worker starts, after the tray icon is up: they bring in requests (~80 ms).
    from desktop_app.engine.discovery import DiscoveryPage
    from desktop_app.engine.poller import AccountPoller
    from desktop_app.engine.recorder import ResultRecorder
    from desktop_app.engine.results import CheckResult
    from desktop_app.ui.accounts_dialog import AccountForm, AccountsDialog  # the dialogs and the window: when
    from desktop_app.ui.settings_dialog import SettingsDialog  # first opened (a tray never opened needs none)
    from desktop_app.ui.window import JobWindow
    from desktop_app.workers.pool import WorkerPool

log = logging.getLogger(__name__)

BENCH_READY_FILE_ENV = "JOBTRAY_BENCH_READY_FILE"  # bench/startup.py: where to write the time the tray was shown
DATA_POLL_MS = 1000  # where the database cannot be watched: how soon a job added by `jobtray add` shows up
DATA_DEBOUNCE_MS = 50  # a commit touches the -wal file several times: re-read once, just after
TRAY_UPDATE_MS = 100  # results come in bursts: the icon and tooltip (a pass over every job) follow once per burst
STOP_TIMEOUT_S = 2.0
KEY_RETRY_FIRST_S = 30.0  # a keyring locked at login: ask again after this, doubling up to KEY_RETRY_MAX_S
KEY_RETRY_MAX_S = 900.0
# Printed as is (a terminal line); the window shows it translated ("AppController" context).
NO_TRAY_NOTE = QT_TRANSLATE_NOOP(
    "AppController",
    "No tray icon: this desktop has no system tray (on GNOME, install the AppIndicator extension). "
    "JobTray works from this window and still sends notifications.",
)
LONG_WAIT_S = 60.0  # a server's Retry-After this long is worth a notification saying when we look again
_NO_NOTIFY_KINDS = ("rate_limited",)  # ErrorKind values: the schedule copes; the user cannot do anything about it


def app_icon_path() -> str | None:
    """The application icon's file (for the window and notifications), or None when the resources are missing."""
    try:
        from desktop_app.system.resources import icon_path

        path = icon_path(128)
    except (ImportError, FileNotFoundError):
        return None
    return str(path) if path.is_file() else None


def _id_specs() -> Mapping[str, IdSpec]:
    """The providers' ID specs (the ui never imports the providers: the app passes them); loads the registry."""
    from desktop_app.providers.registry import ID_SPECS

    return ID_SPECS


def start_command() -> list[str]:
    """How the login session should start us: the bundle's executable, or this Python with our package."""
    if getattr(sys, "frozen", False):
        from desktop_app.system.desktop_entry import frozen_executable

        return [frozen_executable()]
    return [sys.executable, "-m", "desktop_app"]


@dataclass
class _AccountRuntime:
    """One account as the controller sees it: polled by a worker, or waiting for its key or settings."""

    account: Account
    polling: bool = False
    sent: frozenset[str] = field(default_factory=frozenset)
    discovering: bool = False
    key_failures: int = 0
    key_retry: QTimer | None = None

    @property
    def waiting_for_key(self) -> bool:
        """Its key could not be read; a retry is armed (or "Check now" asks again)."""
        return self.key_retry is not None and self.key_retry.isActive()


class _WindowMessages:
    """What EndActions needs of the window (status lines), without building the window before it is needed."""

    def __init__(self, controller: AppController) -> None:
        self._controller = controller

    def show_message(self, text: str) -> None:
        self._controller.show_message(text)


class QuietNotifier(QObject):
    """A notifier that only logs: for benchmarks and tests that measure or check something else."""

    open_url_requested = Signal(str)
    show_job_requested = Signal(int)
    show_window_requested = Signal()
    watch_offer_accepted = Signal(str)
    open_file_requested = Signal(str)
    show_folder_requested = Signal(str)

    def notify_changes(self, changes: list[StatusChange]) -> None:
        for change in changes:
            if change.new_state.is_terminal:
                log.info("job %s ended: %s", change.job.job_id, change.new_state)

    def notify_saved(self, job: Job) -> None:
        log.info("job %s: result saved as %s", job.job_id, job.result_file)

    def notify_not_saved(self, job: Job, reason: str) -> None:
        log.warning("job %s: result not saved: %s", job.job_id, reason)

    def set_account_settings(self, settings: Mapping[str, AccountSettings]) -> None:
        pass

    def notify_account_error(self, account: str, message: str) -> None:
        log.warning("account %s: %s", account, message)

    def notify_problem(self, title: str, message: str) -> None:
        log.warning("%s: %s", title, message)

    def clear_account_error(self, account: str) -> None:
        pass

    def announce_watching(self, job: Job) -> None:
        log.info("watching %s (handed over)", job.job_id)

    def offer_watch(self, key: str, title: str, body: str) -> None:
        log.info("offer: %s", title)

    def set_muted_until(self, until: datetime | None) -> None:
        pass

    def set_tray_fallback(self, tray: QSystemTrayIcon) -> None:
        pass

    def close(self) -> None:
        pass


class AppController(QObject):
    """Owns the store on the main thread and turns worker results and user intents into store writes and views.

    Signals:
        changes_applied(list): the StatusChanges one result produced (after the store was written).
        jobs_reloaded(): the model was re-synced with the store (after another process wrote it).
        quit_requested(): the user (or a signal, or --quit-after) asked to quit.
    """

    changes_applied = Signal(list)
    jobs_reloaded = Signal()
    quit_requested = Signal()

    def __init__(
        self,
        store: Store,
        environ: Mapping[str, str] | None = None,
        show_tray: bool = True,
        notifier: Notifier | QuietNotifier | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self._environ = environ
        self.model = JobTableModel(self)
        # The window (with its welcome page and table) is built when first needed: a tray that is never opened
        # saves its ~10 MB and the time to build it before the icon shows.
        self._window: JobWindow | None = None
        self._welcome = False
        self.tray = TrayIcon(self)
        self.notifier = notifier if notifier is not None else Notifier(app_icon_path=app_icon_path())
        # Settings that stay, saved results and commands after a job ends (issue 13).
        self.after = EndActions(
            store,
            notifier=self.notifier,
            tray=self.tray,
            window=_WindowMessages(self),
            model=self.model,
            environ=environ,
            parent=self,
        )
        self._settings_dialog: SettingsDialog | None = None
        self._accounts: dict[str, _AccountRuntime] = {}
        # The clipboard watch (opt-in, a setting that stays): copied job IDs offered, added only on the click.
        self.clipboard = ClipboardWatcher(
            lambda: [rt.account for rt in self._accounts.values()],
            _id_specs,
            watched=lambda job_id: any(job.job_id == job_id for job in self.model.jobs()),
            parent=self,
        )
        self._offers: dict[str, ClipboardOffer] = {}  # notification key -> what its Watch adds
        self._offer_count = 0
        self._pool: WorkerPool | None = None  # created with the first worker (it imports requests)
        self._recorder: ResultRecorder | None = None
        self._store_told: str | None = None  # the database problem the user was told about, once
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._flush_results)
        self._muted_until: datetime | None = None
        self._data_version = -1
        self._selected: int | None = None
        self._dialogs: list[QDialog] = []  # non-modal dialogs kept alive while open
        self._accounts_dialog: AccountsDialog | None = None
        self._tray_wanted = show_tray
        self._show_tray = show_tray and QSystemTrayIcon.isSystemTrayAvailable()
        # Another process's commit is seen through a file-system watch of the database (its -wal file changes),
        # debounced; a fixed poll only where the watch cannot be set. Idle, nothing here wakes the process.
        self._data_timer = QTimer(self)
        self._data_timer.setSingleShot(True)
        self._data_timer.setInterval(DATA_DEBOUNCE_MS)
        self._data_timer.timeout.connect(self.poll_data_version)
        self._db_watch: QFileSystemWatcher | None = None
        self._tray_timer = QTimer(self)
        self._tray_timer.setSingleShot(True)
        self._tray_timer.setInterval(TRAY_UPDATE_MS)
        self._tray_timer.timeout.connect(self._update_tray)
        self._wire()

    # ---- the window, built when first needed ---------------------------------------------------------------

    @property
    def window(self) -> JobWindow:
        if self._window is None:
            self._window = self._build_window()
        return self._window

    def _build_window(self) -> JobWindow:
        from desktop_app.ui.window import JobWindow

        window = JobWindow(self.model)
        window.settings_requested.connect(self.open_settings_dialog)
        window.job_selected.connect(self.select_job)
        window.open_url_requested.connect(self.open_url)
        window.remove_requested.connect(self.remove_jobs)
        window.text_dropped.connect(self.add_from_text)
        window.add_job_requested.connect(self.open_add_dialog)
        window.accounts_requested.connect(self.open_accounts_dialog)
        window.check_now_requested.connect(self.check_now)
        window.open_file_requested.connect(self.open_file)
        window.demo_requested.connect(self.start_demo)
        window.add_account_requested.connect(self.add_account_of)
        window.hidden.connect(self._window_hidden)
        window.set_welcome(self._welcome)
        return window

    def show_message(self, text: str) -> None:
        """A status line in the window (built for it if need be: it is shown to whoever opens the window)."""
        self.window.show_message(text)

    # ---- start and stop ------------------------------------------------------------------------------------

    def _wire(self) -> None:
        tray, notifier = self.tray, self.notifier
        tray.open_url_requested.connect(self.open_url)
        tray.remove_requested.connect(lambda row_id: self.remove_jobs([row_id]))
        tray.check_now_requested.connect(self.check_now)
        tray.mute_requested.connect(self.set_muted_until)
        tray.show_window_requested.connect(self.show_window)
        tray.add_job_requested.connect(self.open_add_dialog)
        tray.autostart_toggled.connect(self.set_autostart)
        tray.quit_requested.connect(self.quit_requested)
        tray.copy_id_requested.connect(lambda job_id: self.show_message(self.tr("Copied %1").replace("%1", job_id)))
        tray.save_result_requested.connect(self.after.save_again)
        tray.open_file_requested.connect(self.open_file)
        tray.settings_requested.connect(self.open_settings_dialog)
        tray.clipboard_watch_toggled.connect(self.set_clipboard_watch)
        self.clipboard.offered.connect(self.offer_from_clipboard)
        notifier.watch_offer_accepted.connect(self.accept_watch_offer)
        self.after.settings_changed.connect(self._apply_clipboard_watch)
        notifier.open_file_requested.connect(self.open_file)
        notifier.show_folder_requested.connect(self.show_folder)
        notifier.open_url_requested.connect(self.open_url)
        notifier.show_job_requested.connect(self.show_job)
        notifier.show_window_requested.connect(self.show_window)
        notifier.set_tray_fallback(tray.icon)

    def start(self, show_window: bool = False) -> None:
        """Load the jobs and show the tray at once; start the accounts' workers right after, in the event loop."""
        self.after.load()  # the mute of the last session holds from the first moment
        self.reload(with_accounts=False)
        self._watch_database()
        tray_state = _autostart_state()
        self.tray.set_autostart(tray_state)
        if self._show_tray:
            self.tray.show()
        _write_ready_marker(os.environ.get(BENCH_READY_FILE_ENV))
        if show_window or not self._show_tray:
            # Without a tray the window is the only way in; closing it then quits.
            self.show_window()
        if self.tray_missing:
            self.window.show_message(self.tr(NO_TRAY_NOTE))
        # The workers (requests, keyring, providers) are not needed to draw the icon: start them once it is up.
        QTimer.singleShot(0, self, self._start_accounts)

    def _start_accounts(self) -> None:
        try:
            accounts = self.store.accounts.all()
        except (sqlite3.Error, JobTrayError):
            log.exception("cannot read the accounts")
            return
        self._sync_accounts(accounts)
        self._sync_discovery()
        self._push_open_jobs()
        if not accounts:
            self.show_window()  # the first run: the window's welcome says what to do

    def shutdown(self) -> bool:
        """Stop every worker thread (within STOP_TIMEOUT_S); True if all stopped."""
        if self._db_watch is not None:
            # The store is closed right after this: a late change of its file must not reach it.
            self._db_watch.blockSignals(True)
            self._db_watch.removePaths(self._db_watch.files() + self._db_watch.directories())
        self._data_timer.stop()
        self._tray_timer.stop()
        self._flush_timer.stop()
        self.clipboard.set_enabled(False)
        for runtime in self._accounts.values():
            if runtime.key_retry is not None:
                runtime.key_retry.stop()
        stopped = self._pool.shutdown(STOP_TIMEOUT_S) if self._pool is not None else True
        stopped = self.after.shutdown(STOP_TIMEOUT_S / 4) and stopped  # downloads: their partial files removed
        if self._recorder is not None and self._recorder.pending:
            self._recorder.flush()  # a last try: the database may be free by now
            if self._recorder.pending:
                log.warning("%d fetched result(s) could not be written before quitting", self._recorder.pending)
        for runtime in self._accounts.values():
            runtime.polling = False
        with contextlib.suppress(Exception):  # a notifier failing at exit must not turn a quit into a crash
            self.notifier.close()
        self.tray.hide()
        for dialog in self._dialogs:
            dialog.close()
        if self._window is not None:
            self._window.hide()
        return stopped

    @property
    def tray_missing(self) -> bool:
        """A tray icon was wanted, but the desktop has no tray host (GNOME without the AppIndicator extension)."""
        return self._tray_wanted and not self._show_tray

    # ---- the store -> the views ----------------------------------------------------------------------------

    def _watch_database(self) -> None:
        folder = self.store.path.parent
        watched = [str(folder), *(str(p) for p in self._database_files() if p.exists())]
        self._db_watch = QFileSystemWatcher(self)
        failed = self._db_watch.addPaths(watched)
        if failed:
            log.info("cannot watch %s for changes; looking every %d ms instead", failed, DATA_POLL_MS)
            self._data_timer.setSingleShot(False)
            self._data_timer.setInterval(DATA_POLL_MS)
            self._data_timer.start()
            return
        self._db_watch.fileChanged.connect(self._database_touched)
        self._db_watch.directoryChanged.connect(self._database_touched)

    def _database_files(self) -> list[Path]:
        path = self.store.path
        return [path, path.with_name(path.name + "-wal")]

    def _database_touched(self, _path: str = "") -> None:
        if self._db_watch is not None:
            # A checkpoint may replace the -wal file: watch it again (addPath ignores what is already watched).
            present = [str(p) for p in self._database_files() if p.exists()]
            missing = [p for p in present if p not in self._db_watch.files()]
            if missing:
                self._db_watch.addPaths(missing)
        if not self._data_timer.isActive():
            self._data_timer.start()

    def poll_data_version(self) -> None:
        """Re-read the store when another process has committed to it."""
        try:
            version = self.store.jobs.data_version()
        except sqlite3.Error:
            log.exception("cannot read the database's data version")
            return
        if version != self._data_version:
            self.reload()

    def reload(self, with_accounts: bool = True) -> None:
        """Accounts and jobs from the store into workers, model and tray (only the jobs: `with_accounts` False).

        The accounts go first: starting a worker may record an error on its jobs, and the rows read afterwards
        must include it (reading them first showed stale rows).
        """
        try:
            self._data_version = self.store.jobs.data_version()
            if with_accounts:
                self._sync_accounts(self.store.accounts.all())
                self._sync_discovery()
                self.after.load()  # `jobtray settings set` in another process
            jobs = self.store.jobs.all()
        except (sqlite3.Error, JobTrayError):
            log.exception("cannot read the database")
            return
        self.model.sync(jobs)
        self._jobs_changed()
        self.jobs_reloaded.emit()

    def _jobs_changed(self) -> None:
        self._update_tray()
        self._push_open_jobs()
        if self._selected is not None:
            self.select_job(self._selected)

    def _update_tray(self) -> None:
        self._tray_timer.stop()
        self.tray.set_jobs(self.model.jobs())

    def _push_open_jobs(self) -> None:
        now = datetime.now(UTC)
        waiting = self._recorder.pending_job_ids if self._recorder is not None else (lambda _name: set())
        open_by_account: dict[str, list[tuple[str, float]]] = {name: [] for name in self._accounts}
        for job in self.model.jobs():
            if not job.state.is_terminal and job.account in open_by_account:
                open_by_account[job.account].append((job.job_id, (now - job.created_at).total_seconds()))
        for name, candidates in open_by_account.items():
            runtime = self._accounts[name]
            if not runtime.polling and candidates and not runtime.waiting_for_key:
                # Started with its first open job: a tray with nothing to watch loads no HTTP stack or keyring.
                self._start_worker(runtime)
            if not runtime.polling or self._pool is None:
                continue
            # A job whose news waits to be written still looks open here: the worker already knows better.
            pending = waiting(name)
            jobs = [job for job in candidates if job[0] not in pending or job[0] in runtime.sent]
            ids = frozenset(job_id for job_id, _ in jobs)
            if ids != runtime.sent:
                runtime.sent = ids
                self._pool.set_jobs(name, jobs)

    # ---- accounts and workers ------------------------------------------------------------------------------

    def _sync_accounts(self, accounts: Sequence[Account]) -> None:
        wanted = {a.name: a for a in accounts}
        for name in list(self._accounts):
            if name not in wanted or wanted[name] != self._accounts[name].account:
                self._stop_worker(name)
                del self._accounts[name]
                if name not in wanted and self._recorder is not None:
                    self._recorder.drop_account(name)
        for name, account in wanted.items():
            if name not in self._accounts:
                self._accounts[name] = _AccountRuntime(account)  # its worker starts with its first open job
        self._welcome = not wanted  # no account: the welcome instead of an empty table
        if self._window is not None:
            self._window.set_welcome(self._welcome)

    def _start_worker(self, runtime: _AccountRuntime) -> bool:
        """Start polling the account; False (with the reason recorded, and a retry armed) if its key or settings
        cannot be read now."""
        from desktop_app.engine.blocking import past_durations
        from desktop_app.engine.poller import AccountPoller
        from desktop_app.engine.results import error_result
        from desktop_app.engine.specs import poller_spec, thread_budget

        account = runtime.account
        try:
            spec = poller_spec(account, self._environ)  # main thread: keyring backends are not thread-safe
        except JobTrayError as exc:
            self._report(error_result(account.name, [j.job_id for j in self.store.jobs.open_jobs(account.name)], exc))
            self._arm_key_retry(runtime)
            return False
        runtime.key_failures = 0
        # The durations of its past jobs teach the schedule when this account's jobs tend to end (core/durations).
        durations = past_durations(self.store, account.name)
        poller = AccountPoller(spec, budget=thread_budget(self.store.folder, account.name), durations=durations)
        self._attach_discovery(poller, account)
        self._worker_pool().start(poller)
        runtime.polling = True
        runtime.sent = frozenset()
        return True

    def _worker_pool(self) -> WorkerPool:
        if self._pool is None:
            from desktop_app.workers.pool import WorkerPool

            self._pool = WorkerPool(self)
            self._pool.result_ready.connect(self.apply)  # delivered in the main thread
            self._pool.discovered.connect(self.apply_discovery)
        return self._pool

    def _arm_key_retry(self, runtime: _AccountRuntime) -> None:
        """A key that could not be read (a keyring still locked after login, a variable not set yet) is asked for
        again later, with backoff; "Check now" asks at once."""
        runtime.key_failures += 1
        delay = min(KEY_RETRY_MAX_S, KEY_RETRY_FIRST_S * 2.0 ** (runtime.key_failures - 1))
        if runtime.key_retry is None:
            runtime.key_retry = QTimer(self)
            runtime.key_retry.setSingleShot(True)
            runtime.key_retry.timeout.connect(lambda name=runtime.account.name: self._retry_key(name))
        runtime.key_retry.start(int(delay * 1000))

    def _retry_key(self, name: str) -> None:
        runtime = self._accounts.get(name)
        if runtime is None or runtime.polling:
            return
        if runtime.key_retry is not None:
            runtime.key_retry.stop()
        if self._start_worker(runtime):
            self._push_open_jobs()

    def _stop_worker(self, name: str) -> None:
        """Never blocks: the pool keeps the worker's thread until it has finished its request."""
        runtime = self._accounts.get(name)
        if runtime is None:
            return
        if runtime.key_retry is not None:
            runtime.key_retry.stop()
        if runtime.polling and self._pool is not None:
            self._pool.retire(name)
        runtime.polling = False

    # ---- results -------------------------------------------------------------------------------------------

    def apply(self, result: CheckResult) -> None:
        """A worker's result: write the store, then update the views and tell the user what ended."""
        if result.account not in self._accounts:
            return  # the account was removed or changed while the request was in flight
        self._report(result)

    def _report(self, result: CheckResult) -> None:
        recorder = self._results()
        changes = recorder.record(result)
        self._after_write(changes)
        try:
            jobs = [job for job_id in result.job_ids for job in self.store.jobs.find(job_id, result.account)]
        except (sqlite3.Error, JobTrayError):
            jobs = []  # the database is busy: the rows catch up when the results are written
        self.model.upsert(jobs)
        if not self._tray_timer.isActive():  # not restarted: a steady stream of results must not starve the tray
            self._tray_timer.start()
        if result.ok and not result.job_errors:
            self.notifier.clear_account_error(result.account)
        elif result.error is not None and (
            result.error_kind not in _NO_NOTIFY_KINDS or (result.retry_after or 0.0) >= LONG_WAIT_S
        ):
            # A short rate-limit pause is the schedule's business; a long one is told, with when we look again.
            self.notifier.notify_account_error(result.account, result.shown_error or result.error)
        if self._selected is not None and any(job.id == self._selected for job in jobs):
            self.select_job(self._selected)

    def _results(self) -> ResultRecorder:
        if self._recorder is None:
            from desktop_app.engine.recorder import ResultRecorder

            self._recorder = ResultRecorder(self.store)
        return self._recorder

    def _flush_results(self) -> None:
        if self._recorder is not None:
            changes = self._recorder.flush()
            self._after_write(changes)
            if changes:
                self.reload(with_accounts=False)

    def _after_write(self, changes: list[StatusChange]) -> None:
        """Tell what the written results changed; while results wait for a busy database, say so once and retry."""
        recorder = self._results()
        if recorder.problem is not None:
            if self._store_told is None:
                self._store_told = recorder.problem
                self.notifier.notify_problem(
                    self.tr("JobTray cannot write its database"),
                    self.tr("%1. Results are kept and written as soon as it is free.").replace(
                        "%1", str(recorder.problem)
                    ),
                )
            if recorder.retry_at is not None and not self._flush_timer.isActive():
                self._flush_timer.start(max(1, int((recorder.retry_at - time.monotonic()) * 1000) + 1))
        elif self._store_told is not None:
            self._store_told = None
            self.window.show_message(self.tr("The database is writable again; every result was written"))
        if changes:
            self.notifier.notify_changes(changes)
            self.after.handle(changes)  # save results, run commands
            self.changes_applied.emit(changes)

    # ---- user intents --------------------------------------------------------------------------------------

    def open_url(self, url: str) -> None:
        if is_openable_link(url):  # only http(s): a result link must never launch a local program
            QDesktopServices.openUrl(QUrl(url))
        else:
            log.warning("refused to open a link that is not http or https")

    def check_now(self) -> None:
        if self._pool is not None:
            self._pool.check_now()
        retried = False
        for runtime in self._accounts.values():
            if not runtime.polling:  # its key could not be read: ask again now
                retried = self._start_worker(runtime) or retried
        if retried:
            self._push_open_jobs()
        self.window.show_message(self.tr("Checking every open job now"))

    def set_muted_until(self, until: datetime | None) -> None:
        self._muted_until = until
        self.notifier.set_muted_until(until)
        self.tray.set_muted_until(until)
        self.after.save_mute(until)  # still muted after a restart

    def open_file(self, path: str) -> None:
        """A saved result, opened with the desktop's program for it."""
        if Path(path).is_file():
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))
        else:
            self.window.show_message(self.tr("%1 is not there any more").replace("%1", str(path)))

    def show_folder(self, path: str) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))

    def start_demo(self) -> None:
        """`jobtray demo` as a process of its own (its throwaway data folder makes it another instance)."""
        command = [*start_command(), "demo"]
        if launch_detached(command):
            self.window.show_message(self.tr("Starting the demo: a second JobTray window on throwaway data"))
        else:
            self.window.show_message(self.tr("The demo could not be started (%1)").replace("%1", " ".join(command)))

    def open_settings_dialog(self) -> None:
        if self._settings_dialog is not None:
            self._settings_dialog.close()
        accounts = {name: self.after.account(name) for name in self._accounts}
        from desktop_app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.after.app, accounts, self.window)
        dialog.save_requested.connect(lambda app, accounts: self.save_settings(dialog, app, accounts))
        self._settings_dialog = dialog
        dialog.show()
        dialog.raise_()

    def save_settings(self, dialog: SettingsDialog, app: GlobalSettings, accounts: dict[str, AccountSettings]) -> None:
        # Watch the clipboard is the tray menu's: a dialog opened before it was toggled must not undo it.
        app = replace(app, clipboard_watch=self.after.app.clipboard_watch)
        try:
            self.after.save(app, accounts)
        except (JobTrayError, sqlite3.Error) as exc:
            dialog.show_error(str(exc))
            return
        self._muted_until = app.muted_until
        self.window.show_message(self.tr("Settings saved"))

    def show_window(self) -> None:
        self.window.bring_to_front()
        self.tray.acknowledge()

    def show_job(self, row_id: int) -> None:
        self.show_window()
        self.window.select_job(row_id)

    def _window_hidden(self) -> None:
        if not self._show_tray:
            self.quit_requested.emit()

    def select_job(self, row_id: int) -> None:
        self._selected = row_id if row_id >= 0 else None
        job = self.model.job(row_id) if row_id >= 0 else None
        if job is None:
            self.window.show_history(None, [])
            return
        try:
            entries = self.store.jobs.history(job.id)
        except sqlite3.Error:
            log.exception("cannot read the history of job %s", job.id)
            entries = []
        self.window.show_history(job, entries)

    def remove_jobs(self, row_ids: Sequence[int]) -> None:
        try:
            with self.store.jobs.transaction():
                for row_id in row_ids:
                    self.store.jobs.remove(row_id)
        except sqlite3.Error as exc:
            self.window.show_message(self.tr("Not removed: %1").replace("%1", str(exc)))
            return
        self.model.remove(row_ids)
        self._jobs_changed()
        self.window.show_message(self.tr("Stopped watching %n job(s)", "", len(row_ids)))

    def set_autostart(self, enabled: bool) -> None:
        try:
            from desktop_app.system import autostart

            autostart.set_enabled(enabled, start_command())
        except (ImportError, OSError, JobTrayError) as exc:
            log.warning("cannot change start at login: %s", exc)
            self.window.show_message(self.tr("Start at login not changed: %1").replace("%1", str(exc)))
        self.tray.set_autostart(_autostart_state())

    # ---- adding jobs ---------------------------------------------------------------------------------------

    def open_add_dialog(self) -> None:
        accounts = [(rt.account.name, rt.account.provider) for rt in self._accounts.values()]
        from desktop_app.ui.dialogs import AddJobDialog

        dialog = AddJobDialog(accounts, self.window)
        dialog.add_requested.connect(
            lambda text, account, label: self.add_from_text(text, account or None, label or None)
        )
        self._keep_open(dialog)

    def add_from_text(self, text: str, account: str | None = None, label: str | None = None) -> None:
        """Find job IDs in text (a drop, a paste, the Add job dialog); ask which account when several could own them."""
        accounts = [rt.account for rt in self._accounts.values()]
        if not accounts:
            self.window.show_refusal(self.tr("Add an account first (Accounts...): JobTray needs to know whom to ask."))
            return
        from desktop_app.providers.registry import ID_SPECS  # the ui never imports the providers: app passes them

        plan = plan_drop(text, accounts, account, specs=ID_SPECS)
        if plan.empty:
            providers = ", ".join(sorted({a.provider for a in accounts}))
            template = self.tr("No job ID of your accounts' providers (%1) was found in that text.")
            self.window.show_refusal(template.replace("%1", providers))
            return
        if not plan.needs_choice:
            self.add_jobs(plan.candidates, label)
            return
        from desktop_app.ui.dialogs import ChooseAccountDialog

        dialog = ChooseAccountDialog(plan.candidates, self.window)
        dialog.accepted.connect(lambda: self.add_jobs(dialog.chosen(), label))
        self._keep_open(dialog)

    def add_jobs(self, candidates: Sequence[Candidate], label: str | None = None) -> list[Job]:
        added: list[Job] = []
        try:
            with self.store.jobs.transaction():
                for candidate in candidates:
                    for job_id in candidate.job_ids:
                        job, _created = self.store.jobs.add(candidate.account, job_id, label)
                        added.append(job)
        except (sqlite3.Error, JobTrayError) as exc:
            self.window.show_refusal(self.tr("Not added: %1").replace("%1", str(exc)))
            return []
        self.model.upsert(added)
        self._jobs_changed()
        if added:
            self.window.show_message(self.tr("Watching %n job(s)", "", len(added)))
            self.window.select_job(added[-1].id)
        return added

    # ---- the clipboard watch -------------------------------------------------------------------------------

    def set_clipboard_watch(self, enabled: bool) -> None:
        """The tray's Watch the clipboard: on or off now, and the same at the next start."""
        try:
            self.after.save_clipboard_watch(enabled)
        except (JobTrayError, sqlite3.Error) as exc:
            log.warning("the clipboard watch could not be kept for the next start: %s", exc)
            if enabled:
                template = self.tr("Watch the clipboard is on until JobTray quits: %1")
            else:
                template = self.tr("Watch the clipboard is off until JobTray quits: %1")
            self.window.show_message(template.replace("%1", str(exc)))
        self.clipboard.set_enabled(enabled)
        self.tray.set_clipboard_watch(enabled)

    def _apply_clipboard_watch(self) -> None:
        """The settings were loaded (at start, or changed by `jobtray settings set clipboard-watch`)."""
        enabled = self.after.app.clipboard_watch
        self.clipboard.set_enabled(enabled)
        self.tray.set_clipboard_watch(enabled)

    def offer_from_clipboard(self, offer: ClipboardOffer) -> None:
        """A copied job ID: offered in a notification; nothing is added or sent before its Watch is clicked."""
        self._offer_count += 1
        key = f"clipboard-{self._offer_count}"
        self._offers[key] = offer
        title, body = offer_text(offer)
        self.notifier.offer_watch(key, title, body)

    def accept_watch_offer(self, key: str) -> None:
        """Watch was clicked: the job is added as `add` would (its account asked for when several fit), checked now."""
        offer = self._offers.pop(key, None)
        if offer is None:
            return  # clicked twice, or a notification of an earlier session
        names = [account.name for account in offer.accounts if account.name in self._accounts]
        if not names:
            self.window.show_refusal(self.tr("Not added: the account for %1 was removed.").replace("%1", offer.job_id))
            return
        self.add_from_text(offer.job_id, names[0] if len(names) == 1 else None)

    # ---- account discovery ---------------------------------------------------------------------------------

    def _attach_discovery(self, poller: AccountPoller, account: Account) -> None:
        from desktop_app.engine.discovery import Discoverer, can_discover

        runtime = self._accounts.get(account.name)
        state = self.store.discovery.state(account.name) if can_discover(account.provider) else None
        if runtime is not None:
            runtime.discovering = state is not None
        if state is not None:
            poller.discovery = Discoverer(account.name, account.provider, state)

    def _sync_discovery(self) -> None:
        """Discovery switched on or off by the CLI or the dialog: that account's worker starts again with it."""
        enabled = self.store.discovery.enabled()
        for runtime in self._accounts.values():
            on = runtime.account.name in enabled
            if runtime.polling and runtime.discovering != on:
                self._stop_worker(runtime.account.name)
                self._start_worker(runtime)
            elif on and not runtime.polling and not runtime.waiting_for_key:
                self._start_worker(runtime)  # discovery needs the worker even with no job open yet

    def apply_discovery(self, page: DiscoveryPage) -> None:
        """A page of an account's discovery look: new media become discovered jobs, in the window at once."""
        from desktop_app.engine.discovery import record_page

        runtime = self._accounts.get(page.account)
        if runtime is None:
            return
        if page.error is not None:
            log.warning("account %s: discovery failed: %s", page.account, page.error)
            return
        try:
            added = record_page(self.store, runtime.account, page)
        except (JobTrayError, sqlite3.Error):
            log.exception("cannot record what discovery found at %s", page.account)
            return
        if added:
            self.model.upsert(added)
            self._jobs_changed()

    def accept_handoff(self, request: WatchRequest) -> tuple[bool | None, str | None]:
        """A job handed over by `jobtray add` or `jobtray open`: (created, None), or (None, why it was refused).

        Untrusted (any program of this user can write to the socket): the account must exist and the ID must be
        sendable for its provider, else nothing is added. The job is in the model at once and its first check goes
        out now (a new job is due at once in its account's schedule).
        """
        from desktop_app.app.intake import validated_handoff

        try:
            account, job_id, label = validated_handoff(self.store.accounts.all(), request)
            job, created = self.store.jobs.add(account, job_id, label)
        except (JobTrayError, sqlite3.Error) as exc:
            return None, str(exc)
        if account.name not in self._accounts:
            self.reload()  # an account added a moment ago by the CLI: start its worker first
        self.model.upsert([job])
        self._jobs_changed()
        if request.announce:
            self.notifier.announce_watching(job)
        return created, None

    def _keep_open(self, dialog: QDialog) -> None:
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _code: self._dialogs.remove(dialog) if dialog in self._dialogs else None)
        dialog.open()

    # ---- accounts ------------------------------------------------------------------------------------------

    def open_accounts_dialog(self) -> None:
        from desktop_app.engine.discovery import can_discover
        from desktop_app.providers.registry import PROVIDERS

        if self._accounts_dialog is None:
            providers = [(name, cls.display_name) for name, cls in PROVIDERS.items()]
            discoverable = [name for name in PROVIDERS if can_discover(name)]
            from desktop_app.ui.accounts_dialog import AccountsDialog

            self._accounts_dialog = AccountsDialog(providers, self.window, discoverable=discoverable)
            self._accounts_dialog.save_requested.connect(self.save_account)
            self._accounts_dialog.remove_requested.connect(self.remove_account)
        self._refresh_accounts_dialog()
        self._accounts_dialog.show()
        self._accounts_dialog.raise_()

    def add_account_of(self, provider: str) -> None:
        """The welcome's Add a ... account: the Accounts dialog, its editor open for that provider."""
        self.open_accounts_dialog()
        if self._accounts_dialog is not None:
            self._accounts_dialog.add_account(provider)

    def _refresh_accounts_dialog(self) -> None:
        if self._accounts_dialog is None:
            return
        accounts = self.store.accounts.all()
        errors = {a.name: self.store.accounts.last_error(a.name) for a in accounts}
        folders = {a.name: self.after.account(a.name).save_results for a in accounts}
        discovering = set(self.store.discovery.enabled())
        self._accounts_dialog.set_accounts(accounts, errors, folders, discovering)

    def save_account(self, form: AccountForm) -> None:
        """Validate and save an account from the dialog; errors go back to it with show_error."""
        try:
            self._save_account(form)
        except (JobTrayError, sqlite3.Error) as exc:
            if self._accounts_dialog is not None:
                self._accounts_dialog.show_error(str(exc))
            return
        self.reload()
        self._refresh_accounts_dialog()

    def _save_account(self, form: AccountForm) -> None:
        from desktop_app.engine.accounts import AccountDraft, AccountService

        draft = AccountDraft(
            name=form.name,
            provider=form.provider,
            key_source=form.key_source,
            base_url=form.base_url or None,
            username=form.username,
            key_env=form.key_env if form.key_source == KeySource.ENV else None,
            rate_limit=form.rate_limit,
        )
        service = AccountService(self.store)
        service.check_discovery(form.provider, form.discover)  # before anything is written
        if form.original_name:
            saved = service.edit(form.original_name, draft, form.secret)
        else:
            saved = service.add(draft, form.secret)
        # Stored as `account add/edit --discover` stores it; the reload after this starts the worker with it.
        service.set_discovery(saved.account.name, form.discover, time.time())
        if form.save_results != self.after.account(saved.account.name).save_results:
            self.after.save_folder(saved.account.name, form.save_results)
        for warning in saved.warnings:
            self.window.show_message(warning)

    def remove_account(self, name: str) -> None:
        from desktop_app.engine.accounts import AccountService

        try:
            AccountService(self.store).remove(name)
        except (JobTrayError, sqlite3.Error) as exc:
            if self._accounts_dialog is not None:
                self._accounts_dialog.show_error(str(exc))
            return
        self.reload()
        self._refresh_accounts_dialog()


def launch_detached(command: Sequence[str]) -> bool:
    """Start a program that outlives us and is never our zombie (QProcess double-forks); True if it started."""
    started, _pid = QProcess.startDetached(command[0], list(command[1:]))
    return bool(started)


def _autostart_state() -> bool | None:
    """Whether start at login is on; None when this build cannot do it."""
    try:
        from desktop_app.system import autostart
    except ImportError:
        return None
    try:
        return bool(autostart.is_enabled())
    except Exception:  # an unreadable autostart file must not stop the app
        log.exception("cannot read the start-at-login setting")
        return None


def _write_ready_marker(path: str | None) -> None:
    """For bench/startup.py: the wall-clock time at which the tray icon's show() returned, in seconds."""
    if not path:
        return
    try:
        Path(path).write_text(f"{time.time():.6f}\n", encoding="ascii")
    except OSError as exc:
        log.warning("cannot write the ready marker %s: %s", path, exc)
