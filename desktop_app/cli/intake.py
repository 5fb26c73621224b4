"""How jobs come in from the command line: reading piped input (`jobtray add -`, `--from-file`) and the hand-off
to a running tray (else the store is written, as before). What the text, reply or link holds is placed by the one
intake of every front (core/intake.py, engine/intake.py).

Headless: no Qt. The tray is reached with the plain socket client of `system/handoff.py`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from desktop_app.core import ids
from desktop_app.core.errors import ConfigError
from desktop_app.core.handoff import WatchRequest
from desktop_app.core.intake import Placed
from desktop_app.engine.intake import place_input
from desktop_app.providers.replies import MAX_REPLY_BYTES
from desktop_app.store.database import Store

__all__ = ["Placed", "Watched", "place_input", "read_input", "watch"]


@dataclass(frozen=True, slots=True)
class Watched:
    placed: Placed
    created: bool
    via_tray: bool


def read_input(path: str | None, stdin: BinaryIO | None = None) -> bytes:
    """What `add -` (stdin) or `add --from-file FILE` reads: at most MAX_REPLY_BYTES, else a ConfigError."""
    try:
        if path is not None and path != "-":
            with Path(path).open("rb") as handle:
                data = handle.read(MAX_REPLY_BYTES + 1)
        else:
            source = stdin if stdin is not None else sys.stdin.buffer
            data = source.read(MAX_REPLY_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {path or 'standard input'}: {exc.strerror or exc}") from exc
    if len(data) > MAX_REPLY_BYTES:
        raise ConfigError(f"{path or 'standard input'} is over {MAX_REPLY_BYTES // 1_000_000} MB: not a reply")
    return data


def watch(store: Store, placed: Sequence[Placed], announce: bool = False) -> list[Watched]:
    """Hand each job to the tray running on this store's folder; write the store for those no tray took.

    A tray that refuses a job (it validates what it is handed) ends in ConfigError with its reason: nothing of
    that job is added. The store write is idempotent, so a tray that took a job but whose answer was lost costs
    nothing when the store is written as well.
    """
    from desktop_app.system.handoff import hand_over, instance_key

    key = instance_key(store.folder)
    done: list[Watched] = []
    rest: list[Placed] = []
    for item in placed:
        reply = hand_over(key, WatchRequest(item.account.name, item.job_id, item.label, announce))
        if reply is None:
            rest.append(item)
        elif not reply.ok:
            raise ConfigError(f"the running JobTray refused {ids.quoted(item.job_id)}: {reply.refusal}")
        else:
            done.append(Watched(item, reply.created, via_tray=True))
    if rest:
        with store.jobs.transaction():
            for item in rest:
                _job, created = store.jobs.add(item.account, item.job_id, item.label)
                done.append(Watched(item, created, via_tray=False))
    return done
