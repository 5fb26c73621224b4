"""The tray's outbox adapter (issue 18): the runner driven on the main thread by queued wakes and a timer, news
delivered there; a quit in mid-stream leaves the download's row to resume (no .part), and the next start saves
the file whole. Real store, the S3 stand-in holding a body halfway, real threads."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from desktop_app.app.outbox_pump import OutboxPump
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.core.settings import AccountSettings
from desktop_app.engine.outbox import OutboxNews
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction

BODY = b"%PDF-1.4\n" + bytes(range(256)) * 512 + b"%%EOF\n"


def _ended(store: Store, url: str, folder: Path) -> int:
    account = store.accounts.add(Account(name="work", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    store.settings.save_account("work", AccountSettings(save_results=str(folder)))
    job, _ = store.jobs.add(account, "J1")
    with store.jobs.transaction():
        store.jobs.record_status(job.id, Status("J1", JobState.SUCCEEDED, "success", 100.0, None, url))
        store.outbox.add_actions(job.id, [OutboxAction("download", "account:save-results")])
    return job.id


def test_news_arrive_on_the_main_thread_and_the_file_is_saved(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with ObjectStoreServer() as s3, Store(tmp_path / "d") as store:
        job = _ended(store, s3.put("a/report.pdf", BODY), out)
        pump = OutboxPump(store, config_for=lambda _name: None)
        news: list[tuple[OutboxNews, bool]] = []
        main = QCoreApplication.instance().thread()  # type: ignore[union-attr]
        pump.news.connect(
            lambda n: news.append((n, pump.thread() is main and threading.current_thread() is threading.main_thread()))
        )
        pump.start()
        qtbot.waitUntil(lambda: any(n.kind in ("saved", "summary") for n, _ in news), timeout=20_000)
        assert all(on_main for _, on_main in news)
        assert (out / "report.pdf").read_bytes() == BODY
        assert store.jobs.get(job).result_file == str(out / "report.pdf")
        pump.begin_stop()
        assert pump.wait_stopped(1.0)


def test_a_quit_mid_download_leaves_the_row_and_the_next_start_saves_it_whole(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with ObjectStoreServer() as s3, Store(tmp_path / "d") as store:
        job = _ended(store, s3.put("a/report.pdf", BODY, mode="held"), out)
        first = OutboxPump(store, config_for=lambda _name: None)
        first.start()
        qtbot.waitUntil(s3.held.is_set, timeout=10_000)  # half the body is in the .part
        first.begin_stop()
        assert first.wait_stopped(2.0)
        assert first.stop_report is not None and first.stop_report.downloads_resuming == 1
        assert list(out.iterdir()) == []  # no .part left
        [row] = store.outbox.for_job(job)
        assert (row.kind, row.state, row.target_name) == ("download", "pending", "report.pdf")
        s3.release()
        time.sleep(0.002)
        second = OutboxPump(store, config_for=lambda _name: None)
        news: list[OutboxNews] = []
        second.news.connect(news.append)
        second.start()
        qtbot.waitUntil(lambda: (out / "report.pdf").exists() and bool(news), timeout=20_000)
        assert (out / "report.pdf").read_bytes() == BODY
        assert sorted(p.name for p in out.iterdir()) == ["report.pdf"]  # not "report (2).pdf"
        assert [n.kind for n in news] == ["summary"]  # resumed work told as one summary
        second.begin_stop()
        assert second.wait_stopped(1.0)
