"""A CloudConvert simulator: `GET /v2/jobs/{id}` as CloudConvert's API v2 reference describes it.

https://cloudconvert.com/api/v2/jobs#jobs-show: the answer is `{"data": job}`; a job is waiting, processing,
finished or error and holds its tasks (import, convert, export/url), each with a status, a percent while it runs,
a message when it failed, and for a finished export/url task `result.files[]` with a temporary `url`. Requests need
`Authorization: Bearer API_KEY` exactly; errors are `{"code": ..., "message": ...}`: 401 UNAUTHENTICATED, 404
NOT_FOUND for a job the account does not have (our reading: the docs show the error shape, not this case's text),
429 with Retry-After when the account is over its limit. The job ID is read from the raw path (`segment_value`).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from desktop_app.simulators.faults import FaultQueue, RequestRateLimit
from desktop_app.simulators.script import JobBook, Step
from desktop_app.simulators.server import SimRequest, SimResponse, segment_value

JOBS_PREFIX = "/v2/jobs/"
FILES_PREFIX = "/files/"
RESULT = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def new_job_id() -> str:
    return str(uuid.uuid4())


def _task(name: str, operation: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "operation": operation, "status": status, "message": None, "result": None, **extra}


def waiting(checks: int | None = None, seconds: float | None = None) -> Step:
    tasks = [_task("import-my-file", "import/url", "waiting"), _task("convert-my-file", "convert", "waiting")]
    return Step({"status": "waiting", "tasks": tasks}, checks=checks, seconds=seconds)


def processing(percent: int = 40, checks: int | None = None, seconds: float | None = None) -> Step:
    tasks = [
        _task("import-my-file", "import/url", "finished", percent=100),
        _task("convert-my-file", "convert", "processing", percent=percent),
        _task("export-my-file", "export/url", "waiting"),
    ]
    return Step({"status": "processing", "tasks": tasks}, checks=checks, seconds=seconds)


def finished(filename: str = "output.pdf") -> Step:
    tasks = [
        _task("import-my-file", "import/url", "finished", percent=100),
        _task("convert-my-file", "convert", "finished", percent=100),
        _task("export-my-file", "export/url", "finished", percent=100, result={"files": [{"filename": filename}]}),
    ]
    return Step({"status": "finished", "tasks": tasks})


def error(message: str = "Conversion failed: the input file is damaged") -> Step:
    tasks = [
        _task("import-my-file", "import/url", "finished", percent=100),
        _task("convert-my-file", "convert", "error", code="CONVERSION_FAILED", message=message),
    ]
    return Step({"status": "error", "tasks": tasks})


class CloudConvertSimulator:
    """Answers `GET /v2/jobs/{id}` for scripted jobs; accepts one API key."""

    def __init__(
        self, api_key: str, clock: Callable[[], float] = time.monotonic, rate_limit_per_second: float | None = None
    ) -> None:
        self.api_key = api_key
        self.jobs = JobBook(clock)
        self.faults = FaultQueue()
        self.base_url = ""  # set by whoever serves it, for result links
        self.rate_limit = RequestRateLimit(rate_limit_per_second, clock)

    def add_job(self, steps: Sequence[Step], job_id: str | None = None) -> str:
        return self.jobs.add(job_id or new_job_id(), steps)

    def _error(self, status: int, code: str, message: str, **headers: str) -> SimResponse:
        return SimResponse.json_body({"code": code, "message": message}, status, headers)

    def _job(self, job_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        tasks = []
        for scripted in payload["tasks"]:
            task = dict(scripted, id=str(uuid.uuid5(uuid.NAMESPACE_URL, job_id + scripted["name"])))
            if task["operation"] == "export/url" and task["result"]:
                files = [
                    dict(f, url=f"{self.base_url}{FILES_PREFIX}{task['id']}/{f['filename']}")
                    for f in task["result"]["files"]
                ]
                task["result"] = {"files": files}
            tasks.append(task)
        ended = payload["status"] in ("finished", "error")
        return {
            "id": job_id,
            "tag": "jobtray-simulator",
            "status": payload["status"],
            "created_at": "2026-12-01T10:00:00+00:00",
            "started_at": None if payload["status"] == "waiting" else "2026-12-01T10:00:01+00:00",
            "ended_at": "2026-12-01T10:00:09+00:00" if ended else None,
            "tasks": tasks,
        }

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path.startswith(FILES_PREFIX) and request.method in ("GET", "HEAD"):
            return SimResponse(200, RESULT, "application/pdf")  # temporary URLs need no key, as documented
        fault = self.faults.pop()
        if fault is not None:
            return fault
        if request.header("authorization") != f"Bearer {self.api_key}":
            return self._error(401, "UNAUTHENTICATED", "Unauthenticated.")
        if not request.path.startswith(JOBS_PREFIX) or request.method != "GET":
            return self._error(404, "NOT_FOUND", "The requested endpoint does not exist.")
        if self.rate_limit.exceeded():
            return self._error(429, "RATE_LIMIT_EXCEEDED", "Too Many Attempts.", **{"Retry-After": "1"})
        job_id = segment_value(request.path[len(JOBS_PREFIX) :])
        payload = self.jobs.observe(job_id)
        if payload is None:
            return self._error(404, "NOT_FOUND", "Job not found.")
        return SimResponse(200, json.dumps({"data": self._job(job_id, payload)}).encode(), "application/json")
