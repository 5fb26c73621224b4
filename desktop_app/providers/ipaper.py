"""iPaper Flipbook Backend API, Ripper service: `POST {base}/V2/Ripper.asmx/GetProcessingStatus`.

Request: form-encoded `jobGuid` plus the credentials under every field-name variant clients are known to use
(`Username`/`Password`, `username`/`password`, `plUsername`/`plPassword`): which ones the Ripper service reads is
undocumented and the server ignores extra fields. The user name defaults to the literal `APIKey` and the API key is
the password. Credentials only ever travel in the POST body, never in a URL.

Answer: XML `<result><code/><message/><data><ProcessStatus/></data></result>`, values CDATA padded with whitespace.
Anything but SUCCESS is an error; LOGIN_SECURITY_VIOLATION means bad credentials. See docs/PROVIDERS.md for how
ERROR (the only other documented code for this method) is read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from desktop_app.core.errors import AuthError, ProtocolError, QuotaExhausted, TransientError
from desktop_app.core.ids import IdSpec
from desktop_app.core.model import JobState, Status
from desktop_app.core.schedule import PollPolicy
from desktop_app.core.text import storable
from desktop_app.providers.base import HttpProvider, HttpResponse, raise_for_common_errors, server_text, short_text
from desktop_app.providers.xml import child, descendants, parse_xml, text

CHECK_PATH = "/V2/Ripper.asmx/GetProcessingStatus"
DISPLAY = "iPaper"
_GUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"

STATES: dict[str, JobState] = {
    "pending": JobState.RUNNING,
    "completed": JobState.SUCCEEDED,
    "enrichmentprocessingfailed": JobState.PARTIAL,
    "failed": JobState.FAILED,
}

PARTIAL_MESSAGE = "The flipbook was created, but importing its links and/or running the Enrichment Automation failed"
FAILED_MESSAGE = "The Ripper failed to process the PDF"

# Return codes (of the documented 19) that say something about the account rather than the job.
_AUTH_CODES = frozenset({"LOGIN_SECURITY_VIOLATION", "CLIENT_UNKNOWN"})
_QUOTA_CODES = frozenset({"LICENSE_DOES_NOT_ALLOW_PROCESSING"})
_TRANSIENT_CODES = frozenset({"READONLY"})  # maintenance mode
# Codes that can only mean "no such job" for a status query. ERROR is read the same way: see docs/PROVIDERS.md.
_NOT_FOUND_CODES = frozenset({"ERROR", "PAPER_DOES_NOT_EXIST"})


def credential_fields(username: str, key: str) -> dict[str, str]:
    """Every credential field-name variant seen in iPaper clients, all at once."""
    return {
        "Username": username,
        "Password": key,
        "username": username,
        "password": key,
        "plUsername": username,
        "plPassword": key,
    }


def raise_for_http_error(response: HttpResponse) -> None:
    """iPaper's HTTP codes are undocumented: application errors come as 200 with a code; the rest is ours to map."""
    if response.status == 200:
        return
    raise_for_common_errors(response)
    if response.status == 404:
        raise ProtocolError(f"{DISPLAY} has no Ripper service at this base URL (HTTP 404); check the base URL")
    if response.status in (401, 403):
        raise AuthError(f"{DISPLAY} refused the request (HTTP {response.status}); check the API key")
    raise ProtocolError(f"{DISPLAY} answered HTTP {response.status}")


def parse_status(job_id: str, body: bytes | str) -> Status:
    """One GetProcessingStatus answer as a Status; raises AuthError, QuotaExhausted, TransientError or
    ProtocolError when the answer is not a status."""
    root, result = parse_xml(body, DISPLAY)
    if root != "result":
        raise ProtocolError(f"{DISPLAY} answer is not a <result> envelope")
    code = text(child(result, "code"))
    if code is None:
        raise ProtocolError(f"{DISPLAY} answer has no return code")
    code = code.upper()
    message = text(child(result, "message"))
    detail = f": {short_text(message)}" if message else ""
    if code != "SUCCESS":
        if code in _AUTH_CODES:
            raise AuthError(f"{DISPLAY} rejected the user name or API key ({code})")
        if code in _QUOTA_CODES:
            raise QuotaExhausted(f"{DISPLAY} account cannot use the Ripper ({code}){detail}")
        if code in _TRANSIENT_CODES:
            raise TransientError(f"{DISPLAY} is in read-only maintenance ({code}); trying again later")
        if code in _NOT_FOUND_CODES:
            return Status(
                job_id=job_id,
                state=JobState.NOT_FOUND,
                provider_status=code,
                message=server_text(message) or f"{DISPLAY} knows no processing job with this GUID",
            )
        raise ProtocolError(f"{DISPLAY} answered {short_text(code, 60)}{detail}")
    said = [value for node in descendants(child(result, "data"), "ProcessStatus") if (value := text(node))]
    if not said:
        raise ProtocolError(f"{DISPLAY} answer has no ProcessStatus")
    raw = said[0]
    if len({value.casefold() for value in said}) > 1:
        # Two different statuses for one job in one answer (Completed and Failed): neither is believed (issue 20).
        shown = ", ".join(short_text(value, 40) for value in said[:3])
        raise ProtocolError(f"{DISPLAY} answer contradicts itself: ProcessStatus {shown}")
    state = STATES.get(raw.casefold())
    if state is None:
        raise ProtocolError(f'{DISPLAY} answered an unknown ProcessStatus "{short_text(raw, 40)}"')
    if state == JobState.PARTIAL:
        text_out: str | None = PARTIAL_MESSAGE
    elif state == JobState.FAILED:
        text_out = FAILED_MESSAGE
    else:
        text_out = None
    return Status(
        job_id=job_id,
        state=state,
        provider_status=storable(raw),
        progress=100.0 if state in (JobState.SUCCEEDED, JobState.PARTIAL) else None,
        message=text_out,
    )


class IPaperProvider(HttpProvider):
    name: ClassVar[str] = "ipaper"
    display_name: ClassVar[str] = DISPLAY
    # Job GUIDs: the text form is undocumented, so braces are allowed and stripped.
    id_spec: ClassVar[IdSpec] = IdSpec(
        valid=re.compile(rf"\{{?{_GUID}\}}?"),
        find=re.compile(rf"(?<![^\W_]|-){_GUID}(?![^\W_]|-)"),
        near=re.compile(r"(?<![^\W_]|-)[^\W_]{6,10}(?:-[^\W_]{2,14}){3,5}(?![^\W_]|-)"),
        url_params=("jobGuid", "jobguid", "guid"),
        documented="a GUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        strip="{}",
    )
    # Ripping a PDF takes minutes to hours; the docs ask for fewer than 50 requests a minute per account, hence
    # the longer minimum.
    poll_policy: ClassVar[PollPolicy] = PollPolicy(min_interval=2.5, max_interval=600.0)
    default_base_url: ClassVar[str] = "https://ipaper.api.ipapercms.dk"
    max_batch: ClassVar[int] = 1  # one jobGuid per call: no batch method exists
    default_rate_limit: ClassVar[str] = "45/min"  # the docs ask for fewer than 50 a minute; keep a margin
    default_username: ClassVar[str | None] = "APIKey"
    secret_name: ClassVar[str] = "API key"  # noqa: S105 - a label, not a secret

    def check(self, job_ids: Sequence[str]) -> list[Status]:
        return [self._check_one(job_id) for job_id in job_ids]

    def _check_one(self, job_id: str) -> Status:
        form = {"jobGuid": job_id}
        form.update(credential_fields(self.config.username or "APIKey", self.config.secret.reveal()))
        response = self.transport.request(
            "POST", CHECK_PATH, headers={"Accept": "text/xml, application/xml"}, form=form
        )
        raise_for_http_error(response)
        return parse_status(job_id, response.body)
