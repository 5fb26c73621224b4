"""`watch`, `watch --exit-status` and `poll` with nothing to watch say so in one line and exit 0 (they used to
exit 0 silently, which a script cannot tell from "everything finished")."""

from __future__ import annotations

import pytest

from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store.database import Store
from tests.support.cli import run_cli


@pytest.mark.parametrize("command", [["watch"], ["watch", "--exit-status"], ["poll"]])
def test_no_account(command: list[str]) -> None:
    code, out, err = run_cli(*command)
    assert code == 0, err
    assert out.splitlines() == [
        f"nothing to {'check' if command == ['poll'] else 'watch'}: no account yet "
        "(jobtray account add NAME --provider PROVIDER ...)"
    ]
    assert err == ""


@pytest.mark.parametrize("command", [["watch"], ["watch", "--exit-status"], ["poll"]])
def test_no_open_job(store: Store, command: list[str]) -> None:
    account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
    job, _ = store.jobs.add(account, "J1")
    store.jobs.record_status(job.id, Status("J1", JobState.FAILED, "failed"))
    code, out, err = run_cli(*command)
    assert code == 0, err  # --exit-status speaks of the jobs this watch saw end: none
    verb = "check" if command == ["poll"] else "watch"
    assert out.splitlines() == [f"nothing to {verb}: no job is open (jobtray add JOB_ID)"]
