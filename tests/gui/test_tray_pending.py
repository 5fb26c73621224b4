"""After-end work in the tray (issue 18): a download's progress in the menu ("saving 50%") while the result
streams, gone once it is saved; pending and failed work shown per job in the menu and the window, with Save again,
Run again and Discard. Through the real AppController, a real store and the S3 stand-in holding a body halfway."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

import desktop_app.app.run as app_module
from desktop_app.app.outbox_pump import PROGRESS_INTERVAL_MS
from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.core.settings import AccountSettings
from desktop_app.engine.downloads import DownloadProgress
from desktop_app.engine.results import CheckResult
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.store.database import Store
from desktop_app.ui.pending_work import DISCARD, PendingItem
from desktop_app.ui.tray import TrayIcon
from tests.support.notifier import QuietNotifier

PDF = b"%PDF-1.4 saved by the tray\n" * 80_000  # 2.2 MB: its first half is more than one chunk (256 KiB)


class SavingNotifier(QuietNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.saved: list[int] = []
        self.problems: list[str] = []

    def notify_saved(self, job: Job) -> None:
        self.saved.append(job.id)

    def notify_problem(self, title: str, message: str) -> None:
        self.problems.append(f"{title}: {message}")


@pytest.fixture
def s3() -> Iterator[ObjectStoreServer]:
    with ObjectStoreServer() as server:
        yield server


@pytest.fixture
def tray_app(tmp_path: Path) -> Iterator[tuple[app_module.AppController, SavingNotifier, Path]]:
    results = tmp_path / "results"
    notifier = SavingNotifier()
    store = Store(tmp_path / "data")
    controller = app_module.AppController(store, show_tray=False, notifier=notifier)  # type: ignore[arg-type]
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_KEY_FOR_TEST"))
    store.settings.save_account("acme", AccountSettings(save_results=str(results)))
    store.jobs.add(account, "JOB1")
    controller.start()
    try:
        yield controller, notifier, results
    finally:
        controller.shutdown()
        store.close()


def _succeed(controller: app_module.AppController, url: str) -> None:
    status = Status("JOB1", JobState.SUCCEEDED, "success", 100.0, result_url=url)
    controller.polling.record(CheckResult("acme", ("JOB1",), (status,)))


def _job_menu(controller: app_module.AppController) -> QMenu:
    entry = next(a for a in controller.tray.menu.actions() if a.menu() is not None and a.text().startswith("JOB1 ·"))
    menu = entry.menu()
    assert isinstance(menu, QMenu)
    return menu


def _entry_text(controller: app_module.AppController) -> str:
    """The job's line in the menu as built now ("" before the menu has it)."""
    entries = [
        a.text() for a in controller.tray.menu.actions() if a.menu() is not None and a.text().startswith("JOB1 ·")
    ]
    return entries[0] if entries else ""


def test_the_menu_says_saving_while_the_result_streams_and_not_after(
    tray_app: tuple[app_module.AppController, SavingNotifier, Path], s3: ObjectStoreServer, qtbot: QtBot
) -> None:
    controller, notifier, results = tray_app
    calls: list[tuple[dict[int, tuple[int, int | None]], bool]] = []
    original = controller.tray.set_downloads

    def recorded(downloads: Mapping[int, tuple[int, int | None]]) -> None:
        calls.append((dict(downloads), threading.current_thread() is threading.main_thread()))
        original(downloads)

    controller.tray.set_downloads = recorded  # type: ignore[method-assign]
    _succeed(controller, s3.put("ABC/report.pdf", PDF, mode="held"))
    qtbot.waitUntil(s3.held.is_set, timeout=10_000)  # half the body written, the rest held back

    def shown_in_the_menu() -> bool:
        # The menu is rebuilt a moment after each figure (the tray's rebuild delay), and while the held half is
        # still arriving a later figure can follow the first (under load, chunks come > 0.25 s apart): wait for
        # the menu to show the latest figure, not for the first "saving" it shows.
        figures = list(controller.after.saving().values())
        return len(figures) == 1 and _entry_text(controller).endswith(f"saving {figures[0][0] * 100 // len(PDF)}%")

    qtbot.waitUntil(shown_in_the_menu, timeout=10_000)
    [(received, total)] = controller.after.saving().values()
    assert 0 < received <= len(PDF) // 2 and total == len(PDF)
    percent = f"saving {received * 100 // len(PDF)}%"
    submenu = _job_menu(controller)
    assert f"Saving the result: {percent}" in [a.text() for a in submenu.actions()]
    assert controller.window.statusBar().currentMessage() == f"JOB1: {percent}"  # the window's status line too
    s3.release()
    qtbot.waitUntil(lambda: bool(notifier.saved), timeout=10_000)
    qtbot.waitUntil(lambda: "saving" not in _entry_text(controller) != "", timeout=10_000)
    assert (results / "report.pdf").read_bytes() == PDF
    assert controller.after.saving() == {}
    assert calls and all(on_main for _, on_main in calls)  # carried to the main thread
    assert calls[-1][0] == {}
    assert "Open file" in [a.text() for a in _job_menu(controller).actions()]


def _pending_menu(controller: app_module.AppController, text: str) -> QMenu | None:
    """The menu's after-end work line holding `text` (None while the menu has none)."""
    for action in controller.tray.menu.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and text in action.text() and "JOB" in action.text():
            return menu
    return None


def _click(menu: QMenu, label: str) -> None:
    next(a for a in menu.actions() if a.text() == label).trigger()


def test_a_failed_save_has_a_line_with_save_again_that_saves_it(
    tray_app: tuple[app_module.AppController, SavingNotifier, Path], s3: ObjectStoreServer, qtbot: QtBot
) -> None:
    controller, notifier, results = tray_app
    _succeed(controller, s3.put("ABC/late.pdf", PDF[:5000], expired=True))
    qtbot.waitUntil(lambda: _pending_menu(controller, "failed:") is not None, timeout=10_000)
    line = _pending_menu(controller, "failed:")
    assert line is not None
    title = next(a.text() for a in controller.tray.menu.actions() if a.menu() is line)
    assert title.startswith("Saving JOB1 failed: ") and "refused the result link (HTTP 403)" in title
    assert [a.text() for a in line.actions()] == ["Save again", "Discard"]
    s3.objects["ABC/late.pdf"].expired = False  # the provider's link works again
    _click(line, "Save again")
    qtbot.waitUntil(lambda: bool(notifier.saved), timeout=10_000)
    assert (results / "late.pdf").read_bytes() == PDF[:5000]
    qtbot.waitUntil(lambda: _pending_menu(controller, "failed:") is None, timeout=10_000)
    assert controller.pending.items() == []
    assert [r.state for r in controller.store.outbox.for_job(1, ("done", "failed"))] == ["done"]


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.fixture
def stopped_work(tmp_path: Path) -> Iterator[tuple[Path, Path, int, int]]:
    """Two ended jobs whose commands did not complete: JOB1's stopped by our quit (interrupted), JOB2's running
    when its process died (repaired to 'unknown' at the next start)."""
    folder, marker = tmp_path / "data", tmp_path / "ran.txt"
    with Store(folder) as store:
        account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_KEY_FOR_TEST"))
        store.settings.save_account("acme", AccountSettings(on_end=f"sh -c 'echo ran >> {marker}'"))
        rows = []
        for job_id, pid in (("JOB1", os.getpid()), ("JOB2", _dead_pid())):
            job, _ = store.jobs.add(account, job_id)
            store.jobs.record_status(job.id, Status(job_id, JobState.SUCCEEDED, "success", 100.0, None, None))
            row = store.outbox.add(job.id, "command", ref="account:on-end")
            assert store.outbox.claim(row, pid, 600.0) is not None
            rows.append(row)
        assert store.outbox.finish(rows[0], os.getpid(), "interrupted", error="stopped when JobTray quit")
    yield folder, marker, rows[0], rows[1]


def _started(folder: Path) -> app_module.AppController:
    controller = app_module.AppController(Store(folder), show_tray=False, notifier=SavingNotifier())  # type: ignore[arg-type]
    controller.start()
    return controller


def test_a_stopped_command_is_run_again_and_one_that_may_not_have_finished_is_discarded(
    stopped_work: tuple[Path, Path, int, int], qtbot: QtBot
) -> None:
    folder, marker, interrupted, unknown = stopped_work
    controller = _started(folder)
    try:
        qtbot.waitUntil(lambda: _pending_menu(controller, "may not have finished") is not None, timeout=10_000)
        qtbot.waitUntil(lambda: _pending_menu(controller, "was stopped") is not None, timeout=10_000)
        stopped = _pending_menu(controller, "was stopped")
        maybe = _pending_menu(controller, "may not have finished")
        assert stopped is not None and maybe is not None
        assert [a.text() for a in stopped.actions()] == ["Run again", "Discard"]
        assert [a.text() for a in maybe.actions()] == ["Discard"]  # never run twice on our own
        assert not marker.exists()
        _click(stopped, "Run again")
        qtbot.waitUntil(lambda: controller.store.outbox.get(interrupted).state == "done", timeout=10_000)
        assert marker.read_text() == "ran\n"  # once
        _click(maybe, "Discard")
        assert controller.store.outbox.get(unknown).state == "discarded"
        qtbot.waitUntil(
            lambda: (
                _pending_menu(controller, "was stopped") is None
                and _pending_menu(controller, "may not have finished") is None
            ),
            timeout=10_000,
        )
        assert controller.pending.items() == []
        assert marker.read_text() == "ran\n"
        told = controller.notifier.problems  # type: ignore[attr-defined]
        assert [t for t in told if "may not have finished" in t] != []  # told once, at the start
        assert [t for t in told if "resumed after a restart" in t] == []  # asked for now, not a restart's replay
    finally:
        controller.shutdown()
        controller.store.close()


def test_work_discarded_by_another_process_leaves_the_menu_through_the_change_feed(
    stopped_work: tuple[Path, Path, int, int], qtbot: QtBot
) -> None:
    folder, _marker, interrupted, _unknown = stopped_work
    controller = _started(folder)
    try:
        qtbot.waitUntil(lambda: _pending_menu(controller, "was stopped") is not None, timeout=10_000)
        with Store(folder) as other:  # `jobtray pending --discard ID` in another process, as far as the tray sees
            other.outbox.discard(interrupted)
        qtbot.waitUntil(lambda: _pending_menu(controller, "was stopped") is None, timeout=10_000)
        assert _pending_menu(controller, "may not have finished") is not None
    finally:
        controller.shutdown()
        controller.store.close()


def test_the_window_shows_the_selected_jobs_work_with_the_same_actions(
    stopped_work: tuple[Path, Path, int, int], qtbot: QtBot
) -> None:
    folder, marker, interrupted, _unknown = stopped_work
    controller = _started(folder)
    try:
        qtbot.waitUntil(lambda: len(controller.pending.items()) == 2, timeout=10_000)
        job = controller.store.outbox.get(interrupted).job
        controller.show_job(job)
        panel = controller.pending.panel
        assert panel is not None and panel.isVisible()
        assert [i.row_id for i in panel.items] == [interrupted]
        assert [b.text() for b in panel.buttons()] == ["Run again", "Discard"]
        panel.buttons()[0].click()
        qtbot.waitUntil(lambda: controller.store.outbox.get(interrupted).state == "done", timeout=10_000)
        assert marker.read_text() == "ran\n"
        qtbot.waitUntil(lambda: not panel.items, timeout=10_000)
        assert not panel.isVisible()
    finally:
        controller.shutdown()
        controller.store.close()


def test_save_result_again_from_the_jobs_entry_settles_the_failed_line(
    tray_app: tuple[app_module.AppController, SavingNotifier, Path], s3: ObjectStoreServer, qtbot: QtBot
) -> None:
    controller, notifier, results = tray_app
    _succeed(controller, s3.put("ABC/late.pdf", PDF[:5000], expired=True))
    qtbot.waitUntil(lambda: _pending_menu(controller, "failed:") is not None, timeout=10_000)
    s3.objects["ABC/late.pdf"].expired = False
    _click(_job_menu(controller), "Save result again")  # the job's own entry, as before the outbox
    qtbot.waitUntil(lambda: bool(notifier.saved), timeout=10_000)
    assert (results / "late.pdf").read_bytes() == PDF[:5000]
    qtbot.waitUntil(lambda: _pending_menu(controller, "failed:") is None, timeout=10_000)
    assert controller.store.outbox.for_job(1, ("failed",)) == []  # superseded, not left failed beside the file


def test_progress_from_a_burst_reaches_the_tray_once_with_the_latest_figures(
    tray_app: tuple[app_module.AppController, SavingNotifier, Path], s3: ObjectStoreServer, qtbot: QtBot
) -> None:
    controller, _notifier, _results = tray_app
    _succeed(controller, s3.put("ABC/report.pdf", PDF, mode="held"))
    qtbot.waitUntil(lambda: controller.after.saving() != {}, timeout=10_000)
    pump = controller.after.outbox
    assert pump is not None
    said: list[dict[int, tuple[int, int | None]]] = []
    pump.downloads.connect(said.append)

    def burst() -> None:  # a download thread telling its progress far more often than anyone can read it
        for received in range(1, 5001):
            pump._on_progress(DownloadProgress(1, "acme", received, len(PDF)))

    worker = threading.Thread(target=burst)
    worker.start()
    worker.join()  # the main thread's event loop did not turn meanwhile: every call waits in one queued signal
    qtbot.waitUntil(lambda: bool(said), timeout=5_000)
    qtbot.wait(2 * PROGRESS_INTERVAL_MS)  # the throttle's interval passes: nothing more was said
    assert said == [{1: (5000, len(PDF))}]
    s3.release()
    qtbot.waitUntil(lambda: controller.after.saving() == {}, timeout=10_000)


def test_removing_a_job_takes_its_lines_away(stopped_work: tuple[Path, Path, int, int], qtbot: QtBot) -> None:
    folder, _marker, interrupted, _unknown = stopped_work
    controller = _started(folder)
    try:
        qtbot.waitUntil(lambda: _pending_menu(controller, "was stopped") is not None, timeout=10_000)
        controller.remove_jobs([controller.store.outbox.get(interrupted).job])
        qtbot.waitUntil(lambda: _pending_menu(controller, "was stopped") is None, timeout=10_000)
        assert [i.state for i in controller.pending.items()] == ["unknown"]
    finally:
        controller.shutdown()
        controller.store.close()


def test_the_menu_shows_a_few_lines_of_unfinished_work_and_the_rest_behind_one(qtbot: QtBot) -> None:
    tray = TrayIcon()
    opened: list[bool] = []
    tray.show_window_requested.connect(lambda: opened.append(True))
    chosen: list[tuple[int, str]] = []
    tray.pending_action_requested.connect(lambda row, action: chosen.append((row, action)))
    items = [PendingItem(n, n, f"job {n}", "download", "failed", f"r{n}.pdf", "HTTP 403") for n in range(1, 8)]
    tray.set_pending(items)
    tray.rebuild_menu()
    texts = [a.text() for a in tray.menu.actions()]
    assert [t for t in texts if t.startswith("Saving ")] == [f"Saving r{n}.pdf failed: HTTP 403" for n in range(1, 6)]
    more = next(a for a in tray.menu.actions() if a.text() == "More unfinished after-end work (2)...")
    more.trigger()
    assert opened == [True]
    first = next(a.menu() for a in tray.menu.actions() if a.text().startswith("Saving r1.pdf"))
    assert isinstance(first, QMenu)
    _click(first, "Discard")
    assert chosen == [(1, DISCARD)]
