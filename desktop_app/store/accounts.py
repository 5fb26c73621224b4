"""Accounts table: provider, base URL, user name and where the secret lives. Never the secret."""

from __future__ import annotations

import sqlite3

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Account, KeySource
from desktop_app.store.clock import Clock, to_text, utc_now


def _account(row: sqlite3.Row) -> Account:
    return Account(
        id=row["id"],
        name=row["name"],
        provider=row["provider"],
        key_source=KeySource(row["key_source"]),
        base_url=row["base_url"],
        username=row["username"],
        key_env=row["key_env"],
        rate_limit=row["rate_limit"],
    )


class AccountStore:
    def __init__(self, conn: sqlite3.Connection, clock: Clock = utc_now) -> None:
        self._conn = conn
        self._clock = clock

    def add(self, account: Account) -> Account:
        try:
            cursor = self._conn.execute(
                "INSERT INTO accounts (name, provider, base_url, username, key_source, key_env, rate_limit, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    account.name,
                    account.provider,
                    account.base_url,
                    account.username,
                    account.key_source.value,
                    account.key_env,
                    account.rate_limit,
                    to_text(self._clock()),
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise ConfigError(f"an account named {account.name!r} already exists") from exc
        return self.get(account.name, row_id=cursor.lastrowid)

    def update(self, account: Account) -> Account:
        """Change an existing account's settings (matched by id)."""
        if account.id is None:
            raise ValueError("update needs the account's id")
        try:
            self._conn.execute(
                "UPDATE accounts SET name = ?, base_url = ?, username = ?, key_source = ?, key_env = ?, "
                "rate_limit = ? WHERE id = ?",
                (
                    account.name,
                    account.base_url,
                    account.username,
                    account.key_source.value,
                    account.key_env,
                    account.rate_limit,
                    account.id,
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise ConfigError(f"an account named {account.name!r} already exists") from exc
        return self.get(account.name)

    def get(self, name: str, row_id: int | None = None) -> Account:
        if row_id is not None:
            row = self._conn.execute("SELECT * FROM accounts WHERE id = ?", (row_id,)).fetchone()
        else:
            row = self._conn.execute("SELECT * FROM accounts WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise ConfigError(f"no account named {name!r} (see `jobtray account list`)")
        return _account(row)

    def all(self) -> list[Account]:
        return [_account(r) for r in self._conn.execute("SELECT * FROM accounts ORDER BY name")]

    def remove(self, name: str) -> int:
        """Delete the account and its jobs; returns how many jobs went with it."""
        account = self.get(name)
        (count,) = self._conn.execute("SELECT COUNT(*) FROM jobs WHERE account_id = ?", (account.id,)).fetchone()
        self._conn.execute("DELETE FROM accounts WHERE id = ?", (account.id,))
        return int(count)

    def set_error(self, name: str, message: str | None) -> None:
        self._conn.execute("UPDATE accounts SET last_error = ? WHERE name = ?", (message, name))

    def last_error(self, name: str) -> str | None:
        row = self._conn.execute("SELECT last_error FROM accounts WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def rate_state(self, name: str) -> tuple[float, float] | None:
        """(tokens, wall-clock seconds when saved) of the account's request budget, if a process saved one."""
        row = self._conn.execute(
            "SELECT r.tokens, r.saved_at FROM rate_state r JOIN accounts a ON a.id = r.account_id WHERE a.name = ?",
            (name,),
        ).fetchone()
        return None if row is None else (float(row[0]), float(row[1]))

    def save_rate_state(self, name: str, tokens: float, saved_at: float) -> None:
        self._conn.execute(
            "INSERT INTO rate_state (account_id, tokens, saved_at) SELECT id, ?, ? FROM accounts WHERE name = ? "
            "ON CONFLICT (account_id) DO UPDATE SET tokens = excluded.tokens, saved_at = excluded.saved_at",
            (tokens, saved_at, name),
        )
