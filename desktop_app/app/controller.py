"""`AppController`: the tray process's composition root. It builds the parts, each a module of its own, and wires
them to each other through `AppState` (the hub the views observe):

- `state.AppState`: accounts, welcome, mute, clipboard watch, messages; which job rows changed.
- `polling.TrayPolling`: the engine's `Supervisor` on worker threads; results recorded on the main thread.
- `following.StoreFollower`: another process's commits reach the model, the supervisor and the settings.
- `telling.ProblemTeller`: account errors and a database that cannot be written, told once.
- `adding.JobAdder`: jobs added (dialog, drops, clipboard offers, hand-off) and removed.
- `accounts.AccountsEditor`, `preferences.Preferences`, `opening`: the Accounts and Settings dialogs, mute,
  the clipboard watch, start at login; links, files, folders and the demo opened.
- `windowing.WindowHost`: the window, built when first needed, and the selected job's history.
- `end_actions.EndActions`: the settings that stay, results saved and commands run after a job ends.
- `tray_view.TrayView`: what the icon and menu show, kept row by row; `telling_rules.TellingRules`: quiet hours,
  do-not-disturb and forwarding problems.
- `alarms.FailureAlarms`, `etas.EtaDisplay`, `forwarding.TrayForwarding` (issue 21): failures acknowledged and
  reminded of, each open job's likely end, forwarding targets and their problems.

Threads: the store lives on the main (GUI) thread; every part here runs there. Workers only do HTTP.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from desktop_app.app import opening
from desktop_app.app.accounts import AccountsEditor
from desktop_app.app.adding import JobAdder, id_specs
from desktop_app.app.alarms import FailureAlarms
from desktop_app.app.end_actions import EndActions
from desktop_app.app.etas import EtaDisplay
from desktop_app.app.following import StoreFollower
from desktop_app.app.forwarding import TrayForwarding
from desktop_app.app.keys import TrayKeys
from desktop_app.app.opening import BENCH_READY_FILE_ENV, app_icon_path
from desktop_app.app.pending_work import TrayPendingWork
from desktop_app.app.polling import TrayPolling
from desktop_app.app.preferences import Preferences
from desktop_app.app.state import AppState
from desktop_app.app.telling import ProblemTeller
from desktop_app.app.telling_rules import TellingRules
from desktop_app.app.tray_view import TRAY_UPDATE_MS, TrayView
from desktop_app.app.warmup import warm_up
from desktop_app.app.windowing import WindowHost
from desktop_app.core.errors import JobTrayError
from desktop_app.core.handoff import WatchRequest
from desktop_app.core.model import StatusChange
from desktop_app.store.database import Store
from desktop_app.ui.clipboard import ClipboardWatcher
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.texts import QT_TRANSLATE_NOOP
from desktop_app.ui.tray import TrayIcon
from desktop_app.workers.stopping import QUIT_BUDGET_S

if TYPE_CHECKING:
    from desktop_app.ui.window import JobWindow  # built when first needed: a tray never opened needs none

__all__ = ["NO_TRAY_NOTE", "STOP_TIMEOUT_S", "TRAY_UPDATE_MS", "AppController", "app_icon_path"]

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = QUIT_BUDGET_S  # the quit budget (docs/ARCHITECTURE.md, "Quitting")
# Printed as is (a terminal line); the window shows it translated ("AppController" context).
NO_TRAY_NOTE = QT_TRANSLATE_NOOP(
    "AppController",
    "No tray icon: this desktop has no system tray (on GNOME, install the AppIndicator extension). "
    "JobTray works from this window and still sends notifications.",
)


class AppController(QObject):
    """Builds and wires the tray process's parts; starts and stops them.

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
        notifier: Notifier | None = None,
        tray_icon: QSystemTrayIcon | None = None,
    ) -> None:
        """`tray_icon`: the icon app.run showed before building this (app/early_tray.py), adopted as the tray's."""
        super().__init__()
        self.store = store
        self.state = AppState(self)
        self.model = JobTableModel(self)
        self.tray = TrayIcon(self, icon=tray_icon)
        self._icon_adopted = tray_icon is not None
        self.notifier = notifier if notifier is not None else Notifier(app_icon_path=app_icon_path())
        # The model holds what the tray's icon and menu need; the window's table pages from the store (issue 19).
        self.windows = WindowHost(store, self.model, self.state, self)
        # Keys are read (and deleted) on the keyring's own thread: an unlock prompt never freezes the window.
        self.keys = TrayKeys(environ, self)
        # Settings that stay; saved results and commands after a job ends, run from the outbox (issues 13, 18).
        self.after = EndActions(
            store,
            notifier=self.notifier,
            tray=self.tray,
            window=self.windows,
            model=self.model,
            environ=environ,
            parent=self,
            config_for=self.keys.config_for,
            state=self.state,
        )
        self.teller = ProblemTeller(self.notifier, self.state)
        self.polling = TrayPolling(
            store,
            self.model,
            self.state,
            self.teller,
            after_write=self._written,
            environ=environ,
            parent=self,
            plan_for=self.after.plan_for,
            keys=self.keys,
        )
        self.after.threads = self.polling.worker_pool  # one pool: the outbox's work beside the poll workers
        self.follower = StoreFollower(
            store, self.model, self.state, self.polling, load_settings=self.after.load, parent=self
        )
        self.adder = JobAdder(
            store, self.model, self.state, self.windows, self.notifier, reload=self.follower.reload, parent=self
        )
        self.accounts = AccountsEditor(
            store,
            self.state,
            self.windows,
            self.after,
            reload=self.follower.reload,
            parent=self,
            forget_key=self.keys.forget,
            keys=self.keys,
        )
        # Issue 21: a failure alarms until acknowledged (one reminder), ETAs, forwarding off the desktop.
        self.alarms = FailureAlarms(
            store,
            self.model,
            self.state,
            self.notifier,
            renotify_hours=lambda: self.after.app.renotify_hours,
            parent=self,
        )
        self.etas = EtaDisplay(store, self.model, self.state, self.tray, parent=self)
        self.polling.result_arrived.connect(self.etas.note_result)  # a provider's time left narrows the ETAs
        self.telling = TellingRules(self.notifier, self.tray, self.after, parent=self)
        self.forwarding = TrayForwarding(
            store, self.telling.forward_failed, environ=environ, parent=self, keyring=self.keys.calls
        )
        self.telling.forwarding = self.forwarding
        self.after.forwarding = self.forwarding
        # After-end work that failed or was stopped (issue 18): lines in the menu and the window, with their actions.
        self.pending = TrayPendingWork(
            store, self.model, self.state, tray=self.tray, windows=self.windows, after=self.after, parent=self
        )
        self.preferences = Preferences(
            self.state, self.windows, self.after, self.tray, forwarding=self.forwarding, parent=self
        )
        # The clipboard watch (opt-in, a setting that stays): copied job IDs offered, added only on the click.
        self.clipboard = ClipboardWatcher(
            lambda: self.state.accounts,
            id_specs,
            watched=self.adder.is_watched,
            parent=self,
        )
        self.tray_view = TrayView(store, self.model, self.tray, parent=self)
        self.tray_jobs = self.tray_view.index
        self._tray_wanted = show_tray
        self._show_tray = show_tray and QSystemTrayIcon.isSystemTrayAvailable()
        self._shut_down = False
        self._stopped = True
        self._wire()

    # ---- wiring --------------------------------------------------------------------------------------------

    def _wire(self) -> None:
        tray, notifier, state = self.tray, self.notifier, self.state
        say = state.say
        tray.open_url_requested.connect(opening.open_url)
        tray.remove_requested.connect(lambda row_id: self.adder.remove_jobs([row_id]))
        tray.check_now_requested.connect(self.check_now)
        tray.mute_requested.connect(self.preferences.set_muted_until)
        tray.show_window_requested.connect(self.show_window)
        tray.add_job_requested.connect(self.adder.open_dialog)
        tray.autostart_toggled.connect(self.preferences.set_autostart)
        tray.quit_requested.connect(self.quit_requested)
        tray.copy_id_requested.connect(lambda job_id: say(self.tr("Copied %1").replace("%1", job_id)))
        tray.save_result_requested.connect(self.after.save_again)
        tray.open_file_requested.connect(lambda path: opening.open_file(path, say))
        tray.settings_requested.connect(self.preferences.open_dialog)
        tray.clipboard_watch_toggled.connect(self.preferences.set_clipboard_watch)
        tray.acknowledge_requested.connect(self.alarms.acknowledge)
        self.after.settings_changed.connect(self.telling.apply)
        self.clipboard.offered.connect(self.adder.offer_from_clipboard)
        notifier.watch_offer_accepted.connect(self.adder.accept_watch_offer)
        self.after.settings_changed.connect(self.preferences.settings_loaded)
        notifier.open_file_requested.connect(lambda path: opening.open_file(path, say))
        notifier.show_folder_requested.connect(opening.show_folder)
        notifier.open_url_requested.connect(opening.open_url)
        notifier.show_job_requested.connect(self.show_job)
        notifier.show_window_requested.connect(self.show_window)
        # No tray icon shown: a balloon would reach nobody; the window shows what ended instead (issue 18).
        notifier.set_tray_fallback(tray.icon if self._show_tray else None)
        notifier.shown_in_window.connect(self._show_in_window)
        self.keys.key_left.connect(
            lambda _account, text: notifier.notify_problem(self.tr("A key stayed in the keyring"), text)
        )
        # What the views observe.
        state.jobs_changed.connect(self.tray_view.jobs_changed)
        state.jobs_updated.connect(self.tray_view.jobs_updated)
        state.muted_changed.connect(notifier.set_muted_until)
        state.muted_changed.connect(tray.set_muted_until)
        state.clipboard_watch_changed.connect(self.clipboard.set_enabled)
        state.clipboard_watch_changed.connect(tray.set_clipboard_watch)
        # Accounts that cannot be checked (issue 23): the icon's warning and menu lines, the window's banner.
        state.problems_changed.connect(lambda found: tray.set_account_problems({n: p.kind for n, p in found.items()}))
        state.problems_changed.connect(
            lambda found: self.windows.window.set_account_problems(found) if self.windows.is_built else None
        )
        tray.problem_action_requested.connect(self.fix_problem)
        self.follower.reloaded.connect(self.jobs_reloaded)
        self.windows.built.connect(self._wire_window)

    def _wire_window(self, window: JobWindow) -> None:
        say = self.state.say
        window.settings_requested.connect(self.preferences.open_dialog)
        window.open_url_requested.connect(opening.open_url)
        window.remove_requested.connect(self.adder.remove_jobs)
        window.text_dropped.connect(self.adder.add_from_text)
        window.add_job_requested.connect(self.adder.open_dialog)
        window.accounts_requested.connect(self.accounts.open_dialog)
        window.check_now_requested.connect(self.check_now)
        window.open_file_requested.connect(lambda path: opening.open_file(path, say))
        window.demo_requested.connect(lambda: opening.start_demo(say))
        window.add_account_requested.connect(self.accounts.add_account_of)
        window.hidden.connect(self._window_hidden)
        window.acknowledge_requested.connect(self.alarms.acknowledge)
        window.problem_action_requested.connect(self.fix_problem)
        window.set_account_problems(self.state.problems)

    # ---- start and stop ------------------------------------------------------------------------------------

    def start(self, show_window: bool = False) -> None:
        """Load the jobs and show the tray at once; start the accounts' workers right after, in the event loop."""
        self.after.load()  # the mute of the last session holds from the first moment
        try:  # the accounts that cannot be checked, before the icon's first look (as app.early_tray drew it)
            self.state.set_problems(self.store.accounts.problems())
        except sqlite3.Error:
            log.exception("cannot read the accounts' problems")
        self.follower.reload(with_accounts=False)
        self.follower.watch()
        self.etas.refresh()
        self.alarms.arm()
        self.telling.show_forward_problems()
        self.tray.set_autostart(opening.autostart_state())
        if self._show_tray:
            self.tray.show()
        if not self._icon_adopted:  # else app.run wrote it when it showed the icon
            opening.write_ready_marker(os.environ.get(BENCH_READY_FILE_ENV))
        if show_window or not self._show_tray:
            # Without a tray the window is the only way in; closing it then quits.
            self.show_window()
        if self.tray_missing:
            self.windows.show_message(self.tr(NO_TRAY_NOTE))
        # The workers (requests, keyring, providers) are not needed to draw the icon: start them once it is up.
        QTimer.singleShot(0, self, self._start_accounts)

    def _start_accounts(self) -> None:
        if self._shut_down:
            return  # quit before the first event turn: the store is closed
        try:
            self.follower.load_accounts()
        except (sqlite3.Error, JobTrayError):
            log.exception("cannot read the accounts")
            return
        if self.tray_view.index.open_count:
            # The workers' modules (requests, the providers: 60-110 ms) imported off the GUI thread first, so it
            # answers the tray host's ask for the icon meanwhile (app/warmup.py, issue 19).
            warm_up(self.polling.push, self)
        else:
            self.polling.push()
        self.after.start_outbox()  # what a quit or a crash left: downloads resume, unknown commands are told
        self.pending.load()
        if not self.state.accounts:
            self.show_window()  # the first run: the window's welcome says what to do

    def shutdown(self) -> bool:
        """Stop everything within the quit budget (workers.stopping: 3 s on the GUI thread, whatever is stuck);
        True if every thread ended. Safe to call twice (aboutToQuit, then run.py's finally)."""
        if self._shut_down:
            return self._stopped
        self._shut_down = True
        from desktop_app.workers.stopping import NOTIFIER_SHARE_S, Stopping, StopStep, stop_within

        self.follower.stop()
        self.tray_view.stop()
        self.etas.stop()
        self.alarms.stop()
        self.clipboard.set_enabled(False)
        self.adder.shutdown()
        steps = [
            # Told first, all of them (requests abandoned, downloads abandoned with rows left to resume, commands
            # sent SIGTERM), then waited for against one deadline: the worker pool holds every thread (poll
            # workers and the outbox's work); the after-end work then records what its stopped work said.
            StopStep("worker pool", Stopping(self.polling.begin_stop, self.polling.wait_stopped)),
            StopStep("after-end work", Stopping(self.after.begin_stop, self.after.wait_stopped)),
            StopStep("notifier", Stopping(lambda: None, self._close_notifier), most=NOTIFIER_SHARE_S),
        ]
        report = stop_within(steps)
        log.info("quit took %.2f s%s", report.took, "" if report.clean else f"; left: {', '.join(report.left_behind)}")
        self._stopped = report.clean
        stopped = report.clean
        self.tray.hide()
        self.preferences.close()
        self.windows.close()
        return stopped

    @property
    def tray_missing(self) -> bool:
        """A tray icon was wanted, but the desktop has no tray host (GNOME without the AppIndicator extension)."""
        return self._tray_wanted and not self._show_tray

    # ---- the views -----------------------------------------------------------------------------------------

    @property
    def window(self) -> JobWindow:
        return self.windows.window

    def show_message(self, text: str) -> None:
        self.windows.show_message(text)

    def show_window(self) -> None:
        self.windows.show_window()
        self.tray.acknowledge()

    def show_job(self, row_id: int) -> None:
        self.show_window()
        self.windows.show_job(row_id)

    def _window_hidden(self) -> None:
        if not self._show_tray:
            self.quit_requested.emit()

    def _close_notifier(self, seconds: float) -> bool:
        with contextlib.suppress(Exception):  # a notifier failing at exit must not turn a quit into a crash
            self.notifier.close(seconds)
        return True

    def _show_in_window(self, title: str, body: str, warning: bool) -> None:
        """Neither a notification server nor a tray icon: the window, raised or flashed, with a banner."""
        from desktop_app.ui.missed_endings import show_in_window

        show_in_window(self.window, title, body, warning)

    def _written(self, changes: list[StatusChange]) -> None:
        """Results were written: tell what ended, save results and run commands."""
        self.notifier.notify_changes(changes)
        self.after.handle(changes)
        self.state.statuses_changed(changes)
        self.changes_applied.emit(changes)

    # ---- intents others reach the controller for (run.py, the single-instance socket, tests) ---------------

    def accept_handoff(self, request: WatchRequest) -> tuple[bool | None, str | None]:
        return self.adder.accept_handoff(request)

    def fix_problem(self, account: str, kind: str) -> None:
        self.accounts.fix_problem(account, kind, self.check_now)

    def check_now(self) -> None:
        self.polling.check_now()
        self.state.say(self.tr("Checking every open job now"))

    def reload(self, with_accounts: bool = True) -> None:
        self.follower.reload(with_accounts)

    def add_from_text(self, text: str, account: str | None = None, label: str | None = None) -> None:
        self.adder.add_from_text(text, account, label)

    def remove_jobs(self, row_ids: Sequence[int]) -> None:
        self.adder.remove_jobs(row_ids)
