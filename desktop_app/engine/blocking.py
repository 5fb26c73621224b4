"""The engine driven from one thread with sleep: `jobtray watch` (until every job ended) and `jobtray poll` (every
open job asked once). Each account is an `AccountPoller`; results go through a `ResultRecorder`, so a busy
database delays writes but loses nothing.

Accounts with discovery on (engine/discovery.py) get the same `Discoverer` the tray's worker drives, inside the
account's rate budget and at most once a minute (the last look is kept in the store, whoever took it): `poll` takes
the look that is due, `watch` looks each minute while it runs, and what they find is watched at once.
"""

from __future__ import annotations

import enum
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Job, StatusChange
from desktop_app.engine.budget import Budget
from desktop_app.engine.discovery import DiscoveryPage, record_page
from desktop_app.engine.poller import AccountPoller, Clock
from desktop_app.engine.recorder import PlanFor, ResultRecorder
from desktop_app.engine.results import CheckResult, ErrorKind
from desktop_app.engine.specs import shared_budget
from desktop_app.engine.supervisor import InlineHost, Supervisor
from desktop_app.store.database import Store

log = logging.getLogger(__name__)

# Even with nothing due, look at the store this often: another process may have added a job.
IDLE_RESYNC_SECONDS = 30.0
# How long `poll` keeps trying to write what it fetched while another program holds the database.
WRITE_PATIENCE_SECONDS = 300.0


class WatchOutcome(enum.StrEnum):
    DONE = "done"  # no job open any more
    CONFIG_ERROR = "config_error"  # an account's key or settings are wrong: nothing changes until the user acts
    TIMED_OUT = "timed_out"


@dataclass
class PollReport:
    """What `BlockingEngine.poll_once` did."""

    changes: list[StatusChange] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # account -> its first error this round
    requests: int = 0
    unwritten: int = 0  # results fetched that could not be written (the database stayed busy)
    discovered: list[Job] = field(default_factory=list)  # jobs that discovery found and added


class BlockingEngine:
    """Every account with open jobs, polled from the calling thread.

    Args:
        store: the open store (this thread's).
        on_change: called with each status change as soon as it is written.
        on_warning: one line for the user; each distinct problem is told once until it clears.
        on_discovered: called with the jobs a discovery page added, as soon as they are written.
        clock, sleep: monotonic seconds and a sleep on the same clock (a virtual pair makes tests instant).
        wall: wall-clock seconds for the shared budget and discovery (default: derived from `clock`).
        budget_for: the shared budget of an account (default: kept in `store`).
        plan_for: the outbox rows of an ending, written with it (see `engine.recorder`).
    """

    def __init__(
        self,
        store: Store,
        *,
        on_change: Callable[[StatusChange], None] = lambda change: None,
        on_warning: Callable[[str], None] = lambda text: None,
        on_discovered: Callable[[list[Job]], None] = lambda jobs: None,
        environ: Mapping[str, str] | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Clock | None = None,
        budget_for: Callable[[str], Budget] | None = None,
        poller_options: Mapping[str, object] | None = None,
        plan_for: PlanFor | None = None,
    ) -> None:
        self.store = store
        self._on_change = on_change
        self._on_warning = on_warning
        self._on_discovered = on_discovered
        self._environ = environ
        self._clock = clock
        self._sleep = sleep
        # The shared budget keeps wall-clock times (other processes read them); derived from `clock`, so that a
        # virtual clock in tests moves both together.
        wall0, mono0 = time.time(), clock()
        self._wall = wall or (lambda: wall0 + clock() - mono0)
        self.recorder = ResultRecorder(store, clock=clock, plan_for=plan_for)
        host = InlineHost()
        # Stored accounts -> pollers as the tray does it (engine/supervisor.py), its pollers in this thread.
        self.supervisor = Supervisor(
            store,
            host,
            self.recorder,
            budget_for=budget_for or (lambda name: shared_budget(store, name, wall=self._wall)),
            environ=environ,
            inline=True,
            clock=clock,
            wall=self._wall,
            poller_options=poller_options,
        )
        self.pollers: dict[str, AccountPoller] = host.pollers
        self.watched_rows: set[int] = set()
        self._told = self.supervisor.told
        self._seen_version: int | None = None

    # ---- telling the user -----------------------------------------------------------------------------------

    def warn_once(self, key: str, text: str) -> None:
        if self._told.first(key):
            self._on_warning(text)

    # ---- the store ----------------------------------------------------------------------------------------

    def record(self, result: CheckResult) -> list[StatusChange]:
        changes = self.recorder.record(result)
        self._after_write(changes)
        return changes

    def flush(self) -> list[StatusChange]:
        changes = self.recorder.flush()
        self._after_write(changes)
        return changes

    def _after_write(self, changes: list[StatusChange]) -> None:
        for change in changes:
            self._on_change(change)
        if self.recorder.problem is not None:
            self.warn_once(
                "store:busy",
                f"{self.recorder.problem}; {self.recorder.pending} result(s) kept in memory, written when it is free",
            )
        elif "store:busy" in self._told:
            self._told.forget("store:busy")
            self._on_warning("the database is free again: every result was written")

    def sync(self) -> list[CheckResult]:
        """Bring the pollers in line with the store's open jobs; returns the accounts that cannot be polled at all
        (their key or settings are wrong), already recorded on their jobs."""
        try:
            version = self.store.jobs.data_version()
            if version == self._seen_version:
                return []
            open_jobs = self.store.jobs.open_jobs()
            discovering = self.store.discovery.enabled()
            accounts = self.store.accounts.all()
        except (JobTrayError, OSError, sqlite3.Error) as exc:
            self.warn_once("store:read", f"cannot read the job list: {exc}")
            return []
        self._seen_version = version
        self._told.forget("store:read")
        self.watched_rows.update(job.id for job in open_jobs)
        self.supervisor.sync_accounts(accounts)
        self.supervisor.sync_discovery(discovering)
        # An account with discovery on is polled with no job open too: its looks may bring some.
        failed: list[CheckResult] = []
        open_accounts = {job.account for job in open_jobs}
        for result in self.supervisor.push(open_jobs):
            self.record(result)
            self.warn_once(f"{result.account}:{result.error}", f"{result.account}: {result.error}")
            if result.account in open_accounts:  # an account that only discovers stops nobody's watch
                failed.append(result)
        return failed

    # ---- the loop -----------------------------------------------------------------------------------------

    def open_count(self) -> int:
        return sum(len(p) for p in self.pollers.values())

    def owes_discovery(self, poller: AccountPoller | None = None) -> bool:
        """A discovery look is under way or this run's first one is due (for `poller`, or for any account)."""
        pollers = [poller] if poller is not None else list(self.pollers.values())
        return any(p.discovery is not None and p.discovery.owes_look() for p in pollers)

    def discover(self, poller: AccountPoller) -> list[Job] | None:
        """One discovery request of `poller` if one is due (budget and Retry-After allow it): None when none went
        out, else the jobs its page added (written, and watched from the next sync on)."""
        page: DiscoveryPage | None = poller.discover_step()
        if page is None:
            return None
        if page.error is not None:
            self.warn_once(f"{poller.account}:discovery:{page.error}", f"{poller.account}: discovery: {page.error}")
            return []
        try:
            added = record_page(self.store, self.store.accounts.get(poller.account), page)
        except (JobTrayError, sqlite3.Error) as exc:
            self.warn_once(f"{poller.account}:discovery:store", f"{poller.account}: discovery not recorded: {exc}")
            return []
        self._told.forget(f"{poller.account}:discovery:store")
        if added:
            self._seen_version = None  # this connection's own writes leave data_version as it was: read again
            self._on_discovered(added)
        return added

    def earliest(self, among: Mapping[str, AccountPoller] | None = None) -> tuple[AccountPoller | None, float | None]:
        best: tuple[AccountPoller | None, float | None] = (None, None)
        for poller in (among if among is not None else self.pollers).values():
            due = poller.next_due()
            if due is not None and (best[1] is None or due < best[1]):
                best = (poller, due)
        return best

    def wake_time(self, due: float | None) -> float | None:
        """When to wake: the next request, or the next attempt to write waiting results."""
        retry = self.recorder.retry_at
        if due is None:
            return retry
        return due if retry is None else min(due, retry)

    def step(self, poller: AccountPoller) -> CheckResult | None:
        """One request of `poller` if one may go now; the result recorded and its problems told once."""
        result = poller.step()
        if result is None:
            if poller.held_reason:
                self.warn_once(f"{poller.account}:held", f"{poller.account}: waiting: {poller.held_reason}")
            return None
        self.record(result)
        _cleared, problems = self._told.news(result, quiet_short_waits=False)
        for problem in problems:
            prefix = f"{problem.account}: {problem.job_id}: " if problem.job_id else f"{problem.account}: "
            self._on_warning(prefix + problem.text)
        return result

    def close(self) -> None:
        for poller in self.pollers.values():
            poller.close()
        self.pollers.clear()

    # ---- poll: every open job once --------------------------------------------------------------------------

    def poll_once(self) -> PollReport:
        """Ask about every open job once, within each account's rate limit; stops an account at a failure of its
        server as a whole (the rest of its jobs are marked with the reason), carries on after a bad answer about
        one job."""
        report = PollReport()
        collect = self._on_change

        def on_change(change: StatusChange) -> None:
            report.changes.append(change)
            collect(change)

        self._on_change = on_change
        try:
            for result in self.sync():
                report.errors.setdefault(result.account, result.error or "unknown error")
            for each in self.pollers.values():
                if not self.owes_discovery(each):
                    each.discovery = None  # a poll takes the look that is due now, never waits for the next one
            active = {name: p for name, p in self.pollers.items() if len(p) or self.owes_discovery(p)}
            while active:
                poller, due = self.earliest(active)
                if poller is None or due is None:
                    break  # every remaining account is paused
                now = self._clock()
                if due > now:
                    if poller.held_reason or due - now > IDLE_RESYNC_SECONDS * 2:
                        # A server's Retry-After (heard by any process) holds it: a poll does not wait for that.
                        reason = poller.held_reason or "the account's rate limit leaves no room now"
                        self._skip_account(poller, f"not checked: {reason}", report)
                        del active[poller.account]
                        continue
                    self._sleep(due - now)
                    continue
                if self.owes_discovery(poller):
                    # The look that is due (every page of it), like the tray's; what it finds is asked about once.
                    added = self.discover(poller)
                    if added is not None:
                        report.requests += 1
                        report.discovered.extend(added)
                        for job in added:
                            poller.schedule.add(job.job_id, age_seconds=0.0)
                            self.watched_rows.add(job.id)
                        if not self.owes_discovery(poller):
                            poller.discovery = None  # the look is over: the next is another run's
                            if not len(poller):
                                del active[poller.account]
                        continue
                    if not len(poller) and poller.next_due() is not None and (poller.next_due() or 0.0) <= now:
                        del active[poller.account]  # due, yet it cannot go (no client): nothing to wait for
                        continue
                if not len(poller):
                    if not self.owes_discovery(poller):
                        del active[poller.account]
                    continue
                stepped = self.step(poller)
                if stepped is None:
                    if poller.held_reason:
                        self._skip_account(poller, f"not checked: {poller.held_reason}", report)
                        del active[poller.account]
                    continue
                result = stepped
                report.requests += 1
                poller.forget(result.job_ids)
                if result.error is not None:
                    report.errors.setdefault(result.account, result.shown_error or result.error)
                for job_id, message in result.job_errors:
                    report.errors.setdefault(result.account, f"{job_id}: {message}")
                if result.account_wide:
                    self._skip_account(poller, None, report, cause=result)
                    del active[poller.account]
                elif not len(poller) and not self.owes_discovery(poller):
                    del active[poller.account]
            report.unwritten = self._finish_writes()
        finally:
            self._on_change = collect
        return report

    def _skip_account(
        self, poller: AccountPoller, reason: str | None, report: PollReport, cause: CheckResult | None = None
    ) -> None:
        """The rest of the account's jobs are not asked this round; each is marked with why."""
        rest = tuple(poller.schedule.job_ids())
        poller.forget(rest)
        if cause is not None:
            if rest:
                self.record(replace(cause, job_ids=rest))
            return
        text = f"{poller.spec.display_name}: {reason}"
        report.errors.setdefault(poller.account, text)
        self.warn_once(f"{poller.account}:{text}", f"{poller.account}: {text}")

    def _finish_writes(self) -> int:
        """Keep writing what was fetched while the database is busy (up to WRITE_PATIENCE_SECONDS)."""
        give_up = self._clock() + WRITE_PATIENCE_SECONDS
        while self.recorder.pending and self._clock() < give_up:
            retry = self.recorder.retry_at or self._clock()
            self._sleep(max(0.0, min(retry, give_up) - self._clock()))
            self.flush()
        return self.recorder.pending

    # ---- watch: until every job ended -----------------------------------------------------------------------

    def watch(self, timeout: float | None = None) -> WatchOutcome:
        """Check open jobs, each when its account's schedule says, until none is open (or a key is wrong, or
        `timeout` ran out)."""
        deadline = None if timeout is None else self._clock() + timeout
        while True:
            failed = self.sync()
            if failed:
                return WatchOutcome.CONFIG_ERROR
            if not self.open_count() and not self.recorder.pending and not self.owes_discovery():
                return WatchOutcome.DONE  # the first look of an account that discovers is taken before this
            now = self._clock()
            if deadline is not None and now >= deadline:
                return WatchOutcome.TIMED_OUT
            if self.recorder.retry_at is not None and self.recorder.retry_at <= now:
                self.flush()
                continue
            poller, due = self.earliest()
            if poller is None or due is None or due > now:
                wake = self.wake_time(due)
                wake = now + IDLE_RESYNC_SECONDS if wake is None else min(wake, now + IDLE_RESYNC_SECONDS)
                if deadline is not None:
                    wake = min(wake, deadline)
                self._sleep(max(0.0, wake - now))
                continue
            if poller.discovery is not None and self.discover(poller) is not None:
                continue  # one request per step: the status checks go at the next budget slot
            result = self.step(poller)
            if result is not None and result.error_kind in (ErrorKind.AUTH, ErrorKind.CONFIG):
                # The tray would pause the account until the user acts; a script would hang: stop here, noting
                # the reason on the account's other jobs too (they were not checked for the same reason).
                rest = tuple(j for j in poller.schedule.job_ids() if j not in result.job_ids)
                if rest:
                    self.record(replace(result, job_ids=rest))
                self._finish_writes()
                return WatchOutcome.CONFIG_ERROR
