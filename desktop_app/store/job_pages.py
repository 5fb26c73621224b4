"""Pages of the window's job table, read from SQLite in the order and with the filter the window shows (issue 19).

Keyset pagination on (sort value, row id): a page is "the next `limit` jobs after the last one read", never an
OFFSET, so a page costs the same at row 100 and at row 90,000, and rows that move meanwhile are neither read twice
nor skipped. Every row comes back with its sort value as SQLite computed it, and the window compares those values
(never its own idea of the order), so a job that changed can be placed among the rows read earlier.

The sort values, one SQL expression per column (`SORT_VALUES`):
- updated: `updated_at` (ISO text in UTC, ordered as time): the default, newest first, read through the index
  `jobs_updated (updated_at)` (schema 7), so the first page at 100,000 jobs is a few hundred index steps;
- job: the shown text "label (ID)" or the ID, lower-cased; account: its name, lower-cased; state: the order of
  `JobState`; progress: -1 while unknown; duration: ended jobs by how long they took, then the open ones, the most
  recently started first; result: none, a saved file, a link; message: what the cell shows first (the check's
  error, the saved file, the download's error, the provider's message, the link), lower-cased. These are not
  indexed: sorting by them reads every row not archived (a top-N sort in SQLite, ~0.1 s at 100,000 jobs).
  `lower()` is SQLite's (ASCII only): text compares by code point (BINARY, UTF-8), so "É" and "é" sort apart,
  both after every ASCII letter ("émile" after "zeta"), the same for every page. The window compares the values
  SQLite returned with Python's str order, which is that same code point order: pages neither skip nor repeat.

The filter (`text`) matches what the window shows of a job: its ID, label, account, its state's word in the shown
language (the caller passes the states whose word contains the text: translations live in ui/) and the message
column's sources (message, the check's error, the saved file, the download's error, the result link). Matching is
case-insensitive, as the window's filter was before it paged (Qt's): an ASCII text by SQLite's LIKE (`%` and `_`
taken literally); a text with other letters ("über", "ÄRZTE") by `jobtray_contains`, a function of ours on the
connection that compares casefolded text (LIKE folds ASCII letters only: "über" never found "Übersicht"), one
Python call per row read, so only when the text needs it. Archived jobs are never in a page.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime

from desktop_app.core.model import Job, JobState
from desktop_app.store.clock import to_text
from desktop_app.store.db import StoreError, is_busy
from desktop_app.store.jobs import SQL_ALARMING, SQL_ENDED_WELL, SQL_TERMINAL, _job

SortValue = str | float | int
Keyed = tuple[SortValue, Job]  # a job and its sort value, as SQLite orders it

_STATE_ORDER = " ".join(f"WHEN '{s.value}' THEN {n}" for n, s in enumerate(JobState))

SORT_VALUES: dict[str, str] = {
    "job": "lower(CASE WHEN COALESCE(j.label, '') != '' THEN j.label || ' (' || j.job_id || ')' ELSE j.job_id END)",
    "account": "lower(a.name)",
    "state": f"CASE j.state {_STATE_ORDER} ELSE {len(JobState)} END",
    "progress": "COALESCE(j.progress, -1.0)",
    # Never the clock: a kept sort value must not go stale. 1e12 minus the start (in seconds) puts the open jobs
    # after every ended one (no job takes 30,000 years), the most recently started first. Never NULL: a time
    # julianday() cannot read ("+0000", written by another program; Python reads it) counts as 0 s, where NULL
    # ended the pages at that row (no row is after a NULL key) and broke the window's comparisons.
    "duration": (
        f"COALESCE(CASE WHEN j.state IN ({SQL_TERMINAL}) THEN "
        "max(0.0, (julianday(COALESCE(j.finished_at, j.updated_at)) - julianday(j.created_at)) * 86400.0) "
        "ELSE 1e12 - julianday(j.created_at) * 86400.0 END, 0.0)"
    ),
    "updated": "j.updated_at",
    "result": (
        "CASE WHEN COALESCE(j.result_file, '') != '' THEN 1 WHEN COALESCE(j.result_url, '') != '' THEN 2 ELSE 0 END"
    ),
    "message": (
        "lower(COALESCE(NULLIF(j.last_error, ''), NULLIF(j.result_file, ''), NULLIF(j.download_error, ''), "
        "NULLIF(j.message, ''), NULLIF(j.result_url, ''), ''))"
    ),
}


def _keyed(value: str) -> str:
    """A job's row with its sort value (`value`, one of SORT_VALUES): a page's and a look-up's SELECT ... FROM."""
    return (
        f"SELECT {value} AS sort_value, j.*, a.name AS account_name, a.provider AS provider "  # noqa: S608
        "FROM jobs j JOIN accounts a ON a.id = j.account_id"
    )


_TEXT_COLUMNS = (
    "j.job_id",
    "j.label",
    "a.name",
    "j.message",
    "j.last_error",
    "j.result_file",
    "j.download_error",
    "j.result_url",
)


@contextmanager
def _as_store_error() -> Iterator[None]:
    """A read that fails (a busy or closed database) raises StoreError, a JobTrayError the window may catch."""
    try:
        yield
    except StoreError:
        raise
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the jobs: {exc}", busy=is_busy(exc)) from exc


def _contains(needle: str, *values: object) -> bool:
    """Whether any of `values` holds `needle` (casefolded by the caller), whatever the case (jobtray_contains)."""
    return any(isinstance(value, str) and needle in value.casefold() for value in values)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class JobPages:
    """Reads pages of jobs for the window; one instance per connection, used from the thread that opened it.

    Every read takes the order (`sort`, one of `SORT_VALUES`, and `descending`) and the filter (`text`, and the
    `states` whose shown word contains it) and returns `(sort value, Job)` pairs in that order.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        conn.create_function("jobtray_contains", -1, _contains, deterministic=True)

    def page(
        self,
        *,
        sort: str,
        descending: bool,
        text: str = "",
        states: Collection[JobState] = (),
        after: tuple[SortValue, int] | None = None,
        through: tuple[SortValue, int] | None = None,
        limit: int,
    ) -> list[Keyed]:
        """The first `limit` jobs after the key `after` (None: from the start), up to and including `through`."""
        with _as_store_error():
            return self._page(sort, descending, text, states, after=after, through=through, limit=limit)

    def _page(
        self,
        sort: str,
        descending: bool,
        text: str,
        states: Collection[JobState],
        *,
        after: tuple[SortValue, int] | None,
        through: tuple[SortValue, int] | None,
        limit: int,
    ) -> list[Keyed]:
        value = SORT_VALUES[sort]
        where, params = self._range(value, descending, text=text, states=states, after=after, through=through)
        direction = "DESC" if descending else "ASC"
        sql = f"{_keyed(value)} WHERE {' AND '.join(where)} ORDER BY sort_value {direction}, j.id {direction} LIMIT ?"
        params.append(limit)
        return [(row["sort_value"], _job(row)) for row in self._conn.execute(sql, params)]

    def within(
        self,
        *,
        sort: str,
        descending: bool,
        text: str = "",
        states: Collection[JobState] = (),
        after: tuple[SortValue, int] | None = None,
        through: tuple[SortValue, int],
        limit: int,
    ) -> bool:
        """Whether at most `limit` jobs lie after the key `after` up to and including `through`, before reading
        them: a count that stops at `limit` + 1 rows, in no order, so a job far away is known to be far in a few
        milliseconds (reading `limit` rows in a sort no index serves costs a sort of every row up to it)."""
        with _as_store_error():
            where, params = self._range(
                SORT_VALUES[sort], descending, text=text, states=states, after=after, through=through
            )
            sql = (
                "SELECT count(*) FROM (SELECT 1 FROM jobs j JOIN accounts a ON a.id = j.account_id "  # noqa: S608
                f"WHERE {' AND '.join(where)} LIMIT ?)"
            )
            return int(self._conn.execute(sql, [*params, limit + 1]).fetchone()[0]) <= limit

    def _range(
        self,
        value: str,
        descending: bool,
        *,
        text: str,
        states: Collection[JobState],
        after: tuple[SortValue, int] | None,
        through: tuple[SortValue, int] | None,
    ) -> tuple[list[str], list[object]]:
        """The filter and the keys' bounds: after `after`, up to and including `through`, in the order."""
        where, params = self._filter(text, states)
        if after is not None:
            where.append(f"({value}, j.id) {'<' if descending else '>'} (?, ?)")
            params.extend(after)
        if through is not None:
            where.append(f"({value}, j.id) {'>=' if descending else '<='} (?, ?)")
            params.extend(through)
        return where, params

    def rows(
        self, row_ids: Collection[int], *, sort: str, text: str = "", states: Collection[JobState] = ()
    ) -> list[Keyed]:
        """Those of `row_ids` that are in the window's list (not archived, matching the filter), with their sort
        values: where the window places a job that changed. By id: one index look-up each."""
        with _as_store_error():
            return self._rows(row_ids, sort, text, states)

    def _rows(self, row_ids: Collection[int], sort: str, text: str, states: Collection[JobState]) -> list[Keyed]:
        if not row_ids:
            return []
        value = SORT_VALUES[sort]
        where, params = self._filter(text, states)
        found: list[Keyed] = []
        ids = sorted(row_ids)
        for start in range(0, len(ids), 500):  # SQLite's limit of bound parameters
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            sql = f"{_keyed(value)} WHERE j.id IN ({marks}) AND {' AND '.join(where)}"
            found.extend((row["sort_value"], _job(row)) for row in self._conn.execute(sql, [*chunk, *params]))
        return found

    def counts(self, day_start: datetime, day_end: datetime) -> tuple[dict[str, int], int, int]:
        """For the window's status line, without reading every job: the open jobs by account name, the failures,
        and the jobs that ended well between `day_start` and `day_end` (today, in local time); none archived."""
        with _as_store_error():
            return self._counts(day_start, day_end)

    def _counts(self, day_start: datetime, day_end: datetime) -> tuple[dict[str, int], int, int]:
        cursor = self._conn.cursor()
        cursor.row_factory = None
        open_by_account = dict(
            cursor.execute(
                "SELECT a.name, count(*) FROM jobs j JOIN accounts a ON a.id = j.account_id "  # noqa: S608
                f"WHERE j.finished_at IS NULL AND j.state NOT IN ({SQL_TERMINAL}) AND j.archived = 0 GROUP BY a.name"
            ).fetchall()
        )
        failed = cursor.execute(
            f"SELECT count(*) FROM jobs WHERE archived = 0 AND state IN ({SQL_ALARMING})"  # noqa: S608
        ).fetchone()[0]
        start, end = to_text(day_start), to_text(day_end)
        # An ending is never after the job's last update: the index on (archived, updated_at) bounds the read.
        today = cursor.execute(
            f"SELECT count(*) FROM jobs WHERE archived = 0 AND updated_at >= ? AND state IN ({SQL_ENDED_WELL})"  # noqa: S608
            " AND COALESCE(finished_at, updated_at) >= ? AND COALESCE(finished_at, updated_at) < ?",
            (start, start, end),
        ).fetchone()[0]
        return open_by_account, int(failed), int(today)

    @staticmethod
    def _filter(text: str, states: Collection[JobState]) -> tuple[list[str], list[object]]:
        where = ["j.archived = 0"]
        params: list[object] = []
        text = text.strip()
        if text:
            if text.isascii():
                alternatives = [f"{column} LIKE ? ESCAPE '\\'" for column in _TEXT_COLUMNS]
                params.extend([_like(text)] * len(_TEXT_COLUMNS))
            else:  # LIKE folds ASCII letters only
                alternatives = [f"jobtray_contains(?, {', '.join(_TEXT_COLUMNS)})"]
                params.append(text.casefold())
            if states:
                alternatives.append(f"j.state IN ({', '.join('?' * len(states))})")
                params.extend(sorted(state.value for state in states))
            where.append(f"({' OR '.join(alternatives)})")
        return where, params
