"""A GitHub Actions simulator: `GET /repos/{owner}/{repo}/actions/runs/{run_id}` as GitHub's REST reference says.

https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run: the answer is the workflow run (id,
name, display_title, run_number, event, status, conclusion, html_url, created_at, updated_at, ...); status is
requested, queued, pending, waiting, in_progress or completed, and a completed run has a conclusion (success,
failure, cancelled, timed_out, ...). Requests need `Authorization: Bearer TOKEN` exactly and the documented
`Accept: application/vnd.github+json`; a wrong token is 401 `{"message": "Bad credentials"}`; a repository or
run the token cannot see is 404 `{"message": "Not Found"}` (GitHub does not tell the two apart); 429 with
Retry-After when limited. Owner and repository names compare without case, as on GitHub.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from desktop_app.simulators.faults import FaultQueue, RequestRateLimit
from desktop_app.simulators.script import JobBook, Step
from desktop_app.simulators.server import SimRequest, SimResponse, segment_value

DOCS = "https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run"
_RUN_PATH = re.compile(r"/repos/([^/]+)/([^/]+)/actions/runs/([^/]+)")


def new_run_id() -> str:
    return str(10_000_000_000 + secrets.randbelow(9_000_000_000))


def queued(checks: int | None = None, seconds: float | None = None) -> Step:
    return Step({"status": "queued", "conclusion": None}, checks=checks, seconds=seconds)


def in_progress(checks: int | None = None, seconds: float | None = None) -> Step:
    return Step({"status": "in_progress", "conclusion": None}, checks=checks, seconds=seconds)


def completed(conclusion: str = "success") -> Step:
    return Step({"status": "completed", "conclusion": conclusion})


class GitHubActionsSimulator:
    """Answers the run endpoint for scripted runs of one repository; accepts one token."""

    def __init__(
        self,
        token: str,
        owner: str = "octo-org",
        repo: str = "hello-world",
        clock: Callable[[], float] = time.monotonic,
        rate_limit_per_second: float | None = None,
    ) -> None:
        self.token = token
        self.owner = owner
        self.repo = repo
        self.jobs = JobBook(clock)
        self.faults = FaultQueue()
        self.base_url = ""
        self.rate_limit = RequestRateLimit(rate_limit_per_second, clock)

    def add_job(self, steps: Sequence[Step], job_id: str | None = None) -> str:
        return self.jobs.add(job_id or new_run_id(), steps)

    def _message(self, status: int, message: str, **headers: str) -> SimResponse:
        return SimResponse.json_body(
            {"message": message, "documentation_url": DOCS, "status": str(status)}, status, headers
        )

    def _run(self, run_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        web = f"https://github.com/{self.owner}/{self.repo}/actions/runs/{run_id}"
        return {
            "id": int(run_id),
            "name": "CI",
            "display_title": "Update README.md",
            "run_number": 562,
            "event": "push",
            "status": payload["status"],
            "conclusion": payload["conclusion"],
            "workflow_id": 159038,
            "url": f"{self.base_url}/repos/{self.owner}/{self.repo}/actions/runs/{run_id}",
            "html_url": web,
            "created_at": "2026-12-01T10:00:00Z",
            "updated_at": "2026-12-01T10:02:00Z",
        }

    def handle(self, request: SimRequest) -> SimResponse:
        fault = self.faults.pop()
        if fault is not None:
            return fault
        if request.header("authorization") != f"Bearer {self.token}":
            return self._message(401, "Bad credentials")
        found = _RUN_PATH.fullmatch(request.path)
        if found is None or request.method != "GET":
            return self._message(404, "Not Found")
        if (request.header("accept") or "") != "application/vnd.github+json":
            return self._message(415, "Unsupported 'Accept' header")
        if self.rate_limit.exceeded():
            return self._message(429, "API rate limit exceeded", **{"Retry-After": "1"})
        owner, repo, run_id = (segment_value(part) for part in found.groups())
        if owner.casefold() != self.owner.casefold() or repo.casefold() != self.repo.casefold():
            return self._message(404, "Not Found")
        payload = self.jobs.observe(run_id)
        if payload is None:
            return self._message(404, "Not Found")
        return SimResponse(200, json.dumps(self._run(run_id, payload)).encode(), "application/json; charset=utf-8")
