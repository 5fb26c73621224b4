"""An account's request budget shared by every process on one database: the tray, `jobtray watch` and a cron'd
`jobtray poll` together stay within the provider's limit, and a server's Retry-After told to one of them holds
for all of them.

The schedule (`core.schedule.AccountSchedule`) keeps its own token bucket per process; the shared budget is a
second gate in front of each request, kept in the store (`AccountStore.reserve_request`, `server_wait`). A busy
or failing database never blocks polling: the budget then falls back to the process's own bucket for that request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from desktop_app.core.errors import JobTrayError

log = logging.getLogger(__name__)

WallClock = Callable[[], float]


class Budget(Protocol):
    """What an `AccountPoller` asks before each request. Seconds throughout."""

    def reserve(self, spacing: float) -> float:
        """Take the next request slot: 0.0 when taken now, else how long to wait (nothing taken)."""
        ...

    def server_wait(self) -> tuple[float, str | None] | None:
        """Seconds left of a server's Retry-After (any process may have heard it) and its reason, or None."""
        ...

    def set_server_wait(self, seconds: float, reason: str | None) -> None: ...

    def close(self) -> None: ...


class LocalBudget:
    """A budget for one process only (tests, and callers without a store)."""

    def __init__(self, wall: WallClock = time.time) -> None:
        self._wall = wall
        self._next_at = 0.0
        self._server_until = 0.0
        self._reason: str | None = None

    def reserve(self, spacing: float) -> float:
        now = self._wall()
        if now < self._next_at:
            return self._next_at - now
        self._next_at = max(now, self._next_at) + spacing
        return 0.0

    def server_wait(self) -> tuple[float, str | None] | None:
        left = self._server_until - self._wall()
        return (left, self._reason) if left > 0 else None

    def set_server_wait(self, seconds: float, reason: str | None) -> None:
        until = self._wall() + seconds
        if until > self._server_until:
            self._server_until, self._reason = until, reason

    def close(self) -> None:
        pass


class AccountBudgetStore(Protocol):
    """The part of `store.accounts.AccountStore` the shared budget uses (wall-clock epoch seconds)."""

    def reserve_request(self, name: str, spacing: float, now: float) -> float: ...

    def set_server_wait(self, name: str, until: float, reason: str | None) -> None: ...

    def server_wait(self, name: str, now: float) -> tuple[float, str | None] | None: ...


class StoreBudget:
    """The budget of account `account` kept in the store.

    `open_accounts` is called on first use, in the thread that polls (a tray worker opens its own connection: a
    SQLite connection is never shared between threads); `close_store` closes it.
    """

    def __init__(
        self,
        account: str,
        open_accounts: Callable[[], AccountBudgetStore],
        close_store: Callable[[], None] | None = None,
        wall: WallClock = time.time,
    ) -> None:
        self.account = account
        self._open = open_accounts
        self._close = close_store
        self._accounts: AccountBudgetStore | None = None
        self._wall = wall
        self._local = LocalBudget(wall)  # used for a request whenever the database cannot answer
        self._warned = False

    def _store(self) -> AccountBudgetStore | None:
        if self._accounts is None:
            try:
                self._accounts = self._open()
            except (JobTrayError, OSError) as exc:
                self._degraded(exc)
                return None
        return self._accounts

    def _degraded(self, exc: Exception) -> None:
        if not self._warned:  # once: a locked database is told elsewhere, this only costs precision
            self._warned = True
            log.warning(
                "account %s: the shared rate budget is unavailable (%s); using this process's own", self.account, exc
            )

    def reserve(self, spacing: float) -> float:
        store = self._store()
        if store is not None:
            try:
                return store.reserve_request(self.account, spacing, self._wall())
            except JobTrayError as exc:  # StoreError: the database is busy or failing
                self._degraded(exc)
        return self._local.reserve(spacing)

    def server_wait(self) -> tuple[float, str | None] | None:
        store = self._store()
        if store is not None:
            try:
                found = store.server_wait(self.account, self._wall())
            except JobTrayError as exc:  # StoreError: the database is busy or failing
                self._degraded(exc)
            else:
                return None if found is None else (found[0] - self._wall(), found[1])
        return self._local.server_wait()

    def set_server_wait(self, seconds: float, reason: str | None) -> None:
        self._local.set_server_wait(seconds, reason)
        store = self._store()
        if store is not None:
            try:
                store.set_server_wait(self.account, self._wall() + seconds, reason)
            except JobTrayError as exc:  # StoreError: the database is busy or failing
                self._degraded(exc)

    def close(self) -> None:
        if self._close is not None and self._accounts is not None:
            self._close()
        self._accounts = None
