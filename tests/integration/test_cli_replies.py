"""`curl ... | jobtray add -`: each vendor's documented creation reply, fetched over real HTTP and piped into a real
`jobtray` process, watches the job at the right account; `jobtray poll` then asks that vendor's simulator about it.
Error replies and ambiguous accounts are refused with nothing added; links are `jobtray open`ed the same way."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.simulators import encodingcom as enc
from desktop_app.simulators import ipaper as ipa
from desktop_app.simulators import pdfco as pdf
from desktop_app.simulators import scriptx as sx
from desktop_app.simulators.server import SimRequest, SimResponse, SimulatorServer, serve
from tests.conftest import ENCODINGCOM_KEY, ENCODINGCOM_USERID, IPAPER_KEY, PDFCO_KEY, SCRIPTX_LICENCE, subprocess_env

FIXTURES = Path(__file__).parents[1] / "fixtures"


def jobtray(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        input=stdin,
        capture_output=True,
        env=subprocess_env(),
        timeout=60,
    )


class VendorServer:
    """A vendor's simulator that also answers its creation call with the documented reply (`POST /create`)."""

    def __init__(self, sim: Any, reply: bytes) -> None:
        self.sim = sim
        self.reply = reply
        self.base_url = ""

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path == "/create":
            kind = "application/json" if self.reply.lstrip().startswith(b"{") else "text/xml"
            return SimResponse(200, self.reply, kind)
        return self.sim.handle(request)


def curl(server: SimulatorServer) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(server.base_url + "/create", method="POST", data=b"")) as r:
        body: bytes = r.read()
    return body


CASES = {
    # provider: (fixture, simulator, key args, steps to script the job the reply names, job ID in the reply)
    "pdfco": ("pdfco/creation_async.json", lambda: pdf.PdfCoSimulator(PDFCO_KEY), PDFCO_KEY, (), [pdf.success()]),
    "scriptx": (
        "scriptx/creation_print_queued_to_file.json",
        lambda: sx.ScriptXSimulator(SCRIPTX_LICENCE),
        SCRIPTX_LICENCE,
        (),
        [sx.printing_pdf()],
    ),
    "encodingcom": (
        "encodingcom/addmedia_added.xml",
        lambda: enc.EncodingComSimulator(ENCODINGCOM_USERID, ENCODINGCOM_KEY),
        ENCODINGCOM_KEY,
        ("--username", ENCODINGCOM_USERID),
        [enc.running("Processing", "40.0", "30")],
    ),
    "ipaper": (
        "ipaper/processpdf_queued.xml",
        lambda: ipa.IPaperSimulator(IPAPER_KEY),
        IPAPER_KEY,
        (),
        [ipa.completed()],
    ),
}
JOB_IDS = {
    "pdfco": "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300",
    "scriptx": "8c72a9871ba64c4ba507b4392c1ce0b9",
    "encodingcom": "5220424",
    "ipaper": "9c1f2e4a-7b3d-4c5e-8f60-1a2b3c4d5e6f",
}
EXPECTED_STATE = {"pdfco": "succeeded", "scriptx": "running", "encodingcom": "running", "ipaper": "succeeded"}


@pytest.fixture
def vendors() -> Iterator[dict[str, SimulatorServer]]:
    servers: dict[str, SimulatorServer] = {}
    try:
        for provider, (name, make, key, extra, steps) in CASES.items():
            sim = make()
            sim.add_job(steps, job_id=JOB_IDS[provider])
            server = serve(VendorServer(sim, (FIXTURES / name).read_bytes()))
            servers[provider] = server
            result = jobtray(
                "account", "add", f"my-{provider}", "--provider", provider, "--base-url", server.base_url,
                "--rate-limit", "100/s", *extra, "--key-stdin", stdin=key.encode() + b"\n",
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def listed() -> dict[str, dict[str, Any]]:
    result = jobtray("list", "--json")
    assert result.returncode == 0, result.stderr
    return {job["job_id"]: job for job in json.loads(result.stdout)}


def test_each_vendors_reply_piped_in_watches_its_job_at_the_right_account(vendors: dict[str, SimulatorServer]) -> None:
    for provider, server in vendors.items():
        result = jobtray("add", "-", stdin=curl(server))
        assert result.returncode == 0, result.stderr
        assert f"watching {JOB_IDS[provider]} (account my-{provider}" in result.stdout.decode()
    jobs = listed()
    assert {j["job_id"]: j["account"] for j in jobs.values()} == {v: f"my-{p}" for p, v in JOB_IDS.items()}
    assert jobs[JOB_IDS["pdfco"]]["label"] == "invoice.json"  # the reply's name
    assert jobtray("poll").returncode == 0
    states = {job_id: job["state"] for job_id, job in listed().items()}
    assert states == {JOB_IDS[p]: EXPECTED_STATE[p] for p in JOB_IDS}


def test_from_file_and_the_json_form(vendors: dict[str, SimulatorServer], tmp_path: Path) -> None:
    reply = tmp_path / "reply.json"
    reply.write_bytes((FIXTURES / "encodingcom/addmedia_added.json").read_bytes())
    result = jobtray("add", "--from-file", str(reply), "--label", "trailer")
    assert result.returncode == 0, result.stderr
    assert listed()["5220425"]["label"] == "trailer"


@pytest.mark.parametrize(
    ("fixture", "words"),
    [
        ("pdfco/creation_error.json", b"PDF.co reported an error (401): Unauthorized"),
        ("encodingcom/addmedia_error.xml", b"encoding.com reported: Source file is not indicated"),
        ("scriptx/creation_soft_error.json", b"SoftError"),
        ("ipaper/processpdf_already_processing.xml", b"RIPPER_CANNOT_PROCESS_PAPER_ALREADY_BEING_PROCESSED"),
    ],
)
def test_an_error_reply_is_the_vendors_error_and_adds_nothing(
    vendors: dict[str, SimulatorServer], fixture: str, words: bytes
) -> None:
    result = jobtray("add", "-", stdin=(FIXTURES / fixture).read_bytes())
    assert result.returncode == 2
    assert words in result.stderr and result.stderr.count(b"\n") == 1
    assert listed() == {}


def test_several_accounts_of_the_provider_are_refused_unless_one_is_named(vendors: dict[str, SimulatorServer]) -> None:
    extra = jobtray(
        "account", "add", "other-pdfco", "--provider", "pdfco", "--base-url", vendors["pdfco"].base_url,
        "--key-env", "NOPE",
    )  # fmt: skip
    assert extra.returncode == 0
    reply = (FIXTURES / "pdfco/creation_async.json").read_bytes()
    refused = jobtray("add", "-", stdin=reply)
    assert refused.returncode == 2
    assert b"several PDF.co accounts (my-pdfco, other-pdfco): choose one with --account" in refused.stderr
    assert listed() == {}
    wrong = jobtray("add", "--account", "my-scriptx", "-", stdin=reply)
    assert wrong.returncode == 2 and b"is a scriptx account, not PDF.co" in wrong.stderr
    assert jobtray("add", "--account", "other-pdfco", "-", stdin=reply).returncode == 0
    assert listed()[JOB_IDS["pdfco"]]["account"] == "other-pdfco"


def test_plain_text_on_stdin_is_searched_for_ids(vendors: dict[str, SimulatorServer]) -> None:
    result = jobtray("add", "-", stdin=b"the job 6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300 started\n")
    assert result.returncode == 0, result.stderr
    assert JOB_IDS["pdfco"] in listed()
    too_big = jobtray("add", "-", stdin=b"x" * 1_000_001)
    assert too_big.returncode == 2 and b"over 1 MB" in too_big.stderr


def test_open_a_good_link_then_poll(vendors: dict[str, SimulatorServer]) -> None:
    link = f"jobtray://watch?provider=pdfco&id={JOB_IDS['pdfco']}&label=From%20the%20web"
    result = jobtray("open", link)
    assert result.returncode == 0, result.stderr
    assert listed()[JOB_IDS["pdfco"]]["label"] == "From the web"
    assert jobtray("poll").returncode == 0
    assert listed()[JOB_IDS["pdfco"]]["state"] == "succeeded"


@pytest.mark.parametrize(
    ("link", "words"),
    [
        ("jobtray://watch?provider=evil&id=1", b"provider JobTray does not know"),
        ("jobtray://watch?provider=pdfco&id=not-a-pdfco-id", b"not a PDF.co job ID"),
        ("jobtray://watch?provider=pdfco&id=not%20an%20id", b"contains whitespace"),
        ("jobtray://watch?provider=pdfco&id=6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--1-2&account=ghost", b"no account named"),
        ("jobtray://watch?provider=pdfco&id=" + "A" * 2100, b"longer than 2048"),
        ("jobtray://watch?provider=pdfco&id=6YSZ%1B%5B2J", b"control characters"),
        ("jobtray://watch?provider=pdfco&id=6YSZ\x07", b"control characters"),
    ],
)
def test_hostile_links_give_one_line_and_add_nothing(
    vendors: dict[str, SimulatorServer], link: str, words: bytes
) -> None:
    result = jobtray("open", link)
    assert result.returncode == 2
    assert words in result.stderr and result.stderr.count(b"\n") == 1
    assert b"\x1b" not in result.stderr and b"\x07" not in result.stderr
    assert listed() == {}


def test_a_link_naming_a_provider_with_several_accounts_is_refused(vendors: dict[str, SimulatorServer]) -> None:
    assert jobtray("account", "add", "p2", "--provider", "pdfco", "--key-env", "X").returncode == 0
    result = jobtray("open", f"jobtray://watch?provider=pdfco&id={JOB_IDS['pdfco']}")
    assert result.returncode == 2 and b"several PDF.co accounts" in result.stderr
    assert listed() == {}


@pytest.mark.parametrize(
    ("fixture", "words"),
    [
        # A PDF.co reply with no jobId: a synchronous result, or an upload reply (tests/fixtures/pdfco/README.md).
        ("pdfco/recorded/sync_result_no_jobid.json", b"no jobId"),
        ("pdfco/recorded/upload_presigned_no_jobid.json", b"no jobId"),
        ("pdfco/recorded/ambiguous_jobid_and_jobidentifier.json", b"both"),
    ],
)
def test_a_reply_without_a_job_or_ambiguous_adds_nothing_and_exits_2(
    vendors: dict[str, SimulatorServer], fixture: str, words: bytes
) -> None:
    """Issue 20: with an encoding.com account present, the upload reply added an encoding.com job whose ID was the
    reply's remainingCredits, exit 0. No ID is ever taken from a number field of a recognised reply."""
    result = jobtray("add", "-", stdin=(FIXTURES / fixture).read_bytes())
    assert result.returncode == 2, result
    assert words in result.stderr and result.stderr.count(b"\n") == 1
    assert listed() == {}


def test_numbers_in_a_json_document_of_no_vendor_are_not_ids(vendors: dict[str, SimulatorServer]) -> None:
    """Issue 20: never an ID from a number field: `{"count": 5220424}` piped in adds nothing at encoding.com."""
    result = jobtray("add", "-", stdin=b'{"count": 5220424, "credits": 93574}')
    assert result.returncode == 2 and result.stderr.count(b"\n") == 1
    assert listed() == {}
    named = jobtray("add", "-", stdin=b'{"note": "media 5220424 is ours", "credits": 93574}')
    assert named.returncode == 0, named.stderr
    assert set(listed()) == {"5220424"}
