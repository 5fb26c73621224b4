"""The `jobtray` command line. Headless sub-commands never import Qt; the tray app is imported only when started.

Expected errors print one line on stderr and exit 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from desktop_app import __version__
from desktop_app.core import ids
from desktop_app.core.errors import ConfigError, JobTrayError
from desktop_app.core.model import Account, Job, KeySource, Secret, StatusChange
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.core.urls import insecure_base_url_warning, validate_base_url
from desktop_app.store.clock import to_text
from desktop_app.store.database import Store, data_dir

EXIT_OK = 0
EXIT_JOB_FAILED = 1
EXIT_ERROR = 2
EXIT_TIMEOUT = 3
PROVIDER_CHOICES = ("ipaper", "scriptx", "pdfco", "encodingcom")
_ENV_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Output:
    """Where a command writes; tests pass their own streams."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err

    def line(self, text: str = "") -> None:
        # Flushed: `jobtray watch | tee log` should show each change as it happens.
        print(text, file=self.out, flush=True)

    def warn(self, text: str) -> None:
        print(f"jobtray: {text}", file=self.err)


def _open_store(args: argparse.Namespace, io: Output | None = None) -> Store:
    store = Store(data_dir(args.data_dir))
    if store.recovery_message and io is not None:
        io.warn(f"warning: {store.recovery_message}")
    return store


def _job_json(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "account": job.account,
        "provider": job.provider,
        "label": job.label,
        "state": job.state.value,
        "provider_status": job.provider_status,
        "progress": job.progress,
        "message": job.message,
        "result_url": job.result_url,
        "created_at": to_text(job.created_at),
        "updated_at": to_text(job.updated_at),
        "finished_at": None if job.finished_at is None else to_text(job.finished_at),
        "archived": job.archived,
        "last_error": job.last_error,
    }


def _format_change(change: StatusChange) -> str:
    job = change.job
    detail = job.result_url if job.result_url else (job.message or "")
    progress = f" {job.progress:.0f}%" if job.progress is not None and not job.state.is_terminal else ""
    line = f"{job.account}\t{job.job_id}\t{change.old_state} -> {change.new_state}{progress}"
    return f"{line}\t{detail}" if detail else line


# ---- account -----------------------------------------------------------------------------------------------


def cmd_account_add(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.system.credentials import delete_secret, store_secret

    name = args.name.strip()
    if not name or len(name) > 100 or any(c in name for c in "\t\n\r"):
        raise ConfigError("an account name must be 1-100 characters with no tabs or newlines")
    base_url = validate_base_url(args.base_url) if args.base_url else None
    if base_url:
        warning = insecure_base_url_warning(base_url)
        if warning:
            io.warn(f"warning: {warning}")
    if args.rate_limit:
        parse_rate_limit(args.rate_limit)
    if args.key_env:
        if not _ENV_VAR_NAME.fullmatch(args.key_env):
            raise ConfigError(f"{args.key_env!r} is not an environment variable name")
        source, key_env = KeySource.ENV, args.key_env
    else:
        source, key_env = KeySource.KEYRING, None
    account = Account(
        name=name,
        provider=args.provider,
        key_source=source,
        base_url=base_url,
        username=args.username,
        key_env=key_env,
        rate_limit=args.rate_limit,
    )
    with _open_store(args, io) as store:
        existing = {a.name for a in store.accounts.all()}
        if name in existing:
            raise ConfigError(f"an account named {name!r} already exists")
        if source == KeySource.KEYRING:
            secret = sys.stdin.readline().rstrip("\r\n").strip()
            if not secret:
                raise ConfigError("no key on standard input (pipe it in, e.g. `printenv MY_KEY | jobtray ...`)")
            # Keyring first: if it fails, nothing is written to the database.
            store_secret(name, Secret(secret))
            try:
                store.accounts.add(account)
            except BaseException:
                delete_secret(name)
                raise
        else:
            store.accounts.add(account)
    where = f"environment variable {key_env}" if key_env else "the system keyring"
    io.line(f"added account {name} ({args.provider}); its key is read from {where}")
    return EXIT_OK


def cmd_account_list(args: argparse.Namespace, io: Output) -> int:
    with _open_store(args, io) as store:
        accounts = store.accounts.all()
        errors = {a.name: store.accounts.last_error(a.name) for a in accounts}
    if args.json:
        rows = [
            {
                "name": a.name,
                "provider": a.provider,
                "base_url": a.base_url,
                "username": a.username,
                "key_source": a.key_source.value,
                "key_env": a.key_env,
                "rate_limit": a.rate_limit,
                "last_error": errors[a.name],
            }
            for a in accounts
        ]
        io.line(json.dumps(rows, indent=2))
        return EXIT_OK
    if not accounts:
        io.line("no accounts yet: jobtray account add NAME --provider PROVIDER --key-stdin")
    for a in accounts:
        key = f"env:{a.key_env}" if a.key_source == KeySource.ENV else "keyring"
        extra = f"\t{a.base_url}" if a.base_url else ""
        io.line(f"{a.name}\t{a.provider}\t{key}{extra}")
    return EXIT_OK


def cmd_account_remove(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.system.credentials import delete_secret

    with _open_store(args, io) as store:
        account = store.accounts.get(args.name)
        count = store.accounts.remove(account.name)
    if account.key_source == KeySource.KEYRING:
        delete_secret(account.name)
    io.line(f"removed account {account.name} and its {count} job(s)")
    return EXIT_OK


# ---- jobs --------------------------------------------------------------------------------------------------


def resolve_ids(
    accounts: Sequence[Account],
    args: Sequence[str],
    account_name: str | None,
    warnings: list[str] | None = None,
) -> list[tuple[Account, str]]:
    """(account, job ID) pairs for the `add` arguments; ConfigError for anything it cannot place.

    With `account_name`, a single token is taken as given (see `ids.given_id`): refused only when it cannot be
    sent safely, added with a warning (appended to `warnings`) when it does not look like the provider's
    documented form. Text that is not a single token, and any text without `account_name`, is searched with each
    provider's careful patterns.
    """
    if account_name is not None:
        matching = [a for a in accounts if a.name == account_name]
        if not matching:
            raise ConfigError(f"no account named {account_name!r} (see `jobtray account list`)")
        account = matching[0]
        pairs: list[tuple[Account, str]] = []
        for arg in args:
            if ids.is_single_token(arg) or not arg.strip():
                job_id, warning = ids.given_id(account.provider, arg)
                if warning is not None and warnings is not None:
                    warnings.append(warning)
                pairs.append((account, job_id))
            else:
                found = ids.extract_ids(account.provider, arg)
                if not found:
                    raise ConfigError(f"no {account.provider} job ID found in {ids.quoted(arg)}")
                pairs.extend((account, job_id) for job_id in found)
        return pairs
    if not accounts:
        raise ConfigError("no accounts yet: add one with `jobtray account add`")
    pairs = []
    providers = tuple(sorted({a.provider for a in accounts}))
    for arg in args:
        matches = ids.candidates(arg, providers)
        if not matches:
            raise ConfigError(f"no job ID of any account's provider found in {ids.quoted(arg)}")
        owners = [a for a in accounts if a.provider in matches]
        if len(owners) > 1:
            names = ", ".join(f"{a.name} ({a.provider})" for a in owners)
            raise ConfigError(f"{ids.quoted(arg)} could belong to several accounts: {names}; choose one with --account")
        owner = owners[0]
        pairs.extend((owner, job_id) for job_id in matches[owner.provider])
    return pairs


def cmd_add(args: argparse.Namespace, io: Output) -> int:
    with _open_store(args, io) as store:
        warnings: list[str] = []
        pairs = resolve_ids(store.accounts.all(), args.ids, args.account, warnings)
        for warning in warnings:
            io.warn(f"warning: {warning}")
        with store.jobs.transaction():
            results = [(account, *store.jobs.add(account, job_id, args.label)) for account, job_id in pairs]
    for account, job, created in results:
        verb = "watching" if created else "already watching"
        chose = "" if args.account else f" (account {account.name}, matched by its {account.provider} ID pattern)"
        io.line(f"{verb} {job.job_id}{chose}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace, io: Output) -> int:
    with _open_store(args, io) as store:
        jobs = store.jobs.all(include_archived=args.all)
    if args.json:
        io.line(json.dumps([_job_json(j) for j in jobs], indent=2))
        return EXIT_OK
    if not jobs:
        io.line("no jobs watched: jobtray add JOB_ID")
    for j in jobs:
        progress = f"{j.progress:.0f}%" if j.progress is not None else "-"
        detail = j.result_url or j.message or j.last_error or ""
        io.line(f"{j.job_id}\t{j.account}\t{j.state}\t{progress}\t{j.label or ''}\t{detail}".rstrip())
    return EXIT_OK


def cmd_history(args: argparse.Namespace, io: Output) -> int:
    with _open_store(args, io) as store:
        job = store.jobs.find_one(args.job_id, args.account)
        entries = store.jobs.history(job.id)
    if args.json:
        rows = [
            {
                "at": to_text(e.at),
                "state": e.state.value,
                "provider_status": e.provider_status,
                "progress": e.progress,
                "message": e.message,
            }
            for e in entries
        ]
        io.line(json.dumps(rows, indent=2))
        return EXIT_OK
    for e in entries:
        text = f"{to_text(e.at)}\t{e.state}\t{e.provider_status or ''}\t{e.message or ''}"
        io.line(text.rstrip())
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, io: Output) -> int:
    with _open_store(args, io) as store:
        job = store.jobs.find_one(args.job_id, args.account)
        store.jobs.remove(job.id)
    io.line(f"stopped watching {job.job_id} ({job.account})")
    return EXIT_OK


def cmd_archive(args: argparse.Namespace, io: Output) -> int:
    with _open_store(args, io) as store:
        if args.finished:
            count = store.jobs.archive_finished()
            io.line(f"archived {count} finished job(s)")
            return EXIT_OK
        if not args.job_id:
            raise ConfigError("name a JOB_ID or use --finished")
        job = store.jobs.find_one(args.job_id, args.account)
        store.jobs.set_archived(job.id)
    io.line(f"archived {job.job_id}")
    return EXIT_OK


def _report_errors(io: Output, errors: dict[str, Any], told: set[str]) -> None:
    for account, result in errors.items():
        key = f"{account}:{result.error}"
        if key not in told:  # once per outage, not once per round
            told.add(key)
            io.warn(f"{account}: {result.error}")


def cmd_poll(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.engine.results import run_round

    with _open_store(args, io) as store:
        report = run_round(store)
    for change in report.changes:
        io.line(_format_change(change))
    _report_errors(io, report.errors, set())
    return EXIT_ERROR if report.errors else EXIT_OK


def cmd_watch(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.cli.watch import watch

    with _open_store(args, io) as store:
        return watch(store, io, timeout=args.timeout, exit_status=args.exit_status)


def cmd_simulate(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.simulators.launcher import run_simulators

    return run_simulators(io, port=args.port)


def cmd_install_desktop_entry(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.system.desktop_entry import install

    written = install()
    io.line(f"installed {written[0]} and {len(written) - 1} icon and metadata files")
    return EXIT_OK


def cmd_tray(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.app.run import run_app

    return run_app(args)


# ---- parser ------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobtray", description="Watch long-running cloud jobs and hear the moment they finish or fail."
    )
    parser.add_argument("--version", action="version", version=f"jobtray {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="where the job database lives (or $JOBTRAY_DATA_DIR)")
    parser.add_argument("--debug", action="store_true", help="verbose logging")
    parser.add_argument("--quit-after", type=float, metavar="SECONDS", help="quit the tray app after this long")
    parser.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add JobTray to the desktop's menus (XDG .desktop entry and icons) and exit",
    )
    parser.set_defaults(func=cmd_tray)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    account = sub.add_parser("account", help="add, list or remove provider accounts")
    account_sub = account.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    add_acc = account_sub.add_parser("add", help="add an account (the key goes to the keyring or stays in env)")
    add_acc.add_argument("name")
    add_acc.add_argument("--provider", required=True, choices=PROVIDER_CHOICES)
    add_acc.add_argument("--base-url", metavar="URL", help="the service root as the vendor documents it")
    add_acc.add_argument("--username", metavar="USER", help="user name or user ID where the provider needs one")
    add_acc.add_argument("--rate-limit", metavar="RATE", help="requests allowed, like 10/s or 45/min")
    key = add_acc.add_mutually_exclusive_group(required=True)
    key.add_argument("--key-env", metavar="VAR", help="read the key from this environment variable at poll time")
    key.add_argument("--key-stdin", action="store_true", help="read the key once from stdin into the keyring")
    add_acc.set_defaults(func=cmd_account_add)
    list_acc = account_sub.add_parser("list", help="list accounts")
    list_acc.add_argument("--json", action="store_true")
    list_acc.set_defaults(func=cmd_account_list)
    rm_acc = account_sub.add_parser("remove", help="remove an account, its jobs and its keyring entry")
    rm_acc.add_argument("name")
    rm_acc.set_defaults(func=cmd_account_remove)

    add = sub.add_parser("add", help="watch job IDs (or text and URLs containing them)")
    add.add_argument("--account", metavar="NAME")
    add.add_argument("--label", metavar="TEXT")
    add.add_argument("ids", nargs="+", metavar="ID_OR_TEXT")
    add.set_defaults(func=cmd_add)

    lst = sub.add_parser("list", help="list watched jobs")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--all", action="store_true", help="include archived jobs")
    lst.set_defaults(func=cmd_list)

    hist = sub.add_parser("history", help="a job's status changes")
    hist.add_argument("job_id", metavar="JOB_ID")
    hist.add_argument("--account", metavar="NAME")
    hist.add_argument("--json", action="store_true")
    hist.set_defaults(func=cmd_history)

    rm = sub.add_parser("remove", help="stop watching a job")
    rm.add_argument("job_id", metavar="JOB_ID")
    rm.add_argument("--account", metavar="NAME")
    rm.set_defaults(func=cmd_remove)

    arch = sub.add_parser("archive", help="hide a finished job from `list` (or all of them with --finished)")
    arch.add_argument("job_id", metavar="JOB_ID", nargs="?")
    arch.add_argument("--account", metavar="NAME")
    arch.add_argument("--finished", action="store_true")
    arch.set_defaults(func=cmd_archive)

    poll = sub.add_parser("poll", help="check every unfinished job once, now, and print the changes")
    poll.set_defaults(func=cmd_poll)

    watch = sub.add_parser("watch", help="keep checking until every job is finished")
    watch.add_argument("--exit-status", action="store_true", help="exit 1 if any job failed, was cancelled or lost")
    watch.add_argument("--timeout", type=float, metavar="SECONDS", help="give up after this long (exit 3)")
    watch.set_defaults(func=cmd_watch)

    sim = sub.add_parser("simulate", help="run the local provider simulators until Ctrl-C")
    sim.add_argument("--port", type=int, default=0, help="first port to use (default: any free ports)")
    sim.set_defaults(func=cmd_simulate)

    demo = sub.add_parser("demo", help="run the tray app against the built-in simulators, on throwaway data")
    demo.add_argument("--quit-after", type=float, metavar="SECONDS", dest="quit_after")
    demo.set_defaults(func=cmd_tray, demo=True)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    io = Output(out or sys.stdout, err or sys.stderr)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "demo"):
        args.demo = False
    func: Callable[[argparse.Namespace, Output], int] = args.func
    if args.install_desktop_entry:
        func = cmd_install_desktop_entry
    from desktop_app.system.logs import setup_logging

    setup_logging(debug=args.debug, to_file=func is cmd_tray)
    if argv is None:
        # The process's entry point (not a test calling main): a bug ends in one redacted log record, never in a
        # raw traceback that could carry a key. The tray app reinstalls it with a notification.
        from desktop_app.app.crash import install_excepthook

        install_excepthook()
    try:
        return func(args, io)
    except JobTrayError as exc:
        io.warn(f"error: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `jobtray list | head`: the reader left; not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
