"""After-end work as rows (the `outbox` table, docs/ARCHITECTURE.md "After-end work: the outbox").

One row per action that follows a job's ending: a result to download, a command of a setting to run, a forward, a
notification that must survive a restart. Rows are written in the ending's own transaction (`add_actions` inside
`JobStore.transaction`), claimed by one process at a time (its PID and a lease), and done only once their outcome
is recorded. A command's text is never stored: `ref` names the setting it came from (`account:on-end`,
`app:on-end`, `watch:N` with `origin_pid`, which no other process resumes).

Times are wall-clock epoch seconds (other processes read them).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from desktop_app.core.errors import ConfigError
from desktop_app.core.text import storable_or_none
from desktop_app.store.clock import Clock, utc_now
from desktop_app.store.db import write_transaction

KINDS: Final = ("download", "command", "forward", "notify")
OPEN_STATES: Final = ("pending", "running")
# States a person may still want to act on (`jobtray pending` lists them with the open ones).
UNSETTLED_STATES: Final = ("pending", "running", "failed", "interrupted", "unknown")
REF_SAVE_RESULTS: Final = "account:save-results"
REF_ACCOUNT_COMMAND: Final = "account:on-end"
REF_APP_COMMAND: Final = "app:on-end"
WATCH_REF_PREFIX: Final = "watch:"
LINK_EXPIRED: Final = "the result link has expired"
UNKNOWN_END: Final = "the command was running when JobTray stopped; it may not have finished (not run again)"

PidAlive = Callable[[int], bool]


SETTLED_KEPT_DAYS = 30.0  # done and discarded rows are kept this long (history), then forgotten
HUNG_AFTER_SECONDS = 1800.0  # a live claimer's lease lapsed this long: hung, or its PID belongs to someone else


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists (on this machine: the data folder is local)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OSError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class OutboxAction:
    """A row to add: what `engine.after_end.plan_for` returns for an ending, written with the ending."""

    kind: str
    ref: str | None = None
    origin_pid: int | None = None
    expires_at: float | None = None
    next_attempt_at: float | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One row as stored."""

    id: int
    job: int
    kind: str
    ref: str | None
    origin_pid: int | None
    state: str
    claimed_by: int | None
    lease_until: float | None
    attempts: int
    next_attempt_at: float | None
    expires_at: float | None
    target_name: str | None
    last_error: str | None
    outcome: str | None
    told: bool
    created_at: float
    updated_at: float

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def from_watch(self) -> bool:
        """A `watch --on-end` command: known only to the process that was given it."""
        return (self.ref or "").startswith(WATCH_REF_PREFIX)


@dataclass(frozen=True, slots=True)
class Repair:
    """What `OutboxStore.repair` found left by processes that are gone."""

    resumed: tuple[OutboxRow, ...] = ()  # downloads set back to pending
    expired: tuple[OutboxRow, ...] = ()  # downloads whose link died meanwhile: failed
    unknown: tuple[OutboxRow, ...] = ()  # commands that were running: may not have finished
    orphaned: tuple[OutboxRow, ...] = ()  # `watch --on-end` commands whose watch is gone before they ran

    def __bool__(self) -> bool:
        return bool(self.resumed or self.expired or self.unknown or self.orphaned)


def _row(r: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        id=r["id"],
        job=r["job"],
        kind=r["kind"],
        ref=r["ref"],
        origin_pid=r["origin_pid"],
        state=r["state"],
        claimed_by=r["claimed_by"],
        lease_until=r["lease_until"],
        attempts=r["attempts"],
        next_attempt_at=r["next_attempt_at"],
        expires_at=r["expires_at"],
        target_name=r["target_name"],
        last_error=r["last_error"],
        outcome=r["outcome"],
        told=bool(r["told"]),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


# A command waits for its job's download (it is told JOBTRAY_RESULT_FILE); a due row is pending, past its
# next attempt and, for a `watch --on-end` command, given to this very process.
_WAITS_FOR_DOWNLOAD = (
    "o.kind = 'command' AND EXISTS (SELECT 1 FROM outbox d WHERE d.job = o.job AND d.kind = 'download' "
    "AND d.state IN ('pending', 'running'))"
)
_DUE = (
    "o.state = 'pending' AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= :now) "
    f"AND (o.origin_pid IS NULL OR o.origin_pid = :pid) AND NOT ({_WAITS_FOR_DOWNLOAD})"
)


class OutboxStore:
    """The outbox's rows; one instance per connection, used from the thread that opened it.

    Args:
        pid_alive: whether a claiming process still runs (tests inject their own).
    """

    def __init__(self, conn: sqlite3.Connection, clock: Clock = utc_now, alive: PidAlive = pid_alive) -> None:
        self._conn = conn
        self._clock = clock
        self._alive = alive

    def _now(self) -> float:
        return self._clock().timestamp()

    # ---- adding ---------------------------------------------------------------------------------------------

    def add(
        self,
        job: int,
        kind: str,
        *,
        ref: str | None = None,
        origin_pid: int | None = None,
        expires_at: float | None = None,
        next_attempt_at: float | None = None,
    ) -> int:
        """One pending row of any kind for the job (row id); joins the caller's transaction if one is open."""
        if kind not in KINDS:
            raise ConfigError(f"unknown kind of after-end work {kind!r}")
        now = self._now()
        cursor = self._conn.execute(
            "INSERT INTO outbox (job, kind, ref, origin_pid, expires_at, next_attempt_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (job, kind, ref, origin_pid, expires_at, next_attempt_at, now, now),
        )
        row_id = cursor.lastrowid
        assert row_id is not None
        return row_id

    def add_actions(self, job: int, actions: Iterable[OutboxAction]) -> list[int]:
        """The rows of one ending, in one transaction (the ending's own when called inside it)."""
        with write_transaction(self._conn):
            return [
                self.add(
                    job,
                    a.kind,
                    ref=a.ref,
                    origin_pid=a.origin_pid,
                    expires_at=a.expires_at,
                    next_attempt_at=a.next_attempt_at,
                )
                for a in actions
            ]

    # ---- reading --------------------------------------------------------------------------------------------

    def get(self, row_id: int) -> OutboxRow:
        r = self._conn.execute("SELECT * FROM outbox WHERE id = ?", (row_id,)).fetchone()
        if r is None:
            raise ConfigError(f"no after-end work with id {row_id} (see `jobtray pending`)")
        return _row(r)

    def for_job(self, job: int, states: Sequence[str] = UNSETTLED_STATES) -> list[OutboxRow]:
        """The job's rows in `states` (default: the ones not settled for good), oldest first."""
        marks = ", ".join("?" for _ in states)
        rows = self._conn.execute(
            f"SELECT * FROM outbox WHERE job = ? AND state IN ({marks}) ORDER BY id",  # noqa: S608
            (job, *states),
        )
        return [_row(r) for r in rows]

    def by_job(self, states: Sequence[str] = UNSETTLED_STATES) -> dict[int, list[OutboxRow]]:
        """Every job's rows in `states`, for `list --json` (one query for all jobs)."""
        marks = ", ".join("?" for _ in states)
        found: dict[int, list[OutboxRow]] = {}
        rows = self._conn.execute(
            f"SELECT * FROM outbox WHERE state IN ({marks}) ORDER BY id",  # noqa: S608
            tuple(states),
        )
        for r in rows:
            found.setdefault(r["job"], []).append(_row(r))
        return found

    def unsettled(self) -> list[OutboxRow]:
        """Every row still open, or ended in a way a person may act on (failed, interrupted, unknown)."""
        return [row for rows in self.by_job().values() for row in rows]

    def has_download(self, job: int) -> bool:
        r = self._conn.execute("SELECT 1 FROM outbox WHERE job = ? AND kind = 'download' LIMIT 1", (job,)).fetchone()
        return r is not None

    def next_due(self, pid: int, kinds: Sequence[str] = KINDS, created_before: float | None = None) -> float | None:
        """When the next pending row this process may take becomes due (now or later), or None; only rows created
        before `created_before` when given."""
        marks = ", ".join("?" for _ in kinds)
        # A command waiting for its job's download is not due: `claim_due` would not take it.
        r = self._conn.execute(
            "SELECT MIN(COALESCE(o.next_attempt_at, 0)) FROM outbox o "  # noqa: S608
            f"WHERE o.state = 'pending' AND (o.origin_pid IS NULL OR o.origin_pid = ?) AND o.kind IN ({marks}) "
            f"AND o.created_at < ? AND NOT ({_WAITS_FOR_DOWNLOAD})",
            (pid, *kinds, float("inf") if created_before is None else created_before),
        ).fetchone()
        return None if r is None or r[0] is None else float(r[0])

    # ---- claiming and outcomes ------------------------------------------------------------------------------

    def claim_due(
        self, pid: int, lease_seconds: float, kinds: Sequence[str] = KINDS, limit: int = 16
    ) -> list[OutboxRow]:
        """Take due rows for this process (marked 'running', claimed_by=pid, leased, attempts + 1); atomic: a
        row is taken by one process, whatever the others do at the same moment. A download whose link has
        expired is failed here instead."""
        now = self._now()
        marks = ", ".join(f":k{i}" for i in range(len(kinds)))
        params: dict[str, object] = {"now": now, "pid": pid, **{f"k{i}": k for i, k in enumerate(kinds)}}
        claimed: list[OutboxRow] = []
        with write_transaction(self._conn):
            candidates = self._conn.execute(
                f"SELECT o.* FROM outbox o WHERE {_DUE} AND o.kind IN ({marks}) ORDER BY o.id LIMIT {int(limit)}",  # noqa: S608
                params,
            ).fetchall()
            for r in candidates:
                row = _row(r)
                if row.kind == "download" and row.expires_at is not None and row.expires_at <= now:
                    self._expired(row, now)
                    continue
                cursor = self._conn.execute(
                    "UPDATE outbox SET state = 'running', claimed_by = ?, lease_until = ?, attempts = attempts + 1, "
                    "updated_at = ? WHERE id = ? AND state = 'pending'",
                    (pid, now + lease_seconds, now, row.id),
                )
                if cursor.rowcount == 1:
                    claimed.append(self.get(row.id))
        return claimed

    def claim(self, row_id: int, pid: int, lease_seconds: float) -> OutboxRow | None:
        """Take one given row if it is pending (whatever its next attempt); None when another has it."""
        now = self._now()
        with write_transaction(self._conn):
            cursor = self._conn.execute(
                "UPDATE outbox SET state = 'running', claimed_by = ?, lease_until = ?, attempts = attempts + 1, "
                "updated_at = ? WHERE id = ? AND state = 'pending' AND (origin_pid IS NULL OR origin_pid = ?)",
                (pid, now + lease_seconds, now, row_id, pid),
            )
            return self.get(row_id) if cursor.rowcount == 1 else None

    def renew(self, pid: int, lease_seconds: float, rows: Iterable[int] | None = None) -> int:
        """Extend the lease of this process's running rows (all, or `rows`); returns how many."""
        now = self._now()
        if rows is None:
            cursor = self._conn.execute(
                "UPDATE outbox SET lease_until = ? WHERE claimed_by = ? AND state = 'running'",
                (now + lease_seconds, pid),
            )
            return cursor.rowcount
        count = 0
        with write_transaction(self._conn):
            for row_id in rows:
                count += self._conn.execute(
                    "UPDATE outbox SET lease_until = ? WHERE id = ? AND claimed_by = ? AND state = 'running'",
                    (now + lease_seconds, row_id, pid),
                ).rowcount
        return count

    def set_target_name(self, row_id: int, pid: int, name: str) -> bool:
        """The file name a download will have, recorded before the file gets it (a resume reuses it)."""
        cursor = self._conn.execute(
            "UPDATE outbox SET target_name = ?, updated_at = ? WHERE id = ? AND claimed_by = ?",
            (name, self._now(), row_id, pid),
        )
        return cursor.rowcount == 1

    def finish(
        self,
        row_id: int,
        pid: int,
        state: str,
        *,
        outcome: str | None = None,
        error: str | None = None,
        retry_at: float | None = None,
    ) -> bool:
        """Record how this process's run of a row ended: 'done', 'failed', 'interrupted', or 'pending' again (a
        retry at `retry_at`, or left to resume). False when the row is no longer this process's."""
        if state not in ("done", "failed", "interrupted", "pending", "unknown"):
            raise ValueError(state)
        now = self._now()
        with write_transaction(self._conn):
            r = self._conn.execute("SELECT claimed_by FROM outbox WHERE id = ?", (row_id,)).fetchone()
            if r is None or r["claimed_by"] != pid:
                return False
            self._settle(row_id, state, outcome=outcome, error=error, retry_at=retry_at, now=now)
        return True

    def release(self, row_id: int, pid: int) -> bool:
        """Our own stop abandoned the row before its end: pending again, its attempt not counted."""
        cursor = self._conn.execute(
            "UPDATE outbox SET state = 'pending', claimed_by = NULL, lease_until = NULL, "
            "attempts = MAX(attempts - 1, 0), updated_at = ? WHERE id = ? AND claimed_by = ? AND state = 'running'",
            (self._now(), row_id, pid),
        )
        return cursor.rowcount == 1

    def _expired(self, row: OutboxRow, now: float) -> None:
        """A download whose link died before it could be saved: failed, and the job says why (as a failed
        download does)."""
        self._settle(row.id, "failed", error=LINK_EXPIRED, now=now)
        self._conn.execute(
            "UPDATE jobs SET download_error = ? WHERE id = ? AND result_file IS NULL", (LINK_EXPIRED, row.job)
        )

    def _settle(
        self,
        row_id: int,
        state: str,
        *,
        now: float,
        outcome: str | None = None,
        error: str | None = None,
        retry_at: float | None = None,
    ) -> None:
        keep_claim = state in ("running", "unknown", "interrupted", "done", "failed")
        self._conn.execute(
            "UPDATE outbox SET state = ?, outcome = COALESCE(?, outcome), last_error = ?, next_attempt_at = ?, "
            "lease_until = NULL, claimed_by = CASE WHEN ? THEN claimed_by ELSE NULL END, updated_at = ? "
            "WHERE id = ?",
            (state, storable_or_none(outcome), storable_or_none(error), retry_at, keep_claim, now, row_id),
        )

    # ---- a person's choices ---------------------------------------------------------------------------------

    def discard(self, row_id: int) -> OutboxRow:
        """Give up a row that is not running (ConfigError otherwise)."""
        with write_transaction(self._conn):
            row = self.get(row_id)
            if row.state == "running" and row.claimed_by is not None and self._alive(row.claimed_by):
                raise ConfigError(f"after-end work {row_id} is running now (process {row.claimed_by})")
            if row.state in ("done", "discarded"):
                raise ConfigError(f"after-end work {row_id} is {row.state} already")
            self._settle(row_id, "discarded", now=self._now())
        return self.get(row_id)

    def run_again(self, row_id: int) -> OutboxRow:
        """Offer a row that did not complete (failed, interrupted, unknown) to the next runner, now."""
        with write_transaction(self._conn):
            row = self.get(row_id)
            if row.state not in ("failed", "interrupted", "unknown", "discarded"):
                raise ConfigError(f"after-end work {row_id} is {row.state}: nothing to run again")
            if row.from_watch:
                raise ConfigError(
                    f"after-end work {row_id} is a `watch --on-end` command: its text is not kept, so it cannot be "
                    "run again from here"
                )
            self._conn.execute(
                "UPDATE outbox SET state = 'pending', claimed_by = NULL, lease_until = NULL, next_attempt_at = NULL, "
                "told = 0, updated_at = ? WHERE id = ?",
                (self._now(), row_id),
            )
        return self.get(row_id)

    def mark_told(self, rows: Iterable[int]) -> None:
        with write_transaction(self._conn):
            for row_id in rows:
                self._conn.execute("UPDATE outbox SET told = 1 WHERE id = ?", (row_id,))

    def first_adoption(self) -> bool:
        """True once per data folder: the first runner after the upgrade adopts the results saved the old way
        (a marker in `settings`, a key no setting uses)."""
        cursor = self._conn.execute(
            "INSERT INTO settings (key, value) VALUES ('outbox.adopted', ?) ON CONFLICT (key) DO NOTHING",
            (str(self._now()),),
        )
        return cursor.rowcount == 1

    # ---- start-up repair ------------------------------------------------------------------------------------

    def prune(self, older_than_days: float = SETTLED_KEPT_DAYS) -> int:
        """Forget rows settled for good (`done`, `discarded`) more than `older_than_days` ago: one row per action of
        every ending would otherwise grow the table for ever. Failed and unknown rows stay until a person acts."""
        cutoff = self._now() - older_than_days * 86400
        cursor = self._conn.execute(
            "DELETE FROM outbox WHERE state IN ('done', 'discarded') AND updated_at < ?", (cutoff,)
        )
        return cursor.rowcount

    def repair(self, pid: int | None = None, *, fresh: bool = False, started_at: float | None = None) -> Repair:
        """Rows left 'running' by processes that are gone (dead PID, or a live one whose lease lapsed more than
        HUNG_AFTER_SECONDS ago): a download
        goes back to pending (restarted from the beginning) while its link can still work, else fails; a
        command becomes 'unknown' (it may not have finished; never run again). A `watch --on-end` command whose
        watch is gone before it ran is failed. Run at start (`fresh`: rows under this very PID, created before
        `started_at` when given, were left by an earlier process that had it), and now and then while running."""
        now = self._now()
        resumed: list[OutboxRow] = []
        expired: list[OutboxRow] = []
        unknown: list[OutboxRow] = []
        orphaned: list[OutboxRow] = []
        with write_transaction(self._conn):
            running = [_row(r) for r in self._conn.execute("SELECT * FROM outbox WHERE state = 'running'")]
            for row in running:
                if row.claimed_by == pid and not fresh:
                    continue
                gone = row.claimed_by is None or row.claimed_by == pid or not self._alive(row.claimed_by)
                # A claimer that is alive but late renewing was most often asleep (a suspended laptop): taking
                # its row over would run it twice, into the same `.part`. Only a lease lapsed for long means a
                # hung process, or a PID reused by another program.
                hung = row.lease_until is not None and row.lease_until < now - HUNG_AFTER_SECONDS
                if not (gone or hung):
                    continue
                if row.kind == "command":
                    self._settle(row.id, "unknown", error=UNKNOWN_END, now=now)
                    unknown.append(row)
                elif row.kind == "download" and row.expires_at is not None and row.expires_at <= now:
                    self._expired(row, now)
                    expired.append(row)
                else:
                    self._settle(row.id, "pending", error=row.last_error, now=now)
                    resumed.append(row)
            waiting = [
                _row(r)
                for r in self._conn.execute("SELECT * FROM outbox WHERE state = 'pending' AND origin_pid IS NOT NULL")
            ]
            for row in waiting:
                assert row.origin_pid is not None
                earlier = fresh and (started_at is None or row.created_at < started_at)
                if (row.origin_pid == pid and earlier) or (row.origin_pid != pid and not self._alive(row.origin_pid)):
                    self._settle(row.id, "failed", error="not run: the `watch` it was given to stopped first", now=now)
                    orphaned.append(row)
        return Repair(tuple(resumed), tuple(expired), tuple(unknown), tuple(orphaned))
