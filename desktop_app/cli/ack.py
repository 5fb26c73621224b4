"""`jobtray ack JOB_ID [--account NAME] | --all`: acknowledge failures, so that they stop alarming (issue 21)."""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.cli.output import EXIT_OK, Output, shown
from desktop_app.core.alarms import is_alarming
from desktop_app.core.errors import ConfigError
from desktop_app.store.database import Store, data_dir


def cmd_ack(args: argparse.Namespace, io: Output) -> int:
    if bool(args.job_id) == bool(args.all):
        raise ConfigError("name a failed JOB_ID, or use --all for every unacknowledged failure")
    store = Store(data_dir(args.data_dir))
    with store:
        if args.all:
            targets = store.jobs.unacknowledged(args.account)
        else:
            job = store.jobs.find_one(args.job_id, args.account)
            if not is_alarming(job):
                why = "acknowledged already" if job.acknowledged_at is not None else f"{job.state.value}, not failed"
                io.line(f"nothing to acknowledge: {shown(job.job_id)} ({shown(job.account)}) is {why}")
                return EXIT_OK
            targets = [job]
        done = store.jobs.acknowledge(j.id for j in targets)
    if args.all and not done:
        io.line("no unacknowledged failures")
    for job in done:
        io.line(f"acknowledged {shown(job.job_id)} ({shown(job.account)}, {job.state.value})")
    return EXIT_OK


def add_parser(sub: Any) -> None:
    """`ack` under the top-level sub-commands (`sub` is argparse's subparsers action)."""
    ack = sub.add_parser("ack", help="acknowledge failed jobs: the tray stops alarming about them")
    ack.add_argument("job_id", metavar="JOB_ID", nargs="?")
    ack.add_argument("--account", metavar="NAME")
    ack.add_argument("--all", action="store_true", help="every unacknowledged failure (of --account, if given)")
    ack.set_defaults(func=cmd_ack)
