"""The job table model: row-level signals, never a reset after the first load, fast with 10,000 jobs."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPersistentModelIndex, QSortFilterProxyModel, Qt
from pytestqt.modeltest import ModelTester

from desktop_app.core.model import JobState
from desktop_app.ui.job_model import JOB_ROW_ID_ROLE, SORT_ROLE, Column, JobTableModel
from tests.gui.conftest import make_job


def _signals(model: JobTableModel) -> list[str]:
    seen: list[str] = []
    model.modelReset.connect(lambda: seen.append("reset"))
    model.rowsInserted.connect(lambda _p, first, last: seen.append(f"insert {first}-{last}"))
    model.rowsRemoved.connect(lambda _p, first, last: seen.append(f"remove {first}-{last}"))
    model.dataChanged.connect(lambda a, b, _r=(): seen.append(f"changed {a.row()}-{b.row()}"))
    return seen


def test_sync_inserts_updates_and_removes_by_row_signals() -> None:
    model = JobTableModel()
    seen = _signals(model)
    model.sync([make_job(1), make_job(2), make_job(3)])
    assert seen == ["insert 0-2"]
    seen.clear()
    model.sync([make_job(1), replace(make_job(2), state=JobState.SUCCEEDED, progress=100.0), make_job(4)])
    assert seen == ["remove 2-2", "changed 1-1", "insert 2-2"]
    assert [model.index(r, 0).data(JOB_ROW_ID_ROLE) for r in range(model.rowCount())] == [1, 2, 4]
    assert model.index(1, Column.STATE).data() == "Succeeded"  # list --json's word (issue 20)
    assert model.index(1, Column.PROGRESS).data() == "100%"


def test_unchanged_jobs_emit_nothing() -> None:
    model = JobTableModel()
    jobs = [make_job(i) for i in range(1, 6)]
    model.sync(jobs)
    seen = _signals(model)
    model.sync(jobs)
    model.upsert(jobs[:2])
    assert seen == []


def test_columns_show_label_account_state_progress_message() -> None:
    model = JobTableModel()
    job = make_job(7, JobState.FAILED, label="Invoices", message="Input file is damaged", progress=None)
    model.sync([job])
    row = [model.index(0, c).data() for c in Column]
    assert row[Column.JOB] == f"Invoices ({job.job_id})"
    assert row[Column.ACCOUNT] == "acme"
    assert row[Column.STATE] == "Failed"
    assert row[Column.MESSAGE] == "Input file is damaged"
    assert model.index(0, Column.STATE).data(Qt.ItemDataRole.DecorationRole) is not None
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Column] == [
        "Job",
        "Account",
        "State",
        "Progress",
        "Duration",
        "Updated",
        "Result",
        "Message",
    ]


def test_passes_qt_model_tester(qtmodeltester: ModelTester) -> None:
    model = JobTableModel()
    model.sync([make_job(i, progress=float(i)) for i in range(1, 20)])
    qtmodeltester.check(model)


def test_ten_thousand_jobs_update_without_reset() -> None:
    # How fast is bench/scale.py's (docs/PERFORMANCE.md, Scale): a time limit here failed under load, not on bugs.
    model = JobTableModel()
    jobs = [make_job(i) for i in range(1, 10_001)]
    model.sync(jobs)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.sort(Column.UPDATED, Qt.SortOrder.DescendingOrder)
    seen = _signals(model)
    for i in range(1, 101):  # a round of 100 results, applied one by one as the app does
        model.upsert([replace(jobs[i * 50], progress=float(i))])
    model.sync([*jobs[:9_000], make_job(20_000)])
    assert "reset" not in seen
    assert model.rowCount() == 9_001


def _row_ids(model: JobTableModel) -> list[int]:
    return [model.index(r, 0).data(JOB_ROW_ID_ROLE) for r in range(model.rowCount())]


def test_sorting_happens_in_the_model_and_survives_updates(qtmodeltester: ModelTester) -> None:
    model = JobTableModel()
    model.sync([make_job(i, progress=float(i * 10)) for i in range(1, 6)])
    model.sort(Column.PROGRESS, Qt.SortOrder.DescendingOrder)
    assert _row_ids(model) == [5, 4, 3, 2, 1]
    qtmodeltester.check(model)  # watches every later change for consistency
    seen = _signals(model)
    moves: list[tuple[int, int]] = []
    model.rowsMoved.connect(lambda _p, start, _end, _d, dest: moves.append((start, dest)))
    model.upsert([make_job(1, progress=45.0)])  # from the bottom to between 5 and 4
    assert _row_ids(model) == [5, 1, 4, 3, 2]
    assert moves == [(4, 1)]
    model.upsert([make_job(5, progress=1.0), make_job(3, progress=30.0, message="still going")])
    assert _row_ids(model) == [1, 4, 3, 2, 5]
    model.upsert([make_job(9, progress=35.0)])  # a new job goes where it belongs
    assert _row_ids(model) == [1, 4, 9, 3, 2, 5]
    model.remove([1, 2])
    assert _row_ids(model) == [4, 9, 3, 5]
    model.sync([make_job(4, progress=40.0), make_job(3, progress=99.0), make_job(7, progress=0.0)])
    assert _row_ids(model) == [3, 4, 7]
    assert "reset" not in seen
    assert [model.row_of(i) for i in (3, 4, 7)] == [0, 1, 2]
    model.sort(Column.JOB, Qt.SortOrder.AscendingOrder)
    assert _row_ids(model) == [3, 4, 7]  # job IDs are the zero-padded row ids


def test_sorted_model_changes_report_the_rows_after_moves() -> None:
    model = JobTableModel()
    model.sync([make_job(i, progress=float(i)) for i in range(1, 5)])
    model.sort(Column.PROGRESS, Qt.SortOrder.AscendingOrder)
    changed: list[int] = []
    model.dataChanged.connect(lambda a, b, _r=(): changed.extend(range(a.row(), b.row() + 1)))
    # job 2 changes in place (row 1), then job 4 moves above it: job 2 is on row 2 when the signal goes out.
    model.upsert([make_job(2, progress=2.0, message="hello"), make_job(4, progress=0.5)])
    assert _row_ids(model) == [4, 1, 2, 3]
    assert sorted(changed) == [0, 2]
    assert model.index(2, Column.MESSAGE).data() == "hello"


def test_many_sorted_rows_changing_at_once_are_one_layout_change(qtmodeltester: ModelTester) -> None:
    model = JobTableModel()
    model.sync([make_job(i, progress=float(i)) for i in range(1, 101)])
    model.sort(Column.PROGRESS, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    persistent = QPersistentModelIndex(model.index(model.row_of(50), Column.STATE))
    layouts: list[str] = []
    model.layoutChanged.connect(lambda *_: layouts.append("layout"))
    model.rowsMoved.connect(lambda *_: layouts.append("move"))
    model.upsert([make_job(i, progress=float(200 - i)) for i in range(1, 41)])  # 40 jobs jump to the top, reversed
    assert layouts == ["layout"]
    assert _row_ids(model)[:41] == [*range(1, 41), 100]
    assert model.rowCount() == 100
    assert persistent.row() == model.row_of(50)  # a selection follows its job
    model.upsert([make_job(3, progress=0.0)])  # a single change is a single move
    assert layouts == ["layout", "move"]
    assert _row_ids(model)[-1] == 3
