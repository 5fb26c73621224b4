"""The store as the rest of the app sees it: one connection, its repositories, and where the file lives."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from desktop_app.store.accounts import AccountStore
from desktop_app.store.changes import ChangeFeed
from desktop_app.store.clean_close import closed_clean, record_clean_close
from desktop_app.store.clock import Clock, utc_now
from desktop_app.store.db import DB_FILENAME, StoreError, connect
from desktop_app.store.discovery import DiscoveryStore
from desktop_app.store.forwards import ForwardStore
from desktop_app.store.jobs import JobStore
from desktop_app.store.outbox import OutboxStore
from desktop_app.store.settings import SettingsStore

log = logging.getLogger(__name__)

DATA_DIR_ENV = "JOBTRAY_DATA_DIR"
CORRUPT_SUFFIX = ".corrupt-"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """`--data-dir`, else $JOBTRAY_DATA_DIR, else the platform's user data folder."""
    if override:
        return Path(override).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_data_dir("JobTray", appauthor=False))


def move_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename a damaged database and its -wal/-shm files to `<name>.corrupt-<UTC time>`; they are kept, never
    deleted, so the user (or we) can try to recover them. Returns the new path of the main file."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}{CORRUPT_SUFFIX}{stamp}")
    path.rename(target)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    return target


class Store:
    """The open database with its account and job repositories.

    A damaged database file is moved aside (see `move_aside`) and a fresh one started; `recovered_from` then names
    the kept file so the CLI and the tray can tell the user. Every other database failure is a StoreError.

    `check=False` skips `PRAGMA quick_check` (a read of the whole file): for a second connection of a process whose
    own store has checked the database already. With `check=True` it is skipped too when the file is exactly as
    our last clean close left it (store/clean_close.py).

    Attributes:
        recovered_from: where the damaged database was moved when this Store had to start afresh, else None.
        checked: whether this open ran `PRAGMA quick_check`.
    """

    def __init__(
        self, folder: Path, clock: Clock = utc_now, busy_timeout_ms: int | None = None, check: bool = True
    ) -> None:
        self.folder = folder
        self.path = folder / DB_FILENAME
        self.recovered_from: Path | None = None
        self.checked = check and not closed_clean(self.path)
        self._checked_since_ns = time.time_ns() if self.checked else None
        try:
            self.conn: sqlite3.Connection = connect(self.path, busy_timeout_ms, self.checked)
        except StoreError as exc:
            if not exc.corrupt or not self.path.exists():
                exc.close_connection()
                raise
            try:
                # Moved while SQLite still has the files open (POSIX allows it): closing would delete the WAL.
                self.recovered_from = move_aside(self.path)
            except OSError:
                exc.close_connection()  # Windows will not rename open files; retry once closed
                try:
                    self.recovered_from = move_aside(self.path)
                except OSError as move_exc:
                    raise StoreError(f"{exc}; it could not be moved aside either ({move_exc.strerror})") from exc
            finally:
                exc.close_connection()
            # INFO: the user is told by whoever opened the store (CLI line, tray notification), not twice.
            log.info("the database %s was damaged: kept as %s, starting a new one", self.path, self.recovered_from)
            self.checked = check
            self._checked_since_ns = time.time_ns() if check else None
            self.conn = connect(self.path, busy_timeout_ms, check)
        self.discovery = DiscoveryStore(self.conn)
        self.changes = ChangeFeed(self.conn)
        self.accounts = AccountStore(self.conn, clock)
        self.jobs = JobStore(self.conn, clock)
        self.outbox = OutboxStore(self.conn, clock)
        self.settings = SettingsStore(self.conn)
        self.forwards = ForwardStore(self.conn, clock)

    @property
    def recovery_message(self) -> str | None:
        """One line for the user when the database had to be started afresh."""
        if self.recovered_from is None:
            return None
        return (
            f"the job database was damaged and could not be read; it was kept as {self.recovered_from} and a new, "
            "empty one was started (add your accounts and jobs again)"
        )

    def close(self) -> None:
        self.conn.close()
        record_clean_close(self.path, self._checked_since_ns)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
