"""The change feed: what changed in the store, read from the last position a reader saw (issue 19).

Triggers (store/db.py, `_round_seven`) write one row into `changes` for every change a person could see: a job's
visible columns, a job removed, an account, a setting, an outbox row's state, a forwarding target. Pacing, rate
state and check counters write nothing, so a request never looks like news. A reader keeps its `position` (the
last `seq` it read) and asks for what came after; rows are pruned (the last `KEEP_ROWS` are kept), and a reader
whose position was pruned away is told so (`FeedBatch.gap`) and reads everything once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

KEEP_ROWS = 10_000  # what a reader may fall behind by before it must read everything again
MAX_BATCH = 5_000  # more changes than this at once: reading everything is cheaper than row by row


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    kind: str  # 'job', 'job_removed', 'account', 'settings', 'outbox', 'forward'
    row: int | None  # the row it names (a job's, an account's...); None for global settings


@dataclass(frozen=True)
class FeedBatch:
    """What came after a reader's position.

    `gap`: rows the reader never saw were pruned (or there were more than `MAX_BATCH`): read everything again.
    `position`: where the reader is after this batch.
    """

    changes: Sequence[Change] = ()
    position: int = 0
    gap: bool = False

    def rows(self, kind: str) -> set[int]:
        """The rows of one kind that changed (a job's row ids, say), each once."""
        return {c.row for c in self.changes if c.kind == kind and c.row is not None}

    def has(self, kind: str) -> bool:
        return any(c.kind == kind for c in self.changes)

    @property
    def kinds(self) -> set[str]:
        return {c.kind for c in self.changes}


class ChangeFeed:
    """Reads and prunes the `changes` table on one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def latest(self) -> int:
        """The position of the newest change (0 when there was none)."""
        row = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").fetchone()
        if row is not None:
            return int(row[0])
        return int(self._conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0])

    def read(self, position: int, limit: int = MAX_BATCH) -> FeedBatch:
        """The changes after `position`, oldest first (a gap when some were pruned or there are too many)."""
        first = self._conn.execute("SELECT min(seq) FROM changes").fetchone()[0]
        if first is not None and int(first) > position + 1 and position < self.latest():
            return FeedBatch((), self.latest(), gap=True)  # the rows right after our position are gone
        rows = self._conn.execute(
            "SELECT seq, kind, row FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", (position, limit + 1)
        ).fetchall()
        if len(rows) > limit:
            return FeedBatch((), self.latest(), gap=True)
        changes = [Change(int(r[0]), str(r[1]), None if r[2] is None else int(r[2])) for r in rows]
        return FeedBatch(changes, changes[-1].seq if changes else max(position, 0))

    def prune(self, keep: int = KEEP_ROWS, slack: int = 0) -> int:
        """Drop all but the newest `keep` rows; returns how many went. With `slack`, nothing is written unless more
        than `keep + slack` rows are there (a reader's periodic call then costs one indexed read)."""
        latest = self.latest()
        first = self._conn.execute("SELECT min(seq) FROM changes").fetchone()[0]
        if first is None or latest - int(first) + 1 <= keep + slack:
            return 0
        cursor = self._conn.execute("DELETE FROM changes WHERE seq <= ?", (latest - keep,))
        return cursor.rowcount

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM changes").fetchone()[0])
