"""`AppState`: the tray process's application state, one hub that views and parts subscribe to (Vorta's `VortaApp`
signals are the pattern). Parts that write the store say what changed here; the tray, the window and the workers'
supervisor follow from the signals, so no part needs to know who else must be told.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from desktop_app.core.model import Account, StatusChange
from desktop_app.core.problems import AccountProblem


class AppState(QObject):
    """What the tray process knows beyond the job rows (those live in `ui.job_model.JobTableModel`).

    Signals:
        jobs_changed(object): job rows added, removed or edited in the model (the open jobs may differ): a
            frozenset of their row ids, or None (any of them).
        jobs_updated(object): job rows that results or news from the store refreshed (a frozenset of row ids):
            the open jobs the workers have need not be handed out again.
        accounts_changed(list): the stored accounts (a list of `Account`), after they were read again.
        welcome_changed(bool): no account: the window shows its welcome instead of an empty table.
        status_changed(list): the `StatusChange`s that written results produced.
        message(str): a status line for the window.
        refusal(str): something the user asked for was not done (shown more prominently than a message).
        muted_changed(object): notifications muted until this datetime (None: not muted).
        clipboard_watch_changed(bool): the clipboard watch is on or off.
        store_changed(object): a batch of the change feed (`store.changes.FeedBatch`) was applied: parts that
            follow other tables (the outbox, forwarding targets) look at `batch.rows("outbox")` and the like.
    """

    jobs_changed = Signal(object)
    jobs_updated = Signal(object)
    accounts_changed = Signal(list)
    welcome_changed = Signal(bool)
    status_changed = Signal(list)
    message = Signal(str)
    refusal = Signal(str)
    muted_changed = Signal(object)
    clipboard_watch_changed = Signal(bool)
    store_changed = Signal(object)
    problems_changed = Signal(object)  # {account name: AccountProblem}: accounts that cannot be checked (issue 23)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.accounts: list[Account] = []
        self.problems: dict[str, AccountProblem] = {}
        self.welcome = False
        self.muted_until: datetime | None = None
        self.clipboard_watch = False

    def set_problems(self, problems: Mapping[str, AccountProblem]) -> None:
        """The accounts that cannot be checked (`store.accounts.problems()`); said only when they changed."""
        new = dict(problems)
        if new != self.problems:
            self.problems = new
            self.problems_changed.emit(new)

    def set_accounts(self, accounts: Iterable[Account]) -> None:
        self.accounts = list(accounts)
        self.accounts_changed.emit(self.accounts)
        welcome = not self.accounts
        if welcome != self.welcome:
            self.welcome = welcome
            self.welcome_changed.emit(welcome)

    def account_names(self) -> list[str]:
        return [account.name for account in self.accounts]

    def jobs_touched(self, row_ids: Iterable[int] | None = None) -> None:
        """Rows of the model changed (None: any, e.g. after a full reload)."""
        self.jobs_changed.emit(None if row_ids is None else frozenset(row_ids))

    def jobs_refreshed(self, row_ids: Iterable[int]) -> None:
        """Rows got news from their workers (their states, messages, progress)."""
        rows = frozenset(row_ids)
        if rows:
            self.jobs_updated.emit(rows)

    def statuses_changed(self, changes: list[StatusChange]) -> None:
        if changes:
            self.status_changed.emit(changes)

    def set_muted_until(self, until: datetime | None) -> None:
        self.muted_until = until
        self.muted_changed.emit(until)

    def set_clipboard_watch(self, enabled: bool) -> None:
        self.clipboard_watch = enabled
        self.clipboard_watch_changed.emit(enabled)

    def say(self, text: str) -> None:
        self.message.emit(text)

    def refuse(self, text: str) -> None:
        self.refusal.emit(text)
