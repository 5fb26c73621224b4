"""The database file: connection settings and `PRAGMA user_version` migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from desktop_app.core.errors import JobTrayError

DB_FILENAME = "jobtray.sqlite3"
BUSY_TIMEOUT_MS = 5000


class StoreError(JobTrayError):
    """The database cannot be used (locked, corrupt, read-only, disk full)."""


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


# Each entry moves the schema from version i to i + 1; append only, never edit a shipped one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a status change that was reported to the user survives a power cut, not only a crash.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(describe(exc, path)) from exc
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the database was written by a newer JobTray (schema {version}, this one knows {SCHEMA_VERSION})"
        )
    for target in range(version, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[target](conn)
            conn.execute(f"PRAGMA user_version = {target + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def describe(exc: sqlite3.Error, path: Path) -> str:
    """A one-line explanation of a database failure a user can act on."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return f"the database {path} is locked by another program; try again in a moment"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"the database {path} is damaged"
    if "readonly" in text or "read-only" in text:
        return f"the database {path} is read-only"
    if "disk is full" in text or "full" in text:
        return f"the disk holding {path} is full"
    if "unable to open" in text:
        return f"cannot open the database {path}"
    return f"database error in {path}: {exc}"
