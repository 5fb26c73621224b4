"""Until the window opens, the tray holds only what its icon, tooltip and menu need (issue 19): the open jobs, the
failures still alarming and the most recent endings; the counts of every other job come from a ledger of states
kept row by row, so an outside archive or removal of a job the tray does not hold still counts. The window, when
it first opens, reads every job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from desktop_app.app.controller import AppController
from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.store.database import Store
from desktop_app.ui.job_index import TRIM_SLACK, JobIndex
from desktop_app.ui.tray import MENU_JOBS, recent_jobs, summarize
from tests.support.notifier import QuietNotifier

# Offscreen, a shown tray icon warns that the platform has no tray window: not ours.
pytestmark = pytest.mark.qt_log_ignore("systemTrayWindowChanged")

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
OLDEST = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"  # the oldest ending: a PDF.co job ID, for the clipboard watch
ENDED, FAILED_ACKED, FAILED, OPEN = 30, 20, 2, 3


def _seed(store: Store) -> None:
    """30 ended well, 20 acknowledged failures, 2 old failures still alarming, 3 open; distinct times."""
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_KEY_FOR_TEST"))
    rows = []

    def row(job_id: str, state: str, minutes_ago: int, acked: bool = False, ended: bool = True) -> None:
        at = (NOW - timedelta(minutes=minutes_ago)).isoformat()
        rows.append((account.id, job_id, state, at, at, at if ended else None, at if acked else None))

    for n in range(ENDED):
        row(f"ENDED-{n}" if n else OLDEST, "succeeded", 100 - n)
    for n in range(FAILED_ACKED):
        row(f"ACKED-{n}", "failed", 200 - n, acked=True)
    for n in range(FAILED):
        row(f"FAILED-{n}", "failed", 300 - n)
    for n in range(OPEN):
        row(f"OPEN-{n}", "running", 50 - n, ended=False)
    with store.jobs.transaction():
        store.conn.executemany(
            "INSERT INTO jobs (account_id, job_id, state, created_at, updated_at, finished_at, acknowledged_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


class OfferingNotifier(QuietNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.offers: list[str] = []

    def offer_watch(self, key: str, title: str, body: str) -> None:
        self.offers.append(title)


@pytest.fixture
def tray(store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppController]:
    # Offscreen has no tray host: say it has one, so that the tray (not the window) is what starts.
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    _seed(store)
    controller = AppController(store, notifier=OfferingNotifier())
    controller.start()
    qtbot.waitUntil(lambda: controller.state.accounts != [], timeout=3000)
    try:
        yield controller
    finally:
        controller.shutdown()


def _row(store: Store, job_id: str) -> int:
    return store.jobs.find_one(job_id).id


def test_the_tray_holds_only_what_its_menu_needs(tray: AppController, store: Store) -> None:
    assert not tray.windows.is_built
    held = {job.job_id for job in tray.model.jobs()}
    # Every open job and failure still alarming, the most recent endings of each kind; not the 20 older ones.
    assert len(held) == OPEN + FAILED + MENU_JOBS + MENU_JOBS
    assert {f"OPEN-{n}" for n in range(OPEN)} | {f"FAILED-{n}" for n in range(FAILED)} <= held
    assert f"ENDED-{ENDED - 1}" in held and OLDEST not in held
    everything = store.jobs.all()
    # The menu and the tooltip say what they would say with every job held.
    assert recent_jobs(tray.tray_jobs) == recent_jobs(everything)
    assert summarize(tray.tray_jobs, None, NOW).tooltip == summarize(everything, None, NOW).tooltip
    assert "30 ended" in summarize(tray.tray_jobs, None, NOW).tooltip


def test_an_outside_change_to_a_job_not_held_still_counts(
    tray: AppController, store: Store, data_dir: Path, qtbot: QtBot
) -> None:
    reloads = tray.follower.reloads
    oldest, acked = _row(store, OLDEST), _row(store, "ACKED-0")
    assert tray.model.job(oldest) is None and tray.model.job(acked) is None
    with Store(data_dir) as other:  # `jobtray archive` and `jobtray remove` in a terminal
        other.jobs.set_archived(oldest)
        other.jobs.remove(acked)
    qtbot.waitUntil(lambda: tray.tray_jobs.bad_count == FAILED_ACKED + FAILED - 1, timeout=3000)
    assert tray.tray_jobs.done_count == ENDED - 1
    assert summarize(tray.tray_jobs, None, NOW).tooltip == summarize(store.jobs.all(), None, NOW).tooltip
    assert tray.follower.reloads == reloads  # followed row by row, no full reload


def test_the_window_shows_every_job_from_its_pages_and_the_tray_keeps_only_its_own(
    tray: AppController, store: Store, data_dir: Path, qtbot: QtBot
) -> None:
    held = tray.model.rowCount()
    tray.show_window()
    shown = tray.window.model  # the window's rows are read from the store a page at a time (issue 19)
    shown.fetch_all()
    assert shown.rowCount() == ENDED + FAILED_ACKED + FAILED + OPEN
    assert tray.model.rowCount() == held  # opening the window read no job into the tray's model
    assert tray.tray_jobs.done_count == ENDED
    with Store(data_dir) as other:  # and the feed keeps them after
        other.jobs.set_archived(_row(store, OLDEST))
    qtbot.waitUntil(lambda: shown.rowCount() == ENDED + FAILED_ACKED + FAILED + OPEN - 1, timeout=3000)
    assert tray.tray_jobs.done_count == ENDED - 1


def _job(row_id: int, state: JobState, archived: bool = False) -> Job:
    return Job(
        id=row_id,
        account="acme",
        provider="pdfco",
        job_id=f"J{row_id}",
        label=None,
        state=state,
        provider_status=None,
        progress=None,
        message=None,
        result_url=None,
        created_at=NOW,
        updated_at=NOW + timedelta(seconds=row_id),
        finished_at=None,
        archived=archived,
    )


def test_the_index_counts_jobs_it_does_not_hold() -> None:
    states = {JobState.SUCCEEDED: [1, 2], JobState.FAILED: [3], JobState.RUNNING: [4]}
    index = JobIndex()
    index.reset([_job(4, JobState.RUNNING)], states)  # holds the open one only
    assert (index.open_count, index.bad_count, index.done_count, len(index)) == (1, 1, 2, 1)
    index.update([_job(1, JobState.SUCCEEDED, archived=True)])  # archived while not held
    index.remove([3])  # removed while not held
    index.update([_job(4, JobState.SUCCEEDED)])  # the open one ended
    index.update([_job(5000, JobState.FAILED)])  # a new row, far past the ledger so far
    assert (index.open_count, index.bad_count, index.done_count) == (0, 1, 2)
    index.remove([5000, 99999])  # one unknown: nothing to count
    assert (index.open_count, index.bad_count, index.done_count) == (0, 0, 2)


def test_a_copied_id_of_a_job_not_held_is_not_offered(tray: AppController, qtbot: QtBot) -> None:
    assert OLDEST not in {job.job_id for job in tray.model.jobs()}  # ended long ago: not in the tray's model
    notifier = tray.notifier
    assert isinstance(notifier, OfferingNotifier)
    tray.preferences.set_clipboard_watch(True)
    for text in (OLDEST, "9ABCD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-301"):  # the second, a marker, is offered
        mime = QMimeData()
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
    qtbot.waitUntil(lambda: len(notifier.offers) == 1, timeout=2000)
    qtbot.wait(50)
    assert len(notifier.offers) == 1 and "9ABC" in notifier.offers[0]
    QGuiApplication.clipboard().clear()


def test_the_index_counts_from_counts_and_reads_the_ledger_only_for_a_job_it_cannot_tell() -> None:
    # The store as it is after each change below: the ledger, when read, holds the change being counted.
    store_states: dict[JobState, list[int]] = {JobState.SUCCEEDED: [1, 2], JobState.FAILED: [3], JobState.RUNNING: [4]}
    reads: list[int] = []

    def read_ledger() -> dict[JobState, list[int]]:
        reads.append(1)
        return {state: list(ids) for state, ids in store_states.items() if ids}

    index = JobIndex()
    counts = ({JobState.SUCCEEDED: 2, JobState.FAILED: 1, JobState.RUNNING: 1}, 4)
    index.reset([_job(4, JobState.RUNNING)], counts=counts, read_ledger=read_ledger)
    assert (index.open_count, index.bad_count, index.done_count, len(index)) == (1, 1, 2, 1)
    index.update([_job(4, JobState.SUCCEEDED)])  # held: its kind is known
    index.update([_job(5000, JobState.FAILED)])  # past the highest counted row: new
    assert (index.open_count, index.bad_count, index.done_count, reads) == (0, 2, 3, [])
    store_states[JobState.SUCCEEDED] = [2, 4]  # row 1 archived from a terminal while not held
    store_states[JobState.FAILED] = [3, 5000]
    store_states[JobState.RUNNING] = []
    index.update([_job(1, JobState.SUCCEEDED, archived=True)])
    assert (index.open_count, index.bad_count, index.done_count, reads) == (0, 2, 2, [1])  # counted once
    index.remove([3])  # the ledger is read now: not again
    assert (index.open_count, index.bad_count, index.done_count, reads) == (0, 1, 2, [1])


def test_an_unreadable_ledger_is_asked_again_later() -> None:
    answers: list[dict[JobState, list[int]] | None] = [None, {JobState.SUCCEEDED: [2]}]
    index = JobIndex()
    index.reset([], counts=({JobState.SUCCEEDED: 2}, 2), read_ledger=lambda: answers.pop(0))
    index.remove([1])  # not held, not new: the ledger cannot be read now
    assert answers == [{JobState.SUCCEEDED: [2]}]
    index.remove([1])  # asked again: read now, row 1 is gone from it
    assert (index.done_count, answers) == (1, [])


def test_a_tray_that_sees_many_endings_holds_only_the_recent_ones_and_still_counts_them_all(
    tray: AppController, store: Store, data_dir: Path, qtbot: QtBot
) -> None:
    """A tray watching for weeks held every job that ended while it ran (the 30-minute soak with jobs refilled
    grew ~0.1 MB a minute): endings the menu no longer shows leave its model, and they still count."""
    many = MENU_JOBS + TRIM_SLACK + 40
    with Store(data_dir) as other:  # jobs added and ended while the tray runs (a terminal's `jobtray add`)
        account = other.accounts.get("acme")
        for n in range(many):
            job, _ = other.jobs.add(account, f"NEW-{n:04d}")
            other.jobs.record_status(job.id, Status(job.job_id, JobState.SUCCEEDED, "success"))
    qtbot.waitUntil(lambda: tray.tray_jobs.done_count == ENDED + many, timeout=5000)
    qtbot.waitUntil(lambda: tray.model.rowCount() <= OPEN + FAILED + 2 * (MENU_JOBS + TRIM_SLACK), timeout=3000)
    everything = store.jobs.all()
    assert recent_jobs(tray.tray_jobs) == recent_jobs(everything)  # the menu's newest endings are held
    assert summarize(tray.tray_jobs, None, NOW).tooltip == summarize(everything, None, NOW).tooltip
    released = store.jobs.find_one("NEW-0000")  # let go of: an outside archive of it still counts once
    assert tray.model.job(released.id) is None
    with Store(data_dir) as other:
        other.jobs.set_archived(released.id)
    qtbot.waitUntil(lambda: tray.tray_jobs.done_count == ENDED + many - 1, timeout=3000)
    assert summarize(tray.tray_jobs, None, NOW).tooltip == summarize(store.jobs.all(), None, NOW).tooltip


def test_surplus_names_old_endings_and_acknowledged_failures_never_an_alarm_or_an_open_job() -> None:
    held = [_job(n, JobState.SUCCEEDED) for n in range(1, 101)]
    held += [_job(n, JobState.RUNNING) for n in range(101, 111)]
    held += [_job(n, JobState.FAILED) for n in range(111, 201)]  # alarming: never released
    index = JobIndex()
    counts = ({JobState.SUCCEEDED: 100, JobState.RUNNING: 10, JobState.FAILED: 90}, 200)
    index.reset(held, counts=counts, read_ledger=lambda: None)  # held at start, as the tray's for_tray jobs
    surplus = index.surplus(15)
    assert sorted(surplus) == list(range(1, 86))  # the 85 oldest endings; the 15 newest stay
    index.release(surplus)
    assert (index.done_count, index.open_count, index.bad_count, len(index)) == (100, 10, 90, 115)
    assert index.surplus(15) == []
    index.update([_job(3, JobState.SUCCEEDED, archived=True)])  # released, then archived: counted once
    index.remove([4])
    assert index.done_count == 98


def test_a_status_message_waits_for_the_window_instead_of_building_it(tray: AppController) -> None:
    """ "Waiting for the keyring to be unlocked…" built the whole window (its model reading the store) for a tray
    whose keyring took over 0.5 s; the line is kept and shown when the window is first opened."""
    tray.state.say("Waiting for the keyring to be unlocked…")
    assert not tray.windows.is_built
    tray.show_window()
    assert tray.window.statusBar().currentMessage() == "Waiting for the keyring to be unlocked…"
