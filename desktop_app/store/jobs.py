"""Jobs and their history of status changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace

from desktop_app.core.alarms import ALARMING_STATES
from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Account, HistoryEntry, Job, JobState, Status, StatusChange
from desktop_app.core.text import storable, storable_or_none
from desktop_app.core.transitions import events_for
from desktop_app.core.urls import is_openable_link
from desktop_app.store.clock import Clock, from_text, to_text, utc_now
from desktop_app.store.db import write_transaction

# States as SQL lists, for `state IN (...)` (the values are our enum's, never input).
SQL_ALARMING = ", ".join(f"'{s.value}'" for s in ALARMING_STATES)
SQL_TERMINAL = ", ".join(f"'{s.value}'" for s in JobState if s.is_terminal)
SQL_ENDED_WELL = ", ".join(f"'{s.value}'" for s in JobState if s.is_terminal and s not in ALARMING_STATES)

_SELECT = (
    "SELECT j.*, a.name AS account_name, a.provider AS provider FROM jobs j JOIN accounts a ON a.id = j.account_id"
)


def _job(row: sqlite3.Row) -> Job:
    created = from_text(row["created_at"])
    updated = from_text(row["updated_at"])
    assert created is not None and updated is not None  # NOT NULL columns
    return Job(
        id=row["id"],
        account=row["account_name"],
        provider=row["provider"],
        job_id=row["job_id"],
        label=row["label"],
        state=JobState(row["state"]),
        provider_status=row["provider_status"],
        progress=row["progress"],
        message=row["message"],
        result_url=row["result_url"],
        created_at=created,
        updated_at=updated,
        finished_at=from_text(row["finished_at"]),
        discovered=bool(row["discovered"]),
        archived=bool(row["archived"]),
        last_error=row["last_error"],
        checks=row["checks"],
        result_file=row["result_file"],
        download_error=row["download_error"],
        acknowledged_at=from_text(row["acknowledged_at"]),
        renotified_at=from_text(row["renotified_at"]),
    )


def _storable_status(status: Status) -> Status:
    """The status as it will read back from the database, so that comparing it with the stored job is fair (a lone
    surrogate compared with its stored U+FFFD would look like news on every check)."""
    return replace(
        status,
        provider_status=storable(status.provider_status),
        message=storable_or_none(status.message),
        result_url=storable_or_none(status.result_url),
    )


class JobStore:
    """Reads and writes jobs; one instance per connection, used from the thread that opened it."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock = utc_now) -> None:
        self._conn = conn
        self._clock = clock

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes so that many status changes cost one commit (see `db.write_transaction`)."""
        with write_transaction(self._conn):
            yield

    def add(self, account: Account, job_id: str, label: str | None = None) -> tuple[Job, bool]:
        """Watch `job_id` on `account`; returns (job, created). Adding an existing job updates only its label."""
        now = to_text(self._clock())
        with self.transaction():
            cursor = self._conn.execute(
                "INSERT INTO jobs (account_id, job_id, label, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (account_id, job_id) DO NOTHING",
                (account.id, job_id, label, JobState.QUEUED.value, now, now),
            )
            created = cursor.rowcount == 1
            if created:
                row_id = cursor.lastrowid
                assert row_id is not None
                self._conn.execute(
                    "INSERT INTO job_history (job, at, state, provider_status) VALUES (?, ?, ?, NULL)",
                    (row_id, now, JobState.QUEUED.value),
                )
            else:
                row = self._conn.execute(
                    "SELECT id FROM jobs WHERE account_id = ? AND job_id = ?", (account.id, job_id)
                ).fetchone()
                row_id = row["id"]
                if label:
                    self._conn.execute("UPDATE jobs SET label = ? WHERE id = ?", (label, row_id))
                # Watching a job again brings it back from the archive.
                self._conn.execute("UPDATE jobs SET archived = 0 WHERE id = ?", (row_id,))
        return self.get(row_id), created

    def get(self, row_id: int) -> Job:
        row = self._conn.execute(f"{_SELECT} WHERE j.id = ?", (row_id,)).fetchone()
        if row is None:
            raise ConfigError(f"no job with row id {row_id}")
        return _job(row)

    def find(self, job_id: str, account: str | None = None) -> list[Job]:
        if account is None:
            rows = self._conn.execute(f"{_SELECT} WHERE j.job_id = ? ORDER BY j.id", (job_id,))
        else:
            rows = self._conn.execute(f"{_SELECT} WHERE j.job_id = ? AND a.name = ? ORDER BY j.id", (job_id, account))
        return [_job(r) for r in rows]

    def find_one(self, job_id: str, account: str | None = None) -> Job:
        """Exactly one job by its ID; ConfigError when there is none or the ID is in several accounts."""
        jobs = self.find(job_id.strip(), account)
        if not jobs:
            raise ConfigError(f"no watched job {job_id!r}")
        if len(jobs) > 1:
            names = ", ".join(j.account for j in jobs)
            raise ConfigError(f"job {job_id!r} is watched in several accounts ({names}); name one with --account")
        return jobs[0]

    def all(self, include_archived: bool = False) -> list[Job]:
        where = "" if include_archived else " WHERE j.archived = 0"
        return [_job(r) for r in self._conn.execute(f"{_SELECT}{where} ORDER BY j.created_at, j.id")]

    def for_tray(self, recent: int) -> list[Job]:
        """What the tray's icon and menu need, not every job (issue 19): the open jobs, the failures still
        alarming, and the `recent` most recently updated failures and other endings; not archived, oldest first."""
        bad, ended = SQL_ALARMING, SQL_ENDED_WELL
        # Each part reads an index (store/db.py): open jobs `jobs_open`, the rest `jobs_state_updated`.
        rows = self._conn.execute(
            f"{_SELECT} WHERE j.id IN ("  # noqa: S608 - the states are ours, not input
            f"SELECT id FROM jobs WHERE finished_at IS NULL AND archived = 0 AND state NOT IN ({bad}, {ended})"
            f" UNION SELECT id FROM jobs WHERE state IN ({bad}) AND archived = 0 AND acknowledged_at IS NULL"
            f" UNION SELECT * FROM (SELECT id FROM jobs WHERE state IN ({bad}) AND archived = 0"
            " ORDER BY updated_at DESC LIMIT ?)"
            f" UNION SELECT * FROM (SELECT id FROM jobs WHERE state IN ({ended}) AND archived = 0"
            " ORDER BY updated_at DESC LIMIT ?)"
            ") ORDER BY j.created_at, j.id",
            (recent, recent),
        )
        return [_job(r) for r in rows]

    def ids_by_state(self) -> dict[JobState, list[int]]:
        """The row ids of every job not archived, by state: the tray's counts without reading whole jobs (one
        string per state from SQLite, not a row object per job: ~35 ms at 100,000 jobs, not ~90)."""
        cursor = self._conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute("SELECT state, group_concat(id) FROM jobs WHERE archived = 0 GROUP BY state")
        return {JobState(state): list(map(int, ids.split(","))) for state, ids in rows}

    def counts_by_state(self) -> tuple[dict[JobState, int], int]:
        """How many jobs not archived are in each state, and the highest row id among them (0 for none): the tray's
        counts at start, from the `jobs_state_updated` index (~10 ms at 100,000 jobs)."""
        counts: dict[JobState, int] = {}
        highest = 0
        for state, count, top in self._conn.execute(
            "SELECT state, count(*), max(id) FROM jobs WHERE archived = 0 GROUP BY state"
        ):
            counts[JobState(state)] = count
            highest = max(highest, top)
        return counts, highest

    def open_jobs(self, account: str | None = None) -> list[Job]:
        """Jobs not yet in a terminal state (archived or not), oldest first."""
        if account is None:
            rows = self._conn.execute(f"{_SELECT} WHERE j.finished_at IS NULL ORDER BY j.id")
        else:
            rows = self._conn.execute(f"{_SELECT} WHERE j.finished_at IS NULL AND a.name = ? ORDER BY j.id", (account,))
        return [_job(r) for r in rows]

    def past_durations(self, account: str, newest: int) -> list[float]:
        """Seconds (finished_at - created_at) of the account's `newest` most recently ended jobs, archived ones too,
        oldest end first: what its learned durations (`core.durations.DurationHistory`) keep.

        One bounded query reading two text columns, not a `Job` per row: at 100,000 jobs learning must not read
        them all. A job the provider did not know (not_found) says nothing about how long jobs take, and a duration
        that is not positive is one `DurationHistory.record` would ignore, so neither takes a place in the limit.
        Ties in the end are ordered as `all()` orders jobs (created_at, id).
        """
        cursor = self._conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute(
            "SELECT j.created_at, j.finished_at FROM jobs j JOIN accounts a ON a.id = j.account_id "
            "WHERE a.name = ? AND j.finished_at IS NOT NULL AND j.state != ? AND j.finished_at > j.created_at "
            "ORDER BY j.finished_at DESC, j.created_at DESC, j.id DESC LIMIT ?",
            (account, JobState.NOT_FOUND.value, newest),
        ).fetchall()
        found = []
        for created_text, finished_text in reversed(rows):
            created, finished = from_text(created_text), from_text(finished_text)
            assert created is not None and finished is not None  # NOT NULL, and filtered
            found.append((finished - created).total_seconds())
        return found

    def record_status(self, row_id: int, status: Status) -> StatusChange | None:
        """Store one check's result; returns the change when the state moved, else None.

        The job is read under the write lock: when two processes (the tray and a cron'd `poll`) record the same
        news, the second sees the first's write and reports no change, so the user is told once.
        """
        status = _storable_status(status)
        now_dt = self._clock()
        now = to_text(now_dt)
        result_url = status.result_url if is_openable_link(status.result_url) else None
        with self.transaction():
            old = self.get(row_id)
            finished_at = old.finished_at
            if status.state.is_terminal and not old.state.is_terminal:
                finished_at = now_dt
            elif not status.state.is_terminal:
                finished_at = None
            changed = (
                old.state != status.state
                or old.provider_status != status.provider_status
                or old.message != status.message
            )
            self._conn.execute(
                "UPDATE jobs SET state = ?, provider_status = ?, progress = ?, message = ?, result_url = ?, "
                "updated_at = CASE WHEN ? THEN ? ELSE updated_at END, finished_at = ?, last_error = NULL, "
                "last_checked_at = ?, checks = checks + 1 WHERE id = ?",
                (
                    status.state.value,
                    status.provider_status,
                    status.progress,
                    status.message,
                    result_url or (old.result_url if status.state == old.state else None),
                    changed or old.progress != status.progress,
                    now,
                    None if finished_at is None else to_text(finished_at),
                    now,
                    row_id,
                ),
            )
            if changed:
                self._conn.execute(
                    "INSERT INTO job_history (job, at, state, provider_status, progress, message) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (row_id, now, status.state.value, status.provider_status, status.progress, status.message),
                )
            if old.state == status.state:
                return None
            # A new state is a new alarm (or none): an old acknowledgement does not cover it.
            self._conn.execute(
                "UPDATE jobs SET acknowledged_at = NULL, renotified_at = NULL WHERE id = ? "
                "AND (acknowledged_at IS NOT NULL OR renotified_at IS NOT NULL)",
                (row_id,),
            )
            new = self.get(row_id)
        return StatusChange(
            job=new, old_state=old.state, new_state=new.state, events=tuple(events_for(old.state, new.state))
        )

    def record_error(self, row_id: int, message: str | None) -> None:
        """Note why the last check of this job failed; the job keeps its last good state."""
        self._conn.execute(
            "UPDATE jobs SET last_error = ?, last_checked_at = ? WHERE id = ?",
            (message, to_text(self._clock()), row_id),
        )

    def set_result_file(self, row_id: int, path: str | None, error: str | None = None) -> None:
        """Where the job's result was saved (None: not saved), or why saving it failed."""
        self._conn.execute(
            "UPDATE jobs SET result_file = ?, download_error = ? WHERE id = ?",
            (path, storable_or_none(error), row_id),
        )

    # ---- acknowledged failures (issue 21) ---------------------------------------------------------------------

    def acknowledge(self, row_ids: Iterable[int]) -> list[Job]:
        """The user has seen to these failures: they stop alarming. Returns the jobs newly acknowledged (a job that
        is not an unacknowledged failure is left as it is)."""
        wanted = list(row_ids)
        if not wanted:
            return []
        now = to_text(self._clock())
        placeholders = ", ".join("?" * len(wanted))
        states = SQL_ALARMING
        with self.transaction():
            rows = self._conn.execute(
                f"SELECT id FROM jobs WHERE id IN ({placeholders}) AND acknowledged_at IS NULL "  # noqa: S608
                f"AND state IN ({states})",
                wanted,
            ).fetchall()
            ids = [r["id"] for r in rows]
            self._conn.executemany("UPDATE jobs SET acknowledged_at = ? WHERE id = ?", [(now, i) for i in ids])
        return [self.get(i) for i in ids]

    def unacknowledged(self, account: str | None = None) -> list[Job]:
        """Failures still alarming (not acknowledged, not archived), oldest first."""
        states = SQL_ALARMING
        where = f"j.acknowledged_at IS NULL AND j.archived = 0 AND j.state IN ({states})"
        if account is None:
            rows = self._conn.execute(f"{_SELECT} WHERE {where} ORDER BY j.id")
        else:
            rows = self._conn.execute(f"{_SELECT} WHERE {where} AND a.name = ? ORDER BY j.id", (account,))
        return [_job(r) for r in rows]

    def mark_renotified(self, row_id: int) -> bool:
        """Note that an unacknowledged failure was told once more; False when another process did it first (so it
        is told once, whoever runs)."""
        cursor = self._conn.execute(
            "UPDATE jobs SET renotified_at = ? WHERE id = ? AND renotified_at IS NULL AND acknowledged_at IS NULL",
            (to_text(self._clock()), row_id),
        )
        return cursor.rowcount == 1

    def history(self, row_id: int) -> list[HistoryEntry]:
        rows = self._conn.execute(
            "SELECT at, state, provider_status, progress, message FROM job_history WHERE job = ? ORDER BY id",
            (row_id,),
        )
        entries = []
        for r in rows:
            at = from_text(r["at"])
            assert at is not None
            entries.append(HistoryEntry(at, JobState(r["state"]), r["provider_status"], r["progress"], r["message"]))
        return entries

    def remove(self, row_id: int) -> None:
        self._conn.execute("DELETE FROM jobs WHERE id = ?", (row_id,))

    def set_archived(self, row_id: int, archived: bool = True) -> None:
        self._conn.execute("UPDATE jobs SET archived = ? WHERE id = ?", (int(archived), row_id))

    def archive_finished(self) -> int:
        cursor = self._conn.execute("UPDATE jobs SET archived = 1 WHERE finished_at IS NOT NULL AND archived = 0")
        return cursor.rowcount

    def data_version(self) -> int:
        """Changes when another connection (another process) commits; cheap to poll."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
