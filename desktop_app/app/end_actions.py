"""After a job ends, in the tray: the settings that stay (mute included) loaded and saved, and the after-end work
(its result saved, the settings' commands run) carried out from the outbox (issue 18): `plan_for` gives the rows
the recorder writes with each ending, and `app.outbox_pump.OutboxPump` runs them (the runner's threads, never the
GUI thread), resumes what a crash or a quit left at the next start, and tells what happened (`_on_news`).

`EndActions` belongs to the `AppController` and lives on the main thread: it reads and writes the store there, and
tells the notifier, the tray and the window.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Job, StatusChange
from desktop_app.core.settings import AccountSettings, GlobalSettings
from desktop_app.store.database import Store

if TYPE_CHECKING:
    from desktop_app.app.forwarding import TrayForwarding
    from desktop_app.app.outbox_pump import OutboxPump
    from desktop_app.app.state import AppState
    from desktop_app.engine.outbox import OutboxNews
    from desktop_app.engine.threads import ThreadStarter
    from desktop_app.providers.base import ProviderConfig
    from desktop_app.store.outbox import OutboxAction

log = logging.getLogger(__name__)


class EndActions(QObject):
    """Settings, result downloads and commands for the tray.

    Signals:
        settings_changed(): the settings were (re)loaded or saved.
        saved(int): a job's result was saved (its row id), after the store was written.
        not_saved(int, str): saving a job's result failed (row id, why).
        worked(): the outbox's work told something (an outcome recorded, a restart's repair): its rows changed.
    """

    settings_changed = Signal()
    saved = Signal(int)
    not_saved = Signal(int, str)
    worked = Signal()

    def __init__(
        self,
        store: Store,
        *,
        notifier: Any,
        tray: Any,
        window: Any,
        model: Any,
        environ: Mapping[str, str] | None = None,
        parent: QObject | None = None,
        config_for: Callable[[str], ProviderConfig | None] | None = None,
        state: AppState | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._notifier = notifier
        self._tray = tray
        self._window = window
        self._model = model
        self._environ = environ
        self.app = GlobalSettings()
        self.accounts: dict[str, AccountSettings] = {}
        # An account's provider config for a download from the provider's own host, its key read off the GUI
        # thread (app.keys.TrayKeys.config_for); None: presigned links need none.
        self._config_for = config_for or (lambda _account: None)
        self._state = state
        self._pump: OutboxPump | None = None
        self._planned = False  # an ending had work: the runner starts, if it has not yet
        self._told: set[str] = set()
        # Forwarding (issue 21): its 'forward' rows planned with the rest and run by the same pump.
        self.forwarding: TrayForwarding | None = None
        # Where the outbox's work runs: the tray's one worker pool (set by the controller); None: threads of its own.
        self.threads: Callable[[], ThreadStarter] | None = None

    # ---- settings ---------------------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the settings (at start and when another process changed them) and apply them, mute included."""
        try:
            self.app = self.store.settings.app()
            self.accounts = self.store.settings.accounts()
        except (sqlite3.Error, JobTrayError):
            log.exception("cannot read the settings")
            return
        self._apply()

    def _apply(self) -> None:
        self._notifier.set_muted_until(self.app.muted_until)
        self._tray.set_muted_until(self.app.muted_until)
        self._notifier.set_account_settings(self.accounts)
        self.settings_changed.emit()

    def account(self, name: str) -> AccountSettings:
        return self.accounts.get(name) or AccountSettings()

    def save_mute(self, until: datetime | None) -> None:
        """Muting survives a restart."""
        self.app = replace(self.app, muted_until=until)
        try:
            self.store.settings.save_app(self.app)
        except (sqlite3.Error, JobTrayError) as exc:
            log.warning("the mute could not be kept for the next start: %s", exc)

    def save_clipboard_watch(self, enabled: bool) -> None:
        """The tray's Watch the clipboard, kept for the next start (raises JobTrayError / sqlite3.Error)."""
        app = replace(self.app, clipboard_watch=enabled)
        self.store.settings.save_app(app)
        self.app = app

    def save(self, app: GlobalSettings, accounts: Mapping[str, AccountSettings]) -> None:
        """Store the Settings dialog's values (raises JobTrayError / sqlite3.Error for the dialog to show)."""
        with self.store.jobs.transaction():
            self.store.settings.save_app(app)
            for name, settings in accounts.items():
                self.store.settings.save_account(name, settings)
        self.app = app
        self.accounts = self.store.settings.accounts()
        self._apply()

    def save_folder(self, account: str, folder: str | None) -> None:
        """The accounts dialog's "Save results in" for one account."""
        settings = replace(self.account(account), save_results=folder)
        self.store.settings.save_account(account, settings)
        self.accounts[account] = settings

    # ---- after a job ended: the outbox ----------------------------------------------------------------------

    def plan_for(self, change: StatusChange) -> list[OutboxAction]:
        """The outbox rows of an ending (a download, the settings' commands), written by the recorder in the
        ending's own transaction: an ending is never recorded without the work that follows it."""
        from desktop_app.engine.after_end import plan_actions

        settings = self.account(change.job.account)
        try:
            actions = plan_actions(change, settings, self.app)
        except JobTrayError as exc:  # a stored command line that no longer splits: the ending is kept
            key = str(exc)
            if key not in self._told:
                self._told.add(key)
                self._notifier.notify_problem(self.tr("A command for ended jobs cannot run"), key)
            actions = []
        if self.forwarding is not None:
            actions = [*actions, *self.forwarding.plan(change, settings, self.app)]
        self._planned = self._planned or bool(actions)
        return actions

    def start_outbox(self) -> None:
        """Resume what earlier runs left (a crash's download starts again under its recorded name; a command that
        may not have finished is told, never run twice), then run what is due. With nothing open and no account
        saving results, the runner (and requests, ~20 MB) waits for the first ending that has work."""
        if self._pump is not None:
            return
        try:
            open_rows = any(row.state in ("pending", "running") for row in self.store.outbox.unsettled())
        except (sqlite3.Error, JobTrayError):
            open_rows = True  # busy: the runner retries its start until the store takes it
        if open_rows or any(settings.save_results for settings in self.accounts.values()):
            self._outbox()

    def handle(self, changes: Sequence[StatusChange]) -> None:
        """The jobs among `changes` that ended have their rows written already: start them now."""
        if self._pump is not None:
            self._pump.pump()
        elif self._planned:
            self._outbox()  # started: it claims the new rows at once

    def run_again(self, row_id: int) -> int:
        """The tray's "Run again" / "Save again" of an outbox row that did not complete: pending again and started
        now (the runner started if need be); its job's row id. Raises JobTrayError / sqlite3.Error."""
        return self._outbox().run_again(row_id)

    def save_result(self, job: Job) -> bool:
        """Download the job's result into its account's folder (a new outbox row); False when it cannot."""
        folder = self.account(job.account).save_results
        if not folder or not job.result_url:
            return False
        try:
            queued = self._outbox().save_again(job)
            # The failed saves it takes the place of are settled: they would stay "failed" beside a saved file.
            for row in self.store.outbox.for_job(job.id, ("failed",)):
                if row.kind == "download" and row.id != queued:
                    self.store.outbox.discard(row.id)
        except (sqlite3.Error, JobTrayError):
            log.exception("cannot queue saving the result of %s", job.job_id)
            return False
        self.worked.emit()
        return True

    def save_again(self, row_id: int) -> None:
        """The tray menu's "Save result again"."""
        job = self._model.job(row_id)
        if job is None:
            return
        if self.save_result(job):
            self._window.show_message(self.tr("Saving the result of %1").replace("%1", job.title))
        else:
            self._window.show_message(self.tr("That result cannot be saved: the account has no folder for results"))

    def saving(self) -> dict[int, tuple[int, int | None]]:
        """The results being saved now: {job row id: (bytes so far, total or None)}."""
        return self._pump.saving if self._pump is not None else {}

    @property
    def outbox(self) -> OutboxPump | None:
        """The outbox's pump, once started (a `workers.stopping.Stoppable` for the quit budget)."""
        return self._pump

    def _outbox(self) -> OutboxPump:
        if self._pump is None:
            from desktop_app.app.outbox_pump import OutboxPump

            threads = self.threads() if self.threads is not None else None
            self._pump = OutboxPump(
                self.store, config_for=self._config_for, environ=self._environ, parent=self, threads=threads
            )
            self._pump.news.connect(self._on_news)
            self._pump.downloads.connect(self._on_downloads)
            if self.forwarding is not None:
                self.forwarding.register(self._pump.runner)  # before start: forward rows left open resume too
            self._pump.start()  # repairs what dead processes left, then claims what is due
        return self._pump

    def _on_downloads(self, downloads: dict[int, tuple[int, int | None]]) -> None:
        """Progress of the results being saved (throttled by the pump): the menu's "saving 42%", and the window's
        status line when the window is there (not built for it)."""
        self._tray.set_downloads(downloads)
        if not getattr(self._window, "is_built", True):
            return
        from desktop_app.ui.tray import saving_text

        for row_id, (received, total) in downloads.items():
            job = self._model.job(row_id)
            if job is not None:
                self._window.show_message(f"{job.title}: {saving_text(received, total)}")

    def _on_news(self, news: OutboxNews) -> None:
        """What the outbox's work did, told the tray's way (on the main thread)."""
        job = news.job
        if job is not None:
            self._model.upsert([job])
            if self._state is not None:
                self._state.jobs_refreshed([job.id])
        if news.kind == "saved" and job is not None:
            self._notifier.notify_saved(job)
            self._window.show_message(self.tr("Saved %1").replace("%1", str(news.path or job.result_file)))
            self.saved.emit(job.id)
        elif news.kind == "not_saved" and job is not None:
            self._notifier.notify_not_saved(job, news.text)
            self.not_saved.emit(job.id, news.text)
        elif news.kind == "command_failed":
            self._notifier.notify_problem(self.tr("A command for an ended job failed"), news.text)
        elif news.kind == "failed":  # another kind of after-end work (a forward) that did not go through
            self._notifier.notify_problem(self.tr("After-end work failed"), news.text)
        elif news.kind == "problem":  # the database refuses the outcomes for now: they wait in order
            self._window.show_message(news.text)
        else:  # what a restart resumed ("summary") or found unfinished ("repaired")
            self._notifier.notify_problem(self.tr("JobTray picked up where it stopped"), news.text)
            self._window.show_message(news.text)
        self.worked.emit()

    # ---- quitting ---------------------------------------------------------------------------------------------

    def begin_stop(self) -> None:
        """Quitting, first half: downloads abandoned (rows left to resume), commands sent SIGTERM."""
        if self._pump is not None:
            self._pump.begin_stop()

    def wait_stopped(self, seconds: float) -> bool:
        """Quitting, second half: wait for the work's threads within `seconds`."""
        return self._pump.wait_stopped(seconds) if self._pump is not None else True

    def shutdown(self, timeout: float) -> bool:
        """Abandon downloads (rows left to resume, `.part` removed) and end commands, within `timeout`."""
        if self._pump is None:
            return True
        self._pump.begin_stop()
        return self._pump.wait_stopped(timeout)
