"""What one request produced: `check_batch` (HTTP, any thread) builds a frozen `CheckResult` that can cross to the
thread owning the store, where `engine.recorder` writes it. Nothing here touches the store, so the workers that
import this never reach SQLite."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from desktop_app.core.errors import (
    AuthError,
    ConfigError,
    JobTrayError,
    PartialAnswer,
    ProtocolError,
    ProviderError,
    QuotaExhausted,
    RateLimited,
    SecretStoreError,
    TransientError,
)
from desktop_app.core.model import Status
from desktop_app.core.problems import ProblemKind, problem_kind
from desktop_app.core.text import displayable
from desktop_app.providers.base import Provider
from desktop_app.system.logs import redact


class ErrorKind(enum.StrEnum):
    AUTH = "auth"  # the user must fix the key (or buy credits): keep the account paused
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"  # network, timeout, 5xx: retry with backoff
    PROTOCOL = "protocol"  # unexpected answer: retry slowly, tell the user
    CONFIG = "config"  # missing key or variable: waits for the user


def classify(exc: JobTrayError) -> ErrorKind:
    if isinstance(exc, AuthError | QuotaExhausted):
        return ErrorKind.AUTH
    if isinstance(exc, RateLimited):
        return ErrorKind.RATE_LIMITED
    if isinstance(exc, TransientError):
        return ErrorKind.TRANSIENT
    if isinstance(exc, ConfigError | SecretStoreError):
        return ErrorKind.CONFIG
    return ErrorKind.PROTOCOL


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one provider call produced; frozen so it can cross from a worker thread to the GUI thread."""

    account: str
    job_ids: tuple[str, ...]
    statuses: tuple[Status, ...] = ()
    error: str | None = None
    error_kind: ErrorKind | None = None
    retry_after: float | None = None
    # Jobs whose part of an otherwise good answer was unreadable: (job_id, message). Only those jobs failed.
    job_errors: tuple[tuple[str, str], ...] = ()
    # When the account will be asked again after a server's Retry-After ("PDF.co asked us to wait until 14:05").
    wait_note: str | None = None
    # An account-wide error that waits for the user (core/problems.py): recorded as the account's problem.
    problem: ProblemKind | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def shown_error(self) -> str | None:
        """The error as the user sees it: with the wait note, which changes with every answer (the error itself
        is what "told once" compares)."""
        if self.error is None or self.wait_note is None:
            return self.error
        return f"{self.error}; {self.wait_note}"

    @property
    def account_wide(self) -> bool:
        """The server as a whole failed (connect, 5xx, auth, rate limit), not just the answer about these jobs."""
        return self.error is not None and self.error_kind not in (ErrorKind.PROTOCOL, None)


def error_result(account: str, job_ids: Sequence[str], exc: JobTrayError) -> CheckResult:
    retry_after = getattr(exc, "retry_after", None)
    # Whoever shows the error puts the account's name before it ("work: ..."): a message that names the account
    # itself (the key readers' "account 'work': ...") would say it twice.
    text = str(exc).removeprefix(f"account {account!r}: ")
    # The message is stored and shown: no known secret may survive in it, whatever built it.
    return CheckResult(
        account, tuple(job_ids), (), redact(displayable(text)), classify(exc), retry_after, problem=problem_kind(exc)
    )


def check_batch(provider: Provider, account: str, job_ids: Sequence[str]) -> CheckResult:
    """Ask the provider about `job_ids`; never raises for an expected failure."""
    try:
        statuses = provider.check(list(job_ids))
    except PartialAnswer as exc:  # some jobs' parts of a batch answer were fine: only the others failed
        errors = tuple((job_id, redact(displayable(message))) for job_id, message in exc.failed.items())
        return CheckResult(account, tuple(job_ids), tuple(exc.statuses), job_errors=errors)
    except ProviderError as exc:
        return error_result(account, job_ids, exc)
    wanted = set(job_ids)
    stray = [s.job_id for s in statuses if s.job_id not in wanted]
    if stray:
        wrong = ProtocolError(f"the provider answered for jobs we did not ask about: {', '.join(stray[:3])}")
        return error_result(account, job_ids, wrong)
    return CheckResult(account, tuple(job_ids), tuple(statuses))
