"""No silent stop (issue 18) for a tray download: an unexpected exception inside one (here from its free-space
probe, a real `Download` hook) is logged with its traceback in the outbox's work thread, ends the row as failed
("result not saved", told on the main thread), and the runner goes on: "Save result again" saves the file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app.outbox_pump import OutboxPump
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.core.settings import AccountSettings
from desktop_app.engine.outbox import OutboxNews
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction

BODY = b"%PDF-1.7 result " * 64


def test_an_exception_in_a_download_fails_its_row_and_the_runner_goes_on(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    probes: list[int] = []

    def free_space_buggy_once(_folder: object) -> int:
        probes.append(1)
        if len(probes) == 1:
            raise RuntimeError("injected into a download")
        return 10**12

    caplog.set_level(logging.ERROR, logger="desktop_app.engine.outbox")
    with ObjectStoreServer() as s3, Store(tmp_path / "d") as store:
        account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
        store.settings.save_account("work", AccountSettings(save_results=str(out)))
        job, _ = store.jobs.add(account, "J1")
        pump = OutboxPump(
            store,
            config_for=lambda _name: None,
            runner_options={"download_options": {"free_space": free_space_buggy_once, "reserve_bytes": 0}},
        )
        news: list[OutboxNews] = []
        pump.news.connect(news.append)
        pump.start()  # before the ending: its work is told as it happens, not as a replay
        url = s3.put("J1/report.pdf", BODY)
        with store.jobs.transaction():
            store.jobs.record_status(job.id, Status("J1", JobState.SUCCEEDED, "success", 100.0, None, url))
            store.outbox.add_actions(job.id, [OutboxAction("download", "account:save-results")])
        pump.pump()
        qtbot.waitUntil(lambda: any(n.kind == "not_saved" for n in news), timeout=10_000)
        assert "unexpected error" in next(n.text for n in news if n.kind == "not_saved")
        assert any(r.exc_info and "injected" in str(r.exc_info[1]) for r in caplog.records)  # with its traceback
        pump.save_again(store.jobs.get(job.id))  # "Save result again": nothing was left stuck
        qtbot.waitUntil(lambda: any(n.kind == "saved" for n in news), timeout=10_000)
        assert (out / "report.pdf").read_bytes() == BODY
        pump.begin_stop()
        assert pump.wait_stopped(1.0)
