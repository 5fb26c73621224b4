"""The database file: connection settings and `PRAGMA user_version` migrations."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from desktop_app.core.errors import JobTrayError
from desktop_app.core.text import storable
from desktop_app.store.clean_close import forget_clean_close

DB_FILENAME = "jobtray.sqlite3"
BUSY_TIMEOUT_MS = 5000

# Primary result codes (the low byte of an extended code): the file itself is damaged ...
SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26
# ... or another connection holds a lock this one needs.
SQLITE_BUSY = 5
SQLITE_LOCKED = 6


class StoreError(JobTrayError, sqlite3.OperationalError):
    """The database cannot be used (locked, corrupt, read-only, disk full); the message says which, on one line.

    Also an `sqlite3.Error`, so code written to catch those still does.

    Attributes:
        corrupt: the file is damaged (not a lock, a full disk or a permission).
        busy: another connection held the lock for longer than the busy timeout. Nothing was written; the same
            write can simply be tried again later (keep what it would have stored until then).
    """

    def __init__(self, message: str, *, corrupt: bool = False, busy: bool = False) -> None:
        super().__init__(message)
        self.corrupt = corrupt
        self.busy = busy
        self.open_connection: sqlite3.Connection | None = None

    def close_connection(self) -> None:
        if self.open_connection is not None:
            self.open_connection.close()
            self.open_connection = None


def is_corruption(exc: sqlite3.Error) -> bool:
    """True when `exc` says the file is not a (healthy) SQLite database, as opposed to locked, full or read-only."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def is_busy(exc: sqlite3.Error) -> bool:
    """True when `exc` says another connection holds a lock (SQLITE_BUSY or SQLITE_LOCKED)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    corrupt = is_corruption(exc)
    if corrupt:
        forget_clean_close(path)  # wherever damage shows, the next open checks the whole file
    return StoreError(describe(exc, path), corrupt=corrupt, busy=is_busy(exc))


def _storable_parameters(parameters: Any) -> Any:
    """The statement's text values with lone surrogates replaced: the last line of defence, whatever the caller
    forgot (SQLite's UTF-8 encoder raises UnicodeEncodeError on them, a traceback instead of a stored status)."""
    if isinstance(parameters, Mapping):
        return {k: storable(v) if isinstance(v, str) else v for k, v in parameters.items()}
    return tuple(storable(v) if isinstance(v, str) else v for v in parameters)


class GuardedCursor(sqlite3.Cursor):
    """Rows are read lazily: a damaged page deep in a table is found while iterating, after `execute` returned.
    Those failures are StoreErrors too."""

    def _error(self, exc: sqlite3.Error) -> StoreError:
        return store_error(exc, getattr(self.connection, "path", Path(DB_FILENAME)))

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except (StoreError, sqlite3.IntegrityError):
            raise
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except (StoreError, sqlite3.IntegrityError):
            raise
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size)
        except (StoreError, sqlite3.IntegrityError):
            raise
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except (StoreError, sqlite3.IntegrityError):
            raise
        except sqlite3.Error as exc:
            raise self._error(exc) from exc


class GuardedConnection(sqlite3.Connection):
    """A connection whose failures arrive as StoreError with a message a user can act on, never a bare
    sqlite3 traceback, and which never hands SQLite a lone surrogate. Constraint violations stay
    `sqlite3.IntegrityError`: the repositories turn those into their own errors."""

    path: Path = Path(DB_FILENAME)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        cursor = self.cursor(GuardedCursor)
        try:
            return cursor.execute(sql, _storable_parameters(parameters))
        except (StoreError, sqlite3.IntegrityError):
            raise
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One transaction holding the write lock from its start (BEGIN IMMEDIATE), so that what it reads is still true
    when it writes, whatever other processes do. Nested inside another transaction it joins that one.

    Waiting for another process's lock ends after the connection's busy timeout with StoreError(busy=True).
    """
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        # Also when COMMIT itself failed (disk full): leave no transaction open behind the error.
        rollback_quietly(conn)
        raise


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it commits first, which would break the migration's transaction.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE accounts (
            id          INTEGER PRIMARY KEY,
            name        TEXT NOT NULL UNIQUE,
            provider    TEXT NOT NULL,
            base_url    TEXT,
            username    TEXT,
            key_source  TEXT NOT NULL CHECK (key_source IN ('keyring', 'env')),
            key_env     TEXT,
            rate_limit  TEXT,
            created_at  TEXT NOT NULL,
            last_error  TEXT
        );
        CREATE TABLE jobs (
            id              INTEGER PRIMARY KEY,
            account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            job_id          TEXT NOT NULL,
            label           TEXT,
            state           TEXT NOT NULL,
            provider_status TEXT,
            progress        REAL,
            message         TEXT,
            result_url      TEXT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            finished_at     TEXT,
            archived        INTEGER NOT NULL DEFAULT 0,
            last_error      TEXT,
            last_checked_at TEXT,
            checks          INTEGER NOT NULL DEFAULT 0,
            UNIQUE (account_id, job_id)
        );
        CREATE INDEX jobs_open ON jobs (state) WHERE finished_at IS NULL;
        CREATE INDEX jobs_job_id ON jobs (job_id);
        CREATE TABLE job_history (
            id              INTEGER PRIMARY KEY,
            job             INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            at              TEXT NOT NULL,
            state           TEXT NOT NULL,
            provider_status TEXT,
            progress        REAL,
            message         TEXT
        );
        CREATE INDEX job_history_job ON job_history (job, id);
        """,
    )


def _v2(conn: sqlite3.Connection) -> None:
    # A CLI `poll` is a new process each time: its rate-limit budget must outlive it, or polls run back to back
    # would each start with a full budget.
    _run_script(
        conn,
        """
        CREATE TABLE rate_state (
            account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
            tokens      REAL NOT NULL,
            saved_at    REAL NOT NULL
        )
        """,
    )


def _v3(conn: sqlite3.Connection) -> None:
    # The tray, `watch` and a cron'd `poll` share one account's request budget and its server's Retry-After:
    # the next free request slot and the wait the server asked for, in wall-clock epoch seconds.
    _run_script(
        conn,
        """
        CREATE TABLE account_pacing (
            account_id          INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
            next_request_at     REAL,
            server_wait_until   REAL,
            server_wait_reason  TEXT
        )
        """,
    )


def _settings_and_result_files(conn: sqlite3.Connection) -> None:
    # Choices that survive a restart (mute, notifications, downloads, commands: text values, never a secret),
    # the app's and each account's; and where a job's result was saved, or why saving it failed.
    _run_script(
        conn,
        """
        CREATE TABLE settings (
            key     TEXT PRIMARY KEY,
            value   TEXT NOT NULL
        );
        CREATE TABLE account_settings (
            account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            key         TEXT NOT NULL,
            value       TEXT NOT NULL,
            PRIMARY KEY (account_id, key)
        );
        ALTER TABLE jobs ADD COLUMN result_file TEXT;
        ALTER TABLE jobs ADD COLUMN download_error TEXT
        """,
    )


def _discovery(conn: sqlite3.Connection) -> None:
    # Jobs that come by themselves (issue 12): an account's discovery (on since when, its last look), every media
    # discovery has decided about (watched, finished already, or there before the switch-on), so that a discovered
    # job the user removed never comes back; and which jobs were discovered rather than added.
    _run_script(
        conn,
        """
        CREATE TABLE account_discovery (
            account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
            since       REAL NOT NULL,
            last_look   REAL
        );
        CREATE TABLE discovery_seen (
            account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            job_id      TEXT NOT NULL,
            PRIMARY KEY (account_id, job_id)
        );
        ALTER TABLE jobs ADD COLUMN discovered INTEGER NOT NULL DEFAULT 0
        """,
    )


# Columns of `jobs` a person sees: a change to one of them is news for the tray (issue 19's change feed). The
# bookkeeping of every check (`checks`, `last_checked_at`) is left out, so a request never wakes the GUI.
_VISIBLE_JOB_COLUMNS = (
    "state",
    "provider_status",
    "progress",
    "message",
    "result_url",
    "label",
    "finished_at",
    "archived",
    "last_error",
    "result_file",
    "download_error",
    "acknowledged_at",
)


# What writes a row into `changes`: (trigger, event, table, kind, the row it names, condition). A job's visible
# columns changed, not its check counters; an outbox row's state, error or outcome, not its lease.
_CHANGE_TRIGGERS: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    ("changes_job_added", "INSERT", "jobs", "job", "NEW.id", None),
    (
        "changes_job_changed",
        "UPDATE",
        "jobs",
        "job",
        "NEW.id",
        " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _VISIBLE_JOB_COLUMNS),
    ),
    ("changes_job_removed", "DELETE", "jobs", "job_removed", "OLD.id", None),
    ("changes_account_added", "INSERT", "accounts", "account", "NEW.id", None),
    ("changes_account_changed", "UPDATE", "accounts", "account", "NEW.id", None),
    ("changes_account_removed", "DELETE", "accounts", "account", "OLD.id", None),
    ("changes_settings_set", "INSERT", "settings", "settings", "NULL", None),
    ("changes_settings_changed", "UPDATE", "settings", "settings", "NULL", None),
    ("changes_settings_unset", "DELETE", "settings", "settings", "NULL", None),
    ("changes_account_settings_set", "INSERT", "account_settings", "settings", "NEW.account_id", None),
    ("changes_account_settings_changed", "UPDATE", "account_settings", "settings", "NEW.account_id", None),
    ("changes_account_settings_unset", "DELETE", "account_settings", "settings", "OLD.account_id", None),
    ("changes_outbox_added", "INSERT", "outbox", "outbox", "NEW.job", None),
    (
        "changes_outbox_changed",
        "UPDATE",
        "outbox",
        "outbox",
        "NEW.job",
        "OLD.state IS NOT NEW.state OR OLD.last_error IS NOT NEW.last_error OR OLD.outcome IS NOT NEW.outcome",
    ),
    ("changes_forward_added", "INSERT", "forwards", "forward", "NEW.id", None),
    ("changes_forward_changed", "UPDATE", "forwards", "forward", "NEW.id", None),
    ("changes_forward_removed", "DELETE", "forwards", "forward", "OLD.id", None),
)


def _round_seven(conn: sqlite3.Connection) -> None:
    """The store changes of issues 18-23, planned together (docs/ARCHITECTURE.md, "The store").

    - `outbox` (18, 21): after-end work as data, one row per action (a download, a command of a setting, a
      forward, a notification that must survive a restart), written in the ending's transaction; claimed by one
      process (PID and lease); its attempts, last error and outcome. A command's text is never stored: `ref` names
      the setting it came from (`account:on-end`, `app:on-end`, `watch:N` with `origin_pid`).
    - `changes` (19): a feed of what changed, kept by triggers, read from the last seen `seq`; pacing and rate state
      write nothing here.
    - `jobs.acknowledged_at`, `jobs.renotified_at` (21): a failure's alarm, acknowledged or told again after 24 h.
    - `forwards` (21): forwarding targets by name; the apprise URL itself is in the keyring or an environment
      variable, never here.
    - `accounts.vars` (22): an account's own variables for a defined provider's path ({owner}, {repo}), JSON.
    - `accounts.problem`, `accounts.problem_kind` (23): why an account cannot be checked (no key, wrong key,
      unreachable, locked keyring, rate-limited for long), for `account list --json` and every front.
    - `account_discovery.baseline_at` (20): when the first look (the baseline) was taken; null until one succeeded,
      so media created after `since` are found however late that look comes.
    """
    _run_script(
        conn,
        """
        CREATE TABLE outbox (
            id              INTEGER PRIMARY KEY,
            job             INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            kind            TEXT NOT NULL CHECK (kind IN ('download', 'command', 'forward', 'notify')),
            ref             TEXT,
            origin_pid      INTEGER,
            state           TEXT NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'running', 'done', 'failed', 'interrupted', 'unknown',
                                             'discarded')),
            claimed_by      INTEGER,
            lease_until     REAL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL,
            expires_at      REAL,
            target_name     TEXT,
            last_error      TEXT,
            outcome         TEXT,
            told            INTEGER NOT NULL DEFAULT 0,
            created_at      REAL NOT NULL,
            updated_at      REAL NOT NULL
        );
        CREATE INDEX outbox_open ON outbox (state, next_attempt_at) WHERE state IN ('pending', 'running');
        CREATE INDEX outbox_job ON outbox (job);
        CREATE TABLE changes (
            seq     INTEGER PRIMARY KEY AUTOINCREMENT,
            kind    TEXT NOT NULL CHECK (kind IN ('job', 'job_removed', 'account', 'settings', 'outbox', 'forward')),
            row     INTEGER
        );
        ALTER TABLE jobs ADD COLUMN acknowledged_at TEXT;
        ALTER TABLE jobs ADD COLUMN renotified_at TEXT;
        CREATE TABLE forwards (
            id          INTEGER PRIMARY KEY,
            name        TEXT NOT NULL UNIQUE,
            account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
            url_source  TEXT NOT NULL CHECK (url_source IN ('keyring', 'env')),
            url_env     TEXT,
            with_link   INTEGER NOT NULL DEFAULT 0,
            created_at  TEXT NOT NULL
        );
        ALTER TABLE accounts ADD COLUMN vars TEXT;
        ALTER TABLE accounts ADD COLUMN problem TEXT;
        ALTER TABLE accounts ADD COLUMN problem_kind TEXT;
        ALTER TABLE account_discovery ADD COLUMN baseline_at REAL
        """,
    )
    for name, event, table, kind, row, when in _CHANGE_TRIGGERS:
        condition = f" WHEN {when}" if when else ""
        # Every part is a constant of this module.
        conn.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table}{condition} "  # noqa: S608
            f"BEGIN INSERT INTO changes (kind, row) VALUES ('{kind}', {row}); END"
        )
    # Discovery switched on before this version has taken its first look already when it has a last look.
    conn.execute("UPDATE account_discovery SET baseline_at = last_look WHERE last_look IS NOT NULL")


def _listing_indexes(conn: sqlite3.Connection) -> None:
    """Indexes for reading a few jobs out of many (issue 19: a tray that starts as fast at 100,000 jobs as at 1,000).

    - `jobs_state_updated` (state, archived, updated_at): the tray's most recent endings per state and the ledger of
      unarchived jobs by state read the index, not every row. `archived` is not its first column on purpose: an
      index led by `archived` (0 in nearly every row) looked selective to SQLite and was chosen for every query on
      unarchived jobs, sorting all of them for the window's first page (measured: 9.6 ms instead of 0.1 ms at
      100,000 jobs).
    - `jobs_updated` (updated_at): the window's first page (newest change first, its default order) without a sort
      of every job.
    - `jobs_account_finished` (account_id, finished_at): the newest durations of one account (ETAs).
    """
    _run_script(
        conn,
        """
        CREATE INDEX jobs_state_updated ON jobs (state, archived, updated_at);
        CREATE INDEX jobs_updated ON jobs (updated_at);
        CREATE INDEX jobs_account_finished ON jobs (account_id, finished_at)
        """,
    )


# Each entry moves the schema from version i to i + 1; append only, never edit a shipped one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1,
    _v2,
    _v3,
    _settings_and_result_files,
    _discovery,
    _round_seven,
    _listing_indexes,
]
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path, busy_timeout_ms: int | None = None, check: bool = True) -> sqlite3.Connection:
    """Open (creating if needed), check and migrate the database at `path`.

    Args:
        path: the database file.
        busy_timeout_ms: how long a write waits for another program's lock before failing with StoreError.
        check: run `PRAGMA quick_check` so that a damaged file is found now, not halfway through a write.
    """
    timeout = BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data folder {path.parent}: {exc.strerror or exc}") from exc
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(path, timeout=timeout / 1000, isolation_level=None, factory=GuardedConnection)
        assert isinstance(conn, GuardedConnection)
        conn.path = path
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
        _use_wal(conn, timeout)
        # FULL: a status change that was reported to the user survives a power cut, not only a crash.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if check:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                forget_clean_close(path)
                raise StoreError(f"the database {path} is damaged ({str(verdict)[:100]})", corrupt=True)
        migrate(conn)
    except sqlite3.Error as exc:
        error = exc if isinstance(exc, StoreError) else store_error(exc, path)
        if conn is not None:
            if error.corrupt:
                # Closing the last connection deletes the -wal and -shm files, which may hold the newest data:
                # the caller moves them aside first and closes this afterwards.
                error.open_connection = conn
            else:
                conn.close()
        if error is exc:
            raise
        raise error from exc
    return conn


def _use_wal(conn: sqlite3.Connection, timeout_ms: float) -> None:
    """Switch a new file to WAL. Two first starts at once can both get SQLITE_BUSY here without SQLite's busy
    handler ever waiting (it will not wait where waiting could deadlock), so wait here, up to the busy timeout."""
    deadline = time.monotonic() + timeout_ms / 1000
    pause = 0.002
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except StoreError as exc:
            left = deadline - time.monotonic()
            if not exc.busy or left <= 0:
                raise
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.05)


def _user_version(conn: sqlite3.Connection) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the database was written by a newer JobTray (schema {version}, this one knows {SCHEMA_VERSION})"
        )
    return version


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema to SCHEMA_VERSION, all steps in one transaction.

    The version is read again under the write lock: another process starting at the same moment may have
    migrated while this one waited for the lock, and running a step twice fails (`table ... already exists`).
    """
    if _user_version(conn) == SCHEMA_VERSION:
        return  # the usual case, without taking the write lock
    with write_transaction(conn):
        for target in range(_user_version(conn), SCHEMA_VERSION):
            MIGRATIONS[target](conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def rollback_quietly(conn: sqlite3.Connection) -> None:
    """Undo an open transaction after a failure, without hiding that failure behind a second one."""
    if conn.in_transaction:
        # SQLite may already have rolled back (disk full); the original error is what matters.
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def describe(exc: sqlite3.Error, path: Path) -> str:
    """A one-line explanation of a database failure a user can act on."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return f"the database {path} is locked by another program; try again in a moment"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"the database {path} is damaged"
    if "readonly" in text or "read-only" in text:
        return f"the database {path} is read-only: check the permissions of {path.parent}"
    if "disk is full" in text or "full" in text:
        return f"the disk holding {path} is full: free some space; nothing was lost"
    if "unable to open" in text:
        return f"cannot open the database {path}: check that {path.parent} exists and is writable"
    if "disk i/o" in text:
        return f"cannot read or write the database {path} (disk I/O error)"
    return f"database error in {path}: {exc}"
