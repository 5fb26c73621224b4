"""Nothing starts after the quit began: a push queued before it (the warm-up thread's, issue 19) found the store
closed and raised in the event loop (seen in the next test's setup as "Cannot operate on a closed database")."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_app.app.run import AppController
from desktop_app.core.model import Account, KeySource
from desktop_app.store.database import Store
from tests.support.notifier import QuietNotifier


def test_a_push_after_the_quit_starts_nothing(data_dir: Path, qtbot: QtBot) -> None:
    store = Store(data_dir)
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, base_url="http://127.0.0.1:9", key_env="K"))
    store.jobs.add(account, "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300")
    controller = AppController(store, environ={"K": "key"}, show_tray=False, notifier=QuietNotifier())
    controller.start()
    qtbot.waitUntil(lambda: controller.polling.pool is not None and controller.polling.pool.live() != [], timeout=5000)
    controller.shutdown()  # the warm-up's imports may end after this: its callback pushes
    store.close()
    controller.polling.push()  # what the warm-up's callback does when its imports end after the quit
    assert controller.polling.pool.live() == []
