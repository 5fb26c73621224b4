"""PDF.co background jobs: `POST {base}/v1/job/check`.

Request: JSON `{"jobid": ID, "force": true}` with the `x-api-key` header. `force` makes an unknown ID answer
`unknown` instead of `working` forever. Statuses: working, success (with `url`), failed (see `message`), aborted,
unknown. HTTP: 401 unauthorised, 402 (new docs) or 403 (old docs) no credits, 429 rate limited, 5xx server trouble.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from desktop_app.core.errors import AuthError, ProtocolError, QuotaExhausted
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
    if response.status == 404:
        raise ProtocolError(f"PDF.co job/check not found at this base URL (HTTP 404){suffix}")
    raise ProtocolError(f"PDF.co answered HTTP {response.status}{suffix}")


def parse_check(job_id: str, body: Any) -> Status:
    """One job/check answer (already decoded JSON) as a Status; ProtocolError when it is not one."""
    if not isinstance(body, dict):
        raise ProtocolError("PDF.co answer is not a JSON object")
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
    # 32 upper-case base-36 characters, optionally `--NNN-NNN`; the same prefix is a folder in result URLs.
    id_spec: ClassVar[IdSpec] = IdSpec(
        valid=re.compile(r"[A-Z0-9]{32}(?:--\d{1,9}-\d{1,9})?"),
        find=re.compile(r"(?<![0-9A-Za-z])[A-Z0-9]{32}(?:--\d{1,9}-\d{1,9})?(?![0-9A-Za-z])"),
        url_params=("jobid", "jobId"),
        documented="32 upper-case letters or digits, optionally followed by --NNN-NNN",
    )
    poll_policy: ClassVar[PollPolicy] = PollPolicy(min_interval=2.0, max_interval=300.0)  # jobs often take seconds
    default_base_url: ClassVar[str] = "https://api.pdf.co"
    max_batch: ClassVar[int] = 1
    default_rate_limit: ClassVar[str] = "2/s"  # free plan; paid plans allow 10/s
    secret_name: ClassVar[str] = "API key"  # noqa: S105 - a label, not a secret

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
            json_body={"jobid": job_id, "force": True},
        )
        raise_for_http_error(response)
        return parse_check(job_id, response.json())
