"""What the CLI prints: one stream pair, and jobs and changes as lines or JSON.

Text that came from a server (messages, statuses, URLs) or that a user typed is shown through
`core.text.displayable`: no escape sequence, control or bidi character ever reaches the terminal raw. `--json`
stays exact (json.dumps escapes every control character).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from desktop_app.core.model import HistoryEntry, Job, StatusChange
from desktop_app.core.problems import AccountProblem, waiting_state
from desktop_app.core.text import displayable
from desktop_app.store.clock import to_text

# Exit codes: 0 fine; 1 `watch --exit-status` saw a job end badly; 2 an expected error; 3 `watch --timeout`.
EXIT_OK, EXIT_JOB_FAILED, EXIT_ERROR, EXIT_TIMEOUT = 0, 1, 2, 3


class Output:
    """Where a command writes; tests pass their own streams."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err

    def line(self, text: str = "") -> None:
        # Flushed: `jobtray watch | tee log` should show each change as it happens.
        print(text, file=self.out, flush=True)

    def warn(self, text: str) -> None:
        print(f"jobtray: {displayable(text)}", file=self.err, flush=True)

    def json(self, value: Any) -> None:
        self.line(json.dumps(value, indent=2))


def shown(text: str | None) -> str:
    """A field for a tab-separated line: safe to print, empty when None."""
    return "" if text is None else displayable(text)


def job_json(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "account": job.account,
        "provider": job.provider,
        "label": job.label,
        "state": job.state.value,
        "provider_status": job.provider_status,
        "progress": job.progress,
        "message": job.message,
        "result_url": job.result_url,
        "result_file": job.result_file,
        "download_error": job.download_error,
        "created_at": to_text(job.created_at),
        "updated_at": to_text(job.updated_at),
        "finished_at": None if job.finished_at is None else to_text(job.finished_at),
        "archived": job.archived,
        "discovered": job.discovered,
        "last_error": job.last_error,
        "acknowledged_at": None if job.acknowledged_at is None else to_text(job.acknowledged_at),
    }


def job_line(job: Job, problem: AccountProblem | None = None) -> str:
    """One tab-separated line; an open job of an account with a problem reads `queued · waiting: key not set`."""
    progress = f"{job.progress:.0f}%" if job.progress is not None else "-"
    detail = job.result_url or job.message or job.last_error or ""
    state = job.state.value if job.state.is_terminal else waiting_state(job.state.value, problem)
    fields = [job.job_id, job.account, state, progress, job.label or "", detail]
    return "\t".join(shown(f) for f in fields).rstrip()


def history_json(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "at": to_text(entry.at),
        "state": entry.state.value,
        "provider_status": entry.provider_status,
        "progress": entry.progress,
        "message": entry.message,
    }


def history_line(entry: HistoryEntry) -> str:
    fields = [to_text(entry.at), entry.state.value, entry.provider_status or "", entry.message or ""]
    return "\t".join(shown(f) for f in fields).rstrip()


def format_change(change: StatusChange) -> str:
    job = change.job
    detail = job.result_url if job.result_url else (job.message or "")
    progress = f" {job.progress:.0f}%" if job.progress is not None and not job.state.is_terminal else ""
    line = f"{shown(job.account)}\t{shown(job.job_id)}\t{change.old_state} -> {change.new_state}{progress}"
    return f"{line}\t{shown(detail)}" if detail else line
