"""Forwarding targets' apprise URLs (issue 21), kept like keys: in the system keyring, or named environment
variables read when a forward is sent. Every part of a URL read is registered for redaction from the logs."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping

from desktop_app.core.errors import ConfigError, SecretStoreError
from desktop_app.core.forwarding import ForwardTarget, UrlSource, url_tokens
from desktop_app.core.model import Secret
from desktop_app.system.credentials import KEYRING_SERVICE, system_keyring
from desktop_app.system.logs import register_secret


def _username(name: str) -> str:
    return f"forward:{name}"


def _explain(exc: Exception) -> str:
    # Never str(exc): a backend could echo what it was given.
    return f"the system keyring refused the request ({type(exc).__name__}); is it unlocked? Or use --url-env VAR"


def _registered(url: str) -> Secret:
    for token in url_tokens(url):
        register_secret(token)
    return Secret(url)


def store_url(name: str, url: Secret) -> None:
    backend = system_keyring()
    _registered(url.reveal())
    try:
        backend.set_password(KEYRING_SERVICE, _username(name), url.reveal())
    except Exception as exc:  # keyring backends raise many kinds (dbus, OS errors)
        raise SecretStoreError(_explain(exc)) from None


def delete_url(name: str) -> None:
    """Forget a target's keyring entry; a missing entry or keyring is not an error here."""
    with contextlib.suppress(Exception):
        system_keyring().delete_password(KEYRING_SERVICE, _username(name))


def load_url(target: ForwardTarget, environ: Mapping[str, str] | None = None) -> Secret:
    """The target's URL, read now; ConfigError (unset variable) or SecretStoreError with a user-facing reason."""
    env = os.environ if environ is None else environ
    if target.url_source is UrlSource.ENV:
        value = env.get(target.url_env or "", "").strip()
        if not value:
            raise ConfigError(f"forward {target.name!r}: environment variable {target.url_env} is not set")
        return _registered(value)
    backend = system_keyring()
    try:
        value = backend.get_password(KEYRING_SERVICE, _username(target.name)) or ""
    except Exception as exc:
        raise SecretStoreError(f"forward {target.name!r}: {_explain(exc)}") from None
    if not value:
        raise SecretStoreError(f"forward {target.name!r}: its URL is not in the keyring; add the forward again")
    return _registered(value)
