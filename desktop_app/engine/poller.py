"""One account's polling: its open jobs, their schedule, the shared rate budget, and the provider client.

The one loop every front drives (the tray's worker on a single-shot QTimer, `jobtray watch` with sleep,
`jobtray poll` once)::

    poller.sync(open_jobs)           # [(job_id, age_seconds)] from the store
    when = poller.next_due()         # clock time of the next request; None: nothing until sync()/check_now()
    ...wait until `when`...
    result = poller.step()           # None when woken early, else one request's CheckResult (schedule updated)
    ...record `result` (engine.recorder.ResultRecorder) on the thread that owns the store...

Only the HTTP is blocking. The poller is not thread-safe except `abandon()`: one thread drives it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from desktop_app.core.durations import DurationHistory
from desktop_app.core.errors import JobTrayError, TransientError
from desktop_app.core.model import Status
from desktop_app.core.ratelimit import RateLimit
from desktop_app.core.schedule import AccountSchedule, PollPolicy, UnitRandom
from desktop_app.engine.budget import Budget, LocalBudget
from desktop_app.engine.discovery import Discoverer, DiscoveryPage
from desktop_app.engine.results import CheckResult, ErrorKind, check_batch, error_result
from desktop_app.providers.base import HttpProvider, ProviderConfig

log = logging.getLogger(__name__)

Clock = Callable[[], float]
# The shared budget keeps wall-clock times: differences this small are float rounding between the two clocks.
CLOCK_TOLERANCE = 1e-3


@dataclass(frozen=True, slots=True)
class PollerSpec:
    """Everything needed to poll one account, frozen so it can be handed to a worker thread.

    The key is in `config` already (read on the thread that may use the keyring); the provider client itself is
    built on first use, in the thread that polls, so its `requests.Session` is never shared.
    """

    account: str
    display_name: str
    provider_cls: type[HttpProvider]
    config: ProviderConfig
    rate_limit: RateLimit

    def make_provider(self) -> HttpProvider:
        return self.provider_cls(self.config)


class AccountPoller:
    """Decides which of one account's jobs to ask about when, asks, and keeps the schedule in step.

    Args:
        spec: the account.
        budget: the shared rate budget and Retry-After (a `StoreBudget`); a per-process one when None.
        clock: monotonic seconds (inject a virtual clock in tests, with the budget on the same clock).
        policy, rng: passed to the schedule.
        durations: seconds that this account's ended jobs took (the store's finished_at - created_at), to seed
            what the schedule learns; it learns from every job it sees end on top (see `seed_durations`).
    """

    def __init__(
        self,
        spec: PollerSpec,
        *,
        budget: Budget | None = None,
        clock: Clock = time.monotonic,
        policy: PollPolicy | None = None,
        rng: UnitRandom | None = None,
        provider_factory: Callable[[], HttpProvider] | None = None,
        durations: Iterable[float] = (),
    ) -> None:
        self.spec = spec
        self.account = spec.account
        self._clock = clock
        self.schedule = AccountSchedule(
            spec.provider_cls.name,
            spec.provider_cls.max_batch,
            spec.rate_limit,
            clock=clock,
            policy=policy or spec.provider_cls.poll_policy,
            rng=rng,
        )
        # How long this account's jobs take: seeded from the store, then the schedule adds each job it sees end
        # (it knows when each was last seen running, so it is the one to measure them).
        self.durations = DurationHistory()
        self.durations.extend(durations)
        self.schedule.learner = self.durations
        self._budget: Budget = budget if budget is not None else LocalBudget()
        self._make_provider = provider_factory or spec.make_provider
        self._provider: HttpProvider | None = None
        self._abandoned = threading.Event()
        self._lock = threading.Lock()  # guards _provider between the polling thread and abandon()
        self._held_until = 0.0  # the shared budget or a stored Retry-After says: nothing before this
        self.held_reason: str | None = None  # a stored Retry-After's reason while it holds the account
        # Account discovery (engine/discovery.py), set by the front when the account has it on: its looks share
        # this poller's provider client and rate budget, one request per due step like the status checks.
        self.discovery: Discoverer | None = None

    # ---- the jobs -------------------------------------------------------------------------------------------

    def sync(self, jobs: Iterable[tuple[str, float]]) -> None:
        """The account's open jobs as (job_id, age_seconds): new ones are checked soon, gone ones forgotten."""
        wanted = dict(jobs)
        for job_id in self.schedule.job_ids():
            if job_id not in wanted:
                self.schedule.remove(job_id)
        for job_id, age in wanted.items():
            self.schedule.add(job_id, age_seconds=max(0.0, age))

    def seed_durations(self, durations: Iterable[float]) -> None:
        """Teach the schedule what past jobs of this account took (seconds; the newest last), e.g. from the store:
        `finished_at - created_at` of its ended jobs that were not `not_found`."""
        self.durations.extend(durations)

    def forget(self, job_ids: Iterable[str]) -> None:
        for job_id in job_ids:
            self.schedule.remove(job_id)

    def __len__(self) -> int:
        return len(self.schedule)

    # ---- the loop -------------------------------------------------------------------------------------------

    @property
    def spacing(self) -> float:
        """Seconds between two requests of this account at its limit (with the schedule's margin)."""
        per_second = self.spec.rate_limit.per_second * self.schedule.policy.rate_margin
        return 1.0 / per_second if per_second > 0 else 3600.0

    def next_due(self) -> float | None:
        """Clock time of the next request (schedule, rate limits, Retry-After); None while idle or paused."""
        due = self.schedule.next_due()
        if self.discovery is not None:
            look = self.discovery.next_due()
            due = look if due is None else min(due, look)
        if due is None:
            return None
        return max(due, self._held_until)

    def discover_step(self) -> DiscoveryPage | None:
        """One discovery request if a look is due (and the budget and any Retry-After allow it); else None."""
        if self.discovery is None or self._abandoned.is_set() or self._clock() < self._held_until:
            return None
        if self.discovery.next_due() > self._clock():
            return None
        waiting = self._budget.server_wait()
        if waiting is not None and waiting[0] > CLOCK_TOLERANCE:
            self._held_until = self._clock() + waiting[0]
            return None
        try:
            provider = self._provider_client()
        except JobTrayError as exc:
            log.warning("account %s: cannot discover jobs: %s", self.account, exc)
            return None
        return self.discovery.step(provider, self._budget, self.spacing)

    def take_due(self) -> list[str]:
        """The batch to send now, or [] (woken early, or another process has used the shared budget)."""
        now = self._clock()
        if now < self._held_until or self._abandoned.is_set():
            return []
        self.held_reason = None
        waiting = self._budget.server_wait()
        if waiting is not None and waiting[0] > CLOCK_TOLERANCE:
            # A server's Retry-After that this or another process heard: honoured, whoever heard it.
            self._held_until = now + waiting[0]
            self.held_reason = waiting[1]
            return []
        batch = self.schedule.take_batch()
        if not batch:
            return []
        wait = self._budget.reserve(self.spacing)
        if wait > CLOCK_TOLERANCE:
            self.schedule.give_back(batch)
            self._held_until = now + wait
            return []
        return batch

    def check(self, batch: Sequence[str]) -> CheckResult:
        """Ask the provider about `batch` (blocking HTTP); never raises for an expected or unexpected failure."""
        if self._abandoned.is_set():
            return error_result(self.account, batch, TransientError("the request was abandoned"))
        try:
            provider = self._provider_client()
            result = check_batch(provider, self.account, batch)
        except JobTrayError as exc:
            result = error_result(self.account, batch, exc)
        except Exception as exc:  # a bug in a provider must not end the loop, nor reach the user as a traceback
            log.exception("unexpected error checking %s", self.account)
            result = CheckResult(
                self.account, tuple(batch), (), f"internal error: {type(exc).__name__}", ErrorKind.PROTOCOL
            )
        if result.retry_after is not None and result.retry_after > 0 and result.error is not None:
            # Say when we will look again: a long wait must not look like JobTray gave up.
            until = datetime.now().astimezone() + timedelta(seconds=result.retry_after)
            note = f"{self.spec.display_name} asked us to wait until {until:%H:%M:%S}"
            result = replace(result, wait_note=note)
        return result

    def settle(self, result: CheckResult) -> None:
        """Feed a result from `check` back into the schedule (and a Retry-After into the shared budget)."""
        if result.ok:
            failed = {job_id for job_id, _ in result.job_errors}
            by_id: dict[str, Status] = {s.job_id: s for s in result.statuses}
            self.schedule.on_result([j for j in result.job_ids if j not in failed], by_id)
            if failed:
                # Answered, but unreadable for these jobs: they back off alone; the rest carry on.
                self.schedule.on_error(sorted(failed), ErrorKind.PROTOCOL.value)
            return
        kind = result.error_kind or ErrorKind.PROTOCOL
        if result.retry_after is not None and result.retry_after > 0:
            self._budget.set_server_wait(result.retry_after, result.shown_error)
        self.schedule.on_error(list(result.job_ids), str(kind), result.retry_after)

    def step(self) -> CheckResult | None:
        """One request if one is due now: take, ask, settle. None when nothing may go yet."""
        batch = self.take_due()
        if not batch:
            return None
        result = self.check(batch)
        self.settle(result)
        return result

    # ---- the user, and the end ------------------------------------------------------------------------------

    def check_now(self) -> None:
        """The user asked: every job due now (a server's Retry-After still holds)."""
        self._held_until = 0.0
        self.schedule.check_now()

    def abandon(self) -> None:
        """Thread-safe: no further request goes out, and one in flight ends as soon as the provider can stop."""
        self._abandoned.set()
        with self._lock:
            provider = self._provider
        abandon = getattr(provider, "abandon", None)
        if callable(abandon):
            abandon()

    @property
    def abandoned(self) -> bool:
        return self._abandoned.is_set()

    def close(self) -> None:
        """Close the provider client and the budget; call from the polling thread."""
        with self._lock:
            provider, self._provider = self._provider, None
        if provider is not None:
            provider.close()
        self._budget.close()

    def _provider_client(self) -> HttpProvider:
        with self._lock:
            if self._provider is None:
                self._provider = self._make_provider()
            return self._provider
