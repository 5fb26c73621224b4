"""Settings in the store: kept across connections, per account (following a rename, gone with the account)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.core.model import Account, KeySource
from desktop_app.core.settings import AccountSettings, GlobalSettings, parse_endings
from desktop_app.store.database import Store


def test_settings_survive_a_new_connection(data_dir: Path) -> None:
    muted = GlobalSettings(muted_until=datetime(2030, 1, 1, tzinfo=UTC), download_cap=1024)
    with Store(data_dir) as store:
        account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
        store.settings.save_app(muted)
        store.settings.save_account("work", AccountSettings(save_results="/tmp/r", notify=parse_endings("failed")))
        store.accounts.update(replace(account, name="renamed"))
    with Store(data_dir) as store:
        assert store.settings.app() == muted
        assert store.settings.account("renamed").save_results == "/tmp/r"
        assert store.settings.accounts() == {
            "renamed": AccountSettings(save_results="/tmp/r", notify=parse_endings("failed"))
        }
        store.settings.save_app(GlobalSettings())
        assert store.settings.global_values() == {}
        store.accounts.remove("renamed")
        assert store.conn.execute("SELECT COUNT(*) FROM account_settings").fetchone()[0] == 0


def test_a_newer_versions_values_are_kept(store: Store) -> None:
    store.conn.execute("INSERT INTO settings (key, value) VALUES ('future-thing', 'x')")
    store.settings.save_app(GlobalSettings(download_cap=2048))
    assert store.settings.global_values() == {"download-cap": "2K", "future-thing": "x"}


def test_result_file_is_kept_on_the_job(store: Store) -> None:
    account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
    job, _ = store.jobs.add(account, "J1")
    assert job.result_file is None and job.download_error is None
    store.jobs.set_result_file(job.id, None, "expired (HTTP 403)")
    assert store.jobs.get(job.id).download_error == "expired (HTTP 403)"
    store.jobs.set_result_file(job.id, "/tmp/r.pdf")
    assert store.jobs.get(job.id).result_file == "/tmp/r.pdf"
    assert store.jobs.get(job.id).download_error is None


def test_the_clipboard_watch_is_off_by_default_and_kept_as_yes(data_dir: Path) -> None:
    with Store(data_dir) as store:
        assert not store.settings.app().clipboard_watch
        store.settings.save_app(GlobalSettings(clipboard_watch=True))
        assert store.settings.global_values() == {"clipboard-watch": "yes"}
    with Store(data_dir) as store:
        assert store.settings.app().clipboard_watch
