"""Account secrets: in the system keyring, or named environment variables read at poll time.

The database stores only where a secret lives (keyring, or the variable's name), never the secret.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from typing import Any

from desktop_app.core.errors import ConfigError, SecretStoreError
from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.system.logs import register_secret

KEYRING_SERVICE = "JobTray"


def _keyring_username(account_name: str) -> str:
    return f"account:{account_name}"


def _explain(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "NoKeyringError":
        return (
            "no system keyring is available to store the key; use --key-env VAR to read it from an environment "
            "variable instead"
        )
    # Never include str(exc): a backend could echo what it was given.
    return f"the system keyring refused the request ({name}); is it unlocked? Or use --key-env VAR"


def _effective_backend(backend: Any) -> Any:
    # keyring's chainer writes to its first (highest-priority) backend.
    members = getattr(backend, "backends", None)
    return members[0] if members else backend


def system_keyring() -> Any:
    """The keyring backend to use; SecretStoreError when it would keep keys unencrypted without being asked to.

    keyrings.alt's file backends (plaintext, or "encrypted" with a password kept beside it) outrank keyring's
    "no backend" when installed, e.g. in a development venv that has the test extras; keys must never land there
    silently. Choosing one deliberately (PYTHON_KEYRING_BACKEND or keyringrc.cfg) is respected.
    """
    import keyring
    import keyring.core

    try:
        backend = keyring.get_keyring()
        chosen = keyring.core.load_env() or keyring.core.load_config()
    except Exception as exc:
        raise SecretStoreError(_explain(exc)) from None
    effective = _effective_backend(backend)
    if chosen is None and type(effective).__module__.startswith("keyrings.alt"):
        raise SecretStoreError(
            f"the only keyring available ({type(effective).__name__}) would store the key unencrypted in a file; "
            "use --key-env VAR, or choose that backend deliberately with PYTHON_KEYRING_BACKEND"
        )
    return backend


def store_secret(account_name: str, secret: Secret) -> None:
    backend = system_keyring()
    try:
        backend.set_password(KEYRING_SERVICE, _keyring_username(account_name), secret.reveal())
    except Exception as exc:  # keyring backends raise many kinds (dbus, OS errors)
        raise SecretStoreError(_explain(exc)) from None


def delete_secret(account_name: str) -> str | None:
    """Forget the account's keyring entry. None when it is gone (or was never there, or there is no keyring);
    else one line saying that the key is still in the keyring and what to do about it (never raises: the account
    row is what matters, and the caller tells the person)."""
    username = _keyring_username(account_name)
    try:
        backend = system_keyring()
    except SecretStoreError:
        return None  # no usable keyring: no key of ours can be in it
    try:
        backend.delete_password(KEYRING_SERVICE, username)
        return None
    except Exception as exc:  # keyring backends raise many kinds (dbus, OS errors, "no such entry")
        failure = exc
    if type(failure).__name__ == "NoKeyringError":
        return None
    # PasswordDeleteError is also what a missing entry raises: look whether the key is really still there.
    with contextlib.suppress(Exception):
        if not backend.get_password(KEYRING_SERVICE, username):
            return None
    # Never include str(exc): a backend could echo what it was given.
    return (
        f"the key of {account_name!r} could not be removed from the system keyring ({type(failure).__name__}); "
        f"unlock the keyring and remove the entry {username!r} of service {KEYRING_SERVICE!r} with your keyring "
        f"manager (Passwords and Keys, KWalletManager), or run: keyring del {KEYRING_SERVICE} {username}"
    )


def load_secret(account: Account, environ: Mapping[str, str] | None = None) -> Secret:
    """The account's secret, read now; ConfigError or SecretStoreError with a user-facing reason."""
    env = os.environ if environ is None else environ
    if account.key_source == KeySource.ENV:
        var = account.key_env or ""
        value = env.get(var)
        if not value:
            raise ConfigError(f"account {account.name!r}: environment variable {var} is not set")
        register_secret(value.strip())
        return Secret(value.strip())
    return read_keyring_secret(account.name)


def read_keyring_secret(account_name: str) -> Secret:
    """The account's key from the system keyring; SecretStoreError with a user-facing reason (no keyring, locked,
    not there)."""
    backend = system_keyring()
    try:
        value = backend.get_password(KEYRING_SERVICE, _keyring_username(account_name))
    except Exception as exc:
        raise SecretStoreError(f"account {account_name!r}: {_explain(exc)}") from None
    if not value:
        raise SecretStoreError(
            f"account {account_name!r}: its key is not in the keyring; add the account again with --key-stdin"
        )
    register_secret(value)
    return Secret(value)
