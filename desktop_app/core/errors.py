"""The only errors a provider may raise; everything else is a bug.

Messages are written for the user and never contain a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.core.model import Status


class JobTrayError(Exception):
    """An expected error: the CLI prints its message on one line and exits 2."""


class ConfigError(JobTrayError):
    """The user's configuration cannot work (unknown account, missing variable, bad URL)."""


class SecretStoreError(JobTrayError):
    """The keyring is missing, locked or refused the request."""


class ProviderError(JobTrayError):
    """A provider call did not produce statuses."""


class AuthError(ProviderError):
    """The provider rejected the credentials; polling this account waits for the user."""


class QuotaExhausted(AuthError):
    """The account is valid but cannot be used now (no credits left); waits for the user too."""


class RateLimited(ProviderError):
    """The provider asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientError(ProviderError):
    """Network trouble, a timeout or a 5xx: try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProtocolError(ProviderError):
    """The answer did not follow the provider's documented protocol."""


class NotFound(ProviderError):
    """The provider does not know this job."""


class PartialAnswer(ProtocolError):
    """One answer about several jobs (a batch request) was good for some jobs and bad for others.

    Only the jobs in `failed` are affected: record `statuses` as a normal answer, record each failed job's message
    as that job's error, and leave the account alone (the server did answer). Jobs of the batch in neither were
    not answered this time and are simply asked again later.

    Attributes:
        statuses: the jobs whose part of the answer was good, as Statuses (possibly none).
        failed: job ID -> what was wrong with that job's part of the answer (may quote server text: display it
            through `core.text.displayable`).
    """

    def __init__(self, message: str, statuses: tuple[Status, ...], failed: Mapping[str, str]) -> None:
        super().__init__(message)
        self.statuses = statuses
        self.failed = dict(failed)
