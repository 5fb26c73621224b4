"""iPaper Ripper GetProcessingStatus: the parser on the documented samples and garbage, the client over HTTP."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.errors import (
    AuthError,
    JobTrayError,
    ProtocolError,
    ProviderError,
    QuotaExhausted,
    RateLimited,
    TransientError,
)
from desktop_app.core.model import JobState, Secret
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.ipaper import CHECK_PATH, IPaperProvider, parse_status
from desktop_app.simulators import ipaper as steps
from desktop_app.simulators.ipaper import IPaperSimulator, envelope
from desktop_app.simulators.server import SimRequest, SimResponse, SimulatorServer
from tests.conftest import IPAPER_KEY
from tests.unit.providers.xml_strategies import xml_ish

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ipaper"
GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
Sim = tuple[IPaperSimulator, SimulatorServer]


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_documented_sample_with_padded_cdata() -> None:
    status = parse_status(GUID, _fixture("status_completed_docs.xml"))
    assert (status.state, status.provider_status, status.progress) == (JobState.SUCCEEDED, "Completed", 100.0)
    assert status.message is None


def test_documented_unpadded_error_code_is_a_protocol_error_naming_it() -> None:
    with pytest.raises(ProtocolError, match="RIPPER_CANNOT_PROCESS_PAPER_ALREADY_BEING_PROCESSED"):
        parse_status(GUID, _fixture("error_unpadded_2021.xml"))


def test_login_security_violation_is_an_auth_error() -> None:
    with pytest.raises(AuthError):
        parse_status(GUID, _fixture("login_security_violation.xml"))


@pytest.mark.parametrize(
    ("value", "state"),
    [
        ("Pending", JobState.RUNNING),
        ("Completed", JobState.SUCCEEDED),
        ("EnrichmentProcessingFailed", JobState.PARTIAL),
        ("Failed", JobState.FAILED),
        ("  pending\n ", JobState.RUNNING),
        ("COMPLETED", JobState.SUCCEEDED),
    ],
)
def test_every_documented_status(value: str, state: JobState) -> None:
    assert parse_status(GUID, envelope("SUCCESS", "ok", value)).state == state


def test_partial_says_the_flipbook_exists_but_enrichment_failed() -> None:
    status = parse_status(GUID, envelope("SUCCESS", "ok", "EnrichmentProcessingFailed"))
    assert status.message and "flipbook was created" in status.message and "Enrichment" in status.message


def test_elements_are_found_by_name_not_position() -> None:
    body = (
        '<result xmlns="http://ipaper.io/"><data><Other>x</Other><ProcessStatus>Failed</ProcessStatus></data>'
        "<message/><code> success </code></result>"
    )
    status = parse_status(GUID, body)
    assert status.state == JobState.FAILED and status.message == "The Ripper failed to process the PDF"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("LOGIN_SECURITY_VIOLATION", AuthError),
        ("CLIENT_UNKNOWN", AuthError),
        ("LICENSE_DOES_NOT_ALLOW_PROCESSING", QuotaExhausted),
        ("READONLY", TransientError),
        ("RIPPER_INVALID_BASE64_PDF_FILE", ProtocolError),
        ("SOMETHING_NEW", ProtocolError),
    ],
)
def test_return_codes_map_to_typed_errors(code: str, error: type[ProviderError]) -> None:
    with pytest.raises(error):
        parse_status(GUID, envelope(code, "nope"))


@pytest.mark.parametrize("code", ["ERROR", "PAPER_DOES_NOT_EXIST", " error "])
def test_error_codes_for_a_status_query_mean_not_found(code: str) -> None:
    status = parse_status(GUID, envelope(code, "No such job"))
    assert (status.state, status.message) == (JobState.NOT_FOUND, "No such job")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml",
        b"<result>",
        b"<response><code>SUCCESS</code></response>",
        b"<result><message>no code</message></result>",
        b"<result><code>SUCCESS</code></result>",
        b"<result><code>SUCCESS</code><data><ProcessStatus>Exploded</ProcessStatus></data></result>",
        b"<result><code>SUCCESS</code><data><ProcessStatus/></data></result>",
        b"\xff\xfe<result/>",
        b"<a/><b/>",
    ],
)
def test_garbage_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_status(GUID, body)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><result><code>SUCCESS</code><data><ProcessStatus>'
    "&lol3;</ProcessStatus></data></result>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!doctype r [<!entity xxe SYSTEM "file:///etc/passwd">]>'
    "<result><code>SUCCESS</code><message>&xxe;</message></result>"
)


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, "<!ENTITY x 'y'><result/>"])
def test_dtds_and_entities_are_refused(body: str) -> None:
    with pytest.raises(ProtocolError, match=r"DTD|entity|not well-formed"):
        parse_status(GUID, body)


def test_cdata_that_mentions_a_doctype_is_just_text() -> None:
    """Only a real declaration is refused: a message quoting `<!DOCTYPE` or `<!ENTITY` is fine."""
    body = envelope("ERROR", "the input began with <!DOCTYPE html> and <!ENTITY x>, not a PDF")
    status = parse_status(GUID, body)
    assert status.state == JobState.NOT_FOUND
    assert status.message == "the input began with <!DOCTYPE html> and <!ENTITY x>, not a PDF"


@given(st.text(max_size=300))
def test_parser_raises_only_typed_errors_on_any_text(body: str) -> None:
    with contextlib.suppress(JobTrayError):
        parse_status(GUID, body)


@given(xml_ish(["result", "code", "message", "data", "ProcessStatus", "Result"]))
def test_parser_raises_only_typed_errors_on_xmlish_input(body: str) -> None:
    with contextlib.suppress(JobTrayError):
        parse_status(GUID, body.encode())


# ---- over HTTP ---------------------------------------------------------------------------------------------


def _client(server: SimulatorServer, key: str = IPAPER_KEY, username: str | None = "APIKey") -> IPaperProvider:
    config = ProviderConfig(base_url=server.base_url, secret=Secret(key), username=username, timeout=(2.0, 2.0))
    return IPaperProvider(config)


def test_states_over_http(ipaper_simulator: Sim) -> None:
    sim, server = ipaper_simulator
    slow = sim.add_job([steps.pending(checks=1), steps.completed()])
    partial = sim.add_job([steps.enrichment_failed()])
    bad = sim.add_job([steps.failed()])
    client = _client(server)
    first = {s.job_id: s for s in client.check([slow, partial, bad, GUID])}
    assert first[slow].state == JobState.RUNNING and first[slow].provider_status == "Pending"
    assert first[partial].state == JobState.PARTIAL
    assert first[bad].state == JobState.FAILED
    assert first[GUID].state == JobState.NOT_FOUND
    assert client.check([slow])[0].state == JobState.SUCCEEDED


def test_wrong_key_is_an_auth_error_without_the_key(ipaper_simulator: Sim) -> None:
    _, server = ipaper_simulator
    with pytest.raises(AuthError) as caught:
        _client(server, key="wrong-ipaper-key").check([GUID])
    assert "wrong-ipaper-key" not in str(caught.value)


def test_wrong_username_is_an_auth_error(ipaper_simulator: Sim) -> None:
    sim, server = ipaper_simulator
    job = sim.add_job([steps.completed()])
    with pytest.raises(AuthError):
        _client(server, username="someone").check([job])


def test_request_shape_credentials_only_in_the_post_body(ipaper_simulator: Sim) -> None:
    sim, server = ipaper_simulator
    captured: list[SimRequest] = []

    def spy(request: SimRequest) -> SimResponse:
        captured.append(request)
        return sim.handle(request)

    server._handler = spy
    job = sim.add_job([steps.pending()])
    _client(server, username=None).check([job])
    (request,) = captured
    assert (request.method, request.path, dict(request.query)) == ("POST", CHECK_PATH, {})
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    form = request.form()
    assert form["jobGuid"] == [job]
    for user_field, password_field in (
        ("Username", "Password"),
        ("username", "password"),
        ("plUsername", "plPassword"),
    ):
        assert form[user_field] == ["APIKey"] and form[password_field] == [IPAPER_KEY]
    assert IPAPER_KEY not in request.path


@pytest.mark.parametrize("fields", [("Username", "Password"), ("username", "password"), ("plUsername", "plPassword")])
def test_simulator_accepts_each_credential_variant_alone(ipaper_simulator: Sim, fields: tuple[str, str]) -> None:
    sim, _ = ipaper_simulator
    job = sim.add_job([steps.completed()])
    body = f"jobGuid={job}&{fields[0]}=APIKey&{fields[1]}={IPAPER_KEY}".encode()
    request = SimRequest("POST", CHECK_PATH, {}, {"content-type": "application/x-www-form-urlencoded"}, body)
    assert parse_status(job, sim.handle(request).body).state == JobState.SUCCEEDED


def test_braced_guid_is_the_same_job(ipaper_simulator: Sim) -> None:
    sim, server = ipaper_simulator
    sim.add_job([steps.completed()], job_id=GUID)
    assert _client(server).check(["{" + GUID.upper() + "}"])[0].state == JobState.SUCCEEDED


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (SimResponse(404, b"<html>404</html>", "text/html"), ProtocolError),
        (SimResponse(500, b"Missing parameter: jobGuid.", "text/plain"), TransientError),
        (SimResponse(503, b"", "text/plain"), TransientError),
        (SimResponse(429, b"", "text/plain", {"Retry-After": "30"}), RateLimited),
        (SimResponse(401, b"", "text/plain"), AuthError),
        (SimResponse(400, b"bad", "text/plain"), ProtocolError),
        (SimResponse(200, b"<html>maintenance</html>", "text/html"), ProtocolError),
    ],
)
def test_http_errors_map_to_typed_errors(ipaper_simulator: Sim, response: SimResponse, error: type[Any]) -> None:
    sim, server = ipaper_simulator
    sim.faults.push(response)
    with pytest.raises(error):
        _client(server).check([GUID])


def test_404_says_to_check_the_base_url(ipaper_simulator: Sim) -> None:
    _, server = ipaper_simulator
    config = ProviderConfig(base_url=server.base_url + "/wrong", secret=Secret(IPAPER_KEY), timeout=(2.0, 2.0))
    with pytest.raises(ProtocolError, match="base URL"):
        IPaperProvider(config).check([GUID])


def test_default_rate_limit_stays_below_the_documented_50_a_minute() -> None:
    from desktop_app.core.ratelimit import parse_rate_limit

    assert parse_rate_limit(IPaperProvider.default_rate_limit).per_second * 60 < 50
