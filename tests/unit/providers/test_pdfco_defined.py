"""PDF.co written as a definition (tests/support/definitions/pdfco_defined.toml), run through the built-in PDF.co
provider's cases (tests/unit/providers/test_pdfco.py), one for one. Every case passes, or it is marked xfail
(strict) with the gap docs/PROVIDERS.md names as what a definition cannot express."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.errors import (
    AuthError,
    ProtocolError,
    ProviderError,
    QuotaExhausted,
    RateLimited,
    TransientError,
)
from desktop_app.core.model import JobState, Secret, Status
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.defined import DefinedProvider, provider_class, sample_answer
from desktop_app.providers.definition_file import read_definition
from desktop_app.simulators import pdfco as sim_steps
from desktop_app.simulators.pdfco import PdfCoSimulator
from desktop_app.simulators.server import SimResponse, SimulatorServer
from tests.conftest import PDFCO_KEY
from tests.support.clock import VirtualClock

FIXTURES = Path(__file__).parents[2] / "fixtures" / "pdfco"
DEFINITION = read_definition(Path(__file__).parents[2] / "support" / "definitions" / "pdfco_defined.toml")
PdfCoDefined = provider_class(DEFINITION)
SAMPLE_ID = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"
GAP_MEMORY = "gap: a definition reads each answer on its own; it cannot wait for 3 'unknown' answers over 60 s"
GAP_404_BY_MESSAGE = "gap: a definition maps an HTTP code to one meaning; it cannot tell 404s apart by their message"


def parse_check(job_id: str, answer: Any) -> Status:
    """The built-in's `parse_check` for the definition: the decoded answer, as a 200 answer's body."""
    return sample_answer(DEFINITION, json.dumps(answer).encode(), job_id)


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_documented_working_sample() -> None:
    status = parse_check(SAMPLE_ID, _fixture("check_working.json"))
    assert (status.state, status.provider_status, status.result_url) == (JobState.RUNNING, "working", None)


def test_documented_success_sample_keeps_the_presigned_url_untouched() -> None:
    body = _fixture("check_success.json")
    status = parse_check(SAMPLE_ID, body)
    assert status.state == JobState.SUCCEEDED
    assert status.result_url == body["url"]
    assert status.progress == 100.0


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        ({"status": "failed", "message": "bad PDF"}, JobState.FAILED),
        ({"status": "aborted"}, JobState.CANCELLED),
        ({"status": "unknown"}, JobState.NOT_FOUND),
        ({"status": " Working "}, JobState.RUNNING),
    ],
)
def test_every_documented_status(answer: dict[str, Any], state: JobState) -> None:
    assert parse_check("X", answer).state == state


def test_failed_keeps_its_message() -> None:
    assert parse_check("X", {"status": "failed", "message": "bad PDF"}).message == "bad PDF"


def test_success_with_a_non_http_url_stores_no_link() -> None:
    assert parse_check("X", {"status": "success", "url": "javascript:alert(1)"}).result_url is None


@pytest.mark.parametrize(
    "answer",
    [None, [], "working", 42, {}, {"status": 3}, {"status": "exploded"}, {"error": True, "message": "nope"}],
)
def test_garbage_is_a_protocol_error(answer: Any) -> None:
    with pytest.raises(ProtocolError):
        parse_check("X", answer)


@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_parser_raises_only_protocol_errors(answer: Any) -> None:
    with contextlib.suppress(ProtocolError):
        parse_check("X", answer)


# ---- over HTTP ---------------------------------------------------------------------------------------------


def _client(server: SimulatorServer, key: str = PDFCO_KEY) -> DefinedProvider:
    return PdfCoDefined(ProviderConfig(base_url=server.base_url, secret=Secret(key), timeout=(2.0, 2.0)))


@pytest.mark.xfail(strict=True, reason=GAP_MEMORY)
def test_states_over_http(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer]) -> None:
    sim, server = pdfco_simulator
    ok = sim.add_job([sim_steps.working(checks=1), sim_steps.success()])
    bad = sim.add_job([sim_steps.failed("Page 3 is damaged")])
    gone = sim.add_job([sim_steps.aborted()])
    client = _client(server)
    first = {s.job_id: s for s in client.check([ok, bad, gone, "Q" * 32])}
    assert first[ok].state == JobState.RUNNING
    assert (first[bad].state, first[bad].message) == (JobState.FAILED, "Page 3 is damaged")
    assert first[gone].state == JobState.CANCELLED
    assert (first["Q" * 32].state, first["Q" * 32].provider_status) == (JobState.RUNNING, "unknown")
    (second,) = client.check([ok])
    assert second.state == JobState.SUCCEEDED and second.result_url and second.result_url.startswith(server.base_url)


def test_states_over_http_where_the_definition_can_follow(
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
) -> None:
    """The same case without the one-'unknown'-is-not-lost rule: the definition ends an unknown job at once."""
    sim, server = pdfco_simulator
    ok = sim.add_job([sim_steps.working(checks=1), sim_steps.success()])
    bad = sim.add_job([sim_steps.failed("Page 3 is damaged")])
    gone = sim.add_job([sim_steps.aborted()])
    client = _client(server)
    first = {s.job_id: s for s in client.check([ok, bad, gone, "Q" * 32])}
    assert first[ok].state == JobState.RUNNING
    assert (first[bad].state, first[bad].message) == (JobState.FAILED, "Page 3 is damaged")
    assert first[gone].state == JobState.CANCELLED
    assert (first["Q" * 32].state, first["Q" * 32].provider_status) == (JobState.NOT_FOUND, "unknown")
    (second,) = client.check([ok])
    assert second.state == JobState.SUCCEEDED and second.result_url and second.result_url.startswith(server.base_url)


def test_wrong_key_is_an_auth_error(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer]) -> None:
    _, server = pdfco_simulator
    with pytest.raises(AuthError) as caught:
        _client(server, key="wrong-key-value").check(["A" * 32])
    assert "wrong-key-value" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthError),
        (402, QuotaExhausted),
        (403, QuotaExhausted),
        pytest.param(404, ProtocolError, marks=pytest.mark.xfail(strict=True, reason=GAP_404_BY_MESSAGE)),
        (400, ProtocolError),
        (405, TransientError),
        (408, TransientError),
    ],
)
def test_http_errors_map_to_typed_errors(
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], status: int, error: type[ProviderError]
) -> None:
    sim, server = pdfco_simulator
    sim.faults.push(SimResponse.json_body({"error": True, "status": status, "message": "nope"}, status))
    with pytest.raises(error):
        _client(server).check(["A" * 32])


def test_429_carries_retry_after(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer]) -> None:
    sim, server = pdfco_simulator
    sim.faults.push(SimResponse.json_body(_fixture("rate_limited.json"), 429, {"Retry-After": "7"}))
    with pytest.raises(RateLimited) as caught:
        _client(server).check(["A" * 32])
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_transient(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], status: int) -> None:
    sim, server = pdfco_simulator
    sim.faults.push(SimResponse(status, b"<html>oops</html>", "text/html"))
    with pytest.raises(TransientError):
        _client(server).check(["A" * 32])


def test_a_redirect_is_not_followed(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer]) -> None:
    sim, server = pdfco_simulator
    sim.faults.push(SimResponse(302, b"", "text/plain", {"Location": "http://127.0.0.2:1/steal"}))
    with pytest.raises(ProtocolError, match="redirect"):
        _client(server).check(["A" * 32])
    assert server.request_count == 1


def test_an_oversized_answer_is_refused(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer]) -> None:
    sim, server = pdfco_simulator
    sim.faults.push(SimResponse(200, b"{" + b" " * (5 * 1024 * 1024) + b"}", "application/json"))
    with pytest.raises(ProtocolError, match=r"too large|larger"):
        _client(server).check(["A" * 32])


def test_nothing_listening_is_transient() -> None:
    client = PdfCoDefined(ProviderConfig(base_url="http://127.0.0.1:9", secret=Secret("k"), timeout=(1.0, 1.0)))
    with pytest.raises(TransientError, match="cannot reach"):
        client.check(["A" * 32])


def test_request_shape(pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer]) -> None:
    captured: list[Any] = []
    sim, server = pdfco_simulator
    original = sim.handle

    def spy(request: Any) -> SimResponse:
        captured.append(request)
        return original(request)

    server._handler = spy
    _client(server).check(["A" * 32])
    (request,) = captured
    assert (request.method, request.path) == ("POST", "/v1/job/check")
    assert request.header("x-api-key") == PDFCO_KEY
    assert request.json() == {"jobid": "A" * 32, "force": "true"}
    assert request.header("user-agent").startswith("JobTray/")
    assert PDFCO_KEY not in request.path


# ---- issue 20: what PDF.co's own clients show ------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason=GAP_MEMORY)
def test_unknown_is_lost_only_after_three_answers_over_a_minute(
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
) -> None:
    _, server = pdfco_simulator
    clock = VirtualClock()
    client = _client(server)
    job = "Q" * 32
    states = []
    for step in (0.0, 20.0, 20.0, 30.0):
        clock.sleep(step)
        (status,) = client.check([job])
        states.append(status.state)
    assert states == [JobState.RUNNING, JobState.RUNNING, JobState.RUNNING, JobState.NOT_FOUND]


def test_a_definite_job_not_found_error_loses_the_job_at_once(
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
) -> None:
    sim, server = pdfco_simulator
    sim.faults.push(SimResponse.json_body({"errorCode": 404, "error": True, "message": "Job not found"}, 404))
    (status,) = _client(server).check(["Q" * 32])
    assert status.state == JobState.NOT_FOUND
