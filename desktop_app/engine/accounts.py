"""Accounts in one place: validate, keep the key, add, edit or rename, remove. The CLI and the accounts dialog both
use `AccountService`, so they accept and refuse the same things, and nothing is written before every check passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.core.urls import insecure_base_url_warning, validate_base_url
from desktop_app.engine.discovery import can_discover
from desktop_app.providers.base import HttpProvider
from desktop_app.providers.registry import provider_class
from desktop_app.store.database import Store
from desktop_app.system import credentials

MAX_NAME_LENGTH = 100
_ENV_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class AccountDraft:
    """An account as the user typed it (CLI options or the dialog's form)."""

    name: str
    provider: str
    key_source: KeySource
    base_url: str | None = None
    username: str | None = None
    key_env: str | None = None
    rate_limit: str | None = None
    variables: tuple[tuple[str, str], ...] = ()  # `--var NAME=VALUE`, for a defined provider


@dataclass(frozen=True, slots=True)
class SavedAccount:
    account: Account
    warnings: tuple[str, ...] = ()


def check_variables(
    cls: type[HttpProvider], variables: tuple[tuple[str, str], ...], base_url: str | None
) -> tuple[tuple[str, str], ...]:
    """The account's variables as its provider needs them; ConfigError for a missing, unknown or bad one, and for
    a defined provider's key going to a plain-http origin that is not this machine."""
    from desktop_app.providers.defined import DefinedProvider

    if not issubclass(cls, DefinedProvider):
        if variables:
            raise ConfigError(f"{cls.display_name} accounts take no --var (only providers defined in a file do)")
        return ()
    problem = cls.origin_problem(base_url or cls.default_base_url)
    if problem is not None:
        raise ConfigError(problem)
    declared = dict(cls.definition.variables)
    given: dict[str, str] = {}
    for name, value in variables:
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise ConfigError(f"{cls.display_name} has no variable {name!r} (its variables: {known})")
        if not value.strip() or len(value) > 200 or _CONTROL.search(value):
            raise ConfigError(f"--var {name}= needs a value of 1-200 characters without tabs or newlines")
        given[name] = value.strip()
    missing = [name for name in declared if name not in given]
    if missing:
        wanted = " ".join(f"--var {name}=..." for name in missing)
        about = "; ".join(f"{name}: {declared[name]}" for name in missing)
        raise ConfigError(f"{cls.display_name} accounts need {wanted} ({about})")
    return tuple((name, given[name]) for name in declared)


class KeyCalls(Protocol):
    """The keyring calls of account changes (`system.credentials`), wherever they run."""

    def store(self, name: str, secret: Secret) -> None: ...

    def load(self, account: Account) -> Secret: ...

    def delete(self, name: str) -> str | None: ...


class DirectKeys:
    """The keyring calls on the caller's thread (the CLI)."""

    def store(self, name: str, secret: Secret) -> None:
        credentials.store_secret(name, secret)

    def load(self, account: Account) -> Secret:
        return credentials.load_secret(account)

    def delete(self, name: str) -> str | None:
        return credentials.delete_secret(name)


class AccountService:
    """Account changes on `store`, with the keyring kept in step (the key goes in first; a failure leaves the
    database unchanged)."""

    def __init__(self, store: Store, *, keys: KeyCalls | None = None) -> None:
        self.store = store
        # Where keyring calls run: here (the CLI), or the tray's keyring thread (app.keys.TrayKeys).
        self._keys: KeyCalls = keys if keys is not None else DirectKeys()
        self.warnings: list[str] = []  # keys left in the keyring by the last calls, with what to do

    # ---- checks -----------------------------------------------------------------------------------------------

    def validate(self, draft: AccountDraft, row_id: int | None = None) -> SavedAccount:
        """The account to write and its warnings; ConfigError (one line) for anything wrong. Writes nothing."""
        name = draft.name.strip()
        if not name or len(name) > MAX_NAME_LENGTH or _CONTROL.search(name):
            raise ConfigError(f"an account name must be 1-{MAX_NAME_LENGTH} characters with no tabs or newlines")
        cls = provider_class(draft.provider)  # ConfigError naming the known ones
        warnings: list[str] = []
        base_url = validate_base_url(draft.base_url) if draft.base_url else None
        variables = check_variables(cls, draft.variables, base_url)
        if base_url and (warning := insecure_base_url_warning(base_url)):
            warnings.append(warning)
        rate_limit = draft.rate_limit.strip() if draft.rate_limit else None
        if rate_limit:
            parse_rate_limit(rate_limit)
        key_env = None
        if draft.key_source == KeySource.ENV:
            key_env = (draft.key_env or "").strip()
            if not _ENV_VAR_NAME.fullmatch(key_env):
                shown = repr(key_env) if key_env else "the environment variable"
                raise ConfigError(f"{shown} is not an environment variable name (like PDFCO_API_KEY)")
        username = draft.username.strip() if draft.username else None
        account = Account(
            name=name,
            provider=draft.provider,
            key_source=draft.key_source,
            base_url=base_url,
            username=username or None,
            key_env=key_env,
            rate_limit=rate_limit,
            id=row_id,
            variables=variables,
        )
        return SavedAccount(account, tuple(warnings))

    def _refuse_taken(self, name: str, except_id: int | None = None) -> None:
        for existing in self.store.accounts.all():
            if existing.name == name and existing.id != except_id:
                raise ConfigError(f"an account named {name!r} already exists")

    # ---- changes ----------------------------------------------------------------------------------------------

    def add(self, draft: AccountDraft, secret: Secret | None = None) -> SavedAccount:
        """A new account; `secret` is required for a keyring account."""
        saved = self.validate(draft)
        account = saved.account
        self._refuse_taken(account.name)
        if account.key_source == KeySource.KEYRING:
            if secret is None or not secret.reveal():
                raise ConfigError("enter the key (it goes to the system keyring)")
            self._keys.store(account.name, secret)
            try:
                account = self.store.accounts.add(account)
            except BaseException:
                self._forget_key(account.name)
                raise
        else:
            account = self.store.accounts.add(account)
        return SavedAccount(account, saved.warnings)

    def edit(self, original_name: str, draft: AccountDraft, secret: Secret | None = None) -> SavedAccount:
        """Change `original_name` in place (its jobs kept), renaming it to `draft.name` if that differs.

        A rename onto an existing name is refused before anything is written. A keyring account renamed without a
        new key takes its key along.
        """
        old = self.store.accounts.get(original_name)
        saved = self.validate(draft, row_id=old.id)
        account = saved.account
        renamed = account.name != old.name
        if renamed:
            self._refuse_taken(account.name, except_id=old.id)
        if account.key_source == KeySource.KEYRING and secret is None:
            if old.key_source != KeySource.KEYRING:
                raise ConfigError("enter the key (it goes to the system keyring)")
            if renamed:
                secret = self._keys.load(old)  # the keyring entry moves with the name
        if secret is not None and account.key_source == KeySource.KEYRING:
            self._keys.store(account.name, secret)
        try:
            account = self.store.accounts.update(account)
        except BaseException:
            if renamed and secret is not None:
                self._forget_key(account.name)  # the old name still holds the key
            raise
        if old.key_source == KeySource.KEYRING and (renamed or account.key_source == KeySource.ENV):
            self._forget_key(old.name)
        return SavedAccount(account, saved.warnings)

    # ---- discovery (`--discover`, the dialog's "Discover new media") -----------------------------------------

    @staticmethod
    def check_discovery(provider: str, wanted: bool | None) -> None:
        """ConfigError when discovery is asked for an account whose provider has no list of its jobs."""
        if wanted and not can_discover(provider):
            raise ConfigError(f"--discover works for encoding.com accounts only ({provider} has no list of its jobs)")

    def set_discovery(self, name: str, wanted: bool | None, now: float) -> bool:
        """Discovery on (from `now`: media created before never count) or off; None leaves it. True if it changed
        (switched on again it is a new start; the IDs it decided about before are still never re-added)."""
        if wanted is None:
            return False
        if not wanted:
            was_on = self.store.discovery.state(name) is not None
            self.store.discovery.disable(name)
            return was_on
        self.check_discovery(self.store.accounts.get(name).provider, wanted)
        return self.store.discovery.enable(name, now)

    def remove(self, name: str, *, forget_key: bool = True) -> tuple[Account, int]:
        """Remove the account, its jobs and (unless `forget_key` is False: the tray deletes it on its keyring
        thread) its keyring entry; returns it and how many jobs went with it. A key that stays in the keyring is
        said in `warnings`."""
        account = self.store.accounts.get(name)
        count = self.store.accounts.remove(account.name)
        if forget_key and account.key_source == KeySource.KEYRING:
            self._forget_key(account.name)
        return account, count

    def _forget_key(self, name: str) -> None:
        warning = self._keys.delete(name)
        if warning is not None:
            self.warnings.append(warning)
