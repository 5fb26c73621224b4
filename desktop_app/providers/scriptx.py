"""MeadCo ScriptX.Services PrintPdf: `GET {server}/api/v1/printPdf/status/{jobToken}`.

Request: the token as one path segment, escaped only where RFC 3986 requires (`path_segment`: `pdf0:job` goes out
as it is), `Authorization: Basic base64(licenceGuid + ":")`. Answer: JSON `{"status": int, "message": str,
"jobIdentifier": str}` with any 2xx (MeadCo's own mock answers 202). 401 is a refused licence; 404 with "Job not
found" is an unknown token, while a 404 for an unknown route means the base URL is wrong. Error bodies are a JSON
string or ASP.NET's `{"Message": ...}`.

A completed job has a result link only if its output went to a file: one `HEAD /api/v1/printPdf/download/{token}`
(licence attached, no redirect followed) must confirm it with a 2xx. A job printed to a device has nothing to
download; its status says so instead.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections.abc import Sequence
from typing import Any, ClassVar

from desktop_app.core.errors import AuthError, ProtocolError, RateLimited, TransientError
from desktop_app.core.ids import IdSpec
from desktop_app.core.model import JobState, Status
from desktop_app.core.schedule import PollPolicy
from desktop_app.providers.base import (
    HttpProvider,
    HttpResponse,
    ProviderConfig,
    path_segment,
    raise_for_common_errors,
    result_link,
    server_text,
    short_text,
)

STATUS_PATH = "/api/v1/printPdf/status/"
DOWNLOAD_PATH = "/api/v1/printPdf/download/"
DISPLAY = "ScriptX.Services"

STATES: dict[int, JobState] = {
    0: JobState.QUEUED,  # NotStarted
    1: JobState.QUEUED,  # Queued
    2: JobState.RUNNING,  # Starting
    3: JobState.RUNNING,  # Downloading
    4: JobState.RUNNING,  # Downloaded
    5: JobState.RUNNING,  # Printing
    6: JobState.SUCCEEDED,  # Completed
    7: JobState.RUNNING,  # Paused ("will not occur")
    8: JobState.RUNNING,  # PrintingPdf
    100: JobState.SUCCEEDED,  # Collected: the output was already downloaded
    101: JobState.FAILED,  # CodeException
    102: JobState.SUCCEEDED,  # CompletedWait: internal, "6 will be returned"; read as 6
    -1: JobState.FAILED,  # ItemError
    -2: JobState.CANCELLED,  # Abandoned
}

NAMES: dict[int, str] = {
    0: "NotStarted",
    1: "Queued",
    2: "Starting",
    3: "Downloading",
    4: "Downloaded",
    5: "Printing",
    6: "Completed",
    7: "Paused",
    8: "PrintingPdf",
    100: "Collected",
    101: "CodeException",
    102: "CompletedWait",
    -1: "ItemError",
    -2: "Abandoned",
}

# Only these may leave a file waiting on the server (if the job printed to a file, not a device); after 100
# (Collected) it has been downloaded already.
DOWNLOADABLE = frozenset({6, 102})
PRINTED_MESSAGE = "Printed to its device: ScriptX.Services has no file to download for this job"


def basic_auth(licence: str) -> str:
    """The documented header value: the licence GUID as user name, an empty password."""
    return "Basic " + base64.b64encode(f"{licence}:".encode()).decode("ascii")


def status_path(token: str) -> str:
    return STATUS_PATH + path_segment(token)


def download_path(token: str) -> str:
    return DOWNLOAD_PATH + path_segment(token)


def error_text(body: bytes) -> str | None:
    """The message in an error body: a JSON string (MeadCo), `{"Message": ...}` (ASP.NET) or plain text."""
    try:
        decoded: Any = json.loads(body)
    except (ValueError, RecursionError):
        decoded = body.decode("utf-8", errors="replace")
    if isinstance(decoded, dict):
        try:
            decoded = _get(decoded, "message")
        except ProtocolError:
            return None  # two messages that disagree: no text to quote
    if isinstance(decoded, str) and decoded.strip():
        return short_text(decoded)
    return None


def _get(body: dict[Any, Any], key: str) -> Any:
    """A field by case-insensitive name: ASP.NET may serialise camelCase or PascalCase. Two spellings with two
    values (`status` 6 and `Status` -1) are one answer saying two things: a ProtocolError (issue 20)."""
    values = [value for name, value in body.items() if isinstance(name, str) and name.casefold() == key]
    if any(value != values[0] for value in values[1:]):
        raise ProtocolError(f"{DISPLAY} answer contradicts itself: {key} is given twice with different values")
    return values[0] if values else None


_ASCII_INTEGER = re.compile(r"-?[0-9]{1,6}")  # not `str.isdigit`: true for Arabic-Indic, fullwidth digits


def _status_code(value: Any) -> int | None:
    """The status as an integer: a JSON integer, or a string of ASCII digits (an optional minus, blanks around).

    Numbers from servers are ASCII only: "--6", "+6", Arabic-Indic or fullwidth digits are not numbers.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _ASCII_INTEGER.fullmatch(value.strip(" \t")):
        return int(value.strip(" \t"))
    return None


def parse_status(job_id: str, body: Any) -> Status:
    """One status answer (decoded JSON) as a Status (without a result link: only the server can confirm one,
    see `ScriptXProvider`); ProtocolError when it is not one.

    Args:
        job_id: the token we asked about.
        body: the decoded JSON answer.
    """
    if not isinstance(body, dict):
        raise ProtocolError(f"{DISPLAY} answer is not a JSON object")
    code = _status_code(_get(body, "status"))
    if code is None:
        raise ProtocolError(f"{DISPLAY} answer has no integer status")
    state = STATES.get(code)
    if state is None:
        raise ProtocolError(f"{DISPLAY} answered an unknown job status {code}")
    raw_message = _get(body, "message")
    message = server_text(raw_message) if isinstance(raw_message, str) else None
    if state == JobState.FAILED and message is None:
        message = f"{DISPLAY} reported {NAMES[code]}"
    if code == 100 and message is None:
        message = "The output was already collected (downloaded)"
    return Status(
        job_id=job_id,
        state=state,
        provider_status=f"{code} {NAMES[code]}",
        progress=100.0 if state == JobState.SUCCEEDED else None,
        message=message,
    )


def is_downloadable(status: Status) -> bool:
    """True for a completed job whose output may wait on the server (6 Completed, 102 CompletedWait)."""
    code = status.provider_status.split(" ", 1)[0]
    return status.state == JobState.SUCCEEDED and bool(_ASCII_INTEGER.fullmatch(code)) and int(code) in DOWNLOADABLE


def raise_for_http_error(response: HttpResponse) -> None:
    """Map the HTTP codes; any 2xx is an answer. A 404 for an unknown job is not an error: see `check`."""
    if 200 <= response.status <= 299:
        return
    raise_for_common_errors(response)
    detail = error_text(response.body)
    suffix = f": {detail}" if detail else ""
    if response.status == 401:
        raise AuthError(f"{DISPLAY} refused the licence (HTTP 401){suffix}")
    if response.status == 403:
        # Cloud licences are bound to domains; a refusal here is the account's to fix, not the job's.
        raise AuthError(f"{DISPLAY} refused access for this licence (HTTP 403){suffix}")
    if response.status == 404:
        raise ProtocolError(f"{DISPLAY} has no printPdf/status endpoint at this base URL (HTTP 404){suffix}")
    raise ProtocolError(f"{DISPLAY} answered HTTP {response.status}{suffix}")


def is_job_not_found(response: HttpResponse) -> bool:
    """True for MeadCo's 404 "Job not found", false for a 404 about the route (a wrong base URL)."""
    if response.status != 404:
        return False
    detail = (error_text(response.body) or "").casefold()
    return "job" in detail and "not found" in detail


class ScriptXProvider(HttpProvider):
    name: ClassVar[str] = "scriptx"
    display_name: ClassVar[str] = DISPLAY
    # Tokens are opaque (32 hex in the docs, `pdf0:job` elsewhere): any printable run is valid; in text we look for
    # the documented 32-hex form or a token after /printPdf/status/ or /printPdf/download/.
    id_spec: ClassVar[IdSpec] = IdSpec(
        valid=re.compile(r'[!"$-.0->@-~]{1,200}'),  # printable ASCII but `/ ? #` (issue 20: IDs are ASCII)
        find=re.compile(r"(?<![^\W_])[0-9a-f]{32}(?![^\W_])"),
        near=re.compile(r"(?<![^\W_])(?=[0-9a-f]*[^\x00-\x7f])[0-9a-f\d]{30,34}(?![^\W_])"),
        url_path_markers=("/printPdf/status/", "/printPdf/download/", "/printHtml/status/"),
        documented="32 hexadecimal characters",
        documented_pattern=re.compile(r"[0-9A-Fa-f]{32}"),
        in_path=True,
    )
    poll_policy: ClassVar[PollPolicy] = PollPolicy(min_interval=2.0, max_interval=300.0)  # PDFs in seconds
    default_base_url: ClassVar[str] = "https://scriptxservices.meadroid.com"
    max_batch: ClassVar[int] = 1  # one token per status call
    default_rate_limit: ClassVar[str] = "1/s"  # undocumented; MeadCo's own client polls once a second
    secret_name: ClassVar[str] = "licence GUID"  # noqa: S105 - a label, not a secret

    def check(self, job_ids: Sequence[str]) -> list[Status]:
        return [self._check_one(job_id) for job_id in job_ids]

    def _check_one(self, job_id: str) -> Status:
        response = self.transport.request(
            "GET",
            status_path(job_id),
            headers={**self._auth_headers(), "Accept": "application/json"},
        )
        if is_job_not_found(response):
            return Status(
                job_id=job_id,
                state=JobState.NOT_FOUND,
                provider_status="404 Job not found",
                message=f"{DISPLAY} knows no job with this token",
            )
        raise_for_http_error(response)
        status = parse_status(job_id, response.json())
        if is_downloadable(status):
            status = self._with_download(status)
        return status

    @classmethod
    def credential_headers(cls, config: ProviderConfig) -> dict[str, str]:
        return {"Authorization": basic_auth(config.secret.reveal())}

    def _auth_headers(self) -> dict[str, str]:
        return self.credential_headers(self.config)

    def _with_download(self, status: Status) -> Status:
        """The status with its result link if the server confirms a file to download, else saying it printed.

        The HEAD is an auxiliary request: whatever it meets, the job ends as its status says (issue 20).
        - 2xx: the link is confirmed.
        - 404/410: printed to a device, nothing to download.
        - 405/501: the server does not answer HEAD: no link (we cannot tell a file from none).
        - 429, other 5xx, or no answer at all: the link is kept unconfirmed; the download tries it later.
        - a redirect (not followed: the licence would travel along) or anything else: no link.
        """
        path = download_path(status.job_id)
        link = result_link(self.config.base_url.rstrip("/") + path)
        shown: str
        try:
            response = self.transport.request("HEAD", path, headers=self._auth_headers())
        except ProtocolError:
            shown = "a redirect"
        except (TransientError, RateLimited) as exc:
            return dataclasses.replace(status, result_url=link, message=_unconfirmed(str(exc)))
        else:
            if 200 <= response.status <= 299 and link is not None:
                return dataclasses.replace(status, result_url=link)
            if response.status in (404, 410):
                return dataclasses.replace(status, message=PRINTED_MESSAGE)
            if response.status == 429 or (500 <= response.status <= 599 and response.status != 501):
                return dataclasses.replace(status, result_url=link, message=_unconfirmed(f"HTTP {response.status}"))
            shown = f"HTTP {response.status}"
        message = f"Printed; ScriptX.Services offers no file to download for it ({shown})"
        return dataclasses.replace(status, message=message)


def _unconfirmed(why: str) -> str:
    return f"Completed; the file to download was not confirmed ({short_text(why, 120)}); the link may not work"
