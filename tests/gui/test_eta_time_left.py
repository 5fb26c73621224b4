"""A provider's own time-left estimate reaches the ETAs however late the tray's worker pool is made: a tray
started with no open job made its pool at the first job added, and that pool's answers never reached them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_app.app.run import AppController
from desktop_app.core.model import Account, KeySource
from desktop_app.simulators import encodingcom as sim
from desktop_app.simulators.encodingcom import EncodingComSimulator
from desktop_app.simulators.server import SimulatorServer
from desktop_app.store.database import Store
from tests.conftest import ENCODINGCOM_KEY, ENCODINGCOM_USERID
from tests.support.notifier import QuietNotifier


def test_a_job_added_after_start_gets_the_providers_time_left(
    data_dir: Path, encodingcom_simulator: tuple[EncodingComSimulator, SimulatorServer], qtbot: QtBot
) -> None:
    simulator, server = encodingcom_simulator
    # Progress 0: no basis of its own, and the account has no ended jobs to learn from: only time_left gives one.
    media = simulator.add_job([sim.running(progress="0", time_left="600")])
    with Store(data_dir) as store:
        store.accounts.add(
            Account(
                "video",
                "encodingcom",
                KeySource.ENV,
                base_url=server.base_url,
                username=ENCODINGCOM_USERID,
                key_env="ENC_KEY",
            )
        )
        controller = AppController(store, environ={"ENC_KEY": ENCODINGCOM_KEY}, notifier=QuietNotifier())
        try:
            controller.start()
            qtbot.waitUntil(lambda: bool(controller.state.accounts), timeout=5000)  # started: its accounts read
            assert controller.polling.pool is None  # nothing to watch yet
            controller.add_from_text(media, account="video")
            qtbot.waitUntil(lambda: len(controller.model.etas()) == 1, timeout=10000)
            ((_low, high),) = controller.model.etas().values()
            assert timedelta(minutes=5) < high - datetime.now(UTC) <= timedelta(minutes=15)  # the 600 s it said
        finally:
            controller.shutdown()
