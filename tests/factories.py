"""Model objects as the store would hand them out, for tests that need a Job or a StatusChange without a store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop_app.core.model import Job, JobState, StatusChange
from desktop_app.core.transitions import events_for

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def make_job(row_id: int, state: JobState = JobState.RUNNING, **changes: object) -> Job:
    """A Job snapshot; any field can be overridden by keyword."""
    values: dict[str, object] = {
        "id": row_id,
        "account": "acme",
        "provider": "pdfco",
        "job_id": f"{row_id:032d}",
        "label": None,
        "state": state,
        "provider_status": str(state),
        "progress": None,
        "message": None,
        "result_url": None,
        "created_at": T0,
        "updated_at": T0 + timedelta(seconds=row_id),
        "finished_at": T0 + timedelta(seconds=row_id) if state.is_terminal else None,
    }
    values.update(changes)
    return Job(**values)  # type: ignore[arg-type]


def job_change(row_id: int, new: JobState, *, old: JobState = JobState.RUNNING, **changes: object) -> StatusChange:
    """A job whose state moved from `old` to `new` (job ID `job-<row_id>` unless overridden)."""
    changes.setdefault("job_id", f"job-{row_id}")
    # The events as the store computes them when it records a change (core.transitions).
    events = tuple(events_for(old, new))
    return StatusChange(job=make_job(row_id, new, **changes), old_state=old, new_state=new, events=events)
