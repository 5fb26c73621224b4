"""Forwarding targets (issue 21): names, where their URL lives, and whose endings they get. Never the URL."""

from __future__ import annotations

import sqlite3

from desktop_app.core.errors import ConfigError
from desktop_app.core.forwarding import ForwardTarget, UrlSource
from desktop_app.store.clock import Clock, to_text, utc_now

_SELECT = (
    "SELECT f.name, f.url_source, f.url_env, f.with_link, a.name AS account_name "
    "FROM forwards f LEFT JOIN accounts a ON a.id = f.account_id"
)


def _target(row: sqlite3.Row) -> ForwardTarget:
    return ForwardTarget(
        name=row["name"],
        url_source=UrlSource(row["url_source"]),
        account=row["account_name"],
        url_env=row["url_env"],
        with_link=bool(row["with_link"]),
    )


class ForwardStore:
    """Reads and writes the `forwards` table; one instance per connection."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock = utc_now) -> None:
        self._conn = conn
        self._clock = clock

    def add(self, target: ForwardTarget) -> ForwardTarget:
        """A new target; ConfigError when the name is taken or the account does not exist."""
        account_id = None
        if target.account is not None:
            row = self._conn.execute("SELECT id FROM accounts WHERE name = ?", (target.account,)).fetchone()
            if row is None:
                raise ConfigError(f"no account named {target.account!r} (see `jobtray account list`)")
            account_id = row["id"]
        try:
            self._conn.execute(
                "INSERT INTO forwards (name, account_id, url_source, url_env, with_link, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    target.name,
                    account_id,
                    target.url_source.value,
                    target.url_env,
                    int(target.with_link),
                    to_text(self._clock()),
                ),
            )
        except sqlite3.IntegrityError:
            raise ConfigError(f"a forward named {target.name!r} exists already (remove it first)") from None
        return self.get(target.name)

    def get(self, name: str) -> ForwardTarget:
        row = self._conn.execute(f"{_SELECT} WHERE f.name = ?", (name,)).fetchone()
        if row is None:
            raise ConfigError(f"no forward named {name!r} (see `jobtray forward list`)")
        return _target(row)

    def all(self) -> list[ForwardTarget]:
        return [_target(r) for r in self._conn.execute(f"{_SELECT} ORDER BY f.name")]

    def remove(self, name: str) -> ForwardTarget:
        target = self.get(name)
        self._conn.execute("DELETE FROM forwards WHERE name = ?", (name,))
        return target
