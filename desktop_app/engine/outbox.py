"""The outbox runner: after-end work carried out from its rows (`store.outbox`), Qt-free, for every front.

`OutboxRunner` belongs to the thread that owns the store (the CLI's only thread, the tray's main thread). It claims
the rows that are due (atomically, with this process's PID and a lease it renews), runs each in a thread of its own
(a download with `engine.downloads.Download`, a command with `engine.commands.RunningCommand`, any other kind with a
handler registered for it), and takes the outcomes back through a queue that only the owner drains: only the owner
writes the store. A front calls `pump()` when `wake` tells it something arrived (or `wait(seconds)`, which blocks
and pumps), and `stop()` when it quits.

The rules (docs/ARCHITECTURE.md, "After-end work: the outbox"):
- a command runs after its job's download (it sees JOBTRAY_RESULT_FILE), at most once: its row is 'running'
  before it starts; our own stop ends it and marks it 'interrupted' (`jobtray pending --run-again ID`); one that
  was running when its process died is 'unknown' (told once, never run again).
- a download stopped by our own stop is left 'pending' (its `.part` removed) and starts again from the beginning
  at the next start, with the file name recorded by the first attempt, while its link can still work; a failure
  that may pass is tried again (MAX_ATTEMPTS, with backoff).
- work replayed after a restart is told as one summary, not one line per row.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from desktop_app.core.errors import JobTrayError
from desktop_app.core.filenames import part_name
from desktop_app.core.model import Job, JobState
from desktop_app.core.settings import AccountSettings, GlobalSettings, parse_command
from desktop_app.engine.after_end import link_expiry, wants_download
from desktop_app.engine.commands import CommandOutcome, RunningCommand, job_environment, log_outcome
from desktop_app.engine.downloads import Download, DownloadOutcome, DownloadProgress, request_for, shown_error
from desktop_app.engine.threads import PlainThreads, ThreadHandle, ThreadStarter
from desktop_app.providers.base import ProviderConfig
from desktop_app.store.database import Store
from desktop_app.store.outbox import (
    REF_ACCOUNT_COMMAND,
    REF_APP_COMMAND,
    REF_SAVE_RESULTS,
    WATCH_REF_PREFIX,
    OutboxRow,
    Repair,
)

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0  # renewed every quarter of it while the work goes on
REPAIR_SECONDS = 60.0  # how often a runner looks for rows left by processes that died meanwhile
MAX_ATTEMPTS = 3  # of a download whose failure may pass
RETRY_BASE_SECONDS = 10.0  # then 30 s
MAX_PARALLEL = 8
TARGET_WAIT_SECONDS = 30.0  # a download waits this long for its file name to be recorded
STOP_GRACE_SECONDS = 2.0  # a command's grace between SIGTERM and SIGKILL at a stop
_REQUEST_FIELDS = ("deadline", "timeout", "reserve_bytes")


# ---- what crosses threads -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkResult:
    """How a row's work ended, from its thread to the owner.

    state: 'done', 'failed', 'interrupted' (our own stop ended it), or 'pending' (our stop came before it really
    started, or a failure that may pass: `retry`).
    """

    state: str
    outcome: str | None = None
    error: str | None = None
    retry: bool = False
    text: str | None = None  # one line for the person, when there is something to tell


class Work(Protocol):
    """One row's work: `run` blocks in its own thread; `stop` (any thread) ends it soon."""

    def run(self) -> WorkResult: ...

    def stop(self, grace: float) -> None: ...


# A handler for a kind of row (H21's 'forward', the tray's 'notify'): called on the owner's thread with the
# claimed row and its job, returns the work to run in a thread (or raises JobTrayError: the row fails).
WorkFactory = Callable[[OutboxRow, Job], Work]


@dataclass(frozen=True, slots=True)
class OutboxNews:
    """Something to tell the person: a result saved or not, a command that failed or was stopped, or the one
    summary of what a restart replayed or left unknown.

    kind: 'saved', 'not_saved', 'command_failed', 'failed' (another kind's work, with its `WorkResult.text`),
    'summary' (what a restart replayed), 'repaired' (what the
    processes that died left: commands that may not have finished, links that expired meanwhile), 'problem' (the
    store refuses the runner's writes: told once until they succeed again).
    """

    kind: str
    text: str
    job: Job | None = None
    row: int | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class StopReport:
    """What `OutboxRunner.stop` left behind."""

    downloads_resuming: int = 0  # download rows pending: they resume at the next start
    commands_stopped: tuple[int, ...] = ()  # row ids marked 'interrupted' by this stop
    commands_waiting: int = 0  # commands of the settings not started yet: they run at the next start
    watch_commands_dropped: int = 0  # this watch's `--on-end` commands not started: nobody will run them
    other_resuming: int = 0  # rows of other kinds left pending

    def line(self) -> str:
        """One line for stderr: `stopped: 1 download will resume at the next start`."""
        parts: list[str] = []
        if self.downloads_resuming:
            n = self.downloads_resuming
            parts.append(f"{n} download{'s' if n != 1 else ''} will resume at the next start")
        if self.commands_waiting:
            n = self.commands_waiting
            parts.append(f"{n} command{'s' if n != 1 else ''} will run at the next start")
        if self.other_resuming:
            parts.append(f"{self.other_resuming} other action(s) will resume at the next start")
        if self.watch_commands_dropped:
            parts.append(f"{self.watch_commands_dropped} --on-end command(s) not run")
        if self.commands_stopped:
            ids = " ".join(str(i) for i in self.commands_stopped)
            n = len(self.commands_stopped)
            parts.append(
                f"{n} command{'s were' if n != 1 else ' was'} ended (jobtray pending --run-again {ids} runs "
                f"{'them' if n != 1 else 'it'} again)"
            )
        return "stopped: " + ("; ".join(parts) if parts else "nothing was left unfinished")


# ---- the built-in kinds --------------------------------------------------------------------------------------


class _DownloadWork:
    def __init__(
        self,
        download: Download,
        on_target: Callable[[str], None],
        on_progress: Callable[[DownloadProgress], None] | None,
    ) -> None:
        self.download = download
        self._on_target = on_target
        self._on_progress = on_progress
        self.outcome: DownloadOutcome | None = None

    def run(self) -> WorkResult:
        tell = self._on_progress
        request = self.download.request
        progress = (
            None
            if tell is None
            else lambda received, total: tell(DownloadProgress(request.row_id, request.account, received, total))
        )
        outcome = self.download.run(progress, on_target=self._on_target)
        self.outcome = outcome
        if outcome.ok:
            return WorkResult("done", outcome=outcome.path)
        if outcome.stopped:
            return WorkResult("pending")
        return WorkResult("failed", error=outcome.error, retry=outcome.retry, text=shown_error(outcome))

    def stop(self, grace: float) -> None:
        self.download.abandon()


class _CommandWork:
    def __init__(self, command: RunningCommand) -> None:
        self.command = command

    def run(self) -> WorkResult:
        outcome: CommandOutcome = self.command.run()
        log_outcome(outcome)
        if outcome.stopped:
            if not outcome.started:
                return WorkResult("pending")
            return WorkResult("interrupted", error=outcome.describe(), text=outcome.describe())
        if outcome.ok:
            return WorkResult("done", outcome="exit status 0")
        kind = "error" if outcome.error else "timeout" if outcome.timed_out else "status"
        return WorkResult("failed", outcome=kind, error=outcome.describe(), text=outcome.describe())

    def stop(self, grace: float) -> None:
        self.command.stop(grace)


class _Done:
    """Work settled on the owner's thread already (a file saved before a stop): nothing to run."""

    def __init__(self, result: WorkResult) -> None:
        self.result = result

    def run(self) -> WorkResult:
        return self.result

    def stop(self, grace: float) -> None:
        pass


@dataclass
class _Running:
    row: OutboxRow
    job: Job
    work: Work
    replayed: bool
    thread: ThreadHandle | None = None  # owned by the runner's `ThreadStarter` (the tray's worker pool)
    settled: bool = False


@dataclass
class _Replay:
    saved: list[str] = field(default_factory=list)
    not_saved: int = 0
    commands: int = 0
    commands_failed: int = 0
    other: int = 0


# ---- the runner ----------------------------------------------------------------------------------------------


class OutboxRunner:
    """Carries out the outbox's rows for one process; see the module docstring. Every method but `wake`'s
    callers belongs to the store's owner thread.

    Args:
        store: the owner's open store.
        on_news: what to tell the person (called on the owner's thread, from `pump`/`wait`/`stop`).
        wake: called from any thread when an outcome is queued (the tray posts a `pump` to its main thread;
            the CLI needs none: `wait` blocks on the queue).
        config_for: an account's provider config (its key read on the owner's thread) for a download from the
            provider's own host, or None (presigned links need none).
        watch_commands: this process's `watch --on-end` lines (`watch:N` rows with origin_pid = this PID).
        environ, hidden_env: the commands' environment and the variables holding keys (never passed on).
        command_timeout: None: the app's setting.
        download_options: DownloadRequest fields (deadline, timeout, reserve_bytes) and Download options
            (free_space, clock), for tests.
        pid: this process (tests run two "processes" in one).
        clock: wall-clock epoch seconds (the store's times).
        shield: a context in which the owner's writes happen; the CLI defers a stop signal inside it, so that an
            outcome taken off the queue is always recorded.
        on_progress: a download's progress (its job's row id, bytes so far, total), called from the download's
            thread at most 4 times a second.
        threads: where each row's work runs (`engine.threads`): a daemon thread each (the CLI), or the tray's
            worker pool, which then owns these threads with its poll workers' and may stop them at its quit.
        stop_grace: a command's grace (SIGTERM to SIGKILL) when the threads' owner stops the work.
    """

    def __init__(
        self,
        store: Store,
        *,
        on_news: Callable[[OutboxNews], None] = lambda news: None,
        wake: Callable[[], None] = lambda: None,
        config_for: Callable[[str], ProviderConfig | None] = lambda account: None,
        watch_commands: Sequence[str] = (),
        environ: Mapping[str, str] | None = None,
        hidden_env: Iterable[str] | None = None,
        command_timeout: float | None = None,
        download_options: Mapping[str, object] | None = None,
        pid: int | None = None,
        lease_seconds: float = LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
        shield: Callable[[], contextlib.AbstractContextManager[object]] = contextlib.nullcontext,
        on_progress: Callable[[DownloadProgress], None] | None = None,
        threads: ThreadStarter | None = None,
        stop_grace: float = STOP_GRACE_SECONDS,
    ) -> None:
        self.store = store
        self._threads: ThreadStarter = PlainThreads() if threads is None else threads
        self._stop_grace = stop_grace
        self._waiting_names: dict[int, threading.Event] = {}  # downloads waiting for their file name's record
        self._names_lock = threading.Lock()
        self._on_progress = on_progress
        self._shield = shield
        self.pid = os.getpid() if pid is None else pid
        self._on_news = on_news
        self._wake = wake
        self._config_for = config_for
        self.watch_commands = tuple(watch_commands)
        for line in self.watch_commands:
            parse_command(line)  # refused now, not when a job ends
        self._environ = environ
        self._hidden = None if hidden_env is None else tuple(hidden_env)
        self._command_timeout = command_timeout
        self._download_options = dict(download_options or {})
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._queue: queue.Queue[tuple[str, int, object]] = queue.Queue()
        self._unwritten: deque[tuple[str, int, object]] = deque()  # outcomes the busy store could not take yet
        self._needs_repair = False
        self.problem: str | None = None  # why the store refused the last write, until one succeeds
        self._running: dict[int, _Running] = {}
        self._handlers: dict[str, WorkFactory] = {}
        self._accepting = True
        self._started_at = clock()
        self._last_renew = self._started_at
        self._last_repair = self._started_at
        self._told: set[tuple[str, str]] = set()
        self._replay = _Replay()
        self._asked: set[int] = set()  # rows a person asked to run again here: told as themselves, not replayed
        self.repair_found: Repair = Repair()

    # ---- set-up ---------------------------------------------------------------------------------------------

    def register(self, kind: str, factory: WorkFactory) -> None:
        """Run rows of `kind` ('forward', 'notify') with `factory`; without one, such rows are left alone."""
        self._handlers[kind] = factory

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("download", "command", *self._handlers)

    def start(self) -> Repair:
        """At start: repair what dead processes left (told as one summary), adopt results of the old way, then
        pump. Returns the repair. A busy store defers all of it to a later pump."""
        try:
            repair = self.store.outbox.repair(self.pid, fresh=True, started_at=self._started_at)
            self.repair_found = repair
            self.store.outbox.prune()
            self._adopt_unsaved()
            self._tell_repair(repair)
        except (sqlite3.Error, JobTrayError) as exc:
            self._store_failed(exc)
            self._needs_repair = True
        self.pump()
        return self.repair_found

    def _store_failed(self, exc: BaseException) -> None:
        first = self.problem is None
        self.problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if first:
            log.info("after-end work waits for the database: %s", self.problem)
            self._tell(OutboxNews("problem", f"{self.problem}; results to save and commands to run wait for it"))

    def _tell_repair(self, repair: Repair) -> None:
        parts: list[str] = []
        if repair.unknown:
            n = len(repair.unknown)
            ids = " ".join(str(r.id) for r in repair.unknown)
            parts.append(
                f"{n} command{'s' if n != 1 else ''} may not have finished when JobTray stopped; not run again "
                f"(jobtray pending --run-again {ids})"
            )
        if repair.expired:
            n = len(repair.expired)
            parts.append(f"{n} result{'s' if n != 1 else ''} could not be saved: the link expired meanwhile")
        if repair.orphaned:
            parts.append(f"{len(repair.orphaned)} `watch --on-end` command(s) of a stopped watch not run")
        if parts:
            self._tell(OutboxNews("repaired", "after a restart: " + "; ".join(parts)))
        told = [r.id for r in (*repair.unknown, *repair.expired, *repair.orphaned)]
        if told:
            self.store.outbox.mark_told(told)

    def _adopt_unsaved(self) -> None:
        """Upgrade: jobs that succeeded with a link, on an account that saves results, never saved and with no row
        yet, get a download row while the link can still work (once per data folder). A store error propagates:
        the caller tries again later."""
        settings = self.store.settings.accounts()
        saving = {name for name, s in settings.items() if s.save_results}
        if not saving:
            return
        now = datetime.fromtimestamp(self._clock(), UTC)
        with self.store.jobs.transaction():
            if not self.store.outbox.first_adoption():
                return
            for job in self.store.jobs.all(include_archived=True):
                if (
                    job.account in saving
                    and wants_download(job, settings[job.account])
                    and job.result_file is None
                    and job.download_error is None
                    and not self.store.outbox.has_download(job.id)
                ):
                    expires = link_expiry(job.result_url, job.finished_at, now)
                    if expires > now.timestamp():
                        self.store.outbox.add(job.id, "download", ref=REF_SAVE_RESULTS, expires_at=expires)

    # ---- the owner's loop -------------------------------------------------------------------------------------

    def active(self) -> list[tuple[OutboxRow, Job]]:
        """The rows this runner is carrying out now, with their jobs (a tray's "Saving..." lines)."""
        return [(r.row, r.job) for r in self._running.values() if not r.settled]

    @property
    def in_flight(self) -> int:
        return sum(1 for r in self._running.values() if not r.settled)

    def owes_work(self, horizon: float = 3600.0) -> bool:
        """Work in flight, or a row this process may take that is due within `horizon` seconds."""
        if self.in_flight or self._unwritten:
            return True
        due = self.store.outbox.next_due(self.pid, self.kinds)
        return due is not None and due <= self._clock() + horizon

    def pump(self) -> int:
        """Take the outcomes that arrived, renew leases, and start what is due; returns how many started."""
        with self._shield():
            return self._pump()

    def _pump(self) -> int:
        try:
            started = self._pump_once()
        except (sqlite3.Error, JobTrayError) as exc:  # busy or failing: nothing is lost, tried at the next pump
            self._store_failed(exc)
            return 0
        self.problem = None
        return started

    def _pump_once(self) -> int:
        while self._unwritten:
            self._handle(self._unwritten[0])
            self._unwritten.popleft()
        self._drain()
        now = self._clock()
        if self._needs_repair:
            repair = self.store.outbox.repair(self.pid, fresh=True, started_at=self._started_at)
            self._adopt_unsaved()
            self._needs_repair = False
            self._last_repair = now
            self.repair_found = repair
            self._tell_repair(repair)
        if now - self._last_renew >= self.lease_seconds / 4 and self._running:
            self._last_renew = now
            self.store.outbox.renew(self.pid, self.lease_seconds)
        if now - self._last_repair >= REPAIR_SECONDS:
            self._last_repair = now
            self._tell_repair(self.store.outbox.repair(self.pid))
        if not self._accepting:
            return 0
        room = MAX_PARALLEL - self.in_flight
        if room <= 0:
            return 0
        claimed = self.store.outbox.claim_due(self.pid, self.lease_seconds, self.kinds, limit=room)
        if claimed:
            self._last_renew = now
        try:
            app, accounts = self._settings() if claimed else (GlobalSettings(), {})
            for row in claimed:
                self._begin(row, app, accounts)
        except (sqlite3.Error, JobTrayError):
            # Claimed but not started: handed back, or they would stay 'running' under this live PID (no repair
            # takes them, every renewal keeps their lease) until the next start.
            started = set(self._running)
            for row in claimed:
                if row.id not in started:
                    with contextlib.suppress(sqlite3.Error, JobTrayError):
                        self.store.outbox.release(row.id, self.pid)
            raise
        self._maybe_summarize()
        return len(claimed)

    def wait(self, timeout: float) -> None:
        """Block up to `timeout` seconds for an outcome (pumping as they come); always pumps at least once."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            left = deadline - time.monotonic()
            chunk = min(max(0.0, left), self.lease_seconds / 4)
            try:
                message = self._queue.get(timeout=chunk) if chunk > 0 else self._queue.get_nowait()
            except queue.Empty:
                message = None
            if message is not None:
                with self._shield():
                    try:
                        self._handle_or_keep(message)
                    except (sqlite3.Error, JobTrayError) as exc:
                        self._store_failed(exc)
            self.pump()
            if message is not None or deadline - time.monotonic() <= 0:
                return

    def run_until_idle(self, timeout: float, horizon: float = 120.0) -> bool:
        """Carry out this process's work (and retries due within `horizon`) for at most `timeout` seconds;
        True when none is left."""
        deadline = time.monotonic() + timeout
        self.pump()
        while self.owes_work(horizon):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.wait(min(left, 1.0))
        return True

    def save_again(self, job: Job) -> int:
        """The tray's "Save result again": a new download row for the job (its row id), started at the next pump;
        the row of a download of the job still under way when there is one."""
        for row in self.store.outbox.for_job(job.id, ("pending", "running")):
            if row.kind == "download":
                return row.id
        now = datetime.fromtimestamp(self._clock(), UTC)
        return self.store.outbox.add(
            job.id, "download", ref=REF_SAVE_RESULTS, expires_at=link_expiry(job.result_url, job.finished_at, now)
        )

    def run_again(self, row_id: int) -> OutboxRow:
        """A person's "Run again" / "Save again" of a row that did not complete (`OutboxStore.run_again`), taken at
        the next pump; its outcome is told as itself, not in a restart's summary."""
        row = self.store.outbox.run_again(row_id)
        self._asked.add(row_id)
        return row

    # ---- starting a row -------------------------------------------------------------------------------------

    def _settings(self) -> tuple[GlobalSettings, dict[str, AccountSettings]]:
        try:
            return self.store.settings.app(), self.store.settings.accounts()
        except JobTrayError:
            return GlobalSettings(), {}

    def _begin(self, row: OutboxRow, app: GlobalSettings, accounts: Mapping[str, AccountSettings]) -> None:
        try:
            job = self.store.jobs.get(row.job)
            work = self._work_for(row, job, app, accounts.get(job.account, AccountSettings()))
        except sqlite3.Error:
            raise  # a busy store: the row is handed back by the caller
        except JobTrayError as exc:
            self.store.outbox.finish(row.id, self.pid, "failed", error=str(exc))
            return
        except Exception as exc:  # a handler's bug (as in `_run`): the row fails, the runner goes on
            log.exception("after-end work %s could not be started", row.id)
            self.store.outbox.finish(row.id, self.pid, "failed", error=f"unexpected error: {type(exc).__name__}")
            return
        # Left by an earlier run: told in one summary (not what a person just asked for again).
        replayed = row.created_at < self._started_at and row.id not in self._asked
        running = _Running(row, job, work, replayed)
        self._running[row.id] = running
        row_id = row.id
        running.thread = self._threads.start_thread(
            f"jobtray-{row.kind}", lambda: self._run(row_id, work), lambda: self._owner_stops(row_id, work)
        )

    def _owner_stops(self, row_id: int, work: Work) -> None:
        """The threads' owner (the tray's worker pool at quit) stops this work: the process is quitting, so no
        more rows are taken either. The outcome comes back through the queue as for any stop; `stop` records it."""
        self._accepting = False
        self._stop_work(row_id, work, self._stop_grace)

    def _stop_work(self, row_id: int, work: Work, grace: float) -> None:
        work.stop(grace)
        with self._names_lock:
            waiting = self._waiting_names.get(row_id)
        if waiting is not None:
            # A download stopped while it waits for its file name to be recorded goes on to its abandoned end
            # now, not after TARGET_WAIT_SECONDS: the owner may be busy waiting for this very thread.
            waiting.set()

    def _work_for(self, row: OutboxRow, job: Job, app: GlobalSettings, account: AccountSettings) -> Work:
        if row.kind == "download":
            return self._download(row, job, app, account)
        if row.kind == "command":
            argv = self._command_for(row, job, app, account)
            env = job_environment(job, job.result_file, self._environ, self._hidden_env())
            timeout = app.command_timeout if self._command_timeout is None else self._command_timeout
            return _CommandWork(RunningCommand(argv, env, timeout, job.job_id))
        factory = self._handlers.get(row.kind)
        if factory is None:
            raise JobTrayError(f"no handler for {row.kind} work in this process")
        return factory(row, job)

    def _hidden_env(self) -> tuple[str, ...]:
        if self._hidden is not None:
            return self._hidden
        try:
            return tuple(a.key_env for a in self.store.accounts.all() if a.key_env)
        except JobTrayError:
            return ()

    def _command_for(self, row: OutboxRow, job: Job, app: GlobalSettings, account: AccountSettings) -> tuple[str, ...]:
        ref = row.ref or ""
        if ref == REF_ACCOUNT_COMMAND:
            line = account.on_end
        elif ref == REF_APP_COMMAND:
            line = app.on_end
        elif ref.startswith(WATCH_REF_PREFIX) and row.origin_pid == self.pid:
            index = ref.removeprefix(WATCH_REF_PREFIX)
            line = (
                self.watch_commands[int(index)] if index.isdigit() and int(index) < len(self.watch_commands) else None
            )
        else:
            line = None
        if not line:
            raise JobTrayError(f"the command of {ref or 'this action'} is no longer set; not run")
        return parse_command(line)

    def _download(self, row: OutboxRow, job: Job, app: GlobalSettings, account: AccountSettings) -> Work:
        folder = account.save_results
        if not folder:
            raise JobTrayError(f"the account {job.account} no longer saves results")
        if job.state != JobState.SUCCEEDED or not job.result_url:
            raise JobTrayError("the job has no result link")
        if row.target_name:
            where = Path(folder).expanduser()
            final, part = where / row.target_name, where / part_name(row.target_name)
            if final.exists():
                # Renamed before the stop, the outcome not recorded: saved, not downloaded a second time.
                with contextlib.suppress(OSError):
                    part.unlink()
                return _Done(WorkResult("done", outcome=str(final)))
        options = self._download_options
        request = request_for(
            row_id=job.id,
            account=job.account,
            job_id=job.job_id,
            url=job.result_url,
            folder=folder,
            provider=job.provider,
            config=self._safe_config(job.account),
            max_bytes=app.download_cap,
            extra={
                **{k: v for k, v in options.items() if k in _REQUEST_FIELDS},
                "target_name": row.target_name,
            },
        )
        download = Download(request, **{k: v for k, v in options.items() if k not in _REQUEST_FIELDS})  # type: ignore[arg-type]
        return _DownloadWork(download, lambda name: self._record_target(row.id, name), self._on_progress)

    def _safe_config(self, account: str) -> ProviderConfig | None:
        try:
            return self._config_for(account)
        except JobTrayError:
            return None

    def _record_target(self, row_id: int, name: str) -> None:
        """In the download's thread: have the owner record the file name, and wait until it has."""
        if threading.current_thread() is threading.main_thread():
            self.store.outbox.set_target_name(row_id, self.pid, name)
            return
        done = threading.Event()
        with self._names_lock:
            self._waiting_names[row_id] = done
        try:
            self._queue.put(("target", row_id, (name, done)))
            self._wake()
            if not done.wait(TARGET_WAIT_SECONDS):
                log.warning("the file name of download %s was not recorded in time; going on", row_id)
        finally:
            with self._names_lock:
                self._waiting_names.pop(row_id, None)

    def _run(self, row_id: int, work: Work) -> None:
        try:
            result = work.run()
        except Exception as exc:  # a handler's bug: the row fails, the runner goes on
            log.exception("after-end work %s failed unexpectedly", row_id)
            result = WorkResult("failed", error=f"unexpected error: {type(exc).__name__}")
        self._queue.put(("done", row_id, result))
        self._wake()

    # ---- outcomes (owner) -------------------------------------------------------------------------------------

    def _drain(self) -> None:
        while True:
            try:
                message = self._queue.get_nowait()
            except queue.Empty:
                return
            self._handle_or_keep(message)

    def _handle_or_keep(self, message: tuple[str, int, object]) -> None:
        """Record an outcome; while the store refuses, keep it (in order) for the next pump."""
        if self._unwritten:
            self._unwritten.append(message)
            return
        try:
            self._handle(message)
        except (sqlite3.Error, JobTrayError):
            self._unwritten.append(message)
            raise

    def _handle(self, message: tuple[str, int, object]) -> None:
        what, row_id, payload = message
        if what == "target":
            assert isinstance(payload, tuple)
            name, done = payload
            assert isinstance(name, str) and isinstance(done, threading.Event)
            try:
                self.store.outbox.set_target_name(row_id, self.pid, name)
            finally:
                done.set()
            return
        assert isinstance(payload, WorkResult)
        self._settle(row_id, payload)

    def _settle(self, row_id: int, result: WorkResult) -> None:
        running = self._running.get(row_id)
        if running is None:
            return
        running.settled = True  # its thread has ended, whatever the store says
        self._record(running, result)
        self._running.pop(row_id, None)
        self._maybe_summarize()

    def _record(self, running: _Running, result: WorkResult) -> None:
        row, job = running.row, running.job
        row_id = row.id
        if row.kind == "download":
            self._settle_download(running, result)
        elif result.state == "pending":
            self.store.outbox.release(row_id, self.pid)
        elif (
            row.kind != "command" and result.state == "failed" and result.retry and self._may_retry(row)
        ):  # another kind's failure that may pass (a forward's server down): tried again later
            retry_at = self._clock() + RETRY_BASE_SECONDS * 3 ** (row.attempts - 1)
            self.store.outbox.finish(row_id, self.pid, "pending", error=result.error, retry_at=retry_at)
        else:
            self.store.outbox.finish(row_id, self.pid, result.state, outcome=result.outcome, error=result.error)
            if row.kind != "command" and result.state == "failed" and result.text and not running.replayed:
                self._tell(OutboxNews("failed", result.text, job, row_id))
            if row.kind == "command":
                if running.replayed:
                    self._replay.commands += 1
                    self._replay.commands_failed += result.state != "done"
                elif result.state == "failed" and result.text:
                    key = (row.ref or "", result.outcome or "")
                    if key not in self._told:
                        self._told.add(key)
                        self._tell(OutboxNews("command_failed", result.text, job, row_id))
            elif running.replayed:
                self._replay.other += 1

    def _may_retry(self, row: OutboxRow) -> bool:
        return row.attempts < MAX_ATTEMPTS and self._accepting

    def _settle_download(self, running: _Running, result: WorkResult) -> None:
        row, job = running.row, running.job
        if result.state == "pending":
            self.store.outbox.release(row.id, self.pid)
            return
        if result.state == "done":
            with self.store.jobs.transaction():
                self.store.outbox.finish(row.id, self.pid, "done", outcome=result.outcome)
                self.store.jobs.set_result_file(job.id, result.outcome, None)
            saved = self.store.jobs.get(job.id)
            if running.replayed:
                self._replay.saved.append(result.outcome or "")
            else:
                self._tell(OutboxNews("saved", f"saved {result.outcome}", saved, row.id, result.outcome))
            return
        if result.retry and self._may_retry(row):
            retry_at = self._clock() + RETRY_BASE_SECONDS * 3 ** (row.attempts - 1)
            self.store.outbox.finish(row.id, self.pid, "pending", error=result.error, retry_at=retry_at)
            return
        with self.store.jobs.transaction():
            self.store.outbox.finish(row.id, self.pid, "failed", error=result.error)
            self.store.jobs.set_result_file(job.id, None, result.error)
        if running.replayed:
            self._replay.not_saved += 1
        else:
            text = f"{job.account}: {job.job_id}: result not saved: {result.text or result.error}"
            self._tell(OutboxNews("not_saved", text, self.store.jobs.get(job.id), row.id))

    def _maybe_summarize(self) -> None:
        replay = self._replay
        if any(r.replayed for r in self._running.values()):
            return
        due = self.store.outbox.next_due(self.pid, self.kinds, created_before=self._started_at)
        if due is not None and due <= self._clock() and self._accepting:
            return  # more of the replayed work starts at the next pump: one summary for all of it
        parts: list[str] = []
        if replay.saved:
            n = len(replay.saved)
            names = ", ".join(replay.saved[:3]) + (", ..." if n > 3 else "")
            parts.append(f"{n} result{'s' if n != 1 else ''} saved ({names})")
        if replay.not_saved:
            parts.append(f"{replay.not_saved} result(s) not saved (see jobtray pending)")
        if replay.commands:
            ok = replay.commands - replay.commands_failed
            parts.append(
                f"{ok} command(s) run" + (f", {replay.commands_failed} failed" if replay.commands_failed else "")
            )
        if replay.other:
            parts.append(f"{replay.other} other action(s) done")
        if parts:
            self._replay = _Replay()
            self._tell(OutboxNews("summary", "resumed after a restart: " + "; ".join(parts)))

    def _tell(self, news: OutboxNews) -> None:
        try:
            self._on_news(news)
        except Exception:  # the front's failure to tell must not lose the outcome already recorded
            log.exception("telling %s failed", news.kind)

    # ---- stopping -------------------------------------------------------------------------------------------

    def stop(
        self, grace: float = STOP_GRACE_SECONDS, command_timeout: float | None = None, budget: float | None = None
    ) -> StopReport:
        """Take no more rows; abandon downloads (their rows left to resume, `.part` removed), end commands with
        their process groups (SIGTERM, SIGKILL after `grace`, capped by the command time limit), record all.
        Waits for the work's threads at most `budget` seconds (default: grace + 3 s); what has not ended by then
        is recorded as stopped anyway (a download left to resume, a command 'interrupted')."""
        self._accepting = False
        limit = self._command_timeout if command_timeout is None else command_timeout
        grace = min(grace, limit) if limit is not None else grace
        for row_id, running in list(self._running.items()):
            self._stop_work(row_id, running.work, grace)
        deadline = time.monotonic() + (grace + 3.0 if budget is None else budget)
        while any(not r.settled for r in self._running.values()) and time.monotonic() < deadline:
            try:
                message = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            if message[0] == "target":  # a download waits for its name: record it, let it go on to its end
                with contextlib.suppress(sqlite3.Error, JobTrayError):
                    self._handle(message)
                payload = message[2]
                assert isinstance(payload, tuple) and isinstance(payload[1], threading.Event)
                payload[1].set()
                continue
            ended = self._running.get(message[1])
            if ended is not None:
                ended.settled = True  # its thread is done; recorded below
            self._unwritten.append(message)
        for running in self._running.values():
            if not running.settled and running.row.kind == "command":
                running.work.stop(0.0)  # the budget ran out before its grace: its group is killed now
        while True:
            try:
                self._unwritten.append(self._queue.get_nowait())
            except queue.Empty:
                break
        report = {"downloads": 0, "waiting": 0, "dropped": 0, "others": 0}
        stopped: list[int] = []
        # A store that stays busy now loses these notes, not the work: the next start's repair finds the rows
        # 'running' under a dead PID (downloads resume, commands become 'unknown').
        with contextlib.suppress(sqlite3.Error, JobTrayError):
            while self._unwritten:
                self._handle(self._unwritten[0])
                self._unwritten.popleft()
            for row_id, running in list(self._running.items()):  # threads that did not end in time
                self._running.pop(row_id)
                if running.row.kind == "command":
                    self.store.outbox.finish(row_id, self.pid, "interrupted", error="ended by JobTray's stop")
                else:
                    self.store.outbox.release(row_id, self.pid)
            for row in self.store.outbox.unsettled():
                if row.state == "interrupted" and row.claimed_by == self.pid and row.updated_at >= self._started_at:
                    stopped.append(row.id)
                elif row.state == "pending" and (row.origin_pid is None or row.origin_pid == self.pid):
                    if row.kind == "download":
                        report["downloads"] += 1
                    elif row.kind == "command":
                        report["dropped" if row.from_watch else "waiting"] += 1
                    else:
                        report["others"] += 1
        return StopReport(
            downloads_resuming=report["downloads"],
            commands_stopped=tuple(stopped),
            commands_waiting=report["waiting"],
            watch_commands_dropped=report["dropped"],
            other_resuming=report["others"],
        )
