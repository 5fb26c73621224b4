"""`AccountsEditor`: the Accounts dialog's side in the app: accounts added, edited and removed through the engine's
`AccountService` (the same as `jobtray account add/edit/remove`), then read again so their workers follow."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from desktop_app.app.state import AppState
from desktop_app.app.windowing import WindowHost
from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import KeySource
from desktop_app.store.database import Store

if TYPE_CHECKING:
    from desktop_app.app.end_actions import EndActions
    from desktop_app.engine.accounts import KeyCalls
    from desktop_app.ui.accounts_dialog import AccountForm, AccountsDialog


class AccountsEditor(QObject):
    """Opens the Accounts dialog (built when first opened) and saves what it asks for.

    Args:
        reload: reads the store again after an account changed (its worker starts, stops or starts anew).
        forget_key: deletes a removed account's keyring entry off the GUI thread (`app.keys.TrayKeys.forget`);
            None: deleted here, and a key that stays is said in the status line.
        keys: where a saved account's keyring calls run (`app.keys.TrayKeys`: its thread); None: here.
    """

    def __init__(
        self,
        store: Store,
        state: AppState,
        windows: WindowHost,
        after: EndActions,
        *,
        reload: Callable[[], None],
        parent: QObject | None = None,
        forget_key: Callable[[str], None] | None = None,
        keys: KeyCalls | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._keys = keys
        self._forget_key = forget_key
        self._state = state
        self._windows = windows
        self._after = after
        self._reload = reload
        self._dialog: AccountsDialog | None = None

    @property
    def dialog(self) -> AccountsDialog | None:
        """The Accounts dialog, once it was opened."""
        return self._dialog

    def open_dialog(self) -> None:
        from desktop_app.engine.discovery import can_discover
        from desktop_app.providers.registry import PROVIDERS

        if self._dialog is None:
            providers = [(name, cls.display_name) for name, cls in PROVIDERS.items()]
            discoverable = [name for name in PROVIDERS if can_discover(name)]
            from desktop_app.ui.accounts_dialog import AccountsDialog

            self._dialog = AccountsDialog(providers, self._windows.window, discoverable=discoverable)
            self._dialog.save_requested.connect(self.save)
            self._dialog.remove_requested.connect(self.remove)
        self.refresh()
        self._dialog.show()
        self._dialog.raise_()

    def add_account_of(self, provider: str) -> None:
        """The welcome's Add a ... account: the Accounts dialog, its editor open for that provider."""
        self.open_dialog()
        if self._dialog is not None:
            self._dialog.add_account(provider)

    def refresh(self) -> None:
        if self._dialog is None:
            return
        accounts = self._store.accounts.all()
        errors = {a.name: self._store.accounts.last_error(a.name) for a in accounts}
        folders = {a.name: self._after.account(a.name).save_results for a in accounts}
        discovering = set(self._store.discovery.enabled())
        self._dialog.set_accounts(accounts, errors, folders, discovering)

    def save(self, form: AccountForm) -> None:
        """Validate and save an account from the dialog; errors go back to it with show_error."""
        try:
            self._save(form)
        except (JobTrayError, sqlite3.Error) as exc:
            if self._dialog is not None:
                self._dialog.show_error(str(exc))
            return
        self._reload()
        self.refresh()

    def _save(self, form: AccountForm) -> None:
        from desktop_app.engine.accounts import AccountDraft, AccountService

        draft = AccountDraft(
            name=form.name,
            provider=form.provider,
            key_source=form.key_source,
            base_url=form.base_url or None,
            username=form.username,
            key_env=form.key_env if form.key_source == KeySource.ENV else None,
            rate_limit=form.rate_limit,
            variables=form.variables,
        )
        service = AccountService(self._store, keys=self._keys)
        service.check_discovery(form.provider, form.discover)  # before anything is written
        if form.original_name:
            saved = service.edit(form.original_name, draft, form.secret)
        else:
            saved = service.add(draft, form.secret)
        # Stored as `account add/edit --discover` stores it; the reload after this starts the worker with it.
        service.set_discovery(saved.account.name, form.discover, time.time())
        if form.save_results != self._after.account(saved.account.name).save_results:
            self._after.save_folder(saved.account.name, form.save_results)
        for warning in (*saved.warnings, *service.warnings):  # the latter: a key left under an old name
            self._state.say(warning)

    def fix_problem(self, account: str, kind: str, check_now: Callable[[], None]) -> None:
        """An account problem's action: its editor for what the editor fixes (the key, the address, settings),
        else `check_now` (which reads the key again: the keyring asks to be unlocked)."""
        from desktop_app.core.problems import EDITABLE, parse_kind

        if parse_kind(kind) in EDITABLE:
            self.open_dialog()
            if self._dialog is not None:
                self._dialog.edit_account(account)
        else:
            check_now()

    def remove(self, name: str) -> None:
        from desktop_app.engine.accounts import AccountService

        service = AccountService(self._store)
        try:
            account, _count = service.remove(name, forget_key=self._forget_key is None)
        except (JobTrayError, sqlite3.Error) as exc:
            if self._dialog is not None:
                self._dialog.show_error(str(exc))
            return
        if self._forget_key is not None and account.key_source == KeySource.KEYRING:
            self._forget_key(account.name)  # on the keyring's thread; a key that stays is told from there
        for warning in service.warnings:
            self._state.say(warning)
        self._reload()
        self.refresh()
