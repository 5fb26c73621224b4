"""Accounts table: provider, base URL, user name and where the secret lives. Never the secret."""

from __future__ import annotations

import json
import math
import sqlite3

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Account, KeySource
from desktop_app.core.problems import AccountProblem, ProblemKind, parse_kind
from desktop_app.store.clock import Clock, to_text, utc_now
from desktop_app.store.db import write_transaction

# A saved next request slot further ahead than this (plus ten spacings) comes from a wrong clock, not from
# requests: waiting for it would stall the account for hours.
_CLOCK_JUMP_SECONDS = 3600.0


def _variables(row: sqlite3.Row) -> tuple[tuple[str, str], ...]:
    """accounts.vars: a JSON object of texts; anything else (a hand-edited row) reads as none."""
    raw = row["vars"] if "vars" in row.keys() else None  # noqa: SIM118 - sqlite3.Row has keys(), not `in`
    if not raw:
        return ()
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return ()
    if not isinstance(value, dict):
        return ()
    return tuple((str(k), v) for k, v in value.items() if isinstance(v, str))


def variables_json(variables: tuple[tuple[str, str], ...]) -> str | None:
    return json.dumps(dict(variables), ensure_ascii=False) if variables else None


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
        variables=_variables(row),
    )


class AccountStore:
    def __init__(self, conn: sqlite3.Connection, clock: Clock = utc_now) -> None:
        self._conn = conn
        self._clock = clock

    def add(self, account: Account) -> Account:
        try:
            cursor = self._conn.execute(
                "INSERT INTO accounts (name, provider, base_url, username, key_source, key_env, rate_limit, vars, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    account.name,
                    account.provider,
                    account.base_url,
                    account.username,
                    account.key_source.value,
                    account.key_env,
                    account.rate_limit,
                    variables_json(account.variables),
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
                "rate_limit = ?, vars = ? WHERE id = ?",
                (
                    account.name,
                    account.base_url,
                    account.username,
                    account.key_source.value,
                    account.key_env,
                    account.rate_limit,
                    variables_json(account.variables),
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
        """Delete the account, its jobs and its pacing; returns how many jobs went with it."""
        with write_transaction(self._conn):
            account = self.get(name)
            (count,) = self._conn.execute("SELECT COUNT(*) FROM jobs WHERE account_id = ?", (account.id,)).fetchone()
            self._conn.execute("DELETE FROM accounts WHERE id = ?", (account.id,))
        return int(count)

    def set_error(self, name: str, message: str | None) -> None:
        # Unchanged is not written: every result sets it, and each write of `accounts` is news in the change feed.
        self._conn.execute(
            "UPDATE accounts SET last_error = ? WHERE name = ? AND last_error IS NOT ?", (message, name, message)
        )

    def last_error(self, name: str) -> str | None:
        row = self._conn.execute("SELECT last_error FROM accounts WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def set_problem(self, name: str, kind: ProblemKind | None, message: str | None = None) -> None:
        """Why the account cannot be checked (None: it can). Unchanged is not written (each write is news in the
        change feed)."""
        value, text = (kind.value, message or "") if kind is not None else (None, None)
        self._conn.execute(
            "UPDATE accounts SET problem = ?, problem_kind = ? WHERE name = ? "
            "AND (problem IS NOT ? OR problem_kind IS NOT ?)",
            (text, value, name, text, value),
        )

    def problems(self) -> dict[str, AccountProblem]:
        """Every account that cannot be checked, by name."""
        rows = self._conn.execute(
            "SELECT name, problem, problem_kind FROM accounts WHERE problem_kind IS NOT NULL ORDER BY name"
        )
        found: dict[str, AccountProblem] = {}
        for name, message, value in rows:
            kind = parse_kind(value)
            if kind is not None:
                found[name] = AccountProblem(name, kind, message or "")
        return found

    def rate_state(self, name: str) -> tuple[float, float] | None:
        """(tokens, wall-clock seconds when saved) of the account's request budget, if a process saved one.

        Deprecated: kept for engine.results.Pacer until it uses `reserve_request`; then this, `save_rate_state`
        and the rate_state table go (a new migration drops the table).
        """
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

    def reserve_request(self, name: str, spacing: float, now: float) -> float:
        """Take the account's next request slot, shared by every process using this database.

        Args:
            name: the account.
            spacing: seconds between two requests of this account, all processes together.
            now: the caller's wall clock (epoch seconds); never read here, so tests can drive it.

        Returns:
            0.0 when the slot was taken (send the request now; the next one is `spacing` later), else the seconds
            to wait before asking again (nothing was changed). An unknown account returns 0.0 and writes nothing.

        Raises:
            StoreError: busy=True when another process held the write lock for longer than the busy timeout.
        """
        if not (math.isfinite(spacing) and spacing >= 0 and math.isfinite(now)):
            raise ValueError(f"reserve_request needs a finite spacing >= 0 and time, not {spacing!r}, {now!r}")
        with write_transaction(self._conn):
            row = self._conn.execute(
                "SELECT a.id, p.next_request_at FROM accounts a LEFT JOIN account_pacing p ON p.account_id = a.id "
                "WHERE a.name = ?",
                (name,),
            ).fetchone()
            if row is None:
                return 0.0
            account_id, next_at = row[0], row[1]
            if next_at is not None and next_at - now > 10 * spacing + _CLOCK_JUMP_SECONDS:
                next_at = None
            if next_at is not None and now < next_at:
                return float(next_at - now)
            # From the later of now and the saved slot: an idle account does not save up a burst.
            taken = now if next_at is None else max(now, float(next_at))
            self._conn.execute(
                "INSERT INTO account_pacing (account_id, next_request_at) VALUES (?, ?) "
                "ON CONFLICT (account_id) DO UPDATE SET next_request_at = excluded.next_request_at",
                (account_id, taken + spacing),
            )
        return 0.0

    def set_server_wait(self, name: str, until: float, reason: str | None) -> None:
        """Remember that the account's server asked us to wait (Retry-After) until `until` (wall-clock epoch
        seconds), with the reason to show. An earlier `until` than the one saved does not shorten it."""
        if not math.isfinite(until):
            raise ValueError(f"set_server_wait needs a finite time, not {until!r}")
        self._conn.execute(
            "INSERT INTO account_pacing (account_id, server_wait_until, server_wait_reason) "
            "SELECT id, ?, ? FROM accounts WHERE name = ? "
            "ON CONFLICT (account_id) DO UPDATE SET "
            "server_wait_reason = CASE WHEN server_wait_until IS NULL OR excluded.server_wait_until >= "
            "server_wait_until THEN excluded.server_wait_reason ELSE server_wait_reason END, "
            "server_wait_until = MAX(COALESCE(server_wait_until, excluded.server_wait_until), "
            "excluded.server_wait_until)",
            (until, reason, name),
        )

    def server_wait(self, name: str, now: float) -> tuple[float, str | None] | None:
        """(until, reason) of the wait the account's server asked for, or None when there is none or it is over."""
        row = self._conn.execute(
            "SELECT p.server_wait_until, p.server_wait_reason FROM account_pacing p "
            "JOIN accounts a ON a.id = p.account_id WHERE a.name = ? AND p.server_wait_until > ?",
            (name, now),
        ).fetchone()
        return None if row is None else (float(row[0]), row[1])
