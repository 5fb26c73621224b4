"""A provider made from a definition: how it reads answers (pure), how it builds requests (values escaped, the key
never in the URL), and a property: no definition plus any answer raises anything but a core.errors type, and for
an answer with HTTP 200 nothing but a ProtocolError for the job."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.core.errors import AuthError, JobTrayError, ProtocolError, QuotaExhausted, RateLimited, TransientError
from desktop_app.core.model import JobState, Secret
from desktop_app.providers.base import HttpResponse, ProviderConfig
from desktop_app.providers.defined import provider_class, read_answer, safe_link, sample_answer
from desktop_app.providers.definition_file import DefinitionError, parse_definition

BASE = """\
name = "acme"
display_name = "Acme"
documentation = "https://acme.example/docs"

[variables]
team = "the team"

[request]
method = "{method}"
base_url = "{base_url}"
path = "/v1/teams/{{team}}/jobs/{{job_id}}"
query = {{ view = "{{job_id}}" }}
{body}

[request.key]
{key}

[answer]
format = "{format}"
status = "{status}"
progress = "{progress}"
message = "{message}"
result_link = "{link}"
unmapped = "{unmapped}"

[answer.states]
queued = "queued"
busy = "running"
done = "succeeded"
some = "partial"
broken = "failed"
stopped = "cancelled"
gone = "not_found"

[ids]
pattern = "J-[0-9]{{6}}"

[errors]
message = "error.text"
wrong_key = [401]
no_credits = [402]
not_found = [404, 410]
rate_limited = [429, 420]
transient = [408]
"""


def make(**overrides: str) -> Any:
    values = {
        "method": "GET",
        "base_url": "https://api.acme.example",
        "body": "",
        "key": 'header = "Authorization"\nprefix = "Bearer "',
        "format": "json",
        "status": "job.state",
        "progress": "job.percent",
        "message": "job.note",
        "link": "job.url",
        "unmapped": "error",
    }
    values.update(overrides)
    return parse_definition(BASE.format(**values), "acme.toml")


DEFINITION = make()


def answer(body: Any, status: int = 200, **headers: str) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers={k.lower(): v for k, v in headers.items()}, body=raw)


def read(body: Any, status: int = 200, definition: Any = DEFINITION, **headers: str) -> Any:
    return read_answer(definition, "J-000001", answer(body, status, **headers))


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("queued", JobState.QUEUED),
        ("Busy", JobState.RUNNING),
        (" DONE ", JobState.SUCCEEDED),
        ("some", JobState.PARTIAL),
        ("broken", JobState.FAILED),
        ("stopped", JobState.CANCELLED),
        ("gone", JobState.NOT_FOUND),
    ],
)
def test_the_value_map_gives_every_state(state: str, expected: JobState) -> None:
    assert read({"job": {"state": state}}).state == expected


def test_progress_message_and_link_are_read() -> None:
    status = read({"job": {"state": "busy", "percent": 42.5, "note": "page 3", "url": "https://cdn.example/r.pdf"}})
    assert (status.progress, status.message, status.result_url) == (42.5, "page 3", "https://cdn.example/r.pdf")
    assert status.provider_status == "busy"


def test_a_success_without_progress_is_complete_and_a_failure_shows_none() -> None:
    assert read({"job": {"state": "done"}}).progress == 100.0
    assert read({"job": {"state": "broken", "percent": 30}}).progress is None


@pytest.mark.parametrize("value", [-1, 101, math.inf, "NaN", "lots", True, [50], {"p": 1}, 1e400])
def test_progress_out_of_range_or_of_the_wrong_type_is_left_out(value: Any) -> None:
    body = json.dumps({"job": {"state": "busy", "percent": value}}).encode()
    assert sample_answer(DEFINITION, body).progress is None


def test_progress_max_scales_a_fraction() -> None:
    text = BASE.format(
        method="GET",
        base_url="https://api.acme.example",
        body="",
        key='header = "X-Key"',
        format="json",
        status="s",
        progress="p",
        message="m",
        link="l",
        unmapped="error",
    ).replace('unmapped = "error"', 'unmapped = "error"\nprogress_max = 1')
    definition = parse_definition(text, "acme.toml")
    assert read({"s": "busy", "p": 0.25}, definition=definition).progress == 25.0


def test_numbers_as_statuses_compare_as_text() -> None:
    definition = parse_definition(
        BASE.format(
            method="GET",
            base_url="https://api.acme.example",
            body="",
            key='header = "X-Key"',
            format="json",
            status="code",
            progress="p",
            message="m",
            link="l",
            unmapped="error",
        ).replace('queued = "queued"', '"6" = "succeeded"\nqueued = "queued"'),
        "acme.toml",
    )
    assert read({"code": 6}, definition=definition).state == JobState.SUCCEEDED
    assert read({"code": 6.0}, definition=definition).state == JobState.SUCCEEDED


def test_an_unmapped_status_is_a_protocol_error_or_running_as_the_definition_says() -> None:
    with pytest.raises(ProtocolError, match='unknown status "exploded"'):
        read({"job": {"state": "exploded"}})
    status = read({"job": {"state": "exploded"}}, definition=make(unmapped="running"))
    assert status.state == JobState.RUNNING and "exploded" in (status.message or "")


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "done",
        42,
        {},
        {"job": None},
        {"job": {"state": None}},
        {"job": {"state": ""}},
        {"job": {"state": [1]}},
    ],
)
def test_no_status_is_a_protocol_error(body: Any) -> None:
    with pytest.raises(ProtocolError):
        read(body)


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"{", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b'{"job": {"state": "\\ud800"}}']
)
def test_broken_json_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        read(body)


def test_a_function_of_the_wrong_type_in_an_expression_is_a_protocol_error_not_a_crash() -> None:
    definition = make(progress="avg(job.parts)")
    with pytest.raises(ProtocolError, match="progress expression failed"):
        read({"job": {"state": "busy", "parts": ["a", "b"]}}, definition=definition)
    assert read({"job": {"state": "busy", "parts": [10, 30]}}, definition=definition).progress == 20.0


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        ("https://cdn.example/r.pdf", True),
        ("http://cdn.example/r.pdf?X-Amz-Signature=abc", True),
        ("https://user:secret@cdn.example/r.pdf", False),
        ("https://user@cdn.example/r.pdf", False),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("https://cdn.example/r\u202e.pdf", False),
        ("https://cdn.example/r .pdf", False),
        ("//cdn.example/r.pdf", False),
        ("https://cdn.example:99999/r.pdf", False),
    ],
)
def test_result_links_pass_the_same_check_and_carry_no_credentials(link: str, kept: bool) -> None:
    status = read({"job": {"state": "done", "url": link}})
    assert (status.result_url == link) is kept
    assert (safe_link(link) == link) is kept


def test_server_text_is_made_storable_and_bounded() -> None:
    status = read({"job": {"state": "broken", "note": "x" * 10_000}})
    assert status.message is not None and len(status.message) <= 4000


# ---- error answers -----------------------------------------------------------------------------------------------


def test_error_answers_follow_the_definitions_codes() -> None:
    body = {"error": {"text": "no such job"}}
    status = read(body, 404)
    assert status.state == JobState.NOT_FOUND and "no such job" in (status.message or "")
    assert read(body, 410).state == JobState.NOT_FOUND
    with pytest.raises(AuthError, match="rejected the key"):
        read({"error": {"text": "bad key"}}, 401)
    with pytest.raises(QuotaExhausted):
        read(body, 402)
    with pytest.raises(RateLimited) as limited:
        read(body, 420, **{"Retry-After": "9"})
    assert limited.value.retry_after == 9.0
    with pytest.raises(RateLimited):
        read(body, 429)
    with pytest.raises(TransientError):
        read(body, 408)
    with pytest.raises(TransientError):
        read(b"<html>down</html>", 503)
    with pytest.raises(ProtocolError, match="HTTP 400: no such job"):
        read(body, 400)


def test_an_error_flag_in_a_200_answer_is_a_protocol_error_with_the_services_words() -> None:
    definition = parse_definition(
        BASE.format(
            method="GET",
            base_url="https://api.acme.example",
            body="",
            key='header = "X-Key"',
            format="json",
            status="job.state",
            progress="p",
            message="m",
            link="l",
            unmapped="error",
        ).replace('message = "error.text"', 'message = "error.text"\nwhen = "failed == `true`"'),
        "acme.toml",
    )
    with pytest.raises(ProtocolError, match="reported an error: quota") as caught:
        read({"failed": True, "error": {"text": "quota \x1b[2J"}, "job": {"state": "done"}}, definition=definition)
    assert "\x1b" not in str(caught.value)  # server text made displayable
    assert read({"failed": False, "job": {"state": "done"}}, definition=definition).state == JobState.SUCCEEDED


# ---- XML, through the same safe path as the built-ins -----------------------------------------------------------


XML = make(format="xml", status="result.job.state", progress="result.job.percent", message="result.job.note")


def test_xml_answers_are_read_as_the_same_structure() -> None:
    body = b"<result><job><state> busy </state><percent>40</percent><note>page 2</note></job></result>"
    status = read(body, definition=XML)
    assert (status.state, status.progress, status.message) == (JobState.RUNNING, 40.0, "page 2")


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><result><job><state>&a;</state></job></result>',
        b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd"><result/>',
        b"<result><job><state>done</state>",
        b"not xml",
    ],
)
def test_hostile_xml_is_refused(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        read(body, definition=XML)


# ---- requests -----------------------------------------------------------------------------------------------------


def _client(definition: Any = DEFINITION, **config: Any) -> Any:
    config.setdefault("variables", (("team", "a/b ?#..%"),))
    return provider_class(definition)(
        ProviderConfig(base_url="https://api.acme.example", secret=Secret("sekret-key"), **config)
    )


def test_values_go_in_as_escaped_path_segments_and_query_values_and_the_key_in_a_header() -> None:
    path, headers, json_body, form = _client().request_parts("J-000001/../x?y")
    assert path == "/v1/teams/a%2Fb%20%3F%23..%25/jobs/J-000001%2F..%2Fx%3Fy?view=J-000001%2F..%2Fx%3Fy"
    assert headers["Authorization"] == "Bearer sekret-key"
    assert "sekret-key" not in path
    assert (json_body, form) == (None, None)


def test_a_dot_only_job_id_cannot_be_a_path_segment() -> None:
    with pytest.raises(ProtocolError):
        _client().request_parts("..")


def test_a_missing_variable_pauses_the_account_naming_the_option() -> None:
    with pytest.raises(AuthError, match="--var team="):
        _client(variables=()).check(["J-000001"])


def test_the_key_goes_in_the_body_where_the_definition_says() -> None:
    definition = make(method="POST", body='json = { id = "{job_id}", deep = { n = 1 } }', key='body_field = "apikey"')
    _, headers, json_body, _ = _client(definition).request_parts("J-000001")
    assert json_body == {"id": "J-000001", "deep": {"n": 1}, "apikey": "sekret-key"}
    assert "Authorization" not in headers
    form_definition = make(method="POST", body='form = { id = "{job_id}" }', key='body_field = "apikey"')
    _, _, _, form = _client(form_definition).request_parts("J-000001")
    assert form == {"id": "J-000001", "apikey": "sekret-key"}


def test_the_key_never_goes_over_plain_http_off_this_machine() -> None:
    client = provider_class(DEFINITION)(
        ProviderConfig(base_url="http://api.acme.example", secret=Secret("k"), variables=(("team", "t"),))
    )
    with pytest.raises(AuthError, match="https only"):
        client.check(["J-000001"])
    assert client.transport.requests_sent == 0
    assert provider_class(DEFINITION).origin_problem("http://127.0.0.1:8080") is None


def test_the_class_carries_the_definitions_metadata_like_a_built_in() -> None:
    cls = provider_class(DEFINITION)
    assert (cls.name, cls.display_name, cls.default_base_url, cls.max_batch) == (
        "acme",
        "Acme",
        "https://api.acme.example",
        1,
    )
    assert cls.id_spec.valid.fullmatch("J-123456") and cls.id_spec.in_path
    assert cls.default_rate_limit == "1/s"


# ---- the property ------------------------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
_paths = st.sampled_from(
    [
        "status",
        "job.state",
        "data.tasks[0].status",
        "a || b",
        "length(@)",
        "avg(x)",
        "sum(items[].n)",
        "keys(@)",
        "to_number(s)",
        "max_by(items, &n).n",
        "sort(items)",
        "@",
        "[*].status | [0]",
        "status == 'done' && url || status",
        "contains(s, 'x')",
        "join(',', xs)",
        "abs(n)",
        "items[?n > `1`].n | [0]",
        "reverse(s)",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=_paths,
    progress=_paths,
    message=_paths,
    link=_paths,
    unmapped=st.sampled_from(["error", "running"]),
    fmt=st.sampled_from(["json", "xml"]),
    body=_json | st.binary(max_size=60) | st.text(max_size=60).map(str.encode),
    http=st.sampled_from([200, 201, 204, 400, 401, 402, 403, 404, 408, 410, 418, 420, 429, 500, 503]),
)
def test_no_definition_and_answer_raise_anything_but_our_errors(
    *, status: str, progress: str, message: str, link: str, unmapped: str, fmt: str, body: Any, http: int
) -> None:
    definition = make(status=status, progress=progress, message=message, link=link, unmapped=unmapped, format=fmt)
    if isinstance(body, bytes):
        raw = body
    elif fmt == "xml":
        raw = f"<r><status>{body}</status></r>".encode()
    else:
        raw = json.dumps(body).encode()
    try:
        result = read_answer(definition, "J-000001", HttpResponse(status=http, headers={}, body=raw))
    except ProtocolError:
        return
    except JobTrayError:
        assert http != 200, "a 200 answer may only be read, or be a ProtocolError for the job"
        return
    assert result.job_id == "J-000001" and isinstance(result.state, JobState)
    assert result.result_url is None or safe_link(result.result_url) == result.result_url
    assert result.progress is None or 0.0 <= result.progress <= 100.0


def test_a_definition_error_is_a_config_error_and_builds_nothing() -> None:
    with pytest.raises(DefinitionError):
        make(status="job.[")


# ---- IDs: drops, paste, the clipboard and links use the definition's pattern -----------------------------------


def test_the_id_pattern_finds_ids_in_text_and_links_and_validates_given_ones() -> None:
    from pathlib import Path

    from desktop_app.core import ids
    from desktop_app.core.model import Account, KeySource
    from desktop_app.providers.defined_folder import shipped
    from desktop_app.providers.definition_file import read_definition
    from desktop_app.ui.drops import plan_drop

    specs = {name: provider_class(read_definition(Path(path))).id_spec for name, path in shipped().items()}
    job = "6559c281-ed85-4728-80db-414561c631e9"
    text = (
        f"converted {job} and https://github.com/octo-org/hello-world/actions/runs/30433642 "
        "then https://replicate.com/p/gm3qorzdhgbfurvjtvhg6dckhu, small numbers like 42 are not runs"
    )
    found = ids.candidates(text, specs)
    assert found["cloudconvert"] == [job]
    assert found["github_actions"] == ["30433642"]
    assert found["replicate"] == ["gm3qorzdhgbfurvjtvhg6dckhu"]
    assert ids.normalize_id(specs["github_actions"], "42") == "42"  # a given ID may be short
    assert ids.normalize_id(specs["cloudconvert"], "not-a-uuid") is None
    accounts = [
        Account(name="cc", provider="cloudconvert", key_source=KeySource.ENV, key_env="K", id=1),
        Account(name="ml", provider="replicate", key_source=KeySource.ENV, key_env="K", id=2),
    ]
    plan = plan_drop(f"{job} gm3qorzdhgbfurvjtvhg6dckhu", accounts, specs=specs)
    assert {(c.account.name, c.job_ids) for c in plan.candidates} == {
        ("cc", (job,)),
        ("ml", ("gm3qorzdhgbfurvjtvhg6dckhu",)),
    }
