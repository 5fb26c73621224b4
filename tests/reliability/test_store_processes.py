"""The store shared by several real processes at once (the tray, `jobtray watch`, a cron'd `jobtray poll`): first
starts racing on a new file, another program's write lock, and the request budget every process draws from."""

from __future__ import annotations

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
