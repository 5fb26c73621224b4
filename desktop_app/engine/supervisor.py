"""Stored accounts -> pollers, for every front: the tray (its pollers run in worker threads) and `watch`/`poll`
(their pollers run in the calling thread) share this one `Supervisor`.

It decides which accounts are polled (those with open jobs, or with discovery on), builds each account's poller
(its key read here, on the caller's thread, or through `spec_for`: the tray reads keys on a thread of their
own and says `KeyPending` meanwhile), asks again for a key that could
not be read (with backoff), keeps discovery attached, hands each poller its open jobs minus those whose news is
still waiting to be written, and says which problems are new (`TellOnce`). Qt-free; where a poller runs is the
`PollerHost`'s business.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Account, Job
from desktop_app.engine.etas import learned_history
from desktop_app.store.database import Store
from desktop_app.store.discovery import DiscoveryState

if TYPE_CHECKING:
    # Imported when the first poller is built: they bring in requests and the providers (~80 ms), which a tray
    # with nothing to watch never needs.
    from desktop_app.engine.budget import Budget
    from desktop_app.engine.poller import AccountPoller, PollerSpec
    from desktop_app.engine.results import CheckResult

Clock = Callable[[], float]
# How an account's spec (its key included) is built: `engine.specs.poller_spec` on the caller's thread, or the
# tray's `app.keys.TrayKeys.spec_for`, which reads keys on a thread of their own and raises `KeyPending` meanwhile.
SpecFor = Callable[[Account, "Mapping[str, str] | None"], "PollerSpec"]


class KeyPending(Exception):  # not an error: the key is being read elsewhere
    """Raised by a `spec_for` whose key read has not come back yet: the account is not started and no error is
    told; the front pushes again when the read is back."""


log = logging.getLogger(__name__)

KEY_RETRY_FIRST_S = 30.0  # a keyring locked at login: ask again after this, doubling up to KEY_RETRY_MAX_S
KEY_RETRY_MAX_S = 900.0
LONG_WAIT_S = 60.0  # a server's Retry-After this long is worth telling, with when we look again
_QUIET_KINDS = (
    "rate_limited",
)  # ErrorKind values  # the schedule copes; the user cannot do anything about a short one


class PollerHost(Protocol):
    """Where pollers run: worker threads (`workers.pool.WorkerPool`) or the caller's thread (`InlineHost`)."""

    def start(self, poller: AccountPoller) -> None: ...

    def retire(self, account: str) -> None: ...

    def set_jobs(self, account: str, jobs: Sequence[tuple[str, float]]) -> None: ...


class PendingResults(Protocol):
    """Results fetched but not written yet (`engine.recorder.ResultRecorder`)."""

    def pending_job_ids(self, account: str) -> set[str]: ...

    def drop_account(self, account: str) -> None: ...


class InlineHost:
    """Pollers driven in the calling thread (`jobtray watch` and `poll`); `pollers` is theirs to step."""

    def __init__(self) -> None:
        self.pollers: dict[str, AccountPoller] = {}

    def start(self, poller: AccountPoller) -> None:
        self.retire(poller.account)
        self.pollers[poller.account] = poller

    def retire(self, account: str) -> None:
        poller = self.pollers.pop(account, None)
        if poller is not None:
            poller.close()

    def set_jobs(self, account: str, jobs: Sequence[tuple[str, float]]) -> None:
        poller = self.pollers.get(account)
        if poller is not None:
            poller.sync(jobs)


@dataclass
class AccountRun:
    """One stored account as the supervisor sees it: polled, or waiting for its key."""

    account: Account
    polling: bool = False
    sent: frozenset[str] | None = None  # the open jobs its poller was last given (None: none yet)
    discovering: bool = False  # its poller discovers
    key_failures: int = 0
    key_retry_at: float | None = None  # the supervisor's clock; None: no retry armed

    @property
    def waiting_for_key(self) -> bool:
        """Its key could not be read; it is asked for again at `key_retry_at` (or at "Check now")."""
        return self.key_retry_at is not None


@dataclass(frozen=True)
class Problem:
    """A problem worth telling once: `key` says what counts as the same problem again."""

    key: str
    account: str
    text: str
    job_id: str | None = None


def worth_telling(result: CheckResult) -> bool:
    """An account-wide error the user should hear about (a short rate-limit pause is the schedule's business)."""
    if result.error is None:
        return False
    return result.error_kind not in _QUIET_KINDS or (result.retry_after or 0.0) >= LONG_WAIT_S


class TellOnce:
    """Each distinct problem told once until it clears (at most `keep` remembered: the oldest go first)."""

    def __init__(self, keep: int = 1000) -> None:
        self._told: dict[str, None] = {}  # insertion-ordered: the oldest is dropped when full
        self._keep = keep

    def first(self, key: str) -> bool:
        """True the first time `key` is seen (since it was last forgotten)."""
        if key in self._told:
            return False
        self._told[key] = None
        while len(self._told) > self._keep:
            del self._told[next(iter(self._told))]
        return True

    def __contains__(self, key: str) -> bool:
        return key in self._told

    def __len__(self) -> int:
        return len(self._told)

    def forget(self, key: str) -> None:
        self._told.pop(key, None)

    def forget_prefix(self, prefix: str) -> None:
        self._told = {key: None for key in self._told if not key.startswith(prefix)}

    def news(self, result: CheckResult, quiet_short_waits: bool = True) -> tuple[bool, list[Problem]]:
        """(cleared, new problems) of a result: a clean answer clears what its account had; the rest is told once.

        `quiet_short_waits`: a short rate-limit pause is not a problem (the tray); a terminal line says it anyway.
        """
        account = result.account
        if result.ok and not result.job_errors:
            had = any(key.startswith(f"{account}:") for key in self._told)
            self.forget_prefix(f"{account}:")
            return had, []
        new: list[Problem] = []
        if result.error is not None and (worth_telling(result) or not quiet_short_waits):
            key = f"{account}:{result.error}"
            if self.first(key):
                new.append(Problem(key, account, result.shown_error or result.error))
        for job_id, message in result.job_errors:
            key = f"{account}:{job_id}:{message}"
            if self.first(key):
                new.append(Problem(key, account, message, job_id))
        return False, new


def _can_discover(provider: str) -> bool:
    from desktop_app.engine.discovery import can_discover  # brings in the HTTP stack: only once some account discovers

    return can_discover(provider)


def past_durations(store: Store, account: str) -> list[float]:
    """Seconds that the account's most recently ended jobs took (archived ones too), oldest end first: what its
    poller learns from (as many as `core.durations.DurationHistory` keeps, read with one bounded query).

    A job the provider did not know (not_found) says nothing about how long jobs take. Nothing when the store
    cannot be read: the poller then starts knowing nothing, as it would for a new account.
    """
    try:
        return list(learned_history(store, account).durations())
    except (JobTrayError, OSError):
        return []


class Supervisor:
    """Stored accounts -> pollers on a `PollerHost`.

    Args:
        store: the open store (this thread's): keys, past durations and open jobs are read from it.
        host: where the pollers run.
        pending: results waiting to be written: their jobs are not asked about again meanwhile.
        budget_for: an account's rate budget (shared with other processes through the store).
        inline: pollers in the caller's thread: an account with nothing to do is closed, and every push re-syncs.
        clock, wall: monotonic and wall-clock seconds (a virtual pair in tests).
    """

    def __init__(
        self,
        store: Store,
        host: PollerHost,
        pending: PendingResults,
        *,
        budget_for: Callable[[str], Budget],
        environ: Mapping[str, str] | None = None,
        inline: bool = False,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
        poller_options: Mapping[str, object] | None = None,
        spec_for: SpecFor | None = None,
    ) -> None:
        self.store = store
        self._spec_for = spec_for
        self.host = host
        self.pending = pending
        self.told = TellOnce()
        self._budget_for = budget_for
        self._environ = environ
        self._inline = inline
        self._clock = clock
        self._wall = wall
        self._poller_options = dict(poller_options or {})
        self._runs: dict[str, AccountRun] = {}
        self._discovery: dict[str, DiscoveryState] = {}

    # ---- what is known -------------------------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        return [run.account for run in self._runs.values()]

    def run(self, name: str) -> AccountRun | None:
        return self._runs.get(name)

    def runs(self) -> list[AccountRun]:
        return list(self._runs.values())

    def __contains__(self, name: str) -> bool:
        return name in self._runs

    # ---- the store -> pollers ------------------------------------------------------------------------------

    def sync_accounts(self, accounts: Sequence[Account]) -> list[str]:
        """The stored accounts; an edited one is polled anew. Returns the names of the removed ones."""
        wanted = {a.name: a for a in accounts}
        removed: list[str] = []
        for name in list(self._runs):
            if name not in wanted or wanted[name] != self._runs[name].account:
                self._stop(name)
                del self._runs[name]
                if name not in wanted:
                    self.pending.drop_account(name)
                    removed.append(name)
        for name, account in wanted.items():
            self._runs.setdefault(name, AccountRun(account))  # polled from its first open job on
        return removed

    def sync_discovery(self, discovering: Mapping[str, DiscoveryState]) -> None:
        """Discovery switched on or off: that account's poller starts again with it (or without)."""
        self._discovery = dict(discovering)
        for run in self._runs.values():
            on = run.account.name in self._discovery and _can_discover(run.account.provider)
            if run.polling and run.discovering != on:
                self._stop(run.account.name)

    def push(self, open_jobs: Iterable[Job], now: datetime | None = None) -> list[CheckResult]:
        """Give each account's poller its open jobs (starting it with its first one, or with discovery on).

        Returns the error results of accounts that could not be started (their key or settings cannot be read):
        not recorded here; the caller records and tells them.
        """
        now = now or datetime.now(UTC)
        by_account: dict[str, list[tuple[str, float]]] = {name: [] for name in self._runs}
        for job in open_jobs:
            if not job.state.is_terminal and job.account in by_account:
                by_account[job.account].append((job.job_id, (now - job.created_at).total_seconds()))
        failed: list[CheckResult] = []
        for name, candidates in by_account.items():
            run = self._runs[name]
            wanted = bool(candidates) or name in self._discovery
            if not wanted and self._inline and run.polling:
                self._stop(name)  # nothing to do: closed (a watch ends when none is left)
                continue
            if wanted and not run.polling and not self._key_wait(run):
                result = self._start(run)
                if result is not None:
                    failed.append(result)
            if not run.polling:
                continue
            # A job whose news waits to be written still looks open here: its poller already knows better.
            pending = self.pending.pending_job_ids(name)
            sent = run.sent or frozenset()
            jobs = [job for job in candidates if job[0] not in pending or job[0] in sent]
            ids = frozenset(job_id for job_id, _ in jobs)
            if ids != run.sent or self._inline:
                run.sent = ids
                self.host.set_jobs(name, jobs)
        return failed

    # ---- keys that could not be read -----------------------------------------------------------------------

    def next_key_retry(self) -> float | None:
        """When (the supervisor's clock) the earliest key is to be asked for again."""
        times = [run.key_retry_at for run in self._runs.values() if run.key_retry_at is not None]
        return min(times) if times else None

    def retry_keys(self, force: bool = False) -> list[CheckResult]:
        """Ask again for the keys that are due (all of them with `force`: "Check now"); the failures' results.

        The accounts started here get their jobs at the next `push`.
        """
        now = self._clock()
        failed: list[CheckResult] = []
        for run in self._runs.values():
            if run.polling or run.key_retry_at is None:
                continue
            if force or run.key_retry_at <= now:
                result = self._start(run)
                if result is not None:
                    failed.append(result)
        return failed

    def _key_wait(self, run: AccountRun) -> bool:
        return run.key_retry_at is not None and run.key_retry_at > self._clock()

    # ---- pollers -------------------------------------------------------------------------------------------

    def _start(self, run: AccountRun) -> CheckResult | None:
        """Build and start the account's poller; its error result (and a retry armed) if its key cannot be read."""
        from desktop_app.engine.discovery import Discoverer, can_discover
        from desktop_app.engine.poller import AccountPoller
        from desktop_app.engine.results import error_result
        from desktop_app.engine.specs import poller_spec

        account = run.account
        try:
            spec = (self._spec_for or poller_spec)(account, self._environ)
        except KeyPending:
            return None  # read on the keyring's thread: the front pushes again when it is back
        except JobTrayError as exc:
            try:
                open_ids = [job.job_id for job in self.store.jobs.open_jobs(account.name)]
            except (JobTrayError, OSError) as read_error:
                log.warning("cannot read the open jobs of %s: %s", account.name, read_error)
                open_ids = []
            run.key_failures += 1
            delay = min(KEY_RETRY_MAX_S, KEY_RETRY_FIRST_S * 2.0 ** (run.key_failures - 1))
            run.key_retry_at = self._clock() + delay
            return error_result(account.name, open_ids, exc)
        run.key_failures = 0
        run.key_retry_at = None
        # The durations of its past jobs teach the schedule when this account's jobs tend to end (core/durations).
        poller = AccountPoller(
            spec,
            budget=self._budget_for(account.name),
            clock=self._clock,
            durations=past_durations(self.store, account.name),
            **self._poller_options,  # type: ignore[arg-type]
        )
        state = self._discovery.get(account.name)
        run.discovering = state is not None and can_discover(account.provider)
        if state is not None and run.discovering:
            poller.discovery = Discoverer(account.name, account.provider, state, clock=self._clock, wall=self._wall)
        self.host.start(poller)
        run.polling = True
        run.sent = None
        return None

    def _stop(self, name: str) -> None:
        run = self._runs.get(name)
        if run is None:
            return
        if run.polling:
            self.host.retire(name)
        run.polling = False
        run.discovering = False
        run.sent = None

    def stop_all(self) -> None:
        for name in list(self._runs):
            self._stop(name)
            self._runs[name].key_retry_at = None
