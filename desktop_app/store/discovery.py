"""Account discovery in the store: which accounts look for jobs by themselves (since when, their last look), every
job ID discovery has decided about (so a removed discovered job never comes back), and the `discovered` mark."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from desktop_app.core.errors import ConfigError
from desktop_app.store.db import write_transaction


@dataclass(frozen=True, slots=True)
class DiscoveryState:
    """Wall-clock epoch seconds: discovery was switched on at `since`; its last complete look began at `last_look`;
    the first complete look (the baseline) began at `baseline_at` (None until one succeeded)."""

    since: float
    last_look: float | None = None
    baseline_at: float | None = None


# Kept among the IDs discovery decided about (never a media ID: those are digits) while the switch-on's baseline
# look failed and none has succeeded since: the next look that succeeds is then a late baseline, counting by
# creation time from the switch-on, however soon it comes. The schema has no column for it (issue 20).
SWITCH_ON_LOOK_FAILED = "(switch-on look failed)"


class DiscoveryStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _account_id(self, name: str) -> int:
        row = self._conn.execute("SELECT id FROM accounts WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise ConfigError(f"no account named {name!r} (see `jobtray account list`)")
        return int(row[0])

    def enable(self, name: str, since: float) -> bool:
        """Discovery on for `name` from `since` on; False (nothing changed) if it was on already."""
        cursor = self._conn.execute(
            "INSERT INTO account_discovery (account_id, since) VALUES (?, ?) ON CONFLICT (account_id) DO NOTHING",
            (self._account_id(name), since),
        )
        if cursor.rowcount == 1:
            self._forget_switch_on_failure(name)  # a new switch-on: an earlier one's failed look says nothing now
        return cursor.rowcount == 1

    def disable(self, name: str) -> None:
        """Discovery off; the IDs it decided about are kept (switched on again, it still never re-adds them)."""
        self._conn.execute("DELETE FROM account_discovery WHERE account_id = ?", (self._account_id(name),))

    def state(self, name: str) -> DiscoveryState | None:
        row = self._conn.execute(
            "SELECT d.since, d.last_look, d.baseline_at FROM account_discovery d JOIN accounts a "
            "ON a.id = d.account_id WHERE a.name = ?",
            (name,),
        ).fetchone()
        return None if row is None else _state(row)

    def enabled(self) -> dict[str, DiscoveryState]:
        rows = self._conn.execute(
            "SELECT a.name, d.since, d.last_look, d.baseline_at FROM account_discovery d JOIN accounts a "
            "ON a.id = d.account_id"
        )
        return {r[0]: _state(r[1:]) for r in rows}

    def seen(self, name: str) -> set[str]:
        rows = self._conn.execute(
            "SELECT s.job_id FROM discovery_seen s JOIN accounts a ON a.id = s.account_id WHERE a.name = ?", (name,)
        )
        return {r[0] for r in rows}

    def mark_seen(self, name: str, job_ids: list[str]) -> None:
        account_id = self._account_id(name)
        with write_transaction(self._conn):
            for job_id in job_ids:
                self._conn.execute(
                    "INSERT INTO discovery_seen (account_id, job_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    (account_id, job_id),
                )

    def set_last_look(self, name: str, at: float) -> None:
        """A complete look began at `at`; the first one is the baseline (`baseline_at`, set once)."""
        self._conn.execute(
            "UPDATE account_discovery SET last_look = ?, baseline_at = COALESCE(baseline_at, ?) WHERE account_id = ?",
            (at, at, self._account_id(name)),
        )
        self._forget_switch_on_failure(name)

    def note_switch_on_look_failed(self, name: str) -> None:
        self.mark_seen(name, [SWITCH_ON_LOOK_FAILED])

    def switch_on_look_failed(self, name: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM discovery_seen s JOIN accounts a ON a.id = s.account_id WHERE a.name = ? AND s.job_id = ?",
            (name, SWITCH_ON_LOOK_FAILED),
        ).fetchone()
        return row is not None

    def _forget_switch_on_failure(self, name: str) -> None:
        self._conn.execute(
            "DELETE FROM discovery_seen WHERE account_id = ? AND job_id = ?",
            (self._account_id(name), SWITCH_ON_LOOK_FAILED),
        )

    def set_baseline(self, name: str, at: float) -> None:
        """The switch-on's baseline look began at `at` (set once); the last look stays as it was."""
        self._conn.execute(
            "UPDATE account_discovery SET baseline_at = COALESCE(baseline_at, ?) WHERE account_id = ?",
            (at, self._account_id(name)),
        )
        self._forget_switch_on_failure(name)

    def mark_discovered(self, row_id: int) -> None:
        self._conn.execute("UPDATE jobs SET discovered = 1 WHERE id = ?", (row_id,))


def _state(row: tuple[object, ...] | sqlite3.Row) -> DiscoveryState:
    since, last_look, baseline_at = row[0], row[1], row[2]
    return DiscoveryState(
        float(since),  # type: ignore[arg-type]
        None if last_look is None else float(last_look),  # type: ignore[arg-type]
        None if baseline_at is None else float(baseline_at),  # type: ignore[arg-type]
    )
