"""`QuietNotifier`: a notifier that only logs, for tests and benchmarks that check or measure something else (there
is no notification server offscreen). It has the signals and methods of `desktop_app.ui.notifier.Notifier` that the
tray app uses."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from desktop_app.core.model import Job, StatusChange
from desktop_app.core.settings import AccountSettings

log = logging.getLogger(__name__)


class QuietNotifier(QObject):
    """Logs what the real notifier would show."""

    open_url_requested = Signal(str)
    show_job_requested = Signal(int)
    show_window_requested = Signal()
    watch_offer_accepted = Signal(str)
    open_file_requested = Signal(str)
    show_folder_requested = Signal(str)
    shown_in_window = Signal(str, str, bool)
    acknowledge_requested = Signal(int)

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

    def remind_failure(self, job: Job) -> None:
        log.info("job %s still failed", job.job_id)

    def set_telling(self, quiet: object, respect_dnd: bool = True, dnd: object = None) -> None:
        pass

    def set_tray_fallback(self, tray: QSystemTrayIcon | None) -> None:
        pass

    def close(self, timeout: float = 0.0) -> None:
        pass
