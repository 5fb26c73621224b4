"""`list --json`'s ETA fields: `eta_low` and `eta_high` (ISO 8601 UTC) for open jobs with a basis, else null."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from desktop_app.cli.output import job_json
from desktop_app.core.model import Job
from desktop_app.engine.etas import job_etas
from desktop_app.store.clock import to_text
from desktop_app.store.database import Store


def with_etas(store: Store, jobs: Sequence[Job], now: Callable[[], datetime] | None = None) -> list[dict[str, Any]]:
    """The jobs as `job_json` rows with `eta_low`/`eta_high`, learned from every ended job in the store."""
    moment = now() if now is not None else datetime.now(UTC)
    # Archived jobs are history too: the learned durations read all of them.
    etas = job_etas(store.jobs.all(include_archived=True), moment)
    rows = []
    for job in jobs:
        row = job_json(job)
        low_high = etas.get(job.id)
        row["eta_low"] = None if low_high is None else to_text(low_high[0])
        row["eta_high"] = None if low_high is None else to_text(low_high[1])
        rows.append(row)
    return rows
