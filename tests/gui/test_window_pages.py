"""The window pages from the store (issue 19): a real SQLite file, the window's `PagedJobModel` over
`store.job_pages.JobPages`, and the whole tray app for "show job"."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.app.controller import AppController
from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.store.database import Store
from desktop_app.store.db import DB_FILENAME
from desktop_app.store.job_pages import JobPages
from desktop_app.ui.job_model import JOB_ROW_ID_ROLE, Column
from desktop_app.ui.paged_jobs import PAGE_SIZE, PagedJobModel
from desktop_app.ui.window import JobWindow
from tests.support.notifier import QuietNotifier

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STATES = list(JobState)


def _at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def _seed(store: Store, count: int, ties: int = 4) -> None:
    """`count` jobs over two accounts, `ties` of them at a time sharing one updated_at (and so one sort value)."""
    acme = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_PAGES_KEY"))
    globex = store.accounts.add(Account("Globex", "pdfco", KeySource.ENV, key_env="UNSET_PAGES_KEY"))
    rows = []
    for n in range(count):
        account = acme if n % 3 else globex
        state = STATES[n % len(STATES)]
        at = _at(n // ties)
        finished = at if state.is_terminal else None
        label = f"Batch {n % 5}" if n % 2 else None
        rows.append((account.id, f"J{n:05d}", label, state.value, at, at, finished))
    with store.jobs.transaction():
        store.conn.executemany(
            "INSERT INTO jobs (account_id, job_id, label, state, created_at, updated_at, finished_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "data") as store:
        yield store


def _model(store: Store, page_size: int = 10) -> PagedJobModel:
    return PagedJobModel(JobPages(store.conn), page_size=page_size)


def _ids(model: PagedJobModel) -> list[int]:
    return [int(model.index(row, 0).data(JOB_ROW_ID_ROLE)) for row in range(model.rowCount())]


def _expected(store: Store, column: Column, descending: bool) -> list[int]:
    """The order the window promises, computed here from every job (never the model's own code)."""

    def key(job: Job) -> tuple[object, int]:
        if column == Column.UPDATED:
            return job.updated_at, job.id
        if column == Column.ACCOUNT:
            return job.account.lower(), job.id
        if column == Column.STATE:
            return STATES.index(job.state), job.id
        assert column == Column.JOB
        return (f"{job.label} ({job.job_id})" if job.label else job.job_id).lower(), job.id

    return [job.id for job in sorted(store.jobs.all(), key=key, reverse=descending)]


@pytest.mark.parametrize(
    ("column", "descending"),
    [
        (Column.UPDATED, True),
        (Column.UPDATED, False),
        (Column.ACCOUNT, False),
        (Column.STATE, True),
        (Column.JOB, False),
    ],
)
def test_pages_follow_each_other_in_order_with_no_duplicate_or_gap(
    store: Store, column: Column, descending: bool
) -> None:
    _seed(store, 47)  # four jobs share each updated_at; a third of them one account; a seventh one state
    model = _model(store)
    model.sort(column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
    assert model.rowCount() == 10 and model.canFetchMore()  # the first page only
    model.fetchMore()
    assert model.rowCount() == 20
    model.fetch_all()
    assert not model.canFetchMore()
    assert _ids(model) == _expected(store, column, descending)  # every job once, in the order, across the pages


def test_the_default_page_reads_through_the_index_not_every_row(store: Store) -> None:
    _seed(store, 30)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    model = _model(store)
    model.sort(Column.UPDATED, Qt.SortOrder.DescendingOrder)
    model.fetchMore()
    store.conn.set_trace_callback(None)
    pages = [sql for sql in statements if "sort_value" in sql]
    assert len(pages) == 2
    for sql in pages:
        plan = " | ".join(str(row[-1]) for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "jobs_updated" in plan and "TEMP B-TREE" not in plan, plan


def test_a_sort_click_and_a_filter_read_the_store_again(store: Store, qtbot) -> None:
    _seed(store, 700)
    model = _model(store, page_size=PAGE_SIZE)
    window = JobWindow(model)
    qtbot.addWidget(window)
    assert model.rowCount() == PAGE_SIZE  # the window's default order: newest first, one page
    assert _ids(model) == _expected(store, Column.UPDATED, True)[:PAGE_SIZE]
    window.table.horizontalHeader().setSortIndicator(Column.JOB, Qt.SortOrder.AscendingOrder)  # a click's effect
    assert model.rowCount() == PAGE_SIZE
    assert _ids(model) == _expected(store, Column.JOB, False)[:PAGE_SIZE]

    window.filter.setText("ACME")  # an account's name, whatever its case
    qtbot.waitUntil(lambda: model.filter_text() == "ACME", timeout=2000)
    acme = [job.id for job in store.jobs.all() if job.account == "acme"]
    assert model.rowCount() == PAGE_SIZE and set(_ids(model)) <= set(acme)  # a page of them, read from the store
    assert _ids(model) == [row_id for row_id in _expected(store, Column.JOB, False) if row_id in set(acme)][:PAGE_SIZE]
    model.fetch_all()
    assert sorted(_ids(model)) == sorted(acme)

    window.filter.setText("not found")  # the state's word as the window shows it, not the stored "not_found"
    qtbot.waitUntil(lambda: model.filter_text() == "not found", timeout=2000)
    model.fetch_all()
    assert sorted(_ids(model)) == sorted(j.id for j in store.jobs.all() if j.state is JobState.NOT_FOUND)
    assert {model.index(r, Column.STATE).data() for r in range(model.rowCount())} == {"Not found"}

    window.filter.setText("batch 3 (J00")  # the label and ID as the Job column shows them: label, then ID
    qtbot.waitUntil(lambda: model.filter_text() == "batch 3 (J00", timeout=2000)
    assert model.rowCount() == 0  # the column's composed text is not matched, its parts are (store/job_pages.py)
    window.filter.clear()
    qtbot.waitUntil(lambda: model.filter_text() == "", timeout=2000)
    assert model.rowCount() == PAGE_SIZE


def test_a_changed_job_is_updated_in_place_or_moved_and_a_new_one_appears_at_the_top(store: Store) -> None:
    _seed(store, 40)
    model = _model(store)
    model.sort(Column.UPDATED, Qt.SortOrder.DescendingOrder)
    top = _ids(model)
    third = top[2]
    store.conn.execute("UPDATE jobs SET message = 'half done' WHERE id = ?", (third,))  # same updated_at
    model.follow([third])
    assert _ids(model) == top and model.index(2, Column.MESSAGE).data() == "half done"  # in place

    fifth = top[4]
    store.jobs.record_status(fifth, Status(store.jobs.get(fifth).job_id, JobState.RUNNING, "working", progress=40.0))
    model.follow([fifth])  # its updated_at is now: the newest
    assert _ids(model)[0] == fifth and model.rowCount() == 10 and _ids(model).count(fifth) == 1

    acme = store.accounts.get("acme")
    added, _ = store.jobs.add(acme, "NEW-1")
    model.follow([added.id])
    assert _ids(model)[0] == added.id and model.rowCount() == 11
    model.fetch_all()
    assert _ids(model) == _expected(store, Column.UPDATED, True)  # still no duplicate or gap


def test_a_job_beyond_the_rows_read_waits_for_the_next_page(store: Store) -> None:
    _seed(store, 40)
    model = _model(store)
    model.sort(Column.UPDATED, Qt.SortOrder.AscendingOrder)  # oldest first: a new job belongs at the very end
    acme = store.accounts.get("acme")
    added, _ = store.jobs.add(acme, "NEW-LAST")
    model.follow([added.id])
    assert added.id not in _ids(model) and model.rowCount() == 10

    first = _ids(model)[0]  # read, then changed: it moves beyond the rows read, and comes back with its page
    store.jobs.record_status(first, Status(store.jobs.get(first).job_id, JobState.RUNNING, "again"))
    model.follow([first])
    assert first not in _ids(model) and model.rowCount() == 9
    model.fetch_all()
    assert _ids(model) == _expected(store, Column.UPDATED, False)
    assert _ids(model)[-2:] == [added.id, first] or _ids(model)[-2:] == [first, added.id]


def test_archived_and_removed_jobs_disappear(store: Store) -> None:
    _seed(store, 25)
    model = _model(store)
    model.sort(Column.UPDATED, Qt.SortOrder.DescendingOrder)
    first, second = _ids(model)[:2]
    store.jobs.set_archived(first)
    store.jobs.remove(second)
    model.follow([first, second])
    assert first not in _ids(model) and second not in _ids(model) and model.rowCount() == 8
    model.fetch_all()
    assert _ids(model) == _expected(store, Column.UPDATED, True)


def test_the_status_line_counts_every_job_not_only_the_rows_read(store: Store, qtbot) -> None:
    _seed(store, 70)
    model = _model(store)
    model.clock = lambda: T0 + timedelta(hours=1)
    window = JobWindow(model)
    qtbot.addWidget(window)
    jobs = store.jobs.all()
    running = sum(1 for j in jobs if not j.state.is_terminal)
    failed = sum(1 for j in jobs if j.state in (JobState.FAILED, JobState.NOT_FOUND))
    today = len(jobs) - running - failed
    assert model.rowCount() == 10
    assert window.summary.text() == f"{running} running · {today} finished today · {failed} failed"


# ---- the app: the window built by the tray, "show job" ----------------------------------------------------------


@pytest.fixture
def controller(store: Store) -> Iterator[AppController]:
    controller = AppController(store, show_tray=False, notifier=QuietNotifier())
    yield controller
    controller.shutdown()


def test_the_app_window_reads_one_page_and_shows_a_job_not_read(store: Store, controller: AppController) -> None:
    _seed(store, 700)
    controller.start()
    controller.show_window()
    window = controller.window
    assert window.model.rowCount() == PAGE_SIZE
    assert controller.model.rowCount() < 700  # the tray's model did not read them either

    oldest = _expected(store, Column.UPDATED, True)[-1]
    controller.show_job(oldest)  # from the tray's menu or a notification: the rows up to it are read
    assert window.current_row_id() == oldest
    assert store.jobs.get(oldest).job_id in window.history.title.text()
    assert window.model.rowCount() == 700

    window.filter.setText("globex")
    window.model.set_filter("globex")  # as the box does after a pause in typing
    acme_job = next(job for job in store.jobs.all() if job.account == "acme")
    controller.show_job(acme_job.id)  # filtered out: not in the table, its history shown all the same
    assert window.current_row_id() is None
    assert acme_job.job_id in window.history.title.text()


def test_an_outside_add_appears_at_the_top_of_the_open_window(
    store: Store, controller: AppController, tmp_path: Path, qtbot
) -> None:
    _seed(store, 350)
    controller.start()
    controller.show_window()
    window = controller.window
    with Store(tmp_path / "data") as other:  # `jobtray add` in a terminal
        added, _ = other.jobs.add(other.accounts.get("acme"), "FROM-OUTSIDE")
    qtbot.waitUntil(lambda: window.model.rowCount() == PAGE_SIZE + 1, timeout=5000)
    assert window.model.index(0, 0).data(JOB_ROW_ID_ROLE) == added.id


def test_while_the_order_is_held_rows_stay_put_and_pages_still_follow_in_order(store: Store) -> None:
    _seed(store, 40)
    model = _model(store)
    model.sort(Column.UPDATED, Qt.SortOrder.DescendingOrder)
    model.hold_order(True)  # the pointer is over the table
    before = _ids(model)
    moved = before[5]
    store.jobs.record_status(moved, Status(store.jobs.get(moved).job_id, JobState.RUNNING, "newest now"))
    added, _ = store.jobs.add(store.accounts.get("acme"), "NEW-HELD")
    model.follow([moved, added.id])
    assert _ids(model)[:10] == before and _ids(model)[10] == added.id  # in place; the new one at the bottom
    model.fetchMore()  # the next page goes after the rows read, before the one added while held
    assert model.rowCount() == 21 and _ids(model)[-1] == added.id
    model.hold_order(False)  # released: sorted again, as the store orders them
    model.fetch_all()
    assert _ids(model) == _expected(store, Column.UPDATED, True)


def test_the_selected_job_stays_selected_after_a_sort_click_that_reads_it_again(store: Store, qtbot) -> None:
    _seed(store, 20)
    model = _model(store, page_size=PAGE_SIZE)
    window = JobWindow(model)
    qtbot.addWidget(window)
    chosen = _ids(model)[7]
    assert window.select_job(chosen)
    window.table.horizontalHeader().setSortIndicator(Column.ACCOUNT, Qt.SortOrder.AscendingOrder)
    assert _ids(model) == _expected(store, Column.ACCOUNT, False)
    assert window.current_row_id() == chosen


def test_the_trays_likely_ends_reach_the_windows_rows(store: Store, controller: AppController) -> None:
    _seed(store, 5)
    controller.start()
    controller.show_window()
    running = next(job for job in store.jobs.all() if job.state is JobState.RUNNING)
    likely = {running.id: (T0 + timedelta(minutes=1), T0 + timedelta(minutes=2))}
    controller.model.set_etas(likely)  # what EtaDisplay hands the tray's model
    assert controller.window.model.etas() == likely


def test_after_a_full_reload_the_rows_read_are_read_again(store: Store) -> None:
    _seed(store, 40)
    model = _model(store)
    model.sort(Column.UPDATED, Qt.SortOrder.DescendingOrder)
    model.fetchMore()
    first, second = _ids(model)[:2]
    store.jobs.remove(first)
    store.conn.execute("UPDATE jobs SET label = 'renamed' WHERE id = ?", (second,))
    model.follow(None)  # the change feed was pruned past the tray: it reloaded everything
    assert model.rowCount() == 20 and first not in _ids(model)
    assert _ids(model) == _expected(store, Column.UPDATED, True)[:20]
    assert "renamed" in model.index(_ids(model).index(second), Column.JOB).data()


def test_the_filter_takes_percent_and_underscore_literally(store: Store) -> None:
    _seed(store, 12)
    store.conn.execute("UPDATE jobs SET message = '100% done' WHERE id = 3")
    store.conn.execute("UPDATE jobs SET message = 'a_b' WHERE id = 4")
    model = _model(store)
    model.sort(Column.UPDATED, Qt.SortOrder.DescendingOrder)
    model.set_filter("0% d")
    assert _ids(model) == [3]
    model.set_filter("a_b")
    assert _ids(model) == [4]
    model.set_filter("%")
    assert _ids(model) == [3]


def test_show_job_reads_the_rows_up_to_a_job_only_when_it_is_near(store: Store, monkeypatch) -> None:
    from desktop_app.ui import paged_jobs

    monkeypatch.setattr(paged_jobs, "MAX_JUMP", 20)
    _seed(store, 60)
    model = _model(store)
    model.sort(Column.UPDATED, Qt.SortOrder.DescendingOrder)
    order = _expected(store, Column.UPDATED, True)
    assert model.load_through(order[-1]) is None and model.rowCount() == 10  # 50 rows further: not read
    assert model.load_through(order[25]) == 25 and model.rowCount() == 26  # 16 rows further: read up to it
    model.fetch_all()
    assert _ids(model) == order


@contextmanager
def _unreadable(store: Store, data: Path) -> Iterator[None]:
    """The jobs cannot be read while inside (another program took the accounts table away): every read raises
    StoreError, as from a damaged or vanished file."""
    other = sqlite3.connect(data / DB_FILENAME, isolation_level=None)
    try:
        other.execute("ALTER TABLE accounts RENAME TO accounts_away")
        yield
    finally:
        other.execute("ALTER TABLE accounts_away RENAME TO accounts")
        other.close()


def test_a_read_that_fails_is_told_once_and_the_rows_come_back_with_the_next_change(
    store: Store, tmp_path: Path, qtbot: QtBot
) -> None:
    _seed(store, 40)
    model = _model(store)
    window = JobWindow(model)
    qtbot.addWidget(window)
    told: list[str] = []
    model.read_failed.connect(told.append)
    assert model.rowCount() == 10
    with _unreadable(store, tmp_path / "data"):
        window.table.horizontalHeader().setSortIndicator(Column.JOB, Qt.SortOrder.AscendingOrder)  # a sort-click
        assert model.rowCount() == 0  # nothing read: no rows of the old order under the new indicator
        for _ in range(3):  # the view asks again on every scroll, the tray on every change, the summary on both
            model.fetchMore()
            model.follow([1])
            window.update_summary()
        assert len(told) == 1 and "accounts" in told[0]
        assert window.statusBar().currentMessage().startswith("Cannot read the jobs: ")
    model.follow([1])  # the next change, once the store can be read: the first page of the order asked for
    assert _ids(model) == _expected(store, Column.JOB, False)[:10]
    with _unreadable(store, tmp_path / "data"):
        model.fetchMore()
    assert len(told) == 2  # a new run of failures is told again


def test_a_selected_jobs_history_that_cannot_be_read_still_names_the_job(
    store: Store, controller: AppController, tmp_path: Path
) -> None:
    _seed(store, 20)
    controller.start()
    controller.show_window()
    window = controller.window
    chosen = _ids(window.model)[3]
    job_id = store.jobs.get(chosen).job_id
    with _unreadable(store, tmp_path / "data"):
        assert window.select_job(chosen)  # the history is read from the store, which fails
        assert job_id in window.history.title.text()  # the row's job, not "no job" as if it had been removed


@pytest.mark.parametrize("descending", [False, True])
def test_a_time_sqlite_cannot_read_neither_ends_the_pages_nor_breaks_placing(store: Store, descending: bool) -> None:
    _seed(store, 30)
    odd = [2, 3, 4, 17]  # written by another program: an offset without its colon, read by Python, not by julianday
    for row_id in odd:
        store.conn.execute("UPDATE jobs SET created_at = '2026-11-02T08:00:00+0000' WHERE id = ?", (row_id,))
    model = _model(store, page_size=3)
    model.sort(Column.DURATION, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
    model.fetchMore()
    store.conn.execute("UPDATE jobs SET message = 'seen' WHERE id IN (2, 17)")
    model.follow([2, 17])  # placed among the rows read by comparing sort values
    model.fetch_all()
    assert sorted(_ids(model)) == list(range(1, 31))  # every job once
    full = JobPages(store.conn).page(sort="duration", descending=descending, limit=100)
    assert _ids(model) == [job.id for _value, job in full]


def test_a_sort_click_keeps_the_selected_job_selected_when_it_is_a_little_beyond_the_first_page(
    store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.ui import window as window_module

    _seed(store, 700)
    model = _model(store, page_size=PAGE_SIZE)
    window = JobWindow(model)
    qtbot.addWidget(window)
    chosen = _ids(model)[5]  # among the newest: among the oldest once the order turns
    assert window.select_job(chosen)
    window.table.horizontalHeader().setSortIndicator(Column.UPDATED, Qt.SortOrder.AscendingOrder)
    oldest_first = _expected(store, Column.UPDATED, False)
    assert oldest_first.index(chosen) >= PAGE_SIZE  # not in the first page of the new order
    assert window.current_row_id() == chosen  # the rows up to it were read: still selected
    assert _ids(model) == oldest_first[: oldest_first.index(chosen) + 1]

    monkeypatch.setattr(window_module, "KEEP_SELECTED_JUMP", 50)  # further than that: not read for it
    window.table.horizontalHeader().setSortIndicator(Column.UPDATED, Qt.SortOrder.DescendingOrder)
    assert window.current_row_id() == chosen  # in the first page: kept, nothing more read
    window.table.horizontalHeader().setSortIndicator(Column.UPDATED, Qt.SortOrder.AscendingOrder)
    assert window.current_row_id() is None and model.rowCount() == PAGE_SIZE


def test_a_job_too_far_to_read_up_to_is_known_far_without_reading_the_rows_before_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.ui import paged_jobs

    monkeypatch.setattr(paged_jobs, "MAX_JUMP", 20)
    _seed(store, 60)
    model = _model(store)
    model.sort(Column.JOB, Qt.SortOrder.AscendingOrder)  # no index serves it: reading 20 rows sorts every row
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    order = _expected(store, Column.JOB, False)
    assert model.load_through(order[-1]) is None  # 50 rows further
    assert model.load_through(order[30]) is None  # 21 rows further, the job itself the 21st: too far
    store.conn.set_trace_callback(None)
    assert not [sql for sql in statements if "ORDER BY sort_value" in sql]  # counted (stops at 21), never read
    assert model.rowCount() == 10
    assert model.load_through(order[29]) == 29 and model.rowCount() == 30  # 20 rows further: read


def test_a_sort_click_while_scrolled_to_the_bottom_shows_the_new_order_from_the_top(store: Store, qtbot: QtBot) -> None:
    _seed(store, 1000)
    model = _model(store, page_size=PAGE_SIZE)
    window = JobWindow(model)
    qtbot.addWidget(window)
    window.resize(900, 500)
    window.show()
    qtbot.waitExposed(window)
    bar = window.table.verticalScrollBar()
    bar.setValue(bar.maximum())  # the person scrolled to the bottom of the first page: the next one is read
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE_SIZE)
    window.table.horizontalHeader().setSortIndicator(Column.STATE, Qt.SortOrder.AscendingOrder)
    for _ in range(3):
        QApplication.processEvents()  # the view's delayed layout, where it fetches when at the bottom
    assert bar.value() == 0 and window.table.rowAt(0) == 0  # the first rows of the new order
    assert model.rowCount() == PAGE_SIZE  # not a second page read at once because the old scroll value was kept


@pytest.mark.parametrize("descending", [False, True])
def test_non_ascii_labels_page_and_move_in_the_order_sqlite_gives(store: Store, descending: bool) -> None:
    """SQLite compares text by its UTF-8 bytes, the window by Python's code points: the same order, also past
    U+FFFF (where UTF-16's order would differ), so a page boundary among such values neither skips nor repeats."""
    _seed(store, 36)
    labels = ["Z", "z", "é", "É", "\ue000", "\U0001f600", "\uffeb", "ä", "Ä", "zz", "\U00010000", None]
    for row_id in range(1, 37):
        store.conn.execute("UPDATE jobs SET label = ? WHERE id = ?", (labels[row_id % len(labels)], row_id))
    model = _model(store, page_size=2)
    model.sort(Column.JOB, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
    model.fetchMore()
    for row_id, label in ((3, "\U0001f601"), (20, "A"), (31, "\uffff")):  # moved among and beyond the rows read
        store.conn.execute("UPDATE jobs SET label = ? WHERE id = ?", (label, row_id))
        model.follow([row_id])
    model.fetch_all()
    full = JobPages(store.conn).page(sort="job", descending=descending, limit=100)
    assert _ids(model) == [job.id for _value, job in full] and len(set(_ids(model))) == 36


def test_the_status_line_counts_again_when_a_job_beyond_the_rows_read_changes(store: Store, qtbot: QtBot) -> None:
    _seed(store, 70)
    model = _model(store)
    model.clock = lambda: T0 + timedelta(hours=1)
    window = JobWindow(model)
    qtbot.addWidget(window)
    window.table.horizontalHeader().setSortIndicator(Column.JOB, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: not window._summary_timer.isActive())  # the counts of the rows read so far are shown
    before = window.summary.text()
    far = next(j for j in store.jobs.all() if j.state is JobState.RUNNING and j.id not in _ids(model))
    store.jobs.record_status(far.id, Status(far.job_id, JobState.FAILED, "error", message="boom"))
    model.follow([far.id])  # not among the rows read (by Job, a page of 10): no row changes in the table
    assert far.id not in _ids(model)
    jobs = store.jobs.all()
    running = sum(1 for j in jobs if not j.state.is_terminal)
    failed = sum(1 for j in jobs if j.state in (JobState.FAILED, JobState.NOT_FOUND))
    assert f"{running} running" not in before
    assert window._summary_timer.isActive()  # counted again after the burst, as for a row that changed
    qtbot.waitUntil(lambda: window.summary.text().startswith(f"{running} running"), timeout=2000)
    assert window.summary.text().endswith(f"· {failed} failed")
