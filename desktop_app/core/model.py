"""The domain: accounts, jobs and one normalised state per job."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class JobState(enum.StrEnum):
    """One normalised state for every provider's own status vocabulary."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, but part of it failed
    FAILED = "failed"
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def is_bad_ending(self) -> bool:
        """The endings a script's `watch --exit-status` treats as failure."""
        return self in (JobState.FAILED, JobState.CANCELLED, JobState.NOT_FOUND)


TERMINAL_STATES = frozenset(
    {JobState.SUCCEEDED, JobState.PARTIAL, JobState.FAILED, JobState.CANCELLED, JobState.NOT_FOUND}
)


class Secret:
    """A credential whose `repr` and `str` never show it; call `reveal()` at the point of use."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the value somewhere we do not control.
        raise TypeError("a Secret is not picklable")


@dataclass(frozen=True, slots=True)
class Status:
    """What one check of one job said, already normalised by the provider module.

    Attributes:
        job_id: the provider's job ID, as the user gave it.
        state: the normalised state.
        provider_status: the provider's own status text ("working", "6", "Waiting for encoder").
        progress: 0-100 where the provider reports it.
        message: the provider's message, kept for failures and partial results.
        result_url: a link to the result (http or https only).
        eta_seconds: the provider's estimate of the time left, where it gives one.
    """

    job_id: str
    state: JobState
    provider_status: str
    progress: float | None = None
    message: str | None = None
    result_url: str | None = None
    eta_seconds: float | None = None


class KeySource(enum.StrEnum):
    """Where an account's secret lives; the secret itself is never in the database."""

    KEYRING = "keyring"
    ENV = "env"


@dataclass(frozen=True, slots=True)
class Account:
    """A provider account; its secret stays in the keyring or an environment variable."""

    name: str
    provider: str
    key_source: KeySource
    base_url: str | None = None
    username: str | None = None
    key_env: str | None = None
    rate_limit: str | None = None
    id: int | None = None
    # The account's own values for a defined provider's path and body (`--var owner=octo-org`): (name, value).
    variables: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Job:
    """One watched job as the store holds it."""

    id: int
    account: str
    provider: str
    job_id: str
    label: str | None
    state: JobState
    provider_status: str | None
    progress: float | None
    message: str | None
    result_url: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    discovered: bool = False  # found by the account's discovery, not added by the user
    archived: bool = False
    last_error: str | None = None
    checks: int = 0
    result_file: str | None = None  # where the result was saved (`--save-results`)
    download_error: str | None = None  # why saving the result failed (the job still succeeded)
    acknowledged_at: datetime | None = None  # a failure the user has seen to: it stops alarming
    renotified_at: datetime | None = None  # an unacknowledged failure told once more (after 24 h)

    @property
    def title(self) -> str:
        return self.label or self.job_id


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One status change of a job, with when it was seen."""

    at: datetime
    state: JobState
    provider_status: str | None
    progress: float | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A job whose recorded status changed; what the CLI prints and the tray reacts to."""

    job: Job
    old_state: JobState
    new_state: JobState
    events: tuple[str, ...] = field(default=())
