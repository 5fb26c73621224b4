"""No crash, whatever a server says (issue 20): per built-in provider, answers built from the documented shape with
any value in any field (other types, digits of other scripts, huge numbers, duplicated keys, missing and repeated
elements). The outcome is always a status, or a ProtocolError (PartialAnswer for one job of a batch), or an error
about the account the documented form names (AuthError, QuotaExhausted, TransientError): never another exception.

In-process: the parse functions and the HTTP error mapping, on HttpResponse values, without sockets. Modest
`max_examples`, so the whole file runs in well under a minute.
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.core.errors import AuthError, ProtocolError, QuotaExhausted, RateLimited, TransientError
from desktop_app.core.model import JobState, Status
from desktop_app.providers import encodingcom, encodingcom_media, ipaper, pdfco, replies, scriptx
from desktop_app.providers.base import HttpResponse

EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ACCOUNT_ERRORS = (AuthError, QuotaExhausted, TransientError, RateLimited)  # about the account, documented forms

# Digits and numbers a server might send: other scripts, signs, exponents, huge, not finite.
_ODD_NUMBERS = st.sampled_from(
    ["6", "--6", "+6", "\u0666", "\uff16", "6.0", "1e999", "-1", "NaN", "inf", "1_0", " 6 ", "", "0x6", "9" * 400]
)
_TEXT = st.one_of(st.text(max_size=40), _ODD_NUMBERS)
_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    _TEXT,
)
_JSON = st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3))


def _json_object(fields: list[str]) -> st.SearchStrategy[bytes]:
    """A JSON object of documented `fields` (each maybe missing, maybe twice) with any value, as raw bytes."""
    pair = st.tuples(st.sampled_from(fields), _JSON)
    pairs = st.lists(pair, max_size=len(fields) + 3)

    def dumped(items: list[tuple[str, Any]]) -> bytes:
        body = ",".join(f"{json.dumps(k)}:{_dump(v)}" for k, v in items)
        return ("{" + body + "}").encode("utf-8", "surrogatepass")

    return pairs.map(dumped)


def _dump(value: Any) -> str:
    try:
        return json.dumps(value)
    except (ValueError, OverflowError):
        return "null"


def _decoded(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _is_status_for(status: Any, job_id: str) -> bool:
    return isinstance(status, Status) and status.job_id == job_id and isinstance(status.state, JobState)


_HTTP_CODES = st.one_of(
    st.sampled_from([200, 202, 204, 400, 401, 402, 403, 404, 405, 408, 410, 421, 429, 500, 501]),
    st.integers(min_value=100, max_value=599),
)


# ---- PDF.co -------------------------------------------------------------------------------------------------------

_PDFCO_FIELDS = [
    "status",
    "message",
    "url",
    "jobId",
    "credits",
    "remainingCredits",
    "duration",
    "error",
    "pageCount",
    "outputLinkValidTill",
    "errorCode",
]


@EXAMPLES
@given(_json_object(_PDFCO_FIELDS), st.sampled_from(["working", "success", "failed", "aborted", "unknown"]))
def test_pdfco_check_answer(raw: bytes, documented: str) -> None:
    for body in (
        _decoded(raw),
        {**(_decoded(raw) or {}), "status": documented} if isinstance(_decoded(raw), dict) else {"status": documented},
    ):
        try:
            status = pdfco.parse_check("J", body)
        except ProtocolError:
            continue
        assert _is_status_for(status, "J")
        assert status.result_url is None or status.result_url.startswith(("http://", "https://"))


@EXAMPLES
@given(_HTTP_CODES, _json_object(_PDFCO_FIELDS))
def test_pdfco_http_answer(code: int, raw: bytes) -> None:
    response = HttpResponse(status=code, headers={"retry-after": "5"}, body=raw)
    try:
        pdfco.raise_for_http_error(response)
    except (ProtocolError, *ACCOUNT_ERRORS):
        return


# ---- ScriptX.Services ---------------------------------------------------------------------------------------------


@EXAMPLES
@given(_json_object(["status", "Status", "message", "Message", "jobIdentifier"]))
def test_scriptx_status_answer(raw: bytes) -> None:
    try:
        status = scriptx.parse_status("T", _decoded(raw))
    except ProtocolError:
        return
    assert _is_status_for(status, "T")
    scriptx.is_downloadable(status)


@EXAMPLES
@given(_HTTP_CODES, st.one_of(_json_object(["Message", "message"]), st.binary(max_size=60)))
def test_scriptx_http_answer(code: int, body: bytes) -> None:
    response = HttpResponse(status=code, headers={}, body=body)
    scriptx.is_job_not_found(response)
    scriptx.error_text(body)
    try:
        scriptx.raise_for_http_error(response)
    except (ProtocolError, *ACCOUNT_ERRORS):
        return


# ---- XML: iPaper and encoding.com ---------------------------------------------------------------------------------

_XML_TEXT = st.one_of(_ODD_NUMBERS, st.text(max_size=30)).map(escape)


def _element(name: str, inner: st.SearchStrategy[str], most: int = 2) -> st.SearchStrategy[str]:
    """`name` missing, once or repeated, each with its own content."""
    return st.lists(inner, max_size=most).map(lambda items: "".join(f"<{name}>{i}</{name}>" for i in items))


def _elements(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).flatmap(lambda xs: st.permutations(list(xs))).map("".join)


_IPAPER_STATUS = st.one_of(_XML_TEXT, st.sampled_from(["Pending", "Completed", "Failed", "EnrichmentProcessingFailed"]))
_IPAPER_CODE = st.one_of(_XML_TEXT, st.sampled_from(["SUCCESS", "ERROR", "LOGIN_SECURITY_VIOLATION", "READONLY"]))
_IPAPER = st.builds(
    lambda code, message, data: f"<result>{code}{message}{data}</result>",
    _element("code", _IPAPER_CODE),
    _element("message", _XML_TEXT),
    _element("data", _element("ProcessStatus", _IPAPER_STATUS, 3), 2),
)


@EXAMPLES
@given(_IPAPER)
def test_ipaper_status_answer(body: str) -> None:
    try:
        status = ipaper.parse_status("G", body)
    except (ProtocolError, *ACCOUNT_ERRORS):
        return
    assert _is_status_for(status, "G")


_ENC_STATUS = st.one_of(_XML_TEXT, st.sampled_from(["Finished", "Error", "Saving", "Canceled", "New", "Deleted"]))
_ENC_ID = st.one_of(st.sampled_from(["11111", "22222", "\uff11\uff11\uff11\uff11\uff11"]), _XML_TEXT)
_FORMAT = _elements(
    _element("id", _XML_TEXT, 1),
    _element("status", _ENC_STATUS, 2),
    _element("destination", st.one_of(_XML_TEXT, st.just("https://u:p@bucket.example/o.mp4")), 3),
    _element("destination_status", st.one_of(_XML_TEXT, st.just("Saved"), st.just("")), 3),
    _element("s3_destination", st.one_of(_XML_TEXT, st.just("https://s3.example/o.mp4")), 1),
)
_JOB = _elements(
    _element("id", _ENC_ID, 2),
    _element("status", _ENC_STATUS, 2),
    _element("progress", _XML_TEXT, 2),
    _element("time_left", _XML_TEXT, 2),
    _element("description", _XML_TEXT, 1),
    _element("format", _FORMAT, 3),
)
_ENC = st.builds(
    lambda jobs, errors: f"<response>{errors}{jobs}</response>",
    _element("job", _JOB, 3),
    _element("errors", _element("error", _XML_TEXT, 2), 1),
)


@EXAMPLES
@given(_ENC, st.lists(st.sampled_from(["11111", "22222"]), min_size=1, max_size=2, unique=True))
def test_encodingcom_status_answer(body: str, asked: list[str]) -> None:
    try:
        statuses = encodingcom.parse_status(asked, body)
    except (ProtocolError, *ACCOUNT_ERRORS):  # PartialAnswer is a ProtocolError
        return
    for job_id, status in statuses.items():
        assert job_id in asked and _is_status_for(status, job_id)
        assert status.result_url is None or "@" not in status.result_url.split("/")[2]


_MEDIA = _elements(
    _element("mediaid", _ENC_ID, 2),
    _element("mediastatus", _ENC_STATUS, 2),
    _element("mediafile", _XML_TEXT, 1),
    _element("createdate", st.one_of(_XML_TEXT, st.just("2015-12-31 20:45:30"), st.just("0000-00-00 00:00:00")), 2),
)


@EXAMPLES
@given(_element("media", _MEDIA, 4).map(lambda rows: f"<response>{rows}</response>"))
def test_encodingcom_media_list_answer(body: str) -> None:
    try:
        page = encodingcom_media.parse_media_list(body)
    except (ProtocolError, *ACCOUNT_ERRORS):
        return
    for media in page.media:
        assert media.media_id.isascii() and media.media_id.isdigit()
        media.finished  # noqa: B018 - reading it must not raise


@EXAMPLES
@given(_HTTP_CODES, st.binary(max_size=40))
def test_xml_providers_http_answer(code: int, body: bytes) -> None:
    response = HttpResponse(status=code, headers={"retry-after": "x"}, body=body)
    for check in (ipaper.raise_for_http_error, encodingcom.raise_for_http_error):
        try:
            check(response)
        except (ProtocolError, *ACCOUNT_ERRORS):
            pass


# ---- creation replies ---------------------------------------------------------------------------------------------


@EXAMPLES
@given(
    st.one_of(
        _json_object(["jobId", "jobIdentifier", "error", "status", "message", "name", "url", "remainingCredits"]),
        _json_object(["response", "data"]),
        _ENC,
        _IPAPER,
    )
)
def test_creation_reply(raw: bytes | str) -> None:
    data = raw.encode() if isinstance(raw, str) else raw
    try:
        reply = replies.parse_reply(data)
    except replies.VendorError:
        return
    if reply is not None:
        assert reply.provider in ("pdfco", "scriptx", "encodingcom", "ipaper")
        assert isinstance(reply.job_id, str) and reply.job_id
    assert isinstance(replies.searchable_text(data), str)
