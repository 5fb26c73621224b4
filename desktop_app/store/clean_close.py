"""Whether the database file is exactly as our last clean close left it, so that opening it may skip the check.

`PRAGMA quick_check` reads the whole file: ~1 ms at 1,000 jobs, 30-45 ms at 100,000, on every start of the tray
and every CLI command. After a clean close (the last connection gone, SQLite's write-ahead log checkpointed and
deleted) the store writes the file's size and modification time beside it (`jobtray.sqlite3.clean`). An open that
finds the file with that same size and time and no write-ahead log knows nobody has written it since, so the
bytes are those SQLite itself left: the check is skipped. Anything else (a crash, another program's write, a copy,
a restore, any damage SQLite reported while reading) means the check runs, as before.

What this does not catch at open, and the check alone did: bits that rot on the disk without the file being
written. SQLite still reports those when it reads the page (a StoreError saying the file is damaged), and that
writes a "damaged" mark: no close marks the file clean again unless its own open checked the file after that
mark was written, so the next open checks it and moves it aside, whichever process saw the damage.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

MARK_SUFFIX = ".clean"


def _mark(path: Path) -> Path:
    return path.with_name(path.name + MARK_SUFFIX)


def _signature(path: Path) -> dict[str, int] | None:
    """The file's size and modification time, or None while a write-ahead log or rollback journal exists."""
    if any(path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-journal")):
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def closed_clean(path: Path) -> bool:
    """True when the file is as our last clean close left it (no write since, no log beside it)."""
    signature = _signature(path)
    if signature is None:
        return False
    try:
        recorded = json.loads(_mark(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(recorded == signature)


def record_clean_close(path: Path, checked_since_ns: int | None) -> None:
    """After our connection closed: mark the file clean if ours was the last connection (no log left).

    `checked_since_ns`: when (time.time_ns()) this connection's open began the check of the whole file, or None if
    it did not check; a "damaged" mark written since then (by anyone) stays.
    """
    signature = _signature(path)
    if signature is None:
        return  # another connection is still open (its close will mark it), or the close did not checkpoint
    mark = _mark(path)
    try:
        damaged = json.loads(mark.read_text(encoding="utf-8")).get("damaged")
        if damaged and (checked_since_ns is None or mark.stat().st_mtime_ns >= checked_since_ns):
            return
    except (OSError, ValueError, AttributeError):
        pass  # no mark, or not one of ours: written afresh below
    _write(mark, signature)


def forget_clean_close(path: Path) -> None:
    """Damage was seen: the next open checks the whole file, whoever closes the database before it."""
    _write(_mark(path), {"damaged": True})


def _write(mark: Path, content: Mapping[str, object]) -> None:
    partial = mark.with_name(mark.name + ".part")
    try:
        partial.write_text(json.dumps(dict(content)), encoding="utf-8")
        os.replace(partial, mark)
    except OSError:
        for stale in (mark, partial):  # a full disk: no mark at all, so the next open checks
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)
