"""`list --json`'s ETA fields: `eta_low` and `eta_high` (ISO 8601 UTC) for open jobs with a basis, else null."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from desktop_app.cli.output import job_json
from desktop_app.core.model import Job
from desktop_app.engine.etas import etas_for, learned_history
from desktop_app.store.clock import to_text
from desktop_app.store.database import Store


def with_etas(store: Store, jobs: Sequence[Job], now: Callable[[], datetime] | None = None) -> list[dict[str, Any]]:
    """The jobs as `job_json` rows with `eta_low`/`eta_high`, learned from their accounts' ended jobs in the store."""
    moment = now() if now is not None else datetime.now(UTC)
    # Only the accounts of open jobs are learned, each with one bounded query (archived jobs are history too).
    accounts = {job.account for job in jobs if not job.state.is_terminal}
    etas = etas_for(jobs, {name: learned_history(store, name) for name in accounts}, moment)
    rows = []
    for job in jobs:
        row = job_json(job)
        low_high = etas.get(job.id)
        row["eta_low"] = None if low_high is None else to_text(low_high[0])
        row["eta_high"] = None if low_high is None else to_text(low_high[1])
        rows.append(row)
    return rows
