"""What the tray icon shows, read before the tray is built (issue 19: the icon first, the rest after it).

A few indexed reads instead of the tray's whole start (`JobStore.for_tray`, the counts, the model, the index): the
same facts `ui.tray.summarize` draws the icon from, taken with the same definitions, so the icon shown early is the
one the tray shows once built (tests/gui/test_early_tray.py holds the two equal).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from desktop_app.core.problems import parse_kind
from desktop_app.store.jobs import SQL_ALARMING, SQL_TERMINAL


@dataclass(frozen=True, slots=True)
class TrayGlance:
    """The icon's facts: open jobs' (account, progress) oldest first, whether a failure alarms, whether any job
    ended, and the accounts that cannot be checked."""

    open_jobs: tuple[tuple[str, float | None], ...]
    alarming: bool
    ended: bool
    problem_accounts: frozenset[str]


def read_tray_glance(conn: sqlite3.Connection) -> TrayGlance:
    """Read the icon's facts (as `JobStore.for_tray`'s open jobs, `core.alarms.is_alarming`, the counts of every
    job not archived and `AccountStore.problems`)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    open_jobs = tuple(
        (name, progress)
        for name, progress in cursor.execute(
            "SELECT a.name, j.progress FROM jobs j JOIN accounts a ON a.id = j.account_id"  # noqa: S608 - our states
            f" WHERE j.finished_at IS NULL AND j.archived = 0 AND j.state NOT IN ({SQL_TERMINAL})"
            " ORDER BY j.created_at, j.id"
        )
    )
    alarming = cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM jobs WHERE state IN ({SQL_ALARMING}) AND archived = 0"  # noqa: S608 - our states
        " AND acknowledged_at IS NULL)"
    ).fetchone()[0]
    ended = cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM jobs WHERE state IN ({SQL_TERMINAL}) AND archived = 0)"  # noqa: S608 - our states
    ).fetchone()[0]
    # As AccountStore.problems: a kind it cannot parse is no problem; the tray's icon shows only that there is one.
    problems = frozenset(
        name
        for name, kind in cursor.execute("SELECT name, problem_kind FROM accounts WHERE problem_kind IS NOT NULL")
        if parse_kind(kind) is not None
    )
    return TrayGlance(open_jobs, bool(alarming), bool(ended), problems)
