"""What the tray accepts from outside: jobs handed over on the single-instance socket (`jobtray add`/`open`),
validated as untrusted input before anything is written."""

from __future__ import annotations

from collections.abc import Sequence

from desktop_app.core import ids
from desktop_app.core.errors import ConfigError
from desktop_app.core.handoff import WatchRequest
from desktop_app.core.model import Account
from desktop_app.core.text import displayable


def validated_handoff(accounts: Sequence[Account], request: WatchRequest) -> tuple[Account, str, str | None]:
    """(account, job ID to send, label) for a handed-over request; ConfigError (one line) when it is refused."""
    from desktop_app.providers.registry import PROVIDERS

    named = [a for a in accounts if a.name == request.account]
    if not named:
        raise ConfigError(f"no account named {ids.quoted(request.account)}")
    account = named[0]
    cls = PROVIDERS.get(account.provider)
    if cls is None:
        raise ConfigError(f"the account {ids.quoted(account.name)} has a provider this JobTray does not know")
    job_id, _warning = ids.given_id(cls.id_spec, request.job_id, cls.display_name)  # ConfigError if unsendable
    label = displayable(request.label).strip() or None if request.label else None
    return account, job_id, label
