"""The store shared by several real processes at once (the tray, `jobtray watch`, a cron'd `jobtray poll`): first
starts racing on a new file, another program's write lock, and the request budget every process draws from."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import subprocess_env

_PRELUDE = """
import json, sys, time
from pathlib import Path
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store.database import Store
from desktop_app.store.db import StoreError

def sleep_until(at):
    # Sleep most of the way, then spin: processes woken by a timer alone start milliseconds apart.
    left = at - time.time()
    if left > 0.003:
        time.sleep(left - 0.003)
    while time.time() < at:
        pass
"""


def _python(code: str, *args: object) -> subprocess.Popen[str]:
    """A child `python -c` running `code` (after the prelude above) with `args` in sys.argv[1:]."""
    script = _PRELUDE + textwrap.dedent(code)
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    )


@contextmanager
def _children(*procs: subprocess.Popen[str]) -> Iterator[None]:
    try:
        yield
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def _output(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return out


# ---- first starts racing ----------------------------------------------------------------------------------------

_OPEN_ROUNDS = """
base, start, rounds, step = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
failures = []
for r in range(rounds):
    sleep_until(start + r * step)
    try:
        with Store(base / f"round{r}", busy_timeout_ms=5000) as store:
            store.accounts.all()
            if store.recovered_from is not None:  # a half-made file taken for a damaged one
                failures.append(f"round {r}: moved aside as {store.recovered_from}")
    except Exception as exc:  # everything a first start could raise counts, not only StoreError
        failures.append(f"round {r}: {type(exc).__name__}: {exc}")
print(json.dumps(failures))
"""


def test_four_first_starts_at_once_on_a_new_folder_all_succeed(tmp_path: Path) -> None:
    """Four processes open a Store on the same brand-new folder at the same moment, twenty rounds over.

    Before the migration held the write lock while reading user_version, 8 to 50 of 80 opens failed here with
    `table accounts already exists` or a `database is locked` from `PRAGMA journal_mode = WAL`.
    """
    rounds, step, processes = 20, 0.15, 4
    start = time.time() + 1.0  # every child has imported the package by then
    procs = [_python(_OPEN_ROUNDS, tmp_path, start, rounds, step) for _ in range(processes)]
    with _children(*procs):
        failures = [f for proc in procs for f in json.loads(_output(proc))]
    assert failures == []
    from desktop_app.store.database import Store
    from desktop_app.store.db import SCHEMA_VERSION

    for r in range(rounds):
        with Store(tmp_path / f"round{r}") as store:
            assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# ---- another process holds the write lock -----------------------------------------------------------------------

_HOLD_LOCK = """
import sqlite3
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
conn.close()
"""


def _new_store_with_job(folder: Path) -> int:
    from desktop_app.core.model import Account, KeySource
    from desktop_app.store.database import Store

    with Store(folder) as store:
        account = store.accounts.add(Account(name="acme", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
        job, _ = store.jobs.add(account, "J")
        return job.id


def test_a_write_blocked_by_another_process_fails_busy_then_succeeds_once_released(tmp_path: Path) -> None:
    from desktop_app.core.model import JobState, Status
    from desktop_app.store.database import Store
    from desktop_app.store.db import DB_FILENAME, StoreError

    row_id = _new_store_with_job(tmp_path)
    holder = _python(_HOLD_LOCK, tmp_path / DB_FILENAME, 1.5)
    with _children(holder), Store(tmp_path, busy_timeout_ms=300) as store:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        running = Status("J", JobState.RUNNING, "working")
        writes = {
            "record_status": lambda: store.jobs.record_status(row_id, running),
            "record_error": lambda: store.jobs.record_error(row_id, "timeout"),
            "set_error": lambda: store.accounts.set_error("acme", "bad key"),
        }
        for name, write in writes.items():
            started = time.monotonic()
            try:
                write()
            except StoreError as exc:
                waited = time.monotonic() - started
                assert exc.busy and not exc.corrupt, name
                assert (
                    str(exc)
                    == f"the database {tmp_path / DB_FILENAME} is locked by another program; try again in a moment"
                )
                assert waited >= 0.25, (name, waited)  # waited the busy timeout (a lower bound holds under load)
            else:
                raise AssertionError(f"{name} wrote through another process's lock")
            assert not store.conn.in_transaction
        assert store.jobs.get(row_id).state == JobState.QUEUED  # nothing half-written
        _output(holder)  # the lock is released when it ends
        change = store.jobs.record_status(row_id, running)
        assert change is not None and change.new_state == JobState.RUNNING


def test_other_store_errors_are_not_busy(tmp_path: Path) -> None:
    from desktop_app.store.database import Store
    from desktop_app.store.db import StoreError

    with Store(tmp_path) as store:
        store.conn.execute("PRAGMA query_only = ON")
        try:
            store.accounts.set_error("acme", "x")
        except StoreError as exc:
            assert not exc.busy and "read-only" in str(exc)
        else:
            raise AssertionError("a write went through query_only")


# ---- the same news recorded by two processes --------------------------------------------------------------------

_RECORD_AND_HOLD = """
folder, row_id, hold = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
with Store(folder) as store:
    with store.jobs.transaction():
        change = store.jobs.record_status(row_id, Status("J", JobState.SUCCEEDED, "success"))
        print("recorded" if change else "no change", flush=True)
        time.sleep(hold)  # committed only after the other process has read the job
"""


def test_the_same_news_recorded_by_two_processes_is_one_change(tmp_path: Path) -> None:
    """The tray and a cron'd `poll` both see a job finish. Before, record_status read the job before taking the
    lock: both saw it running, both reported "finished" (two notifications) and wrote two history rows."""
    from desktop_app.core.model import JobState, Status
    from desktop_app.store.database import Store

    row_id = _new_store_with_job(tmp_path)
    other = _python(_RECORD_AND_HOLD, tmp_path, row_id, 0.5)
    with _children(other), Store(tmp_path, busy_timeout_ms=5000) as store:
        assert other.stdout is not None and other.stdout.readline() == "recorded\n"
        change = store.jobs.record_status(row_id, Status("J", JobState.SUCCEEDED, "success"))
        _output(other)
        assert change is None
        assert [h.state for h in store.jobs.history(row_id)] == [JobState.QUEUED, JobState.SUCCEEDED]


# ---- one request budget for every process -----------------------------------------------------------------------

_RESERVE_LOOP = """
folder, start, seconds, spacing = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
taken, waits = [], 0
with Store(folder, busy_timeout_ms=5000) as store:
    sleep_until(start)
    while time.time() < start + seconds:
        now = time.time()
        if store.accounts.reserve_request("acme", spacing, now) == 0.0:
            taken.append(now)
        else:
            waits += 1
print(json.dumps({"taken": taken, "waits": waits}))
"""


def test_two_processes_reserving_in_a_tight_loop_stay_spacing_apart(tmp_path: Path) -> None:
    _new_store_with_job(tmp_path)
    spacing, seconds = 0.1, 1.0
    start = time.time() + 0.8
    procs = [_python(_RESERVE_LOOP, tmp_path, start, seconds, spacing) for _ in range(2)]
    with _children(*procs):
        results = [json.loads(_output(proc)) for proc in procs]
    assert all(r["waits"] > 0 for r in results)  # both really competed for slots
    taken = sorted(t for r in results for t in r["taken"])
    # Each slot was reserved at a time >= the previous one + spacing (the same float sum the store saved).
    too_close = [(a, b) for a, b in itertools.pairwise(taken) if b < a + spacing]
    assert too_close == []
    assert 8 <= len(taken) <= 11, taken  # about seconds / spacing: the budget was used, not starved


_SET_WAIT = """
with Store(Path(sys.argv[1])) as store:
    store.accounts.set_server_wait("acme", float(sys.argv[2]), "rate limited: Retry-After 120 s")
"""

_READ_WAIT = """
with Store(Path(sys.argv[1])) as store:
    print(json.dumps(store.accounts.server_wait("acme", float(sys.argv[2]))))
"""


def test_a_server_wait_set_by_one_process_is_honoured_by_the_next(tmp_path: Path) -> None:
    _new_store_with_job(tmp_path)
    now = time.time()
    setter = _python(_SET_WAIT, tmp_path, now + 120)
    with _children(setter):
        _output(setter)
    readers = [_python(_READ_WAIT, tmp_path, now + 60), _python(_READ_WAIT, tmp_path, now + 121)]
    with _children(*readers):
        during, after = (json.loads(_output(reader)) for reader in readers)
    assert during == [now + 120, "rate limited: Retry-After 120 s"]
    assert after is None
