"""Commands on events: split without a shell, the job in the environment and no key, failures told once, a hanging
command killed at its limit (with what it started), never blocking the caller."""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.core.model import Job, JobState
from desktop_app.core.settings import parse_command
from desktop_app.engine.commands import CommandOutcome, CommandRunner, job_environment, run_command
from desktop_app.system.logs import register_secret

KEY = "cmd-test-secret-4242"


def _job(state: JobState = JobState.SUCCEEDED, **fields: object) -> Job:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    values: dict[str, object] = {
        "id": 7,
        "account": "work",
        "provider": "pdfco",
        "job_id": "ABC--1-2",
        "label": "annual report",
        "state": state,
        "provider_status": "success",
        "progress": 100.0,
        "message": "done; the key was " + KEY,
        "result_url": "https://s3.example/r.pdf?X-Amz-Expires=3600",
        "created_at": now,
        "updated_at": now,
        "finished_at": now,
        **fields,
    }
    return Job(**values)  # type: ignore[arg-type]


def test_the_environment_tells_the_job_and_carries_no_key() -> None:
    register_secret(KEY)
    base = {"PATH": "/usr/bin:/bin", "PDFCO_API_KEY": KEY, "ANOTHER": KEY, "KEY_VAR": "x" * 8, "JOBTRAY_STALE": "1"}
    env = job_environment(_job(), "/tmp/r.pdf", base, hidden=["KEY_VAR"])
    assert env["JOBTRAY_JOB_ID"] == "ABC--1-2"
    assert env["JOBTRAY_LABEL"] == "annual report"
    assert env["JOBTRAY_PROVIDER"] == "pdfco"
    assert env["JOBTRAY_ACCOUNT"] == "work"
    assert env["JOBTRAY_STATE"] == "succeeded"  # the word list --json uses (issue 20; it was "finished")
    assert env["JOBTRAY_RESULT_URL"] == "https://s3.example/r.pdf?X-Amz-Expires=3600"
    assert env["JOBTRAY_RESULT_FILE"] == "/tmp/r.pdf"
    assert env["JOBTRAY_MESSAGE"] == "done; the key was ***"
    assert env["PATH"] == "/usr/bin:/bin"
    assert "KEY_VAR" not in env and "PDFCO_API_KEY" not in env and "ANOTHER" not in env
    assert "JOBTRAY_STALE" not in env
    assert not any(KEY in value for value in env.values())


def test_a_command_gets_that_environment_without_a_shell(tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    argv = parse_command(
        f"{sys.executable} -c 'import os, sys; open(sys.argv[1], \"w\").write(repr(dict(os.environ)))' {out}"
    )
    outcome = run_command(argv, job_environment(_job(JobState.FAILED), None, {"PATH": "/bin"}), timeout=10)
    assert outcome.ok, outcome
    seen = eval(out.read_text())  # noqa: S307 - our own repr of a dict of str
    assert seen["JOBTRAY_STATE"] == "failed"
    assert seen["JOBTRAY_RESULT_FILE"] == ""
    # No shell: `$HOME` and `;` reach the program as text.
    echo = run_command(parse_command("echo '$HOME; rm -rf /'"), {"PATH": "/bin:/usr/bin"}, timeout=10)
    assert echo.output == "$HOME; rm -rf /\n"


def test_a_failing_command_is_told_once() -> None:
    problems: list[str] = []
    runner = CommandRunner(on_problem=problems.append)
    for _ in range(3):
        runner.start(("false",), {"PATH": "/bin:/usr/bin"}, "J1")
    assert runner.wait(10)
    assert problems == ["the command false failed (exit status 1) for job J1"]


def test_a_missing_program_is_told_once() -> None:
    problems: list[str] = []
    runner = CommandRunner(on_problem=problems.append)
    runner.start(("/nonexistent/tool",), {}, "J1")
    runner.start(("/nonexistent/tool",), {}, "J2")
    assert runner.wait(10)
    assert len(problems) == 1 and "could not run" in problems[0]


def test_a_hanging_command_is_killed_at_its_limit_with_what_it_started_and_never_blocks(tmp_path: Path) -> None:
    problems: list[str] = []
    done: list[CommandOutcome] = []
    runner = CommandRunner(on_problem=problems.append, on_done=done.append, timeout=0.5)
    marker = tmp_path / "grandchild-survived"
    # The shell starts a grandchild that would write the marker after 2 s: the whole group is killed.
    script = f"(sleep 2; touch {marker}) & sleep 30"
    thread = runner.start(("sh", "-c", script), {"PATH": "/bin:/usr/bin"}, "J9")
    assert isinstance(thread, threading.Thread) and thread.is_alive()  # started in the background: sleep 30 runs
    assert runner.wait(5)  # killed at its 0.5 s limit, long before sleep 30 ends
    assert done[0].timed_out and done[0].returncode is None
    assert problems == [done[0].describe()]
    assert "ran longer than its time limit" in problems[0]
    time.sleep(2.2)
    assert not marker.exists()


def test_output_goes_to_the_log_with_keys_blanked(caplog: object) -> None:
    import logging

    register_secret(KEY)
    runner = CommandRunner()
    with caplog.at_level(logging.INFO, logger="desktop_app.engine.commands"):  # type: ignore[attr-defined]
        runner.start(("echo", f"hello {KEY}"), {"PATH": "/bin:/usr/bin"}, "J1")
        assert runner.wait(10)
    text = caplog.text  # type: ignore[attr-defined]
    assert "hello ***" in text and KEY not in text


@pytest.mark.parametrize("state", list(JobState))
def test_jobtray_state_is_the_word_list_json_uses(state: JobState) -> None:
    assert job_environment(_job(state), None, {})["JOBTRAY_STATE"] == state.value
