"""An iPaper Ripper simulator: `POST /V2/Ripper.asmx/GetProcessingStatus`, form-encoded, XML answers.

It answers like the current docs sample: CDATA values padded with spaces and newlines. Credentials are accepted
under any of the field-name variants clients use (`Username`/`Password`, `username`/`password`,
`plUsername`/`plPassword`), in the body or, as the docs allow but discourage, the query string of a GET.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence

from desktop_app.simulators.faults import FaultQueue
from desktop_app.simulators.script import JobBook, Step
from desktop_app.simulators.server import SimRequest, SimResponse

PATH = "/v2/ripper.asmx/getprocessingstatus"  # IIS/ASMX routes are case-insensitive
CREDENTIAL_PAIRS = (("Username", "Password"), ("username", "password"), ("plUsername", "plPassword"))
UNKNOWN_JOB_MESSAGE = "No processing job exists with the given jobGuid."


def new_job_id() -> str:
    return str(uuid.uuid4())


def pending(checks: int | None = None, seconds: float | None = None) -> Step:
    return Step("Pending", checks=checks, seconds=seconds)


def completed() -> Step:
    return Step("Completed")


def enrichment_failed() -> Step:
    return Step("EnrichmentProcessingFailed")


def failed() -> Step:
    return Step("Failed")


def envelope(code: str, message: str, process_status: str | None = None) -> str:
    """The documented `<result>` envelope, padded the way the current docs sample is."""
    data = ""
    if process_status is not None:
        data = f"  <data>\n    <ProcessStatus>\n      <![CDATA[ {process_status} ]]>\n    </ProcessStatus>\n  </data>\n"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<result>\n'
        f"  <code>\n    <![CDATA[ {code} ]]>\n  </code>\n"
        f"  <message>\n    <![CDATA[ {message} ]]>\n  </message>\n"
        f"{data}</result>\n"
    )


def _first(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    return values[0] if values else None


def _normalise_guid(text: str) -> str:
    return text.strip().strip("{}").lower()


class IPaperSimulator:
    """Answers GetProcessingStatus for scripted jobs; accepts one user name and API key."""

    def __init__(self, api_key: str, username: str = "APIKey", clock: Callable[[], float] = time.monotonic) -> None:
        self.api_key = api_key
        self.username = username
        self.jobs = JobBook(clock)
        self.faults = FaultQueue()
        self.base_url = ""
        self._lock = threading.Lock()
        self.status_requests = 0

    def add_job(self, steps: Sequence[Step], job_id: str | None = None) -> str:
        return self.jobs.add(_normalise_guid(job_id or new_job_id()), steps)

    def _fields(self, request: SimRequest) -> dict[str, list[str]]:
        fields = dict(request.query) if request.method == "GET" else {}
        if request.method == "POST":
            fields.update(request.form())
        return fields

    def _authorised(self, fields: dict[str, list[str]]) -> bool:
        for user_field, password_field in CREDENTIAL_PAIRS:
            user = _first(fields, user_field)
            password = _first(fields, password_field)
            if user == self.username and password == self.api_key:
                return True
        return False

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path.lower() != PATH:
            return SimResponse(404, b"<html><body>404 - File or directory not found.</body></html>", "text/html")
        if request.method not in ("POST", "GET"):
            return SimResponse(405, b"Method not allowed", "text/plain")
        with self._lock:
            self.status_requests += 1
        fault = self.faults.pop()
        if fault is not None:
            return fault
        fields = self._fields(request)
        if not self._authorised(fields):
            return SimResponse.xml_body(envelope("LOGIN_SECURITY_VIOLATION", "Invalid login credentials."))
        guid = _first(fields, "jobGuid")
        if guid is None:
            # What ASMX does for a missing parameter.
            return SimResponse(500, b"Missing parameter: jobGuid.", "text/plain; charset=utf-8")
        status = self.jobs.observe(_normalise_guid(guid))
        if status is None:
            return SimResponse.xml_body(envelope("ERROR", UNKNOWN_JOB_MESSAGE))
        return SimResponse.xml_body(envelope("SUCCESS", "Status retrieved successfully.", str(status)))
