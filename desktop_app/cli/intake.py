"""How jobs come in from the command line: a vendor's creation reply (`jobtray add -`, `--from-file`), a
`jobtray://` link (`jobtray open`), and the hand-off to a running tray (else the store is written, as before).

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
from desktop_app.core.model import Account
from desktop_app.providers.replies import MAX_REPLY_BYTES, CreationReply, parse_reply
from desktop_app.store.database import Store


@dataclass(frozen=True, slots=True)
class Placed:
    """One job to watch: at which account, its ID as sent, and its label."""

    account: Account
    job_id: str
    label: str | None = None


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


def account_for(accounts: Sequence[Account], provider: str, account_name: str | None, display: str) -> Account:
    """The account a job of `provider` goes to: the named one (which must be of that provider), else the only
    account of that provider; none or several are a ConfigError naming them."""
    if account_name is not None:
        named = [a for a in accounts if a.name == account_name]
        if not named:
            raise ConfigError(f"no account named {ids.quoted(account_name)} (see `jobtray account list`)")
        if named[0].provider != provider:
            raise ConfigError(f"{ids.quoted(account_name)} is a {named[0].provider} account, not {display}")
        return named[0]
    owners = [a for a in accounts if a.provider == provider]
    if not owners:
        raise ConfigError(f"no {display} account: add one with `jobtray account add NAME --provider {provider}`")
    if len(owners) > 1:
        names = ", ".join(a.name for a in owners)
        raise ConfigError(f"several {display} accounts ({names}): choose one with --account")
    return owners[0]


def place_reply(
    accounts: Sequence[Account], reply: CreationReply, account_name: str | None, warnings: list[str]
) -> Placed:
    from desktop_app.providers.registry import PROVIDERS

    cls = PROVIDERS[reply.provider]
    account = account_for(accounts, reply.provider, account_name, cls.display_name)
    job_id, warning = ids.given_id(cls.id_spec, reply.job_id, cls.display_name)
    if warning is not None:
        warnings.append(warning)
    return Placed(account, job_id, reply.label)


def place_input(
    accounts: Sequence[Account], raw: bytes, account_name: str | None, label: str | None, warnings: list[str]
) -> list[Placed]:
    """The jobs in piped input: a vendor's reply (VendorError when it reports an error), else text searched for
    IDs as `add TEXT` does."""
    from desktop_app.cli.commands import resolve_ids

    reply = parse_reply(raw)
    if reply is not None:
        placed = place_reply(accounts, reply, account_name, warnings)
        return [Placed(placed.account, placed.job_id, label or placed.label)]
    text = raw.decode("utf-8", "replace")
    if not text.strip():
        raise ConfigError("nothing on standard input: pipe a vendor's reply or text holding job IDs")
    # Several words: searched with each provider's careful patterns, never taken as one given token.
    pairs = resolve_ids(accounts, [text if not ids.is_single_token(text) else text.strip()], account_name, warnings)
    return [Placed(account, job_id, label) for account, job_id in pairs]


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
