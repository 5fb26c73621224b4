"""One round of checks, split where threads meet: `check_batch` (HTTP, any thread) and `apply_result` (store,
the thread that owns it). The CLI calls both in turn; the tray's workers call the first and signal the result."""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from desktop_app.core.errors import (
    AuthError,
    ConfigError,
    JobTrayError,
    ProtocolError,
    ProviderError,
    QuotaExhausted,
    RateLimited,
    SecretStoreError,
    TransientError,
)
from desktop_app.core.model import Status, StatusChange
from desktop_app.core.ratelimit import RateLimit, TokenBucket
from desktop_app.providers.base import Provider
from desktop_app.store.database import Store


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

    @property
    def ok(self) -> bool:
        return self.error is None


def error_result(account: str, job_ids: Sequence[str], exc: JobTrayError) -> CheckResult:
    from desktop_app.system.logs import redact

    retry_after = getattr(exc, "retry_after", None)
    # The message is stored and shown: no known secret may survive in it, whatever built it.
    return CheckResult(account, tuple(job_ids), (), redact(str(exc)), classify(exc), retry_after)


def check_batch(provider: Provider, account: str, job_ids: Sequence[str]) -> CheckResult:
    """Ask the provider about `job_ids`; never raises for an expected failure."""
    try:
        statuses = provider.check(list(job_ids))
    except ProviderError as exc:
        return error_result(account, job_ids, exc)
    wanted = set(job_ids)
    stray = [s.job_id for s in statuses if s.job_id not in wanted]
    if stray:
        exc = ProtocolError(f"the provider answered for jobs we did not ask about: {', '.join(stray[:3])}")
        return error_result(account, job_ids, exc)
    return CheckResult(account, tuple(job_ids), tuple(statuses))


def apply_result(store: Store, result: CheckResult) -> list[StatusChange]:
    """Write a result into the store (one transaction); returns the jobs whose state changed."""
    changes: list[StatusChange] = []
    with store.jobs.transaction():
        if result.error is not None:
            store.accounts.set_error(result.account, result.error)
            for job_id in result.job_ids:
                for job in store.jobs.find(job_id, result.account):
                    store.jobs.record_error(job.id, result.error)
            return changes
        store.accounts.set_error(result.account, None)
        for status in result.statuses:
            for job in store.jobs.find(status.job_id, result.account):
                change = store.jobs.record_status(job.id, status)
                if change is not None:
                    changes.append(change)
    return changes


@dataclass
class RoundReport:
    """What one round of `run_round` did."""

    changes: list[StatusChange]
    errors: dict[str, CheckResult]  # account name -> the failed result (one per account per round)
    requests: int = 0


def run_round(
    store: Store,
    environ: Mapping[str, str] | None = None,
    pacer: Pacer | None = None,
) -> RoundReport:
    """Check every open job of every account once (the CLI's `poll`). Stops an account at its first error."""
    from desktop_app.providers.registry import account_rate_limit, create_provider
    from desktop_app.system.credentials import load_secret

    report = RoundReport([], {})
    pacer = pacer or Pacer(store)
    for account in store.accounts.all():
        jobs = store.jobs.open_jobs(account.name)
        if not jobs:
            continue
        job_ids = [job.job_id for job in jobs]
        try:
            provider = create_provider(account, load_secret(account, environ))
            limit = account_rate_limit(account)
        except JobTrayError as exc:
            result = error_result(account.name, job_ids, exc)
            apply_result(store, result)
            report.errors[account.name] = result
            continue
        try:
            for start in range(0, len(job_ids), provider.max_batch):
                batch = job_ids[start : start + provider.max_batch]
                pacer.wait(account.name, limit)
                result = check_batch(provider, account.name, batch)
                report.requests += 1
                report.changes.extend(apply_result(store, result))
                if not result.ok:
                    report.errors[account.name] = result
                    # The rest of the account's jobs were not checked for the same reason: say so on each.
                    rest = job_ids[start + provider.max_batch :]
                    if rest:
                        apply_result(store, replace(result, job_ids=tuple(rest)))
                    break
        finally:
            provider.close()
            pacer.save()
    return report


class Pacer:
    """Keeps a blocking caller (the CLI) within each account's rate limit by sleeping.

    With a store, each account's remaining budget is loaded before its first request and saved by `save`, so that
    `jobtray poll` run in a loop by a script stays within the limit across processes.
    """

    def __init__(self, store: Store | None = None) -> None:
        self._buckets: dict[str, TokenBucket] = {}
        self._store = store

    def _bucket(self, account: str, limit: RateLimit) -> TokenBucket:
        bucket = self._buckets.get(account)
        if bucket is not None and bucket.rate == limit.per_second:
            return bucket
        now = time.monotonic()
        saved = self._store.accounts.rate_state(account) if self._store is not None else None
        if saved is None:
            bucket = TokenBucket(limit, now)
        else:
            tokens, saved_at = saved
            # Start the bucket as it was when saved; refilling covers the time since (never negative).
            elapsed = max(0.0, time.time() - saved_at)
            bucket = TokenBucket(limit, now - elapsed, tokens=tokens)
        self._buckets[account] = bucket
        return bucket

    def wait(self, account: str, limit: RateLimit) -> None:
        bucket = self._bucket(account, limit)
        delay = bucket.wait_time(time.monotonic())
        if delay > 0:
            time.sleep(delay)
        bucket.try_take(time.monotonic())

    def save(self) -> None:
        if self._store is None:
            return
        now, wall = time.monotonic(), time.time()
        for account, bucket in self._buckets.items():
            self._store.accounts.save_rate_state(account, bucket.tokens(now), wall)
