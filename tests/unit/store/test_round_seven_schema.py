"""The schema of issues 18-23: the change feed's triggers see what a person sees and nothing of the bookkeeping."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.model import Account, KeySource
from desktop_app.store.database import Store


def _changes(store: Store, after: int) -> list[tuple[str, int | None]]:
    rows = store.conn.execute("SELECT kind, row FROM changes WHERE seq > ? ORDER BY seq", (after,)).fetchall()
    return [(row["kind"], row["row"]) for row in rows]


def _last(store: Store) -> int:
    return int(store.conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0])


def test_a_check_counter_is_not_news_but_a_state_is(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
        job, _ = store.jobs.add(account, "ABC--1-2")
        seen = _last(store)
        store.conn.execute("UPDATE jobs SET checks = checks + 1, last_checked_at = 'x' WHERE id = ?", (job.id,))
        store.accounts.save_rate_state("work", 1.0, 2.0)
        assert _changes(store, seen) == []
        store.conn.execute("UPDATE jobs SET state = 'running' WHERE id = ?", (job.id,))
        assert _changes(store, seen) == [("job", job.id)]
        seen = _last(store)
        store.jobs.remove(job.id)
        assert _changes(store, seen) == [("job_removed", job.id)]


def test_settings_and_accounts_are_in_the_feed(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        seen = _last(store)
        account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
        store.conn.execute("INSERT INTO settings (key, value) VALUES ('on-end', 'true')")
        assert _changes(store, seen) == [("account", account.id), ("settings", None)]
