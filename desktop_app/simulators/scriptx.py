"""A ScriptX.Services simulator: `GET /api/v1/printPdf/status/{token}` and `/download/{token}`.

Error bodies are what MeadCo's own mock server sends: JSON strings ("Unauthorized - unknown license", "Job not
found", "API endpoint not found"). The token is read from the raw path (`segment_value`): an escape of a character
that needed none, such as `%3A` for `:`, is not decoded, so an over-encoding client finds no job.

A completed job was either printed to a file, which `/download/{token}` serves (a small PDF; a GET moves the job
to 100 Collected, as the docs describe; a HEAD only confirms it), or printed to a device, which leaves nothing to
download (404 "Job not found"), as on the real service.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
import uuid
from collections.abc import Callable, Sequence

from desktop_app.simulators.faults import FaultQueue
from desktop_app.simulators.script import JobBook, Step
from desktop_app.simulators.server import SimRequest, SimResponse, segment_value

STATUS_PREFIX = "/api/v1/printpdf/status/"
DOWNLOAD_PREFIX = "/api/v1/printpdf/download/"

# A minimal one-page PDF, so a result link opens something real.
FAKE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def new_job_id() -> str:
    """The documented token shape: a dashless lower-case GUID."""
    return uuid.uuid4().hex


def status(code: int, message: str = "", checks: int | None = None, seconds: float | None = None) -> Step:
    return Step({"status": code, "message": message}, checks=checks, seconds=seconds)


def not_started(checks: int | None = None, seconds: float | None = None) -> Step:
    return status(0, checks=checks, seconds=seconds)


def queued(checks: int | None = None, seconds: float | None = None) -> Step:
    return status(1, checks=checks, seconds=seconds)


def printing_pdf(checks: int | None = None, seconds: float | None = None) -> Step:
    return status(8, checks=checks, seconds=seconds)


def completed() -> Step:
    return status(6, "Completed")


def item_error(message: str = "The document could not be downloaded: 404 Not Found") -> Step:
    return status(-1, message)


def code_exception(message: str = "Object reference not set to an instance of an object.") -> Step:
    return status(101, message)


def abandoned(message: str = "Abandoned") -> Step:
    return status(-2, message)


class ScriptXSimulator:
    """Answers printPdf status for scripted jobs; accepts one licence GUID.

    Args:
        licence: the licence GUID the Basic auth user name must equal.
        success_http_status: 200, or 202 as MeadCo's mock server answers status requests.
    """

    def __init__(
        self, licence: str, success_http_status: int = 200, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.licence = licence
        self.success_http_status = success_http_status
        self.jobs = JobBook(clock)
        self.faults = FaultQueue()
        self.base_url = ""
        self._lock = threading.Lock()
        self._collected: set[str] = set()
        self._to_device: set[str] = set()
        self.status_requests = 0
        self.download_checks = 0  # HEAD requests to /download/

    def add_job(self, steps: Sequence[Step], job_id: str | None = None, *, to_device: bool = False) -> str:
        """A scripted job; `to_device`: it prints to a printer, so once completed there is nothing to download."""
        token = self.jobs.add(job_id or new_job_id(), steps)
        if to_device:
            with self._lock:
                self._to_device.add(token)
        return token

    def _licence_of(self, request: SimRequest) -> str | None:
        header = request.header("authorization") or ""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[0]

    def handle(self, request: SimRequest) -> SimResponse:
        lower = request.path.lower()
        if lower.startswith(DOWNLOAD_PREFIX) and request.method in ("GET", "HEAD"):
            raw = request.path[len(DOWNLOAD_PREFIX) :]
            if "/" in raw:
                return SimResponse.json_body("API endpoint not found", 404)
            return self._download(request, segment_value(raw))
        if not lower.startswith(STATUS_PREFIX) or request.method != "GET" or "/" in request.path[len(STATUS_PREFIX) :]:
            return SimResponse.json_body("API endpoint not found", 404)
        with self._lock:
            self.status_requests += 1
        fault = self.faults.pop()
        if fault is not None:
            return fault
        if not request.header("authorization"):
            return SimResponse.json_body("Unauthorized", 401)
        if self._licence_of(request) != self.licence:
            return SimResponse.json_body("Unauthorized - unknown license", 401)
        token = segment_value(request.path[len(STATUS_PREFIX) :])
        payload = self.jobs.observe(token)
        if payload is None:
            return SimResponse.json_body("Job not found", 404)
        answer = dict(payload)
        with self._lock:
            if answer["status"] == 6 and token in self._collected:
                answer = {"status": 100, "message": "Collected"}
        answer["jobIdentifier"] = token
        return SimResponse.json_body(answer, self.success_http_status)

    def _download(self, request: SimRequest, token: str) -> SimResponse:
        # A browser opening a result link sends no licence header, so a download without one is served (whether
        # the real server wants it is undocumented); a wrong licence is refused.
        if request.header("authorization") and self._licence_of(request) != self.licence:
            return SimResponse.json_body("Unauthorized - unknown license", 401)
        with self._lock:
            if request.method == "HEAD":
                self.download_checks += 1
            to_device = token in self._to_device
        payload = self.jobs.peek(token)
        if payload is None or payload.get("status") not in (6, 102) or to_device:
            return SimResponse.json_body("Job not found", 404)
        if request.method == "GET":  # a HEAD only asks whether the file is there
            with self._lock:
                self._collected.add(token)
        return SimResponse(200, FAKE_PDF, "application/pdf", {"Content-Disposition": 'inline; filename="output.pdf"'})
