"""PDF.co background jobs: `POST {base}/v1/job/check`.

Request: JSON `{"jobid": ID, "force": "true"}` with the `x-api-key` header; `force` is a string, as the vendor's
OpenAPI types it (pdfdotco/pdfco-mcp `openapi.json`). It makes an unknown ID answer `unknown` instead of `working`
forever. Statuses: working, success (with `url`), failed (see `message`), aborted, unknown. HTTP: 401 unauthorised,
402 (new docs) or 403 (old docs) no credits, 405/408 timeouts (transient), 429 rate limited, 5xx server trouble.

`unknown` ends a job as not_found only once it persists (`UNKNOWN_ANSWERS` answers in a row over at least
`UNKNOWN_SECONDS`): PDF.co's own n8n node says it "can [happen] if there were super high load". A definite error
(an error body saying the job was not found) ends it at once.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from desktop_app.core.errors import AuthError, ProtocolError, QuotaExhausted, TransientError
from desktop_app.core.ids import IdSpec
from desktop_app.core.model import JobState, Status
from desktop_app.core.schedule import PollPolicy
from desktop_app.providers.base import (
    HttpProvider,
    HttpResponse,
    ProviderConfig,
    raise_for_common_errors,
    result_link,
    server_text,
    short_text,
)

CHECK_PATH = "/v1/job/check"
UNKNOWN_ANSWERS = 3  # `unknown` answers in a row ...
UNKNOWN_SECONDS = 60.0  # ... over at least this long before a job is lost
_JOB_NOT_FOUND = re.compile(r"\bjob\b.*\bnot\s+found\b", re.IGNORECASE | re.ASCII)

STATES: dict[str, JobState] = {
    "working": JobState.RUNNING,
    "success": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    "aborted": JobState.CANCELLED,
    "unknown": JobState.NOT_FOUND,
}


def _error_message(body: Any) -> str | None:
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message.strip():
            return short_text(message)
    return None


def raise_for_http_error(response: HttpResponse) -> None:
    """Map PDF.co's documented HTTP codes onto our errors."""
    if response.status == 200:
        return
    raise_for_common_errors(response)
    try:
        detail = _error_message(response.json())
    except ProtocolError:
        detail = None
    suffix = f": {detail}" if detail else ""
    if response.status == 401:
        raise AuthError(f"PDF.co rejected the API key (HTTP 401){suffix}")
    if response.status == 402:
        raise QuotaExhausted(f"PDF.co account has not enough credits (HTTP 402){suffix}")
    if response.status == 403:
        # Old docs: not enough credits; new docs: access forbidden. Either way the user must act.
        raise QuotaExhausted(f"PDF.co refused access: no credits left or the key is not allowed (HTTP 403){suffix}")
    if response.status in (405, 408):
        # Both documented as "Timeout error" (405 in the old docs, both in the vendor's OpenAPI): try again later.
        raise TransientError(f"PDF.co timed out (HTTP {response.status}){suffix}", response.retry_after())
    if response.status == 404:
        raise ProtocolError(f"PDF.co job/check not found at this base URL (HTTP 404){suffix}")
    raise ProtocolError(f"PDF.co answered HTTP {response.status}{suffix}")


def is_job_not_found(body: Any) -> bool:
    """True for the vendor's definite error about the job: `{"error": true, "message": "Job not found"}`."""
    message = body.get("message") if isinstance(body, dict) and body.get("error") is True else None
    return isinstance(message, str) and bool(_JOB_NOT_FOUND.search(message))


def parse_check(job_id: str, body: Any) -> Status:
    """One job/check answer (already decoded JSON) as a Status; ProtocolError when it is not one."""
    if not isinstance(body, dict):
        raise ProtocolError("PDF.co answer is not a JSON object")
    if is_job_not_found(body):
        return Status(
            job_id=job_id,
            state=JobState.NOT_FOUND,
            provider_status="job not found",
            message=server_text(body.get("message")),
        )
    if body.get("error") is True:
        raise ProtocolError(f"PDF.co reported an error: {_error_message(body) or 'no message'}")
    raw_status = body.get("status")
    if not isinstance(raw_status, str):
        raise ProtocolError("PDF.co answer has no status text")
    state = STATES.get(raw_status.strip().lower())
    if state is None:
        raise ProtocolError(f'PDF.co answered an unknown status "{short_text(raw_status, 40)}"')
    raw_message = body.get("message")
    message = server_text(raw_message) if isinstance(raw_message, str) else None
    url = body.get("url")
    result_url = result_link(url) if state == JobState.SUCCEEDED and isinstance(url, str) else None
    return Status(
        job_id=job_id,
        state=state,
        provider_status=raw_status.strip().lower(),
        progress=100.0 if state == JobState.SUCCEEDED else None,
        message=message if state != JobState.SUCCEEDED or message not in (None, "Success") else None,
        result_url=result_url,
    )


class PdfCoProvider(HttpProvider):
    name: ClassVar[str] = "pdfco"
    display_name: ClassVar[str] = "PDF.co"
    # 32 upper-case base-36 characters, optionally `--NNN-NNN`; the same prefix is a folder in result URLs. ASCII
    # only (issue 20); in text nothing next to a letter or digit of any script, nor before a dash (`ID-151-300` is a
    # typo, not the ID without its suffix): `near` gives those a hint.
    id_spec: ClassVar[IdSpec] = IdSpec(
        valid=re.compile(r"[A-Z0-9]{32}(?:--[0-9]{1,9}-[0-9]{1,9})?"),
        find=re.compile(r"(?<![^\W_])[A-Z0-9]{32}(?:--[0-9]{1,9}-[0-9]{1,9})?(?![^\W_]|-)"),
        near=re.compile(r"(?<![^\W_]|-)[^\W_]{28,36}(?:-{1,3}[^\W_]{1,12}){0,3}(?![^\W_]|-)"),
        url_params=("jobid", "jobId"),
        documented="32 upper-case letters or digits, optionally followed by --NNN-NNN",
    )
    poll_policy: ClassVar[PollPolicy] = PollPolicy(min_interval=2.0, max_interval=300.0)  # jobs often take seconds
    default_base_url: ClassVar[str] = "https://api.pdf.co"
    max_batch: ClassVar[int] = 1
    default_rate_limit: ClassVar[str] = "2/s"  # free plan; paid plans allow 10/s
    secret_name: ClassVar[str] = "API key"  # noqa: S105 - a label, not a secret

    def __init__(self, config: ProviderConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(config)
        self._clock = clock
        self._unknown: dict[str, tuple[float, int]] = {}  # job ID -> (first `unknown` in a row, how many)

    @classmethod
    def credential_headers(cls, config: ProviderConfig) -> dict[str, str]:
        return {"x-api-key": config.secret.reveal()}

    def check(self, job_ids: Sequence[str]) -> list[Status]:
        return [self._check_one(job_id) for job_id in job_ids]

    def _check_one(self, job_id: str) -> Status:
        response = self.transport.request(
            "POST",
            CHECK_PATH,
            headers={**self.credential_headers(self.config), "Accept": "application/json"},
            json_body={"jobid": job_id, "force": "true"},
        )
        if response.status == 404:
            try:
                body = response.json()
            except ProtocolError:
                body = None
            if is_job_not_found(body):
                return parse_check(job_id, body)
        raise_for_http_error(response)
        return self._persisting(parse_check(job_id, response.json()))

    def _persisting(self, status: Status) -> Status:
        """`unknown` is not_found only after UNKNOWN_ANSWERS in a row over UNKNOWN_SECONDS; until then running."""
        if status.provider_status != "unknown":
            self._unknown.pop(status.job_id, None)
            return status
        now = self._clock()
        first, count = self._unknown.get(status.job_id, (now, 0))
        count += 1
        self._unknown[status.job_id] = (first, count)
        if count >= UNKNOWN_ANSWERS and now - first >= UNKNOWN_SECONDS:
            self._unknown.pop(status.job_id, None)
            return dataclasses.replace(status, message="PDF.co kept answering that it does not know this job")
        return dataclasses.replace(
            status,
            state=JobState.RUNNING,
            message=f"PDF.co answered unknown ({count} in a row); the job is lost only if this persists",
        )
