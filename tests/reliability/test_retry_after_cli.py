"""Issue 11: a huge Retry-After is capped and the user is told when JobTray will look again; the next `jobtray poll`
process honours it (it was forgotten); a Retry-After like "\xb2" (which passes str.isdigit) crashes nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from desktop_app.cli import commands as cli
from desktop_app.core.model import Account, KeySource
from desktop_app.store.database import Store
from tests.conftest import PDFCO_KEY
from tests.support.cli import run_cli
from tests.support.fault_server import Fault, FaultServer

JOB = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"


@pytest.fixture
def faults(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PDFCO_KEY", PDFCO_KEY)
    with FaultServer() as server:
        with Store(data_dir) as store:
            account = store.accounts.add(
                Account("pdf", "pdfco", KeySource.ENV, base_url=server.base_url, key_env="PDFCO_KEY")
            )
            store.jobs.add(account, JOB)
        yield server


@pytest.mark.parametrize("value", ["999999999", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_a_huge_retry_after_is_capped_told_and_kept_for_the_next_poll(faults: FaultServer, value: str) -> None:
    faults.inject(
        Fault.http(
            429, b'{"error": true, "message": "Too many requests"}', "application/json", **{"Retry-After": value}
        )
    )
    code, _, err = run_cli("poll")
    assert code == 2
    assert "PDF.co asked us to wait until" in err and err.count("\n") == 1, err  # one line, saying when
    faults.heal()
    before = faults.request_count
    code, _, err = run_cli("poll")  # a new process (a cron'd poll): the wait holds
    assert faults.request_count == before  # nothing was sent
    assert code == 2 and "not checked" in err and "wait until" in err, err
    with Store(Path(cli.data_dir(None))) as store:
        held = store.accounts.server_wait("pdf", time.time())
    assert held is not None
    assert held[0] - time.time() <= 3600 + 5  # capped at an hour, not 24 h or 31 years


def test_a_retry_after_of_superscript_two_is_ignored_and_watch_goes_on(faults: FaultServer) -> None:
    faults.inject(Fault.http(429, b"slow down", "text/plain", **{"Retry-After": "\u00b2"}), times=1)
    code, _, err = run_cli("watch", "--timeout", "1")
    assert code == 3, err  # the job stays open: timed out, not crashed (exit 1 meant "a job failed")
    assert "Traceback" not in err
