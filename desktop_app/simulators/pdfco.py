"""A PDF.co simulator: `POST /v1/job/check` as the docs describe it (GET with ?jobid= also works, as in practice)."""

from __future__ import annotations

import json
import secrets
import string
import time
from collections.abc import Callable, Sequence
from typing import Any

from desktop_app.simulators.faults import FaultQueue, RequestRateLimit
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.simulators.script import JobBook, Step
from desktop_app.simulators.server import SimRequest, SimResponse

_ALPHABET = string.ascii_uppercase + string.digits
FORCE_VALUES = ("true", "false", "TRUE", "FALSE")  # the OpenAPI's enum for `force`
_DEFAULT_RESULT = b'{"pages": 3, "text": "simulated result"}'


def new_job_id() -> str:
    """A job ID in PDF.co's documented shape: 32 base-36 characters, `--`, two numbers."""
    core = "".join(secrets.choice(_ALPHABET) for _ in range(32))
    return f"{core}--{secrets.randbelow(900) + 100}-{secrets.randbelow(900) + 100}"


def working(checks: int | None = None, seconds: float | None = None) -> Step:
    return Step({"status": "working"}, checks=checks, seconds=seconds)


def success() -> Step:
    return Step({"status": "success", "message": "Success"})


def failed(message: str = "Input file is damaged or not a PDF") -> Step:
    return Step({"status": "failed", "message": message})


def aborted() -> Step:
    return Step({"status": "aborted", "message": "Job was aborted"})


def unknown(checks: int | None = None, seconds: float | None = None) -> Step:
    return Step({"status": "unknown"}, checks=checks, seconds=seconds)


class PdfCoSimulator:
    """Answers job/check for scripted jobs; accepts one API key."""

    path = "/v1/job/check"

    def __init__(
        self,
        api_key: str,
        clock: Callable[[], float] = time.monotonic,
        rate_limit_per_second: float | None = None,
    ) -> None:
        self.api_key = api_key
        self.jobs = JobBook(clock)
        self.faults = FaultQueue()
        self.base_url = ""  # set by whoever serves it, for result links
        self.rate_limit = RequestRateLimit(rate_limit_per_second, clock)
        self.remaining_credits = 60227
        # Where result files live, as on PDF.co (a presigned S3 link); None: this server's own /files/.
        self.results: ObjectStoreServer | None = None
        self._result_files: dict[str, tuple[str, bytes, dict[str, Any]]] = {}

    def add_job(
        self,
        steps: Sequence[Step],
        job_id: str | None = None,
        *,
        result: bytes | None = None,
        result_name: str = "result.json",
        **result_options: Any,
    ) -> str:
        """A scripted job; `result` (and its name, and `ObjectStoreServer.put` options) is served from `results`."""
        job_id = self.jobs.add(job_id or new_job_id(), steps)
        if result is not None:
            self._result_files[job_id] = (result_name, result, result_options)
        return job_id

    def result_key(self, job_id: str) -> str:
        name = self._result_files.get(job_id, ("result.json", b"", {}))[0]
        return f"{job_id.split('--', maxsplit=1)[0]}/{name}"

    def _result_url(self, job_id: str) -> str:
        if self.results is None:
            return f"{self.base_url}/files/{job_id}/result.json?X-Amz-Expires=3600"
        _name, body, options = self._result_files.get(job_id, ("result.json", _DEFAULT_RESULT, {}))
        key = self.result_key(job_id)
        if not self.results.has(key):
            self.results.put(key, body, **options)
        return self.results.url(key)

    def _error(self, status: int, message: str) -> SimResponse:
        return SimResponse.json_body({"error": True, "status": status, "message": message}, status)

    def _job_id(self, request: SimRequest) -> tuple[str | None, bool]:
        if request.method == "GET":
            values = request.query.get("jobid") or request.query.get("jobId") or []
            force = (request.query.get("force") or ["false"])[0].lower() == "true"
            return (values[0] if values else None), force
        content_type = request.header("content-type") or ""
        if "json" in content_type:
            # As strict as the vendor's OpenAPI (pdfdotco/pdfco-mcp openapi.json): an object with no properties but
            # the job ID and `force`, which is a string enum; anything else is "bad input parameters" (400).
            try:
                body = request.json()
            except (ValueError, UnicodeDecodeError):
                return None, False
            if not isinstance(body, dict) or set(body) - {"jobid", "jobId", "force"}:
                return None, False
            raw_force = body.get("force", "false")
            if raw_force not in FORCE_VALUES:
                return None, False
            job_id = body.get("jobid", body.get("jobId"))
            return (job_id if isinstance(job_id, str) else None), raw_force.lower() == "true"
        form = request.form()
        found = form.get("jobid") or form.get("jobId") or []
        return (found[0] if found else None), (form.get("force") or ["false"])[0].lower() == "true"

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path.startswith("/files/"):
            return SimResponse(200, b'{"pages": 3, "text": "simulated result"}', "application/json")
        if request.path != self.path:
            return self._error(404, "Not found")
        if request.method not in ("POST", "GET"):
            return self._error(405, "Method not allowed")
        fault = self.faults.pop()
        if fault is not None:
            return fault
        key = request.header("x-api-key")
        if not key:
            return self._error(401, "API key is required (x-api-key header)")
        if key != self.api_key:
            return self._error(401, "Unauthorized: invalid API key")
        if self.rate_limit.exceeded():
            return self._error(429, "Too many requests (limit by your current plan). Please try again later")
        job_id, force = self._job_id(request)
        if not job_id:
            return self._error(400, 'bad input parameters: jobid (a string) is required; force is "true" or "false"')
        payload: Any = self.jobs.observe(job_id)
        if payload is None:
            # Documented: without force an unknown ID reads as working forever.
            payload = {"status": "unknown"} if force else {"status": "working"}
        answer = dict(payload)
        answer["remainingCredits"] = self.remaining_credits
        if answer["status"] == "success":
            answer.setdefault("jobId", job_id)
            answer["url"] = self._result_url(job_id)
            answer["credits"] = 2
            answer["duration"] = 33
        return SimResponse(200, json.dumps(answer).encode(), "application/json")
