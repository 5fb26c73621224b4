"""A running job's likely end as people read it: "likely in 4-6 min" (translated, context "Eta")."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from PySide6.QtCore import QCoreApplication

from desktop_app.core.model import Job
from desktop_app.ui.texts import fill

# {job row id: (likely earliest end, likely latest end)}, as `engine.etas.job_etas` gives them.
Etas = Mapping[int, tuple[datetime, datetime]]


def eta_text(low: datetime, high: datetime, now: datetime) -> str:
    """`likely in 20-40 s`, `likely in 4-6 min`, `likely in 1-3 h`; `likely within 2 min` when it may be now."""
    first = max(0.0, (low - now).total_seconds())
    last = max(0.0, (high - now).total_seconds())
    if last < 90:
        unit, scale = QCoreApplication.translate("Eta", "s"), 1.0
    elif last < 90 * 60:
        unit, scale = QCoreApplication.translate("Eta", "min"), 60.0
    else:
        unit, scale = QCoreApplication.translate("Eta", "h"), 3600.0
    a = math.floor(first / scale)
    b = max(1, math.ceil(last / scale))
    if last < 1:
        return QCoreApplication.translate("Eta", "likely any moment")
    if a == 0:
        return fill(QCoreApplication.translate("Eta", "likely within %1 %2"), b, unit)
    if a >= b:
        return fill(QCoreApplication.translate("Eta", "likely in about %1 %2"), b, unit)
    return fill(QCoreApplication.translate("Eta", "likely in %1-%2 %3"), a, b, unit)


def job_eta_text(job: Job, etas: Etas, now: datetime) -> str | None:
    """The text for an open job with an ETA, else None (ended, or no basis: nothing is shown)."""
    if job.state.is_terminal:
        return None
    found = etas.get(job.id)
    if found is None:
        return None
    return eta_text(found[0], found[1], now)
