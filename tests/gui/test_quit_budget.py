"""The tray's quit budget (issue 18): everything is told to stop first, then waited for against one deadline.
On a virtual clock: parts stuck for ever cost the budget once, not each in turn (before: 2 + 0.5 + 2 + 1 + 2 s).
With real parts: a poll worker inside a hanging request and a download from a server holding its body stop at
once (the download's outbox row left to resume), and the notifier's thread ends within its share."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app.outbox_pump import OutboxPump
from desktop_app.core.model import Account, JobState, KeySource, Secret, Status
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.core.settings import AccountSettings
from desktop_app.engine.poller import AccountPoller, PollerSpec
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.pdfco import PdfCoProvider
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction
from desktop_app.ui.notifier import Notifier
from desktop_app.workers.pool import WorkerPool
from desktop_app.workers.stopping import NOTIFIER_SHARE_S, QUIT_BUDGET_S, Stopping, StopStep, stop_within
from tests.support.clock import VirtualClock
from tests.support.fault_server import Fault, FaultServer


class Stuck:
    """A part that never stops: its wait spends all it is given, on the virtual clock."""

    def __init__(self, clock: VirtualClock, needs: float = float("inf")) -> None:
        self.clock = clock
        self.needs = needs
        self.told = False
        self.given: list[float] = []

    def begin_stop(self) -> None:
        self.told = True

    def wait_stopped(self, seconds: float) -> bool:
        self.given.append(seconds)
        spent = min(seconds, self.needs)
        self.clock.sleep(spent)
        return self.needs <= seconds


def test_stuck_parts_cost_the_budget_once_and_all_were_told_first() -> None:
    clock = VirtualClock()
    pool, downloads, notifier = Stuck(clock), Stuck(clock), Stuck(clock)
    report = stop_within(
        [
            StopStep("poll workers", pool),
            StopStep("downloads", downloads),
            StopStep("notifier", notifier, most=NOTIFIER_SHARE_S),
        ],
        clock=clock,
    )
    assert pool.told and downloads.told and notifier.told
    assert report.took == QUIT_BUDGET_S == 3.0
    assert report.left_behind == ("poll workers", "downloads", "notifier")
    assert pool.given == [3.0] and downloads.given == [0.0] and notifier.given == [0.0]


def test_parts_that_stop_share_what_is_left() -> None:
    clock = VirtualClock()
    pool, downloads, notifier = Stuck(clock, 1.2), Stuck(clock, 0.3), Stuck(clock, 5.0)
    report = stop_within(
        [StopStep("poll", pool), StopStep("downloads", downloads), StopStep("notifier", notifier, most=0.5)],
        clock=clock,
    )
    assert downloads.given == [pytest.approx(3.0 - 1.2)]
    assert notifier.given == [0.5]  # its share, not the 1.5 s left
    assert report.left_behind == ("notifier",)
    assert report.took == pytest.approx(2.0)  # virtual seconds: 1.2 (poll) + 0.3 (downloads) + 0.5 (its share)


def test_a_part_that_raises_while_stopping_does_not_keep_the_others_running() -> None:
    clock = VirtualClock()
    other = Stuck(clock, 0.0)

    def boom() -> None:
        raise RuntimeError("injected")

    report = stop_within([StopStep("broken", Stopping(boom, lambda _s: True)), StopStep("other", other)], clock=clock)
    assert other.told and report.clean


def test_real_parts_stuck_in_io_stop_together(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with FaultServer() as hanging, ObjectStoreServer() as s3, Store(tmp_path / "d") as store:
        hanging.inject(Fault.hang(seconds=30.0))
        config = ProviderConfig(base_url=hanging.base_url, secret=Secret("k"), timeout=(30.0, 30.0))
        pool = WorkerPool()
        pool.start(AccountPoller(PollerSpec("acme", "PDF.co", PdfCoProvider, config, parse_rate_limit("20/s"))))
        pool.set_jobs("acme", [("job-1", 0.0)])
        account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
        store.settings.save_account("work", AccountSettings(save_results=str(out)))
        job, _ = store.jobs.add(account, "J1")
        url = s3.put("J1/big.bin", b"x" * 400_000, mode="held")
        with store.jobs.transaction():
            store.jobs.record_status(job.id, Status("J1", JobState.SUCCEEDED, "success", 100.0, None, url))
            store.outbox.add_actions(job.id, [OutboxAction("download", "account:save-results")])
        outbox = OutboxPump(store, config_for=lambda _name: None)
        outbox.start()
        qtbot.waitUntil(lambda: hanging.request_count >= 1, timeout=5000)
        qtbot.waitUntil(s3.held.is_set, timeout=5000)
        notifier = Notifier()
        report = stop_within(
            [
                StopStep("poll workers", pool),
                StopStep("after-end work", outbox),
                StopStep("notifier", Stopping(lambda: None, lambda s: notifier.close(s) or True), most=0.5),
            ]
        )
        assert report.clean, report.left_behind
        assert list(out.iterdir()) == []  # the partial file removed
        [row] = store.outbox.for_job(job.id)
        assert row.state == "pending"  # left to resume at the next start
