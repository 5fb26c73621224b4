"""Untrusted text at the edge, for every provider over real HTTP: a lone surrogate, terminal escapes, NUL and
U+202E in every text field of an answer. Status fields keep the text exactly (only lone surrogates become U+FFFD,
so SQLite can store them); error messages quoting server text are displayable; result links stay clean or none."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import astuple

import pytest

from desktop_app.core.errors import JobTrayError, ProtocolError
from desktop_app.core.model import JobState, Status
from desktop_app.core.text import storable
from desktop_app.providers.base import HttpProvider
from tests.support.fault_server import Fault, FaultServer
from tests.support.providers import Harness, make_harness

# As they appear in a JSON document: json.loads turns the first into a lone surrogate.
JSON_HOSTILE = ["lone \\ud800", "\\u001b[2J\\u001b]0;title\\u0007", "nul\\u0000here", "\\u202eevil"]
# In XML 1.0 only these can appear at all (ESC, NUL and surrogates make a document not well-formed).
XML_HOSTILE = ["\u202eevil", "csi \u009b2J here", "bell \u0085 next"]
XML_FORBIDDEN = ["\x1b[2J", "nul\x00here", "&#xD800;", "&#0;"]
RAW = {"\u001b", "\u0000", "\u202e", "\u0007", "\u009b"}


def _loaded(escaped: str) -> str:
    return str(json.loads(f'"{escaped}"'))


def _serve(harness: Harness, faults: FaultServer, body: str, status: int = 200, ctype: str = "") -> Status | Exception:
    content_type = ctype or ("application/json" if body.lstrip().startswith(("{", '"')) else "text/xml; charset=utf-8")
    faults.inject(Fault.http(status, body.encode("utf-8", errors="surrogatepass"), content_type))
    client: HttpProvider = harness.client(faults.base_url)
    try:
        (answer,) = client.check([harness.open_job])
        return answer
    except JobTrayError as exc:
        return exc
    finally:
        client.close()


def assert_storable(status: Status) -> None:
    with sqlite3.connect(":memory:") as db:  # what the store does with each field: UTF-8 must encode it
        for value in astuple(status):
            if isinstance(value, str):
                db.execute("SELECT ?", (value,)).fetchone()
    assert status.result_url is None or not (set(status.result_url) & RAW)


def assert_displayable(error: Exception) -> None:
    text = str(error)
    assert not (set(text) & RAW), repr(text)
    assert not any("\ud800" <= c <= "\udfff" for c in text)
    text.encode("utf-8")


# ---- JSON providers ------------------------------------------------------------------------------------------

JSON_CASES: dict[str, list[tuple[str, Callable[[str], str], str | None]]] = {
    # (field, body with the hostile text in it, what Status.message must be: "exact" or None for an error)
    "pdfco": [
        ("message", lambda t: f'{{"status": "failed", "message": "{t}"}}', "exact"),
        ("status", lambda t: f'{{"status": "{t}", "message": "x"}}', None),
        ("url", lambda t: f'{{"status": "success", "url": "https://files.example/{t}.pdf"}}', "url"),
        ("error message", lambda t: f'{{"error": true, "message": "{t}"}}', None),
    ],
    "scriptx": [
        ("message", lambda t: f'{{"status": -1, "message": "{t}", "jobIdentifier": "x"}}', "exact"),
        ("status", lambda t: f'{{"status": "{t}", "message": "x"}}', None),
        ("jobIdentifier", lambda t: f'{{"status": 2, "message": "", "jobIdentifier": "{t}"}}', "ignored"),
    ],
}


@pytest.mark.parametrize("provider", sorted(JSON_CASES))
@pytest.mark.parametrize("escaped", JSON_HOSTILE)
def test_hostile_text_in_every_field_of_a_json_answer(provider: str, escaped: str) -> None:
    harness = make_harness(provider)
    try:
        with FaultServer(harness.handler) as faults:
            for field, build, expect in JSON_CASES[provider]:
                answer = _serve(harness, faults, build(escaped))
                if expect is None:
                    assert isinstance(answer, ProtocolError), (field, answer)
                    assert_displayable(answer)
                    continue
                assert isinstance(answer, Status), (field, answer)
                assert_storable(answer)
                if expect == "exact":
                    assert answer.message == storable(_loaded(escaped)).strip()
                if expect == "url":
                    assert answer.state == JobState.SUCCEEDED and answer.result_url is None
    finally:
        harness.close()


@pytest.mark.parametrize("provider", sorted(JSON_CASES))
@pytest.mark.parametrize("escaped", JSON_HOSTILE)
@pytest.mark.parametrize("http_status", [400, 401, 403])
def test_hostile_text_in_an_error_body_is_displayable(provider: str, escaped: str, http_status: int) -> None:
    harness = make_harness(provider)
    try:
        with FaultServer(harness.handler) as faults:
            for body in (f'{{"error": true, "message": "{escaped}"}}', f'"{escaped}"', f'{{"Message": "{escaped}"}}'):
                answer = _serve(harness, faults, body, http_status)
                assert isinstance(answer, JobTrayError), answer
                assert_displayable(answer)
    finally:
        harness.close()


def test_the_lone_surrogate_sample_from_the_issue() -> None:
    harness = make_harness("pdfco")
    try:
        with FaultServer(harness.handler) as faults:
            answer = _serve(harness, faults, '{"status":"failed","message":"lone \\ud800"}')
    finally:
        harness.close()
    assert isinstance(answer, Status)
    assert (answer.state, answer.message) == (JobState.FAILED, "lone \ufffd")


# ---- XML providers -------------------------------------------------------------------------------------------


def _ipaper(code: str, message: str, process_status: str | None = None) -> str:
    data = f"<data><ProcessStatus>{process_status}</ProcessStatus></data>" if process_status is not None else ""
    return f"<result><code>{code}</code><message>{message}</message>{data}</result>"


def _encodingcom(job_id: str, status: str, description: str = "", destination: str = "") -> str:
    fmt = f"<format><status>Finished</status><destination>{destination}</destination></format>" if destination else ""
    return (
        f"<response><job><id>{job_id}</id><status>{status}</status>"
        f"<description>{description}</description>{fmt}</job></response>"
    )


def _xml_cases(harness: Harness, text: str) -> list[tuple[str, str, str | None]]:
    job = harness.open_job
    if harness.provider == "ipaper":
        return [
            ("message", _ipaper("ERROR", text), "exact"),
            ("code", _ipaper(f"WEIRD{text}", "x"), None),
            ("error detail", _ipaper("SOMETHING_ELSE", text), None),
            ("ProcessStatus", _ipaper("SUCCESS", "ok", text), None),
        ]
    return [
        ("description", _encodingcom(job, "Error", text), "exact"),
        ("status", _encodingcom(job, f"Odd{text}"), "kept"),
        ("destination", _encodingcom(job, "Finished", destination=f"https://cdn.example/{text}.mp4"), "url"),
        ("errors", f"<response><errors><error>{text}</error></errors></response>", None),
    ]


@pytest.mark.parametrize("provider", ["ipaper", "encodingcom"])
@pytest.mark.parametrize("text", XML_HOSTILE)
def test_hostile_text_in_every_field_of_an_xml_answer(provider: str, text: str) -> None:
    harness = make_harness(provider)
    try:
        with FaultServer(harness.handler) as faults:
            for field, body, expect in _xml_cases(harness, text):
                answer = _serve(harness, faults, body)
                if expect is None:
                    assert isinstance(answer, JobTrayError), (field, answer)
                    assert_displayable(answer)
                    continue
                assert isinstance(answer, Status), (field, answer)
                assert_storable(answer)
                if expect == "exact":
                    assert answer.message == text.strip()
                if expect == "kept":
                    assert answer.message is not None and " ".join(text.split()) in answer.message  # spaces collapsed
                if expect == "url":
                    assert answer.result_url is None
    finally:
        harness.close()


@pytest.mark.parametrize("provider", ["ipaper", "encodingcom"])
@pytest.mark.parametrize("text", XML_FORBIDDEN)
def test_characters_xml_cannot_hold_make_a_job_scoped_error(provider: str, text: str) -> None:
    harness = make_harness(provider)
    try:
        with FaultServer(harness.handler) as faults:
            for field, body, _ in _xml_cases(harness, text):
                answer = _serve(harness, faults, body)
                assert isinstance(answer, ProtocolError), (field, answer)
                assert_displayable(answer)
    finally:
        harness.close()


def test_a_redirect_location_is_shown_safely(harness: Harness, faults: FaultServer) -> None:
    faults.inject(Fault.redirect("http://elsewhere.example/\x1b]0;pwned\x07\x1b[2J"))
    client = harness.client(faults.base_url)
    try:
        with pytest.raises(ProtocolError) as caught:
            client.check([harness.open_job])
    finally:
        client.close()
    answer = caught.value
    assert_displayable(answer)
    assert "elsewhere.example" in str(answer)
