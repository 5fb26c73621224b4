"""The database under stress: a damaged file is moved aside and a new one started, a locked one waits then fails
clearly, a read-only folder or a full disk is reported, and none of it is a crash."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cli import commands as cli
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store import db as store_db
from desktop_app.store.database import CORRUPT_SUFFIX, Store
from desktop_app.store.db import DB_FILENAME, StoreError
from tests.conftest import subprocess_env


def _account(store: Store, name: str = "acme") -> Account:
    return store.accounts.add(Account(name=name, provider="pdfco", key_source=KeySource.ENV, key_env="K"))


def _fill(folder: Path, jobs: int = 50) -> None:
    with Store(folder) as store:
        account = _account(store)
        with store.jobs.transaction():
            for i in range(jobs):
                store.jobs.add(account, f"{i:032d}")


def _damage(path: Path) -> None:
    """Overwrite the middle of the file with junk: the header survives, the b-tree pages do not."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(4096)
        handle.write(os.urandom(max(4096, size - 8192)))


def _corrupt_copies(folder: Path) -> list[Path]:
    """The kept main files (not their -wal/-shm companions)."""
    return sorted(p for p in folder.iterdir() if CORRUPT_SUFFIX in p.name and p.name.endswith("Z"))


# ---- damaged ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["not_sqlite", "garbled_pages", "truncated"])
def test_a_damaged_database_is_moved_aside_kept_and_replaced(tmp_path: Path, damage: str) -> None:
    path = tmp_path / DB_FILENAME
    if damage == "not_sqlite":
        path.write_bytes(b"this is not sqlite" * 1000)
    else:
        _fill(tmp_path, 400)
        if damage == "garbled_pages":
            _damage(path)
        else:
            with path.open("r+b") as handle:
                handle.truncate(path.stat().st_size // 3)
    original = path.read_bytes()
    with Store(tmp_path) as store:
        assert store.recovered_from is not None
        assert store.recovered_from.parent == tmp_path and CORRUPT_SUFFIX in store.recovered_from.name
        assert store.recovered_from.read_bytes() == original  # kept byte for byte
        assert store.recovery_message and str(store.recovered_from) in store.recovery_message
        assert store.accounts.all() == [] and store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        _account(store)  # the new one works
    with Store(tmp_path) as again:
        assert again.recovered_from is None and [a.name for a in again.accounts.all()] == ["acme"]
    assert len(_corrupt_copies(tmp_path)) == 1


def test_the_wal_and_shm_files_go_aside_with_it(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    path.write_bytes(b"junk" * 4096)
    (tmp_path / f"{DB_FILENAME}-wal").write_bytes(b"wal bytes")
    (tmp_path / f"{DB_FILENAME}-shm").write_bytes(b"shm bytes")
    with Store(tmp_path) as store:
        moved = store.recovered_from
        assert moved is not None
    assert (tmp_path / f"{moved.name}-wal").read_bytes() == b"wal bytes"
    assert (tmp_path / f"{moved.name}-shm").exists()  # SQLite rewrites the index; its content does not matter


def test_a_healthy_database_is_never_moved(tmp_path: Path) -> None:
    _fill(tmp_path)
    for _ in range(3):
        with Store(tmp_path) as store:
            assert store.recovered_from is None and len(store.jobs.all()) == 50
    assert _corrupt_copies(tmp_path) == []


def test_the_cli_says_once_that_it_started_afresh(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / DB_FILENAME).write_bytes(b"garbage" * 2000)
    run = [sys.executable, "-m", "desktop_app", "list"]
    first = subprocess.run(run, capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert first.returncode == 0, first.stderr
    assert first.stderr.count("\n") == 1 and "warning" in first.stderr and CORRUPT_SUFFIX in first.stderr
    assert "Traceback" not in first.stderr
    second = subprocess.run(run, capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert second.returncode == 0 and second.stderr == ""
    assert len(_corrupt_copies(data_dir)) == 1, sorted(p.name for p in data_dir.iterdir())


def test_damage_found_while_reading_rows_is_a_store_error(tmp_path: Path) -> None:
    """Rows are read lazily: a page damaged after the store opened (another program, a failing disk) is found
    while iterating, after `execute` returned. That was a bare sqlite3.DatabaseError (a traceback)."""
    _fill(tmp_path, 2000)
    path = tmp_path / DB_FILENAME
    with Store(tmp_path) as store:
        with path.open("r+b") as handle:
            handle.seek(path.stat().st_size * 3 // 4 // 4096 * 4096)
            handle.write(b"\xa5" * 4096 * 8)
        store.conn.execute("PRAGMA shrink_memory")  # drop the pages quick_check left in the cache
        with pytest.raises(StoreError, match="is damaged") as caught:
            store.jobs.open_jobs()
        assert caught.value.corrupt and not caught.value.busy
        with pytest.raises(StoreError, match="is damaged"):
            store.conn.execute("SELECT * FROM jobs ORDER BY id").fetchall()
    with Store(tmp_path) as store:  # the next start moves it aside
        assert store.recovered_from is not None


# ---- locked -----------------------------------------------------------------------------------------------------


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """Another program holds the write lock on the database."""
    _fill(tmp_path, 1)
    other = sqlite3.connect(tmp_path / DB_FILENAME, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield tmp_path
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_locked_database_waits_then_fails_clearly(locked: Path) -> None:
    with Store(locked, busy_timeout_ms=300) as store:
        assert len(store.jobs.all()) == 1  # reading still works under WAL
        account = store.accounts.get("acme")
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked by another program") as caught:
            store.jobs.add(account, "B" * 32)
        waited = time.monotonic() - started
        assert waited >= 0.25, waited  # it waited its busy timeout first (a lower bound: load cannot break it)
        assert isinstance(caught.value, sqlite3.Error)  # callers catching sqlite3 errors still do
        assert not caught.value.corrupt
        assert not store.conn.in_transaction
    assert _corrupt_copies(locked) == []  # a lock is never mistaken for damage


def test_a_lock_released_in_time_is_waited_for(tmp_path: Path) -> None:
    _fill(tmp_path, 1)
    other = sqlite3.connect(tmp_path / DB_FILENAME, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    with Store(tmp_path, busy_timeout_ms=5000) as store:
        account = store.accounts.get("acme")
        import threading

        threading.Timer(0.3, lambda: (other.execute("ROLLBACK"), other.close())).start()
        _, created = store.jobs.add(account, "C" * 32)
        assert created


def test_the_cli_reports_a_lock_in_one_line(locked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 200)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--data-dir", str(locked), "add", "--account", "acme", "D" * 32], out=out, err=err)
    assert code == cli.EXIT_ERROR
    assert err.getvalue().startswith("jobtray: error: the database") and "locked" in err.getvalue()
    assert err.getvalue().count("\n") == 1


# ---- read-only and full -----------------------------------------------------------------------------------------


def _chmod_restricts(folder: Path) -> bool:
    probe = folder / "probe"
    try:
        probe.write_text("x")
    except OSError:
        return True
    probe.unlink()
    return False


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "ro"
    folder.mkdir()
    _fill(folder, 3)
    for path in folder.iterdir():
        path.chmod(0o444)
    folder.chmod(0o555)
    try:
        if not _chmod_restricts(folder):
            pytest.skip("running as root (or on a file system that ignores modes): chmod does not restrict writes")
        yield folder
    finally:
        folder.chmod(0o755)
        for path in folder.iterdir():
            path.chmod(0o644)


def test_a_read_only_data_folder_is_reported_not_fatal(read_only_folder: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--data-dir", str(read_only_folder), "list"], out=out, err=err)
    assert code == cli.EXIT_ERROR
    assert err.getvalue().startswith("jobtray: error: ") and err.getvalue().count("\n") == 1
    assert "read-only" in err.getvalue() or "cannot open" in err.getvalue()
    assert _corrupt_copies(read_only_folder) == []


def test_a_missing_unwritable_parent_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the data folder"):
        Store(blocker / "data")


def test_a_read_only_database_file_is_reported_on_write(tmp_path: Path) -> None:
    """Independent of root: SQLite's own read-only mode makes every write fail the way a read-only disk does."""
    _fill(tmp_path, 1)
    with Store(tmp_path) as store:
        store.conn.execute("PRAGMA query_only = ON")
        with pytest.raises(StoreError, match="read-only"):
            store.jobs.add(store.accounts.get("acme"), "E" * 32)
        assert not store.conn.in_transaction
        store.conn.execute("PRAGMA query_only = OFF")
        assert store.jobs.add(store.accounts.get("acme"), "E" * 32)[1]


def test_a_full_disk_is_reported_and_the_store_keeps_working(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        account = _account(store)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        added = 0
        with pytest.raises(StoreError, match="full") as caught:
            for i in range(10_000):
                with store.jobs.transaction():
                    job, _ = store.jobs.add(account, f"{i:032d}")
                    store.jobs.record_status(job.id, Status(job.job_id, JobState.RUNNING, "working", message="x" * 500))
                added += 1
        assert not caught.value.corrupt and not store.conn.in_transaction
        assert len(store.jobs.all()) == added  # everything committed before the disk filled is there
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        store.conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
        store.jobs.add(account, "F" * 32)
        assert len(store.jobs.all()) == added + 1


def test_a_full_disk_during_a_poll_is_one_clear_cli_error(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(data_dir) as store:
        _account(store)
    original = store_db.connect

    def tiny_disk(path: Path, busy_timeout_ms: int | None = None, check: bool = True) -> sqlite3.Connection:
        conn = original(path, busy_timeout_ms, check)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr("desktop_app.store.database.connect", tiny_disk)
    out, err = io.StringIO(), io.StringIO()
    ids = [f"{i:032d}" for i in range(300)]
    code = cli.main(["add", "--account", "acme", "--label", "x" * 200, *ids], out=out, err=err)
    assert code == cli.EXIT_ERROR
    assert err.getvalue().startswith("jobtray: error: the disk holding") and err.getvalue().count("\n") == 1
