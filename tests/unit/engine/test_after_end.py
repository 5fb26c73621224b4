"""An ending's after-end work as outbox rows: planned from the settings (refs, never command text), written in the
ending's own transaction; a result link's expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.core.model import Account, JobState, KeySource, Status, StatusChange
from desktop_app.core.settings import AccountSettings, GlobalSettings
from desktop_app.engine.after_end import link_expiry, plan_actions, settings_plan
from desktop_app.engine.recorder import apply_result
from desktop_app.engine.results import CheckResult
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
S3 = (
    "https://pdf-temp-files.s3.amazonaws.com/x/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Date=20261203T075500Z&X-Amz-Expires=3600&X-Amz-Signature=abc"
)


def test_a_presigned_link_expires_when_it_says_other_links_a_day_after_the_end() -> None:
    assert link_expiry(S3, NOW, NOW) == datetime(2026, 12, 3, 8, 55, tzinfo=UTC).timestamp()
    assert link_expiry("https://host/r.pdf", NOW, NOW) == (NOW + timedelta(hours=24)).timestamp()
    broken = S3.replace("20261203T075500Z", "yesterday")
    assert link_expiry(broken, None, NOW) == (NOW + timedelta(hours=24)).timestamp()


def _ended(store: Store, state: JobState = JobState.SUCCEEDED, url: str | None = S3) -> StatusChange:
    account = store.accounts.add(Account(name="work", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    job, _ = store.jobs.add(account, "J1")
    change = store.jobs.record_status(job.id, Status("J1", state, "success", 100.0, None, url))
    assert change is not None
    return change


def test_the_plan_names_settings_never_command_text(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        change = _ended(store)
    account = AccountSettings(save_results="/r", on_end="notify-send done")
    app = GlobalSettings(on_end="notify-send done")  # the same line once
    actions = plan_actions(change, account, app, watch_commands=["touch x", "touch y"], origin_pid=77)
    assert [(a.kind, a.ref, a.origin_pid) for a in actions] == [
        ("download", "account:save-results", None),
        ("command", "account:on-end", None),
        ("command", "watch:0", 77),
        ("command", "watch:1", 77),
    ]
    assert actions[0].expires_at == link_expiry(S3, change.job.finished_at, NOW)
    failed = plan_actions(change, AccountSettings(), GlobalSettings(on_end="x", on_end_when=frozenset()))
    assert failed == []


def test_no_download_without_a_link_or_a_folder(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        change = _ended(store, url=None)
    assert plan_actions(change, AccountSettings(save_results="/r"), GlobalSettings()) == []


def test_the_rows_are_written_in_the_ending_s_transaction(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        account = store.accounts.add(Account(name="work", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
        job, _ = store.jobs.add(account, "J1")
        result = CheckResult("work", ("J1",), (Status("J1", JobState.SUCCEEDED, "success", 100.0, None, S3),))

        def broken(change: StatusChange) -> list[OutboxAction]:
            raise RuntimeError("planning failed")

        with pytest.raises(RuntimeError):
            apply_result(store, result, broken)
        assert store.jobs.get(job.id).state == JobState.QUEUED  # neither the ending nor any row
        assert store.outbox.for_job(job.id) == []
        changes = apply_result(store, result, lambda change: [OutboxAction("download", "account:save-results")])
        assert [c.new_state for c in changes] == [JobState.SUCCEEDED]
        assert [r.kind for r in store.outbox.for_job(job.id)] == ["download"]
        assert apply_result(store, result, lambda change: [OutboxAction("command")]) == []  # no new ending
        assert len(store.outbox.for_job(job.id)) == 1


def test_settings_plan_reads_the_settings_at_each_ending_and_keeps_the_ending_on_a_bad_command(
    tmp_path: Path,
) -> None:
    with Store(tmp_path) as store:
        change = _ended(store)
    current = {"work": AccountSettings(on_end="touch x")}
    told: list[str] = []
    plan_for = settings_plan(GlobalSettings, lambda: current, on_error=told.append)
    assert [a.ref for a in plan_for(change)] == ["account:on-end"]
    current["work"] = AccountSettings(on_end="touch 'x")  # damaged: no longer splits
    assert plan_for(change) == [] and "cannot read the command" in told[0]
