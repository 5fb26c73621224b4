"""ScriptX.Services printPdf/status: the parser on the documented model and garbage, the client over HTTP."""

from __future__ import annotations

import base64
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.errors import AuthError, JobTrayError, ProtocolError, RateLimited, TransientError
from desktop_app.core.model import JobState, Secret
from desktop_app.providers.base import HttpResponse, ProviderConfig, path_segment
from desktop_app.providers.scriptx import (
    ScriptXProvider,
    error_text,
    is_downloadable,
    is_job_not_found,
    parse_status,
    status_path,
)
from desktop_app.simulators import scriptx as steps
from desktop_app.simulators.scriptx import ScriptXSimulator
from desktop_app.simulators.server import SimRequest, SimResponse, SimulatorServer
from tests.conftest import SCRIPTX_LICENCE

FIXTURES = Path(__file__).parents[2] / "fixtures" / "scriptx"
SERVER = "https://scriptxservices.meadroid.com"
TOKEN = "8c72a9871ba64c4ba507b4392c1ce0b9"
Sim = tuple[ScriptXSimulator, SimulatorServer]


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_documented_sample_completed() -> None:
    status = parse_status(TOKEN, json.loads(_fixture("status_completed_docs.json")))
    assert (status.state, status.provider_status) == (JobState.SUCCEEDED, "6 Completed")
    assert status.result_url is None  # only the server can confirm a file to download: see the HTTP tests


@pytest.mark.parametrize(
    ("code", "state"),
    [
        (0, JobState.QUEUED),
        (1, JobState.QUEUED),
        (2, JobState.RUNNING),
        (3, JobState.RUNNING),
        (4, JobState.RUNNING),
        (5, JobState.RUNNING),
        (7, JobState.RUNNING),
        (8, JobState.RUNNING),
        (6, JobState.SUCCEEDED),
        (100, JobState.SUCCEEDED),
        (102, JobState.SUCCEEDED),
        (-1, JobState.FAILED),
        (101, JobState.FAILED),
        (-2, JobState.CANCELLED),
    ],
)
def test_every_documented_status(code: int, state: JobState) -> None:
    status = parse_status(TOKEN, {"status": code, "message": "", "jobIdentifier": TOKEN})
    assert status.state == state
    assert is_downloadable(status) == (code in (6, 102))


@pytest.mark.parametrize("code", [-1, 101, -2])
def test_failures_keep_their_message(code: int) -> None:
    status = parse_status(TOKEN, {"status": code, "message": "Printer on fire"})
    assert status.message == "Printer on fire"


def test_failure_without_message_names_the_status() -> None:
    assert parse_status(TOKEN, {"status": 101}).message == "ScriptX.Services reported CodeException"


def test_pascal_case_and_numeric_string_are_tolerated() -> None:
    status = parse_status(TOKEN, {"Status": "6", "Message": "done", "JobIdentifier": TOKEN})
    assert status.state == JobState.SUCCEEDED


@pytest.mark.parametrize(
    ("token", "segment"),
    [
        ("pdf0:job", "pdf0:job"),
        ("a@b+c,d;e=f!$&'()*", "a@b+c,d;e=f!$&'()*"),
        ("pdf0:job/1?x#y", "pdf0:job%2F1%3Fx%23y"),
        ("50%", "50%25"),
        ("sp ace\t\n", "sp%20ace%09%0A"),
        ('<"\\^`{|}>', "%3C%22%5C%5E%60%7B%7C%7D%3E"),
        ("ünï", "%C3%BCn%C3%AF"),
        ("A-Z_a.z~09", "A-Z_a.z~09"),
    ],
)
def test_path_segment_escapes_only_what_cannot_stand_in_a_segment(token: str, segment: str) -> None:
    assert path_segment(token) == segment
    assert status_path(token) == "/api/v1/printPdf/status/" + segment


@pytest.mark.parametrize("token", [".", ".."])
def test_a_token_of_only_dots_cannot_be_sent(token: str) -> None:
    with pytest.raises(ProtocolError):
        path_segment(token)


@pytest.mark.parametrize(
    "body",
    [None, [], "Job not found", 6, {}, {"status": None}, {"status": True}, {"status": 42}, {"status": "six"}],
)
def test_garbage_is_a_protocol_error(body: Any) -> None:
    with pytest.raises(ProtocolError):
        parse_status(TOKEN, body)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unauthorized_unknown_license.json", "Unauthorized - unknown license"),
        ("job_not_found.json", "Job not found"),
        ("aspnet_error.json", "An error has occurred."),
    ],
)
def test_error_bodies_are_read(name: str, expected: str) -> None:
    assert error_text(_fixture(name)) == expected


def _response(status: int, body: bytes) -> HttpResponse:
    return HttpResponse(status=status, headers={}, body=body)


def test_404_job_not_found_vs_endpoint_not_found() -> None:
    assert is_job_not_found(_response(404, _fixture("job_not_found.json")))
    assert not is_job_not_found(_response(404, _fixture("endpoint_not_found.json")))
    assert not is_job_not_found(_response(404, b"<html>Not Found</html>"))
    assert not is_job_not_found(_response(200, _fixture("job_not_found.json")))


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda c: (
            st.lists(c)
            | st.dictionaries(st.text(), c)
            | st.dictionaries(st.sampled_from(["status", "Status", "message"]), c)
        ),
    )
)
def test_parser_raises_only_typed_errors(body: Any) -> None:
    with contextlib.suppress(JobTrayError):
        parse_status(TOKEN, body)


@given(st.binary(max_size=200))
def test_error_text_never_raises(body: bytes) -> None:
    result = error_text(body)
    assert result is None or isinstance(result, str)


# ---- over HTTP ---------------------------------------------------------------------------------------------


def _client(server: SimulatorServer, licence: str = SCRIPTX_LICENCE, base: str | None = None) -> ScriptXProvider:
    config = ProviderConfig(base_url=base or server.base_url, secret=Secret(licence), timeout=(2.0, 2.0))
    return ScriptXProvider(config)


def test_states_over_http(scriptx_simulator: Sim) -> None:
    sim, server = scriptx_simulator
    slow = sim.add_job([steps.queued(checks=1), steps.printing_pdf(checks=1), steps.completed()])
    broken = sim.add_job([steps.item_error("Document could not be downloaded")])
    leaked = sim.add_job([steps.code_exception()])
    gone = sim.add_job([steps.abandoned()])
    client = _client(server)
    first = {s.job_id: s for s in client.check([slow, broken, leaked, gone, "f" * 32])}
    assert first[slow].state == JobState.QUEUED
    assert (first[broken].state, first[broken].message) == (JobState.FAILED, "Document could not be downloaded")
    assert first[leaked].state == JobState.FAILED
    assert first[gone].state == JobState.CANCELLED
    assert first["f" * 32].state == JobState.NOT_FOUND
    assert client.check([slow])[0].state == JobState.RUNNING
    (done,) = client.check([slow])
    assert done.state == JobState.SUCCEEDED and done.result_url == f"{server.base_url}/api/v1/printPdf/download/{slow}"


def test_the_result_link_serves_a_pdf_and_then_the_job_is_collected(scriptx_simulator: Sim) -> None:
    import requests

    sim, server = scriptx_simulator
    job = sim.add_job([steps.completed()])
    client = _client(server)
    (done,) = client.check([job])
    assert done.result_url is not None
    download = requests.get(done.result_url, timeout=5)
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    (collected,) = client.check([job])
    assert (collected.state, collected.provider_status, collected.result_url) == (
        JobState.SUCCEEDED,
        "100 Collected",
        None,
    )


def test_a_202_answer_is_an_answer(scriptx_simulator: Sim) -> None:
    sim, server = scriptx_simulator
    sim.success_http_status = 202
    job = sim.add_job([steps.printing_pdf()])
    assert _client(server).check([job])[0].state == JobState.RUNNING


def _spy(sim: ScriptXSimulator, server: SimulatorServer) -> list[SimRequest]:
    captured: list[SimRequest] = []

    def spy(request: SimRequest) -> SimResponse:
        captured.append(request)
        return sim.handle(request)

    server._handler = spy
    return captured


@pytest.mark.parametrize(
    "token", ["pdf0:job", "user@host:7", "a+b,c;d=e", "x!$&'()*", "a/b?c#d", "sp ace%20", "ünï", "..."]
)
def test_opaque_tokens_go_out_as_the_vendors_clients_send_them(scriptx_simulator: Sim, token: str) -> None:
    """pchars (`: @ + , ; = ! $ & ' ( ) *`) travel as they are: the simulator, like the vendor's servers, does not
    decode `%3A`, so an over-encoded token would not be found."""
    sim, server = scriptx_simulator
    sim.add_job([steps.completed()], job_id=token)
    captured = _spy(sim, server)
    (status,) = _client(server).check([token])
    assert status.state == JobState.SUCCEEDED and status.job_id == token
    assert status.result_url == f"{server.base_url}/api/v1/printPdf/download/{path_segment(token)}"
    get, head = captured
    assert (get.method, get.path) == ("GET", "/api/v1/printPdf/status/" + path_segment(token))
    assert (head.method, head.path) == ("HEAD", "/api/v1/printPdf/download/" + path_segment(token))
    for pchar in ":@+,;=!$&'()*":
        if pchar in token:
            assert pchar in get.path  # raw, not %XX
    assert not get.query


@pytest.mark.parametrize(("token", "over_encoded"), [("pdf0:job", "pdf0%3Ajob"), ("a@b+c,d", "a%40b%2Bc%2Cd")])
def test_the_simulator_does_not_decode_what_needed_no_escaping(
    scriptx_simulator: Sim, token: str, over_encoded: str
) -> None:
    import requests

    sim, server = scriptx_simulator
    sim.add_job([steps.printing_pdf()], job_id=token)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{SCRIPTX_LICENCE}:".encode()).decode()}
    url = f"{server.base_url}/api/v1/printPdf/status/"
    assert requests.get(url + token, headers=auth, timeout=5).status_code == 200
    wrong = requests.get(url + over_encoded, headers=auth, timeout=5)
    assert (wrong.status_code, wrong.json()) == (404, "Job not found")


def test_a_job_printed_to_a_device_has_no_link_and_says_so(scriptx_simulator: Sim) -> None:
    sim, server = scriptx_simulator
    to_file = sim.add_job([steps.completed()])
    to_device = sim.add_job([steps.completed()], to_device=True)
    captured = _spy(sim, server)
    by_id = {s.job_id: s for s in _client(server).check([to_file, to_device])}
    assert by_id[to_file].result_url == f"{server.base_url}/api/v1/printPdf/download/{to_file}"
    assert by_id[to_device].state == JobState.SUCCEEDED
    assert by_id[to_device].result_url is None
    assert by_id[to_device].message is not None and "Printed to its device" in by_id[to_device].message
    heads = [r for r in captured if r.method == "HEAD"]
    assert [r.path.rsplit("/", 1)[1] for r in heads] == [to_file, to_device]
    expected = "Basic " + base64.b64encode(f"{SCRIPTX_LICENCE}:".encode()).decode()
    assert all(r.header("authorization") == expected for r in heads)
    assert sim.download_checks == 2
    # A HEAD only asks: the file is still there to be collected by whoever opens the link.
    assert _client(server).check([to_file])[0].result_url is not None


def test_running_jobs_cost_no_download_check(scriptx_simulator: Sim) -> None:
    sim, server = scriptx_simulator
    jobs = [sim.add_job([steps.printing_pdf()]), sim.add_job([steps.item_error()]), sim.add_job([steps.abandoned()])]
    captured = _spy(sim, server)
    _client(server).check(jobs)
    assert [r.method for r in captured] == ["GET", "GET", "GET"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (SimResponse(302, b"", "text/plain", {"Location": "http://elsewhere.example/file.pdf"}), "a redirect"),
        (SimResponse.json_body("Forbidden", 403), "HTTP 403"),
    ],
)
def test_a_download_check_that_does_not_confirm_gives_no_link(
    scriptx_simulator: Sim, answer: SimResponse, expected: str
) -> None:
    sim, server = scriptx_simulator
    job = sim.add_job([steps.completed()])

    def handler(request: SimRequest) -> SimResponse:
        return answer if request.method == "HEAD" else sim.handle(request)

    server._handler = handler
    (status,) = _client(server).check([job])
    assert status.result_url is None and status.message is not None and expected in status.message


@pytest.mark.parametrize("code", [405, 501])
def test_a_server_that_does_not_answer_head_ends_the_job_with_no_link(scriptx_simulator: Sim, code: int) -> None:
    """Issue 20: an auxiliary request never holds a job's end; 405/501 to the HEAD means "no link"."""
    sim, server = scriptx_simulator
    job = sim.add_job([steps.completed()])

    def handler(request: SimRequest) -> SimResponse:
        if request.method == "HEAD":
            return SimResponse(code, b"", "text/plain")
        return sim.handle(request)

    server._handler = handler
    (status,) = _client(server).check([job])
    assert status.state == JobState.SUCCEEDED
    assert status.result_url is None
    assert status.message is not None and f"HTTP {code}" in status.message


@pytest.mark.parametrize(
    "answer", [SimResponse(503, b"busy", "text/plain"), SimResponse(429, b"slow down", "text/plain")]
)
def test_a_download_check_hitting_a_server_error_still_ends_the_job(
    scriptx_simulator: Sim, answer: SimResponse
) -> None:
    """The job ends as its status says; the link, not confirmed, is kept for the download to try later."""
    sim, server = scriptx_simulator
    job = sim.add_job([steps.completed()])

    def handler(request: SimRequest) -> SimResponse:
        return answer if request.method == "HEAD" else sim.handle(request)

    server._handler = handler
    (status,) = _client(server).check([job])
    assert status.state == JobState.SUCCEEDED
    assert status.result_url == f"{server.base_url}/api/v1/printPdf/download/{job}"
    assert status.message is not None and "not confirmed" in status.message


@pytest.mark.parametrize("value", ["--6", "\u0666", "\uff16", "6\u0666", "+6", " 6 ", "-+1", "1e2", "0x6", "6.0"])
def test_numbers_from_the_server_are_ascii_only(value: str) -> None:
    """Issue 20: "--6" raised ValueError (a traceback); Arabic-Indic and fullwidth six were read as Completed."""
    if value == " 6 ":
        assert parse_status(TOKEN, {"status": value}).state == JobState.SUCCEEDED  # surrounding blanks: tolerated
        return
    with pytest.raises(ProtocolError):
        parse_status(TOKEN, {"status": value})


def test_request_shape(scriptx_simulator: Sim) -> None:
    sim, server = scriptx_simulator
    captured: list[SimRequest] = []

    def spy(request: SimRequest) -> SimResponse:
        captured.append(request)
        return sim.handle(request)

    server._handler = spy
    _client(server).check([TOKEN])
    (request,) = captured
    assert (request.method, request.path) == ("GET", f"/api/v1/printPdf/status/{TOKEN}")
    assert request.header("authorization") == "Basic " + base64.b64encode(f"{SCRIPTX_LICENCE}:".encode()).decode()
    assert SCRIPTX_LICENCE not in request.path


def test_unknown_licence_is_an_auth_error_with_the_server_text(scriptx_simulator: Sim) -> None:
    _, server = scriptx_simulator
    with pytest.raises(AuthError, match="unknown license") as caught:
        _client(server, licence="00000000-0000-0000-0000-000000000000").check([TOKEN])
    assert "00000000-0000" not in str(caught.value)


def test_wrong_base_url_is_a_protocol_error_not_a_lost_job(scriptx_simulator: Sim) -> None:
    _, server = scriptx_simulator
    with pytest.raises(ProtocolError, match="base URL"):
        _client(server, base=server.base_url + "/nothing-here").check([TOKEN])


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (SimResponse.json_body({"Message": "An error has occurred."}, 500), TransientError),
        (SimResponse(502, b"<html>bad gateway</html>", "text/html"), TransientError),
        (SimResponse.json_body("Too many", 429, {"Retry-After": "3"}), RateLimited),
        (SimResponse.json_body("Unauthorized", 401), AuthError),
        (SimResponse.json_body("Forbidden: domain not licensed", 403), AuthError),
        (SimResponse.json_body("print failed: bad request", 400), ProtocolError),
        (SimResponse(204, b"", "application/json"), ProtocolError),
        (SimResponse(200, b"<html>login</html>", "text/html"), ProtocolError),
    ],
)
def test_http_errors_map_to_typed_errors(scriptx_simulator: Sim, response: SimResponse, error: type[Any]) -> None:
    sim, server = scriptx_simulator
    sim.faults.push(response)
    with pytest.raises(error):
        _client(server).check([TOKEN])


def test_429_honours_retry_after(scriptx_simulator: Sim) -> None:
    sim, server = scriptx_simulator
    sim.faults.push(SimResponse.json_body("Too many", 429, {"Retry-After": "3"}))
    with pytest.raises(RateLimited) as caught:
        _client(server).check([TOKEN])
    assert caught.value.retry_after == 3.0


def test_aspnet_message_reaches_the_error(scriptx_simulator: Sim) -> None:
    sim, server = scriptx_simulator
    sim.faults.push(SimResponse.json_body({"Message": "Licence expired"}, 400))
    with pytest.raises(ProtocolError, match="Licence expired"):
        _client(server).check([TOKEN])
