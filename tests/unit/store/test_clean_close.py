"""Opening skips the check of the whole file only when it is exactly as our last clean close left it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from desktop_app.core.model import Account, KeySource
from desktop_app.store.database import Store
from desktop_app.store.db import DB_FILENAME, StoreError


def _filled(folder: Path, jobs: int = 2000) -> None:
    with Store(folder) as store:
        account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="K"))
        with store.jobs.transaction():
            for n in range(jobs):
                store.jobs.add(account, f"{n:032d}")


def _garble(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.seek(path.stat().st_size * 3 // 4 // 4096 * 4096)
        handle.write(b"\xa5" * 4096 * 8)


def test_a_reopen_after_a_clean_close_skips_the_check(tmp_path: Path) -> None:
    with Store(tmp_path) as first:
        assert first.checked  # a new file: nothing vouches for it
    with Store(tmp_path) as second:
        assert not second.checked
    with Store(tmp_path, check=False) as unchecked:
        assert not unchecked.checked


def test_a_write_by_another_program_since_the_close_means_a_check(tmp_path: Path) -> None:
    with Store(tmp_path):
        pass
    other = sqlite3.connect(tmp_path / DB_FILENAME)
    other.execute("INSERT INTO settings (key, value) VALUES ('x', '1')")
    other.commit()
    other.close()
    with Store(tmp_path) as store:
        assert store.checked


def test_a_database_still_open_elsewhere_is_checked(tmp_path: Path) -> None:
    with Store(tmp_path):
        pass
    with Store(tmp_path) as held:
        held.conn.execute("INSERT INTO settings (key, value) VALUES ('x', '1')")
        with Store(tmp_path) as second:  # the first one's write-ahead log is there
            assert second.checked


def test_damage_seen_by_one_store_is_not_vouched_for_by_another_close(tmp_path: Path) -> None:
    _filled(tmp_path)
    path = tmp_path / DB_FILENAME
    tray = Store(tmp_path)  # opened unchecked (the last close was clean), as the tray after a restart
    assert not tray.checked
    with Store(tmp_path) as cli:  # another process reads while the tray runs
        _garble(path)
        cli.conn.execute("PRAGMA shrink_memory")
        with pytest.raises(StoreError, match="is damaged"):
            cli.conn.execute("SELECT * FROM jobs ORDER BY job_id").fetchall()
    tray.close()  # the last close: it must not mark the damaged file clean
    with Store(tmp_path) as after:
        assert after.checked and after.recovered_from is not None


def test_a_damaged_file_whose_time_was_kept_is_found_when_read_and_then_at_the_next_open(tmp_path: Path) -> None:
    """The one case the skipped check misses at open (bits changed without a write): SQLite reports it when it
    reads the page, and the next open checks and moves the file aside."""
    _filled(tmp_path)
    path = tmp_path / DB_FILENAME
    stat = path.stat()
    _garble(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with Store(tmp_path) as store:
        assert not store.checked
        with pytest.raises(StoreError, match="is damaged"):
            store.conn.execute("SELECT * FROM jobs ORDER BY job_id").fetchall()
    with Store(tmp_path) as after:
        assert after.checked and after.recovered_from is not None
