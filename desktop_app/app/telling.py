"""`ProblemTeller`: what goes wrong, told to the user once. The policy is the engine's (`engine.supervisor.TellOnce`
and `worth_telling`, the same for `jobtray watch`); this module only says it the tray's way: a notification for an
account that cannot be checked and for a database that cannot be written, a status line when it is free again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from desktop_app.app.state import AppState
from desktop_app.engine.supervisor import TellOnce
from desktop_app.ui.notifier import Notifier

if TYPE_CHECKING:
    from desktop_app.engine.results import CheckResult


class ProblemTeller:
    """Tells account errors and store problems once each, until they clear."""

    def __init__(self, notifier: Notifier, state: AppState, told: TellOnce | None = None) -> None:
        self._notifier = notifier
        self._state = state
        self.told = told if told is not None else TellOnce()
        self._store_problem: str | None = None  # the database problem the user was told about

    def result(self, result: CheckResult) -> None:
        """A result was recorded: a clean answer ends its account's outage; a new problem of the account is told."""
        cleared, problems = self.told.news(result)
        if cleared:
            self._notifier.clear_account_error(result.account)
        for problem in problems:
            if problem.job_id is None:  # a bad answer about one job shows on its row, not in a notification
                self._notifier.notify_account_error(problem.account, problem.text)

    def worker_failed(self, account: str, text: str) -> None:
        """A worker hit an unexpected exception (logged with its traceback); it goes on after a backoff. Told once
        per worker."""
        self._notifier.notify_problem(
            QCoreApplication.translate("AppController", "JobTray hit an unexpected error checking %1").replace(
                "%1", account
            ),
            text,
        )

    def store(self, problem: str | None) -> None:
        """The recorder's state after a write: a problem is told once; its end is said in the status line."""
        if problem is not None:
            if self._store_problem is None:
                self._store_problem = problem
                self._notifier.notify_problem(
                    QCoreApplication.translate("AppController", "JobTray cannot write its database"),
                    QCoreApplication.translate(
                        "AppController", "%1. Results are kept and written as soon as it is free."
                    ).replace("%1", str(problem)),
                )
        elif self._store_problem is not None:
            self._store_problem = None
            self._state.say(
                QCoreApplication.translate("AppController", "The database is writable again; every result was written")
            )
