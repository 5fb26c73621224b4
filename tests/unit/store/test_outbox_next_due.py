"""`next_due` says when this process can take a row, by the same rule as `claim_due`: a command waiting for its
job's download is not due while the download runs (the tray's pump armed itself every 50 ms for the whole download
otherwise, each turn a write transaction on the GUI thread)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from desktop_app.core.model import Account, KeySource
from desktop_app.store.database import Store

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_a_command_waiting_for_its_download_is_not_due(tmp_path: Path) -> None:
    with Store(tmp_path / "d", clock=lambda: T0) as store:
        account = store.accounts.add(Account(name="work", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
        job, _ = store.jobs.add(account, "J1")
        download = store.outbox.add(job.id, "download")
        command = store.outbox.add(job.id, "command", ref="account:on-end")
        assert store.outbox.next_due(100) == 0.0  # the download can be taken now
        assert [r.id for r in store.outbox.claim_due(100, 60)] == [download]
        assert store.outbox.claim_due(100, 60) == []
        assert store.outbox.next_due(100) is None  # nothing to take until the download ends
        assert store.outbox.finish(download, 100, "done", outcome="/r/a.pdf")
        assert store.outbox.next_due(100) == 0.0
        assert [r.id for r in store.outbox.claim_due(100, 60)] == [command]
