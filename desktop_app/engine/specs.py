"""From a stored account to what polls it: its `PollerSpec` (key read here, on the caller's thread) and its
shared budget."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from desktop_app.core.model import Account, Secret
from desktop_app.core.urls import validate_base_url
from desktop_app.engine.budget import StoreBudget, WallClock
from desktop_app.engine.poller import PollerSpec
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.registry import account_rate_limit, provider_class
from desktop_app.store.accounts import AccountStore
from desktop_app.store.database import Store
from desktop_app.system.credentials import load_secret

BUDGET_BUSY_TIMEOUT_MS = 200  # the shared budget never makes a request wait long for a busy database


def poller_spec(account: Account, environ: Mapping[str, str] | None = None, secret: Secret | None = None) -> PollerSpec:
    """The account ready to poll; JobTrayError (ConfigError, SecretStoreError) when its key or settings are wrong.

    `secret`: its key, read already (the tray reads keyring keys in a child process, app/keys.py); else it is read
    here: call it then on the thread that may use the keyring (keyring backends are not thread-safe).
    """
    cls = provider_class(account.provider)
    if secret is None:
        secret = load_secret(account, environ)
    base_url = validate_base_url(account.base_url or cls.default_base_url)
    config = ProviderConfig(
        base_url=base_url,
        secret=secret,
        username=account.username or cls.default_username,
        variables=account.variables,
    )
    return PollerSpec(account.name, cls.display_name, cls, config, account_rate_limit(account))


def shared_budget(store: Store, account: str, wall: WallClock = time.time) -> StoreBudget:
    """The account's budget through `store`, for a caller on the store's own thread (the CLI)."""
    return StoreBudget(account, lambda: store.accounts, wall=wall)


def thread_budget(folder: Path, account: str) -> StoreBudget:
    """The account's budget through a connection of its own, opened in whichever thread first uses it (a tray
    worker: the main thread's connection is never shared)."""
    opened: list[Store] = []

    def open_accounts() -> AccountStore:
        # A second connection to a database the main thread has checked already: no second quick_check of it.
        store = Store(folder, busy_timeout_ms=BUDGET_BUSY_TIMEOUT_MS, check=False)
        opened.append(store)
        return store.accounts

    def close() -> None:
        while opened:
            opened.pop().close()

    return StoreBudget(account, open_accounts, close)
