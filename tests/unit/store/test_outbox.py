"""The outbox repository: rows of any kind, atomic claims across connections, outcomes, backoff, expiry, the
start-up repair (dead claimers), a person's discard and run-again."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Account, KeySource
from desktop_app.store.database import Store
from desktop_app.store.outbox import HUNG_AFTER_SECONDS, LINK_EXPIRED, OutboxAction, OutboxStore

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def opened(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    with Store(tmp_path / "d", clock=clock) as store:
        yield store


def _job(store: Store, job_id: str = "J1") -> int:
    if store.accounts.all():
        account = store.accounts.get("work")
    else:
        account = store.accounts.add(Account(name="work", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    job, _ = store.jobs.add(account, job_id)
    return job.id


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_rows_of_any_kind_are_added_and_listed_per_job(opened: Store) -> None:
    job = _job(opened)
    ids = opened.outbox.add_actions(
        job,
        [OutboxAction("download", "account:save-results", expires_at=T0.timestamp() + 60), OutboxAction("command")],
    )
    forward = opened.outbox.add(job, "forward", ref="forward:team")
    rows = opened.outbox.for_job(job)
    assert [r.id for r in rows] == [*ids, forward]
    assert [r.kind for r in rows] == ["download", "command", "forward"]
    assert all(r.state == "pending" and r.attempts == 0 for r in rows)
    assert opened.outbox.by_job()[job] == rows
    with pytest.raises(ConfigError):
        opened.outbox.add(job, "telegram")


def test_a_command_waits_for_its_job_s_download(opened: Store) -> None:
    job = _job(opened)
    download = opened.outbox.add(job, "download")
    command = opened.outbox.add(job, "command", ref="account:on-end")
    assert [r.id for r in opened.outbox.claim_due(100, 60)] == [download]
    assert opened.outbox.claim_due(100, 60) == []  # the download is running: the command is not due
    assert opened.outbox.finish(download, 100, "done", outcome="/r/a.pdf")
    (row,) = opened.outbox.claim_due(100, 60)
    assert row.id == command and row.state == "running" and row.claimed_by == 100 and row.attempts == 1


def test_two_connections_never_both_claim_a_row(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    with Store(folder) as first:
        job = _job(first)
        rows = [first.outbox.add(job, "command") for _ in range(40)]
    claimed: dict[int, list[int]] = {1: [], 2: []}
    barrier = threading.Barrier(2)

    def take(pid: int) -> None:
        with Store(folder, check=False) as store:
            barrier.wait()
            while batch := store.outbox.claim_due(pid, 60, limit=3):
                claimed[pid].extend(r.id for r in batch)

    threads = [threading.Thread(target=take, args=(pid,)) for pid in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed[1] + claimed[2]) == rows
    assert not set(claimed[1]) & set(claimed[2])


def test_a_watch_command_is_taken_only_by_its_watch(opened: Store) -> None:
    job = _job(opened)
    row = opened.outbox.add(job, "command", ref="watch:0", origin_pid=4242)
    assert opened.outbox.claim_due(777, 60) == []
    assert opened.outbox.claim(row, 777, 60) is None
    assert [r.id for r in opened.outbox.claim_due(4242, 60)] == [row]


def test_outcomes_backoff_and_expiry(opened: Store, clock: Clock) -> None:
    job = _job(opened)
    now = T0.timestamp()
    row = opened.outbox.add(job, "download", expires_at=now + 100)
    assert [r.id for r in opened.outbox.claim_due(1, 60)] == [row]
    assert opened.outbox.set_target_name(row, 1, "report.pdf")
    assert opened.outbox.finish(row, 1, "pending", error="connection reset", retry_at=now + 30)
    assert not opened.outbox.finish(row, 1, "done")  # no longer claimed by anyone
    assert opened.outbox.claim_due(1, 60) == []  # backing off
    assert opened.outbox.next_due(1) == now + 30
    clock.advance(30)
    (again,) = opened.outbox.claim_due(1, 60)
    assert again.attempts == 2 and again.target_name == "report.pdf" and again.last_error == "connection reset"
    assert opened.outbox.finish(row, 1, "pending", retry_at=now + 200)
    clock.advance(200)
    assert opened.outbox.claim_due(1, 60) == []  # the link died meanwhile
    expired = opened.outbox.get(row)
    assert expired.state == "failed" and expired.last_error == LINK_EXPIRED


def test_release_leaves_the_row_to_resume_without_counting_the_attempt(opened: Store) -> None:
    row = opened.outbox.add(_job(opened), "download")
    opened.outbox.claim_due(5, 60)
    assert opened.outbox.release(row, 5)
    got = opened.outbox.get(row)
    assert got.state == "pending" and got.attempts == 0 and got.claimed_by is None


def test_repair_resumes_downloads_and_never_reruns_commands(tmp_path: Path, clock: Clock) -> None:
    dead = _dead_pid()
    with Store(tmp_path / "d", clock=clock) as store:
        job = _job(store)
        now = T0.timestamp()
        download = store.outbox.add(job, "download", expires_at=now + 3600)
        late = store.outbox.add(_job(store, "J2"), "download", expires_at=now + 10)
        command = store.outbox.add(job, "command", ref="account:on-end")
        given = store.outbox.add(_job(store, "J3"), "command", ref="watch:0", origin_pid=dead)
        for row in (download, late):
            assert store.outbox.claim(row, dead, 600) is not None
        store.outbox.finish(download, dead, "pending")  # not ours any more: claim it again as the dead one
        store.outbox.claim(download, dead, 600)
        store.outbox.finish(late, dead, "pending")
        store.outbox.claim(late, dead, 600)
        mine = store.outbox.add(_job(store, "J4"), "download")
        store.outbox.claim(mine, 99, 600)
        # The command was started by the dead process (its download done first).
        store.conn.execute("UPDATE outbox SET state = 'running', claimed_by = ? WHERE id = ?", (dead, command))
        clock.advance(20)
        repair = OutboxStore(store.conn, clock, alive=lambda pid: pid == 99).repair(pid=99)
        assert [r.id for r in repair.resumed] == [download]
        assert [r.id for r in repair.expired] == [late]
        assert [r.id for r in repair.unknown] == [command]
        assert [r.id for r in repair.orphaned] == [given]
        states = {r: store.outbox.get(r).state for r in (download, late, command, given, mine)}
        assert states == {download: "pending", late: "failed", command: "unknown", given: "failed", mine: "running"}
        assert store.outbox.get(late).last_error == LINK_EXPIRED
        assert not OutboxStore(store.conn, clock, alive=lambda pid: pid == 99).repair(pid=99)  # once
        assert [r.id for r in store.outbox.claim_due(99, 60)] == [download]


def test_a_long_lapsed_lease_is_repaired_even_when_its_pid_was_reused(opened: Store, clock: Clock) -> None:
    row = opened.outbox.add(_job(opened), "download")
    opened.outbox.claim(row, 321, 60)
    store = OutboxStore(opened.conn, clock, alive=lambda pid: True)
    assert not store.repair(pid=1)
    opened.outbox.renew(321, 60)
    clock.advance(59)
    assert not store.repair(pid=1)  # renewed: still within its lease
    clock.advance(2 + HUNG_AFTER_SECONDS)
    assert [r.id for r in store.repair(pid=1).resumed] == [row]


def test_a_live_claimer_that_slept_past_its_lease_keeps_its_row(opened: Store, clock: Clock) -> None:
    """A suspended laptop: the claimer is alive and renews as soon as it wakes; another process taking the row over
    meanwhile would download it a second time into the same `.part` (found in review)."""
    row = opened.outbox.add(_job(opened), "download")
    opened.outbox.claim(row, 321, 120)
    store = OutboxStore(opened.conn, clock, alive=lambda pid: True)
    clock.advance(120 + 15 * 60)  # fifteen minutes asleep past the lease
    assert not store.repair(pid=1)
    assert opened.outbox.renew(321, 120) == 1  # it wakes, renews, and still owns its work
    assert opened.outbox.get(row).claimed_by == 321


def test_discard_and_run_again(opened: Store) -> None:
    job = _job(opened)
    command = opened.outbox.add(job, "command", ref="account:on-end")
    given = opened.outbox.add(job, "command", ref="watch:1", origin_pid=7)
    opened.outbox.claim(command, 7, 60)
    opened.outbox.finish(command, 7, "interrupted", error="stopped by JobTray's own stop")
    again = opened.outbox.run_again(command)
    assert again.state == "pending" and again.claimed_by is None
    with pytest.raises(ConfigError, match="nothing to run again"):
        opened.outbox.run_again(command)
    opened.outbox.claim(given, 7, 60)
    opened.outbox.finish(given, 7, "interrupted")
    with pytest.raises(ConfigError, match="watch --on-end"):
        opened.outbox.run_again(given)
    assert opened.outbox.discard(given).state == "discarded"
    with pytest.raises(ConfigError, match="discarded already"):
        opened.outbox.discard(given)
    assert [r.id for r in opened.outbox.for_job(job)] == [command]
    with pytest.raises(ConfigError, match="no after-end work"):
        opened.outbox.get(999)


def test_the_command_text_is_never_stored(opened: Store) -> None:
    job = _job(opened)
    opened.outbox.add_actions(job, [OutboxAction("command", "account:on-end")])
    text = " ".join(str(v) for r in opened.conn.execute("SELECT * FROM outbox") for v in tuple(r))
    assert "account:on-end" in text and "sh -c" not in text


def test_a_fresh_start_under_a_reused_pid_repairs_what_the_old_process_left(opened: Store) -> None:
    job = _job(opened)
    download = opened.outbox.add(job, "download")
    given = opened.outbox.add(job, "command", ref="watch:0", origin_pid=50)
    opened.outbox.claim(download, 50, 600)
    assert not opened.outbox.repair(pid=50)  # while running: its own rows are its own
    repair = opened.outbox.repair(pid=50, fresh=True)  # a new process that got PID 50
    assert [r.id for r in repair.resumed] == [download]
    assert [r.id for r in repair.orphaned] == [given]  # its `watch:0` is not this process's first --on-end


def test_rows_settled_for_good_are_forgotten_after_a_month(opened: Store, clock: Clock) -> None:
    """One row per action of every ending: without pruning the table grows for ever (found in review)."""
    job = _job(opened)
    done, discarded, failed = (opened.outbox.add(job, "download") for _ in range(3))
    for row in (done, discarded, failed):
        opened.outbox.claim(row, 321, 60)
    opened.outbox.finish(done, 321, "done")
    opened.outbox.discard(discarded)
    opened.outbox.finish(failed, 321, "failed", error="gone")
    clock.advance(29 * 86400)
    assert opened.outbox.prune() == 0
    clock.advance(2 * 86400)
    assert opened.outbox.prune() == 2
    assert [row.id for row in opened.outbox.for_job(job)] == [failed]  # still waits for a person
