"""Every provider against answers other people recorded (issue 20), served over HTTP from 127.0.0.1.

The fixtures live in tests/fixtures/<provider>/recorded/ and tests/fixtures/<provider>/ (the vendors' samples); each
names, in its first comment or in the test, the file it was transcribed from. Transcribed in our own words: JSON
replies of encoding.com become the XML they are converted from (JobTray asks in XML), and their non-numeric media
IDs become numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from desktop_app.core.errors import PartialAnswer, ProtocolError
from desktop_app.core.model import JobState, Secret
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.encodingcom import EncodingComProvider
from desktop_app.providers.encodingcom_media import list_media, parse_media_list
from desktop_app.providers.ipaper import parse_status as ipaper_parse
from desktop_app.simulators import encodingcom as enc_steps
from desktop_app.simulators.encodingcom import EncodingComSimulator
from desktop_app.simulators.server import SimRequest, SimResponse, SimulatorServer
from tests.conftest import ENCODINGCOM_KEY, ENCODINGCOM_USERID

FIXTURES = Path(__file__).parents[2] / "fixtures"
ENC = FIXTURES / "encodingcom" / "recorded"
EncSim = tuple[EncodingComSimulator, SimulatorServer]


class Replayer:
    """A server on 127.0.0.1 answering every request with the next recorded body (the last one repeats)."""

    def __init__(self) -> None:
        self.bodies: list[SimResponse] = []
        self.requests: list[SimRequest] = []
        self.server = SimulatorServer(self.handle).start()

    def handle(self, request: SimRequest) -> SimResponse:
        self.requests.append(request)
        return self.bodies.pop(0) if len(self.bodies) > 1 else self.bodies[0]

    def xml(self, path: Path) -> None:
        self.bodies.append(SimResponse.xml_body(path.read_text(encoding="utf-8")))


@pytest.fixture
def replayer() -> Iterator[Replayer]:
    served = Replayer()
    try:
        yield served
    finally:
        served.server.stop()


def _encodingcom(replayer: Replayer) -> EncodingComProvider:
    config = ProviderConfig(
        base_url=replayer.server.base_url, secret=Secret("recorded-key"), username="12345", timeout=(2.0, 2.0)
    )
    return EncodingComProvider(config)


# ---- encoding.com ----------------------------------------------------------------------------------------------


def test_encodingcom_one_job_one_format_destination_status_a_string(replayer: Replayer) -> None:
    """nytimes/encoding-wrapper encodingcom/media_status_test.go, TestGetStatusSingle."""
    replayer.xml(ENC / "nytimes_getstatus_one_job.xml")
    (status,) = _encodingcom(replayer).check(["123"])
    assert (status.state, status.provider_status) == (JobState.SUCCEEDED, "Finished")
    assert status.result_url == "https://s3.amazonaws.com/not-really/valid.mp4"


def test_encodingcom_job_list_format_list_destination_status_list_and_null(replayer: Replayer) -> None:
    """nytimes/encoding-wrapper encodingcom/media_status_test.go, TestGetStatusMultiple."""
    replayer.xml(ENC / "nytimes_getstatus_two_jobs.xml")
    statuses = {s.job_id: s for s in _encodingcom(replayer).check(["123", "124"])}
    assert statuses["123"].state == statuses["124"].state == JobState.SUCCEEDED
    assert statuses["123"].result_url == "https://s3.amazonaws.com/not-really/valid.mp4"
    assert len(replayer.requests) == 1


def test_encodingcom_error_with_zero_dates_and_an_open_destination(replayer: Replayer) -> None:
    """nytimes/encoding-wrapper encodingcom/media_status_test.go, TestGetStatusZeroTime."""
    replayer.xml(ENC / "nytimes_getstatus_error_zero_time.xml")
    (status,) = _encodingcom(replayer).check(["123"])
    assert status.state == JobState.FAILED
    assert status.message == "Download error:  The requested URL returned error: 403 Forbidden"


def test_encodingcom_saving_at_progress_100_is_still_running(replayer: Replayer) -> None:
    """video-dev/video-transcoding-api internal/provider/encodingcom/encodingcom_server_test.go, getStatus."""
    replayer.xml(ENC / "vta_getstatus_saving.xml")
    replayer.xml(ENC / "vta_getstatus_finished.xml")
    client = _encodingcom(replayer)
    (saving,) = client.check(["5220424"])
    assert (saving.state, saving.progress, saving.eta_seconds) == (JobState.RUNNING, None, 1.0)
    (finished,) = client.check(["5220424"])
    assert finished.state == JobState.SUCCEEDED
    assert finished.result_url == "https://mybucket.s3.amazonaws.com/dir/job-123/some_hls_preset/video-0.m3u8"


def test_encodingcom_canceled_after_cancelmedia_is_cancelled(replayer: Replayer) -> None:
    """video-dev/video-transcoding-api encodingcom_server_test.go: GetStatus says "Canceled" after CancelMedia.
    It stayed running for ever, while Stopped and Deleted counted as cancelled."""
    replayer.xml(ENC / "vta_getstatus_canceled.xml")
    (status,) = _encodingcom(replayer).check(["5220424"])
    assert (status.state, status.provider_status) == (JobState.CANCELLED, "Canceled")


def test_encodingcom_media_not_found_for_an_unknown_id(replayer: Replayer) -> None:
    """video-dev/video-transcoding-api encodingcom_server_test.go: getMedia's "media not found"."""
    replayer.xml(ENC / "vta_error_media_not_found.xml")
    (status,) = _encodingcom(replayer).check(["5220424"])
    assert status.state == JobState.NOT_FOUND and status.message == "media not found"


def test_encodingcom_the_same_media_finished_then_error_is_a_protocol_error_for_it_alone(replayer: Replayer) -> None:
    replayer.xml(ENC / "contradiction_same_media_twice.xml")
    with pytest.raises(PartialAnswer) as caught:
        _encodingcom(replayer).check(["123", "124"])
    assert set(caught.value.failed) == {"123"} and "contradict" in caught.value.failed["123"]
    assert [(s.job_id, s.state) for s in caught.value.statuses] == [("124", JobState.RUNNING)]


def test_encodingcom_getmedialist_rows_as_recorded(replayer: Replayer) -> None:
    """nytimes/encoding-wrapper encodingcom/media_test.go, TestListMedia (the second row is ours)."""
    replayer.xml(ENC / "nytimes_getmedialist.xml")
    from datetime import UTC, datetime

    page = list_media(_encodingcom(replayer), datetime(2015, 12, 31, tzinfo=UTC), 1)
    assert [(m.media_id, m.status, m.source_name, m.finished) for m in page.media] == [
        ("1234567", "Finished", "video.mp4", True),
        ("1234568", "Processing", "second take.mov", False),
    ]
    assert page.media[0].created == datetime(2015, 12, 31, 20, 45, 30, tzinfo=UTC)
    assert not page.full
    assert parse_media_list((ENC / "nytimes_getmedialist.xml").read_bytes()).media == page.media


def test_encodingcom_simulator_cancelmedia_then_getstatus_says_canceled(encodingcom_simulator: EncSim) -> None:
    """Our simulator plays video-transcoding-api's fake: CancelMedia, then GetStatus "Canceled"; unknown IDs get
    its "media not found"."""
    sim, server = encodingcom_simulator
    media = sim.add_job([enc_steps.running(progress="30")])
    client = EncodingComProvider(
        ProviderConfig(
            base_url=server.base_url, secret=Secret(ENCODINGCOM_KEY), username=ENCODINGCOM_USERID, timeout=(2.0, 2.0)
        )
    )
    assert client.check([media])[0].state == JobState.RUNNING
    query = (
        f'<?xml version="1.0"?><query><userid>{ENCODINGCOM_USERID}</userid><userkey>{ENCODINGCOM_KEY}</userkey>'
        f"<action>CancelMedia</action><mediaid>{media}</mediaid></query>"
    )
    reply = requests.post(server.base_url + "/", data={"xml": query}, timeout=5)
    assert "<message>Deleted</message>" in reply.text
    assert client.check([media])[0].state == JobState.CANCELLED
    sim.unknown_text = "media not found"
    (lost,) = client.check(["99999999"])
    assert lost.state == JobState.NOT_FOUND and lost.message == "media not found"


# ---- iPaper -----------------------------------------------------------------------------------------------------


def _ipaper_reply(*statuses: str) -> str:
    """The documented GetProcessingStatus envelope (tests/fixtures/ipaper/status_completed_docs.xml)."""
    inner = "".join(f"<ProcessStatus><![CDATA[ {s} ]]></ProcessStatus>" for s in statuses)
    return f"<result><code><![CDATA[ SUCCESS ]]></code><message/><data>{inner}</data></result>"


def test_ipaper_two_process_statuses_that_disagree_are_a_protocol_error() -> None:
    """Issue 20: `<data>` holding Completed and Failed was read as Completed (the first won, silently)."""
    with pytest.raises(ProtocolError, match="contradict"):
        ipaper_parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301", _ipaper_reply("Completed", "Failed"))
    same = ipaper_parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301", _ipaper_reply("Completed", "completed"))
    assert same.state == JobState.SUCCEEDED  # the same thing said twice is said once


# ---- result links with credentials, every provider --------------------------------------------------------------


def test_no_provider_keeps_a_result_link_with_credentials() -> None:
    """Issue 20: a PDF.co result URL `http://USER:PASSWORD@host/x.pdf` was kept and shown whole; encoding.com's were
    refused. Now core/urls.is_openable_link refuses them, for every provider (and the store, and opening)."""
    from desktop_app.providers.encodingcom import parse_status as enc_parse
    from desktop_app.providers.pdfco import parse_check

    pdfco = parse_check("X", {"status": "success", "url": "http://USER:PASSWORD@127.0.0.1:9/x.pdf"})
    assert pdfco.state == JobState.SUCCEEDED and pdfco.result_url is None
    enc = enc_parse(
        ["7"],
        "<response><job><id>7</id><status>Finished</status><format><status>Finished</status>"
        "<destination>https://u:p@bucket.example/o.mp4</destination><destination_status>Saved</destination_status>"
        "</format></job></response>",
    )["7"]
    assert enc.state == JobState.SUCCEEDED and enc.result_url is None


# ---- PDF.co, ScriptX.Services and iPaper: recorded and documented answers over HTTP ---------------------------------

PDFCO_ID = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"


def _client(provider: str, replayer: Replayer) -> Any:
    from desktop_app.providers.registry import provider_class

    config = ProviderConfig(
        base_url=replayer.server.base_url, secret=Secret("recorded-key"), username="APIKey", timeout=(2.0, 2.0)
    )
    return provider_class(provider)(config)


def test_pdfco_documented_and_recorded_check_answers(replayer: Replayer) -> None:
    """The job/check docs' samples (tests/fixtures/pdfco), then a third-party PDF.co client's recorded 404 for a job
    unknown to the key (a Deno test of a `job-check` action, found with the code search: `{"errorCode": 404,
    "error": true, "message": "Job not found"}`)."""
    replayer.bodies += [
        SimResponse(200, (FIXTURES / "pdfco" / "check_working.json").read_bytes(), "application/json"),
        SimResponse(200, (FIXTURES / "pdfco" / "check_success.json").read_bytes(), "application/json"),
        SimResponse.json_body({"errorCode": 404, "error": True, "message": "Job not found"}, 404),
    ]
    client = _client("pdfco", replayer)
    states = [client.check([PDFCO_ID])[0] for _ in range(3)]
    assert [s.state for s in states] == [JobState.RUNNING, JobState.SUCCEEDED, JobState.NOT_FOUND]
    assert states[1].result_url is not None and states[1].result_url.startswith("https://pdf-temp-files.s3")
    assert replayer.requests[0].json() == {"jobid": PDFCO_ID, "force": "true"}


def test_scriptx_answers_of_meadcos_own_mock(replayer: Replayer) -> None:
    """MeadCo/ScriptX.Print.Client test/server.js answers status with 202 and errors as JSON strings
    (tests/fixtures/scriptx/README.md)."""
    completed = (FIXTURES / "scriptx" / "status_completed_docs.json").read_bytes()
    replayer.bodies += [
        SimResponse(202, completed, "application/json"),
        SimResponse(404, b"", "application/json"),  # the HEAD: nothing to download (printed to its device)
        SimResponse(404, (FIXTURES / "scriptx" / "job_not_found.json").read_bytes(), "application/json"),
    ]
    client = _client("scriptx", replayer)
    (done,) = client.check(["8c72a9871ba64c4ba507b4392c1ce0b9"])
    assert done.state == JobState.SUCCEEDED and done.result_url is None
    (lost,) = client.check(["0" * 32])
    assert lost.state == JobState.NOT_FOUND


def test_ipaper_documented_answers(replayer: Replayer) -> None:
    replayer.xml(FIXTURES / "ipaper" / "status_completed_docs.xml")
    (done,) = _client("ipaper", replayer).check(["3f2504e0-4f89-11d3-9a0c-0305e82c3301"])
    assert done.state == JobState.SUCCEEDED


# ---- contradictions in JSON answers -------------------------------------------------------------------------------


def test_a_json_answer_naming_a_field_twice_with_two_values_is_a_protocol_error_for_that_job(
    replayer: Replayer,
) -> None:
    """Issue 20: `json.loads` keeps the last of two `status` keys silently; one answer saying two things about one
    job is a ProtocolError (PDF.co answers one job per request, so the job is the one asked about)."""
    replayer.bodies.append(SimResponse(200, b'{"status": "success", "status": "failed"}', "application/json"))
    with pytest.raises(ProtocolError, match="contradicts"):
        _client("pdfco", replayer).check([PDFCO_ID])
    same = SimResponse(200, b'{"status": "working", "status": "working"}', "application/json")
    replayer.bodies[:] = [same]
    assert _client("pdfco", replayer).check([PDFCO_ID])[0].state == JobState.RUNNING


def test_scriptx_status_and_status_in_another_case_that_disagree_are_a_protocol_error() -> None:
    from desktop_app.providers.scriptx import parse_status

    with pytest.raises(ProtocolError, match="contradicts"):
        parse_status("T", {"status": 6, "Status": -1})
    assert parse_status("T", {"status": 6, "Status": 6}).state == JobState.SUCCEEDED


def test_encodingcom_media_not_found_naming_no_id_in_a_batch_is_narrowed_down(encodingcom_simulator: EncSim) -> None:
    """video-transcoding-api's fake answers "media not found" without an ID. In a batch that cannot say which one:
    the batch was a ProtocolError every round, so none of the account's media ever ended. Now the batch is halved
    until the unknown one is alone."""
    sim, server = encodingcom_simulator
    sim.unknown_text = "media not found"
    known = [sim.add_job([enc_steps.running(progress="30")]) for _ in range(5)]
    unknown = "99999999"
    client = EncodingComProvider(
        ProviderConfig(
            base_url=server.base_url, secret=Secret(ENCODINGCOM_KEY), username=ENCODINGCOM_USERID, timeout=(2.0, 2.0)
        )
    )
    statuses = {s.job_id: s for s in client.check([*known[:3], unknown, *known[3:]])}
    assert statuses[unknown].state == JobState.NOT_FOUND
    assert all(statuses[k].state == JobState.RUNNING for k in known)
    assert len(sim.status_requests) <= 1 + 2 * 3 + 1  # the batch, then halves down to the unknown one
