"""encoding.com GetStatus: the parser on the documented samples and garbage, the client over HTTP."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
import xmltodict
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.errors import AuthError, JobTrayError, ProtocolError, RateLimited, TransientError
from desktop_app.core.model import JobState, Secret
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.encodingcom import EncodingComProvider, build_query, parse_status
from desktop_app.simulators import encodingcom as steps
from desktop_app.simulators.encodingcom import EncodingComSimulator, errors_reply
from desktop_app.simulators.server import SimRequest, SimResponse, SimulatorServer
from tests.conftest import ENCODINGCOM_KEY, ENCODINGCOM_USERID
from tests.unit.providers.xml_strategies import xml_ish

FIXTURES = Path(__file__).parents[2] / "fixtures" / "encodingcom"
Sim = tuple[EncodingComSimulator, SimulatorServer]


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _job(media_id: str, status: str, extra: str = "") -> str:
    return f"<job><id>{media_id}</id><status>{status}</status>{extra}</job>"


def _reply(*jobs: str) -> str:
    return '<?xml version="1.0"?><response>' + "".join(jobs) + "</response>"


def test_query_matches_the_documented_one() -> None:
    ours = xmltodict.parse(build_query("12345", "the-user-key", ["123", "124", "125"]))["query"]
    documented = xmltodict.parse(_fixture("getstatus_query_docs.xml"))["query"]
    assert ours == documented


def test_query_escapes_values() -> None:
    query = build_query("1", "k<&>ey", ["2"])
    assert xmltodict.parse(query)["query"]["userkey"] == "k<&>ey"


def test_documented_basic_template_is_refused_cleanly() -> None:
    # The docs' own sample has a comment with "--" in it: not XML. A ProtocolError, not a crash.
    with pytest.raises(ProtocolError, match="well-formed"):
        parse_status(["5220424"], _fixture("getstatus_basic_docs_template.xml"))


def test_documented_basic_reply_finished_with_a_failed_destination_is_partial() -> None:
    (status,) = parse_status(["5220424"], _fixture("getstatus_basic_finished.xml")).values()
    assert status.state == JobState.PARTIAL
    assert status.message and "Error (Access denied)" in status.message
    assert status.result_url == "https://s3.amazonaws.com/temp-bucket/out.mp4?Signature=abc"
    assert status.progress == 100.0


def test_documented_extended_reply_finished() -> None:
    answers = parse_status(["abc123"], _fixture("getstatus_extended_finished.xml"))
    status = answers["abc123"]
    assert (status.state, status.provider_status, status.message) == (JobState.SUCCEEDED, "Finished", None)
    assert status.result_url is None  # s3:// is not a link a browser opens


def test_extended_reply_with_error_and_the_progress_100_quirk() -> None:
    answers = parse_status(["5220424", "5220425"], _fixture("getstatus_extended_error.xml"))
    failed, waiting = answers["5220424"], answers["5220425"]
    assert failed.state == JobState.FAILED
    assert failed.message == "Download error: The requested URL returned error: 403 Forbidden"
    assert (waiting.state, waiting.provider_status) == (JobState.RUNNING, "waiting for ENCODER")
    assert waiting.progress is None  # "100" while waiting for an encoder is not done
    assert waiting.eta_seconds == 50.0


def test_wrong_key_reply_with_http_200_is_an_auth_error() -> None:
    with pytest.raises(AuthError):
        parse_status(["1"], _fixture("error_wrong_key.xml"))


@pytest.mark.parametrize(
    ("value", "state"),
    [
        ("New", JobState.QUEUED),
        ("Downloading", JobState.RUNNING),
        ("Downloaded", JobState.RUNNING),
        ("Ready to process", JobState.RUNNING),
        ("Waiting for encoder", JobState.RUNNING),
        ("Processing", JobState.RUNNING),
        ("Saving", JobState.RUNNING),
        ("Finished", JobState.SUCCEEDED),
        ("Error", JobState.FAILED),
        ("Stopped", JobState.CANCELLED),
        ("Deleted", JobState.CANCELLED),
        ("  READY   TO\nprocess ", JobState.RUNNING),
        ("finished", JobState.SUCCEEDED),
        ("Stopped Perform", JobState.CANCELLED),
    ],
)
def test_every_status_trimmed_and_case_insensitive(value: str, state: JobState) -> None:
    assert parse_status(["7"], _reply(_job("7", value)))["7"].state == state


def test_progress_and_time_left_are_kept_while_running() -> None:
    status = parse_status(["7"], _reply(_job("7", "Processing", "<progress>42.5</progress><time_left>21</time_left>")))
    assert (status["7"].progress, status["7"].eta_seconds) == (42.5, 21.0)


# Issue 20: numbers from servers are ASCII only (`float` reads fullwidth and Arabic-Indic digits, and "1_0").
@pytest.mark.parametrize(
    "progress", ["100", "100.0", "250", "NaN", "oops", "", "\uff15\uff10", "\u0665\u0660", "1_0", "1e1"]
)
def test_running_never_reports_100_or_nonsense(progress: str) -> None:
    status = parse_status(["7"], _reply(_job("7", "Saving", f"<progress>{progress}</progress>")))["7"]
    assert status.progress is None


def test_finished_with_a_failed_format_is_partial() -> None:
    body = _reply(
        _job(
            "7",
            "Finished",
            "<format><id>1</id><status>Finished</status></format>"
            "<format><id>2</id><status>Error</status><description>bad codec</description></format>",
        )
    )
    status = parse_status(["7"], body)["7"]
    assert status.state == JobState.PARTIAL and status.message and "bad codec" in status.message


def test_a_destination_with_credentials_is_never_kept_as_a_link() -> None:
    body = _reply(
        _job(
            "7",
            "Finished",
            "<format><status>Finished</status><destination>https://user:secret@host.example/out.mp4</destination>"
            "<destination_status>Saved</destination_status></format>",
        )
    )
    assert parse_status(["7"], body)["7"].result_url is None


def test_error_without_description_still_says_something() -> None:
    assert parse_status(["7"], _reply(_job("7", "Error")))["7"].message


def test_an_unheard_of_status_keeps_the_job_running_and_says_so() -> None:
    status = parse_status(["7"], _reply(_job("7", "Closed")))["7"]
    assert status.state == JobState.RUNNING and status.message and "Closed" in status.message


def test_single_job_is_a_dict_and_many_are_a_list() -> None:
    assert set(parse_status(["1"], _reply(_job("1", "New")))) == {"1"}
    assert set(parse_status(["1", "2"], _reply(_job("1", "New"), _job("2", "New")))) == {"1", "2"}


def test_basic_flat_reply_without_id_is_attributed_to_the_only_asked_id() -> None:
    assert parse_status(["9"], "<response><status>Saving</status></response>")["9"].state == JobState.RUNNING


def test_unknown_ids_named_in_errors_are_not_found_and_the_rest_are_kept() -> None:
    body = _reply("<errors><error>Media ID 3 not found</error></errors>", _job("1", "New"))
    answers = parse_status(["1", "3"], body)
    assert answers["3"].state == JobState.NOT_FOUND and answers["1"].state == JobState.QUEUED


def test_a_not_found_error_for_the_only_asked_id_names_it_even_without_the_number() -> None:
    assert parse_status(["3"], errors_reply("Media not found"))["3"].state == JobState.NOT_FOUND


def test_a_not_found_error_naming_nothing_in_a_batch_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="Media not found"):
        parse_status(["1", "2"], errors_reply("Media not found"))


def test_other_errors_are_protocol_errors_with_all_their_texts() -> None:
    with pytest.raises(ProtocolError, match="No formats specified; Source file is not indicated"):
        parse_status(["1"], errors_reply("No formats specified", "Source file is not indicated"))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>oops</html>",
        b"<response>",
        b"<result><status>Finished</status></result>",
        _reply(_job("1", "")).encode(),
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><response>&e;</response>',
    ],
)
def test_garbage_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_status(["1", "2"], body)


def test_an_empty_response_names_nothing() -> None:
    assert parse_status(["1"], "<response/>") == {}


@pytest.mark.parametrize(
    "body",
    [
        _reply(_job("99", "New")),  # answered about a media we did not ask about
        _reply("<job><status>New</status></job>", "<job><status>New</status></job>"),  # no IDs in a batch
    ],
)
def test_jobs_we_cannot_place_say_nothing_about_the_asked_ones(body: str) -> None:
    assert parse_status(["1", "2"], body) == {}


@given(st.text(max_size=300))
def test_parser_raises_only_typed_errors_on_any_text(body: str) -> None:
    with contextlib.suppress(JobTrayError):
        parse_status(["1", "22"], body)


NAMES = [
    "response",
    "job",
    "id",
    "status",
    "progress",
    "time_left",
    "format",
    "destination",
    "destination_status",
    "description",
    "errors",
    "error",
    "s3_destination",
]


@given(xml_ish(NAMES), st.lists(st.sampled_from(["1", "22", "100", "0"]), min_size=1, max_size=3))
def test_parser_raises_only_typed_errors_on_xmlish_input(body: str, asked: list[str]) -> None:
    with contextlib.suppress(JobTrayError):
        answers = parse_status(asked, body.encode())
        assert set(answers) <= set(asked)
        for status in answers.values():
            assert status.progress is None or 0.0 <= status.progress <= 100.0


# ---- over HTTP ---------------------------------------------------------------------------------------------


def _client(
    server: SimulatorServer, key: str = ENCODINGCOM_KEY, userid: str | None = ENCODINGCOM_USERID
) -> EncodingComProvider:
    config = ProviderConfig(base_url=server.base_url, secret=Secret(key), username=userid, timeout=(2.0, 2.0))
    return EncodingComProvider(config)


def test_every_state_in_one_request(encodingcom_simulator: Sim) -> None:
    sim, server = encodingcom_simulator
    ids = {
        "new": sim.add_job([steps.new()]),
        "waiting": sim.add_job([steps.waiting_for_encoder()]),
        "processing": sim.add_job([steps.running("Processing", "40.0", "30")]),
        "finished": sim.add_job([steps.finished()]),
        "partial": sim.add_job([steps.finished_with_failed_output()]),
        "error": sim.add_job([steps.error("Source file is not reachable")]),
        "stopped": sim.add_job([steps.stopped()]),
        "deleted": sim.add_job([steps.deleted()]),
    }
    statuses = {s.job_id: s for s in _client(server).check(list(ids.values()))}
    assert sim.status_requests == [list(ids.values())]
    got = {name: statuses[media].state for name, media in ids.items()}
    assert got == {
        "new": JobState.QUEUED,
        "waiting": JobState.RUNNING,
        "processing": JobState.RUNNING,
        "finished": JobState.SUCCEEDED,
        "partial": JobState.PARTIAL,
        "error": JobState.FAILED,
        "stopped": JobState.CANCELLED,
        "deleted": JobState.CANCELLED,
    }
    assert statuses[ids["waiting"]].progress is None
    assert statuses[ids["processing"]].progress == 40.0 and statuses[ids["processing"]].eta_seconds == 30.0
    assert statuses[ids["error"]].message == "Source file is not reachable"
    assert statuses[ids["finished"]].result_url == "http://sim-bucket.s3.amazonaws.com/out.mp4"


def test_twenty_media_cost_one_request(encodingcom_simulator: Sim) -> None:
    sim, server = encodingcom_simulator
    media = [sim.add_job([steps.running(checks=1), steps.finished()]) for _ in range(20)]
    client = _client(server)
    assert {s.state for s in client.check(media)} == {JobState.RUNNING}
    assert {s.state for s in client.check(media)} == {JobState.SUCCEEDED}
    assert [len(r) for r in sim.status_requests] == [20, 20]


def test_an_unknown_media_id_does_not_sink_the_batch(encodingcom_simulator: Sim) -> None:
    sim, server = encodingcom_simulator
    known = [sim.add_job([steps.new()]) for _ in range(3)]
    statuses = {s.job_id: s for s in _client(server).check([*known[:2], "404404", known[2]])}
    assert statuses["404404"].state == JobState.NOT_FOUND
    assert {statuses[m].state for m in known} == {JobState.QUEUED}
    # One request named the unknown ID, one follow-up asked for the rest.
    assert sim.status_requests == [[*known[:2], "404404", known[2]], known]


def test_a_media_left_out_of_the_answer_is_asked_again_then_reported_missing(encodingcom_simulator: Sim) -> None:
    sim, server = encodingcom_simulator
    sim.faults.push(SimResponse.xml_body(_reply(_job("1", "New"))))
    sim.faults.push(SimResponse.xml_body("<response></response>"))
    statuses = {s.job_id: s for s in _client(server).check(["1", "2"])}
    assert statuses["1"].state == JobState.QUEUED
    assert statuses["2"].state == JobState.NOT_FOUND and statuses["2"].message
    assert server.request_count == 2


def test_an_empty_first_answer_is_a_protocol_error(encodingcom_simulator: Sim) -> None:
    sim, server = encodingcom_simulator
    sim.faults.push(SimResponse.xml_body("<response/>"))
    with pytest.raises(ProtocolError):
        _client(server).check(["1"])


def test_request_shape(encodingcom_simulator: Sim) -> None:
    sim, server = encodingcom_simulator
    captured: list[SimRequest] = []

    def spy(request: SimRequest) -> SimResponse:
        captured.append(request)
        return sim.handle(request)

    server._handler = spy
    a, b = sim.add_job([steps.new()]), sim.add_job([steps.new()])
    _client(server).check([a, b])
    (request,) = captured
    assert (request.method, request.path, dict(request.query)) == ("POST", "/", {})
    form = request.form()
    assert set(form) == {"xml"}
    query = xmltodict.parse(form["xml"][0])["query"]
    assert query == {
        "userid": ENCODINGCOM_USERID,
        "userkey": ENCODINGCOM_KEY,
        "action": "GetStatus",
        "extended": "yes",
        "mediaid": f"{a},{b}",
    }


def test_wrong_key_is_an_auth_error_without_the_key(encodingcom_simulator: Sim) -> None:
    _, server = encodingcom_simulator
    with pytest.raises(AuthError) as caught:
        _client(server, key="not-the-userkey").check(["1"])
    assert "not-the-userkey" not in str(caught.value)


def test_missing_user_id_is_an_auth_error_that_says_what_to_do(encodingcom_simulator: Sim) -> None:
    _, server = encodingcom_simulator
    with pytest.raises(AuthError, match="--username"):
        _client(server, userid=None).check(["1"])
    assert server.request_count == 0


def test_421_is_rate_limited_with_a_default_wait(encodingcom_simulator: Sim) -> None:
    sim, server = encodingcom_simulator
    sim.faults.push(SimResponse(421, b"Request Rate over limit", "text/plain"))
    with pytest.raises(RateLimited) as caught:
        _client(server).check(["1"])
    assert caught.value.retry_after == 1.0


def test_421_honours_retry_after(encodingcom_simulator: Sim) -> None:
    sim, server = encodingcom_simulator
    sim.faults.push(SimResponse(421, b"Request Rate over limit", "text/plain", {"Retry-After": "12"}))
    with pytest.raises(RateLimited) as caught:
        _client(server).check(["1"])
    assert caught.value.retry_after == 12.0


def test_the_simulator_rate_limit_answers_421() -> None:
    from desktop_app.simulators.server import serve

    sim = EncodingComSimulator(ENCODINGCOM_USERID, ENCODINGCOM_KEY, clock=lambda: 0.0, rate_limit_per_second=1)
    media = sim.add_job([steps.new()])
    server = serve(sim)
    try:
        client = _client(server)
        client.check([media])
        with pytest.raises(RateLimited):
            client.check([media])
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (SimResponse(500, b"", "text/plain"), TransientError),
        (SimResponse(502, b"", "text/plain"), TransientError),
        (SimResponse(503, b"", "text/plain"), TransientError),
        (SimResponse(429, b"", "text/plain"), RateLimited),
        (SimResponse(404, b"<html/>", "text/html"), ProtocolError),
        (SimResponse(403, b"", "text/plain"), AuthError),
        (SimResponse.xml_body(errors_reply("Wrong user id or key!")), AuthError),
        (SimResponse.xml_body(errors_reply("Source file is not indicated")), ProtocolError),
        (SimResponse(200, b'{"response": {}}', "application/json"), ProtocolError),
    ],
)
def test_http_and_error_replies_map_to_typed_errors(
    encodingcom_simulator: Sim, response: SimResponse, error: type[Any]
) -> None:
    sim, server = encodingcom_simulator
    sim.faults.push(response)
    with pytest.raises(error):
        _client(server).check(["1"])


def test_basic_mode_single_media_flat_reply_from_the_simulator() -> None:
    sim = EncodingComSimulator(ENCODINGCOM_USERID, ENCODINGCOM_KEY)
    media = sim.add_job([steps.running("Downloading", "5.0", "100")])
    query = build_query(ENCODINGCOM_USERID, ENCODINGCOM_KEY, [media]).replace("<extended>yes</extended>", "")
    from urllib.parse import urlencode

    request = SimRequest("POST", "/", {}, {}, urlencode({"xml": query}).encode())
    body = sim.handle(request).body
    assert b"<job>" not in body
    assert parse_status([media], body)[media].provider_status == "Downloading"


# ---- a bad part about one media is that media's problem only ----------------------------------------------


def test_a_bad_job_in_a_batch_is_a_partial_answer_over_http(encodingcom_simulator: Sim) -> None:
    from desktop_app.core.errors import PartialAnswer

    sim, server = encodingcom_simulator
    good, bad = sim.add_job([steps.running("Processing", "40.0", "30")]), sim.add_job([steps.new()])

    def handler(request: SimRequest) -> SimResponse:
        answer = sim.handle(request)
        # The part about `bad` loses its status: the rest of the document is fine.
        text = answer.body.decode().replace(f"<id>{bad}</id><userid>{ENCODINGCOM_USERID}</userid>", f"<id>{bad}</id>")
        text = text.replace(
            f"<id>{bad}</id><sourcefile>http://example.com/source.mov</sourcefile><status>New</status>",
            f"<id>{bad}</id>",
        )
        return SimResponse(answer.status, text.encode(), answer.content_type)

    server._handler = handler
    config = ProviderConfig(base_url=server.base_url, secret=Secret(ENCODINGCOM_KEY), username=ENCODINGCOM_USERID)
    client = EncodingComProvider(config)
    with pytest.raises(PartialAnswer) as caught:
        client.check([good, bad])
    assert isinstance(caught.value, ProtocolError)  # job-scoped, never account-wide
    assert [s.job_id for s in caught.value.statuses] == [good]
    assert caught.value.statuses[0].state == JobState.RUNNING
    assert set(caught.value.failed) == {bad} and "no status" in caught.value.failed[bad]
    assert len(sim.status_requests) == 1  # a bad part is not asked again in the same round
