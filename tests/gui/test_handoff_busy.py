"""A hand-off is never refused for a busy database (issue 19: 1 run in 7 of bench/handoff.py under load ended in
"the running JobTray refused ...: the database ... is locked"): the tray answers at once, queues the job and
writes it when the database is free, over the real single-instance socket."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app.controller import AppController
from desktop_app.app.single_instance import SingleInstance
from desktop_app.core.handoff import Reply, WatchRequest
from desktop_app.core.model import Account, KeySource
from desktop_app.store.database import Store
from desktop_app.store.db import DB_FILENAME
from desktop_app.system.handoff import hand_over, instance_key
from tests.support.notifier import QuietNotifier

JOB = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"


@pytest.fixture
def tray(store: Store, short_runtime_dir: Path, qtbot: QtBot) -> Iterator[AppController]:
    # short_runtime_dir: under tmp_path the socket's path would be too long under pytest-xdist
    store.accounts.add(Account("pdfs", "pdfco", KeySource.ENV, key_env="UNSET_KEY_FOR_TEST"))
    store.conn.execute("PRAGMA busy_timeout = 50")  # the tray's own is short too: never freeze the GUI
    controller = AppController(store, show_tray=False, notifier=QuietNotifier())
    instance = SingleInstance(instance_key(store.folder))
    assert instance.try_become_primary()
    instance.set_watch_handler(controller.accept_handoff)
    controller.start()
    qtbot.waitUntil(lambda: controller.polling.run("pdfs") is not None, timeout=3000)
    try:
        yield controller
    finally:
        instance.close()
        controller.shutdown()
        instance.deleteLater()


def test_a_hand_off_while_another_program_holds_the_database_is_queued_not_refused(
    tray: AppController, store: Store, qtbot: QtBot
) -> None:
    holder = sqlite3.connect(store.folder / DB_FILENAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program writing for a while
    replies: list[Reply | None] = []
    try:
        thread = threading.Thread(
            target=lambda: replies.append(hand_over(instance_key(store.folder), WatchRequest("pdfs", JOB))),
            daemon=True,
        )
        thread.start()
        qtbot.waitUntil(lambda: not thread.is_alive(), timeout=5000)  # answered while the lock is still held
        assert replies and replies[0] is not None
        assert replies[0].ok and replies[0].created, replies[0]
        assert tray.adder.queued == 1
        assert not tray.model.jobs()
    finally:
        holder.execute("COMMIT")
        holder.close()
    qtbot.waitUntil(lambda: tray.adder.queued == 0, timeout=5000)
    assert [job.job_id for job in tray.model.jobs()] == [JOB]
    assert [job.job_id for job in store.jobs.open_jobs()] == [JOB]


def test_a_bad_request_is_still_refused_while_the_database_is_busy(tray: AppController, store: Store) -> None:
    holder = sqlite3.connect(store.folder / DB_FILENAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        created, refusal = tray.accept_handoff(WatchRequest("nobody", JOB))
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert created is None and refusal is not None and "nobody" in refusal
    assert tray.adder.queued == 0
