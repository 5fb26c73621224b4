"""Settings that survive a restart: the app's (`settings` table) and each account's (`account_settings`, removed
with the account and kept across a rename). Values are text as `core.settings` reads and writes them; never a
secret."""

from __future__ import annotations

import sqlite3

from desktop_app.core.errors import ConfigError
from desktop_app.core.settings import (
    AccountSettings,
    GlobalSettings,
    account_from_values,
    account_keys,
    global_from_values,
    global_keys,
    to_values,
)
from desktop_app.store.db import write_transaction


class SettingsStore:
    """Reads and writes settings on one connection (the thread that opened it)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # ---- the app's ----------------------------------------------------------------------------------------

    def global_values(self) -> dict[str, str]:
        return {row[0]: row[1] for row in self._conn.execute("SELECT key, value FROM settings ORDER BY key")}

    def app(self) -> GlobalSettings:
        return global_from_values(self.global_values())

    def save_app(self, settings: GlobalSettings) -> None:
        """Keep `settings`; a value equal to its default is not stored (a later default applies to it). Names this
        version does not know (a newer JobTray's) are left alone."""
        values = to_values(settings)
        with write_transaction(self._conn):
            for key in global_keys():
                if key not in values:
                    self._conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            for key, value in values.items():
                self._conn.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    # ---- each account's -----------------------------------------------------------------------------------

    def _account_id(self, name: str) -> int:
        row = self._conn.execute("SELECT id FROM accounts WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise ConfigError(f"no account named {name!r} (see `jobtray account list`)")
        return int(row[0])

    def account_values(self, name: str) -> dict[str, str]:
        rows = self._conn.execute(
            "SELECT s.key, s.value FROM account_settings s JOIN accounts a ON a.id = s.account_id "
            "WHERE a.name = ? ORDER BY s.key",
            (name,),
        )
        return {row[0]: row[1] for row in rows}

    def account(self, name: str) -> AccountSettings:
        """The account's settings (defaults for an account that has none, or does not exist)."""
        return account_from_values(self.account_values(name))

    def accounts(self) -> dict[str, AccountSettings]:
        """Every account's settings by name (defaults included for accounts without any)."""
        values: dict[str, dict[str, str]] = {}
        rows = self._conn.execute(
            "SELECT a.name, s.key, s.value FROM accounts a LEFT JOIN account_settings s ON s.account_id = a.id"
        )
        for name, key, value in rows:
            entry = values.setdefault(name, {})
            if key is not None:
                entry[key] = value
        return {name: account_from_values(entry) for name, entry in values.items()}

    def save_account(self, name: str, settings: AccountSettings) -> None:
        values = to_values(settings)
        with write_transaction(self._conn):
            account_id = self._account_id(name)
            for key in account_keys():
                if key not in values:
                    self._conn.execute(
                        "DELETE FROM account_settings WHERE account_id = ? AND key = ?", (account_id, key)
                    )
            for key, value in values.items():
                self._conn.execute(
                    "INSERT INTO account_settings (account_id, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (account_id, key) DO UPDATE SET value = excluded.value",
                    (account_id, key, value),
                )
