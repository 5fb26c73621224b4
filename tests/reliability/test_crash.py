"""SIGKILL in the middle of heavy writes, many times: the database stays intact and every commit survives."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.store.database import Store

# The child: adds jobs, each with a burst of status changes, one transaction per job; prints after each commit.
WRITER = r"""
import sys
from pathlib import Path
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store.database import Store

folder, tag = Path(sys.argv[1]), sys.argv[2]
store = Store(folder)
names = {a.name for a in store.accounts.all()}
account = store.accounts.get("acct") if "acct" in names else store.accounts.add(
    Account(name="acct", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
states = [JobState.RUNNING, JobState.QUEUED]
print("ready", flush=True)
i = 0
while True:
    job_id = f"{tag}-{i:06d}"
    with store.jobs.transaction():
        job, _ = store.jobs.add(account, job_id, label="crash test " * 5)
        for n in range(20):
            store.jobs.record_status(job.id, Status(job_id, states[n % 2], f"step {n}", float(n), "m" * 200))
    print("committed", job_id, flush=True)
    i += 1
"""

KILLS = 20


def _run_and_kill(folder: Path, tag: str, rng: random.Random) -> set[str]:
    """Start a writer, let it commit for a random moment, SIGKILL it; the job IDs it reported committed."""
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder), tag],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    committed: set[str] = set()
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        os.set_blocking(child.stdout.fileno(), True)
        time.sleep(rng.uniform(0.05, 0.35))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        for line in child.stdout:
            parts = line.split()
            if len(parts) == 2 and parts[0] == "committed":
                committed.add(parts[1])
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return committed


@pytest.mark.slow
def test_sigkill_during_heavy_writes_loses_nothing_committed(tmp_path: Path) -> None:
    rng = random.Random(7)  # noqa: S311 - kill timing, not cryptography
    committed: set[str] = set()
    for round_no in range(KILLS):
        committed |= _run_and_kill(tmp_path, f"r{round_no:02d}", rng)
        with Store(tmp_path) as store:
            assert store.recovered_from is None, "a killed writer left a database we could not open"
            assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            present = {job.job_id for job in store.jobs.all()}
            missing = committed - present
            assert not missing, f"after kill {round_no + 1}: {len(missing)} committed job(s) lost"
            # No half-written job: each one present has its whole burst of history (1 added + 20 changes).
            for job in store.jobs.all()[-3:]:
                assert len(store.jobs.history(job.id)) == 21
    assert len(committed) >= KILLS, f"only {len(committed)} commits in {KILLS} runs: the test did not write much"
