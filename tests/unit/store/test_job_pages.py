"""store/job_pages.py on a real SQLite file: which jobs a page, a look-up by id and the status line's counts see."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.core.model import Account, JobState, KeySource
from desktop_app.store.database import Store
from desktop_app.store.job_pages import JobPages

DAY = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "data") as store:
        acme = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="K"))
        work = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
        rows = [
            # (account, id, state, updated, archived)
            (acme, "OPEN-1", JobState.RUNNING, DAY + timedelta(hours=9), 0),
            (acme, "OPEN-2", JobState.QUEUED, DAY + timedelta(hours=10), 0),
            (work, "OPEN-3", JobState.RUNNING, DAY + timedelta(hours=11), 0),
            (acme, "DONE-TODAY", JobState.SUCCEEDED, DAY + timedelta(hours=12), 0),
            (acme, "DONE-YESTERDAY", JobState.SUCCEEDED, DAY - timedelta(hours=1), 0),
            (work, "FAILED-1", JobState.FAILED, DAY + timedelta(hours=1), 0),
            (work, "GONE-1", JobState.NOT_FOUND, DAY - timedelta(days=3), 0),
            (work, "FAILED-ARCHIVED", JobState.FAILED, DAY + timedelta(hours=2), 1),
            (acme, "OPEN-ARCHIVED", JobState.RUNNING, DAY + timedelta(hours=3), 1),
        ]
        with store.jobs.transaction():
            for account, job_id, state, at, archived in rows:
                text = at.isoformat(timespec="milliseconds")
                store.conn.execute(
                    "INSERT INTO jobs (account_id, job_id, state, created_at, updated_at, finished_at, archived) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (account.id, job_id, state.value, text, text, text if state.is_terminal else None, archived),
                )
        yield store


def test_counts_for_the_status_line_leave_archived_jobs_out(store: Store) -> None:
    open_by_account, failed, today = JobPages(store.conn).counts(DAY, DAY + timedelta(days=1))
    assert open_by_account == {"acme": 2, "work": 1}
    assert failed == 2  # failed and not found, the archived failure not counted
    assert today == 1  # ended well today; yesterday's not, nor the failures


def test_a_page_and_a_look_up_by_id_leave_archived_and_filtered_out_jobs_out(store: Store) -> None:
    pages = JobPages(store.conn)
    page = pages.page(sort="updated", descending=True, limit=100)
    assert [job.job_id for _value, job in page] == [
        "DONE-TODAY",
        "OPEN-3",
        "OPEN-2",
        "OPEN-1",
        "FAILED-1",
        "DONE-YESTERDAY",
        "GONE-1",
    ]
    assert [value for value, _job in page] == sorted((value for value, _job in page), reverse=True)
    ids = {job.job_id: job.id for job in store.jobs.all(include_archived=True)}
    found = pages.rows(list(ids.values()), sort="account", text="open")
    assert sorted(job.job_id for _value, job in found) == ["OPEN-1", "OPEN-2", "OPEN-3"]
    assert {value for value, job in found if job.account == "work"} == {"work"}
    by_state = pages.page(sort="state", descending=False, text="nothing like it", states={JobState.FAILED}, limit=10)
    assert [job.job_id for _value, job in by_state] == ["FAILED-1"]  # the shown word matched, handed as a state


def test_the_filter_ignores_case_beyond_ascii_as_the_window_did(store: Store) -> None:
    """LIKE folds ASCII letters only: "über" never found "Übersicht", nor "ärzte" the account "Ärzte"."""
    doctors = store.accounts.add(Account("Ärzte", "pdfco", KeySource.ENV, key_env="K"))
    overview, _ = store.jobs.add(doctors, "X-1", label="Übersicht")
    other, _ = store.jobs.add(store.accounts.get("acme"), "X-2", label="Straße 5")
    pages = JobPages(store.conn)

    def found(text: str) -> list[str]:
        return [job.job_id for _value, job in pages.page(sort="job", descending=False, text=text, limit=100)]

    assert found("übersicht") == ["X-1"]
    assert found("ÜBERSICHT") == ["X-1"]
    assert found("ärzte") == ["X-1"]  # its account's name
    assert found("STRASSE") == []  # ASCII text: LIKE, as before
    assert found("STRAẞE") == ["X-2"]  # the capital sharp s folds as Python folds it
    assert found("ü%") == []  # taken literally, as with LIKE
    by_id = pages.rows([overview.id, other.id], sort="job", text="ÜBER")
    assert [job.job_id for _value, job in by_id] == ["X-1"]  # the look-up by id (follow) matches the same way
