"""`jobtray watch`: keep checking until every open job has finished.

One `core.schedule.AccountSchedule` per account decides which job to check when (adaptive intervals, ETA, the
account's rate limit, Retry-After, backoff); this loop only sleeps until the earliest account is due, sends that
account's batch and records the answer in the store. Jobs added or removed by another `jobtray` process while
watching are picked up through the store's data_version.

Exit codes: 0 every job finished; 1 with --exit-status when a watched job ended failed, cancelled or not found;
2 when an account's key or configuration is wrong (nothing would change until the user acts); 3 on --timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Account, Job, StatusChange
from desktop_app.core.schedule import AccountSchedule
from desktop_app.engine.results import ErrorKind, apply_result, check_batch, error_result
from desktop_app.providers.base import HttpProvider
from desktop_app.store.database import Store

EXIT_OK, EXIT_JOB_FAILED, EXIT_ERROR, EXIT_TIMEOUT = 0, 1, 2, 3
# Even with nothing due, look at the store this often: another process may have added a job (the old round-based
# watch noticed within its 60 s maximum interval).
IDLE_RESYNC_SECONDS = 30.0


class Printer(Protocol):
    def line(self, text: str = "") -> None: ...

    def warn(self, text: str) -> None: ...


@dataclass
class _Watched:
    """One account being watched: its provider client and its schedule."""

    account: Account
    provider: HttpProvider
    schedule: AccountSchedule
    told: set[str] = field(default_factory=set)  # errors already printed since the last success


def watch(
    store: Store,
    io: Printer,
    *,
    timeout: float | None = None,
    exit_status: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Check open jobs, each when its account's schedule says, until none is open; returns the exit code.

    `sleep` and `clock` are injectable together (a virtual clock makes tests instant).
    """
    from desktop_app.cli.commands import _format_change

    deadline = None if timeout is None else clock() + timeout
    accounts: dict[str, _Watched] = {}
    watched_rows: set[int] = set()
    seen_version: int | None = None
    try:
        while True:
            version = store.jobs.data_version()
            if version != seen_version:
                seen_version = version
                open_jobs = store.jobs.open_jobs()
                watched_rows.update(job.id for job in open_jobs)
                failed = _sync(store, accounts, open_jobs=open_jobs, io=io, clock=clock, environ=environ)
                if failed:
                    return EXIT_ERROR
            if not any(len(w.schedule) for w in accounts.values()):
                break
            now = clock()
            if deadline is not None and now >= deadline:
                still_open = sum(len(w.schedule) for w in accounts.values())
                io.warn(f"timed out with {still_open} job(s) still open")
                return EXIT_TIMEOUT
            due_name, due_at = _earliest(accounts)
            if due_name is None or due_at is None or due_at > now:
                wake = now + IDLE_RESYNC_SECONDS if due_at is None else min(due_at, now + IDLE_RESYNC_SECONDS)
                if deadline is not None:
                    wake = min(wake, deadline)
                sleep(max(0.0, wake - now))
                continue
            changes, code = _check_once(store, accounts[due_name], io)
            for change in changes:
                io.line(_format_change(change))
            if code is not None:
                return code
    finally:
        for w in accounts.values():
            w.provider.close()
    if exit_status:
        final = [job for job in store.jobs.all(include_archived=True) if job.id in watched_rows]
        if any(job.state.is_bad_ending for job in final):
            return EXIT_JOB_FAILED
    return EXIT_OK


def _sync(
    store: Store,
    accounts: dict[str, _Watched],
    *,
    open_jobs: list[Job],
    io: Printer,
    clock: Callable[[], float],
    environ: Mapping[str, str] | None,
) -> bool:
    """Bring the schedules in line with the store's open jobs; True if an account cannot be used at all."""
    from desktop_app.providers.registry import account_rate_limit, create_provider
    from desktop_app.system.credentials import load_secret

    by_account: dict[str, list[Job]] = {}
    for job in open_jobs:
        by_account.setdefault(job.account, []).append(job)
    for name in list(accounts):
        if name not in by_account:
            accounts.pop(name).provider.close()
    now_utc = datetime.now(UTC)
    for name, jobs in by_account.items():
        if name not in accounts:
            account = store.accounts.get(name)
            try:
                provider = create_provider(account, load_secret(account, environ))
                limit = account_rate_limit(account)
            except JobTrayError as exc:
                result = error_result(name, [job.job_id for job in jobs], exc)
                apply_result(store, result)
                io.warn(f"{name}: {result.error}")
                return True
            schedule = AccountSchedule(account.provider, provider.max_batch, limit, clock=clock)
            accounts[name] = _Watched(account, provider, schedule)
        schedule = accounts[name].schedule
        wanted = {job.job_id: job for job in jobs}
        for job_id in schedule.job_ids():
            if job_id not in wanted:
                schedule.remove(job_id)
        for job_id, job in wanted.items():
            # The job's age so far comes from the store; from here on the schedule's clock ages it.
            schedule.add(job_id, age_seconds=max(0.0, (now_utc - job.created_at).total_seconds()))
    return False


def _earliest(accounts: Mapping[str, _Watched]) -> tuple[str | None, float | None]:
    best: tuple[str | None, float | None] = (None, None)
    for name, w in accounts.items():
        due = w.schedule.next_due()
        if due is not None and (best[1] is None or due < best[1]):
            best = (name, due)
    return best


def _check_once(store: Store, w: _Watched, io: Printer) -> tuple[list[StatusChange], int | None]:
    """Send one due batch of `w`'s account; returns the changes and an exit code if watching must stop."""
    batch = w.schedule.take_batch()
    if not batch:
        return [], None  # woken a hair early, or the rate limit's token is not there yet
    result = check_batch(w.provider, w.account.name, batch)
    changes = apply_result(store, result)
    if result.ok:
        w.told.clear()
        w.schedule.on_result(batch, {status.job_id: status for status in result.statuses})
        return changes, None
    if result.error not in w.told:
        w.told.add(result.error or "")
        io.warn(f"{w.account.name}: {result.error}")
    kind = result.error_kind or ErrorKind.PROTOCOL
    if kind in (ErrorKind.AUTH, ErrorKind.CONFIG):
        # The tray would pause the account until the user acts; a script would hang, so stop here, noting the
        # reason on the account's other jobs too (they were not checked for the same reason).
        rest = tuple(job_id for job_id in w.schedule.job_ids() if job_id not in batch)
        if rest:
            apply_result(store, replace(result, job_ids=rest))
        return changes, EXIT_ERROR
    w.schedule.on_error(batch, str(kind), result.retry_after)
    return changes, None
