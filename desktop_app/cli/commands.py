"""The `jobtray` command line. Headless sub-commands never import Qt; the tray app is imported only when started.

Expected errors print one line on stderr and exit 2; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from desktop_app import __version__
from desktop_app.cli.output import (
    EXIT_ERROR,
    EXIT_JOB_FAILED,
    EXIT_OK,
    EXIT_TIMEOUT,
    Output,
    history_json,
    history_line,
    job_line,
    shown,
)
from desktop_app.cli.stores import open_store
from desktop_app.core.errors import ConfigError, JobTrayError
from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.core.text import displayable
from desktop_app.store.database import Store, data_dir

if TYPE_CHECKING:
    from desktop_app.engine.accounts import AccountDraft

__all__ = ["EXIT_ERROR", "EXIT_JOB_FAILED", "EXIT_OK", "EXIT_TIMEOUT", "Output", "build_parser", "main"]


def _open_store(args: argparse.Namespace, io: Output | None = None) -> Store:
    return open_store(args, io)


# ---- account -----------------------------------------------------------------------------------------------


def _draft(args: argparse.Namespace, provider: str, key_source: KeySource) -> AccountDraft:
    from desktop_app.cli.providers import parse_vars
    from desktop_app.engine.accounts import AccountDraft

    return AccountDraft(
        name=args.name,
        provider=provider,
        key_source=key_source,
        base_url=args.base_url,
        username=args.username,
        key_env=args.key_env,
        rate_limit=args.rate_limit,
        variables=parse_vars(args.var),
    )


def _read_key(io: Output) -> Secret:
    secret = sys.stdin.readline().rstrip("\r\n").strip()
    if not secret:
        raise ConfigError("no key on standard input (pipe it in, e.g. `printenv MY_KEY | jobtray ...`)")
    return Secret(secret)


def cmd_account_add(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.cli.settings import account_settings_from_args
    from desktop_app.core.settings import AccountSettings
    from desktop_app.engine.accounts import AccountService

    source = KeySource.ENV if args.key_env else KeySource.KEYRING
    with _open_store(args, io) as store:
        service = AccountService(store)
        draft = _draft(args, args.provider, source)
        service.validate(draft)  # every check before the key is read
        _check_discovery(args, args.provider)
        settings = account_settings_from_args(args, AccountSettings())
        secret = _read_key(io) if source == KeySource.KEYRING else None
        saved = service.add(draft, secret)
        _apply_discovery(store, args, saved.account.name, io)
        if settings != AccountSettings():
            store.settings.save_account(saved.account.name, settings)
    for warning in saved.warnings:
        io.warn(f"warning: {warning}")
    account = saved.account
    _warn_unset_key_env(account.key_env, io)
    where = f"environment variable {account.key_env}" if account.key_env else "the system keyring"
    io.line(f"added account {account.name} ({account.provider}); its key is read from {where}")
    return EXIT_OK


def cmd_account_edit(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.cli.providers import parse_vars
    from desktop_app.cli.settings import account_settings_from_args
    from desktop_app.engine.accounts import AccountDraft, AccountService

    with _open_store(args, io) as store:
        service = AccountService(store)
        old = store.accounts.get(args.name)
        if args.key_env:
            source, key_env = KeySource.ENV, args.key_env
        elif args.key_stdin:
            source, key_env = KeySource.KEYRING, None
        else:
            source, key_env = old.key_source, old.key_env
        draft = AccountDraft(
            name=args.new_name or old.name,
            provider=old.provider,
            key_source=source,
            base_url=old.base_url if args.base_url is None else (args.base_url or None),
            username=old.username if args.username is None else (args.username or None),
            key_env=key_env,
            rate_limit=old.rate_limit if args.rate_limit is None else (args.rate_limit or None),
            variables=old.variables if args.var is None else (*dict(old.variables).items(), *parse_vars(args.var)),
        )
        service.validate(draft, row_id=old.id)
        _check_discovery(args, old.provider)
        old_settings = store.settings.account(old.name)
        settings = account_settings_from_args(args, old_settings)
        secret = _read_key(io) if args.key_stdin else None
        saved = service.edit(old.name, draft, secret)
        _apply_discovery(store, args, saved.account.name, io)
        if settings != old_settings:
            store.settings.save_account(saved.account.name, settings)
    for warning in saved.warnings:
        io.warn(f"warning: {warning}")
    if args.key_env:
        _warn_unset_key_env(saved.account.key_env, io)
    io.line(f"changed account {saved.account.name} ({saved.account.provider})")
    return EXIT_OK


def _warn_unset_key_env(var: str | None, io: Output) -> None:
    """Added anyway (the key may be set where the tray or `watch` runs), but said: its jobs wait until it is."""
    import os

    if var and not os.environ.get(var, "").strip():
        io.warn(
            f"warning: environment variable {var} is not set here; the account's jobs wait (shown as a problem) "
            f"until it is set where JobTray runs"
        )


def _check_discovery(args: argparse.Namespace, provider: str) -> None:
    from desktop_app.engine.accounts import AccountService

    AccountService.check_discovery(provider, getattr(args, "discover", None))


def _apply_discovery(store: Store, args: argparse.Namespace, name: str, io: Output) -> None:
    import time

    from desktop_app.engine.accounts import AccountService

    wanted = getattr(args, "discover", None)
    changed = AccountService(store).set_discovery(name, wanted, time.time())
    if wanted is False:
        io.line(f"discovery off for {shown(name)}")
    elif wanted and changed:
        io.line(f"discovery on for {shown(name)}: media created from now on are watched (the tray looks each minute)")
        from desktop_app.engine.baseline import take_baseline_now

        failed = take_baseline_now(store, name)  # the baseline at once: what exists now never counts (issue 20)
        if failed is not None:
            io.warn(f"warning: discovery: the first look failed ({failed}); the next look counts from now")


def cmd_account_list(args: argparse.Namespace, io: Output) -> int:
    with _open_store(args, io) as store:
        accounts = store.accounts.all()
        errors = {a.name: store.accounts.last_error(a.name) for a in accounts}
        problems = store.accounts.problems()
        discovering = store.discovery.enabled()
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
                "problem": problems[a.name].as_json() if a.name in problems else None,
                "discover": a.name in discovering,
                "variables": dict(a.variables),
            }
            for a in accounts
        ]
        io.json(rows)
        return EXIT_OK
    if not accounts:
        io.line("no accounts yet: jobtray account add NAME --provider PROVIDER --key-stdin")
    for a in accounts:
        key = f"env:{a.key_env}" if a.key_source == KeySource.ENV else "keyring"
        extra = f"\t{shown(a.base_url)}" if a.base_url else ""
        problem = problems.get(a.name)
        if problem is not None:
            extra += f"\tproblem: {problem.waiting}: {shown(problem.message)} ({problem.action.lower()})"
        io.line(f"{shown(a.name)}\t{a.provider}\t{key}{extra}")
    return EXIT_OK


def cmd_account_remove(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.engine.accounts import AccountService

    with _open_store(args, io) as store:
        service = AccountService(store)
        account, count = service.remove(args.name)
    io.line(f"removed account {shown(account.name)} and its {count} job(s)")
    for warning in service.warnings:  # a key left in the keyring: said, with what to do
        io.warn(warning)
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
    from desktop_app.core.intake import place_text
    from desktop_app.engine.intake import id_book

    placed = place_text(accounts, args, account_name, id_book(), warnings=warnings)
    return [(item.account, item.job_id) for item in placed]


def cmd_add(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.cli import intake

    piped = args.from_file is not None or args.ids == ["-"]
    if not piped and not args.ids:
        raise ConfigError("name a job ID (or text holding one), `-` to read a reply from stdin, or --from-file FILE")
    if piped and args.ids and args.ids != ["-"]:
        raise ConfigError("give job IDs or read a reply (`-` / --from-file), not both")
    with _open_store(args, io) as store:
        warnings: list[str] = []
        accounts = store.accounts.all()
        if piped:
            placed = intake.place_input(accounts, intake.read_input(args.from_file), args.account, args.label, warnings)
            how = "found in the input"
        else:
            pairs = resolve_ids(accounts, args.ids, args.account, warnings)
            placed = [intake.Placed(account, job_id, args.label) for account, job_id in pairs]
            how = ""
        for warning in warnings:
            io.warn(f"warning: {warning}")
        results = intake.watch(store, placed)
    for result in results:
        account = result.placed.account
        verb = "watching" if result.created else "already watching"
        if piped:
            chose = f" (account {shown(account.name)}, {how})"
        else:
            chose = "" if args.account else f" (account {account.name}, matched by its {account.provider} ID pattern)"
        io.line(f"{verb} {shown(result.placed.job_id)}{chose}")
    return EXIT_OK


def cmd_open(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.cli import intake
    from desktop_app.core.intake import place_given
    from desktop_app.core.links import parse_link
    from desktop_app.engine.intake import id_book
    from desktop_app.providers.registry import PROVIDERS

    link = parse_link(args.link)
    from desktop_app.cli.providers import learn_definitions

    learn_definitions(data_dir(args.data_dir), io)  # a link may name a provider defined in this data folder
    cls = PROVIDERS.get(link.provider)
    if cls is None:
        raise ConfigError(f"the link names a provider JobTray does not know (known: {', '.join(PROVIDERS)}); refused")
    with _open_store(args, io) as store:
        label = displayable(link.label).strip() or None if link.label else None
        # A link is untrusted: an ID not of the vendor's documented form is refused, not added as given.
        placed = place_given(
            store.accounts.all(),
            link.provider,
            link.job_id,
            link.account,
            id_book(),
            label=label,
            strict=True,
            what="link's job ID",
        )
        account = placed.account
        results = intake.watch(store, [placed], announce=True)
    for result in results:
        verb = "watching" if result.created else "already watching"
        io.line(f"{verb} {shown(result.placed.job_id)} (account {shown(account.name)}, from a jobtray:// link)")
    return EXIT_OK


def cmd_list(args: argparse.Namespace, io: Output) -> int:
    with _open_store(args, io) as store:
        jobs = store.jobs.all(include_archived=args.all)
        problems = store.accounts.problems()  # accounts that cannot be checked: their open jobs wait
        if args.json:
            from desktop_app.cli.eta import with_etas
            from desktop_app.cli.pending import pending_json

            rows = with_etas(store, jobs)
            after_end = store.outbox.by_job()
            for job, row in zip(jobs, rows, strict=True):
                row["pending"] = [pending_json(r) for r in after_end.get(job.id, [])]
                problem = None if job.state.is_terminal else problems.get(job.account)
                row["problem"] = None if problem is None else problem.as_json()  # the state stays what it is
    if args.json:
        io.json(rows)
        return EXIT_OK
    if not jobs:
        io.line("no jobs watched: jobtray add JOB_ID")
    for j in jobs:
        io.line(job_line(j, problems.get(j.account)))
    return EXIT_OK


def cmd_history(args: argparse.Namespace, io: Output) -> int:
    with _open_store(args, io) as store:
        job = store.jobs.find_one(args.job_id, args.account)
        entries = store.jobs.history(job.id)
        after_end = store.outbox.for_job(job.id)
    if args.json:
        io.json([history_json(e) for e in entries])
        return EXIT_OK
    for e in entries:
        io.line(history_line(e))
    from desktop_app.cli.pending import history_lines

    for line in history_lines(after_end):
        io.line(line)
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, io: Output) -> int:
    with _open_store(args, io) as store:
        job = store.jobs.find_one(args.job_id, args.account)
        store.jobs.remove(job.id)
    io.line(f"stopped watching {shown(job.job_id)} ({shown(job.account)})")
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
    io.line(f"archived {shown(job.job_id)}")
    return EXIT_OK


def cmd_poll(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.cli.watch import poll

    with _open_store(args, io) as store:
        return poll(store, io)


def cmd_watch(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.cli.watch import watch

    with _open_store(args, io) as store:
        return watch(store, io, timeout=args.timeout, exit_status=args.exit_status, on_end=args.on_end or ())


def cmd_simulate(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.simulators.launcher import run_simulators

    return run_simulators(io, port=args.port)


def cmd_install_desktop_entry(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.system.desktop_entry import install

    written = install()
    io.line(f"installed {written[0]} and {len(written) - 1} icon and metadata files")
    return EXIT_OK


def cmd_tray(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.app.preflight import StartupProblem, check_all, explain_import_error

    try:
        check_all()  # Qt aborts (exit 134) on a missing display or library: say it in one line instead
    except StartupProblem as exc:
        io.warn(f"error: {exc}")
        return EXIT_ERROR
    try:
        from desktop_app.app.run import run_app
    except ImportError as exc:
        io.warn(f"error: {explain_import_error(exc)}")
        return EXIT_ERROR
    return run_app(args)


# ---- parser ------------------------------------------------------------------------------------------------


def defined_name(text: str) -> bool:
    from desktop_app.providers.definition_file import NAME

    return NAME.fullmatch(text) is not None


def provider_name(text: str) -> str:
    """argparse type: a provider of the registry (the one list; imported only when the option is given)."""
    from desktop_app.providers.registry import PROVIDERS

    if text not in PROVIDERS and not defined_name(text):  # a defined provider is learnt once the store opens
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(PROVIDERS)})")
    return text


def build_parser() -> argparse.ArgumentParser:
    from desktop_app.cli.providers import add_parser as add_provider_parser
    from desktop_app.cli.providers import add_var_option
    from desktop_app.cli.settings import add_account_options
    from desktop_app.cli.settings import add_parser as add_settings_parser

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
    add_acc.add_argument(
        "--provider", required=True, type=provider_name, metavar="PROVIDER", help="ipaper, scriptx, pdfco, ..."
    )
    add_acc.add_argument("--base-url", metavar="URL", help="the service root as the vendor documents it")
    add_acc.add_argument("--username", metavar="USER", help="user name or user ID where the provider needs one")
    add_acc.add_argument("--rate-limit", metavar="RATE", help="requests allowed, like 10/s or 45/min")
    key = add_acc.add_mutually_exclusive_group(required=True)
    key.add_argument("--key-env", metavar="VAR", help="read the key from this environment variable at poll time")
    key.add_argument("--key-stdin", action="store_true", help="read the key once from stdin into the keyring")
    add_account_options(add_acc)
    add_var_option(add_acc)
    add_acc.add_argument(
        "--discover", action="store_true", default=None, help="watch new media by themselves (encoding.com)"
    )
    add_acc.set_defaults(func=cmd_account_add)
    list_acc = account_sub.add_parser("list", help="list accounts")
    list_acc.add_argument("--json", action="store_true")
    list_acc.set_defaults(func=cmd_account_list)
    edit_acc = account_sub.add_parser("edit", help="change an account in place (its jobs are kept)")
    edit_acc.add_argument("name")
    edit_acc.add_argument("--name", dest="new_name", metavar="NEW_NAME", help="rename the account")
    edit_acc.add_argument("--base-url", metavar="URL", help="the service root ('' for the provider's default)")
    edit_acc.add_argument("--username", metavar="USER")
    edit_acc.add_argument("--rate-limit", metavar="RATE", help="like 10/s or 45/min ('' for the default)")
    edit_key = edit_acc.add_mutually_exclusive_group()
    edit_key.add_argument("--key-env", metavar="VAR", help="read the key from this environment variable")
    edit_key.add_argument("--key-stdin", action="store_true", help="read a new key from stdin into the keyring")
    add_account_options(edit_acc)
    add_var_option(edit_acc)
    discover = edit_acc.add_mutually_exclusive_group()
    discover.add_argument("--discover", action="store_true", default=None, help="watch new media by themselves")
    discover.add_argument("--no-discover", dest="discover", action="store_false", help="stop discovering")
    edit_acc.set_defaults(func=cmd_account_edit)
    rm_acc = account_sub.add_parser("remove", help="remove an account, its jobs and its keyring entry")
    rm_acc.add_argument("name")
    rm_acc.set_defaults(func=cmd_account_remove)

    add = sub.add_parser("add", help="watch job IDs (or text and URLs containing them)")
    add.add_argument("--account", metavar="NAME")
    add.add_argument("--label", metavar="TEXT")
    add.add_argument(
        "--from-file", metavar="FILE", help="read a vendor's job-creation reply (or text holding IDs) from FILE"
    )
    add.add_argument("ids", nargs="*", metavar="ID_OR_TEXT", help="job IDs, text holding them, or - for stdin")
    add.set_defaults(func=cmd_add)

    open_link = sub.add_parser("open", help="watch the job a jobtray://watch?... link names")
    open_link.add_argument("link", metavar="LINK")
    open_link.set_defaults(func=cmd_open)

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
    watch.add_argument(
        "--on-end", action="append", metavar="CMD", help="run CMD (split like a shell, no shell) when a job ends"
    )
    watch.set_defaults(func=cmd_watch)
    add_settings_parser(sub)
    add_provider_parser(sub)
    from desktop_app.cli.ack import add_parser as add_ack_parser

    add_ack_parser(sub)
    from desktop_app.cli.forward import add_parser as add_forward_parser

    add_forward_parser(sub)
    from desktop_app.cli.pending import add_parser as add_pending_parser

    add_pending_parser(sub)

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
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[-1].lower().startswith("jobtray:") and "open" not in arguments:
        # The desktop entry's `Exec=jobtray %u`: a jobtray:// link handed over by a browser or xdg-open.
        arguments = [*arguments[:-1], "open", arguments[-1]]
    args = parser.parse_args(arguments)
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
