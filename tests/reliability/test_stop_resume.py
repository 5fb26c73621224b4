"""Issue 18, through real `jobtray` processes and real signals: `watch` (and `poll`) on a PDF.co account that saves
results, stopped with SIGINT, SIGTERM or SIGHUP before the job ends, in mid-stream (the `.part` on disk, the S3
stand-in holding the body halfway) and during a command (its marker file written); then a second `watch` finishes
the work: the file whole and byte-identical, a command never run twice. A SIGKILL mid-download is repaired by the
next start, and a command that was running at a SIGKILL is 'unknown', told once, never rerun. No command outlives
its watch past its time limit."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.simulators import pdfco as steps
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.simulators.pdfco import PdfCoSimulator
from desktop_app.simulators.server import SimulatorServer
from desktop_app.store.database import Store
from tests.conftest import PDFCO_KEY, subprocess_env
from tests.support.fault_server import Fault, FaultServer

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


@pytest.fixture
def s3() -> Iterator[ObjectStoreServer]:
    with ObjectStoreServer() as server:
        yield server


@pytest.fixture
def sim(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], s3: ObjectStoreServer) -> PdfCoSimulator:
    simulator, _server = pdfco_simulator
    simulator.results = s3
    return simulator


def _env() -> dict[str, str]:
    return subprocess_env(PDFCO_API_KEY=PDFCO_KEY)


def jobtray(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args], capture_output=True, text=True, env=_env(), timeout=60
    )


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )


def _account(server: SimulatorServer, *options: str) -> None:
    added = jobtray(
        "account", "add", "work", "--provider", "pdfco", "--base-url", server.base_url, "--key-env", "PDFCO_API_KEY",
        *options,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


def _add(*jobs: str) -> None:
    added = jobtray("add", "--account", "work", *jobs)
    assert added.returncode == 0, added.stderr


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"jobtray ended ({process.returncode}) before {what}: {out} {err}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _stop(process: subprocess.Popen[str], signum: signal.Signals) -> tuple[int, str, str]:
    process.send_signal(signum)
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, out, err


def _rows(data_dir: Path) -> list[dict[str, Any]]:
    with Store(data_dir, check=False) as store:
        return [dict(r) for r in store.conn.execute("SELECT * FROM outbox ORDER BY id")]


def _list_json() -> list[dict[str, Any]]:
    listed = jobtray("list", "--json")
    assert listed.returncode == 0, listed.stderr
    result: list[dict[str, Any]] = json.loads(listed.stdout)
    return result


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waits only for its parent to reap it: it runs nothing
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.parametrize(
    ("command", "signum"),
    [
        ("watch", signal.SIGINT),
        ("watch", signal.SIGTERM),
        ("watch", signal.SIGHUP),
        ("poll", signal.SIGTERM),
    ],
)
def test_a_stop_in_mid_stream_leaves_no_part_and_the_next_watch_saves_the_file_whole(
    *,
    sim: PdfCoSimulator,
    s3: ObjectStoreServer,
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
    tmp_path: Path,
    data_dir: Path,
    command: str,
    signum: signal.Signals,
) -> None:
    out = tmp_path / "out"
    _account(pdfco_simulator[1], "--save-results", str(out))
    job = sim.add_job([steps.success()], result=PDF, result_name="report.pdf", mode="held")
    _add(job)
    process = start(command)
    _wait_for(lambda: (out / "report.pdf.part").exists() and s3.held.is_set(), process, "the .part file")
    code, _stdout, stderr = _stop(process, signum)
    assert code == EXIT[signum], stderr
    assert stderr.splitlines() == ["jobtray: stopped: 1 download will resume at the next start"]
    assert list(out.iterdir()) == []  # no .part, nothing looking complete
    (row,) = _rows(data_dir)
    assert (row["kind"], row["state"], row["attempts"], row["target_name"]) == ("download", "pending", 0, "report.pdf")
    (listed,) = _list_json()
    assert listed["state"] == "succeeded" and listed["result_file"] is None
    assert [(p["kind"], p["state"]) for p in listed["pending"]] == [("download", "pending")]

    s3.release()
    again = jobtray("watch")
    assert again.returncode == 0, again.stderr
    assert [p.name for p in out.iterdir()] == ["report.pdf"]
    assert (out / "report.pdf").read_bytes() == PDF
    assert f"resumed after a restart: 1 result saved ({out / 'report.pdf'})" in again.stdout
    assert again.stderr == ""
    (row,) = _rows(data_dir)
    assert row["state"] == "done" and row["outcome"] == str(out / "report.pdf")
    (listed,) = _list_json()
    assert listed["result_file"] == str(out / "report.pdf") and listed["pending"] == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_before_the_job_ends_then_the_next_watch_saves_it(
    sim: PdfCoSimulator,
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
    tmp_path: Path,
    data_dir: Path,
    signum: signal.Signals,
) -> None:
    out = tmp_path / "out"
    _account(pdfco_simulator[1], "--save-results", str(out))
    # Working for three checks: the stop comes after the first, with room for a slow machine.
    job = sim.add_job([steps.working(checks=3), steps.success()], result=PDF, result_name="report.pdf")
    _add(job)
    process = start("watch")
    assert process.stdout is not None
    first = process.stdout.readline()  # the first check's change, printed as it happens
    assert "queued -> running" in first
    code, _stdout, stderr = _stop(process, signum)
    assert code == EXIT[signum]
    assert stderr.splitlines() == ["jobtray: stopped: nothing was left unfinished"]
    assert _rows(data_dir) == []
    again = jobtray("watch")
    assert again.returncode == 0, again.stderr
    assert (out / "report.pdf").read_bytes() == PDF
    assert f"saved {out / 'report.pdf'}" in again.stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_before_the_file_host_answers_leaves_the_download_to_resume(
    *,
    sim: PdfCoSimulator,
    s3: ObjectStoreServer,
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
    tmp_path: Path,
    data_dir: Path,
    signum: signal.Signals,
) -> None:
    """The job ended and its download began, but the file host (a redirect's target) has not answered yet."""
    out = tmp_path / "out"
    _account(pdfco_simulator[1], "--save-results", str(out))
    with FaultServer() as slow_host:
        slow_host.inject(Fault.hang(60))
        job = sim.add_job(
            [steps.success()], result=PDF, result_name="report.pdf", mode="redirect", redirect_to=slow_host.base_url
        )
        _add(job)
        process = start("watch")
        _wait_for(lambda: slow_host.total_requests >= 1, process, "the file host's request")
        code, _stdout, stderr = _stop(process, signum)
        slow_host.heal()
    assert code == EXIT[signum], stderr
    assert stderr.splitlines() == ["jobtray: stopped: 1 download will resume at the next start"]
    assert not out.exists() or list(out.iterdir()) == []
    (row,) = _rows(data_dir)
    assert (row["state"], row["attempts"]) == ("pending", 0)
    s3.objects[sim.result_key(job)].mode = "normal"
    again = jobtray("watch")
    assert again.returncode == 0, again.stderr
    assert (out / "report.pdf").read_bytes() == PDF


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("given", ["setting", "on-end"])
def test_a_stop_during_a_command_ends_its_group_marks_it_interrupted_and_it_is_never_rerun(
    *,
    sim: PdfCoSimulator,
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
    tmp_path: Path,
    data_dir: Path,
    signum: signal.Signals,
    given: str,
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    # The command starts a grandchild in its group, notes both PIDs, then waits (longer than its time limit).
    line = f'sh -c "sleep 120 & echo $! > {marks}/child; echo $$ > {marks}/pid; wait"'
    if given == "setting":
        _account(pdfco_simulator[1], "--on-end", line)
        args: tuple[str, ...] = ()
    else:
        _account(pdfco_simulator[1])
        args = ("--on-end", line)
    assert jobtray("settings", "set", "command-timeout", "20").returncode == 0
    _add(sim.add_job([steps.success()]))
    process = start("watch", *args)
    _wait_for(lambda: (marks / "pid").exists() and (marks / "child").exists(), process, "the command's marker")
    pids = [int((marks / name).read_text()) for name in ("pid", "child")]
    try:
        stopped_at = time.monotonic()
        code, _stdout, stderr = _stop(process, signum)
        assert code == EXIT[signum]
        (row,) = _rows(data_dir)
        assert (row["kind"], row["state"]) == ("command", "interrupted")
        assert stderr.splitlines() == [
            f"jobtray: stopped: 1 command was ended (jobtray pending --run-again {row['id']} runs it again)"
        ]
        # Nothing it started outlives the watch past its time limit (20 s): ended with its group at the stop.
        alive = [pid for pid in pids if _alive(pid)]
        assert not alive, f"still running {time.monotonic() - stopped_at:.1f} s after the stop: {alive}"
        (marks / "pid").unlink()
        again = jobtray("watch", *args)
        assert again.returncode == 0, again.stderr
        assert not (marks / "pid").exists()  # at most once
        (row,) = _rows(data_dir)
        assert row["state"] == "interrupted"
        if given == "setting":
            pending = jobtray("pending", "--run-again", str(row["id"]))
            assert pending.returncode == 0, pending.stderr
        else:  # its text is not kept: a watch command line is not resumed by another process
            pending = jobtray("pending", "--run-again", str(row["id"]))
            assert pending.returncode == 2 and "watch --on-end" in pending.stderr
    finally:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_a_crash_mid_download_is_repaired_by_the_next_watch(
    sim: PdfCoSimulator,
    s3: ObjectStoreServer,
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
    tmp_path: Path,
    data_dir: Path,
) -> None:
    out = tmp_path / "out"
    _account(pdfco_simulator[1], "--save-results", str(out))
    job = sim.add_job([steps.success()], result=PDF, result_name="report.pdf", mode="held")
    _add(job)
    process = start("watch")
    _wait_for(lambda: (out / "report.pdf.part").exists() and s3.held.is_set(), process, "the .part file")
    _wait_for(lambda: _rows(data_dir)[0]["target_name"] == "report.pdf", process, "the recorded name")
    process.kill()
    process.communicate(timeout=30)
    assert [p.name for p in out.iterdir()] == ["report.pdf.part"]  # a crash cleans nothing
    (row,) = _rows(data_dir)
    assert (row["state"], row["claimed_by"]) == ("running", process.pid)
    s3.release()
    again = jobtray("watch")
    assert again.returncode == 0, again.stderr
    assert [p.name for p in out.iterdir()] == ["report.pdf"]  # the recorded name: never "report (2).pdf"
    assert (out / "report.pdf").read_bytes() == PDF
    assert "resumed after a restart: 1 result saved" in again.stdout
    (row,) = _rows(data_dir)
    assert (row["state"], row["attempts"]) == ("done", 2)


def test_a_command_running_at_a_crash_is_unknown_told_once_and_never_rerun(
    sim: PdfCoSimulator, pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], tmp_path: Path, data_dir: Path
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    _account(pdfco_simulator[1], "--on-end", f'sh -c "echo $$ > {marks}/pid; sleep 120"')
    assert jobtray("settings", "set", "command-timeout", "3").returncode == 0
    _add(sim.add_job([steps.success()]))
    process = start("watch")
    _wait_for(lambda: (marks / "pid").exists() and (marks / "pid").read_text().strip() != "", process, "the marker")
    pid = int((marks / "pid").read_text())
    try:
        process.kill()
        process.communicate(timeout=30)
        (marks / "pid").unlink()
        again = jobtray("watch")
        assert again.returncode == 0, again.stderr
        (row,) = _rows(data_dir)
        assert again.stderr.splitlines() == [
            "jobtray: after a restart: 1 command may not have finished when JobTray stopped; not run again "
            f"(jobtray pending --run-again {row['id']})"
        ]
        assert (row["state"], row["told"]) == ("unknown", 1)
        assert not (marks / "pid").exists()
        third = jobtray("watch")
        assert third.stderr == ""  # told once
        # Nobody was left to enforce its time limit (3 s) but the safety net it runs in: ended soon after it.
        deadline = time.monotonic() + 30
        while _alive(pid):
            assert time.monotonic() < deadline, "the command outlived its killed watch"
            time.sleep(0.05)
    finally:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)


def test_a_hanging_command_does_not_outlive_its_watch_past_its_time_limit(
    sim: PdfCoSimulator, pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], tmp_path: Path, data_dir: Path
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    _account(pdfco_simulator[1])
    assert jobtray("settings", "set", "command-timeout", "1").returncode == 0
    _add(sim.add_job([steps.success()]))
    line = f'sh -c "sleep 120 & echo $! > {marks}/child; echo $$ > {marks}/pid; wait"'
    watched = jobtray("watch", "--on-end", line)
    pids = [int((marks / name).read_text()) for name in ("pid", "child")]
    try:
        assert watched.returncode == 0, watched.stderr
        assert "ran longer than its time limit" in watched.stderr
        assert not [pid for pid in pids if _alive(pid)]  # the whole group, at its limit, before watch returned
        (row,) = _rows(data_dir)
        assert (row["state"], row["outcome"]) == ("failed", "timeout")
    finally:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_watch_timeout_bounds_the_after_end_work_too(
    sim: PdfCoSimulator, s3: ObjectStoreServer, pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], tmp_path: Path
) -> None:
    """`--timeout` gives up on a download that outlasts it as a stop would (it resumes at the next start), rather
    than waiting up to an hour for it."""
    out = tmp_path / "out"
    _account(pdfco_simulator[1], "--save-results", str(out))
    _add(sim.add_job([steps.success()], result=PDF, result_name="report.pdf", mode="held"))
    watched = jobtray("watch", "--timeout", "3")
    assert watched.returncode == 3, watched.stderr
    assert watched.stderr.splitlines() == [
        "jobtray: timed out with 0 job(s) still open; stopped: 1 download will resume at the next start"
    ]
    assert list(out.iterdir()) == []
    s3.release()
    again = jobtray("watch")
    assert again.returncode == 0, again.stderr
    assert (out / "report.pdf").read_bytes() == PDF
