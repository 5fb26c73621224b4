"""The store on a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.core.transitions import Event
from desktop_app.store.database import Store
from desktop_app.store.db import SCHEMA_VERSION, StoreError


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _account(store: Store, name: str = "acme") -> Account:
    return store.accounts.add(Account(name=name, provider="pdfco", key_source=KeySource.ENV, key_env="PDFCO_KEY"))


def test_a_new_file_is_migrated_to_the_current_schema(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"accounts", "jobs", "job_history"} <= tables


def test_data_survives_close_and_reopen(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        account = _account(store)
        job, _ = store.jobs.add(account, "JOB1", "first")
        store.jobs.record_status(job.id, Status("JOB1", JobState.RUNNING, "working"))
    with Store(tmp_path) as store:
        (job,) = store.jobs.all()
        assert (job.job_id, job.label, job.state, job.account) == ("JOB1", "first", JobState.RUNNING, "acme")
        assert [h.state for h in store.jobs.history(job.id)] == [JobState.QUEUED, JobState.RUNNING]


def test_adding_a_job_twice_does_not_duplicate_it(store: Store) -> None:
    account = _account(store)
    first, created = store.jobs.add(account, "JOB1")
    again, created_again = store.jobs.add(account, "JOB1", "labelled later")
    assert created and not created_again
    assert first.id == again.id and again.label == "labelled later"
    assert len(store.jobs.all()) == 1


def test_the_same_job_id_in_two_accounts_is_two_jobs(store: Store) -> None:
    a, b = _account(store, "a"), _account(store, "b")
    store.jobs.add(a, "JOB1")
    store.jobs.add(b, "JOB1")
    assert len(store.jobs.find("JOB1")) == 2
    with pytest.raises(ConfigError, match="several accounts"):
        store.jobs.find_one("JOB1")
    assert store.jobs.find_one("JOB1", "b").account == "b"


def test_record_status_history_times_and_finish(tmp_path: Path) -> None:
    clock = FakeClock()
    with Store(tmp_path, clock) as store:
        account = _account(store)
        job, _ = store.jobs.add(account, "J")
        clock.advance(5)
        assert store.jobs.record_status(job.id, Status("J", JobState.RUNNING, "working", progress=10)) is not None
        clock.advance(5)
        # Same state, new progress: the row changes, the history does not, and no change is reported.
        assert store.jobs.record_status(job.id, Status("J", JobState.RUNNING, "working", progress=50)) is None
        clock.advance(5)
        change = store.jobs.record_status(
            job.id, Status("J", JobState.SUCCEEDED, "success", 100, None, "https://example.com/r.pdf")
        )
        assert change is not None
        assert (change.old_state, change.new_state, change.events) == (
            JobState.RUNNING,
            JobState.SUCCEEDED,
            (Event.FINISHED,),
        )
        final = store.jobs.get(job.id)
        assert final.finished_at == clock.now
        assert final.result_url == "https://example.com/r.pdf"
        assert final.checks == 3
        history = store.jobs.history(job.id)
        assert [(h.state, h.at) for h in history] == [
            (JobState.QUEUED, datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
            (JobState.RUNNING, datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)),
            (JobState.SUCCEEDED, datetime(2026, 11, 23, 9, 0, 15, tzinfo=UTC)),
        ]
        assert store.jobs.open_jobs() == []


def test_only_http_links_are_stored(store: Store) -> None:
    account = _account(store)
    job, _ = store.jobs.add(account, "J")
    store.jobs.record_status(job.id, Status("J", JobState.SUCCEEDED, "success", result_url="file:///etc/passwd"))
    assert store.jobs.get(job.id).result_url is None


def test_errors_keep_the_last_good_state(store: Store) -> None:
    account = _account(store)
    job, _ = store.jobs.add(account, "J")
    store.jobs.record_status(job.id, Status("J", JobState.RUNNING, "working"))
    store.jobs.record_error(job.id, "cannot reach api.pdf.co")
    after = store.jobs.get(job.id)
    assert after.state == JobState.RUNNING and after.last_error == "cannot reach api.pdf.co"


def test_archive_hides_finished_jobs_from_the_default_list(store: Store) -> None:
    account = _account(store)
    done, _ = store.jobs.add(account, "DONE")
    store.jobs.add(account, "OPEN")
    store.jobs.record_status(done.id, Status("DONE", JobState.FAILED, "failed"))
    assert store.jobs.archive_finished() == 1
    assert [j.job_id for j in store.jobs.all()] == ["OPEN"]
    assert {j.job_id for j in store.jobs.all(include_archived=True)} == {"DONE", "OPEN"}


def test_removing_an_account_removes_its_jobs_and_history(store: Store) -> None:
    account = _account(store)
    store.jobs.add(account, "J")
    assert store.accounts.remove("acme") == 1
    assert store.jobs.all(include_archived=True) == []
    assert store.conn.execute("SELECT COUNT(*) FROM job_history").fetchone()[0] == 0


def test_account_names_are_unique(store: Store) -> None:
    _account(store)
    with pytest.raises(ConfigError, match="already exists"):
        _account(store)


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    Store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "jobtray.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer JobTray"):
        Store(tmp_path)


def test_a_file_that_is_not_a_database_is_moved_aside_and_replaced(tmp_path: Path) -> None:
    (tmp_path / "jobtray.sqlite3").write_bytes(b"this is not sqlite" * 100)
    with Store(tmp_path) as store:
        assert store.recovered_from is not None
        assert store.recovered_from.read_bytes() == b"this is not sqlite" * 100
        assert store.accounts.all() == []


def test_data_version_moves_when_another_connection_writes(tmp_path: Path) -> None:
    with Store(tmp_path) as watcher, Store(tmp_path) as writer:
        before = watcher.jobs.data_version()
        _account(writer)
        assert watcher.jobs.data_version() != before


# ---- untrusted text ---------------------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_status_is_stored_as_a_replacement_character(store: Store) -> None:
    """`json.loads` accepts "\\ud800"; SQLite's UTF-8 encoder raised UnicodeEncodeError on it (a traceback)."""
    account = _account(store)
    job, _ = store.jobs.add(account, "J")
    status = Status("J", JobState.FAILED, "err\udc80or", message="lone \ud800", result_url="https://e.com/\udfff")
    assert store.jobs.record_status(job.id, status) is not None
    stored = store.jobs.get(job.id)
    assert (stored.message, stored.provider_status) == ("lone \ufffd", "err\ufffdor")
    assert stored.result_url in (None, "https://e.com/\ufffd")
    assert store.jobs.history(job.id)[-1].message == "lone \ufffd"
    # The same answer again is no news: no second history row, no change.
    assert store.jobs.record_status(job.id, status) is None
    assert len(store.jobs.history(job.id)) == 2


def test_no_text_the_store_writes_can_carry_a_lone_surrogate(store: Store) -> None:
    name = "acme \udcff"  # argv decodes undecodable bytes to lone surrogates
    account = store.accounts.add(Account(name=name, provider="pdfco", key_source=KeySource.ENV, key_env="K\ud800"))
    assert account.name == "acme \ufffd" and account.key_env == "K\ufffd"
    assert store.accounts.get(name).id == account.id  # found by the name it was added with
    store.accounts.set_error(name, "bad \ud83d key")
    assert store.accounts.last_error(name) == "bad \ufffd key"
    job, _ = store.jobs.add(account, "J\udc00", "label \udbff")
    assert (job.job_id, job.label) == ("J\ufffd", "label \ufffd")
    assert store.jobs.find_one("J\udc00").id == job.id
    store.jobs.record_error(job.id, "timeout \udfff")
    assert store.jobs.get(job.id).last_error == "timeout \ufffd"


# ---- request pacing shared by processes -------------------------------------------------------------------------


def test_reserve_request_spaces_requests_without_saving_up_a_burst(store: Store) -> None:
    _account(store)
    assert store.accounts.reserve_request("acme", 2.0, now=1000.0) == 0.0
    assert store.accounts.reserve_request("acme", 2.0, now=1000.5) == pytest.approx(1.5)
    assert store.accounts.reserve_request("acme", 2.0, now=1001.0) == pytest.approx(1.0)  # waiting took no slot
    assert store.accounts.reserve_request("acme", 2.0, now=1002.0) == 0.0
    # Idle for a long time: the next request goes at once, the one after is a full spacing later (no burst).
    assert store.accounts.reserve_request("acme", 2.0, now=5000.0) == 0.0
    assert store.accounts.reserve_request("acme", 2.0, now=5000.0) == pytest.approx(2.0)
    assert store.accounts.reserve_request("acme", 2.0, now=5002.0) == 0.0


def test_reserve_request_for_an_unknown_account_writes_nothing(store: Store) -> None:
    assert store.accounts.reserve_request("nobody", 1.0, now=10.0) == 0.0
    assert store.accounts.reserve_request("nobody", 1.0, now=10.0) == 0.0
    assert store.conn.execute("SELECT COUNT(*) FROM account_pacing").fetchone()[0] == 0


def test_a_slot_saved_by_a_wrong_clock_far_ahead_is_treated_as_now(store: Store) -> None:
    _account(store)
    assert store.accounts.reserve_request("acme", 1.0, now=1_000_000.0) == 0.0  # a clock a year ahead
    assert store.accounts.reserve_request("acme", 1.0, now=1000.0) == 0.0  # clock fixed: not stalled for ages
    assert store.accounts.reserve_request("acme", 1.0, now=1000.0) == pytest.approx(1.0)
    # Up to ten spacings plus an hour ahead is still honoured.
    assert store.accounts.reserve_request("acme", 1.0, now=1000.0 - 3600) == pytest.approx(3601.0)


def test_reserve_request_refuses_nonsense(store: Store) -> None:
    _account(store)
    for spacing, now in [(-1.0, 0.0), (float("nan"), 0.0), (1.0, float("inf"))]:
        with pytest.raises(ValueError):
            store.accounts.reserve_request("acme", spacing, now)


def test_server_wait_keeps_the_later_until_and_ends(store: Store) -> None:
    _account(store)
    assert store.accounts.server_wait("acme", now=0.0) is None
    store.accounts.set_server_wait("acme", 100.0, "rate limited (HTTP 429)")
    store.accounts.set_server_wait("acme", 50.0, "shorter")
    assert store.accounts.server_wait("acme", now=10.0) == (100.0, "rate limited (HTTP 429)")
    store.accounts.set_server_wait("acme", 200.0, "longer \ud800")
    assert store.accounts.server_wait("acme", now=10.0) == (200.0, "longer \ufffd")
    assert store.accounts.server_wait("acme", now=200.0) is None
    store.accounts.set_server_wait("nobody", 100.0, None)  # unknown account: nothing, no error
    assert store.accounts.server_wait("nobody", now=0.0) is None


def test_pacing_and_waits_are_per_account_and_go_with_the_account(store: Store) -> None:
    _account(store, "a")
    _account(store, "b")
    store.accounts.reserve_request("a", 5.0, now=0.0)
    store.accounts.set_server_wait("a", 100.0, "busy")
    assert store.accounts.reserve_request("b", 5.0, now=0.0) == 0.0
    assert store.accounts.server_wait("b", now=0.0) is None
    store.accounts.remove("a")
    assert store.conn.execute("SELECT COUNT(*) FROM account_pacing").fetchone()[0] == 1
    _account(store, "a")  # the same name again starts afresh
    assert store.accounts.reserve_request("a", 5.0, now=1.0) == 0.0
    assert store.accounts.server_wait("a", now=1.0) is None


def test_a_version_2_database_is_upgraded_keeping_its_data(tmp_path: Path) -> None:
    from desktop_app.store.db import MIGRATIONS

    conn = sqlite3.connect(tmp_path / "jobtray.sqlite3", isolation_level=None)
    for step in MIGRATIONS[:2]:
        step(conn)
    conn.execute("PRAGMA user_version = 2")
    conn.execute(
        "INSERT INTO accounts (name, provider, key_source, key_env, created_at) "
        "VALUES ('acme', 'pdfco', 'env', 'K', '2026-11-01T00:00:00.000+00:00')"
    )
    conn.execute("INSERT INTO rate_state VALUES (1, 3.0, 99.0)")
    conn.close()
    with Store(tmp_path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [a.name for a in store.accounts.all()] == ["acme"]
        assert store.accounts.rate_state("acme") == (3.0, 99.0)
        assert store.accounts.reserve_request("acme", 1.0, now=0.0) == 0.0
