"""The change feed's reader (store/changes.py): what came after a position, pruning, and a reader left behind."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store.database import Store


def _account(store: Store) -> Account:
    return store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))


def test_a_reader_gets_what_came_after_its_position_and_moves_on(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        account = _account(store)
        start = store.changes.latest()
        job, _ = store.jobs.add(account, "ABC--1-2")
        store.jobs.record_status(job.id, Status("ABC--1-2", JobState.RUNNING, "working", 10.0))
        batch = store.changes.read(start)
        assert not batch.gap
        assert batch.rows("job") == {job.id}
        assert batch.position == store.changes.latest() > start
        assert store.changes.read(batch.position).changes == []


def test_pacing_and_unchanged_account_errors_are_not_news(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        _account(store)
        store.accounts.set_error("work", "boom")
        seen = store.changes.latest()
        store.accounts.set_error("work", "boom")  # every result sets it: unchanged, it is not written
        store.accounts.reserve_request("work", 1.0, 100.0)
        assert store.changes.read(seen).changes == []
        store.accounts.set_error("work", None)
        assert store.changes.read(seen).has("account")


def test_pruning_keeps_the_newest_rows_and_a_reader_behind_them_is_told(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        account = _account(store)
        behind = store.changes.latest()
        for n in range(30):
            store.jobs.add(account, f"ABC--{n}-2")
        assert store.changes.prune(keep=10, slack=100) == 0  # within the slack: nothing written
        assert store.changes.prune(keep=10) == 21  # the account and the 30 jobs, less the newest 10
        assert store.changes.count() == 10
        assert store.changes.read(behind).gap  # its next rows are gone: read everything once
        recent = store.changes.latest() - 5
        batch = store.changes.read(recent)
        assert not batch.gap and len(batch.changes) == 5


def test_a_flood_of_changes_is_a_gap_too(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        account = _account(store)
        seen = store.changes.latest()
        for n in range(12):
            store.jobs.add(account, f"ABC--{n}-2")
        assert store.changes.read(seen, limit=10).gap
        assert not store.changes.read(seen, limit=12).gap
