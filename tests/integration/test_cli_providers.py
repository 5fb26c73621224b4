"""iPaper, ScriptX.Services and encoding.com end to end: real `jobtray` processes against each simulator."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from desktop_app.simulators import encodingcom as enc
from desktop_app.simulators import ipaper as ipa
from desktop_app.simulators import pdfco as pdfco_steps
from desktop_app.simulators import scriptx as sx
from desktop_app.simulators.encodingcom import EncodingComSimulator
from desktop_app.simulators.ipaper import IPaperSimulator
from desktop_app.simulators.pdfco import PdfCoSimulator
from desktop_app.simulators.script import Step
from desktop_app.simulators.scriptx import ScriptXSimulator
from desktop_app.simulators.server import SimRequest, SimResponse, SimulatorServer
from tests.conftest import (
    ENCODINGCOM_KEY,
    ENCODINGCOM_USERID,
    IPAPER_KEY,
    PDFCO_KEY,
    SCRIPTX_LICENCE,
    subprocess_env,
)


def jobtray(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )


def add_account(provider: str, server: SimulatorServer, key: str, *extra: str) -> None:
    result = jobtray(
        "account",
        "add",
        provider,
        "--provider",
        provider,
        "--base-url",
        server.base_url,
        *extra,
        "--key-stdin",
        stdin=key + "\n",
    )
    assert result.returncode == 0, result.stderr


def add_jobs(account: str, *job_ids: str) -> None:
    result = jobtray("add", "--account", account, *job_ids)
    assert result.returncode == 0, result.stderr


def poll(times: int) -> None:
    for _ in range(times):
        result = jobtray("poll")
        assert result.returncode == 0, result.stderr


def jobs_by_id() -> dict[str, dict[str, Any]]:
    result = jobtray("list", "--json")
    assert result.returncode == 0, result.stderr
    return {job["job_id"]: job for job in json.loads(result.stdout)}


def test_ipaper_jobs_land_in_their_states(ipaper_simulator: tuple[IPaperSimulator, SimulatorServer]) -> None:
    sim, server = ipaper_simulator
    add_account("ipaper", server, IPAPER_KEY)  # user name defaults to APIKey: no --username
    done = sim.add_job([ipa.pending(checks=1), ipa.completed()])
    partial = sim.add_job([ipa.pending(checks=1), ipa.enrichment_failed()])
    failed = sim.add_job([ipa.failed()])
    waiting = sim.add_job([ipa.pending()])
    unknown = "d3b07384-d9a0-4c9b-8f1e-000000000000"
    add_jobs("ipaper", done, partial, failed, waiting, unknown)
    poll(2)
    jobs = jobs_by_id()
    assert jobs[done]["state"] == "succeeded"
    assert jobs[partial]["state"] == "partial" and "flipbook was created" in jobs[partial]["message"]
    assert jobs[failed]["state"] == "failed"
    assert jobs[waiting]["state"] == "running" and jobs[waiting]["provider_status"] == "Pending"
    assert jobs[unknown]["state"] == "not_found"


def test_scriptx_jobs_land_in_their_states(scriptx_simulator: tuple[ScriptXSimulator, SimulatorServer]) -> None:
    sim, server = scriptx_simulator
    add_account("scriptx", server, SCRIPTX_LICENCE)  # the licence GUID is the key; no --username
    done = sim.add_job([sx.queued(checks=1), sx.printing_pdf(checks=1), sx.completed()])
    broken = sim.add_job([sx.queued(checks=1), sx.item_error("Document could not be downloaded")])
    leaked = sim.add_job([sx.code_exception()])
    gone = sim.add_job([sx.abandoned()])
    opaque = sim.add_job([sx.completed()], job_id="pdf0:job42")
    unknown = "0" * 32
    add_jobs("scriptx", done, broken, leaked, gone, opaque, unknown)
    poll(3)
    jobs = jobs_by_id()
    assert jobs[done]["state"] == "succeeded"
    assert jobs[done]["result_url"] == f"{server.base_url}/api/v1/printPdf/download/{done}"
    assert jobs[broken]["state"] == "failed" and jobs[broken]["message"] == "Document could not be downloaded"
    assert jobs[leaked]["state"] == "failed"
    assert jobs[gone]["state"] == "cancelled"
    assert jobs[opaque]["state"] == "succeeded" and jobs[opaque]["result_url"].endswith("/pdf0:job42")
    assert jobs[unknown]["state"] == "not_found"


def test_encodingcom_jobs_land_in_their_states(
    encodingcom_simulator: tuple[EncodingComSimulator, SimulatorServer],
) -> None:
    sim, server = encodingcom_simulator
    add_account("encodingcom", server, ENCODINGCOM_KEY, "--username", ENCODINGCOM_USERID)
    media = {
        "finished": sim.add_job([enc.new(checks=1), enc.waiting_for_encoder(checks=1), enc.finished()]),
        "partial": sim.add_job([enc.running(checks=1), enc.finished_with_failed_output()]),
        "error": sim.add_job([enc.running("Downloading", checks=1), enc.error("Source file is not reachable")]),
        "stopped": sim.add_job([enc.stopped()]),
        "deleted": sim.add_job([enc.deleted()]),
        "saving": sim.add_job([enc.running("Saving", "97.0", "2")]),
    }
    add_jobs("encodingcom", *media.values(), "99999999")
    poll(3)
    jobs = jobs_by_id()
    states = {name: jobs[m]["state"] for name, m in media.items()}
    assert states == {
        "finished": "succeeded",
        "partial": "partial",
        "error": "failed",
        "stopped": "cancelled",
        "deleted": "cancelled",
        "saving": "running",
    }
    assert jobs[media["error"]]["message"] == "Source file is not reachable"
    assert jobs[media["saving"]]["progress"] == 97.0
    assert jobs["99999999"]["state"] == "not_found"


def test_twenty_open_encodingcom_media_cost_one_request_per_poll(
    encodingcom_simulator: tuple[EncodingComSimulator, SimulatorServer],
) -> None:
    sim, server = encodingcom_simulator
    add_account("encodingcom", server, ENCODINGCOM_KEY, "--username", ENCODINGCOM_USERID)
    media = [sim.add_job([enc.new(checks=1), enc.running(checks=1), enc.finished()]) for _ in range(20)]
    add_jobs("encodingcom", *media)
    assert sim.requests_made() == 0
    for expected in (1, 2, 3):
        poll(1)
        assert sim.requests_made() == expected
    assert [sorted(batch) for batch in sim.status_requests] == [sorted(media)] * 3
    assert {job["state"] for job in jobs_by_id().values()} == {"succeeded"}
    poll(1)
    assert sim.requests_made() == 3  # nothing open: nothing asked


def test_encodingcom_without_username_says_what_to_do(
    encodingcom_simulator: tuple[EncodingComSimulator, SimulatorServer],
) -> None:
    sim, server = encodingcom_simulator
    add_account("encodingcom", server, ENCODINGCOM_KEY)
    add_jobs("encodingcom", sim.add_job([enc.new()]))
    result = jobtray("poll")
    assert result.returncode == 2 and "--username" in result.stderr and ENCODINGCOM_KEY not in result.stderr
    assert sim.requests_made() == 0


def test_start_all_credentials_work_with_account_add_for_every_provider() -> None:
    from desktop_app.simulators.launcher import start_all

    running = start_all()
    try:
        assert set(running) == {"ipaper", "scriptx", "pdfco", "encodingcom"}
        for provider, (server, samples, creds) in running.items():
            extra = ("--username", creds["username"]) if "username" in creds else ()
            add_account(provider, server, creds["key"], *extra)
            add_jobs(provider, *samples)
        result = jobtray("poll")
        assert result.returncode == 0, result.stderr
        jobs = jobs_by_id()
        assert {j["provider"] for j in jobs.values()} == set(running)
        assert all(j["last_error"] is None for j in jobs.values()), [j["last_error"] for j in jobs.values()]
        # Every sample was answered (each provider reports its own status text), none is unknown to its server.
        assert all(j["provider_status"] for j in jobs.values())
        assert not [j for j in jobs.values() if j["state"] == "not_found"]
    finally:
        for server, _, _ in running.values():
            server.stop()


def test_simulate_prints_every_provider_and_stops_on_ctrl_c() -> None:
    import signal

    with subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "simulate"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=subprocess_env(),
    ) as process:
        try:
            assert process.stdout is not None
            lines: list[str] = []
            for line in process.stdout:
                lines.append(line)
                if line.startswith("press Ctrl-C"):
                    break
            text = "".join(lines)
            for provider in ("ipaper", "scriptx", "pdfco", "encodingcom"):
                assert f"{provider}\thttp://127.0.0.1:" in text
            assert "--provider encodingcom" in text and "--username" in text
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_a_malformed_scriptx_number_is_one_line_and_exit_2(
    scriptx_simulator: tuple[ScriptXSimulator, SimulatorServer],
) -> None:
    """Issue 20: `{"status": "--6"}` printed "internal error: ValueError" and a traceback on every check."""
    sim, server = scriptx_simulator
    add_account("scriptx", server, SCRIPTX_LICENCE)
    bad = sim.add_job([Step({"status": "--6", "message": ""})])
    fullwidth = sim.add_job([Step({"status": "\uff16", "message": ""})])
    good = sim.add_job([sx.completed()])
    add_jobs("scriptx", bad, fullwidth, good)
    result = jobtray("poll")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "integer status" in lines[0], result.stderr
    jobs = jobs_by_id()
    assert jobs[bad]["state"] == jobs[fullwidth]["state"] == "queued"  # the job keeps its state
    assert jobs[good]["state"] == "succeeded"


def test_a_scriptx_server_answering_head_with_501_ends_the_job_with_no_link(
    scriptx_simulator: tuple[ScriptXSimulator, SimulatorServer],
) -> None:
    sim, server = scriptx_simulator
    done = sim.add_job([sx.completed()])

    def handler(request: SimRequest) -> SimResponse:
        return SimResponse(501, b"", "text/plain") if request.method == "HEAD" else sim.handle(request)

    server._handler = handler
    add_account("scriptx", server, SCRIPTX_LICENCE)
    add_jobs("scriptx", done)
    poll(1)
    job = jobs_by_id()[done]
    assert job["state"] == "succeeded" and job["result_url"] is None


def test_a_result_link_with_credentials_is_never_kept_or_shown(
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
) -> None:
    """Issue 20: PDF.co's `http://USER:PASSWORD@host/x.pdf` was kept and shown whole in poll, list --json."""
    sim, server = pdfco_simulator
    job = sim.add_job([pdfco_steps.success()])

    def handler(request: SimRequest) -> SimResponse:
        answer = sim.handle(request)
        if request.path == "/v1/job/check":
            body = json.loads(answer.body)
            body["url"] = "http://USER:HUNTER2PASSWORD@127.0.0.1:9/x.pdf"
            return SimResponse.json_body(body)
        return answer

    server._handler = handler
    add_account("pdfco", server, PDFCO_KEY)
    add_jobs("pdfco", job)
    polled = jobtray("poll")
    assert polled.returncode == 0, polled.stderr
    listed = jobtray("list", "--json")
    shown = jobtray("list")
    for output in (polled.stdout, polled.stderr, listed.stdout, shown.stdout, shown.stderr):
        assert "HUNTER2PASSWORD" not in output
    (row,) = json.loads(listed.stdout)
    assert row["state"] == "succeeded" and row["result_url"] is None


def test_ids_are_ascii_and_a_typo_gets_a_hint(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer]) -> None:
    """Issue 20: `...--151-300` in fullwidth digits was added, `...-151-300` with its suffix dropped."""
    _, server = pdfco_simulator
    add_account("pdfco", server, PDFCO_KEY)
    core = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA"
    typo = jobtray("add", f"the job {core}-151-300 started")
    assert typo.returncode == 2
    assert typo.stderr.count("\n") == 1 and "nearly looks like a PDF.co job ID" in typo.stderr
    assert "--NNN-NNN" in typo.stderr
    fullwidth = jobtray("add", "--account", "pdfco", f"{core}--\uff11\uff15\uff11-\uff13\uff10\uff10")
    assert fullwidth.returncode == 2 and fullwidth.stderr.count("\n") == 1 and "ASCII" in fullwidth.stderr
    assert jobs_by_id() == {}


def test_an_encodingcom_media_cancelled_with_cancelmedia_ends_cancelled_through_poll(
    encodingcom_simulator: tuple[EncodingComSimulator, SimulatorServer],
) -> None:
    """video-transcoding-api's recorded fake says "Canceled" after CancelMedia: it stayed running for ever."""
    import urllib.parse
    import urllib.request

    sim, server = encodingcom_simulator
    add_account("encodingcom", server, ENCODINGCOM_KEY, "--username", ENCODINGCOM_USERID)
    media = sim.add_job([enc.running()])
    add_jobs("encodingcom", media)
    poll(1)
    query = (
        f"<query><userid>{ENCODINGCOM_USERID}</userid><userkey>{ENCODINGCOM_KEY}</userkey>"
        f"<action>CancelMedia</action><mediaid>{media}</mediaid></query>"
    )
    data = urllib.parse.urlencode({"xml": query}).encode()
    with urllib.request.urlopen(urllib.request.Request(server.base_url + "/", data=data)) as reply:
        assert b"Deleted" in reply.read()
    poll(1)
    job = jobs_by_id()[media]
    assert (job["state"], job["provider_status"]) == ("cancelled", "Canceled")
