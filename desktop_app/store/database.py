"""The store as the rest of the app sees it: one connection, its repositories, and where the file lives."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import platformdirs

from desktop_app.store.accounts import AccountStore
from desktop_app.store.clock import Clock, utc_now
from desktop_app.store.db import DB_FILENAME, connect
from desktop_app.store.jobs import JobStore

DATA_DIR_ENV = "JOBTRAY_DATA_DIR"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """`--data-dir`, else $JOBTRAY_DATA_DIR, else the platform's user data folder."""
    if override:
        return Path(override).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_data_dir("JobTray", appauthor=False))


class Store:
    """The open database with its account and job repositories."""

    def __init__(self, folder: Path, clock: Clock = utc_now) -> None:
        self.folder = folder
        self.path = folder / DB_FILENAME
        self.conn: sqlite3.Connection = connect(self.path)
        self.accounts = AccountStore(self.conn, clock)
        self.jobs = JobStore(self.conn, clock)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
