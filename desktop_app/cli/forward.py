"""`jobtray forward add|list|remove|test` (issue 21): forwarding targets, apprise URLs kept like keys.

A URL goes to the system keyring (`--url-stdin`, or as an argument, with a warning: it shows in the process list)
or stays in an environment variable (`--url-env VAR`); the database keeps only the name and where the URL lives.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from desktop_app.cli.output import EXIT_ERROR, EXIT_OK, Output, shown
from desktop_app.core.errors import ConfigError
from desktop_app.core.forwarding import ForwardTarget, UrlSource, check_name, check_url, trial_message
from desktop_app.core.model import Secret
from desktop_app.store.database import Store, data_dir


def _open(args: argparse.Namespace) -> Store:
    return Store(data_dir(args.data_dir))


def _understood(url: str) -> bool | None:
    """Whether apprise knows the URL's service; None when apprise is not installed (it is checked when sent)."""
    from desktop_app.engine.forwarding import load_apprise

    try:
        apprise = load_apprise()
    except ImportError:
        return None
    return bool(apprise.Apprise().add(url))


def cmd_forward_add(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.system.forward_urls import delete_url, store_url

    try:
        name = check_name(args.name)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    given = [bool(args.url), args.url_stdin, bool(args.url_env)]
    if sum(given) != 1:
        raise ConfigError("give the URL one way: --url-stdin, --url-env VAR, or as an argument")
    url: str | None = None
    if args.url_env:
        source = UrlSource.ENV
        value = os.environ.get(args.url_env, "").strip()
        if not value:
            io.warn(f"warning: environment variable {args.url_env} is not set here; forwards fail until it is")
        else:
            url = value
    else:
        source = UrlSource.KEYRING
        if args.url_stdin:
            url = sys.stdin.readline().strip()
            if not url:
                raise ConfigError("no URL on standard input (pipe it in, e.g. `printenv NTFY_URL | jobtray ...`)")
        else:
            url = args.url.strip()
            io.warn("warning: a URL given as an argument shows in the process list and the shell's history")
    if url is not None:
        check_url(url)
        if _understood(url) is False:
            raise ConfigError("apprise does not know that URL's service (see https://github.com/caronc/apprise/wiki)")
    target = ForwardTarget(name, source, account=args.account, url_env=args.url_env, with_link=args.with_link)
    with _open(args) as store:
        if source is UrlSource.KEYRING:
            assert url is not None
            # Refused before the keyring is touched: storing would overwrite that target's URL.
            if any(known.name == name for known in store.forwards.all()):
                raise ConfigError(f"a forward named {name!r} exists already (remove it first)")
            # Outside any transaction: a locked keyring waits for its unlock prompt, and the database's write lock
            # must not wait with it (the tray and other commands write meanwhile).
            store_url(name, Secret(url))
            try:
                saved = store.forwards.add(target)
            except BaseException:
                delete_url(name)  # refused (an unknown account, a name taken meanwhile): no URL left behind
                raise
        else:
            saved = store.forwards.add(target)
    whose = f"account {shown(saved.account)}" if saved.account else "every account"
    io.line(f"added forward {shown(saved.name)} for {whose}; its URL is read from {saved.where}")
    return EXIT_OK


def _row(target: ForwardTarget) -> dict[str, Any]:
    problem = None
    if target.url_source is UrlSource.ENV and not os.environ.get(target.url_env or "", "").strip():
        problem = f"environment variable {target.url_env} is not set"
    return {
        "name": target.name,
        "account": target.account,
        "url_source": target.url_source.value,
        "url_env": target.url_env,
        "with_link": target.with_link,
        "problem": problem,
    }


def cmd_forward_list(args: argparse.Namespace, io: Output) -> int:
    with _open(args) as store:
        targets = store.forwards.all()
    rows = [_row(t) for t in targets]
    if args.json:
        io.json(rows)
        return EXIT_OK
    if not rows:
        io.line("no forwards yet: jobtray forward add NAME --url-env VAR (or --url-stdin)")
    for row in rows:
        where = f"env:{row['url_env']}" if row["url_source"] == "env" else "keyring"
        fields = [row["name"], row["account"] or "(all accounts)", where, "with link" if row["with_link"] else ""]
        line = "\t".join(shown(f) for f in fields).rstrip()
        io.line(f"{line}\t{row['problem']}" if row["problem"] else line)
    return EXIT_OK


def cmd_forward_remove(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.system.forward_urls import delete_url

    with _open(args) as store:
        target = store.forwards.remove(args.name)
    if target.url_source is UrlSource.KEYRING:
        delete_url(target.name)
    io.line(f"removed forward {shown(target.name)}")
    return EXIT_OK


def cmd_forward_test(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.engine.forwarding import deliver
    from desktop_app.system.forward_urls import load_url

    with _open(args) as store:
        target = store.forwards.get(args.name)
    url = load_url(target)
    reason = deliver(url, trial_message(), args.deadline)
    if reason is not None:
        io.warn(f"forward {target.name}: not delivered: {reason}")
        return EXIT_ERROR
    io.line(f"sent a test to forward {shown(target.name)}")
    return EXIT_OK


def add_parser(sub: Any) -> None:
    """`forward` under the top-level sub-commands (`sub` is argparse's subparsers action)."""
    forward = sub.add_parser("forward", help="send endings to phones and chat through apprise URLs")
    actions = forward.add_subparsers(dest="forward_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a target (its URL goes to the keyring or stays in env)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("url", metavar="URL", nargs="?", help="the apprise URL (shows in the process list: prefer stdin)")
    add.add_argument("--url-stdin", action="store_true", help="read the URL from stdin into the keyring")
    add.add_argument("--url-env", metavar="VAR", help="read the URL from this environment variable when sending")
    add.add_argument("--account", metavar="NAME", help="only this account's endings (default: every account's)")
    add.add_argument("--with-link", action="store_true", help="send the result link too (signed links are secrets)")
    add.set_defaults(func=cmd_forward_add)
    lst = actions.add_parser("list", help="list targets (never their URLs)")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_forward_list)
    rm = actions.add_parser("remove", help="remove a target and its keyring entry")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(func=cmd_forward_remove)
    test = actions.add_parser("test", help="send a test message to a target now")
    test.add_argument("name", metavar="NAME")
    test.add_argument("--deadline", type=float, default=20.0, metavar="SECONDS", help="give up after this long")
    test.set_defaults(func=cmd_forward_test)
