"""MeadCo ScriptX.Services PrintPdf: `GET {server}/api/v1/printPdf/status/{jobToken}`.

Request: the token path-quoted (it is opaque and may hold any character), `Authorization: Basic
base64(licenceGuid + ":")`. Answer: JSON `{"status": int, "message": str, "jobIdentifier": str}` with any 2xx
(MeadCo's own mock answers 202). 401 is a refused licence; 404 with "Job not found" is an unknown token, while a 404
for an unknown route means the base URL is wrong. Error bodies are a JSON string or ASP.NET's `{"Message": ...}`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from desktop_app.core.errors import AuthError, ProtocolError
from desktop_app.core.ids import PROVIDER_DISPLAY_NAMES
from desktop_app.core.model import JobState, Status
from desktop_app.providers.base import HttpProvider, HttpResponse, raise_for_common_errors, short_text

STATUS_PATH = "/api/v1/printPdf/status/"
DOWNLOAD_PATH = "/api/v1/printPdf/download/"
DISPLAY = PROVIDER_DISPLAY_NAMES["scriptx"]

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

# Only these leave a file waiting on the server; after 100 (Collected) it has been downloaded already.
_DOWNLOADABLE = frozenset({6, 102})


def basic_auth(licence: str) -> str:
    """The documented header value: the licence GUID as user name, an empty password."""
    return "Basic " + base64.b64encode(f"{licence}:".encode()).decode("ascii")


def status_path(token: str) -> str:
    return STATUS_PATH + quote(token, safe="")


def error_text(body: bytes) -> str | None:
    """The message in an error body: a JSON string (MeadCo), `{"Message": ...}` (ASP.NET) or plain text."""
    try:
        decoded: Any = json.loads(body)
    except (ValueError, RecursionError):
        decoded = body.decode("utf-8", errors="replace")
    if isinstance(decoded, dict):
        decoded = _get(decoded, "message")
    if isinstance(decoded, str) and decoded.strip():
        return short_text(decoded)
    return None


def _get(body: dict[Any, Any], key: str) -> Any:
    """A field by case-insensitive name: ASP.NET may serialise camelCase or PascalCase."""
    for name, value in body.items():
        if isinstance(name, str) and name.casefold() == key:
            return value
    return None


def _status_code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 6:
        return int(value.strip())
    return None


def parse_status(job_id: str, body: Any, server: str) -> Status:
    """One status answer (decoded JSON) as a Status; ProtocolError when it is not one.

    Args:
        job_id: the token we asked about.
        body: the decoded JSON answer.
        server: the base URL, for the download link of a completed job.
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
    message = short_text(raw_message) if isinstance(raw_message, str) and raw_message.strip() else None
    if state == JobState.FAILED and message is None:
        message = f"{DISPLAY} reported {NAMES[code]}"
    if code == 100 and message is None:
        message = "The output was already collected (downloaded)"
    result_url = server.rstrip("/") + DOWNLOAD_PATH + quote(job_id, safe="") if code in _DOWNLOADABLE else None
    return Status(
        job_id=job_id,
        state=state,
        provider_status=f"{code} {NAMES[code]}",
        progress=100.0 if state == JobState.SUCCEEDED else None,
        message=message,
        result_url=result_url,
    )


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
            headers={"Authorization": basic_auth(self.config.secret.reveal()), "Accept": "application/json"},
        )
        if is_job_not_found(response):
            return Status(
                job_id=job_id,
                state=JobState.NOT_FOUND,
                provider_status="404 Job not found",
                message=f"{DISPLAY} knows no job with this token",
            )
        raise_for_http_error(response)
        return parse_status(job_id, response.json(), self.config.base_url)
