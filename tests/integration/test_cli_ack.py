"""`jobtray ack` (issue 21): a failure alarms until acknowledged, through real store files and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.core.alarms import is_alarming, next_renotify, renotify_due
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.store.database import Store
from tests.support.cli import run_cli


def _jobs(data_dir: Path) -> dict[str, int]:
    with Store(data_dir) as store:
        acme = store.accounts.add(Account(name="acme", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
        other = store.accounts.add(Account(name="other", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
        ids = {}
        for account, job_id, state in (
            (acme, "bad-1", JobState.FAILED),
            (acme, "bad-2", JobState.NOT_FOUND),
            (acme, "good", JobState.SUCCEEDED),
            (other, "bad-3", JobState.FAILED),
        ):
            job, _ = store.jobs.add(account, job_id)
            store.jobs.record_status(job.id, Status(job_id, state, "x", message="boom"))
            ids[job_id] = job.id
        return ids


def _listed() -> dict[str, dict[str, object]]:
    code, out, err = run_cli("list", "--json")
    assert code == 0, err
    return {r["job_id"]: r for r in json.loads(out)}


def test_ack_one_then_all_of_an_account_then_all(data_dir: Path) -> None:
    _jobs(data_dir)
    assert all(_listed()[j]["acknowledged_at"] is None for j in ("bad-1", "bad-2", "bad-3"))

    code, out, _ = run_cli("ack", "bad-1")
    assert code == 0 and out.strip() == "acknowledged bad-1 (acme, failed)"
    assert _listed()["bad-1"]["acknowledged_at"] is not None
    code, out, _ = run_cli("ack", "bad-1")
    assert code == 0 and "acknowledged already" in out
    code, out, _ = run_cli("ack", "good")
    assert code == 0 and "succeeded, not failed" in out

    code, out, _ = run_cli("ack", "--all", "--account", "acme")
    assert out.splitlines() == ["acknowledged bad-2 (acme, not_found)"]
    assert _listed()["bad-3"]["acknowledged_at"] is None
    code, out, _ = run_cli("ack", "--all")
    assert out.splitlines() == ["acknowledged bad-3 (other, failed)"]
    code, out, _ = run_cli("ack", "--all")
    assert out.strip() == "no unacknowledged failures"
    with Store(data_dir) as store:  # the state survives: a new connection, as after a restart
        assert store.jobs.unacknowledged() == []


def test_ack_needs_a_job_or_all(data_dir: Path) -> None:
    code, _, err = run_cli("ack")
    assert code == 2 and "--all" in err
    code, _, err = run_cli("ack", "nope")
    assert code == 2 and "no watched job" in err


def test_a_new_failure_of_the_same_job_alarms_again(data_dir: Path) -> None:
    ids = _jobs(data_dir)
    run_cli("ack", "bad-1")
    with Store(data_dir) as store:
        store.jobs.record_status(ids["bad-1"], Status("bad-1", JobState.RUNNING, "again"))
        store.jobs.record_status(ids["bad-1"], Status("bad-1", JobState.FAILED, "again", message="boom"))
        assert is_alarming(store.jobs.get(ids["bad-1"]))


def test_an_unacknowledged_failure_is_told_once_more_after_24_hours(data_dir: Path) -> None:
    ids = _jobs(data_dir)
    with Store(data_dir) as store:
        job = store.jobs.get(ids["bad-1"])
        assert job.finished_at is not None
        assert next_renotify([job], 24) == job.finished_at + timedelta(hours=24)
        assert not renotify_due(job, job.finished_at + timedelta(hours=23), 24)
        later = job.finished_at + timedelta(hours=24, seconds=1)
        assert renotify_due(job, later, 24)
        assert not renotify_due(job, later, 0)  # the setting's "never"
        assert store.jobs.mark_renotified(job.id)
        assert not store.jobs.mark_renotified(job.id)  # once, whoever asks second
        again = store.jobs.get(job.id)
        assert again.renotified_at is not None and not renotify_due(again, later + timedelta(days=3), 24)
        store.jobs.acknowledge([ids["bad-3"]])
        acked = store.jobs.get(ids["bad-3"])
        assert not renotify_due(acked, datetime.now(UTC) + timedelta(days=2), 24)


def test_the_renotify_setting(data_dir: Path) -> None:
    code, _, err = run_cli("settings", "set", "renotify-hours", "6")
    assert code == 0, err
    code, out, _ = run_cli("settings", "--json")
    assert json.loads(out)["app"]["renotify_hours"] == 6.0
    code, _, err = run_cli("settings", "set", "renotify-hours", "-1")
    assert code == 2 and "hours" in err
