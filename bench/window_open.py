"""The window at 1k and 100k jobs (issue 19, "the window pages from the store"): the time to open it (built and its
first rows painted) and the tray's RSS after, then at the biggest size the time of a sort-click and of a scroll to
the next page (a sort-click on Job, and the slowest click of any column in either order).

Each size runs in a child process of its own (offscreen, the real `AppController` on a real store seeded like
bench/tray_load.py's: ended jobs on one PDF.co account, the change feed pruned), so one size's memory never counts in
the other's.

    python bench/window_open.py                       # 1,000 and 100,000 jobs
    python bench/window_open.py --sizes 1000 10000 100000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a fresh checkout, no install

from bench.tray_load import KEY, KEY_ENV, seed


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(folder: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    QSystemTrayIcon.isSystemTrayAvailable = staticmethod(lambda: True)  # type: ignore[method-assign]
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    from desktop_app.app.controller import AppController
    from desktop_app.store.database import Store
    from desktop_app.ui.job_model import Column
    from tests.support.notifier import QuietNotifier

    store = Store(Path(folder), busy_timeout_ms=250)
    controller = AppController(store, notifier=QuietNotifier())
    controller.start()
    for _ in range(5):
        app.processEvents()
    out: dict[str, Any] = {"tray_rss_mb": round(_rss_mb(), 1)}

    started = time.perf_counter()
    controller.windows.show_window()
    window = controller.windows.window
    window.table.viewport().repaint()  # the first rows painted
    app.processEvents()
    out["open_s"] = round(time.perf_counter() - started, 3)
    out["rows_loaded"] = window.model.rowCount()
    out["rss_after_open_mb"] = round(_rss_mb(), 1)

    started = time.perf_counter()
    window.table.sortByColumn(Column.JOB, Qt.SortOrder.AscendingOrder)  # what a click on the Job header does
    window.table.viewport().repaint()
    app.processEvents()
    out["sort_click_s"] = round(time.perf_counter() - started, 3)
    slowest = ("", 0.0)
    for column in Column:  # every column's clicks, both orders (a second click turns it): the slowest is printed
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            started = time.perf_counter()
            window.table.sortByColumn(column, order)
            window.table.viewport().repaint()
            app.processEvents()
            took = time.perf_counter() - started
            if took > slowest[1]:
                slowest = (f"{column.name.lower()} {'desc' if order == Qt.SortOrder.DescendingOrder else 'asc'}", took)
    out["slowest_sort"] = f"{slowest[0]} {slowest[1]:.3f}"
    window.table.sortByColumn(Column.UPDATED, Qt.SortOrder.DescendingOrder)
    app.processEvents()

    before = window.model.rowCount()
    started = time.perf_counter()
    window.table.scrollToBottom()  # the view asks the model for more (fetchMore) at the bottom
    app.processEvents()
    window.table.viewport().repaint()
    out["scroll_next_page_s"] = round(time.perf_counter() - started, 3)
    out["rows_after_scroll"] = window.model.rowCount()
    out["rows_before_scroll"] = before
    out["rss_end_mb"] = round(_rss_mb(), 1)
    print(json.dumps(out), flush=True)
    controller.shutdown()
    store.close()
    return 0


def run_size(jobs: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="jobtray-window-"))
    try:
        seed(folder, jobs)
        env = {**os.environ, KEY_ENV: KEY, "QT_QPA_PLATFORM": "offscreen"}
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(folder)],
            capture_output=True,
            text=True,
            env=env,
            timeout=170,
            check=True,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        return {"jobs": jobs, **json.loads(lines[-1])}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child)
    print(
        f"{'jobs':>8} {'tray MB':>8} {'open s':>7} {'rows':>6} {'RSS MB':>7} {'sort s':>7} {'scroll s':>9} "
        f"{'rows':>12}  slowest sort (column s)"
    )
    for size in args.sizes:
        r = run_size(size)
        print(
            f"{r['jobs']:>8,} {r['tray_rss_mb']:>8} {r['open_s']:>7} {r['rows_loaded']:>6} {r['rss_after_open_mb']:>7} "
            f"{r['sort_click_s']:>7} {r['scroll_next_page_s']:>9} "
            f"{str(r['rows_before_scroll']) + '->' + str(r['rows_after_scroll']):>12}  {r['slowest_sort']}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
