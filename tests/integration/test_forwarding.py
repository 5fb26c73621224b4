"""Forwarding through apprise to a real local receiver (issue 21): json:// and ntfy:// (self-hosted form) against a
ThreadingHTTPServer on 127.0.0.1; a failing and a hanging receiver (told once, never a token in a log); the
outbox's 'forward' rows carried out by a real OutboxRunner on a real store."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.core.forwarding import ForwardTarget, UrlSource, forward_message
from desktop_app.core.model import Account, JobState, KeySource, Secret, Status, StatusChange
from desktop_app.core.settings import AccountSettings, parse_endings
from desktop_app.engine.forwarding import deliver, forward_factory, plan_forwards
from desktop_app.engine.outbox import OutboxRunner
from desktop_app.store.database import Store
from desktop_app.system.forward_urls import load_url
from desktop_app.system.logs import setup_logging
from tests.factories import make_job
from tests.support.receiver import Receiver, receiving

TOKEN = "tk_9f8e7d6c5b4a"


@pytest.fixture
def receiver() -> Receiver:  # type: ignore[misc]
    with receiving("ok") as r:
        yield r


def _failed_job() -> StatusChange:
    job = make_job(
        7,
        JobState.FAILED,
        label="nightly encode",
        provider="encodingcom",
        account="studio",
        message="bad codec\x1b[2J \u202e",
        result_url="https://files.example.com/r.mp4?sig=SECRET",
    )
    return StatusChange(job, JobState.RUNNING, JobState.FAILED)


def test_ntfy_and_json_reach_the_receiver_with_safe_text(receiver: Receiver) -> None:
    message = forward_message(_failed_job().job)
    assert deliver(Secret(f"ntfy://127.0.0.1:{receiver.port}/jobs"), message, 10) is None
    assert deliver(Secret(f"json://127.0.0.1:{receiver.port}/hook/{TOKEN}"), message, 10) is None
    ntfy, generic = receiver.wait_for(2)
    assert ntfy.body["topic"] == "jobs"
    assert ntfy.body["title"] == "Failed: nightly encode"
    for field in ("nightly encode", "encoding.com", "studio", "state: failed", "bad codec"):
        assert field in ntfy.body["message"]
    assert "\x1b" not in ntfy.body["message"] and "\u202e" not in ntfy.body["message"]
    assert "SECRET" not in ntfy.body["message"]  # no link unless the target asks for one
    assert generic.path == f"/hook/{TOKEN}"
    assert generic.body["type"] == "failure" and generic.body["title"] == "Failed: nightly encode"


def test_the_link_goes_only_with_with_link(receiver: Receiver) -> None:
    message = forward_message(_failed_job().job, with_link=True)
    assert deliver(Secret(f"json://127.0.0.1:{receiver.port}/x"), message, 10) is None
    (got,) = receiver.wait_for(1)
    assert "https://files.example.com/r.mp4?sig=SECRET" in got.body["message"]


def test_a_failing_receiver_gives_a_reason_and_no_log_holds_the_token(capfd: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    level = root.level
    path = setup_logging(debug=True, to_file=True)  # the app's own logging, at its most talkative
    try:
        with receiving("fail") as failing:
            target = ForwardTarget("phone", UrlSource.ENV, url_env="PHONE_URL")
            url = load_url(target, {"PHONE_URL": f"json://user:{TOKEN}@127.0.0.1:{failing.port}/p/{TOKEN}"})
            reason = deliver(url, forward_message(_failed_job().job), 10)
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_jobtray", False)]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
        logging.getLogger("urllib3").setLevel(logging.NOTSET)
    assert reason is not None and "500" in reason
    assert TOKEN not in reason
    assert path is not None
    written = path.read_text(encoding="utf-8") + capfd.readouterr().err
    assert "POST /p/***" in written  # urllib3's request line was logged, redacted
    assert TOKEN not in written
    assert "apprise" not in written.replace("apprise does", "")  # apprise's own logger stays out


def test_a_hanging_receiver_is_given_up_at_the_deadline() -> None:
    with receiving("hang") as hanging:
        reason = deliver(Secret(f"json://127.0.0.1:{hanging.port}/p"), forward_message(_failed_job().job), 1.0)
        assert reason is not None
        assert "1" in reason and ("within" in reason or "timed out" in reason.lower() or "error" in reason.lower())


def _store_with_failed_jobs(folder: Path, env_var: str, count: int = 1) -> tuple[Store, list[StatusChange]]:
    store = Store(folder)
    account = store.accounts.add(Account(name="studio", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    store.forwards.add(ForwardTarget("phone", UrlSource.ENV, url_env=env_var))
    changes = []
    for n in range(count):
        job, _ = store.jobs.add(account, f"job-{n}", label=f"render {n}")
        store.jobs.record_status(job.id, Status(job.job_id, JobState.RUNNING, "working"))
        change = store.jobs.record_status(job.id, Status(job.job_id, JobState.FAILED, "error", message="out of memory"))
        assert change is not None
        changes.append(change)
    return store, changes


def _run(store: Store, environ: dict[str, str], warnings: list[str], **options: object) -> None:
    runner = OutboxRunner(store, environ=environ)
    runner.register("forward", forward_factory(store, warnings.append, environ, **options))  # type: ignore[arg-type]
    runner.start()
    assert runner.run_until_idle(30)


def test_outbox_rows_reach_the_receiver(data_dir: Path, receiver: Receiver) -> None:
    store, (change,) = _store_with_failed_jobs(data_dir, "PHONE_URL")
    with store:
        actions = plan_forwards(change, AccountSettings(), store.forwards.all())
        assert [(a.kind, a.ref) for a in actions] == [("forward", "phone")]
        store.outbox.add_actions(change.job.id, actions)
        warnings: list[str] = []
        _run(store, {"PHONE_URL": f"ntfy://127.0.0.1:{receiver.port}/topic"}, warnings)
        (got,) = receiver.wait_for(1)
        assert got.body["title"] == "Failed: render 0" and "out of memory" in got.body["message"]
        assert [r.state for r in store.outbox.for_job(change.job.id, states=("done",))] == ["done"]
        assert warnings == []


def test_endings_that_do_not_notify_are_not_forwarded() -> None:
    change = _failed_job()
    quiet = AccountSettings(notify=parse_endings("finished"))
    targets = [ForwardTarget("all", UrlSource.ENV, url_env="X"), ForwardTarget("theirs", UrlSource.ENV, "other", "Y")]
    assert plan_forwards(change, quiet, targets) == []
    assert [a.ref for a in plan_forwards(change, AccountSettings(), targets)] == ["all"]


def test_a_failing_receiver_is_told_once_and_an_unset_variable_is_a_problem(data_dir: Path) -> None:
    store, changes = _store_with_failed_jobs(data_dir, "PHONE_URL", count=2)
    with store, receiving("fail") as failing:
        for change in changes:
            store.outbox.add_actions(change.job.id, plan_forwards(change, AccountSettings(), store.forwards.all()))
        warnings: list[str] = []
        url = f"json://user:{TOKEN}@127.0.0.1:{failing.port}/p"
        _run(store, {"PHONE_URL": url}, warnings, retry_delays=(0.0,), deadline=5.0)
        assert len(failing.wait_for(4)) == 4  # two rows, two attempts each
        assert len(warnings) == 1 and warnings[0].startswith("forward phone: not delivered")
        assert TOKEN not in warnings[0]
        failed = [r for c in changes for r in store.outbox.for_job(c.job.id)]
        assert {r.state for r in failed} == {"failed"} and all(TOKEN not in (r.last_error or "") for r in failed)

        unset: list[str] = []
        store.outbox.add_actions(changes[0].job.id, plan_forwards(changes[0], AccountSettings(), store.forwards.all()))
        _run(store, {}, unset)
        assert unset == ["not forwarded: forward 'phone': environment variable PHONE_URL is not set"]
    assert datetime.now(UTC)  # keep the import honest
