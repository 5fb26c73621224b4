"""No silent stop (issue 18) for a tray download: an unexpected exception inside one is logged with its
traceback and ends as an outcome that says so (the app tells "Result not saved"); the pool goes on saving."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app.engine.downloads import Download, DownloadOutcome, DownloadRequest
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.workers.download_worker import DownloadPool

BODY = b"%PDF-1.7 result " * 64


class BuggyOnce(Download):
    """A real download whose first run raises what a bug would (not an OSError or a requests error)."""

    failed = 0

    def run(self, report: Callable[[int, int | None], None] | None = None) -> DownloadOutcome:
        if not BuggyOnce.failed:
            BuggyOnce.failed += 1
            raise RuntimeError("injected into a download")
        return super().run(report) if report is not None else super().run()


def test_an_exception_in_a_download_is_an_outcome_and_the_next_download_saves(
    qtbot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="desktop_app.workers.download_worker")
    with ObjectStoreServer() as s3:
        url = s3.put("JOB1/report.pdf", BODY)
        request = DownloadRequest(
            row_id=1, account="acme", job_id="JOB1", url=url, folder=str(tmp_path), reserve_bytes=0
        )
        pool = DownloadPool(make_download=BuggyOnce)
        with qtbot.waitSignal(pool.finished, timeout=5000) as first:
            assert pool.start(request)
        outcome = first.args[0]
        assert not outcome.ok and "unexpected error" in (outcome.error or "")
        assert any(r.exc_info and "injected" in str(r.exc_info[1]) for r in caplog.records)  # with its traceback
        qtbot.waitUntil(lambda: not pool.busy(1), timeout=5000)
        with qtbot.waitSignal(pool.finished, timeout=5000) as second:
            assert pool.start(request)  # "Save result again" works: nothing was left stuck
        assert second.args[0].ok, second.args[0].error
        assert (tmp_path / "report.pdf").read_bytes() == BODY
        assert pool.shutdown(2.0)
