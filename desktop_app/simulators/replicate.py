"""A Replicate simulator: `GET /v1/predictions/{prediction_id}` as Replicate's HTTP API reference describes it.

https://replicate.com/docs/reference/http#predictions.get: the answer is the prediction (id, model, version,
input, logs, output, error, status, created_at, started_at, completed_at, metrics, urls); status is starting,
processing, succeeded, failed or canceled; files in `output` are HTTPS URLs (here: this server's own /files/).
Requests need `Authorization: Bearer TOKEN` exactly (the reference's current form; older pages show `Token`).
Errors are problem details (`{"title": ..., "detail": ..., "status": N}`): 401 "Invalid token.", 404 "Not found."
for an unknown prediction, 429 with Retry-After. The ID is read from the raw path (`segment_value`).
"""

from __future__ import annotations

import json
import secrets
import string
import time
from collections.abc import Callable, Sequence
from typing import Any

from desktop_app.simulators.faults import FaultQueue, RequestRateLimit
from desktop_app.simulators.script import JobBook, Step
from desktop_app.simulators.server import SimRequest, SimResponse, segment_value

PREDICTIONS_PREFIX = "/v1/predictions/"
FILES_PREFIX = "/files/"
_ALPHABET = string.ascii_lowercase + string.digits
RESULT = b"\x89PNG\r\n\x1a\n simulated image"


def new_prediction_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(26))


def starting(checks: int | None = None, seconds: float | None = None) -> Step:
    return Step({"status": "starting"}, checks=checks, seconds=seconds)


def processing(checks: int | None = None, seconds: float | None = None) -> Step:
    return Step({"status": "processing", "logs": "Using seed: 41298\n"}, checks=checks, seconds=seconds)


def succeeded(files: int = 1, text: str | None = None) -> Step:
    """Done: `files` output files (one: a URL; more: a list of URLs), or `text` output (no link)."""
    return Step({"status": "succeeded", "files": files, "text": text})


def failed(message: str = "CUDA out of memory") -> Step:
    return Step({"status": "failed", "error": message})


def canceled() -> Step:
    return Step({"status": "canceled"})


class ReplicateSimulator:
    """Answers `GET /v1/predictions/{id}` for scripted predictions; accepts one API token."""

    def __init__(
        self, api_token: str, clock: Callable[[], float] = time.monotonic, rate_limit_per_second: float | None = None
    ) -> None:
        self.api_token = api_token
        self.jobs = JobBook(clock)
        self.faults = FaultQueue()
        self.base_url = ""
        self.rate_limit = RequestRateLimit(rate_limit_per_second, clock)

    def add_job(self, steps: Sequence[Step], job_id: str | None = None) -> str:
        return self.jobs.add(job_id or new_prediction_id(), steps)

    def _problem(self, status: int, title: str, detail: str, **headers: str) -> SimResponse:
        body = {"title": title, "detail": detail, "status": status}
        return SimResponse(status, json.dumps(body).encode(), "application/problem+json", dict(headers))

    def _prediction(self, prediction_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        status = payload["status"]
        output: Any = None
        if status == "succeeded":
            if payload.get("text") is not None:
                output = payload["text"]
            else:
                urls = [f"{self.base_url}{FILES_PREFIX}{prediction_id}/out-{n}.png" for n in range(payload["files"])]
                output = urls[0] if len(urls) == 1 else urls
        done = status in ("succeeded", "failed", "canceled")
        api = f"{self.base_url}{PREDICTIONS_PREFIX}{prediction_id}"
        return {
            "id": prediction_id,
            "model": "replicate/hello-world",
            "version": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
            "input": {"text": "Alice"},
            "logs": payload.get("logs", ""),
            "output": output,
            "data_removed": False,
            "error": payload.get("error"),
            "status": status,
            "created_at": "2026-12-01T10:00:00.000000Z",
            "started_at": None if status == "starting" else "2026-12-01T10:00:01.000000Z",
            "completed_at": "2026-12-01T10:00:04.000000Z" if done else None,
            "metrics": {"predict_time": 3.27} if done else {},
            "urls": {"get": api, "cancel": f"{api}/cancel"},
        }

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path.startswith(FILES_PREFIX) and request.method in ("GET", "HEAD"):
            return SimResponse(200, RESULT, "image/png")
        fault = self.faults.pop()
        if fault is not None:
            return fault
        if request.header("authorization") != f"Bearer {self.api_token}":
            return self._problem(401, "Unauthenticated", "Invalid token.")
        if not request.path.startswith(PREDICTIONS_PREFIX) or request.method != "GET":
            return self._problem(404, "Not found", "Not found.")
        if self.rate_limit.exceeded():
            return self._problem(429, "Request was throttled.", "Request was throttled.", **{"Retry-After": "1"})
        prediction_id = segment_value(request.path[len(PREDICTIONS_PREFIX) :])
        payload = self.jobs.observe(prediction_id)
        if payload is None:
            return self._problem(404, "Not found", "Not found.")
        return SimResponse.json_body(self._prediction(prediction_id, payload))
