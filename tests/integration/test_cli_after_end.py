"""Issue 13 through real `jobtray` processes: a PDF.co account with --save-results watched through success (the
file in DIR with the served bytes, the S3 stand-in saw no key), `watch --on-end` with the job's environment and no
key, an expired link (the job stays succeeded, told once), a failing and a hanging command, `jobtray settings`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.simulators import pdfco as steps
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.simulators.pdfco import PdfCoSimulator
from desktop_app.simulators.server import SimulatorServer
from tests.conftest import PDFCO_KEY, subprocess_env
from tests.integration.test_cli_pdfco import jobtray, list_json

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture
def s3() -> Iterator[ObjectStoreServer]:
    with ObjectStoreServer() as server:
        yield server


@pytest.fixture
def sim(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], s3: ObjectStoreServer) -> PdfCoSimulator:
    simulator, _server = pdfco_simulator
    simulator.results = s3
    return simulator


def _env(**extra: str) -> dict[str, str]:
    return subprocess_env(PDFCO_API_KEY=PDFCO_KEY, **extra)


def _add_account(server: SimulatorServer, *options: str) -> None:
    result = jobtray(
        "account", "add", "work", "--provider", "pdfco", "--base-url", server.base_url, "--key-env", "PDFCO_API_KEY",
        *options, env=_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_saved_through_success_with_the_commands_environment(
    sim: PdfCoSimulator,
    s3: ObjectStoreServer,
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
    tmp_path: Path,
) -> None:
    results = tmp_path / "results"
    _add_account(pdfco_simulator[1], "--save-results", str(results))
    done = sim.add_job([steps.working(checks=1), steps.success()], result=PDF, result_name="annual report.pdf")
    failed = sim.add_job([steps.failed("Input file is damaged")])
    assert jobtray("add", "--account", "work", "--label", "annual", done, failed, env=_env()).returncode == 0
    envs = tmp_path / "envs"
    envs.mkdir()
    watched = jobtray("watch", "--on-end", 'sh -c "env > $DIR/$JOBTRAY_JOB_ID.env"', env=_env(DIR=str(envs)))
    assert watched.returncode == 0, watched.stderr
    saved = results / "annual report.pdf"
    assert saved.read_bytes() == PDF
    assert sorted(p.name for p in results.iterdir()) == ["annual report.pdf"]
    assert s3.credentials_seen == 0 and s3.seen  # the S3 stand-in was asked, and never with a key
    assert f"saved {saved}" in watched.stdout
    env = dict(line.split("=", 1) for line in (envs / f"{done}.env").read_text().splitlines() if "=" in line)
    assert env["JOBTRAY_JOB_ID"] == done
    assert env["JOBTRAY_LABEL"] == "annual"
    assert env["JOBTRAY_PROVIDER"] == "pdfco"
    assert env["JOBTRAY_ACCOUNT"] == "work"
    # The word `list --json` uses (issue 20: it was "finished").
    listed = {j["job_id"]: j["state"] for j in json.loads(jobtray("list", "--json", env=_env()).stdout)}
    assert env["JOBTRAY_STATE"] == listed[done] == "succeeded"
    assert env["JOBTRAY_RESULT_URL"].startswith(s3.base_url)
    assert env["JOBTRAY_RESULT_FILE"] == str(saved)
    assert env["JOBTRAY_MESSAGE"] == ""
    bad = dict(line.split("=", 1) for line in (envs / f"{failed}.env").read_text().splitlines() if "=" in line)
    assert bad["JOBTRAY_STATE"] == "failed" and bad["JOBTRAY_MESSAGE"] == "Input file is damaged"
    assert bad["JOBTRAY_RESULT_FILE"] == ""
    for text in ((envs / f"{done}.env").read_text(), (envs / f"{failed}.env").read_text()):
        assert PDFCO_KEY not in text and "PDFCO_API_KEY" not in text
    by_id = {job["job_id"]: job for job in list_json()}
    assert by_id[done]["result_file"] == str(saved)
    assert by_id[failed]["result_file"] is None


def test_an_expired_link_keeps_the_job_succeeded_and_is_told_once(
    sim: PdfCoSimulator, s3: ObjectStoreServer, pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], tmp_path: Path
) -> None:
    _add_account(pdfco_simulator[1], "--save-results", str(tmp_path / "r"))
    job = sim.add_job([steps.success()], result=PDF, result_name="late.pdf")
    s3.put(sim.result_key(job), PDF, expired=True)  # the link is dead by the time it is fetched
    assert jobtray("add", "--account", "work", job, env=_env()).returncode == 0
    watched = jobtray("watch", "--exit-status", env=_env())
    assert watched.returncode == 0, watched.stderr  # the job succeeded; only saving it failed
    assert watched.stderr.count("result not saved") == 1
    assert "HTTP 403" in watched.stderr and "expired" in watched.stderr
    (row,) = list_json()
    assert row["state"] == "succeeded" and row["result_file"] is None
    assert "expired" in row["download_error"]
    assert not list((tmp_path / "r").iterdir())


def test_a_failing_and_a_hanging_command_are_told_once_and_never_block(
    sim: PdfCoSimulator, pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer]
) -> None:
    _add_account(pdfco_simulator[1])
    assert jobtray("settings", "set", "command-timeout", "0.5").returncode == 0
    jobs = [sim.add_job([steps.success()]) for _ in range(2)]
    assert jobtray("add", "--account", "work", *jobs, env=_env()).returncode == 0
    watched = jobtray("watch", "--on-end", "false", "--on-end", "sleep 30", env=_env())  # would hold it 30 s
    assert watched.returncode == 0, watched.stderr
    assert watched.stderr.count("the command false failed (exit status 1)") == 1
    assert watched.stderr.count("the command sleep ran longer than its time limit") == 1


def test_settings_are_shown_and_kept(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], tmp_path: Path) -> None:
    _add_account(pdfco_simulator[1], "--save-results", str(tmp_path / "r"), "--on-end", "notify-send done")
    assert jobtray("settings", "set", "muted-until", "2030-01-01T08:00:00+00:00").returncode == 0
    assert jobtray("settings", "set", "download-cap", "500M").returncode == 0
    assert jobtray("settings", "set", "--account", "work", "notify", "failed,cancelled").returncode == 0
    edited = jobtray("account", "edit", "work", "--on-end-when", "bad", env=_env())
    assert edited.returncode == 0, edited.stderr
    shown = json.loads(jobtray("settings", "--json").stdout)
    assert shown["app"]["muted_until"] == "2030-01-01T08:00:00+00:00"
    assert shown["app"]["download_cap"] == 500 * 1024**2
    work = shown["accounts"]["work"]
    assert work["save_results"] == str(tmp_path / "r")
    assert work["on_end"] == "notify-send done"
    assert work["on_end_when"] == ["failed", "cancelled", "not_found"]
    assert work["notify"] == ["failed", "cancelled"]
    text = jobtray("settings").stdout
    assert "muted-until\t2030-01-01T08:00:00+00:00" in text and "download-cap\t500M" in text
    bad = jobtray("settings", "set", "download-cap", "lots")
    assert bad.returncode == 2 and "is not a size" in bad.stderr
    assert jobtray("settings", "unset", "muted-until").returncode == 0
    assert json.loads(jobtray("settings", "--json").stdout)["app"]["muted_until"] is None


def test_a_cron_d_poll_saves_the_result_and_runs_the_account_s_command_too(
    sim: PdfCoSimulator, s3: ObjectStoreServer, pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], tmp_path: Path
) -> None:
    """`jobtray poll` from cron sees a job end: its result is saved and the account's command runs, as in `watch`
    (poll used to leave both to the tray)."""
    results, marks = tmp_path / "results", tmp_path / "marks"
    marks.mkdir()
    command = f'sh -c "touch {marks}/$JOBTRAY_JOB_ID"'
    _add_account(pdfco_simulator[1], "--save-results", str(results), "--on-end", command)
    job = sim.add_job([steps.success()], result=PDF, result_name="cron.pdf")
    assert jobtray("add", "--account", "work", job, env=_env()).returncode == 0
    polled = jobtray("poll", env=_env())
    assert polled.returncode == 0, polled.stderr
    assert (results / "cron.pdf").read_bytes() == PDF
    assert s3.credentials_seen == 0
    assert f"saved {results / 'cron.pdf'}" in polled.stdout
    (row,) = list_json()
    assert row["result_file"] == str(results / "cron.pdf")
    assert [p.name for p in marks.iterdir()] == [job]  # the account's command ran, with the job's environment
