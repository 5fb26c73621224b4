"""After a job ends, in the tray: its result saved (a `DownloadWorker` per result, never the GUI thread), the
commands of the settings run (background threads), and the settings that stay (mute included) loaded and saved.

`EndActions` belongs to the `AppController` and lives on the main thread: it reads and writes the store there, and
tells the notifier, the tray and the window. Downloads and commands report back through queued signals.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal

from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Job, StatusChange
from desktop_app.core.settings import AccountSettings, GlobalSettings
from desktop_app.store.database import Store

if TYPE_CHECKING:
    from desktop_app.engine.commands import CommandRunner
    from desktop_app.engine.downloads import DownloadOutcome, DownloadProgress
    from desktop_app.workers.download_worker import DownloadPool

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries a command's report from its thread to the main thread (connected queued)."""

    problem = Signal(str)


class EndActions(QObject):
    """Settings, result downloads and commands for the tray.

    Signals:
        settings_changed(): the settings were (re)loaded or saved.
        saved(int): a job's result was saved (its row id), after the store was written.
        not_saved(int, str): saving a job's result failed (row id, why).
    """

    settings_changed = Signal()
    saved = Signal(int)
    not_saved = Signal(int, str)

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
        self._pool: DownloadPool | None = None
        self._runner: CommandRunner | None = None
        self._progress: dict[int, tuple[int, int | None]] = {}
        self._after_save: dict[int, tuple[tuple[str, ...], ...]] = {}  # commands waiting for a download
        self._relay = _Relay(self)
        self._relay.problem.connect(self._command_problem, Qt.ConnectionType.QueuedConnection)

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
        if self._runner is not None:
            self._runner.timeout = self.app.command_timeout
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

    # ---- after a job ended --------------------------------------------------------------------------------

    def handle(self, changes: Sequence[StatusChange]) -> None:
        """Save results and run commands for the jobs among `changes` that ended."""
        from desktop_app.engine.after_end import plan_end

        for change in changes:
            try:
                plan = plan_end(change, self.account(change.job.account), self.app)
            except JobTrayError as exc:  # a command line that no longer splits
                self._notifier.notify_problem(self.tr("A command for ended jobs cannot run"), str(exc))
                continue
            if plan is None:
                continue
            if plan.downloads:
                self.save_result(change.job, plan.commands)
            else:
                self._run_commands(change.job, plan.commands)

    def save_result(self, job: Job, commands: tuple[tuple[str, ...], ...] = ()) -> bool:
        """Download the job's result into its account's folder, in a worker; False when it cannot start."""
        from desktop_app.engine.downloads import request_for
        from desktop_app.engine.specs import poller_spec

        folder = self.account(job.account).save_results
        if not folder or not job.result_url:
            return False
        try:
            account = self.store.accounts.get(job.account)
            config = poller_spec(account, self._environ).config  # the key, read on the main thread
        except JobTrayError:
            config = None  # a presigned link needs none; a result on the provider's own host may then fail
        request = request_for(
            row_id=job.id,
            account=job.account,
            job_id=job.job_id,
            url=job.result_url,
            folder=folder,
            provider=job.provider,
            config=config,
            max_bytes=self.app.download_cap,
        )
        if not self._downloads().start(request):
            return False
        self._after_save[job.id] = commands
        self._progress[job.id] = (0, None)
        self._tray.set_downloads(self._progress)
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
        return dict(self._progress)

    def _downloads(self) -> DownloadPool:
        if self._pool is None:
            from desktop_app.workers.download_worker import DownloadPool

            self._pool = DownloadPool(self)
            self._pool.progress.connect(self._on_progress)
            self._pool.finished.connect(self._on_finished)
        return self._pool

    def _on_progress(self, progress: DownloadProgress) -> None:
        if progress.row_id not in self._progress:
            return
        self._progress[progress.row_id] = (progress.received, progress.total)
        self._tray.set_downloads(self._progress)
        job = self._model.job(progress.row_id)
        if job is not None:
            from desktop_app.ui.tray import saving_text

            self._window.show_message(f"{job.title}: {saving_text(progress.received, progress.total)}")

    def _on_finished(self, outcome: DownloadOutcome) -> None:
        self._progress.pop(outcome.row_id, None)
        self._tray.set_downloads(self._progress)
        commands = self._after_save.pop(outcome.row_id, ())
        try:
            self.store.jobs.set_result_file(outcome.row_id, outcome.path, outcome.error)
            job = self.store.jobs.get(outcome.row_id)
        except (sqlite3.Error, JobTrayError):
            log.exception("cannot note the saved result of job %s", outcome.job_id)
            job = self._model.job(outcome.row_id)
            if job is None:
                return
            job = replace(job, result_file=outcome.path, download_error=outcome.error)
        self._model.upsert([job])
        self._tray.set_jobs(self._model.jobs())
        if outcome.ok:
            self._notifier.notify_saved(job)
            self._window.show_message(self.tr("Saved %1").replace("%1", str(outcome.path)))
            self.saved.emit(job.id)
        else:
            from desktop_app.engine.downloads import shown_error

            self._notifier.notify_not_saved(job, shown_error(outcome))
            self.not_saved.emit(job.id, outcome.error or "")
        self._run_commands(job, commands)

    # ---- commands ---------------------------------------------------------------------------------------------

    def _run_commands(self, job: Job, commands: Sequence[tuple[str, ...]]) -> None:
        if not commands:
            return
        from desktop_app.engine.commands import job_environment

        try:
            hidden = [a.key_env for a in self.store.accounts.all() if a.key_env]
        except (sqlite3.Error, JobTrayError):
            hidden = []
        env = job_environment(job, job.result_file, self._environ, hidden)
        runner = self._commands()
        for argv in commands:
            runner.start(argv, env, job.job_id)

    def _commands(self) -> CommandRunner:
        if self._runner is None:
            from desktop_app.engine.commands import CommandRunner

            self._runner = CommandRunner(on_problem=self._relay.problem.emit, timeout=self.app.command_timeout)
        return self._runner

    def _command_problem(self, text: str) -> None:
        self._notifier.notify_problem(self.tr("A command for an ended job failed"), text)

    # ---- quitting ---------------------------------------------------------------------------------------------

    def shutdown(self, timeout: float) -> bool:
        """Abandon downloads (their partial files removed) within `timeout`; commands are left to their limits."""
        return self._pool.shutdown(timeout) if self._pool is not None else True
