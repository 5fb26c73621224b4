"""`jobtray pending`: the after-end work that is not done (waiting, running, failed, interrupted, of unknown
end), and what a person can do about it: `--discard ID`, `--run-again ID`. Also the `pending` field of
`list --json` and the lines `jobtray history` adds."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from desktop_app.cli.output import EXIT_OK, Output, shown
from desktop_app.core.model import Job
from desktop_app.store.outbox import OutboxRow

_WHAT = {"download": "save the result", "command": "run a command", "forward": "forward", "notify": "notify"}
_SETTING = {
    "account:save-results": "the account's save-results",
    "account:on-end": "the account's on-end",
    "app:on-end": "the app's on-end",
}


def _time(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def pending_json(row: OutboxRow) -> dict[str, Any]:
    """One action as `list --json` (`pending`) and `pending --json` show it."""
    return {
        "id": row.id,
        "kind": row.kind,
        "setting": row.ref,
        "state": row.state,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "next_attempt_at": _time(row.next_attempt_at),
        "expires_at": _time(row.expires_at),
    }


def _source(row: OutboxRow) -> str:
    ref = row.ref or ""
    if ref.startswith("watch:"):
        return "a watch --on-end"
    return _SETTING.get(ref, ref)


def pending_line(row: OutboxRow, job: Job | None = None) -> str:
    """`12  work  JOB  run a command (the account's on-end)  interrupted  1 attempt  why`."""
    tries = f"{row.attempts} attempt{'s' if row.attempts != 1 else ''}"
    what = f"{_WHAT.get(row.kind, row.kind)} ({_source(row)})" if row.ref else _WHAT.get(row.kind, row.kind)
    fields = [str(row.id)]
    if job is not None:
        fields += [job.account, job.job_id]
    fields += [what, row.state, tries, row.last_error or ""]
    return "\t".join(shown(f) for f in fields).rstrip()


def _hint(rows: Sequence[OutboxRow]) -> str | None:
    again = [r.id for r in rows if r.state in ("failed", "interrupted", "unknown") and not r.from_watch]
    if not again:
        return None
    ids = " ".join(str(i) for i in again)
    return f"run again: jobtray pending --run-again ID ({ids}); give up: jobtray pending --discard ID"


def cmd_pending(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.cli.stores import open_store as _open_store

    with _open_store(args, io) as store:
        if args.discard is not None:
            row = store.outbox.discard(args.discard)
            io.line(f"discarded {row.id}: {_WHAT.get(row.kind, row.kind)}")
            return EXIT_OK
        if args.run_again is not None:
            row = store.outbox.run_again(args.run_again)
            job = store.jobs.get(row.job)
            io.line(
                f"{row.id}: {_WHAT.get(row.kind, row.kind)} for {shown(job.job_id)} is pending again; the next "
                "`jobtray watch`, `jobtray poll` or the tray runs it"
            )
            return EXIT_OK
        rows = store.outbox.unsettled()
        jobs = {row.job: store.jobs.get(row.job) for row in rows}
    if args.json:
        io.json([{**pending_json(r), "job_id": jobs[r.job].job_id, "account": jobs[r.job].account} for r in rows])
        return EXIT_OK
    if not rows:
        io.line("no after-end work is pending")
        return EXIT_OK
    for row in rows:
        io.line(pending_line(row, jobs[row.job]))
    hint = _hint(rows)
    if hint:
        io.line(hint)
    return EXIT_OK


def history_lines(rows: Sequence[OutboxRow]) -> list[str]:
    """What `jobtray history` adds after the status changes: the job's after-end work that is not done."""
    if not rows:
        return []
    lines = ["after-end work:", *(pending_line(r) for r in rows)]
    hint = _hint(rows)
    return [*lines, hint] if hint else lines


def _row_id(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not an ID from `jobtray pending`")
    return int(text)


def add_parser(sub: Any) -> None:
    pending = sub.add_parser(
        "pending", help="after-end work not done yet (results to save, commands to run): list, discard, run again"
    )
    pending.add_argument("--json", action="store_true")
    actions = pending.add_mutually_exclusive_group()
    actions.add_argument("--discard", type=_row_id, metavar="ID", help="give up this action")
    actions.add_argument(
        "--run-again", type=_row_id, metavar="ID", help="run this failed, interrupted or unknown action again"
    )
    pending.set_defaults(func=cmd_pending)


__all__ = ["add_parser", "cmd_pending", "history_lines", "pending_json", "pending_line"]
