"""`jobtray pending`, `list --json`'s `pending` field and `history`'s after-end lines, on a real store."""

from __future__ import annotations

import json

from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store.database import Store
from tests.support.cli import run_cli


def _setup(store: Store) -> tuple[int, int, int]:
    account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
    job, _ = store.jobs.add(account, "J1")
    store.jobs.record_status(job.id, Status("J1", JobState.SUCCEEDED, "success", 100.0, None, "https://h/r.pdf"))
    download = store.outbox.add(job.id, "download", ref="account:save-results")
    command = store.outbox.add(job.id, "command", ref="account:on-end")
    given = store.outbox.add(job.id, "command", ref="watch:0", origin_pid=1)
    store.outbox.claim(download, 5, 60)
    store.outbox.finish(download, 5, "done", outcome="/r/r.pdf")
    store.outbox.claim(command, 5, 60)
    store.outbox.finish(command, 5, "interrupted", error="ended by JobTray's stop")
    return download, command, given


def test_list_json_pending_and_history(store: Store) -> None:
    _download, command, given = _setup(store)
    code, out, err = run_cli("list", "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert [(p["id"], p["kind"], p["state"], p["attempts"], p["last_error"]) for p in row["pending"]] == [
        (command, "command", "interrupted", 1, "ended by JobTray's stop"),
        (given, "command", "pending", 0, None),
    ]
    code, out, err = run_cli("history", "J1")
    assert code == 0, err
    lines = out.splitlines()
    after = lines[lines.index("after-end work:") + 1 :]
    assert after[0].startswith(f"{command}\trun a command (the account's on-end)\tinterrupted\t1 attempt")
    assert after[-1] == (
        f"run again: jobtray pending --run-again ID ({command}); give up: jobtray pending --discard ID"
    )


def test_pending_lists_discards_and_runs_again(store: Store) -> None:
    _download, command, given = _setup(store)
    code, out, err = run_cli("pending", "--json")
    assert code == 0, err
    assert [(p["id"], p["job_id"], p["account"], p["state"]) for p in json.loads(out)] == [
        (command, "J1", "work", "interrupted"),
        (given, "J1", "work", "pending"),
    ]
    code, out, err = run_cli("pending", "--run-again", str(command))
    assert code == 0 and "pending again" in out, err
    assert store.outbox.get(command).state == "pending"
    code, out, err = run_cli("pending", "--run-again", str(given))
    assert code == 2 and "nothing to run again" in err
    code, out, err = run_cli("pending", "--discard", str(given))
    assert code == 0, err
    code, out, err = run_cli("pending")
    assert out.splitlines()[0].startswith(f"{command}\twork\tJ1\trun a command")
    code, out, err = run_cli("pending", "--discard", "999")
    assert code == 2 and "no after-end work with id 999" in err
